"""The roster: who a company's survey waves go to, kept current by CSV files or SCIM.

A CSV import is checked and previewed first; the preview is stored in the database, so
any web process can confirm it, and it is applied all at once or not at all. A file is
the truth for the people it lists: they are added or updated, and everyone else on the
roster is deactivated, except the people the company's identity provider manages over
SCIM. A re-import that would deactivate more than 40% of the roster needs a
confirmation. Program staff reach every company; HR managers only their own.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec
from piccolo.custom_types import Combinable

from app import audit
from app.auth.caller import Caller
from app.clock import now
from app.crypto import token_hash
from app.db import transaction
from app.errors import InvalidInput
from app.figures import MIN_COUNT
from app.i18n import _
from app.roles import HR_MANAGER
from app.settings import get_settings
from app.tables import Organization
from app.tenancy import ensure_reachable, first_or_404
from company_portal.roster import reads
from company_portal.tables import RosterEntry, RosterImport, ScimIdentity, ScimToken
from integrations.hr.csv_import import (
    PENDING_HOURS,
    check_applicable,
    parse_roster,
    preview_expired,
)
from integrations.hr.scim import (
    ProvisionedUser,
    ScimError,
    ScimUser,
    apply_patch,
    to_resource,
    user_from_resource,
)

ROLES = (HR_MANAGER,)
CONFIRM_SHARE = 0.4
KEPT_PROBLEMS = 500
BATCH = 500
FIELDS = ("name", "email", "department", "site", "attributes")
COUNTS = ("add", "update", "deactivate", "unchanged", "active_before")
TOKEN_PREFIX = "legami_scim_"  # noqa: S105 (a label, so leaked tokens are recognisable)


class Company(msgspec.Struct):
    id: UUID
    name: str


class RosterPerson(msgspec.Struct):
    id: int
    employee_ref: str
    name: str
    email: str | None
    department: str
    site: str
    attributes: dict[str, str]
    active: bool
    provisioned: bool
    updated_at: datetime


class RosterPage(msgspec.Struct):
    items: list[RosterPerson]
    total: int
    active: int
    page: int
    per_page: int


class ImportProblem(msgspec.Struct):
    line: int
    column: str
    problem: str


class RowChange(msgspec.Struct):
    """One value a row changes: `field` is name, email, department, site or, for an
    extra column, `column` (its name as the file writes it)."""

    field: str
    column: str
    before: str
    after: str


class RowEffect(msgspec.Struct):
    """What importing does to one person: add, update, deactivate (not in the file, so
    leaving the roster) or unchanged; `line` is None for people not in the file."""

    line: int | None
    employee_ref: str
    name: str
    effect: str
    changes: list[RowChange]
    returning: bool  # an inactive person the file brings back


class GroupSize(msgspec.Struct):
    value: str
    people: int


class GroupColumn(msgspec.Struct):
    """An extra column of the file that can become a reporting group: how many groups
    its values make, those under the anonymity threshold, and whether it is chosen."""

    key: str
    label: str
    groups: int
    small: list[GroupSize]
    chosen: bool


class RosterImportPreview(msgspec.Struct):
    id: int
    status: str
    filename: str
    created_at: datetime
    applied_at: datetime | None
    rows: int
    add: int
    update: int
    deactivate: int
    unchanged: int
    active_before: int
    needs_confirmation: bool
    attribute_columns: list[str]
    encoding: str
    delimiter: str
    problems_total: int
    error_rows: int  # rows with at least one problem
    problems: list[ImportProblem]
    effects: list[RowEffect]  # every row's effect, then the people leaving; until applied
    group_columns: list[GroupColumn]


class ImportConfirm(msgspec.Struct, forbid_unknown_fields=True):
    confirm_deactivation: bool = False
    # The extra columns (GroupColumn keys) to use as reporting groups; None keeps the
    # columns chosen at the last import that the file still has.
    reporting_groups: list[str] | None = None


class ScimTokenInfo(msgspec.Struct):
    id: int
    created_at: datetime
    revoked_at: datetime | None


class NewScimToken(msgspec.Struct):
    id: int
    token: str
    scim_url: str


@dataclass
class _Plan:
    """What applying a file would do to the roster as it is now."""

    adds: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    deactivate: list[int] = field(default_factory=list)
    unchanged: int = 0
    active_before: int = 0
    actions: dict[str, str] = field(default_factory=dict)
    effects: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"add": len(self.adds), "update": len(self.updates),
                "deactivate": len(self.deactivate), "unchanged": self.unchanged,
                "active_before": self.active_before}

    @property
    def needs_confirmation(self) -> bool:
        return len(self.deactivate) > CONFIRM_SHARE * self.active_before


async def company_of(caller: Caller, organization_id: UUID) -> Company:
    """The company whose roster the caller may manage; 404 when out of reach."""
    ensure_reachable(caller, organization_id, *ROLES)
    row = await first_or_404(Organization.select(Organization.id, Organization.name).where(
        (Organization.id == organization_id) & (Organization.kind == "company")))
    return Company(row["id"], row["name"])


async def list_roster(caller: Caller, organization_id: UUID, page: int = 1,
                      per_page: int = 50) -> RosterPage:
    """One page of the roster, active people first."""
    company = await company_of(caller, organization_id)
    page, per_page = max(page, 1), min(max(per_page, 1), 200)
    mine = RosterEntry.company == company.id
    rows = await RosterEntry.select().where(mine).order_by(
        RosterEntry.active, ascending=False).order_by(RosterEntry.employee_ref).offset(
        (page - 1) * per_page).limit(per_page).output(load_json=True)
    total = await RosterEntry.count().where(mine)
    active = await RosterEntry.count().where(mine & RosterEntry.active.eq(True))
    items = [RosterPerson(r["id"], r["employee_ref"], r["name"], r["email"], r["department"],
                          r["site"], r["attributes"] or {}, r["active"], r["scim_id"] is not None,
                          r["updated_at"]) for r in rows]
    return RosterPage(items, total, active, page, per_page)


async def preview_import(caller: Caller, organization_id: UUID, filename: str,
                         data: bytes) -> RosterImportPreview:
    """Check a roster file and store what it would change, for a later confirmation.

    A file that cannot be read at all raises InvalidInput; problems in its rows are
    stored with the preview, which then cannot be confirmed.
    """
    company = await company_of(caller, organization_id)
    parsed = parse_roster(data)
    rows = [asdict(row) for row in parsed.rows]
    summary: dict[str, Any] = {
        "rows": parsed.row_count, "encoding": parsed.encoding, "delimiter": parsed.delimiter,
        "attribute_columns": parsed.attribute_columns, "problems": len(parsed.problems),
        "error_rows": len({problem.line for problem in parsed.problems}),
        **dict.fromkeys(COUNTS, 0), "needs_confirmation": False, "effects": [],
        "group_columns": [], "reporting_groups": [],
    }
    if not parsed.problems:
        plan = await _plan(company.id, rows, parsed.attribute_names)
        columns = _group_columns(rows, parsed.attribute_names)
        before = (await reads.chosen_columns([company.id])).get(company.id, [])
        summary.update(plan.counts(), needs_confirmation=plan.needs_confirmation,
                       effects=plan.effects, group_columns=columns,
                       reporting_groups=_kept(columns, [c["key"] for c in before]))
    record = RosterImport(
        company=company.id, created_by=caller.user_id, filename=filename[:255],
        status="invalid" if parsed.problems else "pending", rows=[] if parsed.problems else rows,
        problems=[asdict(p) for p in parsed.problems[:KEPT_PROBLEMS]], summary=summary)
    async with transaction():
        # Previews hold names and addresses: none outlives its day.
        await RosterImport.delete().where(
            (RosterImport.status != "applied")
            & (RosterImport.created_at < now() - timedelta(hours=PENDING_HOURS)))
        await record.save()
    return _preview(await _import_row(company.id, record.id))


async def get_import(caller: Caller, organization_id: UUID, import_id: int
                     ) -> RosterImportPreview:
    """A stored preview (or, once applied, what it did)."""
    company = await company_of(caller, organization_id)
    return _preview(await _import_row(company.id, import_id))


def _preview(row: dict[str, Any]) -> RosterImportPreview:
    summary, status = row["summary"], row["status"]
    if status == "pending" and preview_expired(row):
        status = "expired"
    return RosterImportPreview(
        id=row["id"], status=status, filename=row["filename"], created_at=row["created_at"],
        applied_at=row["applied_at"], rows=summary["rows"],
        **{key: summary[key] for key in COUNTS},
        needs_confirmation=summary["needs_confirmation"],
        attribute_columns=summary["attribute_columns"], encoding=summary["encoding"],
        delimiter=summary["delimiter"], problems_total=summary["problems"],
        error_rows=summary.get("error_rows", 0),
        problems=[ImportProblem(**p) for p in row["problems"]],
        effects=[_effect(e) for e in summary.get("effects") or []],
        group_columns=_columns_out(summary),
    )


def _effect(stored: dict[str, Any]) -> RowEffect:
    return RowEffect(stored["line"], stored["ref"], stored["name"], stored["effect"],
                     [RowChange(*change) for change in stored.get("changes") or []],
                     bool(stored.get("returning")))


def _columns_out(summary: dict[str, Any]) -> list[GroupColumn]:
    chosen = set(summary.get("reporting_groups") or [])
    return [GroupColumn(c["key"], c["label"], c["groups"],
                        [GroupSize(value, people) for value, people in c["small"]],
                        c["key"] in chosen) for c in summary.get("group_columns") or []]


def _group_columns(rows: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The file's extra columns that can be reporting groups, each with the size of its
    groups below the threshold (a column whose name has no letter, or that names the same
    group as an earlier one, cannot be one)."""
    columns: dict[str, dict[str, Any]] = {}
    for attribute, label in names.items():
        key = reads.group_key(attribute)
        if not key or key in columns:
            continue
        sizes = Counter(row["attributes"].get(attribute, "") for row in rows)
        columns[key] = {"key": key, "attribute": attribute, "label": label,
                        "groups": len(sizes),
                        "small": sorted((value, people) for value, people in sizes.items()
                                        if people < MIN_COUNT)}
    return list(columns.values())


