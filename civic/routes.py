"""The civic domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

ROUTES: list[Any] = []
