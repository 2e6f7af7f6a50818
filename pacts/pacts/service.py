"""The pact's journey: referral, assessment, versions, acceptance, closure.

Every read and change goes through `pacts.access` first: out of reach is 404, and
every opening is logged. Each change is one transaction. Nothing is written outside
the pacts' own tables, so no other domain's page, export or log can show that
someone has a pact.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.outbox import enqueue
from app.settings import LANGUAGES
from app.tables import User
from app.values import as_uuid
from pacts.access.service import log_opening, reach_of, reachable_pact, teams_of
from pacts.consents.service import check_legal_basis
from pacts.enrolments.service import enrolments
from pacts.links import service as goal_links
from pacts.pacts.schemas import (
    AREAS,
    CLOSURE_REASONS,
    LINK_KINDS,
    OUTCOMES,
    SIDES,
    SOURCES,
    AreaIn,
    Closure,
    ConsentOut,
    Note,
    PactContent,
    PactDetail,
    PactSummary,
    ReferralIn,
    Review,
    Version,
    status_labels,
)
from pacts.retention.service import schedule_retention
from pacts.tables import (
    Pact,
    PactConsent,
    PactFollower,
    PactNote,
    PactReview,
    PactTeam,
    PactVersion,
)

PROPOSAL_JOB = "pacts.pact_mail"  # made by pacts.family.jobs
RETENTION_DAYS = 365 * 2  # personal data kept two years after closure (docs/pacts.md)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LONG = 2000


# Referral ------------------------------------------------------------------------------


def _check_referral(data: ReferralIn) -> dict[str, str]:
    errors = {}
    if not 2 <= len(data.holder_name.strip()) <= 200:
        errors["holder_name"] = _("Write the person's name (2 to 200 characters).")
    if data.source not in SOURCES:
        errors["source"] = _("Choose who referred the person.")
    if data.source_consent_on > now().date():
        errors["source_consent_on"] = _("The consent cannot be given in the future.")
    if data.contact_email.strip() and not EMAIL.match(data.contact_email.strip()):
        errors["contact_email"] = _("Write an e-mail address like name@example.it.")
    if data.language not in LANGUAGES:
        errors["language"] = _("Choose a language from the list.")
    if len(data.household) > LONG or len(data.source_detail) > 200 or len(data.town) > 100:
        errors["household"] = _("This text is too long.")
    return errors


async def refer(caller: Caller, data: ReferralIn, team_id: UUID | None = None) -> PactDetail:
    """Open a pact from a referral; the community maker who opens it follows it."""
    teams = await teams_of(caller)
    team = next((t for t in teams if team_id in (None, t["id"])), None)
    if team is None:
        raise NotFoundException()  # only community makers of a team hold pacts
    check_legal_basis()
    errors = _check_referral(data)
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        pact = Pact(program=team["program"], team=team["id"],
                    holder_name=data.holder_name.strip(), household=data.household.strip(),
                    contact_email=data.contact_email.strip().lower() or None,
                    language=data.language, town=data.town.strip(), source=data.source,
                    source_detail=data.source_detail.strip(),
                    source_consent_at=data.source_consent_on, status="referred",
                    created_by=caller.user_id)
        await pact.save()
        await PactFollower(pact=pact.id, user=caller.user_id, kind="maker").save()
    return await detail(caller, as_uuid(pact.id))


# Reading -------------------------------------------------------------------------------


async def caseload(caller: Caller) -> list[PactSummary]:
    """The pacts the caller follows or coordinates, open ones first, newest first."""
    reach = await reach_of(caller)
    programs = list(caller.organization_ids())
    if not programs or not reach.pact_ids and not reach.team_ids:
        return []  # someone who left the program keeps no caseload
    rows = await Pact.select(
        Pact.id, Pact.holder_name, Pact.town, Pact.status, Pact.created_at,
        Pact.team.name.as_alias("team_name"),
    ).where(reach.where() & Pact.program.is_in(programs)).order_by(
        Pact.created_at, ascending=False)
    reviews = await _next_reviews([row["id"] for row in rows])
    labels = status_labels()
    items = [PactSummary(id=as_uuid(row["id"]), holder_name=row["holder_name"], town=row["town"],
                         status=row["status"], status_label=labels[row["status"]],
                         team_name=row["team_name"], created_at=row["created_at"],
                         next_review=reviews.get(as_uuid(row["id"])))
             for row in rows]
    return sorted(items, key=lambda item: item.status == "closed")


async def _next_reviews(pact_ids: list[Any]) -> dict[UUID, Any]:
    if not pact_ids:
        return {}
    found: dict[UUID, Any] = {}
    for start in range(0, len(pact_ids), 500):
        rows = await PactReview.select(PactReview.pact, PactReview.scheduled_for).where(
            PactReview.pact.is_in(pact_ids[start:start + 500]) & PactReview.held_at.is_null()
        ).order_by(PactReview.scheduled_for)
        for row in rows:
            found.setdefault(as_uuid(row["pact"]), row["scheduled_for"])
    return found


async def detail(caller: Caller, pact_id: UUID, what: str = "pact") -> PactDetail:
    """The whole pact, the opening logged; 404 when out of reach."""
    async with transaction():
        row = await reachable_pact(caller, pact_id)
        await log_opening(caller, pact_id, what)
        return await _detail(caller, row)


async def _detail(caller: Caller, row: dict[str, Any]) -> PactDetail:
    pact_id = as_uuid(row["id"])
    team = await PactTeam.select(PactTeam.name).where(PactTeam.id == row["team"]).first()
    coordinated = (await reach_of(caller)).team_ids
    versions = await PactVersion.select().where(PactVersion.pact == pact_id).order_by(
        PactVersion.number, ascending=False).output(load_json=True)
    reviews = await PactReview.select().where(PactReview.pact == pact_id).order_by(
        PactReview.scheduled_for, ascending=False).output(load_json=True)
    consents = await PactConsent.select().where(PactConsent.pact == pact_id).order_by(
        PactConsent.id)
    notes = await PactNote.select().where(PactNote.pact == pact_id).order_by(
        PactNote.id, ascending=False)
    authors = await _names({note["author"] for note in notes})
    return PactDetail(
        id=pact_id, holder_name=row["holder_name"], household=row["household"],
        contact_email=row["contact_email"], language=row["language"], town=row["town"],
        source=row["source"], source_detail=row["source_detail"],
        source_consent_on=row["source_consent_at"], status=row["status"],
        status_label=status_labels()[row["status"]], team_name=team["name"] if team else "",
        assessment={area: msgspec.convert(value, AreaIn)
                    for area, value in (row["assessment"] or {}).items() if area in AREAS},
        versions=[_version(v) for v in versions],
        reviews=[Review(id=r["id"], scheduled_for=r["scheduled_for"], held_at=r["held_at"],
                        progress=r["progress"] or {}, ladder_before=r["ladder_before"],
                        ladder_after=r["ladder_after"], summary=r["summary"]) for r in reviews],
        consents=[ConsentOut(id=c["id"], purpose=c["purpose"], partner=c["partner"],
                             text_version=c["text_version"], given_at=c["given_at"],
                             withdrawn_at=c["withdrawn_at"]) for c in consents],
        notes=[Note(id=n["id"], level=n["level"],
                    text=n["text"] if n["level"] != "sealed" else "",
                    author_name=authors.get(n["author"], ""), created_at=n["created_at"])
               for n in notes],
        enrolments=await enrolments(caller, pact_id),
        created_at=row["created_at"], accepted_at=row["accepted_at"],
        closed_at=row["closed_at"], closure_reason=row["closure_reason"],
        outcome=row["outcome"], onward_referral=row["onward_referral"],
        can_coordinate=row["team"] in coordinated)


def _version(row: dict[str, Any]) -> Version:
    return Version(number=row["number"], status=row["status"],
                   content=msgspec.convert(row["content"], PactContent),
                   created_at=row["created_at"], accepted_at=row["accepted_at"],
                   accepted_how=row["accepted_how"])


async def _names(user_ids: set[Any]) -> dict[Any, str]:
    ids = [uid for uid in user_ids if uid is not None]
    if not ids:
        return {}
    rows = await User.select(User.id, User.name, User.email).where(User.id.is_in(ids))
    return {row["id"]: row["name"] or row["email"] or "" for row in rows}


# Assessment and versions ---------------------------------------------------------------


async def save_assessment(caller: Caller, pact_id: UUID, areas: dict[str, AreaIn]) -> PactDetail:
    """Needs and resources, capacities and aspirations, area by area."""
    unknown = [area for area in areas if area not in AREAS]
    if unknown:
        raise InvalidInput({"assessment": _("Unknown area.")})
    if any(len(a.needs) > LONG or len(a.resources) > LONG for a in areas.values()):
        raise InvalidInput({"assessment": _("This text is too long.")})
    async with transaction():
        row = await _open_for_change(caller, pact_id)
        value = {area: msgspec.to_builtins(a) for area, a in areas.items()
                 if a.needs.strip() or a.resources.strip()}
        status = "assessing" if row["status"] == "referred" else row["status"]
        await Pact.update({Pact.assessment: value, Pact.status: status}).where(
            Pact.id == pact_id)
        await log_opening(caller, pact_id, "pact")
    return await detail(caller, pact_id)


async def _open_for_change(caller: Caller, pact_id: UUID) -> dict[str, Any]:
    row = await reachable_pact(caller, pact_id)
    if row["status"] == "closed":
        raise InvalidInput({"pact": _("This pact is closed.")})
    return row


def check_content(content: PactContent) -> dict[str, str]:
    """A pact needs at least one goal in the family's words; commitments name who, what
    and by when; what the person gives back is free text and never a condition."""
    errors = {}
    goals = [goal for goal in content.goals if goal.text.strip()]
    if not goals:
        errors["goals"] = _("Write at least one goal, in the family's words.")
    for goal in goals:
        if len(goal.text) > LONG or any(len(r.text) > LONG for r in goal.results):
            errors["goals"] = _("This text is too long.")
        if any(link.kind not in LINK_KINDS for link in goal.links):
            errors["goals"] = _("Choose from the list.")
    for commitment in content.commitments:
        if commitment.side not in SIDES or not commitment.who.strip() \
                or not commitment.what.strip():
            errors["commitments"] = _(
                "Each commitment says who, what and by when, for the family or the "
                "community.")
    if len(content.give_back) > LONG or any(len(s) > LONG for s in content.supports):
        errors["give_back"] = _("This text is too long.")
    return errors


async def propose_version(caller: Caller, pact_id: UUID, content: PactContent) -> PactDetail:
    """A new version of the pact for the family to accept; earlier versions are kept as
    they were (a version waiting for acceptance is replaced by the new one)."""
    content = _cleaned(content)
    errors = check_content(content)
    if errors:
        raise InvalidInput(errors)
    await reachable_pact(caller, pact_id)  # out of reach: 404 before any offer is read
    content = await goal_links.with_titles(caller, content)
    async with transaction():
        row = await _open_for_change(caller, pact_id)
        last = await PactVersion.select(PactVersion.number).where(
            PactVersion.pact == pact_id).order_by(PactVersion.number, ascending=False).first()
        await PactVersion.update({PactVersion.status: "superseded"}).where(
            (PactVersion.pact == pact_id) & (PactVersion.status == "proposed"))
        await PactVersion(pact=pact_id, number=(last["number"] if last else 0) + 1,
                          content=msgspec.to_builtins(content), status="proposed",
                          created_by=caller.user_id).save()
        await Pact.update({Pact.status: "proposed"}).where(Pact.id == pact_id)
        if row["contact_email"]:
            await enqueue(PROPOSAL_JOB, {"pact_id": str(pact_id)})
        await log_opening(caller, pact_id, "pact")
    return await detail(caller, pact_id)


def _cleaned(content: PactContent) -> PactContent:
    """Empty rows of a form dropped, text trimmed."""
    goals = [msgspec.structs.replace(
        goal, text=goal.text.strip(),
        results=[r for r in goal.results if r.text.strip()]) for goal in content.goals
        if goal.text.strip()]
    commitments = [c for c in content.commitments if c.who.strip() or c.what.strip()]
    return PactContent(goals=goals, commitments=commitments,
                       supports=[s.strip() for s in content.supports if s.strip()],
                       give_back=content.give_back.strip())


async def accept_version(pact_id: UUID, how: str) -> int | None:
    """The family accepts the version waiting for them (from their link or on paper):
    it becomes the pact in force, the one before is kept as superseded. Returns the
    version's number, or None when nothing waits."""
    at = now()
    async with transaction():
        waiting = await PactVersion.select(PactVersion.id, PactVersion.number).where(
            (PactVersion.pact == pact_id) & (PactVersion.status == "proposed")).first()
        if waiting is None:
            return None
        await PactVersion.update({PactVersion.status: "superseded"}).where(
            (PactVersion.pact == pact_id) & (PactVersion.status == "accepted"))
        changed = await PactVersion.update({
            PactVersion.status: "accepted", PactVersion.accepted_at: at,
            PactVersion.accepted_how: how,
        }).where((PactVersion.id == waiting["id"]) & (PactVersion.status == "proposed")
                 ).returning(PactVersion.id)
        if not changed:
            return None
        await Pact.update({Pact.status: "active", Pact.accepted_at: at}).where(
            (Pact.id == pact_id) & (Pact.status == "proposed"))
    return int(waiting["number"])


