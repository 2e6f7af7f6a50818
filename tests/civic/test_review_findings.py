"""Review findings on the civic side: family links and searches kept out of the logs, no
new use of a pupil's data once the consent is withdrawn, and bad input answered with a
message (never a crash) that writes nothing."""

from __future__ import annotations

import io
import logging
from uuid import UUID

from app import places
from civic.consents import service as consents
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from civic.tables import Activity, ConsentNotice, FamilyImport, Pupil, Referral
from legami import logs
from tests.civic.referrals.world import (
    as_caller,
    link_in_last_mail,
    mails_to,
    make_activity,
    make_family,
    make_world,
    run_jobs,
)
from tests.factories import api_post, csrf_token, make_org, make_user, post_form, sign_in

EN = {"accept-language": "en"}
FAMILY = "famiglia@example.it"
TOKEN = "Zk3_9aQ-Tok3nFam1lyL1nk"


def _through(logger_name: str, message: str, *args: object) -> str:
    """What a handler of `logger_name` writes for this line, once the scrubber is on."""
    logs.install()
    logger, lines = logging.getLogger(logger_name), io.StringIO()
    handler = logging.StreamHandler(lines)
    logger.addHandler(handler)
    try:
        logger.error(message, *args)
    finally:
        logger.removeHandler(handler)
    return lines.getvalue()


def test_family_links_and_family_searches_stay_out_of_the_server_logs() -> None:
    school = "0b6c6a57-6f0e-4a53-9f43-5a0e0f1d2c3b"
    access = (
        ("POST", f"/f/{TOKEN}/accept?lang=en"),
        ("GET", f"/schools/{school}/families?q=Bonetti&page=2"),
        ("GET", f"/api/v1/schools/{school}/families?page=1&q=Luca%20Rossi"),
        ("GET", "/f?code=K7F3-Q9XD-2M"),
    )
    lines = [_through("uvicorn.access", '%s - "%s %s HTTP/%s" %d', "10.0.0.7:5555", method,
                      path, "1.1", 200) for method, path in access]
    lines.append(_through("legami.web", "unhandled error on %s %s", "GET", f"/f/{TOKEN}"))
    text = "\n".join(lines)
    assert TOKEN not in text and "Bonetti" not in text and "Rossi" not in text
    assert "K7F3" not in text and "/f?code=…" in text  # a letter's code typed on /f
    assert "/f/…/accept?lang=en" in text and "q=…&page=2" in text and "page=1&q=…" in text


async def _proposed(world) -> tuple[object, UUID, UUID]:
    info = await make_activity(world)
    _family, (pupil,) = await make_family(world, email=FAMILY)
    referral = await referrals.propose(await as_caller(world.coord_a), world.school_a,
                                       ReferralCreate(pupil, info.id))
    return info, pupil, referral.id


async def test_a_family_cannot_take_a_place_once_the_pupils_consent_is_withdrawn(
        client) -> None:
    world = await make_world()
    info, pupil, referral_id = await _proposed(world)
    assert await run_jobs(referrals.MAIL_JOB) == 1
    token = await link_in_last_mail(FAMILY)
    await consents.withdraw_consent(await as_caller(world.coord_a), world.school_a, pupil)

    csrf = await csrf_token(client, "/")
    response = await client.post(f"/f/{token}/accept?lang=en", data={"_csrf_token": csrf},
                                 follow_redirects=False)

    assert response.status_code == 422
    assert "consent" in response.text
    assert await places.seat_of(info.pool_id, "pupil", pupil) is None
    row = await Referral.select(Referral.status).where(Referral.id == referral_id).first()
    assert row["status"] == "proposed"
    declined = await client.post(f"/f/{token}/decline?lang=en", data={"_csrf_token": csrf},
                                 follow_redirects=False)
    assert declined.status_code == 303  # saying no is always possible


async def test_no_proposal_mail_goes_out_once_the_consent_is_withdrawn() -> None:
    world = await make_world()
    _info, pupil, _referral = await _proposed(world)
    await consents.withdraw_consent(await as_caller(world.coord_a), world.school_a, pupil)

    assert await run_jobs(referrals.MAIL_JOB) == 1
    assert await mails_to(FAMILY) == []