def _kept(columns: list[dict[str, Any]], wanted: list[str]) -> list[str]:
    offered = {column["key"] for column in columns}
    return [key for key in wanted if key in offered]


async def apply_import(caller: Caller, organization_id: UUID, import_id: int,
                       confirm_deactivation: bool = False,
                       reporting_groups: list[str] | None = None) -> RosterImportPreview:
    """Apply a clean preview to the roster, all of it in one transaction, and keep the
    extra columns chosen as reporting groups (None: those chosen before) for next waves."""
    company = await company_of(caller, organization_id)
    async with transaction():
        row = await _import_row(company.id, import_id)
        check_applicable(row)
        summary = row["summary"]
        columns = summary.get("group_columns") or []
        if reporting_groups is None:
            reporting_groups = summary.get("reporting_groups") or []
        elif set(reporting_groups) - {column["key"] for column in columns}:
            raise InvalidInput({"reporting_groups": _(
                "Choose reporting groups among the extra columns of the file.")})
        moment = now()
        # Claiming the preview first makes a second, concurrent confirmation find nothing.
        # Previews hold names: what each row did goes with the rows.
        claimed = await RosterImport.update({
            RosterImport.status: "applied", RosterImport.applied_at: moment,
            RosterImport.rows: [], RosterImport.summary: {
                **summary, "effects": [],
                "reporting_groups": _kept(columns, list(reporting_groups))},
        }).where((RosterImport.id == import_id) & (RosterImport.status == "pending")).returning(
            RosterImport.id)
        if not claimed:
            raise InvalidInput({"import": _("This file has already been imported.")})
        plan = await _plan(company.id, row["rows"], {})
        if any(plan.counts()[key] != row["summary"][key] for key in COUNTS):
            raise InvalidInput({"import": _(
                "The roster has changed since this preview. Upload the file again to see "
                "what it would change now.")})
        if plan.needs_confirmation and not confirm_deactivation:
            raise InvalidInput({"confirm_deactivation": _(
                "This import would deactivate {count} of the {total} people on the roster. "
                "Tick the box to confirm.").format(count=len(plan.deactivate),
                                                   total=plan.active_before)})
        await _write(company.id, plan, moment)
        await audit.record("roster.imported", caller.user_id, company.id, import_id=import_id,
                           **plan.counts())
    return await get_import(caller, organization_id, import_id)


