"""The results DTOs (msgspec): what pages, the JSON API, Word reports and exports share.

Every figure names the group it belongs to (`Group`) and, when it cannot be shown,
carries `hidden` (a code: small, complement, across_waves) and `note` (the reason in
words, in the language of the request or job) instead of numbers: a hidden figure has
no count, share or mean, never a zero. Shares are fractions (0.25 is 25%).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

import msgspec

GroupKind = Literal["program", "town", "company", "group"]


class Group(msgspec.Struct, frozen=True):
    """Whose figure: the program, a town, a company, or a reporting group of a company.

    `key` is stable and unique within a wave ("program", "town:Crema", "company:<id>",
    "group:<company id>:<dimension>:<value>"); `label` is what people read.
    """

    kind: GroupKind
    key: str
    label: str
    company_id: UUID | None = None
    dimension: str = ""  # a reporting group: department, site or a question key
    dimension_label: str = ""
    value: str = ""


class Share(msgspec.Struct):
    """One answer of a figure: an option, a scale point or a range of numbers."""

    key: str
    label: str
    count: int
    share: float  # of the figure's `n`


class GridRow(msgspec.Struct):
    key: str
    label: str
    n: int
    shares: list[Share]


class Figure(msgspec.Struct):
    """One question for one group. `n` is how many answered it."""

    group: Group
    n: int | None = None
    hidden: str = ""
    note: str = ""
    shares: list[Share] = msgspec.field(default_factory=list)
    rows: list[GridRow] = msgspec.field(default_factory=list)  # grid questions
    mean: float | None = None  # scale and number questions


class QuestionInfo(msgspec.Struct):
    key: str
    type: str
    text: str
    area: str
    area_label: str
    section: str


class QuestionResult(msgspec.Struct):
    """A question with one figure per group of the view, in the view's order."""

    question: QuestionInfo
    figures: list[Figure]


class Rate(msgspec.Struct):
    """Invited and answered for a group; `rate` is answered / invited.

    `invited` is a roster fact and always shown. While the wave is open `answered` is a
    lower bound in steps of 5 (`at_least`), never closer than 5 to `invited`; a
    reporting group's is shown only once the wave has closed. `hidden`/`note` say why
    `answered` is missing."""

    group: Group
    invited: int | None = None
    answered: int | None = None
    rate: float | None = None
    hidden: str = ""
    note: str = ""
    at_least: bool = False


class Need(msgspec.Struct):
    """How many people of a group share a need.

    A need is an answer that the question's rule names (`surveys.bank.need_answers`), on
    a question that has an `area`: an option of a choice, or the points of a 1–5 scale
    together (`option` is "1-2" or "4-5").
    `count` is how many chose it, `n` how many answered the question, `share` count / n.
    """

    question: str
    option: str
    label: str
    question_text: str
    area: str
    area_label: str
    count: int
    n: int
    share: float


class Area(msgspec.Struct):
    key: str
    label: str


class AreaCell(msgspec.Struct):
    """A heat-map cell: the most shared need of an area in a group (`share` of `n`)."""

    area: str
    share: float | None = None
    n: int | None = None
    need: str = ""  # the need's label
    hidden: str = ""
    note: str = ""


class HeatRow(msgspec.Struct):
    group: Group
    cells: list[AreaCell]


class HeatMap(msgspec.Struct):
    """Groups × need areas; one `cells` entry per area, in `areas` order."""

    areas: list[Area]
    rows: list[HeatRow]


class CrossTab(msgspec.Struct):
    """The questions of some need areas split by the answer to an attribute question
    (defined in advance, e.g. children under 14 × childcare): one figure per answer."""

    attribute: str
    attribute_text: str
    questions: list[QuestionResult]


class Comment(msgspec.Struct):
    question: str
    question_text: str
    text: str


class Comments(msgspec.Struct):
    """Free text of a group: only after the wave closes, for `text` threshold or more
    respondents, shuffled and scrubbed. `hidden`/`note` say why there is none."""

    group: Group
    items: list[Comment] = msgspec.field(default_factory=list)
    hidden: str = ""
    note: str = ""


class WaveInfo(msgspec.Struct):
    id: UUID
    title: str
    state: str  # not_open, open, closed
    opens_on: date
    closes_on: date


class Thresholds(msgspec.Struct):
    """The thresholds in force; a program admin may raise them, never lower them."""

    group: int
    text: int


class ThresholdsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Raisable only, as the service checks: groups 5 to 1000, free text 10 to 1000 and not
    below the group threshold (that last rule joins two fields, so the document can't say it)."""

    group: Annotated[int, msgspec.Meta(ge=5, le=1000)]
    text: Annotated[int, msgspec.Meta(ge=10, le=1000)]


class CompanyResults(msgspec.Struct):
    """A company's results in one wave, as its HR manager sees them.

    `territory` is the company's town, present only when its figures can be shown and
    include another company; each question's figures are then [company, territory,
    reporting groups…], else [company, reporting groups…].
    """

    wave: WaveInfo
    company: Group
    territory: Group | None
    thresholds: Thresholds
    rates: list[Rate]  # the company first, then its roster groups
    needs: list[Need]  # the company's, most shared first
    territory_needs: list[Need]
    questions: list[QuestionResult]
    crosstabs: list[CrossTab]
    comments: Comments
    # How many companies the town's figures leave out (their reasons are not told to a
    # company: that another company's figure is hidden, and why, is its own business).
    territory_left_out: int = 0


class LeftOut(msgspec.Struct):
    """How many companies a territory's total (a town's, or the program's) leaves out,
    for one reason: `hidden` (a code: small, across_waves, territory_small...) and
    `note` (the reason in words). Which companies is never said."""

    group: Group
    companies: int
    hidden: str
    note: str


class ProgramResults(msgspec.Struct):
    """A wave across companies, as program staff see it: the program, towns, companies.

    Each question's figures are [program, towns…, companies…].
    """

    wave: WaveInfo
    program: Group
    towns: list[Group]
    companies: list[Group]
    thresholds: Thresholds
    rates: list[Rate]  # program, towns, companies
    needs: list[Need]
    heat_companies: HeatMap
    heat_towns: HeatMap
    questions: list[QuestionResult]
    comments: Comments
    left_out: list[LeftOut] = msgspec.field(default_factory=list)  # program, then towns


class TrendPoint(msgspec.Struct):
    wave: WaveInfo
    rate: Rate
    needs: list[Need]  # the group's needs in that wave (hidden ones left out)


class Trend(msgspec.Struct):
    """A company's response rate and needs across the waves it took part in, oldest
    first. A need missing from a wave was not asked or could not be shown."""

    group: Group
    points: list[TrendPoint]


class WaveChoice(msgspec.Struct):
    """A wave whose results the caller may open."""

    wave: WaveInfo
    companies: list[Group]  # the caller's companies in it (all for program staff)
