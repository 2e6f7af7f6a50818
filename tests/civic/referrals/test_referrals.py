"""Referrals: a coordinator proposes, the family answers from the mail link, the pupil is
enrolled (confirmation with a calendar file) or waitlisted, freed places pass down the
waitlist with a deadline, and no other school ever reaches any of it."""

from __future__ import annotations

import asyncio
import email
import hashlib
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar.exceptions import NotFoundException

from app import places
from app.clock import ITALY, now
from app.errors import InvalidInput
from app.i18n import use_language
from app.settings import get_settings
from app.tables import OutboxJob, Seat
from civic.activities import service as activities
from civic.activities.schemas import ActivityCreate
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from civic.tables import Pupil, Referral
from tests.civic.referrals.world import (
    END,
    LINK,
    START,
    World,
    as_caller,
    first_weekday,
    job_ids,
    link_in_last_mail,
    mails_to,
    make_activity,
    make_family,
    make_world,
    run_jobs,
)
from tests.factories import api_post, csrf_token, make_org, make_user, sign_in

EN = {"accept-language": "en"}
FAMILY = "famiglia@example.it"


@pytest.fixture
async def world() -> World:
    return await make_world()


async def propose(world: World, pupil, activity, coordinator=None, school=None) -> Any:
    return await referrals.propose(await as_caller(coordinator or world.coord_a),
                                   school or world.school_a, ReferralCreate(pupil, activity))


async def proposed_and_mailed(world: World, client, email_address: str = FAMILY,
                              **activity: Any) -> tuple[Any, Any, str]:
    """(activity, referral, token): a referral whose mail has gone out."""
    info = await make_activity(world, **activity)
    _family, (pupil,) = await make_family(world, email=email_address)
    referral = await propose(world, pupil, info.id)
    assert await run_jobs(referrals.MAIL_JOB) == 1
    return info, referral, await link_in_last_mail(email_address)


async def answer(client, token: str, action: str) -> Any:
    csrf = await csrf_token(client, "/")
    return await client.post(f"/f/{token}/{action}?lang=en", data={"_csrf_token": csrf},
                             follow_redirects=False)


async def seat_status(pool_id, pupil_id) -> str | None:
    seat = await places.seat_of(pool_id, "pupil", pupil_id)
    return seat.status if seat else None


# Proposing -----------------------------------------------------------------------------


