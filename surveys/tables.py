"""Tables of the surveys domain; they arrive with issue 4."""

import app  # noqa: F401  (sets PICCOLO_CONF before tables are defined)
