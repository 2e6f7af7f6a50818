"""Consents: recorded before a pupil's data is used, by a parent (or the pupil from 14),
for a notice version that is never overwritten, with the photo release apart; withdrawn
at any time, with the history kept."""

from __future__ import annotations

import pytest

from app.clock import now
from app.errors import InvalidInput
from civic.consents import service as consents
from civic.families.schemas import ConsentCreate, NoticeCreate
from civic.tables import Consent, ConsentNotice
from tests.civic.families.test_families import add_family, as_caller, make_schools
from tests.factories import api_post, csrf_token, sign_in


@pytest.fixture
async def world():
    return await make_schools()


async def test_consented_pupils_are_those_with_a_consent_not_withdrawn(world) -> None:
    _, (luca, emma, andrei) = await add_family(world.a, pupils=(
        ("Luca", 2017, "3A"), ("Emma", 2015, "5B"), ("Andrei", 2016, "4A")))
    coordinator = await as_caller(world.coord_a)
    assert await consents.consented_pupils([]) == set()
    await consents.record_consent(coordinator, world.a, luca, ConsentCreate(given_by="Sara"))
    await consents.record_consent(coordinator, world.a, emma, ConsentCreate(given_by="Sara"))
    await consents.withdraw_consent(coordinator, world.a, emma)

    assert await consents.consented_pupils([luca, emma, andrei]) == {luca}


async def test_a_consent_for_an_earlier_notice_still_holds_but_asks_for_renewal(world
                                                                                ) -> None:
    family, (luca,) = await add_family(world.a)
    coordinator = await as_caller(world.coord_a)
    await consents.record_consent(coordinator, world.a, luca, ConsentCreate(given_by="Sara"))
    staff = await as_caller(world.admin)
    await consents.publish_notice(staff, NoticeCreate(version="2026-2", text_it="Nuova",
                                                      text_en="New"))

    assert await consents.consented_pupils([luca]) == {luca}
    state = (await consents.consent_states([luca]))[luca]
    assert state.renewal_due and state.consent.notice_version == "2026-1"
    history = await consents.record_consent(coordinator, world.a, luca,
                                            ConsentCreate(given_by="Sara", photo_release=True))
    assert [c.notice_version for c in history.consents] == ["2026-2", "2026-1"]
    assert [c.ended for c in history.consents] == [None, "replaced"]
    assert not (await consents.consent_states([luca]))[luca].renewal_due


async def test_a_pupil_under_14_needs_a_parent(client, world) -> None:
    this_year = now().year
    family, (young, old) = await add_family(world.a, pupils=(
        ("Luca", this_year - 13, "S2"), ("Emma", this_year - 15, "S3")))
    await sign_in(client, world.coord_a)

    refused = await api_post(client, f"/api/v1/schools/{world.a}/pupils/{young}/consents",
                             {"given_by": "Luca", "given_by_role": "pupil"})
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["given_by_role"]
    assert not await Consent.exists().where(Consent.pupil == young)
    accepted = await api_post(client, f"/api/v1/schools/{world.a}/pupils/{old}/consents",
                              {"given_by": "Emma", "given_by_role": "pupil"})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["consents"][0]["given_by_role"] == "pupil"

    page = f"/schools/{world.a}/families/{family}"
    token = await csrf_token(client, page)
    form = await client.post(f"{page}/pupils/{young}/consent?lang=en", data={
        "_csrf_token": token, "given_by": "Luca", "given_by_role": "pupil"})
    assert form.status_code == 422
    assert "A pupil under 14 needs a parent&#39;s consent" in form.text
    assert f'id="given_by_role-{young}-error"' in form.text


async def test_the_english_message_for_a_pupil_under_14(world) -> None:
    from app.i18n import use_language

    _, (young,) = await add_family(world.a, pupils=(("Luca", now().year - 10, "5A"),))
    with use_language("en"), pytest.raises(InvalidInput) as invalid:
        await consents.record_consent(await as_caller(world.coord_a), world.a, young,
                                      ConsentCreate(given_by="Luca", given_by_role="pupil"))
    assert invalid.value.errors == {"given_by_role": "A pupil under 14 needs a parent's consent"}


async def test_a_parent_records_consent_from_the_page_with_a_separate_photo_release(
        client, world) -> None:
    family, (luca,) = await add_family(world.a)
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.a}/families/{family}"
    token = await csrf_token(client, page)
    response = await client.post(f"{page}/pupils/{luca}/consent", data={
        "_csrf_token": token, "given_by": "Sara Bonetti", "given_by_role": "parent"},
        follow_redirects=False)
    assert response.status_code == 303
    row = await Consent.select().where(Consent.pupil == luca).first()
    assert (row["given_by"], row["given_by_role"], row["photo_release"]) == (
        "Sara Bonetti", "parent", False)
    assert row["recorded_by"] == world.coord_a

    await client.post(f"{page}/pupils/{luca}/consent", data={
        "_csrf_token": token, "given_by": "Sara Bonetti", "given_by_role": "parent",
        "photo_release": "1"})
    rows = await Consent.select().where(Consent.pupil == luca).order_by(Consent.id)
    assert [r["photo_release"] for r in rows] == [False, True]
    assert rows[0]["withdrawn_at"] is not None and rows[1]["withdrawn_at"] is None
    shown = await client.get(f"{page}?lang=en")
    assert "Photo release: yes." in shown.text and "Replaced on" in shown.text


