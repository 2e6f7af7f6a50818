"""A school's families from its CSV file: checked, previewed, applied all or nothing.

One row per pupil; rows with the same family reference form one family, whose details
may be repeated on each row or given once (a different value on another row is a
problem). Columns are named in Italian or English; any other column (a surname, a tax
code, …) is ignored and never stored, and the preview says so. The file is read by the
roster's CSV helpers (UTF-8 or Windows-1252, `;` `,` or tab, line numbers as the
spreadsheet shows them).

The preview is stored in `family_imports`, so any web process can confirm it; the
problems are stored as codes and worded when shown, in the reader's language. Applying
it is one transaction: a family already known by its reference is updated; for the
families in the file, the file is the truth about their pupils (matched by first name
and birth year: new ones are added, a changed class is updated, pupils no longer listed
are removed). Families that are not in the file are left as they are. Every family in
the file gets its retention date moved to the end of this school year plus the notice's
retention months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app import audit, places
from app.auth.caller import Caller
from app.clock import now
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _
from app.tables import Organization
from app.tenancy import first_or_404
from app.values import as_uuid
from civic.consents import service as consents
from civic.families import care
from civic.families.retention import schedule_retention
from civic.families.schemas import LIMITS, FamilyImportPreview, ImportFamily, ImportProblem
from civic.families.service import (
    PUPIL,
    Problem,
    check_family,
    check_pupil,
    problem_text,
    retention_end,
    school_of,
)
from civic.tables import Family, FamilyImport, Pupil
from integrations.hr.csv_import import (
    PENDING_HOURS,
    Header,
    check_applicable,
    data_records,
    file_error,
    layout_problems,
    preview_expired,
    read_csv,
    read_header,
)

MAX_ROWS = 5_000
BATCH = 500
KEPT_PROBLEMS = 500
SAMPLE_FAMILIES = 20
DEFAULT_RETENTION_MONTHS = 24  # when no notice has been published yet
# Header names a school may use, Italian first; the first two name the column in messages.
COLUMN_NAMES = {
    "family_ref": ("codice_famiglia", "family_ref", "codice famiglia", "family ref",
                   "id famiglia", "family id"),
    "reference_adult": ("adulto_riferimento", "reference_adult", "adulto di riferimento",
                        "adulto riferimento", "genitore", "reference adult", "parent"),
    "contact_email": ("email", "contact_email", "e-mail", "mail", "email genitore",
                      "contact email"),
    "contact_phone": ("telefono", "contact_phone", "cellulare", "tel", "phone",
                      "contact phone"),
    "language": ("lingua", "language"),
    "working_pattern": ("orario_lavoro", "working_pattern", "orario lavoro",
                        "orario di lavoro", "working pattern"),
    "town": ("comune", "town", "città", "citta", "comune di residenza"),
    "pupil_first_name": ("nome_alunno", "pupil_first_name", "nome alunno", "nome alunna",
                         "nome", "pupil first name", "first name"),
    "pupil_birth_year": ("anno_nascita", "pupil_birth_year", "anno di nascita",
                         "anno nascita", "pupil birth year", "birth year"),
    "pupil_class": ("classe", "pupil_class", "pupil class", "class"),
    "emergency_phone": ("telefono_emergenza", "emergency_phone", "telefono emergenza",
                        "telefono di emergenza", "emergency phone"),
    "pupil_last_name": ("cognome_alunno", "pupil_last_name", "cognome alunno",
                        "cognome alunna", "pupil last name"),
    "consent_by": ("consenso_firmato_da", "consent_signed_by", "consenso firmato da",
                   "firma consenso", "consent signed by"),
    "consent_on": ("data_consenso", "consent_signed_on", "data consenso", "data firma",
                   "consent signed on"),
    "photo_release": ("liberatoria_foto", "photo_release", "liberatoria foto",
                      "photo release"),
    "pickup_persons": ("ritiro_autorizzati", "pickup_persons", "delegati ritiro",
                       "delegati al ritiro", "pick-up persons"),
}
REQUIRED = ("family_ref", "reference_adult", "pupil_first_name", "pupil_birth_year",
            "pupil_class")
FAMILY_FIELDS = ("reference_adult", "contact_email", "contact_phone", "language",
                 "working_pattern", "town", "emergency_phone")
PUPIL_COLUMNS = {"first_name": "pupil_first_name", "birth_year": "pupil_birth_year",
                 "class_name": "pupil_class", "last_name": "pupil_last_name"}
PUPIL_FIELDS = ("first_name", "class_name", "last_name")
ALWAYS = ("reference_adult", "first_name", "class_name")  # required columns
# The school's signed consent form, per pupil: who signed and when, the photo release,
# who may pick the pupil up (kept only with that consent).
FORM_COLUMNS = ("consent_by", "consent_on", "photo_release", "pickup_persons")
YES = ("sì", "si", "s", "yes", "y", "x", "1", "true", "vero")
NO = ("no", "n", "0", "false", "falso")
COUNTS = ("add_families", "update_families", "unchanged_families", "add_pupils",
          "update_pupils", "remove_pupils")


@dataclass
class ParsedFamilies:
    families: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    row_count: int
    encoding: str
    delimiter: str
    ignored_columns: list[str]


def _example() -> str:
    return ";".join(names[0] for names in COLUMN_NAMES.values())


def _header(names: list[str]) -> Header:
    header = read_header(names, COLUMN_NAMES)
    missing = [key for key in REQUIRED if key not in header.fields]
    if missing:
        raise file_error(_("Required columns are missing: {columns}. The first row must "
                           "name the columns, for example: {example}.").format(
            columns=", ".join(f"{COLUMN_NAMES[k][0]} ({COLUMN_NAMES[k][1]})" for k in missing),
            example=_example()))
    if "contact_email" not in header.fields and "contact_phone" not in header.fields:
        raise file_error(_("A column to reach the families is missing: add email or "
                           "telefono (phone)."))
    return header


class _Checker:
    """Checks rows one at a time, gathering them into families."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.families: dict[str, dict[str, Any]] = {}
        self.problems: list[dict[str, Any]] = []
        self.pupil_lines: dict[tuple[str, str, int], int] = {}
        # An optional column the file lacks leaves what the school keeps as it is.
        self._present = {key for key in (*FAMILY_FIELDS, "last_name")
                         if key in header.fields or PUPIL_COLUMNS.get(key) in header.fields}

    def _column(self, key: str) -> str:
        if key in self.header.fields:
            return self.header.names[self.header.fields[key]]
        return COLUMN_NAMES[key][0]

    def _value(self, values: list[str], key: str) -> str:
        index = self.header.fields.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    def _problem(self, line: int, key: str, code: str, params: dict[str, Any]) -> None:
        self.problems.append({"line": line, "column": self._column(key), "code": code,
                              "params": params})

    def check(self, line: int, values: list[str]) -> None:
        for problem in layout_problems(line, values, self.header):
            self.problems.append({"line": line, "column": problem.column, "code": "",
                                  "params": {"text": problem.problem}})
        ref = " ".join(self._value(values, "family_ref").split())
        if not ref:
            self._problem(line, "family_ref", "required", {})
        elif len(ref) > 64:
            self._problem(line, "family_ref", "too_long", {"limit": 64})
        raw = {key: self._value(values, key) for key in FAMILY_FIELDS}
        family = self.families.get(ref) if ref else None
        if family is None:
            clean, problems = check_family(raw)
            for key, code, params in problems:
                self._problem(line, key, code, params)
            if ref and len(ref) <= 64:
                family = {"line": line, "family_ref": ref, **clean, "pupils": [],
                          "columns": sorted(self._present)}
                self.families[ref] = family
        else:
            self._same_family(line, family, raw)
        self._pupil(line, values, ref, family)

    def _same_family(self, line: int, family: dict[str, Any], raw: dict[str, str]) -> None:
        """A later row of a family: its values, where given, must be the family's."""
        merged = {key: raw[key] or family[key] for key in FAMILY_FIELDS}
        clean, _problems = check_family(merged)
        for key in FAMILY_FIELDS:
            if raw[key] and clean[key] != family[key]:
                self._problem(line, key, "differs", {"ref": family["family_ref"],
                                                     "line": family["line"]})

    def _pupil(self, line: int, values: list[str], ref: str, family: dict[str, Any] | None
               ) -> None:
        clean, problems = check_pupil(*(self._value(values, column)
                                        for column in PUPIL_COLUMNS.values()))
        for key, code, params in problems:
            self._problem(line, PUPIL_COLUMNS[key], code, params)
        form, form_problems = check_form({key: self._value(values, key)
                                          for key in FORM_COLUMNS})
        for key, code, params in form_problems:
            self._problem(line, key, code, params)
        if problems or form_problems or family is None:
            return
        clean["form"] = form
        seen = (ref, clean["first_name"].casefold(), clean["birth_year"])
        if seen in self.pupil_lines:
            self._problem(line, "pupil_first_name", "duplicate_pupil", {
                "name": clean["first_name"], "year": clean["birth_year"],
                "line": self.pupil_lines[seen]})
            return
        self.pupil_lines[seen] = line
        family["pupils"].append({"line": line, **clean})


