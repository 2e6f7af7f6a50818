"""What the results' summary pages and drill-downs cut out of a wave's results.

Pure functions over the result DTOs, shared by the company's and the program's pages:
what changed since the previous wave (only where both waves' figures are shown), the
sections of the survey, and a company's reporting groups, each a page of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.results.model import Group, Need, QuestionResult, Rate, Trend, WaveInfo

TOP_NEEDS = 5


@dataclass(frozen=True)
class Change:
    """A figure in the previous wave and in this one (shares, 0.25 is 25%)."""

    label: str
    before: float
    after: float

    @property
    def points(self) -> int:
        return round(self.after * 100) - round(self.before * 100)


@dataclass(frozen=True)
class Changes:
    """What changed since `previous`: the response rate and the top needs, each only
    when both waves show it; `left_out` counts the top needs the previous wave did not
    show (not asked, or hidden there)."""

    previous: WaveInfo
    rate: Change | None
    needs: list[Change]
    left_out: int


def changes(previous: WaveInfo, rate_before: Rate, rate_now: Rate, needs_before: list[Need],
            needs_now: list[Need], rate_label: str) -> Changes:
    shown = (rate_before, rate_now)
    rate = None
    if all(r.rate is not None and not r.hidden and not r.at_least for r in shown):
        rate = Change(rate_label, rate_before.rate or 0.0, rate_now.rate or 0.0)
    before = {(n.question, n.option): n for n in needs_before}
    found = [Change(n.label, before[(n.question, n.option)].share, n.share)
             for n in needs_now[:TOP_NEEDS] if (n.question, n.option) in before]
    return Changes(previous, rate, found, min(TOP_NEEDS, len(needs_now)) - len(found))


def company_changes(trend: Trend, wave: WaveInfo, rate_now: Rate, needs_now: list[Need],
                    rate_label: str) -> Changes | None:
    """Against the company's wave before `wave` in its trend, if any."""
    waves = [point.wave.id for point in trend.points]
    if wave.id not in waves or waves.index(wave.id) == 0:
        return None
    point = trend.points[waves.index(wave.id) - 1]
    return changes(point.wave, point.rate, rate_now, point.needs, needs_now, rate_label)


@dataclass(frozen=True)
class Section:
    number: int  # from 1, as in the page's address
    title: str
    questions: list[QuestionResult]


def sections(questions: list[QuestionResult]) -> list[Section]:
    """The survey's sections in order, each with its questions that have figures."""
    titles: list[str] = []
    by_title: dict[str, list[QuestionResult]] = {}
    for result in questions:
        if result.question.section not in by_title:
            titles.append(result.question.section)
        by_title.setdefault(result.question.section, []).append(result)
    return [Section(number, title, by_title[title])
            for number, title in enumerate(titles, start=1)]


def reporting_groups(questions: list[QuestionResult]) -> list[Group]:
    """A company's reporting groups (each value of each dimension, "not given" too) in
    the order the questions list them; a group page is addressed by its place here."""
    found: dict[str, Group] = {}
    for result in questions:
        for figure in result.figures:
            if figure.group.kind == "group" and figure.group.key not in found:
                found[figure.group.key] = figure.group
    return list(found.values())


def one_group(questions: list[QuestionResult], key: str) -> list[QuestionResult]:
    """Each question's figures for the company (the first) and for the group `key`."""
    return [QuestionResult(r.question, [r.figures[0], *(
        f for f in r.figures if f.group.key == key)]) for r in questions]