async def _import_row(company_id: UUID, import_id: int) -> dict[str, Any]:
    row = await first_or_404(RosterImport.select().where(
        (RosterImport.id == import_id) & (RosterImport.company == company_id)
    ).output(load_json=True))
    return dict(row)


async def _plan(company_id: UUID, rows: list[dict[str, Any]], names: dict[str, str]
                ) -> _Plan:
    """What the rows would do to the roster; each row's effect in `effects`, the extra
    columns named as in `names` (the file's header)."""
    current = await RosterEntry.select(
        RosterEntry.id, RosterEntry.employee_ref, RosterEntry.active, RosterEntry.scim_id,
        *[getattr(RosterEntry, name) for name in FIELDS],
    ).where(RosterEntry.company == company_id).output(load_json=True)
    by_ref = {entry["employee_ref"]: entry for entry in current}
    plan = _Plan(active_before=sum(1 for entry in current if entry["active"]))
    for row in rows:
        entry = by_ref.get(row["employee_ref"])
        changes = [] if entry is None else _changes(entry, row, names)
        if entry is None:
            plan.adds.append(row)
            action = "add"
        elif not entry["active"] or changes:
            plan.updates.append((entry["id"], row))
            action = "update"
        else:
            plan.unchanged += 1
            action = "unchanged"
        plan.actions[row["employee_ref"]] = action
        plan.effects.append({"line": row["line"], "ref": row["employee_ref"],
                             "name": row["name"], "effect": action, "changes": changes,
                             "returning": entry is not None and not entry["active"]})
    leaving = [entry for entry in current if entry["active"] and entry["scim_id"] is None
               and entry["employee_ref"] not in plan.actions]
    plan.deactivate = [entry["id"] for entry in leaving]
    plan.effects += [{"line": None, "ref": entry["employee_ref"], "name": entry["name"],
                      "effect": "deactivate"} for entry in leaving]
    return plan