async def test_coordinator_proposes_from_the_suggestions_page_and_the_family_gets_a_link(
        world, client):
    info = await make_activity(world)
    family, (pupil,) = await make_family(world)
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.school_a}/families/{family}/suggestions"
    shown = await client.get(page, headers=EN)
    assert shown.status_code == 200 and "Doposcuola" in shown.text and "Propose" in shown.text
    response = await client.post(f"/schools/{world.school_a}/referrals", data={
        "family_id": str(family), "pupil_id": str(pupil), "activity_id": str(info.id),
        "_csrf_token": await csrf_token(client, page)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(page)

    row = await Referral.select().first()
    assert row["status"] == "proposed" and row["token_hash"] is None
    assert row["proposed_by"] == world.coord_a and row["expires_at"] > now()
    # The deadline ends at the end of a day in Italy, not at the hour of the proposal.
    local = row["expires_at"].astimezone(ITALY)
    assert (local.hour, local.minute) == (23, 59)
    assert local.date() == (now().astimezone(ITALY) + timedelta(days=14)).date()
    job = await OutboxJob.select(OutboxJob.payload).where(
        OutboxJob.actor == referrals.MAIL_JOB).output(load_json=True).first()
    assert set(job["payload"]) == {"referral_id"}  # an id, never a link

    await run_jobs(referrals.MAIL_JOB)
    (mail,) = await mails_to(FAMILY)
    assert "Doposcuola" in mail["subject"] and "Luca" in mail["subject"]
    token = await link_in_last_mail(FAMILY)
    assert len(token) >= 22
    stored = await Referral.select(Referral.token_hash).first()
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    outbox = await OutboxJob.select(OutboxJob.payload)
    assert all(token not in str(row["payload"]) for row in outbox)

    again = await client.get(page, headers=EN)
    assert "Proposed, waiting for the family" in again.text


async def test_a_proposal_is_refused_without_consent_or_twice(world, client):
    with use_language("en"):  # the messages are asserted in English
        info = await make_activity(world)
        _f, (no_consent,) = await make_family(world, ref="F1", consent=False)
        _g, (no_mail,) = await make_family(world, ref="F2", email=None)
        _h, (pupil,) = await make_family(world, ref="F3", email="f3@example.it")
        with pytest.raises(InvalidInput) as refused:
            await propose(world, no_consent, info.id)
        assert "consent" in refused.value.errors["pupil_id"]
        by_letter = await propose(world, no_mail, info.id)  # reached by a letter
        assert by_letter.channel == "letter"
        await propose(world, pupil, info.id)
        with pytest.raises(InvalidInput) as refused:
            await propose(world, pupil, info.id)
        assert "already" in refused.value.errors["activity_id"]
        assert await Referral.count() == 2
        assert await run_jobs(referrals.MAIL_JOB) == 1  # no mail for the letter


async def test_a_family_without_e_mail_is_proposed_by_a_letter(world, client):
    """Before: "The family has no e-mail address" and no Propose button."""
    info = await make_activity(world)
    family, (pupil,) = await make_family(world, email=None)
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.school_a}/families/{family}/suggestions"
    shown = await client.get(page, headers=EN)
    assert "a proposal reaches them by a printed letter" in shown.text and "Propose" in shown.text
    response = await client.post(f"/schools/{world.school_a}/referrals", headers=EN, data={
        "family_id": str(family), "pupil_id": str(pupil), "activity_id": str(info.id),
        "_csrf_token": await csrf_token(client, page)}, follow_redirects=False)
    assert response.status_code == 303
    listed = await client.get(f"/schools/{world.school_a}/referrals", headers=EN)
    assert "Print the letter (Word)" in listed.text


async def test_draft_and_closed_activities_cannot_be_proposed(world, client):
    draft = await make_activity(world, publish=False)
    _f, (pupil,) = await make_family(world)
    with pytest.raises(NotFoundException):
        await propose(world, pupil, draft.id)
    closed = await make_activity(world, title="Chiusa")
    await activities.close_activity(await as_caller(world.operator), closed.id)
    with pytest.raises(InvalidInput):
        await propose(world, pupil, closed.id)


# The family's answer -------------------------------------------------------------------


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EmailMessage]]:
    """A real SMTP server (aiosmtpd) for the mail with attachments."""
    received: list[EmailMessage] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(email.message_from_bytes(envelope.original_content or b"",
                                                     policy=default_policy))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        yield received
    finally:
        controller.stop()
        monkeypatch.undo()
        get_settings.cache_clear()


def unfolded(ics: str) -> dict[str, str]:
    """Content lines of the .ics's event, unfolded: name with parameters -> value."""
    lines = ics.replace("\r\n ", "").split("BEGIN:VEVENT", 1)[1].split("\r\n")
    found: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        found.setdefault(name, value)
    return found


