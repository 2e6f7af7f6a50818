"""Legami's shared kernel: it imports no domain and not the composition root (legami/)."""

import os

# Piccolo finds the engine through this module; set before any table is defined.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
