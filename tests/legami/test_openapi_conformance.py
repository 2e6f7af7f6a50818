"""The API does what its OpenAPI document says: schemathesis over every /api/v1 operation.

The real app on the test database (SQLite or PostgreSQL), seeded with the demo program
(companies, schools, families, Civic Centers, labs, initiatives, pacts); signed in as
program staff, then as an HR manager. Path parameters are the seeded records' ids (so
handlers do their work, not only answer 404) or ids of nothing.
Each operation gets schema-valid requests (which must be accepted) and schema-invalid
ones, and every answer is checked: no 5xx, a documented status code, the documented media
type, a body that matches the documented schema.

Generation is derandomized with a fixed number of examples per operation, so the run is
the same on every machine and takes a bounded time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import BASE_URL

EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 4, schemathesis.GenerationMode.NEGATIVE: 2}
REFUSED = "Schema-valid request rejected"
# Schema-valid requests still refused with 422 by a rule the document does not state
# (left open in issue 12): the operation, and the rule. Any other refusal fails the test.
KNOWN_REFUSALS = {
    "GET /api/v1/program/report.docx": "year and half together; a year up to this one",
    "GET /api/v1/program/targets": "year and half together; a year up to this one",
    "GET /api/v1/program/half-year": "year and half together; a year up to this one",
    "PUT /api/v1/program/half-year/narratives":
        "year and half together; a half-year not frozen (state)",
    "POST /api/v1/program/half-year/freeze":
        "year and half together; a half-year that has ended (the clock)",
    "PATCH /api/v1/activities/{activity_id}": "ages 3 to 18, week days 0 to 6, cost kinds",
    "POST /api/v1/activities": "the Civic Center",
    "POST /api/v1/civic/notices": "version pattern, both texts, 1 to 120 months",
    "POST /api/v1/companies/{organization_id}/roster/imports": "the file must be CSV text",
    "POST /api/v1/initiatives": "title of 3 or more, at least one area and town, places",
    "POST /api/v1/me/initiatives/{initiative_id}/join":
        "a sign-up window that is open, not a draft or an ended initiative (state)",
    "POST /api/v1/me/initiatives/{initiative_id}/leave": "a place to give up (state)",
    "POST /api/v1/me/initiatives/{initiative_id}/accept":
        "an offer still open: it expires (state, the clock)",
    "POST /api/v1/me/initiatives/{initiative_id}/decline": "an offer to decline (state)",
    "POST /api/v1/initiatives/{initiative_id}/publish":
        "dates, a place and a description first; a closed initiative (state)",
    "POST /api/v1/labs": "a workplace lab's company, a town lab's town",
    "POST /api/v1/labs/{lab_id}/meetings": "a year from the meeting years",
    "POST /api/v1/labs/{lab_id}/pulse": "a lab without need areas has no pulse (state)",
    "POST /api/v1/organizations/{organization_id}/members": "a role of the organization's kind",
    "POST /api/v1/pacts/{pact_id}/versions": "at least one goal",
    "POST /api/v1/pacts/{pact_id}/consents": "sharing names its partner (two fields)",
    "POST /api/v1/pacts/{pact_id}/reviews": "a time in the future (the clock); an open pact",
    "POST /api/v1/schools/{school_id}/families/imports": "the file must be CSV text",
    "POST /api/v1/schools/{school_id}/pupils/{pupil_id}/consents":
        "who gave it, a parent or the pupil; a pupil under 14 (state)",
    "POST /api/v1/surveys": "the owner organization",
    "POST /api/v1/taxonomy/types": "at least one need area of the bank; a welfare category",
    "POST /api/v1/waves": "title length; opening date not in the past (the clock)",
    "PUT /api/v1/companies/{organization_id}/details": "a suspended company (state)",
    "PUT /api/v1/companies/{organization_id}/hr-claim": "a provider first (state)",
    "PUT /api/v1/companies/{organization_id}/identity-provider": "an issuer URL",
    "PUT /api/v1/initiatives/{initiative_id}": "a closed initiative (state)",
    "PUT /api/v1/labs/{lab_id}/meetings/{meeting_id}": "a year from the meeting years",
    "PUT /api/v1/pacts/{pact_id}/assessment": "assessment areas of the list",
    "PUT /api/v1/results/thresholds": "the text threshold not below the group's (two fields)",
    "PUT /api/v1/schools/{school_id}/families/{family_id}": "reference adult, a contact",
    "PUT /api/v1/schools/{school_id}/families/{family_id}/pupils/{pupil_id}":
        "first name, class, birth year",
    "PUT /api/v1/surveys/{survey_id}/draft": "the survey definition's own rules",
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, positive_data_acceptance]


async def _seed() -> dict[str, Any]:
    from legami.demo.domains import seed_demo_domains
    from legami.demo.seed import seed_demo

    await seed_demo()
    await seed_demo_domains()
    return await _records()


async def _records() -> dict[str, Any]:
    """Ids of seeded records, by the name of the path parameter that takes them."""
    from app.tables import Membership, Organization
    from civic.tables import Activity, Family, Pupil
    from community.tables import Initiative, Lab, LabAction, LabMeeting
    from pacts.tables import Pact

    admin = await Membership.select(Membership.user).where(
        Membership.role == "program_admin").first()
    hr = await Membership.select(Membership.user, Membership.organization).where(
        Membership.role == "hr_manager").order_by(Membership.organization).first()
    school = await Organization.select(Organization.id).where(
        Organization.kind == "school").first()
    family = await Family.select(Family.id).where(Family.school == school["id"]).first()
    pupil = await Pupil.select(Pupil.id).where(Pupil.family == family["id"]).first()
    activity = await Activity.select(Activity.id, Activity.civic_center).first()
    lab = await Lab.select(Lab.id).first()
    action = await LabAction.select(LabAction.id).where(LabAction.lab == lab["id"]).first()
    meeting = await LabMeeting.select(LabMeeting.id).where(LabMeeting.lab == lab["id"]).first()
    initiative = await Initiative.select(Initiative.id).first()
    pact = await Pact.select(Pact.id).first()
    company = hr["organization"]
    return {
        "admin": admin["user"], "hr": hr["user"],
        "ids": {
            "organization_id": company, "company_id": company, "school_id": school["id"],
            "family_id": family["id"], "pupil_id": pupil["id"],
            "activity_id": activity["id"], "center_id": activity["civic_center"],
            "lab_id": lab["id"], "action_id": action and action["id"],
            "meeting_id": meeting and meeting["id"], "initiative_id": initiative["id"],
            "pact_id": pact and pact["id"],
        },
    }


def _as_sent(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis prepares `requests` arguments; the test client speaks httpx: the
    request is encoded by `requests` (JSON, form, multipart) and sent as those bytes."""
    fields = ("method", "url", "headers", "params", "json", "data", "files", "cookies")
    prepared = requests.Request(**{key: kwargs[key] for key in fields if key in kwargs}).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return {"method": prepared.method, "url": prepared.url, "content": body,
            "headers": dict(prepared.headers)}


