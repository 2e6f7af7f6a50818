"""Families, pupils, consents, family imports, the school report and privacy notices in
the JSON API: what the family pages do. A school out of reach answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from app.auth.guards import signed_in
from app.web.context import caller_of
from app.web.downloads import DOCX, download
from app.web.errors import answers
from civic.consents import service as consents
from civic.families import csv_import as family_import
from civic.families import service as families
from civic.families.pages import read_upload
from civic.families.schemas import (
    ConsentCreate,
    ConsentHistory,
    FamilyImportPreview,
    FamilyList,
    FamilyOut,
    FamilyUpdate,
    NoticeCreate,
    NoticeOut,
    PupilUpdate,
    SchoolReport,
)
from civic.schools import report as school_report

Req = Request[Any, Any, Any]


@dataclass
class FamilyUpload:
    file: UploadFile


class SchoolFamilyController(Controller):
    path = "/api/v1/schools/{school_id:uuid}"
    guards = [signed_in]
    tags = ["families"]

    @get("/families")
    async def list_families(self, request: Req, school_id: UUID, q: str = "", page: int = 1,
                            per_page: int = 50) -> FamilyList:
        return await families.list_families(caller_of(request), school_id, q, page, per_page)

    @get("/families/{family_id:uuid}")
    async def get_family(self, request: Req, school_id: UUID, family_id: UUID) -> FamilyOut:
        return await families.family_detail(caller_of(request), school_id, family_id)

    @put("/families/{family_id:uuid}")
    async def update_family(self, request: Req, school_id: UUID, family_id: UUID,
                            data: FamilyUpdate) -> FamilyOut:
        return await families.update_family(caller_of(request), school_id, family_id, data)

    @delete("/families/{family_id:uuid}", status_code=204)
    async def delete_family(self, request: Req, school_id: UUID, family_id: UUID) -> None:
        await families.delete_family(caller_of(request), school_id, family_id)

    @put("/families/{family_id:uuid}/pupils/{pupil_id:uuid}")
    async def update_pupil(self, request: Req, school_id: UUID, family_id: UUID,
                           pupil_id: UUID, data: PupilUpdate) -> FamilyOut:
        return await families.update_pupil(caller_of(request), school_id, family_id, pupil_id,
                                           data)

    @get("/pupils/{pupil_id:uuid}/consents")
    async def consent_history(self, request: Req, school_id: UUID, pupil_id: UUID
                              ) -> ConsentHistory:
        return await consents.consent_history(caller_of(request), school_id, pupil_id)

    @post("/pupils/{pupil_id:uuid}/consents")
    async def record_consent(self, request: Req, school_id: UUID, pupil_id: UUID,
                             data: ConsentCreate) -> ConsentHistory:
        return await consents.record_consent(caller_of(request), school_id, pupil_id, data)

    @post("/pupils/{pupil_id:uuid}/consents/withdraw", status_code=200)
    async def withdraw_consent(self, request: Req, school_id: UUID, pupil_id: UUID
                               ) -> ConsentHistory:
        return await consents.withdraw_consent(caller_of(request), school_id, pupil_id)

    @post("/families/imports")
    async def upload(self, request: Req, school_id: UUID,
                     data: Annotated[FamilyUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
                     ) -> FamilyImportPreview:
        filename, content = await read_upload(data.file)
        return await family_import.preview_import(caller_of(request), school_id, filename,
                                                  content)

    @get("/families/imports/{import_id:int}")
    async def get_import(self, request: Req, school_id: UUID, import_id: int
                         ) -> FamilyImportPreview:
        return await family_import.get_import(caller_of(request), school_id, import_id)

    @post("/families/imports/{import_id:int}/confirm", status_code=200)
    async def confirm(self, request: Req, school_id: UUID, import_id: int
                      ) -> FamilyImportPreview:
        return await family_import.apply_import(caller_of(request), school_id, import_id)

    @get("/report")
    async def report(self, request: Req, school_id: UUID) -> SchoolReport:
        return await school_report.school_report(caller_of(request), school_id)

    @get("/report.docx", media_type=DOCX)
    async def report_docx(self, request: Req, school_id: UUID) -> Response[bytes]:
        filename, data = await school_report.school_report_docx(caller_of(request), school_id)
        return download(filename, data, DOCX)


class NoticeController(Controller):
    path = "/api/v1/civic/notices"
    guards = [signed_in]
    tags = ["consents"]

    @get(responses=answers(403))
    async def list_notices(self, request: Req) -> list[NoticeOut]:
        return await consents.list_notices(caller_of(request))

    @post()
    async def publish(self, request: Req, data: NoticeCreate) -> NoticeOut:
        return await consents.publish_notice(caller_of(request), data)
