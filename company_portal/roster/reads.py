"""What other domains read of the roster (a wave's invitations, the comment scrubber):
they call these functions instead of reading the roster table.

A company's reporting groups are its roster fields (department, site) and the extra
columns of its roster file that HR chose at the last import. A chosen column's group
key is `col_` and its name in ASCII (`group_key`), so results can name it in SQL."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from app.values import json_value
from company_portal.tables import RosterEntry, RosterImport

ROSTER_FIELDS = ("department", "site")
COLUMN_PREFIX = "col_"


def group_key(column: str) -> str:
    """The reporting group key of an extra roster column ("" when its name has no letter
    or digit): "Turno di lavoro" is `col_turno_di_lavoro`."""
    ascii_name = unicodedata.normalize("NFKD", column).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:50]
    return f"{COLUMN_PREFIX}{slug}" if slug else ""


def group_values(entry: Mapping[str, Any], keys: Iterable[str]) -> dict[str, str]:
    """A roster entry's values of reporting groups `keys` ('' when it has none)."""
    attributes = json_value(entry.get("attributes")) or {}
    columns = {group_key(name): str(value) for name, value in attributes.items()}
    return {key: str(entry.get(key) or "") if key in ROSTER_FIELDS else columns.get(key, "")
            for key in keys}


async def active_people(companies: list[UUID]) -> list[dict[str, Any]]:
    """The companies' active entries in roster order: id, company, e-mail, department,
    site and attributes (read their reporting groups with `group_values`)."""
    if not companies:
        return []
    return await RosterEntry.select(  # type: ignore[no-any-return]
        RosterEntry.id, RosterEntry.company, RosterEntry.email, RosterEntry.department,
        RosterEntry.site, RosterEntry.attributes,
    ).where(RosterEntry.company.is_in(companies) & RosterEntry.active.eq(True)).order_by(
        RosterEntry.id)


async def active_person(email: str, companies: Iterable[UUID]) -> dict[str, Any] | None:
    """The first active entry with this address in one of the companies, or None."""
    return await RosterEntry.select().where(  # type: ignore[no-any-return]
        RosterEntry.company.is_in(list(companies)) & RosterEntry.active.eq(True)
        & (RosterEntry.email == email.strip().lower())).order_by(RosterEntry.id).first()


async def chosen_columns(companies: list[UUID]) -> dict[UUID, list[dict[str, str]]]:
    """Each company's extra columns chosen as reporting groups at its last applied
    import: `{"key": ..., "label": ...}` items, label as the file names the column."""
    rows = await RosterImport.select(RosterImport.company, RosterImport.summary).where(
        RosterImport.company.is_in(companies or [None]) & (RosterImport.status == "applied")
    ).order_by(RosterImport.applied_at, ascending=False).order_by(
        RosterImport.id, ascending=False)
    found: dict[UUID, list[dict[str, str]]] = {}
    for row in rows:
        if row["company"] in found:
            continue
        summary = json_value(row["summary"]) or {}
        chosen = set(summary.get("reporting_groups") or [])
        found[row["company"]] = [{"key": c["key"], "label": c["label"]}
                                 for c in summary.get("group_columns") or []
                                 if c["key"] in chosen]
    return found


async def reporting_columns(companies: list[UUID]) -> list[dict[str, str]]:
    """The chosen columns of all `companies`, each key once, in the order chosen."""
    seen: dict[str, dict[str, str]] = {}
    for columns in (await chosen_columns(companies)).values():
        for column in columns:
            seen.setdefault(column["key"], column)
    return list(seen.values())


async def names_and_refs(companies: list[UUID]) -> tuple[list[str], list[str]]:
    """The names and employee numbers on the companies' rosters (left and active alike)."""
    rows = await RosterEntry.select(RosterEntry.name, RosterEntry.employee_ref).where(
        RosterEntry.company.is_in(companies or [None]))
    return ([row["name"] for row in rows if row["name"]],
            [row["employee_ref"] for row in rows if row["employee_ref"]])
