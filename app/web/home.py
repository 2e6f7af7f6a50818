"""The home page: what the signed-in person can do, by role."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from app.organizations import kind_label, role_label


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template | Redirect:
    caller = request.scope["state"].get("caller")
    if caller is None:
        return Template("welcome.html")
    return Template("home.html", context={"kind_label": kind_label, "role_label": role_label})
