"""The roster in the JSON API: the same actions as the portal's roster pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from app.auth.guards import signed_in
from app.web.context import caller_of
from company_portal.roster import service as roster
from company_portal.roster.pages import read_upload
from company_portal.roster.service import (
    ImportConfirm,
    NewScimToken,
    RosterImportPreview,
    RosterPage,
    ScimTokenInfo,
)


@dataclass
class RosterUpload:
    file: UploadFile


class RosterController(Controller):
    path = "/api/v1/companies/{organization_id:uuid}/roster"
    guards = [signed_in]
    tags = ["roster"]

    @get()
    async def list_roster(self, request: Request[Any, Any, Any], organization_id: UUID,
                          page: int = 1, per_page: int = 50) -> RosterPage:
        return await roster.list_roster(caller_of(request), organization_id, page, per_page)

    @post("/imports")
    async def upload(self, request: Request[Any, Any, Any], organization_id: UUID,
                     data: Annotated[RosterUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
                     ) -> RosterImportPreview:
        filename, content = await read_upload(data.file)
        return await roster.preview_import(caller_of(request), organization_id, filename, content)

    @get("/imports/{import_id:int}")
    async def get_import(self, request: Request[Any, Any, Any], organization_id: UUID,
                         import_id: int) -> RosterImportPreview:
        return await roster.get_import(caller_of(request), organization_id, import_id)

    @post("/imports/{import_id:int}/confirm", status_code=200)
    async def confirm(self, request: Request[Any, Any, Any], organization_id: UUID,
                      import_id: int, data: ImportConfirm | None = None) -> RosterImportPreview:
        data = data or ImportConfirm()
        return await roster.apply_import(caller_of(request), organization_id, import_id,
                                         data.confirm_deactivation, data.reporting_groups)

    @get("/scim-tokens")
    async def list_tokens(self, request: Request[Any, Any, Any],
                          organization_id: UUID) -> list[ScimTokenInfo]:
        return await roster.list_scim_tokens(caller_of(request), organization_id)

    @post("/scim-tokens")
    async def create_token(self, request: Request[Any, Any, Any],
                           organization_id: UUID) -> NewScimToken:
        return await roster.create_scim_token(caller_of(request), organization_id)

    @post("/scim-tokens/{token_id:int}/revoke", status_code=204)
    async def revoke_token(self, request: Request[Any, Any, Any], organization_id: UUID,
                           token_id: int) -> None:
        await roster.revoke_scim_token(caller_of(request), organization_id, token_id)
