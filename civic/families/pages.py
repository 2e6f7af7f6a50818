"""The school coordinator's family pages: the list, the CSV import and its preview, a
family with its pupils and their consents, the Word report; and the notices page of the
program staff. Handlers parse, call one service and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from babel import Locale, UnknownLocaleError
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import roles, signed_in
from app.errors import InvalidInput
from app.i18n import _, current_language
from app.web.context import caller_of, form_of
from app.web.downloads import download
from civic.consents import service as consents
from civic.families import care
from civic.families import csv_import as family_import
from civic.families import service as families
from civic.families.schemas import (
    CareUpdate,
    ConsentCreate,
    FamilyUpdate,
    NoticeCreate,
    PupilUpdate,
)
from civic.schools import report as school_report
from integrations.hr.csv_import import MAX_BYTES

Req = Request[Any, Any, Any]


def pattern_labels() -> dict[str | None, str]:
    return {"both_working": _("Both parents work"), "one_working": _("One parent works"),
            "shifts": _("Shift work"), "not_working": _("Not working"),
            None: _("Not shared")}


def language_label(code: str) -> str:
    """A language's name in the reader's language ("rumeno" for ro), else its code."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(current_language())
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def _helpers() -> dict[str, Any]:
    # Templates get the school as `this_school`: base.html sets `school` for its menu.
    return {"pattern_labels": pattern_labels(), "language_label": language_label}