async def test_family_accepts_from_the_link_and_gets_a_calendar_of_the_sessions(
        world, client, smtp):
    info = await make_activity(world)
    _family, (pupil,) = await make_family(world)
    referral = await propose(world, pupil, info.id)
    await run_jobs(referrals.MAIL_JOB)
    proposal = smtp.pop()
    assert proposal["To"] == FAMILY and not list(proposal.iter_attachments())
    token = LINK.search(proposal.get_body(("plain",)).get_content()).group(1)
    page = await client.get(f"/f/{token}?lang=en")
    assert page.status_code == 200 and "<script" not in page.text
    assert "An activity for Luca" in page.text and "Yes, I want it" in page.text
    assert "Via Mercato 12" in page.text and "Free" in page.text

    response = await answer(client, token, "accept")
    assert response.status_code == 303 and "done=enrolled" in response.headers["location"]
    row = await Referral.select().first()
    assert row["status"] == "accepted" and row["seat_id"] is not None
    assert await seat_status(info.pool_id, referral.pupil_id) == "enrolled"
    done = await client.get(response.headers["location"])
    assert "Luca is enrolled" in done.text

    assert await run_jobs(referrals.CONFIRMATION_JOB) == 1
    (message,) = smtp
    assert message["To"] == FAMILY
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename().endswith(".ics")
    ics = attachment.get_payload(decode=True).decode()
    assert "\r\n" in ics and "\n" not in ics.replace("\r\n", "")
    lines = unfolded(ics)
    first = first_weekday(START, (0, 2))
    assert lines["DTSTART;TZID=Europe/Rome"] == first.strftime("%Y%m%d") + "T163000"
    assert lines["DTEND;TZID=Europe/Rome"] == first.strftime("%Y%m%d") + "T183000"
    rule = dict(part.split("=") for part in lines["RRULE"].split(";"))
    assert rule["FREQ"] == "WEEKLY" and rule["BYDAY"] == "MO,WE"
    assert rule["UNTIL"].startswith(END.strftime("%Y%m%d")) and rule["UNTIL"].endswith("Z")
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\n" in ics
    assert lines["UID"].startswith(f"referral-{referral.id}@")
    assert lines["SUMMARY"].startswith("Doposcuola")
    # The family's page offers the same calendar ("add to calendar"), once enrolled.
    page = await client.get(f"/f/{token}?lang=en")
    assert f'href="/f/{token}/calendar.ics"' in page.text
    assert "Add the sessions to your calendar" in page.text
    download = await client.get(f"/f/{token}/calendar.ics")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/calendar")
    assert unfolded(download.text)["UID"] == lines["UID"]


async def test_the_dev_mailbox_names_the_attachment(world, client):
    _info, _referral, token = await proposed_and_mailed(world, client)
    await answer(client, token, "accept")
    await run_jobs(referrals.CONFIRMATION_JOB)
    confirmation = (await mails_to(FAMILY))[-1]
    assert ".ics (text/calendar" in confirmation["text"]


async def test_family_declines_and_the_link_cannot_answer_again(world, client):
    info, referral, token = await proposed_and_mailed(world, client)
    response = await answer(client, token, "decline")
    assert response.status_code == 303
    assert (await Referral.select(Referral.status).first())["status"] == "declined"
    assert await seat_status(info.pool_id, referral.pupil_id) is None
    page = await client.get(f"/f/{token}?lang=en")
    assert "You declined this proposal" in page.text and "Yes, I want it" not in page.text
    again = await answer(client, token, "accept")
    assert again.status_code == 422 and "can no longer be answered" in again.text
    assert await seat_status(info.pool_id, referral.pupil_id) is None


async def test_links_are_single_family_and_a_wrong_link_is_404(world, client):
    info = await make_activity(world)
    _f, (luca,) = await make_family(world, ref="F1", email="uno@example.it")
    _g, (sara,) = await make_family(world, ref="F2", email="due@example.it",
                                    pupils=(("Sara", 9),))
    await propose(world, luca, info.id)
    await propose(world, sara, info.id)
    await run_jobs(referrals.MAIL_JOB)
    first, second = await link_in_last_mail("uno@example.it"), await link_in_last_mail(
        "due@example.it")
    assert first != second
    assert "Luca" in (await client.get(f"/f/{first}?lang=en")).text
    page = await client.get(f"/f/{second}?lang=en")
    assert "Sara" in page.text and "Luca" not in page.text
    wrong = first[:-1] + ("A" if first[-1] != "A" else "B")
    assert (await client.get(f"/f/{wrong}?lang=en")).status_code == 404
    assert (await client.get("/f/short?lang=en")).status_code == 404
    assert (await answer_without_page(client, wrong)).status_code == 404