async def test_withdrawing_ends_the_consent_and_keeps_the_history(client, world) -> None:
    family, (luca,) = await add_family(world.a)
    await sign_in(client, world.coord_a)
    await api_post(client, f"/api/v1/schools/{world.a}/pupils/{luca}/consents",
                   {"given_by": "Sara", "photo_release": True})
    page = f"/schools/{world.a}/families/{family}"
    token = await csrf_token(client, page)
    response = await client.post(f"{page}/pupils/{luca}/consent/withdraw",
                                 data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303

    assert await consents.consented_pupils([luca]) == set()
    history = (await client.get(f"/api/v1/schools/{world.a}/pupils/{luca}/consents")).json()
    assert [c["ended"] for c in history["consents"]] == ["withdrawn"]
    again = await api_post(client, f"/api/v1/schools/{world.a}/pupils/{luca}/consents/withdraw",
                           None)
    assert again.status_code == 422 and "consent" in again.json()["errors"]
    shown = await client.get(f"{page}?lang=en")
    assert "No consent" in shown.text and "Withdrawn on" in shown.text


async def test_no_consent_can_be_recorded_before_a_notice_is_published(client) -> None:
    world = await make_schools(notice=False)
    _, (luca,) = await add_family(world.a)
    await sign_in(client, world.coord_a)
    response = await api_post(client, f"/api/v1/schools/{world.a}/pupils/{luca}/consents",
                              {"given_by": "Sara"})
    assert response.status_code == 422 and "notice" in response.json()["errors"]


async def test_who_gave_it_is_required(client, world) -> None:
    _, (luca,) = await add_family(world.a)
    await sign_in(client, world.coord_a)
    response = await api_post(client, f"/api/v1/schools/{world.a}/pupils/{luca}/consents",
                              {"given_by": "   ", "given_by_role": "grandparent"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"given_by", "given_by_role"}


async def test_program_staff_publish_versions_that_are_never_overwritten(client, world
                                                                         ) -> None:
    await sign_in(client, world.maker)
    page = await client.get("/civic/notices?lang=en")
    assert page.status_code == 200 and "Version 2026-1" in page.text
    token = await csrf_token(client, "/civic/notices")
    response = await client.post("/civic/notices", data={
        "_csrf_token": token, "version": "2026-2", "text_it": "Testo nuovo",
        "text_en": "New text", "retention_months": "18"}, follow_redirects=False)
    assert response.status_code == 303
    same = await client.post("/civic/notices?lang=en", data={
        "_csrf_token": token, "version": "2026-1", "text_it": "Cambiato",
        "text_en": "Changed", "retention_months": "24"})
    assert same.status_code == 422 and "already exists" in same.text
    old = await ConsentNotice.select().where(ConsentNotice.version == "2026-1").first()
    assert old["text_it"] == "Informativa alle famiglie"

    notices = (await client.get("/api/v1/civic/notices")).json()
    assert [(n["version"], n["current"]) for n in notices] == [("2026-2", True),
                                                               ("2026-1", False)]
    assert notices[0]["retention_months"] == 18
    bad = await api_post(client, "/api/v1/civic/notices", {
        "version": "not a version!", "text_it": "", "text_en": "x", "retention_months": 0})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"version", "text_it", "retention_months"}


async def test_only_program_staff_publish_notices(client, world) -> None:
    await sign_in(client, world.coord_a)
    assert (await client.get("/civic/notices")).status_code == 403
    response = await api_post(client, "/api/v1/civic/notices", {
        "version": "X", "text_it": "x", "text_en": "x"})
    assert response.status_code == 403
    assert (await client.get("/api/v1/civic/notices")).status_code == 200
    await sign_in(client, world.operator)
    assert (await client.get("/api/v1/civic/notices")).status_code == 403
    assert await ConsentNotice.count() == 1


async def test_the_demo_gets_a_notice_consents_for_most_pupils_and_retention_dates() -> None:
    from civic.tables import Family, Pupil
    from legami.demo.civic_families import seed_demo_consents
    from legami.demo.seed import seed_demo

    await seed_demo()
    consented = await seed_demo_consents()
    pupils = await Pupil.count()
    assert 0.8 * pupils < consented < pupils
    assert await seed_demo_consents() == consented == await Consent.count()
    assert [n["version"] for n in await ConsentNotice.select(ConsentNotice.version)] == ["1"]
    assert not await Family.exists().where(Family.retain_until.is_null())
    young = await Consent.select(Consent.pupil.birth_year).where(
        Consent.given_by_role == "pupil")
    # Pupils of istituti comprensivi are at most 14: a parent gave every demo consent.
    assert all(now().year - row["pupil.birth_year"] >= 15 for row in young)
    assert await Consent.exists().where(Consent.given_by_role == "parent")
