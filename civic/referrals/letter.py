"""The printed letter of a proposal, for a family the school reaches on paper."""

from __future__ import annotations

from uuid import UUID

from app import audit
from app.auth.caller import Caller
from app.errors import InvalidInput
from app.i18n import _
from app.settings import get_settings
from civic.referrals import service as referrals
from civic.referrals.docx import letter
from civic.referrals.jobs import referral_facts


async def letter_for(caller: Caller, school_id: UUID, referral_id: UUID
                     ) -> tuple[str, bytes]:
    """The letter of a proposal still waiting for an answer, in the family's language,
    with a new short code (an earlier letter's stops working): filename and bytes."""
    referral = await referrals.get_referral(caller, school_id, referral_id)
    code = await referrals.issue_code(referral_id) if referral.state == "proposed" else None
    facts = await referral_facts(referral_id) if code else None
    if code is None or facts is None:
        raise InvalidInput({"referral": _("This proposal is already answered or closed: "
                                          "there is no letter to print.")})
    base = get_settings().base_url
    # The family's language is the referral's; labels (timetable, cost) are in it when
    # Legami speaks it, else in Italian as the rest of the fallback.
    values = {**facts["context"], "link": referrals.link_for(code), "code": code,
              "site": f"{base}{referrals.LINK_PREFIX.rstrip('/')}"}
    await audit.record("referral.letter_printed", caller.user_id, school_id,
                       referral_id=str(referral_id))
    return f"lettera-{referral.family_ref}.docx", await letter(referral.language, values)
