"""The logical framework's indicators measured over a window of time, and the lists the
funder's report carries: the labs and initiatives of a half-year, and the partners.

Participation is read from what people did (envelope one of the surveys, places taken,
attendance registers), never from a roster. Counts of people from 1 to 4 are None.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from app import places
from app.auth.caller import Caller
from app.clock import ITALY, now
from app.figures import shown
from app.roles import COMMUNITY_MAKER
from app.tables import AuditEvent, Membership, Organization, Seat
from app.values import as_uuid, json_value
from civic import counts as civic_counts
from community.program.logframe import Window
from community.program.schemas import InitiativeLine, LabLine, PartnerLine
from community.program.service import town_key
from community.tables import Initiative, Lab, LabAction, LabAttendance, LabMeeting
from pacts.figures import service as pact_figures
from surveys.waves import reads as wave_reads

Values = dict[str, int | None]


async def _partners(kind: str, window: Window) -> dict[UUID, dict[str, Any]]:
    """Organizations of a kind that were active partners at some moment of the window:
    registered before its end and active then, by the status changes the audit keeps
    (`company.status`): a company suspended since still counts for the half-years it
    took part in, and one that became active only after the window does not."""
    rows = await Organization.select(Organization.id, Organization.name,
                                     Organization.town, Organization.status,
                                     Organization.created_at).where(
        (Organization.kind == kind) & (Organization.created_at < window.end)
    ).order_by(Organization.name)
    moves: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        for event in await AuditEvent.select(
                AuditEvent.organization_id, AuditEvent.occurred_at, AuditEvent.detail).where(
                (AuditEvent.action == "company.status")
                & AuditEvent.organization_id.is_in([row["id"] for row in rows])).order_by(
                AuditEvent.occurred_at).order_by(AuditEvent.id):
            moves[as_uuid(event["organization_id"])].append(event)
    return {as_uuid(row["id"]): row for row in rows
            if _active_during(row, moves.get(as_uuid(row["id"]), []), window)}


def _active_during(row: dict[str, Any], moves: list[dict[str, Any]], window: Window) -> bool:
    """Whether the organization was active at some moment of the window, from its
    creation through each status change (`moves`, in order) to now."""
    details = [json_value(move["detail"]) or {} for move in moves]
    status, since = (details[0].get("previous") if details else row["status"]), row["created_at"]
    for move, detail in zip(moves, details, strict=True):
        if status == "active" and _overlaps(since, move["occurred_at"], window):
            return True
        status, since = detail.get("status"), move["occurred_at"]
    return status == "active" and _overlaps(since, None, window)


def _overlaps(start: datetime, end: datetime | None, window: Window) -> bool:
    return start < window.end and (end is None or window.start is None or end > window.start)


def _runs_in(row: dict[str, Any], window: Window) -> bool:
    begins, ends = row["starts_on"], row["ends_on"]
    return ((begins is None or begins <= window.last_day)
            and (ends is None or window.first_day is None or ends >= window.first_day))


async def _initiatives(window: Window) -> list[dict[str, Any]]:
    rows = await Initiative.select(
        Initiative.id, Initiative.title, Initiative.pool, Initiative.starts_on,
        Initiative.ends_on, Initiative.status, Initiative.lab, Initiative.lab.title,
        Initiative.towns, Initiative.provider_name, Initiative.provider.name,
        Initiative.company.name, Initiative.company.town,
    ).where((Initiative.status != "draft") & (Initiative.created_at < window.end)
            ).order_by(Initiative.starts_on, Initiative.title).output(load_json=True)
    return [row for row in rows if _runs_in(row, window)]


async def _enrolled(pool_ids: list[UUID], window: Window) -> list[dict[str, Any]]:
    """Enrolled seats of people (not pupils) in the pools, taken before the window's end."""
    if not pool_ids:
        return []
    return await Seat.select(Seat.pool, Seat.holder_id, Seat.organization_id).where(  # type: ignore[no-any-return]
        Seat.pool.is_in(pool_ids) & (Seat.status == "enrolled") & (Seat.holder_kind == "user")
        & (Seat.created_at < window.end))


def _meetings_in(window: Window) -> Any:
    where: Any = LabMeeting.starts_at < min(window.end, now())
    if window.start is not None:
        where = where & (LabMeeting.starts_at >= window.start)
    return where


async def _attendance(window: Window) -> list[dict[str, Any]]:
    where: Any = LabAttendance.meeting.starts_at < min(window.end, now())
    if window.start is not None:
        where = where & (LabAttendance.meeting.starts_at >= window.start)
    return await LabAttendance.select(  # type: ignore[no-any-return]
        LabAttendance.meeting.lab.as_alias("lab"), LabAttendance.user,
        LabAttendance.guest).where(where)


