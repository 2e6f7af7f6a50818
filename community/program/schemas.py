"""DTOs of the program dashboard and its API: program-wide figures against the targets.

A count typed `int | None` in a breakdown (by town, school or Civic Center) is None
when it is from 1 to 4: the pages and the report say "fewer than 5" instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

Narrative = Annotated[str, msgspec.Meta(max_length=6_000)]


class PeriodOut(msgspec.Struct):
    """The period the figures cover; `year` and `half` empty means "to date"."""

    year: int | None
    half: int | None
    starts_on: date | None
    ends_on: date | None  # the last day of the period
    label: str


class TargetProgress(msgspec.Struct):
    key: str  # companies, workers, schools, pupils, families, labs, civic_centers
    label: str
    target: int
    achieved: int | None  # None: fewer than 5 (one company's workers)
    percent: int | None  # of the target, may pass 100
    definition: str  # how the figure is counted, in words


class LabFigures(msgspec.Struct):
    started: int  # labs started in the period (all labs, to date)
    active: int
    closed: int
    meetings_held: int
    actions_done: int


class InitiativeFigures(msgspec.Struct):
    initiatives: int  # published or closed, running in the period
    participants: int  # places taken (enrolled) in them


class SurveyFigures(msgspec.Struct):
    waves_closed: int
    waves_open: int
    responses: int  # in the closed waves


class ReachFigures(msgspec.Struct):
    schools: int
    families_registered: int
    pupils_registered: int
    pupils_reached: int  # enrolled in at least one Civic Center activity
    families_reached: int  # the families of the pupils reached


class CivicFigures(msgspec.Struct):
    civic_centers: int
    activities: int
    capacity: int
    enrolled: int
    waitlisted: int


class TownFigures(msgspec.Struct):
    town: str  # Crema, Cremona, Casalmaggiore, or "" for the other towns
    label: str
    companies: int
    workers: int | None
    labs: int
    schools: int
    families_registered: int | None
    pupils_reached: int | None
    civic_centers: int


class SchoolFigures(msgspec.Struct):
    school_id: UUID
    name: str
    town: str
    families_registered: int | None
    pupils_registered: int | None
    pupils_reached: int | None
    families_reached: int | None


class CenterFigures(msgspec.Struct):
    civic_center_id: UUID
    name: str
    town: str
    activities: int
    capacity: int
    enrolled: int | None  # places used
    waitlisted: int | None
    percent_used: int | None


class ProgramFigures(msgspec.Struct):
    period: PeriodOut
    computed_at: datetime
    targets: list[TargetProgress]
    companies: int
    workers: int | None
    labs: LabFigures
    initiatives: InitiativeFigures
    surveys: SurveyFigures
    reach: ReachFigures
    civic: CivicFigures
    towns: list[TownFigures]
    schools: list[SchoolFigures]
    civic_centers: list[CenterFigures]


class LabLine(msgspec.Struct):
    """One lab in the funder's report: what happened in it in the half-year."""

    title: str
    scope: str  # workplace, town
    town: str
    company: str  # a workplace lab's company
    status: str  # active, closed
    started_on: date
    partners: list[str]
    meetings: int
    people: int | None  # members and guests who attended; None: fewer than 5
    guests: int | None
    actions_done: int


class InitiativeLine(msgspec.Struct):
    title: str
    provider: str
    company: str  # the company whose employees it is for, or ""
    towns: list[str]
    starts_on: date | None
    ends_on: date | None
    status: str  # published, closed
    places: int
    participants: int | None  # enrolled; None: fewer than 5
    waitlisted: int | None
    lab: str  # the lab that proposed it, or ""


class PartnerLine(msgspec.Struct):
    name: str
    kind: str  # company, school, civic_center, or named (in a lab or as a provider)
    town: str


class HalfYear(msgspec.Struct):
    """Everything the funder's report of a half-year says, in no language: the
    indicators this half-year, the previous one and to date (keys of
    `logframe.strategies()`), the lists and the staff's narrative per strategy. Frozen
    at the end of the half-year, it is stored as it is and reprinted from it."""

    year: int
    half: int
    computed_at: datetime
    current: dict[str, int | None]
    previous: dict[str, int | None]
    to_date: dict[str, int | None]
    labs: list[LabLine]
    initiatives: list[InitiativeLine]
    partners: list[PartnerLine]
    schools: list[SchoolFigures]
    civic_centers: list[CenterFigures]
    narratives: dict[str, str]
    frozen_at: datetime | None = None
    frozen_by: str = ""


class NarrativesIn(msgspec.Struct, forbid_unknown_fields=True):
    """What staff write about each strategy in a half-year; a text left out is empty."""

    companies: Narrative = ""
    schools: Narrative = ""
    labs: Narrative = ""
    pacts: Narrative = ""
    training: Narrative = ""