def _changes(entry: dict[str, Any], row: dict[str, Any], names: dict[str, str]
             ) -> list[tuple[str, str, str, str]]:
    """The values a row changes: (field, column, before, after)."""
    changes = [(name, "", entry[name] or "", row[name] or "")
               for name in FIELDS[:-1] if (entry[name] or "") != (row[name] or "")]
    before, after = entry["attributes"] or {}, row["attributes"]
    changes += [("attributes", names.get(key, key), before.get(key, ""), after.get(key, ""))
                for key in dict.fromkeys([*after, *before])
                if before.get(key, "") != after.get(key, "")]
    return changes


async def _write(company_id: UUID, plan: _Plan, moment: datetime) -> None:
    for start in range(0, len(plan.adds), BATCH):
        await RosterEntry.insert(*[RosterEntry(
            company=company_id, employee_ref=row["employee_ref"],
            roster_key=f"{company_id}:{row['employee_ref']}",
            **{name: row[name] for name in FIELDS}, created_at=moment, updated_at=moment,
        ) for row in plan.adds[start:start + BATCH]])
    for entry_id, row in plan.updates:
        await RosterEntry.update({
            **{getattr(RosterEntry, name): row[name] for name in FIELDS},
            RosterEntry.active: True, RosterEntry.deactivated_at: None,
            RosterEntry.updated_at: moment,
        }).where(RosterEntry.id == entry_id)
    for start in range(0, len(plan.deactivate), BATCH):
        await RosterEntry.update({
            RosterEntry.active: False, RosterEntry.deactivated_at: moment,
            RosterEntry.updated_at: moment,
        }).where(RosterEntry.id.is_in(plan.deactivate[start:start + BATCH]))


def scim_url() -> str:
    return f"{get_settings().base_url}/scim/v2"