async def answer_without_page(client, token: str) -> Any:
    csrf = await csrf_token(client, "/")
    return await client.post(f"/f/{token}/accept", data={"_csrf_token": csrf},
                             follow_redirects=False)


async def test_page_is_in_the_family_language_and_switches(world, client):
    _info, _referral, token = await proposed_and_mailed(world, client)
    italian = await client.get(f"/f/{token}", headers=EN)
    assert 'lang="it"' in italian.text  # the family's language wins over the browser's
    english = await client.get(f"/f/{token}?lang=en")
    assert 'lang="en"' in english.text and "Yes, I want it" in english.text


# Places: the last one, the waitlist, offers ---------------------------------------------


async def test_two_schools_families_race_for_the_last_place(world, client):
    info = await make_activity(world, capacity=1)
    _f, (luca,) = await make_family(world, ref="A1", email="a1@example.it")
    _g, (sara,) = await make_family(world, school="b", ref="B1", email="b1@example.it",
                                    town="Crema", pupils=(("Sara", 9),))
    await propose(world, luca, info.id)
    await propose(world, sara, info.id, coordinator=world.coord_b, school=world.school_b)
    await run_jobs(referrals.MAIL_JOB)
    tokens = [await link_in_last_mail("a1@example.it"), await link_in_last_mail("b1@example.it")]
    forms = [await csrf_token(client, f"/f/{token}") for token in tokens]
    responses = await asyncio.gather(*(
        client.post(f"/f/{token}/accept", data={"_csrf_token": form}, follow_redirects=False)
        for token, form in zip(tokens, forms, strict=True)))
    assert [r.status_code for r in responses] == [303, 303]
    statuses = sorted([await seat_status(info.pool_id, luca),
                       await seat_status(info.pool_id, sara)])
    assert statuses == ["enrolled", "waitlisted"]
    pool = (await places.pool_states([info.pool_id]))[info.pool_id]
    assert (pool.taken, pool.enrolled, pool.waitlisted) == (1, 1, 1)


async def test_a_freed_place_is_offered_with_a_deadline_and_passes_on_when_it_expires(
        world, client):
    info = await make_activity(world, capacity=1)
    people = [("Luca", "l@example.it"), ("Sara", "s@example.it"), ("Ugo", "u@example.it")]
    pupils, tokens = [], []
    for index, (name, address) in enumerate(people):
        _family, (pupil,) = await make_family(world, ref=f"F{index}", email=address,
                                              language="en",
                                              pupils=((name, 8),))
        await propose(world, pupil, info.id)
        await run_jobs(referrals.MAIL_JOB)
        token = await link_in_last_mail(address)
        assert (await answer(client, token, "accept")).status_code == 303
        pupils.append(pupil)
        tokens.append(token)
    await run_jobs(referrals.CONFIRMATION_JOB)
    waiting = await client.get(f"/f/{tokens[2]}?lang=en")
    assert "Ugo is on the waitlist: number 2" in waiting.text
    listed = await referrals.list_referrals(await as_caller(world.coord_a), world.school_a)
    assert {item.pupil_first_name: item.state for item in listed} == {
        "Luca": "enrolled", "Sara": "waitlisted", "Ugo": "waitlisted"}

    # Luca's family gives the place up: it is offered to Sara with a deadline.
    assert (await answer(client, tokens[0], "decline")).status_code == 303
    assert await seat_status(info.pool_id, pupils[1]) == "offered"
    assert await run_jobs(places.OFFERED_JOB) == 1
    offer = (await mails_to("s@example.it"))[-1]
    assert "A place is free for Sara" in offer["subject"] or "Sara" in offer["subject"]
    new_token = await link_in_last_mail("s@example.it")
    assert new_token != tokens[1]
    assert (await client.get(f"/f/{tokens[1]}?lang=en")).status_code == 404
    page = await client.get(f"/f/{new_token}?lang=en")
    assert "A place is free for Sara" in page.text and "Accept the place" in page.text

    # Nobody answers in time: the place passes on to Ugo.
    await Seat.update({Seat.offered_until: now() - timedelta(minutes=1)}).where(
        Seat.status == "offered")
    expired_page = await client.get(f"/f/{new_token}?lang=en")
    assert "Accept the place" not in expired_page.text
    assert await run_jobs(places.EXPIRE_JOB) >= 1
    assert await seat_status(info.pool_id, pupils[1]) == "expired"
    assert await seat_status(info.pool_id, pupils[2]) == "offered"
    late = await answer(client, new_token, "accept")
    assert late.status_code == 422
    await run_jobs(places.OFFERED_JOB)
    ugo = await link_in_last_mail("u@example.it")
    assert (await answer(client, ugo, "accept")).status_code == 303
    assert await seat_status(info.pool_id, pupils[2]) == "enrolled"
    assert await run_jobs(referrals.CONFIRMATION_JOB) == 1
    assert "Ugo is enrolled" in (await mails_to("u@example.it"))[-1]["text"]
    listed = await referrals.list_referrals(await as_caller(world.coord_a), world.school_a)
    assert {item.pupil_first_name: item.state for item in listed} == {
        "Luca": "left", "Sara": "offer_expired", "Ugo": "enrolled"}