async def _companies_of(users: set[UUID], companies: set[UUID]) -> dict[UUID, UUID]:
    """The partner company of each user who works in one."""
    if not users or not companies:
        return {}
    rows = await Membership.select(Membership.user, Membership.organization).where(
        Membership.user.is_in(list(users)) & Membership.organization.is_in(list(companies)))
    return {as_uuid(row["user"]): as_uuid(row["organization"]) for row in rows}


def _town(town: str) -> str:
    """A town as the program writes it ("Cremona" for " cremona ")."""
    return town_key(town) or town.strip()


def _percent(part: int, whole: int) -> int | None:
    return round(part * 100 / whole) if whole else None


async def _companies(window: Window, initiatives: list[dict[str, Any]],
                     attendance: list[dict[str, Any]]) -> Values:
    companies = set(await _partners("company", window))
    invited, answered = await wave_reads.turnout(window.first_day, window.last_day)
    answered = [(company, person) for company, person in answered if company in companies]
    invitations = sum(count for company, count in invited.items() if company in companies)
    seats = await _enrolled([as_uuid(i["pool"]) for i in initiatives if i["pool"]], window)
    attendees = {as_uuid(row["user"]) for row in attendance if row["user"]}
    workplaces = await _companies_of(attendees, companies)
    joined = {(as_uuid(s["organization_id"]), f"user:{as_uuid(s['holder_id'])}")
              for s in seats if s["organization_id"]
              and as_uuid(s["organization_id"]) in companies}
    came = {(company, f"user:{user}") for user, company in workplaces.items()}
    took_part = set(answered) | joined | came
    return {
        "companies_took_part": len({company for company, _person in took_part}),
        "workers_took_part": shown(len({person for _company, person in took_part})),
        "workers_answered": shown(len({person for _company, person in answered})),
        # A rate of 1 to 4 answers would tell how many answered.
        "response_rate": None if shown(len(answered)) is None else _percent(len(answered),
                                                                            invitations),
        "initiatives_running": len(initiatives),
        "initiative_participants": shown(len({s["holder_id"] for s in seats})),
        "companies_signed_up": len(companies),
    }


async def _schools(window: Window) -> Values:
    schools = set(await _partners("school", window))
    centers = set(await _partners("civic_center", window))
    activities = [a for a in await civic_counts.activities_in(
        window.first_day, window.last_day, window.end) if a.civic_center_id in centers]
    reached = {school: found for school, found in (await civic_counts.reached_by_school(
        activities, window.end)).items() if school in schools}
    attended = {school: found for school, found in (await civic_counts.attended_by_school(
        window.first_day, window.last_day)).items() if school in schools}
    per_center = await civic_counts.by_civic_center(activities)
    capacity = sum(count.capacity for count in per_center.values())
    enrolled = sum(count.enrolled for count in per_center.values())
    return {
        "schools_took_part": sum(1 for found in reached.values() if found.pupils),
        "pupils_enrolled": shown(sum(found.pupils for found in reached.values())),
        "pupils_attended": shown(sum(found.pupils for found in attended.values())),
        "families_reached": shown(sum(found.families for found in reached.values())),
        "centers_running": sum(1 for count in per_center.values() if count.activities),
        "places_used": _percent(enrolled, capacity) if shown(enrolled) is not None else None,
    }


async def _labs(window: Window, initiatives: list[dict[str, Any]],
                attendance: list[dict[str, Any]]) -> Values:
    meetings = await LabMeeting.select(LabMeeting.lab).where(_meetings_in(window))
    done = LabAction.count().where((LabAction.status == "done")
                                   & (LabAction.updated_at < window.end))
    if window.start is not None:
        done = done.where(LabAction.updated_at >= window.start)
    return {
        "labs_met": len({row["lab"] for row in meetings}),
        "lab_meetings": len(meetings),
        "lab_people": shown(len({("u", row["user"]) if row["user"] else ("g", row["guest"])
                                 for row in attendance})),
        "lab_guests": shown(len({row["guest"] for row in attendance if row["guest"]})),
        "lab_actions_done": int(await done),
        "initiatives_from_labs": sum(1 for row in initiatives if row["lab"]),
    }


async def _pacts(caller: Caller, window: Window) -> Values:
    found = await pact_figures.pact_figures(caller, window.start, window.end)
    return {"pacts_accepted": found.beneficiaries, "pact_reviews": found.reviews_held,
            "pact_ladder_improved": found.ladder_improved}


