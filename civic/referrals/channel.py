"""How a proposal reaches a family: one small interface, one class per channel.

A channel says whether it reaches a family (`reaches`) and hands the proposal over
(`hand_over`, inside the proposal's transaction). Mail queues the mail job, which makes
the link. The letter needs nothing at proposal time: the school prints it from the
referrals page (`civic.referrals.docx`) and hands it to the pupil; printing makes the
link. The first channel that reaches the family is used, mail before letter. An SMS
channel is one more class here (its `reaches` a mobile number, its `hand_over` an SMS
job) placed before the letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from app.outbox import enqueue

MAIL_JOB = "civic.referral_mail"


@dataclass(frozen=True)
class FamilyContact:
    email: str | None
    phone: str | None


class FamilyChannel(Protocol):
    name: str

    def reaches(self, contact: FamilyContact) -> bool: ...

    async def hand_over(self, referral_id: UUID) -> None: ...


class MailChannel:
    name = "mail"

    def reaches(self, contact: FamilyContact) -> bool:
        return bool((contact.email or "").strip())

    async def hand_over(self, referral_id: UUID) -> None:
        await enqueue(MAIL_JOB, {"referral_id": str(referral_id)})


class LetterChannel:
    """Every family has a pupil at school: the letter always reaches them."""

    name = "letter"

    def reaches(self, contact: FamilyContact) -> bool:
        return True

    async def hand_over(self, referral_id: UUID) -> None:
        return None  # the school prints the letter when it hands it over


CHANNELS: tuple[FamilyChannel, ...] = (MailChannel(), LetterChannel())


def channel_for(contact: FamilyContact) -> FamilyChannel:
    return next(channel for channel in CHANNELS if channel.reaches(contact))