async def read_upload(upload: Any) -> tuple[str, bytes]:
    """The name and content of an uploaded family file; InvalidInput when there is none."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput({"file": _("Choose the families' file (CSV) to upload.")})
    # One byte more than allowed is enough for the parser to say the file is too large.
    return upload.filename, await upload.read(MAX_BYTES + 1)



def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


class FamilyPages(Controller):
    path = "/schools/{school_id:uuid}"
    guards = [signed_in]
    include_in_schema = False

    @get("/families", media_type=MediaType.HTML)
    async def list_page(self, request: Req, school_id: UUID, q: str = "", page: int = 1
                        ) -> Template:
        caller = caller_of(request)
        listing = await families.list_families(caller, school_id, q, page)
        return Template("families/list.html", context={
            "listing": listing, "this_school": listing.school,
            "notice": await consents.current_notice(),
            "deleted": "deleted" in request.query_params, **_helpers()})

    @get("/families/import", media_type=MediaType.HTML)
    async def import_form(self, request: Req, school_id: UUID) -> Template:
        return await self._import_form(request, school_id, {})

    @post("/families/import", media_type=MediaType.HTML)
    async def upload(self, request: Req, school_id: UUID) -> Any:
        form = await request.form()
        try:
            filename, data = await read_upload(form.get("file"))
            preview = await family_import.preview_import(caller_of(request), school_id,
                                                         filename, data)
        except InvalidInput as invalid:
            return await self._import_form(request, school_id, invalid.errors)
        return _see_other(f"/schools/{school_id}/families/imports/{preview.id}")

    @get("/families/imports/{import_id:int}", media_type=MediaType.HTML)
    async def import_page(self, request: Req, school_id: UUID, import_id: int) -> Template:
        return await self._import_page(request, school_id, import_id, {})

    @post("/families/imports/{import_id:int}/confirm", media_type=MediaType.HTML)
    async def confirm(self, request: Req, school_id: UUID, import_id: int) -> Any:
        try:
            await family_import.apply_import(caller_of(request), school_id, import_id)
        except InvalidInput as invalid:
            return await self._import_page(request, school_id, import_id, invalid.errors)
        return _see_other(f"/schools/{school_id}/families/imports/{import_id}")

    @get("/families/{family_id:uuid}", media_type=MediaType.HTML)
    async def family_page(self, request: Req, school_id: UUID, family_id: UUID) -> Template:
        return await self._family(request, school_id, family_id, {})

    @post("/families/{family_id:uuid}", media_type=MediaType.HTML)
    async def edit_family(self, request: Req, school_id: UUID, family_id: UUID) -> Any:
        form = await form_of(request)
        data = FamilyUpdate(
            reference_adult=form.get("reference_adult", ""),
            contact_email=form.get("contact_email") or None,
            contact_phone=form.get("contact_phone") or None,
            language=form.get("language", ""), working_pattern=form.get("working_pattern") or None,
            town=form.get("town", ""), emergency_phone=form.get("emergency_phone") or None)
        try:
            await families.update_family(caller_of(request), school_id, family_id, data)
        except InvalidInput as invalid:
            return await self._family(request, school_id, family_id, invalid.errors,
                                      form=form)
        return _see_other(f"/schools/{school_id}/families/{family_id}?saved=family")

    @post("/families/{family_id:uuid}/pupils/{pupil_id:uuid}", media_type=MediaType.HTML)
    async def edit_pupil(self, request: Req, school_id: UUID, family_id: UUID,
                         pupil_id: UUID) -> Any:
        form = await form_of(request)
        year = form.get("birth_year", "").strip()
        data = PupilUpdate(first_name=form.get("first_name", ""),
                           birth_year=int(year) if families.whole_number(year, 4) else 0,
                           class_name=form.get("class_name", ""),
                           last_name=form.get("last_name", ""),
                           birth_date=care.signed_on(form.get("birth_date", "")))
        try:
            await families.update_pupil(caller_of(request), school_id, family_id, pupil_id,
                                        data)
        except InvalidInput as invalid:
            return await self._family(request, school_id, family_id, invalid.errors,
                                      pupil_id=pupil_id, form=form)
        return _see_other(f"/schools/{school_id}/families/{family_id}?saved=pupil#p-{pupil_id}")

    @post("/families/{family_id:uuid}/pupils/{pupil_id:uuid}/consent",
          media_type=MediaType.HTML)
    async def record_consent(self, request: Req, school_id: UUID, family_id: UUID,
                             pupil_id: UUID) -> Any:
        form = await form_of(request)
        data = ConsentCreate(given_by=form.get("given_by", ""),
                             given_by_role=form.get("given_by_role", "parent"),
                             photo_release=form.get("photo_release") == "1")
        try:
            await consents.record_consent(caller_of(request), school_id, pupil_id, data,
                                          family_id)
        except InvalidInput as invalid:
            return await self._family(request, school_id, family_id, invalid.errors,
                                      pupil_id=pupil_id, form=form)
        return _see_other(
            f"/schools/{school_id}/families/{family_id}?saved=consent#p-{pupil_id}")

    @post("/families/{family_id:uuid}/pupils/{pupil_id:uuid}/care", media_type=MediaType.HTML)
    async def record_care(self, request: Req, school_id: UUID, family_id: UUID,
                          pupil_id: UUID) -> Any:
        form = await form_of(request)
        data = CareUpdate(pickup_persons=form.get("pickup_persons", ""),
                          care_note=form.get("care_note", ""),
                          consent_by=form.get("consent_by", ""),
                          consent_on=care.signed_on(form.get("consent_on", "")))
        try:
            await care.record_care(caller_of(request), school_id, family_id, pupil_id, data)
        except InvalidInput as invalid:
            return await self._family(request, school_id, family_id, invalid.errors,
                                      pupil_id=pupil_id, form=form)
        return _see_other(f"/schools/{school_id}/families/{family_id}?saved=care#p-{pupil_id}")

    @post("/families/{family_id:uuid}/pupils/{pupil_id:uuid}/consent/withdraw",
          media_type=MediaType.HTML)
    async def withdraw_consent(self, request: Req, school_id: UUID, family_id: UUID,
                               pupil_id: UUID) -> Any:
        try:
            await consents.withdraw_consent(caller_of(request), school_id, pupil_id,
                                            family_id)
        except InvalidInput as invalid:
            return await self._family(request, school_id, family_id, invalid.errors,
                                      pupil_id=pupil_id)
        return _see_other(
            f"/schools/{school_id}/families/{family_id}?saved=withdrawn#p-{pupil_id}")

    @get("/consents/class", media_type=MediaType.HTML)
    async def class_consents_page(self, request: Req, school_id: UUID, class_name: str = ""
                                  ) -> Template:
        return await self._class_page(request, school_id, class_name[:20], {}, {})

    @post("/consents/class", media_type=MediaType.HTML)
    async def record_class_consents(self, request: Req, school_id: UUID) -> Any:
        form = await request.form()
        class_name = str(form.get("class_name", ""))[:20]
        forms = {}
        for key in form:
            pupil = _uuid_or_none(key.removeprefix("signed-")) if key.startswith("signed-") \
                else None
            if pupil is not None:
                forms[pupil] = ConsentCreate(
                    given_by=str(form.get(f"given_by-{pupil}", "")),
                    photo_release=form.get(f"photo_release-{pupil}") == "1")
        try:
            count = await consents.record_class_consents(
                caller_of(request), school_id, care.signed_on(str(form.get("signed_on", ""))),
                forms)
        except InvalidInput as invalid:
            raw = {key: str(form.get(key, "")) for key in form if key != "_csrf_token"}
            return await self._class_page(request, school_id, class_name, invalid.errors, raw)
        return _see_other(f"/schools/{school_id}/consents/class?class_name={quote(class_name)}"
                          f"&recorded={count}")

    async def _class_page(self, request: Req, school_id: UUID, class_name: str,
                          errors: dict[str, str], form: dict[str, str]) -> Template:
        caller = caller_of(request)
        school = await families.school_of(caller, school_id)
        classes = await families.school_classes(caller, school_id)
        pupils = await families.class_pupils(caller, school_id, class_name) \
            if class_name in classes else []
        return Template("families/class_consents.html", status_code=422 if errors else 200,
                        context={"this_school": school, "classes": classes,
                                 "class_name": class_name if class_name in classes else "",
                                 "pupils": pupils, "errors": errors, "form": form,
                                 "notice": await consents.current_notice(),
                                 "recorded": request.query_params.get("recorded", "")})

    @post("/families/{family_id:uuid}/delete", media_type=MediaType.HTML)
    async def delete_family(self, request: Req, school_id: UUID, family_id: UUID) -> Any:
        form = await form_of(request)
        if form.get("confirm") != "1":
            return await self._family(request, school_id, family_id, {"confirm": _(
                "Tick the box to confirm that the family asked to be deleted.")})
        await families.delete_family(caller_of(request), school_id, family_id)
        return _see_other(f"/schools/{school_id}/families?deleted=1")

    @get("/report.docx")
    async def report_docx(self, request: Req, school_id: UUID) -> Response[bytes]:
        filename, data = await school_report.school_report_docx(caller_of(request), school_id)
        return download(filename, data)

    async def _import_form(self, request: Req, school_id: UUID, errors: dict[str, str]
                           ) -> Template:
        school = await families.school_of(caller_of(request), school_id)
        return Template("families/import.html", status_code=422 if errors else 200, context={
            "this_school": school, "errors": errors, "max_megabytes": MAX_BYTES // (1024 * 1024),
            "columns": family_import.COLUMN_NAMES, "required": family_import.REQUIRED})

    async def _import_page(self, request: Req, school_id: UUID, import_id: int,
                           errors: dict[str, str]) -> Template:
        caller = caller_of(request)
        school = await families.school_of(caller, school_id)
        preview = await family_import.get_import(caller, school_id, import_id)
        return Template("families/import_preview.html", status_code=422 if errors else 200,
                        context={"this_school": school, "preview": preview, "errors": errors})

    async def _family(self, request: Req, school_id: UUID, family_id: UUID,
                      errors: dict[str, str], pupil_id: UUID | None = None,
                      form: dict[str, str] | None = None) -> Template:
        family = await families.family_detail(caller_of(request), school_id, family_id)
        school = await families.school_of(caller_of(request), school_id)
        if pupil_id is not None:  # a pupil's form: its fields have ids of their own
            errors = {f"{key}-{pupil_id}": message for key, message in errors.items()}
        return Template("families/detail.html", status_code=422 if errors else 200, context={
            "this_school": school, "family": family, "errors": errors, "form": form or {},
            "error_pupil": pupil_id, "notice": await consents.current_notice(),
            "keeps_care": care.keeps_forms(caller_of(request), school_id),
            "saved": request.query_params.get("saved"), **_helpers()})


class NoticePages(Controller):
    path = "/civic/notices"
    guards = [roles(*PROGRAM_STAFF)]
    include_in_schema = False

    @get(media_type=MediaType.HTML)
    async def notices_page(self, request: Req) -> Template:
        return await self._page(request, {}, {})

    @post(media_type=MediaType.HTML)
    async def publish(self, request: Req) -> Any:
        form = await form_of(request)
        months = form.get("retention_months", "").strip()
        data = NoticeCreate(version=form.get("version", ""), text_it=form.get("text_it", ""),
                            text_en=form.get("text_en", ""),
                            retention_months=int(months) if families.whole_number(months, 4)
                            else 0)
        try:
            await consents.publish_notice(caller_of(request), data)
        except InvalidInput as invalid:
            return await self._page(request, invalid.errors, form)
        return _see_other("/civic/notices?published=1")

    async def _page(self, request: Req, errors: dict[str, str], form: dict[str, str]
                    ) -> Template:
        notices = await consents.list_notices(caller_of(request))
        return Template("consents/notices.html", status_code=422 if errors else 200, context={
            "notices": notices, "errors": errors, "form": form,
            "published": "published" in request.query_params})
