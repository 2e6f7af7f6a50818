"""The home page: what the signed-in person can do, by role, and what to do next.

The next steps come from the domains (each knows its own state) through providers the
composition root hands to the app (`app.state.next_steps`): the kernel names no domain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from app.auth.caller import Caller
from app.organizations import kind_label, role_label


@dataclass(frozen=True)
class NextStep:
    """One thing to do now: `text` in the reader's language, `href` where to do it."""

    text: str
    href: str
    action: str  # the link's words


NextSteps = Callable[[Caller], Awaitable[list[NextStep]]]


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template | Redirect:
    caller = request.scope["state"].get("caller")
    if caller is None:
        return Template("welcome.html")
    found: list[NextStep] = []
    for provider in request.app.state.get("next_steps", ()):
        found += await provider(caller)
    return Template("home.html", context={"kind_label": kind_label, "role_label": role_label,
                                          "next_steps": found})