async def create_scim_token(caller: Caller, organization_id: UUID) -> NewScimToken:
    """A new SCIM bearer token for the company; it is shown once, only its hash is kept."""
    company = await company_of(caller, organization_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with transaction():
        row = ScimToken(company=company.id, token_hash=token_hash(token))
        await row.save()
        await audit.record("roster.scim_token.created", caller.user_id, company.id,
                           token_id=row.id)
    return NewScimToken(row.id, token, scim_url())


async def list_scim_tokens(caller: Caller, organization_id: UUID) -> list[ScimTokenInfo]:
    company = await company_of(caller, organization_id)
    rows = await ScimToken.select(ScimToken.id, ScimToken.created_at, ScimToken.revoked_at
                                  ).where(ScimToken.company == company.id).order_by(ScimToken.id)
    return [ScimTokenInfo(r["id"], r["created_at"], r["revoked_at"]) for r in rows]


async def revoke_scim_token(caller: Caller, organization_id: UUID, token_id: int) -> None:
    """Stop a token from working, at once, for every process."""
    company = await company_of(caller, organization_id)
    async with transaction():
        await first_or_404(ScimToken.select(ScimToken.id).where(
            (ScimToken.id == token_id) & (ScimToken.company == company.id)))
        await ScimToken.update({ScimToken.revoked_at: now()}).where(
            (ScimToken.id == token_id) & ScimToken.revoked_at.is_null())
        await audit.record("roster.scim_token.revoked", caller.user_id, company.id,
                           token_id=token_id)


async def scim_company(token: str) -> UUID | None:
    """The company a SCIM bearer token belongs to, or None (unknown, revoked, suspended)."""
    row = await ScimToken.select(ScimToken.company).where(
        (ScimToken.token_hash == token_hash(token)) & ScimToken.revoked_at.is_null()
        & (ScimToken.company.kind == "company") & (ScimToken.company.status != "suspended")
    ).first()
    return row["company"] if row else None


IDENTITY_COLUMNS = (ScimIdentity.user_name, ScimIdentity.external_id,
                    *ScimIdentity.entry.all_columns())


def _provisioned(row: dict[str, Any]) -> ProvisionedUser:
    user = ScimUser(
        user_name=row["user_name"], external_id=row["external_id"],
        employee_number=row["entry.employee_ref"], name=row["entry.name"],
        email=row["entry.email"], department=row["entry.department"], site=row["entry.site"],
        active=row["entry.active"])
    return ProvisionedUser(row["entry.scim_id"], user, row["entry.created_at"],
                           row["entry.updated_at"])


def _user_name_key(company_id: UUID, user_name: str) -> str:
    return f"{company_id}:{user_name.lower()}"


def _not_found() -> ScimError:
    return ScimError(404, "no such user")


async def scim_list(company_id: UUID, filter_by: tuple[str, str] | None, start_index: int,
                    count: int) -> tuple[int, list[ProvisionedUser]]:
    """The company's provisioned users, optionally by userName or externalId."""
    where: Combinable = ScimIdentity.company == company_id
    if filter_by and filter_by[0] == "userName":
        where &= ScimIdentity.user_name_key == _user_name_key(company_id, filter_by[1])
    elif filter_by:
        where &= ScimIdentity.external_id == filter_by[1]
    total = await ScimIdentity.count().where(where)
    if count == 0:
        return total, []
    rows = await ScimIdentity.select(*IDENTITY_COLUMNS).where(where).order_by(
        ScimIdentity.id).offset(start_index - 1).limit(count)
    return total, [_provisioned(row) for row in rows]


async def scim_get(company_id: UUID, scim_id: str) -> ProvisionedUser:
    row = await ScimIdentity.select(*IDENTITY_COLUMNS).where(
        (ScimIdentity.company == company_id) & (ScimIdentity.entry.scim_id == scim_id)).first()
    if row is None:
        raise _not_found()
    return _provisioned(row)


async def scim_create(company_id: UUID, user: ScimUser) -> ProvisionedUser:
    """Provision a user; someone already on the roster with that employee number is linked."""
    key = _user_name_key(company_id, user.user_name)
    async with transaction():
        if await ScimIdentity.exists().where(ScimIdentity.user_name_key == key):
            raise ScimError(409, "a user with this userName exists", "uniqueness")
        entry = await RosterEntry.objects().where(
            RosterEntry.roster_key == f"{company_id}:{user.employee_ref}").first()
        if entry is not None and entry.scim_id is not None:
            raise ScimError(409, "another user has this employee number", "uniqueness")
        if entry is None:
            entry = RosterEntry(company=company_id, employee_ref=user.employee_ref,
                                roster_key=f"{company_id}:{user.employee_ref}", attributes={})
        entry.scim_id = uuid4().hex
        _fill(entry, user, now())
        await entry.save()
        await ScimIdentity(entry=entry.id, company=company_id, user_name_key=key,
                           user_name=user.user_name, external_id=user.external_id).save()
        await audit.record("roster.scim.created", None, company_id, entry_id=entry.id)
    return await scim_get(company_id, entry.scim_id)


async def scim_replace(company_id: UUID, scim_id: str, user: ScimUser) -> ProvisionedUser:
    """PUT: the provider's whole view of the user replaces ours."""
    async with transaction():
        await _replace(company_id, scim_id, user)
    return await scim_get(company_id, scim_id)


async def scim_patch(company_id: UUID, scim_id: str, body: Any) -> ProvisionedUser:
    """PATCH: operations applied to the user as Legami shows it, then saved like a PUT."""
    async with transaction():
        current = to_resource(await scim_get(company_id, scim_id), get_settings().base_url)
        await _replace(company_id, scim_id, user_from_resource(apply_patch(current, body)))
    return await scim_get(company_id, scim_id)


async def scim_delete(company_id: UUID, scim_id: str) -> None:
    """DELETE: the person leaves the roster (deactivated, kept for past waves) and SCIM."""
    async with transaction():
        entry = await _entry(company_id, scim_id)
        moment = now()
        await ScimIdentity.delete().where(ScimIdentity.entry == entry.id)
        await RosterEntry.update({
            RosterEntry.scim_id: None, RosterEntry.active: False, RosterEntry.updated_at: moment,
            RosterEntry.deactivated_at: entry.deactivated_at or moment,
        }).where(RosterEntry.id == entry.id)
        await audit.record("roster.scim.deleted", None, company_id, entry_id=entry.id)


async def _entry(company_id: UUID, scim_id: str) -> RosterEntry:
    entry = await RosterEntry.objects().where(
        (RosterEntry.company == company_id) & (RosterEntry.scim_id == scim_id)).first()
    if entry is None:
        raise _not_found()
    return entry


async def _replace(company_id: UUID, scim_id: str, user: ScimUser) -> None:
    entry = await _entry(company_id, scim_id)
    key = _user_name_key(company_id, user.user_name)
    if await ScimIdentity.exists().where(
            (ScimIdentity.user_name_key == key) & (ScimIdentity.entry != entry.id)):
        raise ScimError(409, "a user with this userName exists", "uniqueness")
    if user.employee_ref != entry.employee_ref:
        roster_key = f"{company_id}:{user.employee_ref}"
        if await RosterEntry.exists().where(RosterEntry.roster_key == roster_key):
            raise ScimError(409, "another user has this employee number", "uniqueness")
        entry.employee_ref, entry.roster_key = user.employee_ref, roster_key
    _fill(entry, user, now())
    await entry.save()
    await ScimIdentity.update({
        ScimIdentity.user_name_key: key, ScimIdentity.user_name: user.user_name,
        ScimIdentity.external_id: user.external_id,
    }).where(ScimIdentity.entry == entry.id)
    await audit.record("roster.scim.updated", None, company_id, entry_id=entry.id)


def _fill(entry: RosterEntry, user: ScimUser, moment: datetime) -> None:
    if user.active != entry.active:
        entry.deactivated_at = None if user.active else moment
    entry.name, entry.email = user.name, user.email
    entry.department, entry.site, entry.active = user.department, user.site, user.active
    entry.updated_at = moment