async def _training(window: Window) -> Values:
    makers = await Membership.select(Membership.user).where(
        (Membership.role == COMMUNITY_MAKER) & (Membership.created_at < window.end)
        & (Membership.user.is_active == True))  # noqa: E712
    return {"community_makers": len({row["user"] for row in makers}),
            "officials_trained": None, "welfare_labs": None}


async def measure(caller: Caller, window: Window) -> Values:
    """Every indicator of the logical framework over the window (program staff)."""
    initiatives = await _initiatives(window)
    attendance = await _attendance(window)
    return {**await _companies(window, initiatives, attendance), **await _schools(window),
            **await _labs(window, initiatives, attendance), **await _pacts(caller, window),
            **await _training(window)}


# The lists -------------------------------------------------------------------------------


async def labs_of(window: Window) -> list[LabLine]:
    """The labs that met, started or got an action done in the window, with what
    happened in it."""
    meetings = await LabMeeting.select(LabMeeting.lab).where(_meetings_in(window))
    done = LabAction.select(LabAction.lab).where(
        (LabAction.status == "done") & (LabAction.updated_at < window.end))
    started: Any = Lab.created_at < window.end
    if window.start is not None:
        done = done.where(LabAction.updated_at >= window.start)
        started = started & (Lab.created_at >= window.start)
    held: dict[UUID, int] = defaultdict(int)
    for row in meetings:
        held[as_uuid(row["lab"])] += 1
    actions: dict[UUID, int] = defaultdict(int)
    for row in await done:
        actions[as_uuid(row["lab"])] += 1
    people: dict[UUID, set[Any]] = defaultdict(set)
    guests: dict[UUID, set[Any]] = defaultdict(set)
    for row in await _attendance(window):
        lab = as_uuid(row["lab"])
        people[lab].add(("u", row["user"]) if row["user"] else ("g", row["guest"]))
        if row["guest"]:
            guests[lab].add(row["guest"])
    active = list({*held, *actions})
    rows = await Lab.select(
        Lab.id, Lab.title, Lab.scope, Lab.town, Lab.status, Lab.partners, Lab.created_at,
        Lab.company.name, Lab.company.town).where(
        (started | Lab.id.is_in(active)) if active else started).order_by(Lab.title).output(
        load_json=True)
    lines = []
    for row in rows:
        lab = as_uuid(row["id"])
        lines.append(LabLine(
            title=row["title"], scope=row["scope"],
            town=_town(row["town"] or row["company.town"] or ""),
            company=row["company.name"] or "",
            status=row["status"], started_on=row["created_at"].astimezone(ITALY).date(),
            partners=list(row["partners"] or []), meetings=held[lab],
            people=shown(len(people[lab])), guests=shown(len(guests[lab])),
            actions_done=actions[lab]))
    return lines


async def initiatives_of(window: Window) -> list[InitiativeLine]:
    """The initiatives running in the window, with their places and participants."""
    rows = await _initiatives(window)
    states = await places.pool_states([as_uuid(row["pool"]) for row in rows if row["pool"]])
    lines = []
    for row in rows:
        state = states.get(as_uuid(row["pool"])) if row["pool"] else None
        lines.append(InitiativeLine(
            title=row["title"],
            provider=row["provider.name"] or row["provider_name"] or "",
            company=row["company.name"] or "",
            towns=[row["company.town"]] if row["company.name"] else list(row["towns"] or []),
            starts_on=row["starts_on"], ends_on=row["ends_on"], status=row["status"],
            places=state.capacity if state else 0,
            participants=shown(state.enrolled) if state else 0,
            waitlisted=shown(state.waitlisted) if state else 0,
            lab=row["lab.title"] or ""))
    return lines


async def partners_of(window: Window, labs: list[LabLine],
                      initiatives: list[InitiativeLine]) -> list[PartnerLine]:
    """The partner organizations active during the window, then the associations,
    cooperatives and councils named as lab partners or initiative providers."""
    lines = []
    for kind in ("company", "school", "civic_center"):
        lines += [PartnerLine(row["name"], kind, _town(row["town"] or ""))
                  for row in (await _partners(kind, window)).values()]
    known = {line.name.casefold() for line in lines}
    named = sorted({name.strip() for lab in labs for name in lab.partners}
                   | {line.provider.strip() for line in initiatives},
                   key=str.casefold)
    lines += [PartnerLine(name, "named", "") for name in named
              if name and name.casefold() not in known]
    return lines