async def test_a_full_activity_waitlists_and_mails_the_position(world, client):
    info = await make_activity(world, capacity=1)
    _f, (luca,) = await make_family(world, ref="F1", email="uno@example.it")
    _g, (sara,) = await make_family(world, ref="F2", email="due@example.it",
                                    pupils=(("Sara", 9),), language="en")
    for pupil in (luca, sara):
        await propose(world, pupil, info.id)
    await run_jobs(referrals.MAIL_JOB)
    await answer(client, await link_in_last_mail("uno@example.it"), "accept")
    response = await answer(client, await link_in_last_mail("due@example.it"), "accept")
    assert "done=waitlisted" in response.headers["location"]
    await run_jobs(referrals.CONFIRMATION_JOB)
    mail = (await mails_to("due@example.it"))[-1]
    assert "waitlist" in mail["text"] and "1" in mail["text"] and ".ics" not in mail["text"]


async def test_coordinator_withdraws_and_the_place_goes_to_the_next(world, client):
    info = await make_activity(world, capacity=1)
    _f, (luca,) = await make_family(world, ref="F1", email="uno@example.it")
    _g, (sara,) = await make_family(world, ref="F2", email="due@example.it",
                                    pupils=(("Sara", 9),))
    first = await propose(world, luca, info.id)
    await propose(world, sara, info.id)
    await run_jobs(referrals.MAIL_JOB)
    await answer(client, await link_in_last_mail("uno@example.it"), "accept")
    await answer(client, await link_in_last_mail("due@example.it"), "accept")
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.school_a}/referrals"
    response = await client.post(f"{page}/{first.id}/withdraw", follow_redirects=False,
                                 data={"_csrf_token": await csrf_token(client, page)})
    assert response.status_code == 303
    assert await seat_status(info.pool_id, luca) == "cancelled"
    assert await seat_status(info.pool_id, sara) == "offered"
    listing = await client.get(page, headers=EN)
    assert "Withdrawn by the school" in listing.text
    assert f'action="{page}/' in listing.text  # the other proposal can still be withdrawn
    assert "A place is offered, waiting for the family" in listing.text
    again = await client.post(f"{page}/{first.id}/withdraw", headers=EN,
                              data={"_csrf_token": await csrf_token(client, page)})
    assert again.status_code == 422 and "already closed" in again.text


