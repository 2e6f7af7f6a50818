"""The survey editor's JSON API under /api/v1/surveys: what the editor pages offer.

The draft is replaced as a whole (`PUT /{id}/draft`): the body is a survey definition
(see `surveys.definition`), checked field by field; every message names its field with
the definition's path (`sections[0].questions[2].options`).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post, put

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import program_admin, roles
from app.errors import InvalidInput
from app.i18n import _
from app.roles import HR_MANAGER
from app.web.context import caller_of
from surveys import bank
from surveys.bank import BankArea
from surveys.definition import Definition
from surveys.editor import service as surveys_service
from surveys.editor.service import SurveyCreate, SurveyDetail, SurveyInfo, VersionDetail

Req = Request[Any, Any, Any]
MSGSPEC_ERROR = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")


class LanguageAdd(msgspec.Struct, forbid_unknown_fields=True):
    language: str


class SurveyController(Controller):
    path = "/api/v1/surveys"
    guards = [roles(HR_MANAGER, *PROGRAM_STAFF)]
    tags = ["surveys"]

    @get()
    async def list_surveys(self, request: Req) -> list[SurveyInfo]:
        return await surveys_service.list_surveys(caller_of(request))

    @post()
    async def create_survey(self, request: Req, data: SurveyCreate) -> SurveyDetail:
        return await surveys_service.create_survey(caller_of(request), data)

    @get("/bank")
    async def question_bank(self) -> list[BankArea]:
        """The program's question bank by area: add its questions to a draft."""
        return bank.question_bank()

    @get("/{survey_id:uuid}")
    async def get_survey(self, request: Req, survey_id: UUID) -> SurveyDetail:
        return await surveys_service.get_survey(caller_of(request), survey_id)

    @get("/{survey_id:uuid}/versions/{number:int}")
    async def get_version(self, request: Req, survey_id: UUID, number: int) -> VersionDetail:
        return await surveys_service.get_version(caller_of(request), survey_id, number)

    @put("/{survey_id:uuid}/draft")
    async def put_draft(self, request: Req, survey_id: UUID,
                        data: dict[str, Any]) -> VersionDetail:
        """Replace the draft's definition; if the latest version is frozen, a new version is
        made. The body has the shape of `Definition` (see `GET /{id}`'s `latest`)."""
        definition = parse_definition(data)
        return await surveys_service.replace_definition(caller_of(request), survey_id,
                                                        definition)

    @post("/{survey_id:uuid}/languages", guards=[program_admin], status_code=200)
    async def add_language(self, request: Req, survey_id: UUID,
                           data: LanguageAdd) -> VersionDetail:
        return await surveys_service.add_language(caller_of(request), survey_id, data.language)


def parse_definition(data: dict[str, Any]) -> Definition:
    """A definition from JSON, or InvalidInput naming the field that does not fit."""
    try:
        return msgspec.convert(data, Definition)
    except msgspec.ValidationError as error:
        raise InvalidInput(dict([_field_error(str(error))])) from None


def _field_error(message: str) -> tuple[str, str]:
    match = MSGSPEC_ERROR.match(message)
    what, path = (match["what"], (match["path"] or "").lstrip(".")) if match else (message, "")
    if found := re.match(r"Object missing required field `(\w+)`", what):
        return _join(path, found[1]), _("Required.")
    if found := re.match(r"Object contains unknown field `(\w+)`", what):
        return _join(path, found[1]), _("Unknown field: remove it.")
    if found := re.match(r"Expected `(\w+)", what):
        return path or "body", _("Wrong kind of value: expected {kind}.").format(
            kind=_kind(found[1]))
    if what.startswith("Invalid enum value"):
        return path or "body", _("Not an allowed value.")
    return path or "body", _("Missing or not valid.")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(name: str) -> str:
    return {"str": _("a text"), "int": _("a whole number"), "bool": _("true or false"),
            "array": _("a list"), "object": _("an object")}.get(name, name)