class Run:
    """One role's pass over the operations; collects every disagreement once."""

    def __init__(self, client: TestClient[Any], ids: dict[str, Any]) -> None:
        self.client = client
        self.ids = {name: str(value) for name, value in ids.items() if value is not None}
        self.found: dict[tuple[str, str, int], str] = {}

    def send(self, case: schemathesis.Case) -> None:
        kwargs = case.as_transport_kwargs(base_url=BASE_URL)
        response = self.client.request(**_as_sent(kwargs), follow_redirects=False)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (case.operation.label, failure.title, response.status_code)
                detail = f"{failure.message[:200]} {response.text[:300]}"
                self.found.setdefault(key, detail.replace("\n", " "))

    def operation(self, operation: Any) -> None:
        names = {p.name for p in operation.path_parameters}
        pinned = {name: self.ids[name] for name in names if name in self.ids}
        for mode, examples in EXAMPLES.items():
            strategies = [operation.as_strategy(generation_mode=mode)]
            if pinned:
                strategies.insert(0, operation.as_strategy(generation_mode=mode,
                                                           path_parameters=pinned))

            @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=st.one_of(strategies))
            def run(case: schemathesis.Case) -> None:
                self.send(case)

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode is schemathesis.GenerationMode.NEGATIVE


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def _sign_in(client: TestClient[Any], user: UUID) -> None:
    from app.auth.sessions import COOKIE, start_session

    client.cookies.clear()
    client.cookies.set(COOKIE, client.blocking_portal.call(start_session, user),
                       domain="testserver.local")
    client.get("/api/v1/me")
    client.headers["x-csrftoken"] = client.cookies.get("legami_csrf") or ""


@pytest.mark.parametrize("role", ["admin", "hr"])
def test_the_api_answers_as_its_openapi_document_says(role: str) -> None:
    from legami.application import create_app

    app = create_app(run_jobs=False)
    with TestClient(app=app, base_url=BASE_URL) as client:
        records = client.blocking_portal.call(_seed)
        document = client.get("/api/schema/openapi.json").json()
        schema = schemathesis.openapi.from_dict(document)
        _sign_in(client, records[role])
        run = Run(client, records["ids"])
        for operation in _operations(schema):
            if operation.path.startswith("/api/v1"):
                run.operation(operation)
    found = {key: detail for key, detail in run.found.items()
             if not (key[1] == REFUSED and key[0] in KNOWN_REFUSALS)}
    report = "\n".join(f"{label}: {title} ({status}): {detail}"
                       for (label, title, status), detail in sorted(found.items()))
    assert not found, f"{len(found)} disagreements\n{report}"
