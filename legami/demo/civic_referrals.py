"""Demo referrals (legami/demo/seed.py): in each demo school, a few consented pupils get the
activity suggested first for them, in every state a coordinator meets: proposed (its
mail, with a working link, goes to the development mailbox), enrolled, waitlisted,
declined. Run after the demo activities and consents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from app import places
from app.clock import now
from app.db import transaction
from app.outbox import enqueue
from app.roles import SCHOOL_COORDINATOR
from app.tables import Membership, Organization
from app.values import as_uuid
from civic.activities import service as activities
from civic.consents.service import consented_pupils
from civic.referrals.service import MAIL_JOB, PROPOSAL_DAYS, PUPIL, mail_language
from civic.suggestions.service import PupilFacts, offer_facts, suggest_all
from civic.tables import Pupil, Referral

PER_SCHOOL = 8
# What happens to the n-th referral of a school: most families accept.
OUTCOMES = ("proposed", "accepted", "accepted", "declined", "accepted", "proposed",
            "accepted", "accepted")


async def seed_demo_referrals() -> int:
    """Referrals in the demo schools, once; return how many exist there."""
    from legami.demo.seed import SCHOOLS  # late: app.demo may import this module

    schools = await Organization.select(Organization.id, Organization.town).where(
        (Organization.kind == "school") & Organization.name.is_in([s.name for s in SCHOOLS]))
    if not schools:
        return 0
    ids = [row["id"] for row in schools]
    existing = await Referral.count().where(Referral.school.is_in(ids))
    if existing:
        return int(existing)
    infos = await activities.published_activities()
    offers = [offer_facts(info) for info in infos]
    pools = {info.id: info.pool_id for info in infos}
    created = 0
    async with transaction():
        for school in schools:
            created += await _school(as_uuid(school["id"]), school["town"], offers, pools)
    return created


async def _school(school_id: UUID, town: str, offers: list[Any],
                  pools: dict[UUID, UUID | None]) -> int:
    rows = await Pupil.select(
        Pupil.id, Pupil.birth_year, Pupil.family.working_pattern, Pupil.family.town,
        Pupil.family.language, Pupil.family.contact_email,
    ).where((Pupil.family.school == school_id) & Pupil.family.contact_email.is_not_null()
            ).order_by(Pupil.family.family_ref).order_by(Pupil.first_name)
    consented = await consented_pupils([as_uuid(row["id"]) for row in rows])
    rows = [row for row in rows if as_uuid(row["id"]) in consented][:PER_SCHOOL * 2]
    facts = [PupilFacts(as_uuid(row["id"]), row["birth_year"], row["family.working_pattern"],
                        row["family.town"], town, row["family.language"]) for row in rows]
    found = suggest_all(facts, offers)
    coordinator = await Membership.select(Membership.user).where(
        (Membership.organization == school_id) & (Membership.role == SCHOOL_COORDINATOR)
    ).first()
    made = 0
    for row in rows:
        pupil_id = as_uuid(row["id"])
        choices = found.get(pupil_id, ())
        if not choices or made >= PER_SCHOOL or pools.get(choices[0].activity_id) is None:
            continue
        await _referral(school_id, pupil_id, choices[0].activity_id,
                        pools[choices[0].activity_id], OUTCOMES[made % len(OUTCOMES)],
                        coordinator["user"] if coordinator else None,
                        mail_language(row["family.language"]))
        made += 1
    return made


async def _referral(school_id: UUID, pupil_id: UUID, activity_id: UUID, pool_id: Any,
                    outcome: str, proposer: Any, language: str) -> None:
    moment = now()
    referral = Referral(pupil=pupil_id, activity=activity_id, school=school_id,
                        proposed_by=proposer, status="proposed", language=language,
                        expires_at=moment + timedelta(days=PROPOSAL_DAYS))
    if outcome == "declined":
        referral.status, referral.answered_at = "declined", moment
    elif outcome == "accepted":
        seat = await places.request_place(pool_id, PUPIL, pupil_id, organization_id=school_id)
        referral.status, referral.answered_at, referral.seat_id = "accepted", moment, seat.id
    await referral.save()
    if outcome == "proposed":
        await enqueue(MAIL_JOB, {"referral_id": str(referral.id)})
