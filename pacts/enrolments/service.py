"""Enrolling from a goal link: a Civic Center activity that a goal of the accepted pact
names is proposed to the family so that a child gets a place.

A pact holds no school family file, so the child is found through civic's service
(`pupils_by_contact`: the contact the family gave the school and the child's first name),
and the proposal is civic's own referral (`civic.referrals.service.propose`), which
checks the pupil's civic consent and reaches the family as every referral does. Before
anything is read from civic, the pact must hold the family's consent to share with the
Civic Center. Civic keeps an ordinary referral and nothing of the pact; the pact keeps
the referral's id and reads its state back for the goal.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.values import as_uuid
from civic.activities.service import activity_info
from civic.families.service import pupils_by_contact
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from pacts.access.service import log_opening, reachable_pact
from pacts.pacts.schemas import EnrolmentIn, EnrolmentOut
from pacts.tables import PactConsent, PactEnrolment, PactVersion

# civic's states of a referral -> the goal's outcome; any other state is "declined"
OUTCOMES = {"proposed": "proposed", "offered": "proposed", "enrolled": "enrolled",
            "waitlisted": "waitlisted"}


def outcome_labels() -> dict[str, str]:
    return {"proposed": _("Proposed to the family"), "enrolled": _("Enrolled"),
            "waitlisted": _("On the waitlist"), "declined": _("Not taken up"),
            "gone": _("No longer on record")}


def _same_name(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


async def _linked_in_force(pact_id: UUID, activity_id: UUID) -> bool:
    """Whether a goal of the accepted version names the activity."""
    version = await PactVersion.select(PactVersion.content).where(
        (PactVersion.pact == pact_id) & (PactVersion.status == "accepted")).output(
        load_json=True).first()
    goals = (version or {}).get("content", {}).get("goals", []) if version else []
    return any(link.get("kind") == "activity" and link.get("id") == str(activity_id)
               for goal in goals for link in goal.get("links", []))


async def _shares_with(pact_id: UUID, partner: str) -> bool:
    rows = await PactConsent.select(PactConsent.partner).where(
        (PactConsent.pact == pact_id) & (PactConsent.purpose == "sharing")
        & PactConsent.withdrawn_at.is_null())
    return any(_same_name(row["partner"], partner) for row in rows)


def _refused(message: str) -> InvalidInput:
    return InvalidInput({"enrolment": message})


async def propose(caller: Caller, pact_id: UUID, data: EnrolmentIn) -> None:
    """Propose the activity to the family through civic's referrals; refused with a
    reason when the pact is not in force, the activity is not linked, the consent to
    share is missing, the child is not found once, or civic refuses the proposal."""
    pact = await reachable_pact(caller, pact_id)  # 404 first, before anything is read
    if pact["status"] != "active":
        raise _refused(_("The family accepts the pact first: then its activities can be "
                         "proposed."))
    if not await _linked_in_force(pact_id, data.activity_id):
        raise _refused(_("This activity is not linked to a goal of the pact in force."))
    info = await activity_info(data.activity_id)
    if not await _shares_with(pact_id, info.civic_center_name):
        raise _refused(_("Record the family's consent to share with %(partner)s first "
                         "(Consents, on this page).") % {"partner": info.civic_center_name})
    matches = await pupils_by_contact(caller, data.contact, data.first_name)
    if not matches:
        raise _refused(_("No child of this name in a school family with this e-mail "
                         "address or phone number: check them with the family."))
    if len(matches) > 1:
        raise _refused(_("More than one child matches: write the e-mail address the "
                         "family gave the school."))
    match = matches[0]
    async with transaction():
        try:
            referral = await referrals.propose(caller, match.school_id, ReferralCreate(
                pupil_id=match.pupil_id, activity_id=data.activity_id))
        except InvalidInput as refused:
            raise _refused(next(iter(refused.errors.values()))) from None
        except NotFoundException:
            raise _refused(_("This activity does not take pupils now.")) from None
        await PactEnrolment(pact=pact_id, activity_id=data.activity_id,
                            school_id=match.school_id, referral_id=referral.id,
                            created_by=caller.user_id).save()
        await log_opening(caller, pact_id, "pact")


async def enrolments(caller: Caller, pact_id: UUID) -> list[EnrolmentOut]:
    """The pact's proposals with their outcome, read back from civic; for a caller who
    may open the pact (the caller's reach is checked by whoever calls this)."""
    rows = await PactEnrolment.select().where(PactEnrolment.pact == pact_id).order_by(
        PactEnrolment.id)
    labels = outcome_labels()
    return [await _outcome(caller, row, labels) for row in rows]


async def _outcome(caller: Caller, row: dict[str, Any], labels: dict[str, str]
                   ) -> EnrolmentOut:
    try:
        referral = await referrals.get_referral(caller, as_uuid(row["school_id"]),
                                                as_uuid(row["referral_id"]))
    except NotFoundException:  # deleted by civic's retention or on the family's request
        outcome, first_name = "gone", ""
    else:
        outcome, first_name = OUTCOMES.get(referral.state, "declined"), \
            referral.pupil_first_name
    return EnrolmentOut(activity_id=as_uuid(row["activity_id"]), first_name=first_name,
                        outcome=outcome, outcome_label=labels[outcome],
                        created_at=row["created_at"])
