"""A school's families and pupils, with as little data as possible.

A family is a reference adult with a way to be reached (e-mail or phone), their working
pattern if they share it, their language and town, and an emergency phone if they give
one; a pupil is a first name (and the last name, so two Daniels are told apart), a birth
year and a class. Nothing more is kept. School coordinators reach only their own school's
families; program staff reach every school; anyone else gets 404, as for a family that
does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from app import audit, places
from app.auth.caller import Caller
from app.clock import now
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _
from app.organizations import EMAIL_RE
from app.tables import Organization
from app.tenancy import ensure_reachable, first_or_404, reaches
from app.values import as_uuid
from civic.consents import service as consents
from civic.consents.service import ROLES, may_consent_alone
from civic.families.care import cares_of, keeps_forms
from civic.families.schemas import (
    LIMITS,
    FamilyItem,
    FamilyList,
    FamilyOut,
    FamilyUpdate,
    PupilMatch,
    PupilOut,
    PupilUpdate,
    SchoolRef,
)
from civic.tables import Consent, Family, Pupil

PUPIL = "pupil"
OLDEST_PUPIL_AGE, YOUNGEST_PUPIL_AGE = 19, 2
MAX_PAGE = 1_000_000
PHONE_RE = re.compile(r"^\+?[0-9 ./()-]{6,40}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z]{2})?$")
LANGUAGE_NAMES = {
    "italiano": "it", "italian": "it", "inglese": "en", "english": "en", "rumeno": "ro",
    "romeno": "ro", "romanian": "ro", "arabo": "ar", "arabic": "ar", "francese": "fr",
    "french": "fr", "spagnolo": "es", "spanish": "es", "albanese": "sq", "albanian": "sq",
    "ucraino": "uk", "ukrainian": "uk", "cinese": "zh", "chinese": "zh", "punjabi": "pa",
    "urdu": "ur", "hindi": "hi",
}
PATTERN_NAMES = {
    "both_working": ("both working", "both", "entrambi", "entrambi lavorano",
                     "lavorano entrambi", "due redditi"),
    "one_working": ("one working", "one", "uno", "uno lavora", "un genitore lavora", "lavora uno",
                    "monoreddito"),
    "shifts": ("turni", "a turni", "lavoro a turni", "shift work", "shift"),
    "not_working": ("not working", "non lavorano", "nessuno lavora", "none"),
}
Problem = tuple[str, str, dict[str, Any]]  # field, code, parameters


def problem_messages() -> dict[str, str]:
    """What each problem code says, in the current language (so a stored import report
    reads in the language of whoever opens it)."""
    return {
        "required": _("This value is missing."),
        "too_long": _("Too long: at most {limit} characters."),
        "email": _("\"{value}\" is not a valid e-mail address."),
        "phone": _("\"{value}\" is not a valid phone number."),
        "contact": _("Give an e-mail address or a phone number to reach the family."),
        "language": _("\"{value}\" is not a language: write a code such as it, en, ro, ar "
                      "or a name such as italiano."),
        "working_pattern": _("\"{value}\" is not a working pattern: write entrambi, uno, "
                             "turni, non lavorano (or both_working, one_working, shifts, "
                             "not_working), or leave it empty."),
        "birth_year": _("\"{value}\" is not a pupil's birth year: write a year from {first} "
                        "to {last}."),
        "differs": _("The family {ref} has a different value on line {line}: one family, "
                     "one value."),
        "duplicate_pupil": _("{name}, born in {year}, is already on line {line} for this "
                             "family."),
        "birth_date": _("The date of birth must be a past day of the birth year {year}."),
    }


def problem_text(code: str, params: dict[str, Any]) -> str:
    message = problem_messages().get(code)
    return message.format(**params) if message else str(params.get("text", code))


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _text(field: str, value: str | None, problems: list[Problem], required: bool = False,
          limit_key: str | None = None) -> str:
    text = _one_line(value)
    limit = LIMITS[limit_key or field]
    if required and not text:
        problems.append((field, "required", {}))
    elif len(text) > limit:
        problems.append((field, "too_long", {"limit": limit}))
    return text


def clean_language(value: str | None) -> str | None:
    """A language code ("it", "pt-br") from a code or a common name; None if not one."""
    text = _one_line(value).lower().replace("_", "-")
    if not text:
        return "it"
    text = LANGUAGE_NAMES.get(text, text)
    return text if LANGUAGE_RE.match(text) and len(text) <= LIMITS["language"] else None


def clean_working_pattern(value: str | None) -> tuple[bool, str | None]:
    """(valid, pattern): an empty value is valid and means "not shared"."""
    text = _one_line(value).lower().replace("_", " ").replace("-", " ")
    if not text:
        return True, None
    for pattern, names in PATTERN_NAMES.items():
        if text == pattern.replace("_", " ") or text in names:
            return True, pattern
    return False, None


def _phone(text: str) -> bool:
    return bool(PHONE_RE.match(text)) and sum(c.isdigit() for c in text) >= 6


def check_family(values: Mapping[str, str | None]) -> tuple[dict[str, Any], list[Problem]]:
    """A family's fields cleaned, and what is wrong with them."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {
        "reference_adult": _text("reference_adult", values.get("reference_adult"), problems,
                                 required=True),
        "town": _text("town", values.get("town"), problems),
    }
    email = _one_line(values.get("contact_email")).lower()
    if email and (len(email) > LIMITS["contact_email"] or not EMAIL_RE.match(email)):
        problems.append(("contact_email", "email", {"value": email}))
    phone = _one_line(values.get("contact_phone"))
    if phone and not _phone(phone):
        problems.append(("contact_phone", "phone", {"value": phone}))
    if not email and not phone:
        problems.append(("contact_email", "contact", {}))
    clean["contact_email"], clean["contact_phone"] = email or None, phone or None
    emergency = _one_line(values.get("emergency_phone"))
    if emergency and not _phone(emergency):
        problems.append(("emergency_phone", "phone", {"value": emergency}))
    clean["emergency_phone"] = emergency or None
    language = clean_language(values.get("language"))
    if language is None:
        problems.append(("language", "language", {"value": _one_line(values.get("language"))}))
    clean["language"] = language or "it"
    valid, pattern = clean_working_pattern(values.get("working_pattern"))
    if not valid:
        problems.append(("working_pattern", "working_pattern",
                         {"value": _one_line(values.get("working_pattern"))}))
    clean["working_pattern"] = pattern
    return clean, problems


