"""Which Civic Center activities fit a pupil, and why, in words.

`suggest_all` is pure: it scores preloaded pupils against preloaded offers, so the same
code serves one family's page and the whole program at once (bench/suggestions.py).
An offer is suggested only when the pupil's age fits and it runs in the family's town
or the school's town and has not ended; among those, the score ranks it by the
timetable against the parents' working pattern, the town, the cost and the places
left. Everything that does not depend on the pupil is worked out once per offer and
working pattern, so a pupil costs an age check and a tuple per offer in their towns.

`suggest_for_family` loads one family for a coordinator: it reaches only the caller's
school and uses a pupil's data only while the pupil has a consent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import NamedTuple
from uuid import UUID

from app.auth.caller import Caller
from app.i18n import _
from app.places import band, band_label
from civic.activities import service as activities
from civic.activities.schemas import ITALIAN_L2, ActivityInfo, language_label
from civic.families import service as families
from civic.referrals import service as referrals
from civic.referrals.schemas import (
    FamilySuggestions,
    PupilSuggestions,
    SuggestionOut,
    activity_summary,
    cost_label,
)

WORKING_PATTERNS = ("both_working", "one_working", "shifts", "not_working")
CARE = ("after_school", "homework")
AFTER_SCHOOL_FROM, AFTER_SCHOOL_TO = "13:00", "16:30"  # when school ends, to when
FAMILY_TOWN, SCHOOL_TOWN = "family", "school"
TOWN_SCORE = {FAMILY_TOWN: 30, SCHOOL_TOWN: 20}
# Timetable points by working pattern (None: the family did not say).
SLOT_SCORE = {"both_working": 25, "shifts": 25, "one_working": 10, None: 5, "not_working": 0}
CARE_SCORE = {"both_working": 10, "shifts": 10, "one_working": 5, None: 0, "not_working": 0}
COST_SCORE = {"free": 15, "isee": 8, "fixed": 0}
LANGUAGE_SCORE = 5
PLACES_SCORE, FULL_SCORE = 10, -20


@dataclass(frozen=True, slots=True)
class PupilFacts:
    """What scoring needs of a pupil and their family (no name: reasons do not use it)."""

    id: UUID
    birth_year: int
    working_pattern: str | None
    town: str  # the family's town, may be empty
    school_town: str
    language: str = "it"


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What scoring needs of a published activity; `places_left` None: no pool yet."""

    id: UUID
    title: str
    category: str
    town: str
    min_age: int | None = None
    max_age: int | None = None
    days: tuple[int, ...] = ()
    start_time: str = ""
    end_time: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    cost_kind: str = "free"
    cost_cents: int = 0
    fee_cents: tuple[int, ...] = ()  # the ISEE bands' fees
    languages: tuple[str, ...] = ("it",)
    places_left: int | None = None


class Suggestion(NamedTuple):
    activity_id: UUID
    score: int
    reasons: tuple[str, ...]
    cost: str
    waitlist: bool


def suggest_all(pupils: Iterable[PupilFacts], offers: Iterable[OfferFacts],
                today: date | None = None) -> dict[UUID, tuple[Suggestion, ...]]:
    """Every pupil's fitting offers, best first (score, then earliest start, then title).

    Reasons are in the current language. Pupils alike in all that scoring reads (birth
    year, towns, working pattern, language) share one answer, so the work grows with the
    kinds of pupils more than with their number.
    """
    scorer = _Scorer(offers, today or date.today())
    answers: dict[tuple[str, str, str | None, str, int], tuple[Suggestion, ...]] = {}
    results: dict[UUID, tuple[Suggestion, ...]] = {}
    for pupil in pupils:
        pattern = pupil.working_pattern if pupil.working_pattern in WORKING_PATTERNS else None
        key = (_town_key(pupil.town), _town_key(pupil.school_town), pattern, pupil.language,
               pupil.birth_year)
        found = answers.get(key)
        if found is None:
            found = answers[key] = scorer.suggest(*key)
        results[pupil.id] = found
    return results


# A row is an offer as one kind of pupil sees it: everything but the age worked out.
_Row = tuple[int, int, int, UUID, int, tuple[str, ...], str, bool, tuple[int, date, str],
             dict[int, tuple[str, ...]], "_Prepared"]


def _score(born: int, rows: list[_Row],
           found: list[tuple[tuple[int, date, str], Suggestion]]) -> None:
    append = found.append
    for year, low, high, offer_id, score, rest, cost, waitlist, key, full, prepared in rows:
        age = year - born
        if age < low or age > high:
            continue
        reasons = full.get(age)
        if reasons is None:
            reasons = full[age] = (prepared.age_reason(age), *rest)
        append((key, Suggestion(offer_id, score, reasons, cost, waitlist)))


