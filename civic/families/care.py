"""Who may pick a pupil up and the care note the family chose to share.

A care note (an allergy, a medicine to give) is health data, a special category
(GDPR art. 9): it is kept only with the family's consent to share it, as short as the
operators need (300 characters), in a table of its own (`PupilCare`) that only this
module reads. The coordinator records it from the school's signed form (who signed and
on which day); the family may write it from their link. Empty texts keep nothing.

Who sees it: the school's coordinators, who keep the signed form, on the family's page;
the operators of the Civic Center that runs the pupil's activity, on that
activity's roster, because they are the people looking after the child. Nobody else:
not an operator of another Civic Center (404, as for the whole roster), not program
staff (who reach every roster to help, but do not look after children), not the school
report nor any CSV. Within a Civic Center the operators share the activities (the
tenant is the Center, and a colleague stands in for a sick one), so every operator of
the Center reads the notes of the Center's activities. Gone with the pupil: the
retention job and an erasure delete it (the database cascades), and so does a withdrawn
consent to use the pupil's data.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app import audit
from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.roles import CIVIC_CENTER_OPERATOR
from app.values import as_uuid
from civic.consents.service import ROLES, pupil_of
from civic.families.schemas import LIMITS, CareOut, CareUpdate
from civic.tables import PupilCare

OPERATOR = CIVIC_CENTER_OPERATOR


def _text(value: str) -> str:
    """One paragraph: line breaks kept as spaces, so a note cannot fake a roster row."""
    return " ".join((value or "").split())


def check_care(data: CareUpdate, signed: bool) -> dict[str, Any]:
    """The values as stored; InvalidInput with every problem. `signed`: recorded from a
    signed form, so the day of signature is asked for."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for field in ("pickup_persons", "care_note", "consent_by"):
        limit = LIMITS["given_by" if field == "consent_by" else field]
        clean[field] = _text(getattr(data, field))
        if len(clean[field]) > limit:
            errors[field] = _("Too long: at most {limit} characters.").format(limit=limit)
    keeps = bool(clean["pickup_persons"] or clean["care_note"])
    if keeps and not clean["consent_by"]:
        errors["consent_by"] = _("Write who agreed to share this with the operators.")
    today = now().date()
    if keeps and signed:
        if data.consent_on is None:
            errors["consent_on"] = _("Enter the day the form was signed, like 2026-09-15.")
        elif data.consent_on > today:
            errors["consent_on"] = _("The day of signature cannot be in the future.")
    if errors:
        raise InvalidInput(errors)
    clean["consent_on"] = data.consent_on if signed else today
    return clean if keeps else {}


async def save_care(pupil_id: UUID, data: CareUpdate, source: str,
                    user_id: UUID | None, organization_id: UUID | None) -> None:
    """Replace the pupil's pick-up persons and care note (nothing kept when empty)."""
    clean = check_care(data, signed=source == "coordinator")
    async with transaction():
        await store_care(pupil_id, clean, source, user_id, organization_id)


async def store_care(pupil_id: UUID, clean: dict[str, Any], source: str,
                     user_id: UUID | None, organization_id: UUID | None) -> None:
    """Replace the pupil's record with `clean` (checked; empty: nothing kept), inside the
    caller's transaction."""
    await PupilCare.delete().where(PupilCare.pupil == pupil_id)
    if clean:
        await PupilCare(pupil=pupil_id, pickup_persons=clean["pickup_persons"],
                        care_note=clean["care_note"], care_consent_by=clean["consent_by"],
                        care_consent_on=clean["consent_on"], source=source,
                        recorded_by=user_id, updated_at=now()).save()
    # The audit says that it changed, never what it says.
    await audit.record("civic.care.saved" if clean else "civic.care.cleared", user_id,
                       organization_id, pupil_id=str(pupil_id), source=source)


async def record_care(caller: Caller, school_id: UUID, family_id: UUID, pupil_id: UUID,
                      data: CareUpdate) -> None:
    """The coordinator records what the family's signed form says; 404 out of reach
    (program staff too: the note is not theirs to read or write)."""
    if not keeps_forms(caller, school_id):
        raise NotFoundException()
    await pupil_of(caller, school_id, pupil_id, family_id)
    await save_care(pupil_id, data, "coordinator", caller.user_id, school_id)


async def record_care_from_link(pupil_id: UUID, school_id: UUID, data: CareUpdate) -> None:
    """The family writes it from their link (the link is the key, checked by the
    caller): submitting the form with their name is their consent, dated today."""
    await save_care(pupil_id, data, "family", None, school_id)


async def cares_of(pupil_ids: list[UUID]) -> dict[UUID, CareOut]:
    """The pupils' care records, for the module that decided the reader may see them."""
    if not pupil_ids:
        return {}
    rows = await PupilCare.select().where(PupilCare.pupil.is_in(pupil_ids))
    return {as_uuid(row["pupil"]): CareOut(
        pickup_persons=row["pickup_persons"], care_note=row["care_note"],
        consent_by=row["care_consent_by"], consent_on=row["care_consent_on"],
        source=row["source"]) for row in rows}


def keeps_forms(caller: Caller, school_id: UUID) -> bool:
    """Whether the caller coordinates the school, which keeps the families' signed forms:
    the only people besides the operators who read and write care notes."""
    return school_id in caller.organization_ids(*ROLES)


def runs_activity(caller: Caller, civic_center_id: Any) -> bool:
    """Whether the caller is an operator of the Civic Center that runs the activity: the
    only people who read its pupils' care notes."""
    return as_uuid(civic_center_id) in caller.organization_ids(OPERATOR)


def signed_on(value: str) -> date | None:
    """A date typed in a form; None when empty or not a date (reported as missing)."""
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None
