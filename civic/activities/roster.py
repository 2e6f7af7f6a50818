"""An activity's roster for the Civic Center operator who runs it.

Per pupil only what running a children's activity needs: the full name (two pupils
called Daniel), the class, whom to call (the family's reference adult, with a phone, or
an e-mail address only when the family gave no phone) and an emergency phone, who may
pick the child up, whether the school recorded a photo release, and the care note the
family chose to share (only for the operators of the activity's Civic Center: see
`civic.families.care`). Never a birth year, a working pattern, who gave a consent, another
family's data, or an e-mail address beside a phone. The CSV has the same columns,
without the care note: a file travels further than a page.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from uuid import UUID

from app import places
from app.auth.caller import Caller
from app.i18n import _
from app.spreadsheets import text_cell
from app.values import as_uuid
from civic.activities.schemas import ActivityRoster, RosterRow
from civic.activities.service import managed_row
from civic.consents.service import consent_states
from civic.families.care import cares_of, runs_activity
from civic.families.schemas import CareOut
from civic.tables import Pupil

PUPIL = "pupil"
PHONE = re.compile(r"^\+?[\d\s./-]+$")


async def activity_roster(caller: Caller, activity_id: UUID) -> ActivityRoster:
    """Enrolled pupils, then those offered a place and the waitlist in its order."""
    row = await managed_row(caller, activity_id)
    pool_id = as_uuid(row["pool"]) if row["pool"] else None
    enrolled = await places.roster(pool_id, ("enrolled",)) if pool_id else []
    waiting = await places.roster(pool_id, ("offered", "waitlisted")) if pool_id else []
    # Those offered a freed place come first: they are ahead of everyone still waiting.
    waiting.sort(key=lambda seat: (seat.status != "offered", seat.position or 0))
    seats = [seat for seat in enrolled + waiting if seat.holder_kind == PUPIL]
    pupil_ids = [seat.holder_id for seat in seats]
    pupils = await _pupils(pupil_ids)
    capacity = (await places.pool_states([pool_id]))[pool_id].capacity if pool_id else 0
    photos = {pupil for pupil, state in (await consent_states(pupil_ids)).items()
              if state.consent is not None and state.consent.photo_release}
    cares = await cares_of(pupil_ids)
    shows_care = runs_activity(caller, row["civic_center"])

    def rows(of: list[places.SeatInfo]) -> list[RosterRow]:
        return [_row(seat, pupils[seat.holder_id], cares.get(seat.holder_id),
                     seat.holder_id in photos, shows_care)
                for seat in of if seat.holder_kind == PUPIL and seat.holder_id in pupils]

    return ActivityRoster(activity_id=activity_id, title=row["title"], capacity=capacity,
                          shows_care=shows_care, enrolled=rows(enrolled),
                          waitlist=rows(waiting))


async def _pupils(pupil_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    if not pupil_ids:
        return {}
    rows = await Pupil.select(
        Pupil.id, Pupil.first_name, Pupil.last_name, Pupil.class_name,
        Pupil.family.reference_adult.as_alias("adult"),
        Pupil.family.contact_phone.as_alias("phone"),
        Pupil.family.contact_email.as_alias("email"),
        Pupil.family.emergency_phone.as_alias("emergency"),
    ).where(Pupil.id.is_in(pupil_ids))
    return {as_uuid(row["id"]): row for row in rows}


def _row(seat: places.SeatInfo, pupil: dict[str, Any], care: CareOut | None,
         photo_release: bool, shows_care: bool) -> RosterRow:
    phone = (pupil["phone"] or "").strip()
    note = care.care_note if care else ""
    return RosterRow(pupil_id=seat.holder_id, status=seat.status, position=seat.position,
                     first_name=pupil["first_name"], last_name=pupil["last_name"] or "",
                     class_name=pupil["class_name"], contact_name=pupil["adult"],
                     contact=phone or (pupil["email"] or ""),
                     emergency_phone=pupil["emergency"] or "",
                     pickup_persons=care.pickup_persons if care else "",
                     photo_release=photo_release, care_note=note if shows_care else None)


def status_text(row: RosterRow) -> str:
    if row.status == "enrolled":
        return _("Place confirmed")
    if row.status == "offered":
        return _("Place offered, waiting for an answer")
    return _("Waitlist, place %(position)s") % {"position": row.position}


def photo_text(allowed: bool) -> str:
    return _("Allowed") if allowed else _("Not allowed")


async def roster_csv(caller: Caller, activity_id: UUID) -> tuple[str, bytes]:
    """The roster as a CSV file Excel opens (UTF-8 with BOM, semicolons): name and bytes."""
    roster = await activity_roster(caller, activity_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Status"), _("First name"), _("Last name"), _("Class"),
                     _("Whom to call"), _("Phone or e-mail"), _("Emergency phone"),
                     _("May be picked up by"), _("Photos")])
    for row in roster.enrolled + roster.waitlist:
        writer.writerow([_cell(value) for value in (
            status_text(row), row.first_name, row.last_name, row.class_name,
            row.contact_name, row.contact, row.emergency_phone, row.pickup_persons,
            photo_text(row.photo_release))])
    return f"roster-{activity_id}.csv", ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    """A value a spreadsheet shows as text: no formula from a name (a phone stays as is)."""
    return value if PHONE.match(value) else text_cell(value)
