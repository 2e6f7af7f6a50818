"""Suggestions: activities fit by age, town, dates and places; ranked by the timetable
against the parents' working pattern, then cost; explained in words; never for a pupil
without consent."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import uuid4

import pytest

from app import places
from app.i18n import use_language
from civic.consents import service as consents
from civic.families.schemas import ConsentCreate
from civic.suggestions.service import OfferFacts, PupilFacts, suggest_all, suggest_for_family
from tests.civic.referrals.world import as_caller, make_activity, make_family, make_world
from tests.factories import sign_in

TODAY = date(2026, 11, 22)
START = date(2027, 1, 11)  # a Monday


def offer(**changes) -> OfferFacts:
    values = {"id": uuid4(), "title": "Doposcuola", "category": "after_school",
              "town": "Crema", "min_age": 6, "max_age": 10, "days": (0, 2),
              "start_time": "16:30", "end_time": "18:30", "starts_on": START,
              "ends_on": START + timedelta(days=120), "places_left": 5}
    values.update(changes)
    return OfferFacts(**values)


def pupil(age: int = 8, pattern: str | None = "both_working", town: str = "Crema",
          school_town: str = "Crema", language: str = "it") -> PupilFacts:
    return PupilFacts(uuid4(), START.year - age, pattern, town, school_town, language)


def titles(found, who) -> list[str]:
    by_id = {o.id: o.title for o in OFFERS}
    return [by_id[s.activity_id] for s in found[who.id]]


OFFERS: list[OfferFacts] = []


def suggest(pupils, offers):
    OFFERS[:] = offers
    with use_language("en"):
        return suggest_all(pupils, offers, today=TODAY)


# The pure scoring ------------------------------------------------------------------------


def test_age_at_the_start_of_the_period_must_fit():
    young, fits, old = pupil(5), pupil(8), pupil(11)
    found = suggest([young, fits, old], [offer(min_age=6, max_age=10)])
    assert found[young.id] == () and found[old.id] == ()
    (only,) = found[fits.id]
    assert only.reasons[0] == "Age 8 when it starts: the activity is for ages 6 to 10"


def test_only_activities_in_the_family_or_school_town_and_family_town_first():
    crema = offer(title="A Crema", town="Crema")
    cremona = offer(title="A Cremona", town=" Cremona ")
    casal = offer(title="A Casalmaggiore", town="Casalmaggiore")
    lives_in_cremona = pupil(town="Cremona", school_town="Crema")
    found = suggest([lives_in_cremona], [crema, cremona, casal])
    assert titles(found, lives_in_cremona) == ["A Cremona", "A Crema"]
    reasons = [s.reasons[1] for s in found[lives_in_cremona.id]]
    assert reasons == ["In Cremona, where the family lives", "In Crema, the school's town"]


def test_without_a_family_town_the_school_town_counts():
    nowhere = pupil(town="", school_town="Crema")
    found = suggest([nowhere], [offer(town="Crema"), offer(title="Altrove", town="Lodi")])
    assert titles(found, nowhere) == ["Doposcuola"]


def test_full_activities_are_marked_waitlist_and_come_after_those_with_places():
    full = offer(title="Piena", places_left=0)
    free = offer(title="Libera", places_left=3)
    child = pupil()
    found = suggest([child], [full, free])
    assert titles(found, child) == ["Libera", "Piena"]
    assert [s.waitlist for s in found[child.id]] == [False, True]
    assert "Full: the pupil would join the waitlist" in found[child.id][1].reasons
    assert "Few places left" in found[child.id][0].reasons  # a band, never "3 places left"


def test_italian_as_a_second_language_is_suggested_only_to_families_of_another_language():
    course = offer(title="Italiano L2", category="italian_l2", languages=("it", "ar"))
    italian, arabic = pupil(language="it"), pupil(language="ar")
    found = suggest([italian, arabic], [course, offer()])
    assert titles(found, italian) == ["Doposcuola"]
    assert "Italiano L2" in titles(found, arabic)


def test_working_parents_see_after_school_and_summer_camps_first():
    sport = offer(title="Calcio il sabato", category="sport", days=(5,), start_time="10:00",
                  end_time="12:00", starts_on=START - timedelta(days=30))
    after_school = offer(title="Doposcuola")
    camp = offer(title="Centro estivo", category="summer_camp", days=(0, 1, 2, 3, 4),
                 start_time="08:00", end_time="16:00", starts_on=date(2027, 6, 14),
                 ends_on=date(2027, 7, 30))
    evening = offer(title="Teatro la sera", category="culture", days=(1,), start_time="19:00",
                    end_time="20:30", starts_on=START - timedelta(days=60))
    both, shifts, home = pupil(pattern="both_working"), pupil(pattern="shifts"), pupil(
        pattern="not_working")
    found = suggest([both, shifts, home], [sport, after_school, camp, evening])
    for working in (both, shifts):
        assert titles(found, working)[:2] == ["Doposcuola", "Centro estivo"]
    reasons = found[both.id][0].reasons
    # Only what the data supports: a working pattern, not hours (before: "fits two
    # working parents").
    assert "Weekday afternoons after school; the family says both parents work" in reasons
    assert not any("fits" in reason for reason in reasons)
    assert any("shifts" in reason for reason in found[shifts.id][0].reasons)
    # Parents at home: the timetable earns nothing, so earlier activities come first.
    assert titles(found, home)[:2] == ["Teatro la sera", "Calcio il sabato"]
    scores = {s.activity_id: s.score for s in found[home.id]}
    assert scores[after_school.id] == scores[sport.id]


def test_free_comes_before_paid_and_isee_bands_show_from():
    paid = offer(title="A pagamento", cost_kind="fixed", cost_cents=4000)
    isee = offer(title="Con ISEE", cost_kind="isee", fee_cents=(1500, 3000))
    free = offer(title="Gratis")
    child = pupil()
    found = suggest([child], [paid, isee, free])
    assert titles(found, child) == ["Gratis", "Con ISEE", "A pagamento"]
    costs = {s.activity_id: s.cost for s in found[child.id]}
    assert costs[free.id] == "Free" and costs[isee.id] == "from €15.00"
    assert costs[paid.id] == "€40.00"


def test_ended_activities_are_not_suggested_and_a_spoken_language_helps():
    ended = offer(title="Finita", starts_on=TODAY - timedelta(days=90),
                  ends_on=TODAY - timedelta(days=1))
    arabic = offer(title="Con arabo", languages=("it", "ar"), starts_on=START + timedelta(1))
    plain = offer(title="Solo italiano")
    child = pupil(language="ar")
    found = suggest([child], [ended, arabic, plain])
    assert titles(found, child) == ["Con arabo", "Solo italiano"]
    assert "Also in Arabic" in found[child.id][0].reasons


def test_every_pupil_gets_an_answer_in_a_batch():
    pupils = [pupil(age=6 + n % 6, town=("Crema", "Cremona")[n % 2]) for n in range(300)]
    offers = [offer(title=f"Attività {n}", town=("Crema", "Cremona", "Lodi")[n % 3],
                    min_age=6 + n % 4, max_age=9 + n % 4) for n in range(60)]
    found = suggest(pupils, offers)
    assert set(found) == {p.id for p in pupils}
    for child in pupils:
        age = START.year - child.birth_year
        for suggestion in found[child.id]:
            chosen = next(o for o in offers if o.id == suggestion.activity_id)
            assert chosen.min_age <= age <= chosen.max_age and chosen.town != "Lodi"
        scores = [s.score for s in found[child.id]]
        assert scores == sorted(scores, reverse=True)


# One family, through the service and the API --------------------------------------------


@pytest.fixture
async def world():
    return await make_world()


async def test_a_pupil_without_consent_gets_no_suggestions_only_a_message(world):
    await make_activity(world)
    family, (consented, refused) = await make_family(
        world, pupils=(("Luca", 8), ("Sara", 9)), consent=False)
    await consents.record_consent(await as_caller(world.coord_a), world.school_a, consented,
                                  ConsentCreate(given_by="Adulto F1"))
    with use_language("en"):
        found = await suggest_for_family(await as_caller(world.coord_a), world.school_a, family)
    by_name = {p.first_name: p for p in found.pupils}
    assert len(by_name["Luca"].suggestions) == 1 and by_name["Luca"].consented
    assert by_name["Sara"].suggestions == [] and not by_name["Sara"].consented
    assert "no parental consent" in by_name["Sara"].message


async def test_the_family_page_shows_places_and_waitlist(world, client):
    full = await make_activity(world, title="Piena", capacity=1)
    await make_activity(world, title="Con posti", capacity=4)
    await make_activity(world, title="Per grandi", min_age=12, max_age=14)
    await make_activity(world, title="A Cremona", town="Cremona")
    family, _pupils = await make_family(world)
    _other, (taker,) = await make_family(world, ref="F2", email="f2@example.it")
    await places.request_place(full.pool_id, "pupil", taker, world.school_a)
    await sign_in(client, world.coord_a)
    response = await client.get(
        f"/api/v1/schools/{world.school_a}/families/{family}/suggestions")
    (child,) = response.json()["pupils"]
    shown = [(s["activity"]["title"], s["waitlist"]) for s in child["suggestions"]]
    assert shown == [("Con posti", False), ("Piena", True)]
    page = await client.get(f"/schools/{world.school_a}/families/{family}/suggestions",
                            headers={"accept-language": "en"})
    assert "Waitlist" in page.text and "Why this activity" in page.text
    assert "Per grandi" not in page.text and "A Cremona" not in page.text


async def test_places_reach_coordinators_families_and_employees_as_bands_only(world, client):
    """Below 5 a number of places left moves by one when one child enrols: who sees
    it (a coordinator, a family, an employee) could tell who took the place."""
    activity = await make_activity(world, title="Con posti", capacity=5)
    family, _pupils = await make_family(world)
    _other, (taker,) = await make_family(world, ref="F2", email="f2@example.it")
    await sign_in(client, world.coord_a)
    url = f"/api/v1/schools/{world.school_a}/families/{family}/suggestions"
    page_url = f"/schools/{world.school_a}/families/{family}/suggestions"

    before = (await client.get(url)).json()["pupils"][0]["suggestions"][0]
    before_page = await client.get(page_url, headers={"accept-language": "en"})
    await places.request_place(activity.pool_id, "pupil", taker, world.school_a)
    after = (await client.get(url)).json()["pupils"][0]["suggestions"][0]
    after_page = await client.get(page_url, headers={"accept-language": "en"})

    assert (before["activity"]["availability"], after["activity"]["availability"]) == (
        "free", "few")
    assert "places_left" not in after["activity"]
    for shown in (before_page.text, after_page.text):
        assert not re.search(r"\d+ places? left", shown)
    assert "Places free" in before_page.text and "Few places left" in after_page.text