def _form_day(text: str) -> date | None:
    """A day as schools write it: 15/09/2026, 15-09-2026 or 2026-09-15."""
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def check_form(values: dict[str, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A pupil's signed consent form from the file: None when the row gives none."""
    problems: list[Problem] = []
    signer = " ".join(values["consent_by"].split())
    pickup = " ".join(values["pickup_persons"].split())
    photo_text = values["photo_release"].strip().casefold()
    photo = photo_text in YES
    if photo_text and not photo and photo_text not in NO:
        problems.append(("photo_release", "photo_release", {"value": values["photo_release"]}))
    day = _form_day(values["consent_on"].strip()) if values["consent_on"].strip() else None
    if values["consent_on"].strip() and (day is None or day > now().date()):
        problems.append(("consent_on", "form_day", {"value": values["consent_on"].strip()}))
    for key, text in (("consent_by", signer), ("pickup_persons", pickup)):
        limit = LIMITS["given_by" if key == "consent_by" else key]
        if len(text) > limit:
            problems.append((key, "too_long", {"limit": limit}))
    if not signer and (day or photo or pickup):
        problems.append(("consent_by", "form_signer", {}))
    elif signer and not values["consent_on"].strip():
        problems.append(("consent_on", "required", {}))
    if problems or not signer:
        return None, problems
    return {"given_by": signer, "signed_on": day.isoformat() if day else None,
            "photo_release": photo, "pickup_persons": pickup}, problems


def parse_families(data: bytes) -> ParsedFamilies:
    """Read a school's family file: its families, and every problem with line and column."""
    file = read_csv(data, COLUMN_NAMES, not_text=_(
        "This is not a text file. Upload the families' file saved as CSV."))
    header = _header(next(file.records, (1, []))[1])
    checker = _Checker(header)
    rows = 0
    for line, values in data_records(file.records, MAX_ROWS):
        rows += 1
        checker.check(line, values)
    ignored = [header.names[index] for index in header.others.values()]
    return ParsedFamilies(list(checker.families.values()), checker.problems, rows,
                          file.encoding, file.delimiter, ignored)


# The plan: what a file would change --------------------------------------------------------


def _pupil_key(first_name: str, birth_year: int) -> tuple[str, int]:
    return first_name.casefold(), int(birth_year)


@dataclass
class _Plan:
    new_families: list[dict[str, Any]] = field(default_factory=list)
    changed_families: list[tuple[UUID, dict[str, Any]]] = field(default_factory=list)
    kept_families: list[UUID] = field(default_factory=list)
    new_pupils: list[tuple[UUID | None, dict[str, Any]]] = field(default_factory=list)
    changed_pupils: list[tuple[UUID, dict[str, Any]]] = field(default_factory=list)
    gone_pupils: list[UUID] = field(default_factory=list)
    actions: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"add_families": len(self.new_families),
                "update_families": len(self.changed_families),
                "unchanged_families": len(self.kept_families),
                "add_pupils": len(self.new_pupils), "update_pupils": len(self.changed_pupils),
                "remove_pupils": len(self.gone_pupils)}


async def _plan(school_id: UUID, families: list[dict[str, Any]]) -> _Plan:
    current = await Family.select(Family.id, Family.family_ref, *[
        getattr(Family, key) for key in FAMILY_FIELDS]).where(Family.school == school_id)
    by_ref = {row["family_ref"]: row for row in current}
    known_ids = [as_uuid(by_ref[f["family_ref"]]["id"]) for f in families
                 if f["family_ref"] in by_ref]
    pupils_of: dict[UUID, list[dict[str, Any]]] = {family_id: [] for family_id in known_ids}
    if known_ids:
        for pupil in await Pupil.select().where(Pupil.family.is_in(known_ids)):
            pupils_of[as_uuid(pupil["family"])].append(pupil)
    plan = _Plan()
    for family in families:
        row = by_ref.get(family["family_ref"])
        if row is None:
            plan.new_families.append(family)
            plan.new_pupils.extend((None, {**pupil, "family_ref": family["family_ref"]})
                                   for pupil in family["pupils"])
            plan.actions[family["family_ref"]] = "add"
            continue
        family_id = as_uuid(row["id"])
        changed = _plan_pupils(plan, family_id, family["pupils"], pupils_of[family_id],
                               _compared(family, PUPIL_FIELDS))
        if changed or any(row[key] != family[key] for key in _compared(family, FAMILY_FIELDS)):
            plan.changed_families.append((family_id, family))
            plan.actions[family["family_ref"]] = "update"
        else:
            plan.kept_families.append(family_id)
            plan.actions[family["family_ref"]] = "unchanged"
    return plan


def _compared(family: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    """The fields a known family's rows set: required ones, and optional ones whose
    column the file has (a column left out changes nothing the school keeps)."""
    columns = family.get("columns", keys)
    return tuple(key for key in keys if key in columns or key in ALWAYS)


def _plan_pupils(plan: _Plan, family_id: UUID, listed: list[dict[str, Any]],
                 stored: list[dict[str, Any]], compared: tuple[str, ...]) -> bool:
    """Add the pupil changes of one known family to the plan; True if there are any."""
    by_key = {_pupil_key(p["first_name"], p["birth_year"]): p for p in stored}
    before = (len(plan.new_pupils), len(plan.changed_pupils), len(plan.gone_pupils))
    for pupil in listed:
        match = by_key.pop(_pupil_key(pupil["first_name"], pupil["birth_year"]), None)
        if match is None:
            plan.new_pupils.append((family_id, pupil))
        elif any(match[key] != pupil[key] for key in compared):
            plan.changed_pupils.append((as_uuid(match["id"]), {
                key: pupil[key] for key in compared}))
    plan.gone_pupils.extend(as_uuid(p["id"]) for p in by_key.values())
    return before != (len(plan.new_pupils), len(plan.changed_pupils), len(plan.gone_pupils))


async def _retention_months() -> int:
    notice = await consents.current_notice()
    return notice.retention_months if notice else DEFAULT_RETENTION_MONTHS


# Preview and apply ---------------------------------------------------------------------------


def _contact(family: dict[str, Any]) -> str:
    return " · ".join(v for v in (family.get("contact_email"), family.get("contact_phone"))
                      if v)


async def preview_import(caller: Caller, school_id: UUID, filename: str, data: bytes
                         ) -> FamilyImportPreview:
    """Check a family file and store what it would change, for a later confirmation.

    A file that cannot be read at all raises InvalidInput; problems in its rows are
    stored with the preview, which then cannot be confirmed.
    """
    school = await school_of(caller, school_id)
    parsed = parse_families(data)
    if any(p.get("form") for f in parsed.families for p in f["pupils"]) and (
            await consents.current_notice() is None):
        raise file_error(_("No privacy notice has been published yet: the consents in the "
                           "file cannot be recorded."))
    summary: dict[str, Any] = {
        "rows": parsed.row_count, "families": len(parsed.families),
        "pupils": sum(len(f["pupils"]) for f in parsed.families),
        "encoding": parsed.encoding, "delimiter": parsed.delimiter,
        "ignored_columns": parsed.ignored_columns, "problems": len(parsed.problems),
        "consent_forms": sum(1 for f in parsed.families for p in f["pupils"]
                             if p.get("form")),
        **dict.fromkeys(COUNTS, 0), "retain_until": None, "sample": [],
    }
    if not parsed.problems:
        plan = await _plan(school.id, parsed.families)
        retain_until = retention_end(now().date(), await _retention_months())
        summary.update(plan.counts(), retain_until=retain_until.isoformat(), sample=[
            {"line": f["line"], "family_ref": f["family_ref"],
             "reference_adult": f["reference_adult"], "contact": _contact(f),
             "pupils": [f"{p['first_name']} ({p['class_name']})" for p in f["pupils"]],
             "action": plan.actions[f["family_ref"]]}
            for f in parsed.families[:SAMPLE_FAMILIES]])
    record = FamilyImport(
        school=school.id, created_by=caller.user_id, filename=filename[:255],
        status="invalid" if parsed.problems else "pending",
        rows=[] if parsed.problems else parsed.families,
        problems=parsed.problems[:KEPT_PROBLEMS], summary=summary)
    async with transaction():
        # Previews hold names and addresses: none outlives its day.
        await FamilyImport.delete().where(
            (FamilyImport.status != "applied")
            & (FamilyImport.created_at < now() - timedelta(hours=PENDING_HOURS)))
        await record.save()
    return _preview(await _import_row(school.id, record.id))


async def get_import(caller: Caller, school_id: UUID, import_id: int) -> FamilyImportPreview:
    """A stored preview (or, once applied, what it did)."""
    school = await school_of(caller, school_id)
    return _preview(await _import_row(school.id, import_id))


def _preview(row: dict[str, Any]) -> FamilyImportPreview:
    summary, status = row["summary"], row["status"]
    if status == "pending" and preview_expired(row):
        status = "expired"
    retain_until = summary.get("retain_until")
    return FamilyImportPreview(
        id=row["id"], status=status, filename=row["filename"], created_at=row["created_at"],
        applied_at=row["applied_at"], rows=summary["rows"], families=summary["families"],
        pupils=summary["pupils"], **{key: summary[key] for key in COUNTS},
        retain_until=date.fromisoformat(retain_until) if retain_until else None,
        ignored_columns=summary["ignored_columns"], encoding=summary["encoding"],
        consent_forms=summary.get("consent_forms", 0),
        delimiter=summary["delimiter"], problems_total=summary["problems"],
        problems=[ImportProblem(p["line"], p["column"], problem_text(p["code"], p["params"]))
                  for p in row["problems"]],
        sample=[ImportFamily(**family) for family in summary["sample"]])


async def _import_row(school_id: UUID, import_id: int) -> dict[str, Any]:
    if not 0 < import_id < 2**63:  # no such row, and no number the database could hold
        raise NotFoundException()
    row = await first_or_404(FamilyImport.select().where(
        (FamilyImport.id == import_id) & (FamilyImport.school == school_id)
    ).output(load_json=True))
    return dict(row)


async def _lock_school(school_id: UUID) -> None:
    """Imports of one school queue here (SQLite's write transactions queue anyway)."""
    if not is_sqlite():
        await Organization.select(Organization.id).where(
            Organization.id == school_id).lock_rows().first()


async def apply_import(caller: Caller, school_id: UUID, import_id: int) -> FamilyImportPreview:
    """Apply a clean preview, all of it in one transaction, and schedule the retention job."""
    school = await school_of(caller, school_id)
    async with transaction():
        await _lock_school(school.id)
        row = await _import_row(school.id, import_id)
        check_applicable(row)
        moment = now()
        claimed = await FamilyImport.update({
            FamilyImport.status: "applied", FamilyImport.applied_at: moment,
            FamilyImport.rows: [], FamilyImport.summary: {**row["summary"], "sample": []},
        }).where((FamilyImport.id == import_id) & (FamilyImport.status == "pending")
                 ).returning(FamilyImport.id)
        if not claimed:
            raise InvalidInput({"import": _("This file has already been imported.")})
        plan = await _plan(school.id, row["rows"])
        if any(plan.counts()[key] != row["summary"][key] for key in COUNTS):
            raise InvalidInput({"import": _(
                "The school's families have changed since this preview. Upload the file "
                "again to see what it would change now.")})
        retain_until = retention_end(moment.date(), await _retention_months())
        await _write(school.id, plan, retain_until)
        forms = await _record_forms(caller, school.id, row["rows"])
        await schedule_retention()
        await audit.record("civic.families.imported", caller.user_id, school.id,
                           import_id=import_id, consent_forms=forms, **plan.counts())
    return await get_import(caller, school_id, import_id)


async def _record_forms(caller: Caller, school_id: UUID, families: list[dict[str, Any]]
                        ) -> int:
    """The signed consent forms of the file, for the current notice: a form that says what
    the consent holding already says is left as it is (nothing is written twice); the
    pick-up persons replace the pupil's, their care note kept. Returns how many changed."""
    wanted = {(f["family_ref"], p["first_name"].casefold(), p["birth_year"]): p["form"]
              for f in families for p in f["pupils"] if p.get("form")}
    if not wanted:
        return 0
    notice = await consents.current_notice()
    if notice is None:
        raise InvalidInput({"import": _("No privacy notice has been published yet: the "
                                        "consents in the file cannot be recorded.")})
    rows = await Pupil.select(Pupil.id, Pupil.first_name, Pupil.birth_year,
                              Pupil.family.family_ref.as_alias("ref")).where(
        (Pupil.family.school == school_id)
        & Pupil.family.family_ref.is_in(list({key[0] for key in wanted})))
    forms = {as_uuid(row["id"]): wanted[key] for row in rows
             if (key := (row["ref"], row["first_name"].casefold(), row["birth_year"])) in wanted}
    states = await consents.consent_states(list(forms))
    cares = await care.cares_of(list(forms))
    changed = 0
    for pupil_id, form in forms.items():
        signed_on = date.fromisoformat(form["signed_on"]) if form["signed_on"] else None
        state = states.get(pupil_id)
        held = state.consent if state else None
        if (held is None or state is None or state.renewal_due
                or (held.given_by, held.signed_on, held.photo_release)
                != (form["given_by"], signed_on, form["photo_release"])):
            await consents.record_signed_form(caller.user_id, school_id, pupil_id, notice,
                                              form["given_by"], signed_on,
                                              form["photo_release"])
            changed += 1
        kept = cares.get(pupil_id)
        if form["pickup_persons"] and (kept is None
                                       or kept.pickup_persons != form["pickup_persons"]):
            await care.store_care(pupil_id, {
                "pickup_persons": form["pickup_persons"],
                "care_note": kept.care_note if kept else "", "consent_by": form["given_by"],
                "consent_on": signed_on}, "coordinator", caller.user_id, school_id)
    return changed


async def _write(school_id: UUID, plan: _Plan, retain_until: date) -> None:
    rows = [Family(school=school_id, family_ref=family["family_ref"], retain_until=retain_until,
                   **{key: family[key] for key in FAMILY_FIELDS})
            for family in plan.new_families]
    for start in range(0, len(rows), BATCH):
        await Family.insert(*rows[start:start + BATCH])
    new_ids = {row.family_ref: as_uuid(row.id) for row in rows}
    for family_id, family in plan.changed_families:
        await Family.update({**{getattr(Family, k): family[k]
                                for k in _compared(family, FAMILY_FIELDS)},
                             Family.retain_until: retain_until}).where(Family.id == family_id)
    for start in range(0, len(plan.kept_families), BATCH):
        await Family.update({Family.retain_until: retain_until}).where(
            Family.id.is_in(plan.kept_families[start:start + BATCH]))
    pupils = [Pupil(family=family_id or new_ids[pupil["family_ref"]],
                    first_name=pupil["first_name"], birth_year=pupil["birth_year"],
                    class_name=pupil["class_name"], last_name=pupil["last_name"])
              for family_id, pupil in plan.new_pupils]
    for start in range(0, len(pupils), BATCH):
        await Pupil.insert(*pupils[start:start + BATCH])
    for pupil_id, pupil in plan.changed_pupils:
        await Pupil.update({getattr(Pupil, key): value for key, value in pupil.items()}
                           ).where(Pupil.id == pupil_id)
    for pupil_id in plan.gone_pupils:
        await places.forget_holder(PUPIL, pupil_id)
    for start in range(0, len(plan.gone_pupils), BATCH):
        await Pupil.delete().where(Pupil.id.is_in(plan.gone_pupils[start:start + BATCH]))
