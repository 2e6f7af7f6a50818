"""The program's targets and the live figures measured against them.

The targets are data, kept in `TARGETS`. Figures are program-wide totals computed from
the live tables, to date or for a half-year. Stock figures (companies, workers,
schools, families, pupils registered, Civic Centers) count what was registered before
the end of the period and is still active; flow figures (labs started, meetings held,
actions done, waves closed, initiatives and activities running) count what happened
in it. In the breakdowns by town, school and Civic Center a count from 1 to 4 is never
shown: it answers None and the pages say "fewer than 5".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from litestar.exceptions import PermissionDeniedException

from app.auth.caller import Caller
from app.clock import ITALY, now
from app.errors import InvalidInput
from app.figures import shown
from app.i18n import _
from app.tables import Organization, Seat
from app.values import as_uuid
from civic import counts as civic_counts
from community.program.schemas import (
    CenterFigures,
    CivicFigures,
    InitiativeFigures,
    LabFigures,
    PeriodOut,
    ProgramFigures,
    ReachFigures,
    SchoolFigures,
    SurveyFigures,
    TargetProgress,
    TownFigures,
)
from community.tables import Initiative, Lab, LabAction, LabMeeting
from company_portal.roster import counts as roster_counts
from pacts.figures import service as pact_figures
from surveys.waves import reads as wave_reads

# What the program set itself (DOMAIN.md), in the order the dashboard shows them.
TARGETS: dict[str, int] = {
    "companies": 15,
    "workers": 1_000,
    "schools": 10,
    "pupils": 1_500,
    "families": 500,
    "labs": 45,
    "civic_centers": 4,  # reported in year one
    "pacts": 500,  # beneficiaries of generative pacts
}
TOWNS = ("Crema", "Cremona", "Casalmaggiore")
FIRST_YEAR = 2016  # FareLegami started in 2016


# The period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-year: H1 is January to June, H2 July to December (Italian time)."""

    year: int
    half: int

    @property
    def starts_on(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def start(self) -> datetime:
        return _utc(self.starts_on)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (what the tables store)."""
        return _utc(self.ends_on + timedelta(days=1))


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), ITALY).astimezone(UTC)


def today() -> date:
    """Today in Italy."""
    return now().astimezone(ITALY).date()


def parse_period(year: str | None, half: str | None, on: date | None = None) -> Period:
    """The half-year asked for; InvalidInput with a message per field when it is wrong."""
    on = on or today()
    errors: dict[str, str] = {}
    year_text = (year or "").strip()
    number = int(year_text) if year_text.isdecimal() and len(year_text) == 4 else None
    if number is None:
        errors["year"] = _("Enter the year with four digits, for example %(year)s.") % {
            "year": on.year}
    elif not FIRST_YEAR <= number <= on.year:
        errors["year"] = _("Choose a year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR, "last": on.year}
    half_number = {"1": 1, "h1": 1, "2": 2, "h2": 2}.get((half or "").strip().lower())
    if half_number is None:
        errors["half"] = _("Choose the first half (January to June) or the second half "
                           "(July to December).")
    if errors:
        raise InvalidInput(errors)
    assert number is not None and half_number is not None
    period = Period(number, half_number)
    if period.starts_on > on:
        raise InvalidInput({"half": _("This half-year has not started yet: choose one that "
                                      "has.")})
    return period


def period_label(period: Period | None) -> str:
    if period is None:
        return _("To date")
    if period.half == 1:
        return _("January to June %(year)s") % {"year": period.year}
    return _("July to December %(year)s") % {"year": period.year}


def period_out(period: Period | None) -> PeriodOut:
    if period is None:
        return PeriodOut(None, None, None, None, period_label(None))
    return PeriodOut(period.year, period.half, period.starts_on, period.ends_on,
                     period_label(period))


# Small counts ----------------------------------------------------------------------------



def town_key(town: str) -> str:
    """One of TOWNS as written there, or "" for any other town."""
    cleaned = town.strip().casefold()
    return next((name for name in TOWNS if name.casefold() == cleaned), "")


def percent_of(achieved: int | None, target: int) -> int | None:
    return None if achieved is None else round(achieved * 100 / target)


# Queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    id: UUID
    kind: str
    name: str
    town: str


async def _organizations(until: datetime | None) -> list[Org]:
    query = Organization.select(Organization.id, Organization.kind, Organization.name,
                                Organization.town).where(
        (Organization.status == "active")
        & Organization.kind.is_in(["company", "school", "civic_center"])
    ).order_by(Organization.name)
    if until is not None:
        query = query.where(Organization.created_at < until)
    return [Org(as_uuid(r["id"]), r["kind"], r["name"], r["town"] or "") for r in await query]


async def _labs(period: Period | None) -> tuple[LabFigures, dict[str, int]]:
    """Labs started (and their towns), meetings held and actions done."""
    labs = Lab.select(Lab.status, Lab.town, Lab.company.town.as_alias("company_town"))
    meetings = LabMeeting.count().where(LabMeeting.starts_at <= now())
    actions = LabAction.count().where(LabAction.status == "done")
    if period is not None:
        labs = labs.where((Lab.created_at >= period.start) & (Lab.created_at < period.end))
        meetings = meetings.where((LabMeeting.starts_at >= period.start)
                                  & (LabMeeting.starts_at < period.end))
        actions = actions.where((LabAction.updated_at >= period.start)
                                & (LabAction.updated_at < period.end))
    rows = await labs
    by_town: dict[str, int] = defaultdict(int)
    for row in rows:
        by_town[town_key(row["town"] or row["company_town"] or "")] += 1
    figures = LabFigures(
        started=len(rows),
        active=sum(1 for r in rows if r["status"] == "active"),
        closed=sum(1 for r in rows if r["status"] == "closed"),
        meetings_held=int(await meetings), actions_done=int(await actions))
    return figures, dict(by_town)


def _runs_in(row: dict[str, Any], period: Period | None) -> bool:
    if period is None:
        return True
    begins, ends = row["starts_on"], row["ends_on"]
    return ((begins is None or begins <= period.ends_on)
            and (ends is None or ends >= period.starts_on))


async def _initiatives(period: Period | None) -> InitiativeFigures:
    query = Initiative.select(Initiative.pool, Initiative.starts_on, Initiative.ends_on).where(
        Initiative.status != "draft")
    if period is not None:
        query = query.where(Initiative.created_at < period.end)
    rows = [row for row in await query if _runs_in(row, period)]
    pools = [row["pool"] for row in rows if row["pool"]]
    participants = 0
    if pools:
        seats = Seat.count().where(Seat.pool.is_in(pools) & (Seat.status == "enrolled"))
        if period is not None:
            seats = seats.where(Seat.created_at < period.end)
        participants = int(await seats)
    return InitiativeFigures(initiatives=len(rows), participants=participants)


async def _surveys(period: Period | None) -> SurveyFigures:
    """Waves closed (in the period) and how many responses they gathered: counts only."""
    closed, waves_open, responses = await wave_reads.wave_counts(
        period.starts_on if period else None, period.ends_on if period else None)
    return SurveyFigures(waves_closed=closed, waves_open=waves_open, responses=responses)


# The figures -----------------------------------------------------------------------------


def _of_kind(orgs: Iterable[Org], kind: str) -> list[Org]:
    return [org for org in orgs if org.kind == kind]


def _definitions(period: Period | None) -> dict[str, str]:
    """How each target's figure is counted, in words."""
    in_period = period is not None
    return {
        "companies": _("Partner companies whose status is active."),
        "workers": _("Active entries in the rosters of those companies."),
        "schools": _("Partner schools whose status is active."),
        "pupils": _("Pupils enrolled in at least one Civic Center activity running in the "
                    "period.") if in_period else
        _("Pupils enrolled in at least one Civic Center activity."),
        "families": _("The families of the pupils reached."),
        "labs": _("Community labs started in the period, active or closed.") if in_period
        else _("Community labs started, active or closed."),
        "civic_centers": _("Civic Centers whose status is active."),
        "pacts": _("Generative pacts accepted by the family in the period.") if in_period
        else _("Generative pacts accepted by the family."),
    }


def counting_notes() -> list[str]:
    """The rules behind every figure, in words, for the dashboard and the report."""
    return [
        _("Companies, workers, schools, families and pupils registered, and Civic Centers: "
          "those registered before the end of the period and still active today."),
        _("Labs, meetings, actions, survey waves, initiatives and Civic Center activities: "
          "what started, took place, was done, closed or ran in the period."),
        _("Participants and places used: places taken (enrolled) in initiatives and "
          "activities; waitlists are as they stand today."),
        _("Towns: a company, school or Civic Center counts in its own town, a lab in its "
          "town or its company's; pupils and families count in their school's town."),
        _("Survey responses are counted, never read: no answer of any person is used."),
        _("In the tables by town, school and Civic Center a count from 1 to 4 is shown as "
          "«fewer than 5»."),
    ]


def target_labels() -> dict[str, str]:
    return {
        # What these count: signed up, on a roster. Who took part is in the half-year's
        # report (logframe.py), never a roster row.
        "companies": _("Companies signed up"),
        "workers": _("Workers on the partners' rosters"),
        "schools": _("Schools signed up"),
        "pupils": _("Pupils reached"),
        "families": _("Families reached"),
        "labs": _("Community labs"),
        "civic_centers": _("Civic Centers"),
        "pacts": _("Generative pacts"),
    }


async def program_figures(caller: Caller, period: Period | None = None) -> ProgramFigures:
    """The program's figures to date (`period` None) or for a half-year (program staff)."""
    if not caller.is_program_staff:
        raise PermissionDeniedException()
    until = period.end if period else None
    orgs = await _organizations(until)
    companies, schools = _of_kind(orgs, "company"), _of_kind(orgs, "school")
    centers = _of_kind(orgs, "civic_center")
    workers = await roster_counts.active_workers([c.id for c in companies], until)
    labs, labs_by_town = await _labs(period)
    center_ids = {c.id for c in centers}
    activities = [a for a in await civic_counts.activities_in(
        period.starts_on if period else None, period.ends_on if period else None, until)
        if a.civic_center_id in center_ids]
    registered = await civic_counts.registered_by_school(until)
    reached = await civic_counts.reached_by_school(activities, until)
    places = await civic_counts.by_civic_center(activities)
    school_ids = {s.id for s in schools}
    registered = {k: v for k, v in registered.items() if k in school_ids}
    reached = {k: v for k, v in reached.items() if k in school_ids}

    total_workers = sum(workers.values())
    reach = ReachFigures(
        schools=len(schools),
        families_registered=sum(r.families for r in registered.values()),
        pupils_registered=sum(r.pupils for r in registered.values()),
        pupils_reached=sum(r.pupils for r in reached.values()),
        families_reached=sum(r.families for r in reached.values()))
    civic = CivicFigures(
        civic_centers=len(centers), activities=len(activities),
        capacity=sum(p.capacity for p in places.values()),
        enrolled=sum(p.enrolled for p in places.values()),
        waitlisted=sum(p.waitlisted for p in places.values()))
    # The whole program's workers are one company's when only one takes part.
    workers_shown = shown(total_workers) if len(companies) == 1 else total_workers
    achieved = {"companies": len(companies), "workers": workers_shown,
                "schools": len(schools), "pupils": reach.pupils_reached,
                "families": reach.families_reached, "labs": labs.started,
                "civic_centers": len(centers),
                "pacts": await pact_figures.beneficiaries(period.start if period else None,
                                                          until)}
    return ProgramFigures(
        period=period_out(period), computed_at=now(),
        targets=_progress(achieved, _definitions(period)),
        companies=len(companies), workers=workers_shown, labs=labs,
        initiatives=await _initiatives(period), surveys=await _surveys(period),
        reach=reach, civic=civic,
        towns=_towns(orgs, workers, labs_by_town, registered, reached),
        schools=_schools(schools, registered, reached),
        civic_centers=_centers(centers, places))


def _progress(achieved: dict[str, int | None],
              definitions: dict[str, str]) -> list[TargetProgress]:
    labels = target_labels()
    return [TargetProgress(key=key, label=labels[key], target=target, achieved=achieved[key],
                           percent=percent_of(achieved[key], target),
                           definition=definitions[key])
            for key, target in TARGETS.items()]


def _towns(orgs: list[Org], workers: dict[UUID, int], labs: dict[str, int],
           registered: dict[UUID, civic_counts.Registered],
           reached: dict[UUID, civic_counts.Reached]) -> list[TownFigures]:
    """The three towns, then the other towns when anything happens there."""
    found: dict[str, dict[str, int]] = {town: defaultdict(int) for town in (*TOWNS, "")}
    for org in orgs:
        counts = found[town_key(org.town)]
        counts[org.kind] += 1
        counts["workers"] += workers.get(org.id, 0)
        counts["families"] += registered.get(org.id, civic_counts.Registered()).families
        counts["reached"] += reached.get(org.id, civic_counts.Reached()).pupils
    for town, count in labs.items():
        found[town]["labs"] += count
    rows = []
    for town, counts in found.items():
        if town == "" and not any(counts.values()):
            continue
        rows.append(TownFigures(
            town=town, label=town or _("Other towns"), companies=counts["company"],
            workers=shown(counts["workers"]), labs=counts["labs"], schools=counts["school"],
            families_registered=shown(counts["families"]),
            pupils_reached=shown(counts["reached"]), civic_centers=counts["civic_center"]))
    return rows


def _schools(schools: list[Org], registered: dict[UUID, civic_counts.Registered],
             reached: dict[UUID, civic_counts.Reached]) -> list[SchoolFigures]:
    rows = []
    for school in schools:
        signed_up = registered.get(school.id, civic_counts.Registered())
        met = reached.get(school.id, civic_counts.Reached())
        rows.append(SchoolFigures(
            school_id=school.id, name=school.name, town=school.town,
            families_registered=shown(signed_up.families),
            pupils_registered=shown(signed_up.pupils), pupils_reached=shown(met.pupils),
            families_reached=shown(met.families)))
    return rows


def _centers(centers: list[Org],
             places: dict[UUID, civic_counts.CenterCount]) -> list[CenterFigures]:
    rows = []
    for center in centers:
        count = places.get(center.id, civic_counts.CenterCount())
        enrolled = shown(count.enrolled)
        rows.append(CenterFigures(
            civic_center_id=center.id, name=center.name, town=center.town,
            activities=count.activities, capacity=count.capacity, enrolled=enrolled,
            waitlisted=shown(count.waitlisted),
            percent_used=(round(count.enrolled * 100 / count.capacity)
                          if enrolled is not None and count.capacity else None)))
    return rows
