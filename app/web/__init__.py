"""The web layer. `create_app` is imported lazily so that domain page modules can
import `app.web.context` and friends without importing every domain's routes."""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from app.web.application import create_app

        return create_app
    raise AttributeError(name)
