"""The JSON API of initiatives, the needs taxonomy, the employee's sign-ups and the HR
manager's participation counts: the same services as the pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, get, post, put

from app.auth.guards import roles, signed_in
from app.errors import InvalidInput
from app.roles import COMMUNITY_MAKER, HR_MANAGER, PROGRAM_ADMIN
from app.web.context import caller_of
from community.initiatives import mine as my_initiatives
from community.initiatives import service as initiatives
from community.initiatives.schemas import (
    Initiative,
    InitiativeCreate,
    InitiativeSummary,
    InitiativeUpdate,
    JoinIn,
    MyInitiative,
    Participation,
    RosterSeat,
    Taxonomy,
    TypeCreate,
    TypeEdit,
    TypeInfo,
    WelfareCategoryCreate,
    WelfareCategoryEdit,
    WelfareCategoryInfo,
)
from community.taxonomy import service as taxonomy
from community.taxonomy.needs import client_needs_refused

Req = Request[Any, Any, Any]


class InitiativesController(Controller):
    path = "/api/v1/initiatives"
    guards = [roles(PROGRAM_ADMIN, COMMUNITY_MAKER, HR_MANAGER)]
    tags = ["initiatives"]

    @get()
    async def list_initiatives(self, request: Req) -> list[InitiativeSummary]:
        """Every initiative (program staff); an HR manager's company's and the open ones."""
        return await initiatives.list_initiatives(caller_of(request))

    @post()
    async def create(self, request: Req, data: InitiativeCreate) -> Initiative:
        """Make an initiative with its places: a draft, or published at once with
        `publish` (it needs dates, a place and a description). Needs are never taken from
        the body: an initiative made from needs comes from /api/v1/proposals."""
        if data.needs:
            raise InvalidInput({"needs": client_needs_refused()})
        caller = caller_of(request)
        return await initiatives.get_initiative(
            caller, await initiatives.create_initiative(caller, data))

    @get("/{initiative_id:uuid}")
    async def get_initiative(self, request: Req, initiative_id: UUID) -> Initiative:
        return await initiatives.get_initiative(caller_of(request), initiative_id)

    @put("/{initiative_id:uuid}")
    async def update(self, request: Req, initiative_id: UUID,
                     data: InitiativeUpdate) -> Initiative:
        """Change an initiative; places never below those taken."""
        return await initiatives.update_initiative(caller_of(request), initiative_id, data)

    @post("/{initiative_id:uuid}/publish", status_code=200)
    async def publish(self, request: Req, initiative_id: UUID) -> Initiative:
        """Show a draft to the people it is for; 422 names what it still lacks."""
        return await initiatives.publish_initiative(caller_of(request), initiative_id)

    @post("/{initiative_id:uuid}/close", status_code=200)
    async def close(self, request: Req, initiative_id: UUID) -> Initiative:
        """End sign-ups and the waitlist."""
        return await initiatives.close_initiative(caller_of(request), initiative_id)

    @get("/{initiative_id:uuid}/roster")
    async def roster(self, request: Req, initiative_id: UUID) -> list[RosterSeat]:
        """Who has a place, an offer or waits (program staff only)."""
        return await initiatives.roster(caller_of(request), initiative_id)


class TaxonomyController(Controller):
    path = "/api/v1/taxonomy"
    guards = [signed_in]
    tags = ["taxonomy"]

    @get()
    async def read(self, request: Req) -> Taxonomy:
        """Need areas, initiative types and welfare categories, in the caller's language."""
        return await taxonomy.taxonomy()

    @post("/types")
    async def create_type(self, request: Req, data: TypeCreate) -> TypeInfo:
        return await taxonomy.create_type(caller_of(request), data)

    @put("/types/{key:str}")
    async def update_type(self, request: Req, key: str, data: TypeEdit) -> TypeInfo:
        return await taxonomy.update_type(caller_of(request), key, data)

    @delete("/types/{key:str}", status_code=204)
    async def delete_type(self, request: Req, key: str) -> None:
        await taxonomy.delete_type(caller_of(request), key)

    @post("/categories")
    async def create_category(self, request: Req,
                              data: WelfareCategoryCreate) -> WelfareCategoryInfo:
        return await taxonomy.create_category(caller_of(request), data)

    @put("/categories/{key:str}")
    async def update_category(self, request: Req, key: str,
                              data: WelfareCategoryEdit) -> WelfareCategoryInfo:
        return await taxonomy.update_category(caller_of(request), key, data)

    @delete("/categories/{key:str}", status_code=204)
    async def delete_category(self, request: Req, key: str) -> None:
        await taxonomy.delete_category(caller_of(request), key)


class MyInitiativesController(Controller):
    path = "/api/v1/me/initiatives"
    guards = [signed_in]
    tags = ["me"]

    @get()
    async def list_mine(self, request: Req) -> list[MyInitiative]:
        """Initiatives of the caller's company and town, with their own place."""
        return await my_initiatives.my_initiatives(caller_of(request))

    @get("/{initiative_id:uuid}")
    async def get_mine(self, request: Req, initiative_id: UUID) -> MyInitiative:
        return await my_initiatives.my_initiative(caller_of(request), initiative_id)

    @post("/{initiative_id:uuid}/join", status_code=200)
    async def join(self, request: Req, initiative_id: UUID,
                   data: JoinIn | None = None) -> MyInitiative:
        """A place if one is free, else a place on the waitlist; a children's initiative
        needs `children` (first name and age). A confirmation mail follows."""
        return await my_initiatives.join(caller_of(request), initiative_id,
                                         data.children if data else [])

    @post("/{initiative_id:uuid}/leave", status_code=200)
    async def leave(self, request: Req, initiative_id: UUID) -> MyInitiative:
        return await my_initiatives.leave(caller_of(request), initiative_id)

    @post("/{initiative_id:uuid}/accept", status_code=200)
    async def accept(self, request: Req, initiative_id: UUID) -> MyInitiative:
        """Take the place offered before its deadline."""
        return await my_initiatives.accept_offer(caller_of(request), initiative_id)

    @post("/{initiative_id:uuid}/decline", status_code=200)
    async def decline(self, request: Req, initiative_id: UUID) -> MyInitiative:
        return await my_initiatives.decline_offer(caller_of(request), initiative_id)


class ParticipationController(Controller):
    path = "/api/v1/companies/{company_id:uuid}/participation"
    guards = [signed_in]
    tags = ["initiatives"]

    @get()
    async def participation(self, request: Req, company_id: UUID) -> Participation:
        """How many of the company's employees have a place, per initiative; counts under
        the group threshold are hidden; never names."""
        return await initiatives.participation(caller_of(request), company_id)