class _Scorer:
    """The offers by town, and their rows per town, match, working pattern and language,
    made the first time a pupil needs them."""

    def __init__(self, offers: Iterable[OfferFacts], today: date) -> None:
        self.by_town: dict[str, list[_Prepared]] = defaultdict(list)
        for offer in offers:
            if offer.ends_on is None or offer.ends_on >= today:
                self.by_town[_town_key(offer.town)].append(_Prepared.of(offer, today))
        self.made: dict[tuple[str, str, str | None, str], list[_Row]] = {}

    def suggest(self, family: str, school: str, pattern: str | None, language: str,
                born: int) -> tuple[Suggestion, ...]:
        found: list[tuple[tuple[int, date, str], Suggestion]] = []
        if family:
            _score(born, self.rows(family, FAMILY_TOWN, pattern, language), found)
        if school and school != family:
            _score(born, self.rows(school, SCHOOL_TOWN, pattern, language), found)
        found.sort(key=itemgetter(0))
        return tuple(suggestion for _key, suggestion in found)

    def rows(self, town: str, match: str, pattern: str | None, language: str) -> list[_Row]:
        key = (town, match, pattern, language)
        rows = self.made.get(key)
        if rows is None:
            rows = self.made[key] = [
                prepared.row(match, pattern, language) for prepared in self.by_town.get(town, ())
                if not (prepared.offer.category == ITALIAN_L2 and language == "it")]
        return rows


@dataclass(slots=True)
class _Prepared:
    """An offer with everything that does not depend on the pupil worked out."""

    offer: OfferFacts
    year: int  # ages are counted in the year the period starts
    sort_day: date
    cost: str
    waitlist: bool
    parts: dict[tuple[str, str | None], tuple[int, tuple[str, ...]]]
    ages: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, offer: OfferFacts, today: date) -> _Prepared:
        start = offer.starts_on or today
        cost = (offer.cost_kind, offer.cost_cents, offer.fee_cents)
        cost_score, cost_reason = COST_SCORE.get(offer.cost_kind, 0), cost_label(*cost, True)
        place_score, place_reasons = _places(offer.places_left)
        parts = {}
        for match in (FAMILY_TOWN, SCHOOL_TOWN):
            town_reason = (_("In %(town)s, where the family lives") if match == FAMILY_TOWN
                           else _("In %(town)s, the school's town")) % {
                               "town": " ".join(offer.town.split())}
            for pattern in (*WORKING_PATTERNS, None):
                time_score, time_reasons = _timetable(offer, pattern)
                parts[(match, pattern)] = (
                    TOWN_SCORE[match] + time_score + cost_score + place_score,
                    (town_reason, *time_reasons, cost_reason, *place_reasons))
        return cls(offer, start.year, offer.starts_on or date.max, cost_label(*cost),
                   _full(offer.places_left), parts)

    def row(self, match: str, pattern: str | None, language: str) -> _Row:
        offer = self.offer
        score, reasons = self.parts[(match, pattern)]
        if language != "it" and language in offer.languages:
            score += LANGUAGE_SCORE
            reasons = (*reasons, _("Also in %(language)s") % {
                "language": language_label(language)})
        low = -1 if offer.min_age is None else offer.min_age
        high = 999 if offer.max_age is None else offer.max_age
        return (self.year, low, high, offer.id, score, reasons, self.cost, self.waitlist,
                (-score, self.sort_day, offer.title), {}, self)

    def age_reason(self, age: int) -> str:
        reason = self.ages.get(age)
        if reason is None:
            reason = self.ages[age] = age_text(age, self.offer.min_age, self.offer.max_age)
        return reason


def _town_key(town: str) -> str:
    return " ".join(town.split()).casefold()


def _full(places_left: int | None) -> bool:
    return places_left is not None and places_left <= 0


def _places(places_left: int | None) -> tuple[int, tuple[str, ...]]:
    if places_left is None:
        return 0, ()
    if places_left <= 0:
        return FULL_SCORE, (_("Full: the pupil would join the waitlist"),)
    return PLACES_SCORE, (band_label(band(places_left)),)  # never a count that moves by one


def after_school_slot(offer: OfferFacts) -> bool:
    """Weekdays only, starting after school ends (13:00 to 16:30)."""
    return (bool(offer.days) and all(0 <= day <= 4 for day in offer.days)
            and AFTER_SCHOOL_FROM <= offer.start_time <= AFTER_SCHOOL_TO)


