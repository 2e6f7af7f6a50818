"""The portal's roster pages: the list, CSV upload, preview, confirmation, SCIM tokens.

The preview shows how many people each effect concerns, then the first people of each
effect; one effect at a time (`?effect=update`) lists them all, a page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of
from company_portal.roster import service as roster
from company_portal.roster.service import RosterImportPreview, RowEffect
from integrations.hr.csv_import import MAX_BYTES, TEMPLATE


async def read_upload(upload: Any) -> tuple[str, bytes]:
    """The name and content of an uploaded roster file; InvalidInput when there is none."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput({"file": _("Choose the roster file (CSV) to upload.")})
    # One byte more than allowed is enough for the parser to say the file is too large.
    return upload.filename, await upload.read(MAX_BYTES + 1)


class RosterPages(Controller):
    path = "/portal/{organization_id:uuid}/roster"
    guards = [signed_in]
    include_in_schema = False

    @get()
    async def roster_page(self, request: Request[Any, Any, Any], organization_id: UUID,
                          page: int = 1) -> Template:
        return await self._roster(request, organization_id, page, {})

    @post("/imports")
    async def upload(self, request: Request[Any, Any, Any], organization_id: UUID) -> Any:
        caller = caller_of(request)
        form = await request.form()
        try:
            filename, data = await read_upload(form.get("file"))
            preview = await roster.preview_import(caller, organization_id, filename, data)
        except InvalidInput as invalid:
            return await self._roster(request, organization_id, 1, invalid.errors)
        return Redirect(f"/portal/{organization_id}/roster/imports/{preview.id}",
                        status_code=303)

    @get("/template.csv")
    async def template(self, request: Request[Any, Any, Any],
                       organization_id: UUID) -> Response[bytes]:
        """A file to fill in, with the columns the import reads and one example row."""
        await roster.company_of(caller_of(request), organization_id)
        return Response(TEMPLATE.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="organico.csv"'})

    @get("/imports/{import_id:int}")
    async def import_page(self, request: Request[Any, Any, Any], organization_id: UUID,
                          import_id: int, effect: str | None = None, page: int = 1
                          ) -> Template:
        return await self._import(request, organization_id, import_id, {}, effect, page)

    @post("/imports/{import_id:int}/confirm")
    async def confirm(self, request: Request[Any, Any, Any], organization_id: UUID,
                      import_id: int) -> Any:
        form = await request.form()
        # The choice of reporting groups is on the form only when the file offers some.
        groups = form.getall("reporting_groups", []) if form.get("groups_offered") else None
        try:
            await roster.apply_import(caller_of(request), organization_id, import_id,
                                      confirm_deactivation=form.get("confirm_deactivation") == "1",
                                      reporting_groups=groups)
        except InvalidInput as invalid:
            return await self._import(request, organization_id, import_id, invalid.errors)
        return Redirect(f"/portal/{organization_id}/roster/imports/{import_id}",
                        status_code=303)

    @post("/scim-tokens")
    async def token_create(self, request: Request[Any, Any, Any],
                           organization_id: UUID) -> Template:
        caller = caller_of(request)
        company = await roster.company_of(caller, organization_id)
        token = await roster.create_scim_token(caller, organization_id)
        return Template("portal/roster_scim_token.html", status_code=200,
                        context={"company": company, "token": token})

    @post("/scim-tokens/{token_id:int}/revoke")
    async def token_revoke(self, request: Request[Any, Any, Any], organization_id: UUID,
                           token_id: int) -> Redirect:
        await roster.revoke_scim_token(caller_of(request), organization_id, token_id)
        return Redirect(f"/portal/{organization_id}/roster?revoked=1", status_code=303)

    async def _roster(self, request: Request[Any, Any, Any], organization_id: UUID, page: int,
                      errors: dict[str, str]) -> Template:
        caller = caller_of(request)
        company = await roster.company_of(caller, organization_id)
        return Template("portal/roster.html", status_code=422 if errors else 200, context={
            "company": company, "errors": errors,
            "roster": await roster.list_roster(caller, organization_id, page),
            "tokens": await roster.list_scim_tokens(caller, organization_id),
            "scim_url": roster.scim_url(), "revoked": "revoked" in request.query_params,
            "max_megabytes": MAX_BYTES // (1024 * 1024)})

    async def _import(self, request: Request[Any, Any, Any], organization_id: UUID,
                      import_id: int, errors: dict[str, str], effect: str | None = None,
                      page: int = 1) -> Template:
        caller = caller_of(request)
        company = await roster.company_of(caller, organization_id)
        preview = await roster.get_import(caller, organization_id, import_id)
        shown = effect if effect in EFFECTS else None
        return Template("portal/roster_import.html", status_code=422 if errors else 200,
                        context={"company": company, "preview": preview, "errors": errors,
                                 "effect": shown, "counts": effect_counts(preview),
                                 "sections": effect_sections(preview, shown, page)})


EFFECTS = ("add", "update", "deactivate", "unchanged")
FIRST = 10  # people shown per effect before one effect is chosen
PER_PAGE = 100  # people shown per page of one effect


@dataclass
class Section:
    """The people one effect concerns, as far as the page shows them."""

    effect: str
    total: int
    rows: list[RowEffect]
    page: int
    pages: int


def effect_counts(preview: RosterImportPreview) -> dict[str, int]:
    return {"add": preview.add, "update": preview.update, "deactivate": preview.deactivate,
            "unchanged": preview.unchanged}


def effect_sections(preview: RosterImportPreview, effect: str | None, page: int
                    ) -> list[Section]:
    """Each effect's first people, or one effect's people a page at a time."""
    sections = []
    for name in [effect] if effect else EFFECTS:
        rows = [row for row in preview.effects if row.effect == name]
        if not rows:
            continue
        if effect is None:
            sections.append(Section(name, len(rows), rows[:FIRST], 1, 1))
            continue
        pages = -(-len(rows) // PER_PAGE)
        page = min(max(page, 1), pages)
        sections.append(Section(name, len(rows),
                                rows[(page - 1) * PER_PAGE:page * PER_PAGE], page, pages))
    return sections
