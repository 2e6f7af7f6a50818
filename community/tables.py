"""Tables of the community domain; they arrive with issue 6."""

import app  # noqa: F401  (sets PICCOLO_CONF before tables are defined)