async def accept_on_paper(caller: Caller, pact_id: UUID) -> PactDetail:
    """The family signed the printed pact: the community maker records it."""
    await _open_for_change(caller, pact_id)
    if await accept_version(pact_id, "paper") is None:
        raise InvalidInput({"pact": _("No version of the pact is waiting for acceptance.")})
    return await detail(caller, pact_id)


# Closure -------------------------------------------------------------------------------


async def close(caller: Caller, pact_id: UUID, data: Closure) -> PactDetail:
    """Close the pact with a reason, an outcome and any onward referral; its personal
    data is deleted a fixed time later (`pacts.retention`)."""
    if data.reason not in CLOSURE_REASONS:
        raise InvalidInput({"reason": _("Choose why the pact closes.")})
    if data.outcome not in OUTCOMES:
        raise InvalidInput({"outcome": _("Choose the outcome.")})
    if len(data.onward_referral) > LONG:
        raise InvalidInput({"onward_referral": _("This text is too long.")})
    at = now()
    async with transaction():
        await _open_for_change(caller, pact_id)
        await Pact.update({
            Pact.status: "closed", Pact.closed_at: at, Pact.closure_reason: data.reason,
            Pact.outcome: data.outcome, Pact.onward_referral: data.onward_referral.strip(),
            Pact.retain_until: retention_day(at.date()),
            Pact.token_hash: None,
        }).where(Pact.id == pact_id)
        await PactVersion.update({PactVersion.status: "superseded"}).where(
            (PactVersion.pact == pact_id) & (PactVersion.status == "proposed"))
        await schedule_retention()
        await log_opening(caller, pact_id, "pact")
    return await detail(caller, pact_id)


def retention_day(closed_on: date) -> date:
    return closed_on + timedelta(days=RETENTION_DAYS)