async def test_an_unanswered_proposal_expires(world, client):
    info, referral, token = await proposed_and_mailed(world, client)
    await Referral.update({Referral.expires_at: now() - timedelta(minutes=1)}).where(
        Referral.id == referral.id)
    page = await client.get(f"/f/{token}?lang=en")
    assert "The time to answer this proposal has passed" in page.text
    assert (await answer(client, token, "accept")).status_code == 422
    assert await seat_status(info.pool_id, referral.pupil_id) is None
    # An expired proposal can be made again.
    again = await propose(world, referral.pupil_id, info.id)
    assert again.state == "proposed"


# The API ------------------------------------------------------------------------------


async def test_the_api_proposes_lists_and_withdraws(world, client):
    info = await make_activity(world)
    family, (pupil,) = await make_family(world)
    await sign_in(client, world.coord_a)
    base = f"/api/v1/schools/{world.school_a}"
    found = await client.get(f"{base}/families/{family}/suggestions")
    assert found.status_code == 200
    (suggestion,) = found.json()["pupils"][0]["suggestions"]
    assert suggestion["activity"]["id"] == str(info.id)
    created = await api_post(client, f"{base}/referrals",
                             {"pupil_id": str(pupil), "activity_id": str(info.id)})
    assert created.status_code == 201 and created.json()["state"] == "proposed"
    listed = await client.get(f"{base}/referrals")
    assert [item["id"] for item in listed.json()] == [created.json()["id"]]
    withdrawn = await api_post(client, f"{base}/referrals/{created.json()['id']}/withdraw", {})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    refused = await api_post(client, f"{base}/referrals",
                             {"pupil_id": str(pupil), "activity_id": "not-a-uuid"})
    assert refused.status_code in (400, 422)


# Tenancy: every route, another school's coordinator gets 404 ----------------------------


ROUTES = [
    ("GET", "/schools/{school}/families/{family}/suggestions", None),
    ("POST", "/schools/{school}/referrals", "form"),
    ("GET", "/schools/{school}/referrals", None),
    ("POST", "/schools/{school}/referrals/{referral}/withdraw", "form"),
    ("GET", "/api/v1/schools/{school}/families/{family}/suggestions", None),
    ("GET", "/api/v1/schools/{school}/referrals", None),
    ("POST", "/api/v1/schools/{school}/referrals", "json"),
    ("GET", "/api/v1/schools/{school}/referrals/{referral}", None),
    ("POST", "/api/v1/schools/{school}/referrals/{referral}/withdraw", "json"),
]


@pytest.mark.parametrize(("method", "template", "body"), ROUTES)
@pytest.mark.parametrize("who", ["owner", "other_school", "other_family"])
async def test_every_route_is_404_outside_the_coordinators_school(world, client, method,
                                                                  template, body, who):
    info = await make_activity(world)
    family, (pupil,) = await make_family(world)
    _other, (other_pupil,) = await make_family(world, ref="F9", email="f9@example.it",
                                               pupils=(("Ivo", 8),))
    referral = await propose(world, pupil, info.id)
    user, school = world.coord_a, world.school_a
    if who == "other_school":
        user = world.coord_b
    elif who == "other_family":  # B's coordinator with B's id and A's family or referral
        user, school = world.coord_b, world.school_b
    await sign_in(client, user)
    path = template.format(school=school, family=family, referral=referral.id)
    target = {"pupil_id": str(other_pupil if who == "owner" else pupil),
              "activity_id": str(info.id)}
    if method == "GET":
        response = await client.get(path)
    elif body == "json":
        response = await api_post(client, path, target if path.endswith("referrals") else {})
    else:
        form = {**target, "family_id": str(family),
                "_csrf_token": await csrf_token(client, "/me/activities")}
        response = await client.post(path, data=form, follow_redirects=False)
    if who == "owner":
        assert response.status_code in (200, 201, 303), response.text
    elif who == "other_family" and "{family}" not in template and "{referral}" not in template \
            and method == "GET":
        assert response.status_code == 200 and "Luca" not in response.text  # B's own list
    else:
        assert response.status_code == 404, response.text