def _timetable(offer: OfferFacts, pattern: str | None) -> tuple[int, tuple[str, ...]]:
    """Points and words for how the timetable meets the parents' working pattern."""
    if offer.category == "summer_camp":
        return SLOT_SCORE[pattern], (_summer_words(pattern),)
    if not after_school_slot(offer):
        return 0, ()
    score = SLOT_SCORE[pattern] + (CARE_SCORE[pattern] if offer.category in CARE else 0)
    return score, (_slot_words(pattern),)


def _summer_words(pattern: str | None) -> str:
    """Only what the family told: a working pattern, never hours (so never "fits")."""
    if pattern == "both_working":
        return _("Summer camp during the school holidays; the family says both parents work")
    if pattern == "shifts":
        return _("Summer camp during the school holidays; the family says the parents work "
                 "shifts")
    return _("Summer camp during the school holidays")


def _slot_words(pattern: str | None) -> str:
    if pattern == "both_working":
        return _("Weekday afternoons after school; the family says both parents work")
    if pattern == "shifts":
        return _("Weekday afternoons after school; the family says the parents work shifts")
    return _("Weekday afternoons after school")


def age_limits(low: int | None, high: int | None) -> str:
    """Whom an activity is for: "for ages 6 to 10", "for ages 6 and over", ..."""
    if low is not None and high is not None:
        return _("for ages %(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return _("for ages %(low)s and over") % {"low": low}
    if high is not None:
        return _("for ages up to %(high)s") % {"high": high}
    return _("for all ages")


def age_text(age: int, low: int | None, high: int | None) -> str:
    return _("Age %(age)s when it starts: the activity is %(limits)s") % {
        "age": age, "limits": age_limits(low, high)}


# One family, for its school's coordinator -----------------------------------------------


def offer_facts(info: ActivityInfo) -> OfferFacts:
    return OfferFacts(
        id=info.id, title=info.title, category=info.category, town=info.town,
        min_age=info.min_age, max_age=info.max_age, days=tuple(info.days),
        start_time=info.start_time, end_time=info.end_time, starts_on=info.starts_on,
        ends_on=info.ends_on, cost_kind=info.cost_kind, cost_cents=info.cost_cents,
        fee_cents=tuple(band.fee_cents for band in info.fee_bands),
        languages=tuple(info.languages),
        places_left=info.places_left if info.capacity else None)


async def suggest_for_family(caller: Caller, school_id: UUID,
                             family_id: UUID) -> FamilySuggestions:
    """The activities that fit each pupil of a family, for the school's coordinator.

    404 outside the caller's school. A pupil without a consent gets no suggestions, only
    a message saying so: their data is not used.
    """
    school = await families.school_of(caller, school_id)
    family = await families.family_detail(caller, school_id, family_id)
    infos: dict[UUID, ActivityInfo] = {}
    for town in {family.town.strip().casefold(), school.town.strip().casefold()} - {""}:
        infos.update((info.id, info) for info in await activities.published_activities(town))
    consented = [pupil for pupil in family.pupils if pupil.consented]
    facts = [PupilFacts(pupil.id, pupil.birth_year, family.working_pattern, family.town,
                        school.town, family.language) for pupil in consented]
    found = suggest_all(facts, [offer_facts(info) for info in infos.values()])
    referred = await referrals.open_referral_states([pupil.id for pupil in consented])
    summaries = {info_id: activity_summary(info) for info_id, info in infos.items()}
    pupils = []
    for pupil in family.pupils:
        suggestions = [SuggestionOut(
            activity=summaries[s.activity_id], score=s.score, reasons=list(s.reasons),
            waitlist=s.waitlist,
            referral_id=referred.get((pupil.id, s.activity_id), (None, None))[0],
            referral_state=referred.get((pupil.id, s.activity_id), (None, None))[1],
        ) for s in found.get(pupil.id, [])]
        pupils.append(PupilSuggestions(
            pupil_id=pupil.id, first_name=pupil.first_name, class_name=pupil.class_name,
            birth_year=pupil.birth_year, consented=pupil.consented,
            message=_pupil_message(pupil.first_name, pupil.consented, bool(suggestions)),
            suggestions=suggestions))
    return FamilySuggestions(
        school_id=school.id, school_name=school.name, family_id=family.id,
        family_ref=family.family_ref, reference_adult=family.reference_adult,
        town=family.town, working_pattern=family.working_pattern, language=family.language,
        has_email=bool((family.contact_email or "").strip()), pupils=pupils)


def _pupil_message(name: str, consented: bool, found: bool) -> str:
    if not consented:
        return _("%(name)s has no parental consent on record: their data is not used for "
                 "suggestions or proposals until a parent gives consent.") % {"name": name}
    if not found:
        return _("No published activity fits %(name)s now (age, town and dates).") % {
            "name": name}
    return ""
