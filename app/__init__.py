"""Legami: the composition root and shared kernel."""

import os

# Piccolo finds the engine through this module; set before any table is defined.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