async def test_an_activity_fee_beyond_any_real_fee_is_refused_and_nothing_is_saved(
        client) -> None:
    world = await make_world()
    await sign_in(client, world.operator)
    body = {"title": "Doposcuola", "category": "after_school", "capacity": 10, "days": [0],
            "start_time": "16:30", "end_time": "18:30", "starts_on": "2026-10-01",
            "ends_on": "2027-05-31", "town": "Crema", "place": "Via Mercato 12",
            "min_age": 6, "max_age": 11, "cost_kind": "fixed", "cost_cents": 10**15}
    refused = await api_post(client, "/api/v1/activities", body)
    assert refused.status_code == 422, refused.text
    assert list(refused.json()["errors"]) == ["cost_cents"]
    bands = await api_post(client, "/api/v1/activities", {
        **body, "cost_kind": "isee", "fee_bands": [{"fee_cents": 10**15}]})
    assert bands.status_code == 422 and list(bands.json()["errors"]) == ["fee_bands"]

    form = {"title": "Doposcuola", "category": "after_school", "min_age": "6",
            "max_age": "11", "days": ["0"], "start_time": "16:30", "end_time": "18:30",
            "starts_on": "2026-10-01", "ends_on": "2027-05-31", "place": "Via Mercato 12",
            "town": "Crema", "capacity": "10", "cost_kind": "fixed",
            "cost": "99999999999999999999", "languages": ["it"]}
    page = await post_form(client, "/civic/activities/new?lang=en", form,
                           page="/civic/activities/new")
    assert page.status_code == 422
    assert "The cost must be from 0 to 100,000 euros." in page.text
    assert await Activity.count() == 0


async def test_numbers_in_other_scripts_or_absurdly_long_are_refused_not_a_crash(
        client) -> None:
    world = await make_world()
    family, (pupil,) = await make_family(world, consent=False)
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.school_a}/families/{family}"
    for year in ("²⁰¹⁵", "9" * 5000):
        response = await post_form(client, f"{page}/pupils/{pupil}?lang=en", {
            "first_name": "Luca", "birth_year": year, "class_name": "3A"}, page=page)
        assert response.status_code == 422, year[:10]
    row = await Pupil.select(Pupil.birth_year).where(Pupil.id == pupil).first()
    assert row["birth_year"] != 2015

    csv = ("codice_famiglia;adulto_riferimento;email;nome_alunno;anno_nascita;classe\n"
           "F9;Sara Bonetti;sara@example.it;Ada;²⁰¹⁵;3A\n").encode()
    token = await csrf_token(client, f"/schools/{world.school_a}/families/import")
    uploaded = await client.post(f"/schools/{world.school_a}/families/import",
                                 data={"_csrf_token": token},
                                 files={"file": ("famiglie.csv", csv, "text/csv")},
                                 follow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text
    stored = await FamilyImport.select(FamilyImport.status).first()
    assert stored["status"] == "invalid"

    await Pupil(family=family, first_name="Ugo", birth_year=2016, class_name="1²").save()
    report = await client.get(f"/api/v1/schools/{world.school_a}/report")
    assert report.status_code == 200
    assert "1²" in [c["class_name"] for c in report.json()["classes"]]

    program = await make_org("program", "FareLegami", "Cremona")
    await sign_in(client, await make_user("admin@farelegami.example", program,
                                          "program_admin"))
    notice = await post_form(client, "/civic/notices?lang=en", {
        "version": "2026-2", "text_it": "Informativa", "text_en": "Notice",
        "retention_months": "¹²"}, page="/civic/notices")
    assert notice.status_code == 422
    assert await ConsentNotice.count() == 1


async def test_a_page_number_far_beyond_the_families_is_an_empty_page(client) -> None:
    world = await make_world()
    await make_family(world, consent=False)
    await sign_in(client, world.coord_a)
    huge = "9" * 20
    listed = await client.get(f"/api/v1/schools/{world.school_a}/families?page={huge}")
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [] and listed.json()["families"] == 1
    page = await client.get(f"/schools/{world.school_a}/families?page={huge}")
    assert page.status_code == 200
    huge_import = f"/api/v1/schools/{world.school_a}/families/imports/{huge}"
    assert (await client.get(huge_import)).status_code == 404
    assert (await client.get(f"/schools/{world.school_a}/families/imports/{huge}")
            ).status_code == 404
