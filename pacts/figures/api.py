"""The pacts' counts for program staff, with the threshold (GET /api/v1/program/pacts)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get

from app.auth.guards import signed_in
from app.web.context import caller_of
from app.web.errors import answers
from pacts.figures.service import PactFigures, pact_figures


class PactFiguresController(Controller):
    path = "/api/v1/program/pacts"
    guards = [signed_in]
    tags = ["program"]

    @get("/", responses=answers(403))
    async def figures(self, request: Request[Any, Any, Any]) -> PactFigures:
        """Counts of pacts to date; a count from 1 to 4 is null ("fewer than 5")."""
        return await pact_figures(caller_of(request))
