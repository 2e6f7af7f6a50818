"""Enrolling from a goal link: the community maker proposes a linked Civic Center
activity to the family of an accepted pact; the child is found through civic's service,
the family's consent to share with the Civic Center is checked, the proposal is civic's
ordinary referral, and its outcome shows on the goal. Nobody outside the pact's team
can tell that the referral came from a pact."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from app.tables import DevMail, Organization
from civic.consents import service as civic_consents
from civic.families.schemas import ConsentCreate
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from civic.tables import ConsentNotice, Family, Pupil, Referral
from pacts.consents import service as consents
from pacts.pacts import service
from pacts.pacts.schemas import Closure, Goal, GoalLink, PactContent
from pacts.retention.service import anonymise_expired
from pacts.tables import PactEnrolment
from tests.civic.referrals.world import born, link_in_last_mail, make_activity, run_jobs
from tests.factories import csrf_token, sign_in
from tests.pacts.world import HOLDER, World, as_caller, make_world, open_pact

EMAIL = "samira@example.it"  # the pact's address, which the family also gave the school
CENTER = "Civic Center Crema"


class Scene:
    def __init__(self, world: World, school: UUID, activity: Any, pupils: dict[str, UUID],
                 pact_id: UUID) -> None:
        self.world, self.school, self.activity = world, school, activity
        self.pupils, self.pact_id = pupils, pact_id


async def school_family(world: World, school: UUID, ref: str, email: str, phone: str | None,
                  pupils: dict[str, bool]) -> dict[str, UUID]:
    family = Family(school=school, family_ref=ref, reference_adult=f"Adulto {ref}",
                    contact_email=email, contact_phone=phone, language="it", town="Crema")
    await family.save()
    found = {}
    for name, consented in pupils.items():
        pupil = Pupil(family=family.id, first_name=name, birth_year=born(8), class_name="3A")
        await pupil.save()
        found[name] = UUID(str(pupil.id))
        if consented:
            await civic_consents.record_consent(
                await as_caller(world.school_coordinator), school, found[name],
                ConsentCreate(given_by=f"Adulto {ref}"))
    return found


@pytest.fixture
async def scene() -> Scene:
    world = await make_world()
    school = (await Organization.select(Organization.id).where(
        Organization.name == "IC Crema Uno").first())["id"]
    await ConsentNotice(version="2026-1", text_it="Informativa", text_en="Notice").save()
    pupils = await school_family(world, school, "F1", EMAIL, "+39 333 123 4567",
                           {"Yusuf": True, "Amira": False})
    pupils |= await school_family(world, school, "F2", "rossi@example.it", None, {"Pietro": True})
    activity = await make_activity(world, title="Doposcuola al Centro Civico")
    pact_id = await open_pact(world)
    maker = await as_caller(world.maker_a)
    await service.propose_version(maker, pact_id, PactContent(goals=[
        Goal(text="I bambini seguiti nei compiti",
             links=[GoalLink(kind="activity", id=activity.id)])]))
    await service.accept_on_paper(maker, pact_id)
    return Scene(world, school, activity, pupils, pact_id)


async def _propose(client: Any, scene: Scene, token: str, first_name: str = "Yusuf",
                   contact: str = EMAIL) -> Any:
    return await client.post(f"/pacts/{scene.pact_id}/enrolments/", data={
        "_csrf_token": token, "activity_id": str(scene.activity.id), "contact": contact,
        "first_name": first_name}, follow_redirects=False)


async def _outcomes(scene: Scene) -> list[tuple[str, str]]:
    pact = await service.detail(await as_caller(scene.world.maker_a), scene.pact_id)
    return [(e.first_name, e.outcome) for e in pact.enrolments]


async def test_the_maker_proposes_the_linked_activity_and_the_goal_shows_the_outcome(
        client: Any, scene: Scene) -> None:
    await sign_in(client, scene.world.maker_a)
    token = await csrf_token(client, f"/pacts/{scene.pact_id}")
    page = (await client.get(f"/pacts/{scene.pact_id}")).text
    assert f'value="{EMAIL}"' in page  # the pact's address is proposed as the contact
    refused = await _propose(client, scene, token)
    assert refused.status_code == 422
    assert f"condividere con {CENTER}" in refused.text
    assert await Referral.count() == 0  # nothing asked of civic without the consent
    await consents.give(await as_caller(scene.world.maker_a), scene.pact_id, "sharing",
                        " civic center  CREMA")
    assert (await _propose(client, scene, token)).status_code == 303
    assert await _outcomes(scene) == [("Yusuf", "proposed")]
    page = (await client.get(f"/pacts/{scene.pact_id}")).text
    assert "Yusuf: <strong>Proposta alla famiglia</strong>" in page
    assert "<li>Condivisione con un partner · civic center  CREMA" in page  # words, no code
    # The family answers civic's ordinary mail from the school's record.
    assert await run_jobs("civic.referral_mail") == 1
    assert await referrals.answer(await link_in_last_mail(EMAIL), True) == "enrolled"
    assert await _outcomes(scene) == [("Yusuf", "enrolled")]
    assert "Yusuf: <strong>Iscritto</strong>" in (
        await client.get(f"/pacts/{scene.pact_id}")).text
    again = await _propose(client, scene, token, first_name="yusuf")
    assert again.status_code == 422 and "già stata proposta" in again.text
    assert await Referral.count() == 1


@pytest.mark.parametrize(("first_name", "contact", "message"), [
    ("Amira", EMAIL, "non è registrato il consenso"),  # civic's own consent check
    ("Yusuf", "altro@example.it", "Nessun bambino"),
    ("Pietro", EMAIL, "Nessun bambino"),  # another family's child
])
async def test_a_proposal_civic_would_not_take_is_refused_with_the_reason(
        client: Any, scene: Scene, first_name: str, contact: str, message: str) -> None:
    await consents.give(await as_caller(scene.world.maker_a), scene.pact_id, "sharing", CENTER)
    await sign_in(client, scene.world.maker_a)
    token = await csrf_token(client, f"/pacts/{scene.pact_id}")
    answer = await _propose(client, scene, token, first_name=first_name, contact=contact)
    assert answer.status_code == 422 and message in answer.text
    assert await Referral.count() == 0 and await PactEnrolment.count() == 0


async def test_the_phone_the_school_has_finds_the_child_too(scene: Scene) -> None:
    from pacts.enrolments import service as enrolments
    from pacts.pacts.schemas import EnrolmentIn

    maker = await as_caller(scene.world.maker_a)
    await consents.give(maker, scene.pact_id, "sharing", CENTER)
    await enrolments.propose(maker, scene.pact_id, EnrolmentIn(
        activity_id=scene.activity.id, contact="333 1234567", first_name="Yusuf"))
    assert await _outcomes(scene) == [("Yusuf", "proposed")]


async def test_the_referral_looks_like_any_other_to_everyone_outside_the_team(
        client: Any, scene: Scene) -> None:
    world = scene.world
    maker = await as_caller(world.maker_a)
    await consents.give(maker, scene.pact_id, "sharing", CENTER)
    await sign_in(client, world.maker_a)
    token = await csrf_token(client, f"/pacts/{scene.pact_id}")
    assert (await _propose(client, scene, token)).status_code == 303
    # The same activity proposed to another family by program staff, from civic itself.
    await referrals.propose(await as_caller(world.admin), scene.school, ReferralCreate(
        pupil_id=scene.pupils["Pietro"], activity_id=scene.activity.id))
    rows = await Referral.select().order_by(Referral.created_at)
    assert len(rows) == 2
    same = ("activity", "school", "status", "language", "answered_at", "seat_id")
    assert [{key: row[key] for key in same} for row in rows] == [
        {key: rows[1][key] for key in same}] * 2
    await run_jobs("civic.referral_mail")
    mails = await DevMail.select().order_by(DevMail.id)
    assert len(mails) == 2
    assert len({mail["subject"].replace("Yusuf", "Pietro") for mail in mails}) == 1
    for name in ("Yusuf", "Pietro"):
        referral = await Referral.select(Referral.id).where(
            Referral.pupil == scene.pupils[name]).first()
        await referrals.answer(await referrals.issue_token(referral["id"], ("proposed",)) or "",
                               True)
    signs = (HOLDER, "Benali", "Giulia", "patto", "Patto", "pact", "Pact", "Samira e i due")
    looks = [(world.school_coordinator, f"/schools/{scene.school}/referrals"),
             (world.school_coordinator, f"/api/v1/schools/{scene.school}/referrals"),
             (world.operator, f"/civic/activities/{scene.activity.id}/roster"),
             (world.operator, f"/civic/activities/{scene.activity.id}/roster.csv"),
             (world.operator, f"/civic/activities/{scene.activity.id}"),
             (world.operator, "/civic/activities")]
    for who, url in looks:
        await sign_in(client, who)
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert "/roster" not in url and "referrals" not in url or (
            "Yusuf" in answer.text and "Pietro" in answer.text), url
        assert not [sign for sign in signs if sign in answer.text], url
    for mail in mails:
        assert not [sign for sign in signs if sign in mail["subject"] + mail["text"]]


async def test_only_the_pact_in_force_proposes_and_retention_forgets_the_link(
        scene: Scene) -> None:
    from app.errors import InvalidInput
    from pacts.enrolments import service as enrolments
    from pacts.pacts.schemas import EnrolmentIn

    maker = await as_caller(scene.world.maker_a)
    await consents.give(maker, scene.pact_id, "sharing", CENTER)
    other = await make_activity(scene.world, title="Teatro")  # not linked to a goal
    with pytest.raises(InvalidInput, match="non è collegata"):
        await enrolments.propose(maker, scene.pact_id, EnrolmentIn(
            activity_id=other.id, contact=EMAIL, first_name="Yusuf"))
    await enrolments.propose(maker, scene.pact_id, EnrolmentIn(
        activity_id=scene.activity.id, contact=EMAIL, first_name="Yusuf"))
    await service.close(maker, scene.pact_id, Closure(reason="moved", outcome="partly"))
    with pytest.raises(InvalidInput, match="Prima la famiglia accetta"):
        await enrolments.propose(maker, scene.pact_id, EnrolmentIn(
            activity_id=scene.activity.id, contact=EMAIL, first_name="Yusuf"))
    closed = await service.detail(maker, scene.pact_id)
    assert await anonymise_expired(closed.closed_at.date().replace(year=2100)) == 1
    assert await PactEnrolment.count() == 0
    assert await Referral.count() == 1  # the family's proposal is civic's, kept by civic


async def test_a_referral_civic_deleted_shows_as_no_longer_on_record(scene: Scene) -> None:
    from civic.families.service import delete_family
    from pacts.enrolments import service as enrolments
    from pacts.pacts.schemas import EnrolmentIn

    maker = await as_caller(scene.world.maker_a)
    await consents.give(maker, scene.pact_id, "sharing", CENTER)
    await enrolments.propose(maker, scene.pact_id, EnrolmentIn(
        activity_id=scene.activity.id, contact=EMAIL, first_name="Yusuf"))
    family = await Pupil.select(Pupil.family).where(Pupil.id == scene.pupils["Yusuf"]).first()
    await delete_family(await as_caller(scene.world.school_coordinator), scene.school,
                        family["family"])  # the family asked the school to erase its data
    assert await _outcomes(scene) == [("", "gone")]