async def test_program_staff_reach_every_school(world, client):
    program = await make_org("program", "FareLegami")
    maker = await make_user("maker@farelegami.example", program, "community_maker")
    family, _pupils = await make_family(world)
    await sign_in(client, maker)
    response = await client.get(f"/schools/{world.school_a}/families/{family}/suggestions")
    assert response.status_code == 200


async def test_a_coordinator_cannot_propose_another_schools_pupil(world):
    info = await make_activity(world)
    _f, (pupil,) = await make_family(world)
    with pytest.raises(NotFoundException):
        await propose(world, pupil, info.id, coordinator=world.coord_b, school=world.school_b)
    assert await job_ids(referrals.MAIL_JOB) == []


# /me/activities ------------------------------------------------------------------------


async def test_employees_see_the_published_activities_of_their_company_town(world, client):
    await make_activity(world, title="Doposcuola Crema")
    await make_activity(world, title="Bozza", publish=False)
    await make_activity(world, title="Centro estivo Cremona", town="Cremona")
    company = await make_org("company", "Officine Crema", "Crema")
    employee = await make_user("worker@officine.example", company, "employee")
    await sign_in(client, employee)
    page = await client.get("/me/activities", headers=EN)
    assert page.status_code == 200
    assert "Doposcuola Crema" in page.text
    assert "Bozza" not in page.text and "Centro estivo Cremona" not in page.text
    assert "school" in page.text and "<form" not in page.text.split("<main", 1)[1]


async def test_an_english_speaking_family_gets_mail_and_page_in_english(world, client):
    info = await make_activity(world)
    _f, (pupil,) = await make_family(world, language="en", email="en@example.it")
    _g, (other,) = await make_family(world, ref="F2", language="ar", email="ar@example.it",
                                     pupils=(("Amir", 8),))
    await propose(world, pupil, info.id)
    await propose(world, other, info.id)
    await run_jobs(referrals.MAIL_JOB)
    (english,) = await mails_to("en@example.it")
    assert english["subject"] == "IC Crema Uno proposes an activity for Luca: Doposcuola"
    page = await client.get(f"/f/{await link_in_last_mail('en@example.it')}",
                            headers={"accept-language": "it"})
    assert 'lang="en"' in page.text and "Yes, I want it" in page.text
    # Legami's pages do not speak Arabic yet: the mail opens with the program's Arabic
    # lines, right to left, then Italian with a line in English.
    (arabic,) = await mails_to("ar@example.it")
    assert 'lang="ar" dir="rtl"' in arabic["html"] and "English:" in arabic["text"]
    assert "تقترح مدرسة IC Crema Uno على Amir" in arabic["text"]


async def test_the_coordinators_menu_lists_their_proposals(world, client):
    await sign_in(client, world.coord_a)
    page = await client.get(f"/schools/{world.school_a}/families", headers=EN)
    menu = page.text.split("<main", 1)[0]
    assert f'<a href="/schools/{world.school_a}/referrals">Proposals</a>' in menu


async def answer_link_token(world, pupil) -> str:
    """A live proposal of a new activity for `pupil` and its link's token (for other
    modules' tests)."""
    from app.auth.caller import load_caller

    school = (await Pupil.select(Pupil.family.school.as_alias("school")).where(
        Pupil.id == pupil).first())["school"]
    info = await activities.create_activity(await load_caller(world.operator), ActivityCreate(
        title="Musica", category="culture", capacity=5, days=[1], start_time="16:30",
        end_time="18:00", starts_on=START, ends_on=END, town="Crema", place="Via Mercato 12",
        min_age=6, max_age=12, publish=True))
    coordinator = world.coord_a
    referral = await referrals.propose(await as_caller(coordinator), school,
                                       ReferralCreate(pupil, info.id))
    return await referrals.issue_token(referral.id, ("proposed",)) or ""
