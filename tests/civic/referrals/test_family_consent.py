"""A parent gives the consent to use their children's data from the family's link
(issue 17): for the notice version the page showed, never overwriting the consent that
held, for any of their children whatever their age; refused with a message when the
name or the children are missing, or when a newer notice was published meanwhile."""

from __future__ import annotations

import html
from typing import Any
from uuid import UUID

import pytest

from app.clock import now
from app.tables import AuditEvent
from app.values import json_value
from civic.consents import service as consents
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from civic.tables import Consent, ConsentNotice, Pupil
from tests.civic.referrals.world import (
    World,
    as_caller,
    born,
    make_activity,
    make_family,
    make_world,
)
from tests.factories import csrf_token, sign_in


@pytest.fixture
async def world() -> World:
    world = await make_world()
    world.family, (world.luca,) = await make_family(world, pupils=(("Luca", 8),))
    # Two more children, without consent: Sara is 9, Marco 15 (surely over 14).
    world.sara = await add_child(world.family, "Sara", born(9))
    world.marco = await add_child(world.family, "Marco", born(15))
    info = await make_activity(world)
    referral = await referrals.propose(await as_caller(world.coord_a), world.school_a,
                                       ReferralCreate(world.luca, info.id))
    world.referral = referral.id
    world.token = await referrals.issue_token(referral.id, ("proposed",))
    return world


async def add_child(family: UUID, name: str, birth_year: int) -> UUID:
    pupil = Pupil(family=family, first_name=name, birth_year=birth_year, class_name="3A")
    await pupil.save()
    return pupil.id


async def give(client: Any, token: str, lang: str = "en", **fields: Any) -> Any:
    csrf = await csrf_token(client, "/")
    return await client.post(f"/f/{token}/consent?lang={lang}",
                             data={"_csrf_token": csrf, **fields}, follow_redirects=False)


async def held(pupil: UUID) -> list[dict[str, Any]]:
    return await Consent.select(*Consent.all_columns(), Consent.notice.version).where(
        Consent.pupil == pupil).order_by(Consent.id)


async def test_a_parent_gives_consent_for_two_children_from_the_link(world, client) -> None:
    """Before: only the school could record a consent, from a paper form."""
    page = html.unescape((await client.get(f"/f/{world.token}?lang=en")).text)
    assert "Sara: no consent, so the school cannot use Sara's data" in page
    assert "Give your consent (privacy notice, version 2026-1)" in page
    assert "Notice" in page  # the notice's English text
    response = await give(client, world.token, given_by="  Anna   Rossi ",
                          notice_version="2026-1", pupils=[str(world.sara), str(world.marco)],
                          photo_release=[str(world.sara)])
    assert response.status_code == 303
    assert "done=consent" in response.headers["location"]
    sara, marco = (await held(world.sara))[0], (await held(world.marco))[0]
    assert (sara["given_by"], sara["given_by_role"], sara["source"], sara["notice_language"],
            sara["notice.version"], sara["signed_on"], sara["recorded_by"],
            sara["photo_release"]) == ("Anna Rossi", "parent", "link", "en", "2026-1",
                                       now().date(), None, True)
    assert marco["photo_release"] is False and marco["source"] == "link"
    assert await consents.consented_pupils([world.sara, world.marco]) == {world.sara,
                                                                          world.marco}
    done = html.unescape((await client.get(response.headers["location"])).text)
    assert "Thank you: your consent is recorded." in done
    assert "Sara: consent given on" in done
    event = await AuditEvent.select().where(
        AuditEvent.action == "civic.consent.recorded").order_by(AuditEvent.id,
                                                                ascending=False).first()
    assert event["actor_id"] is None and json_value(event["detail"])["source"] == "link"

    await sign_in(client, world.coord_a)
    family = html.unescape((await client.get(
        f"/schools/{world.school_a}/families/{world.family}", headers={
            "accept-language": "en"})).text)
    assert "Given on the family's link." in family


async def test_the_italian_page_records_the_italian_text(world, client) -> None:
    response = await give(client, world.token, lang="it", given_by="Anna Rossi",
                          notice_version="2026-1", pupils=[str(world.sara)])
    assert response.status_code == 303
    assert (await held(world.sara))[0]["notice_language"] == "it"


async def test_renewing_on_a_new_notice_keeps_the_earlier_consent(world, client) -> None:
    await ConsentNotice(version="2026-2", text_it="Informativa 2", text_en="Notice 2").save()
    page = html.unescape((await client.get(f"/f/{world.token}?lang=en")).text)
    assert "Luca: consent given for an earlier version of the privacy notice" in page
    assert "Notice 2" in page
    response = await give(client, world.token, given_by="Anna Rossi",
                          notice_version="2026-2", pupils=[str(world.luca)])
    assert response.status_code == 303
    earlier, renewed = await held(world.luca)
    assert earlier["notice.version"] == "2026-1" and earlier["withdrawn_at"] is not None
    assert earlier["given_by"] == "Adulto F1" and earlier["source"] == "school"
    assert renewed["notice.version"] == "2026-2" and renewed["withdrawn_at"] is None
    states = await consents.consent_states([world.luca])
    assert states[world.luca].renewal_due is False


async def test_a_notice_published_after_the_page_was_opened_is_read_first(world,
                                                                          client) -> None:
    csrf = await csrf_token(client, f"/f/{world.token}?lang=en")  # the page shows 2026-1
    await ConsentNotice(version="2026-2", text_it="Informativa 2", text_en="Notice 2").save()
    response = await client.post(f"/f/{world.token}/consent?lang=en", data={
        "_csrf_token": csrf, "given_by": "Anna Rossi", "notice_version": "2026-1",
        "pupils": [str(world.sara)]})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "A new version of the privacy notice was published after you opened this page" in page
    assert 'name="notice_version" value="2026-2"' in page and "Notice 2" in page
    assert 'value="Anna Rossi"' in page  # what was typed is kept
    assert not await held(world.sara)


@pytest.mark.parametrize(("fields", "message"), [
    ({"given_by": " ", "pupils": "sara"}, "Write your name: it is your signature."),
    ({"given_by": "Anna Rossi"}, "Tick the children you give your consent for."),
    ({"given_by": "A" * 201, "pupils": "sara"}, "Too long: at most 200 characters."),
])
async def test_a_form_without_name_or_children_is_refused_and_writes_nothing(
        world, client, fields: dict[str, str], message: str) -> None:
    if "pupils" in fields:
        fields = {**fields, "pupils": str(world.sara)}
    response = await give(client, world.token, notice_version="2026-1", **fields)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert message in page and 'class="error-summary"' in page
    assert "<details class=\"family-consent-form\" open>" in page
    assert not await held(world.sara)


async def test_another_familys_child_or_a_closed_proposal_is_refused(world, client) -> None:
    _other, (stranger,) = await make_family(world, ref="F2", email="altra@example.it",
                                            pupils=(("Giulia", 8),), consent=False)
    response = await give(client, world.token, given_by="Anna Rossi", notice_version="2026-1",
                          pupils=[str(stranger)])
    assert response.status_code == 404
    assert not await held(stranger)
    await referrals.withdraw(await as_caller(world.coord_a), world.school_a, world.referral)
    page = html.unescape((await client.get(f"/f/{world.token}?lang=en")).text)
    assert "Give your consent" not in page
    closed = await give(client, world.token, given_by="Anna Rossi", notice_version="2026-1",
                        pupils=[str(world.sara)])
    assert closed.status_code == 422
    assert "This proposal is closed: ask the school." in html.unescape(closed.text)
    assert not await held(world.sara)
