"""Consent per purpose: services, sharing with a named partner, reminders by mail.

Refused unless given: a purpose counts only while a row for it exists and is not
withdrawn. Each row keeps the text the person agreed to and its version, so a later
change of wording never rewrites what was accepted.
"""

from __future__ import annotations

from uuid import UUID

from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.settings import get_settings
from pacts.access.service import log_opening, reachable_pact
from pacts.tables import PactConsent

TEXT_VERSION = "2026-12"
PURPOSES = ("services", "sharing", "reminders")


def legal_basis() -> str | None:
    """The pacts' legal basis in words, as the program's DPO confirmed it in the setting
    PACTS_LEGAL_BASIS; None until it is set."""
    return {
        "consent": _("the explicit consent of the person (GDPR art. 6(1)(a) and 9(2)(a))"),
        "public_task": _("a task in the public interest of the municipalities' social "
                         "services (GDPR art. 6(1)(e) and 9(2)(g)), with consent for sharing "
                         "and reminders"),
        "social_care": _("the provision of social care (GDPR art. 6(1)(e) and 9(2)(h)), with "
                         "consent for sharing and reminders"),
    }.get(get_settings().pacts_legal_basis)


def check_legal_basis() -> None:
    """A production installation opens no pact until the DPO has confirmed the basis."""
    if legal_basis() is None and get_settings().is_production:
        raise InvalidInput({"legal_basis": _(
            "No pact can be opened yet: the program's data protection officer must first "
            "confirm the legal basis (the PACTS_LEGAL_BASIS setting, see docs/pacts.md).")})


def consent_texts() -> dict[str, str]:
    """The wording of each purpose, in the language of the request."""
    return {
        "services": _("I agree that the team of my pact uses what I tell them to accompany "
                      "me, for the time of the pact and two years after it closes."),
        "sharing": _("I agree that the team of my pact shares what is needed with %(partner)s, "
                     "for the goals of the pact only."),
        "reminders": _("I agree to receive reminders of our meetings by e-mail."),
    }


def purpose_labels() -> dict[str, str]:
    """A few words for each purpose, for the list of consents given."""
    return {"services": _("Accompanying the person"), "sharing": _("Sharing with a partner"),
            "reminders": _("Reminders by e-mail")}


async def give(caller: Caller, pact_id: UUID, purpose: str, partner: str = "") -> None:
    """Record the person's consent for one purpose, with the text they agreed to."""
    if purpose not in PURPOSES:
        raise InvalidInput({"purpose": _("Choose from the list.")})
    if purpose == "sharing" and not 2 <= len(partner.strip()) <= 200:
        raise InvalidInput({"partner": _("Name the partner the data is shared with.")})
    text = consent_texts()[purpose] % {"partner": partner.strip()} if purpose == "sharing" \
        else consent_texts()[purpose]
    async with transaction():
        await reachable_pact(caller, pact_id)
        await PactConsent(pact=pact_id, purpose=purpose, partner=partner.strip(),
                          text_version=TEXT_VERSION, text=text,
                          recorded_by=caller.user_id).save()
        await log_opening(caller, pact_id, "pact")


async def withdraw(caller: Caller, pact_id: UUID, consent_id: int) -> None:
    async with transaction():
        await reachable_pact(caller, pact_id)
        await PactConsent.update({PactConsent.withdrawn_at: now()}).where(
            (PactConsent.id == consent_id) & (PactConsent.pact == pact_id)
            & PactConsent.withdrawn_at.is_null())
        await log_opening(caller, pact_id, "pact")


async def has_consent(pact_id: UUID, purpose: str) -> bool:
    return await PactConsent.exists().where(
        (PactConsent.pact == pact_id) & (PactConsent.purpose == purpose)
        & PactConsent.withdrawn_at.is_null())