def whole_number(text: str, digits: int) -> bool:
    """Whether `text` is a whole number of at most `digits` digits that int() reads (not
    "²", which isdigit() accepts, nor thousands of digits, which int() refuses)."""
    return text.isdecimal() and len(text) <= digits


def birth_years() -> tuple[int, int]:
    year = now().year
    return year - OLDEST_PUPIL_AGE, year - YOUNGEST_PUPIL_AGE


def check_pupil(first_name: str | None, birth_year: str | int | None, class_name: str | None,
                last_name: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """A pupil's fields cleaned, and what is wrong with them."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {
        "first_name": _text("first_name", first_name, problems, required=True),
        "last_name": _text("last_name", last_name, problems),
        "class_name": _text("class_name", class_name, problems, required=True),
    }
    first, last = birth_years()
    text = _one_line(str(birth_year) if birth_year is not None else "")
    year = int(text) if whole_number(text, 4) else None
    if not text:
        problems.append(("birth_year", "required", {}))
    elif year is None or not first <= year <= last:
        problems.append(("birth_year", "birth_year", {"value": text, "first": first,
                                                      "last": last}))
    clean["birth_year"] = year
    return clean, problems


def _invalid(problems: list[Problem]) -> InvalidInput:
    errors: dict[str, str] = {}
    for field, code, params in problems:
        errors.setdefault(field, problem_text(code, params))
    return InvalidInput(errors)


# Reading --------------------------------------------------------------------------------


async def school_of(caller: Caller, school_id: UUID) -> SchoolRef:
    """The school whose families the caller may see; 404 when out of reach."""
    ensure_reachable(caller, school_id, *ROLES)
    row = await first_or_404(Organization.select(
        Organization.id, Organization.name, Organization.town).where(
        (Organization.id == school_id) & (Organization.kind == "school")))
    return SchoolRef(as_uuid(row["id"]), row["name"], row["town"])


async def _count_with_consent(school_id: UUID) -> int:
    pupils = Pupil.select(Pupil.id).where(Pupil.family.school == school_id)
    row = await Consent.select(Count(distinct=[Consent.pupil], alias="n")).where(
        Consent.pupil.is_in(pupils) & Consent.withdrawn_at.is_null()).first()
    return int(row["n"]) if row else 0


def _contains(column: Any, text: str) -> Any:
    """Case-insensitive "contains" (SQLite's LIKE already ignores case)."""
    pattern = f"%{text}%"
    return column.like(pattern) if is_sqlite() else column.ilike(pattern)


def _matching(school_id: UUID, query: str) -> Any:
    where = Family.school == school_id
    if query:
        named = Pupil.select(Pupil.family).where(
            (Pupil.family.school == school_id) & _contains(Pupil.first_name, query))
        where &= (_contains(Family.family_ref, query)
                  | _contains(Family.reference_adult, query) | Family.id.is_in(named))
    return where


async def list_families(caller: Caller, school_id: UUID, query: str = "", page: int = 1,
                        per_page: int = 50) -> FamilyList:
    """One page of a school's families, searched by reference, adult or pupil's name."""
    school = await school_of(caller, school_id)
    query = _one_line(query)[:100]
    # A page past any school's families is an empty page, never an offset the database
    # cannot hold.
    page, per_page = min(max(page, 1), MAX_PAGE), min(max(per_page, 1), 200)
    where = _matching(school.id, query)
    rows = await Family.select(
        Family.id, Family.family_ref, Family.reference_adult, Family.town, Family.language,
        Family.retain_until).where(where).order_by(Family.family_ref).offset(
        (page - 1) * per_page).limit(per_page)
    ids = [as_uuid(row["id"]) for row in rows]
    pupils = await Pupil.select(Pupil.id, Pupil.family).where(Pupil.family.is_in(ids)) if ids \
        else []
    consented = await consents.consented_pupils([as_uuid(p["id"]) for p in pupils])
    counts: dict[UUID, list[int]] = {family: [0, 0] for family in ids}
    for pupil in pupils:
        count = counts[as_uuid(pupil["family"])]
        count[0] += 1
        count[1] += as_uuid(pupil["id"]) in consented
    items = [FamilyItem(id=as_uuid(row["id"]), family_ref=row["family_ref"],
                        reference_adult=row["reference_adult"], town=row["town"],
                        language=row["language"], pupils=counts[as_uuid(row["id"])][0],
                        pupils_with_consent=counts[as_uuid(row["id"])][1],
                        retain_until=row["retain_until"]) for row in rows]
    total_pupils = await Pupil.count().where(Pupil.family.school == school.id)
    with_consent = await _count_with_consent(school.id)
    return FamilyList(
        school=school, items=items, matching=await Family.count().where(where),
        families=await Family.count().where(Family.school == school.id), pupils=total_pupils,
        pupils_with_consent=with_consent, pupils_without_consent=total_pupils - with_consent,
        page=page, per_page=per_page, query=query)


def _digits(text: str | None) -> str:
    """A phone number's digits, without Italy's country code (+39 or 0039)."""
    digits = "".join(c for c in text or "" if c.isdigit())
    international = (text or "").strip().startswith("+") or digits.startswith("00")
    return digits.removeprefix("00").removeprefix("39") if international else digits


async def pupils_by_contact(caller: Caller, contact: str, first_name: str) -> list[PupilMatch]:
    """The pupils called `first_name` (case aside) in the families of the schools the
    caller reaches whose e-mail (case aside) or phone (its digits, +39 aside) is `contact`."""
    contact, name = _one_line(contact)[:320], _one_line(first_name)[:100]
    digits = _digits(contact)
    if not name or "%" in name or "_" in name or not contact \
            or "@" not in contact and len(digits) < 6:
        return []  # LIKE's wildcards are in no first name
    same_name = _contains(Pupil.first_name, name)  # the exact name is kept below
    rows = await Pupil.select(
        Pupil.id, Pupil.first_name, Pupil.family.id.as_alias("family_id"),
        Pupil.family.school.as_alias("school_id"),
        Pupil.family.contact_email.as_alias("email"),
        Pupil.family.contact_phone.as_alias("phone")).where(same_name)
    return [PupilMatch(school_id=as_uuid(row["school_id"]), family_id=as_uuid(row["family_id"]),
                       pupil_id=as_uuid(row["id"]), first_name=row["first_name"])
            for row in rows
            if row["first_name"].casefold() == name.casefold()
            and ((row["email"] or "").casefold() == contact.casefold()
                 or "@" not in contact and _digits(row["phone"]) == digits)
            and reaches(caller, as_uuid(row["school_id"]), *ROLES)]


async def _family_row(school_id: UUID, family_id: UUID) -> dict[str, Any]:
    row = await first_or_404(Family.select().where(
        (Family.id == family_id) & (Family.school == school_id)))
    return dict(row)


async def family_detail(caller: Caller, school_id: UUID, family_id: UUID) -> FamilyOut:
    """A family with its pupils and the consent state of each."""
    school = await school_of(caller, school_id)
    family = await _family_row(school.id, family_id)
    pupils = await Pupil.select().where(Pupil.family == family_id).order_by(
        Pupil.birth_year, ascending=False).order_by(Pupil.first_name)
    pupil_ids = [as_uuid(p["id"]) for p in pupils]
    states = await consents.consent_states(pupil_ids)
    history = await consents.histories(pupil_ids)
    # The school's coordinators keep the signed forms; program staff do not need the notes.
    cares = await cares_of(pupil_ids) if keeps_forms(caller, school.id) else {}
    notice = await consents.current_notice()
    items = []
    for pupil in pupils:
        state = states.get(as_uuid(pupil["id"]))
        consent = state.consent if state else None
        items.append(PupilOut(
            id=as_uuid(pupil["id"]), first_name=pupil["first_name"],
            last_name=pupil["last_name"] or "", birth_year=pupil["birth_year"],
            class_name=pupil["class_name"],
            consented=consent is not None,
            photo_release=bool(consent and consent.photo_release),
            renewal_due=bool(state and state.renewal_due),
            birth_date=pupil["birth_date"],
            may_consent_alone=may_consent_alone(pupil["birth_year"], pupil["birth_date"]),
            consent=consent,
            history=history[as_uuid(pupil["id"])], care=cares.get(as_uuid(pupil["id"]))))
    return FamilyOut(
        id=as_uuid(family["id"]), school_id=school.id, family_ref=family["family_ref"],
        reference_adult=family["reference_adult"], contact_email=family["contact_email"],
        contact_phone=family["contact_phone"], emergency_phone=family["emergency_phone"],
        language=family["language"],
        working_pattern=family["working_pattern"], town=family["town"],
        retain_until=family["retain_until"], created_at=family["created_at"],
        current_notice=notice.version if notice else None, pupils=items)


async def school_classes(caller: Caller, school_id: UUID) -> list[str]:
    """The school's classes, sorted."""
    school = await school_of(caller, school_id)
    rows = await Pupil.select(Pupil.class_name).where(
        Pupil.family.school == school.id).distinct()
    return sorted({row["class_name"] for row in rows})


async def class_pupils(caller: Caller, school_id: UUID, class_name: str
                       ) -> list[dict[str, Any]]:
    """A class's pupils for recording its signed consent forms: name, reference adult,
    whether a consent holds. Sorted by name."""
    school = await school_of(caller, school_id)
    rows = await Pupil.select(
        Pupil.id, Pupil.first_name, Pupil.last_name, Pupil.birth_year, Pupil.birth_date,
        Pupil.family.reference_adult.as_alias("adult"),
    ).where((Pupil.family.school == school.id) & (Pupil.class_name == class_name))
    held = await consents.consented_pupils([as_uuid(row["id"]) for row in rows])
    return sorted(({**row, "id": as_uuid(row["id"]), "consented": as_uuid(row["id"]) in held,
                    "name": f"{row['first_name']} {row['last_name'] or ''}".strip()}
                   for row in rows), key=lambda row: row["name"].casefold())


# Changing -------------------------------------------------------------------------------


async def update_family(caller: Caller, school_id: UUID, family_id: UUID,
                        data: FamilyUpdate) -> FamilyOut:
    """Correct a family's details; only the minimal fields exist."""
    school = await school_of(caller, school_id)
    clean, problems = check_family({
        "reference_adult": data.reference_adult, "contact_email": data.contact_email,
        "contact_phone": data.contact_phone, "language": data.language,
        "working_pattern": data.working_pattern, "town": data.town,
        "emergency_phone": data.emergency_phone})
    if problems:
        raise _invalid(problems)
    async with transaction():
        await _family_row(school.id, family_id)
        await Family.update({getattr(Family, key): value for key, value in clean.items()}
                            ).where(Family.id == family_id)
        await audit.record("civic.family.updated", caller.user_id, school.id,
                           family_id=str(family_id))
    return await family_detail(caller, school_id, family_id)


async def update_pupil(caller: Caller, school_id: UUID, family_id: UUID, pupil_id: UUID,
                       data: PupilUpdate) -> FamilyOut:
    """Correct a pupil's names, birth year or class."""
    school = await school_of(caller, school_id)
    clean, problems = check_pupil(data.first_name, data.birth_year, data.class_name,
                                  data.last_name)
    if data.birth_date is not None and (data.birth_date.year != clean["birth_year"]
                                        or data.birth_date > now().date()):
        problems.append(("birth_date", "birth_date", {"year": clean["birth_year"]}))
    clean["birth_date"] = data.birth_date
    if problems:
        raise _invalid(problems)
    async with transaction():
        await first_or_404(Pupil.select(Pupil.id).where(
            (Pupil.id == pupil_id) & (Pupil.family == family_id)
            & (Pupil.family.school == school.id)))
        await Pupil.update({getattr(Pupil, key): value for key, value in clean.items()}
                           ).where(Pupil.id == pupil_id)
        await audit.record("civic.pupil.updated", caller.user_id, school.id,
                           pupil_id=str(pupil_id))
    return await family_detail(caller, school_id, family_id)


async def erase_families(family_ids: list[UUID]) -> int:
    """Delete families with their pupils, consents and referrals (the database cascades),
    freeing the places their pupils held; call it inside the change's transaction.
    Returns how many pupils went with them."""
    if not family_ids:
        return 0
    pupils = await Pupil.select(Pupil.id).where(Pupil.family.is_in(family_ids))
    for pupil in pupils:
        await places.forget_holder(PUPIL, as_uuid(pupil["id"]))
    await Family.delete().where(Family.id.is_in(family_ids))
    return len(pupils)


async def delete_family(caller: Caller, school_id: UUID, family_id: UUID) -> None:
    """Delete a family on request (right to erasure): nothing of it is kept."""
    school = await school_of(caller, school_id)
    async with transaction():
        await _family_row(school.id, family_id)
        pupils = await erase_families([family_id])
        await audit.record("civic.family.deleted", caller.user_id, school.id, families=1,
                           pupils=pupils)


def retention_end(moment: date, months: int) -> date:
    """The first 31 August on or after `moment` (the end of that school year), plus
    `months` months (the last day of the month when the day does not exist)."""
    year = moment.year if (moment.month, moment.day) <= (8, 31) else moment.year + 1
    total = year * 12 + 7 + months  # August is month index 7 from 0
    end_year, end_month = divmod(total, 12)
    end_month += 1
    day = 31
    while True:
        try:
            return date(end_year, end_month, day)
        except ValueError:
            day -= 1
