"""DTOs of the proposals: what the proposals pages and the JSON API share.

A proposal is, for a company or a town in a wave, its most shared needs grouped by
need area; each area comes with the initiative types that serve it, the initiatives and
the labs that already answer it. Needs are copied only from shown figures.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

import msgspec

from community.taxonomy.needs import NeedRef
from surveys.results.model import WaveInfo

GroupKind = Literal["company", "town"]


class TypeRef(msgspec.Struct):
    """An initiative type that serves an area."""

    key: str
    label: str


class InitiativeRef(msgspec.Struct):
    """An initiative that already answers an area."""

    id: UUID
    title: str
    url: str


class LabRef(msgspec.Struct):
    """A lab already started on the area's needs, for this group and wave."""

    id: UUID
    title: str
    status: str
    url: str


class AreaProposal(msgspec.Struct):
    """An area of a group's most shared needs; `people` is its top need's count."""

    area: str
    area_label: str
    people: int
    needs: list[NeedRef]
    types: list[TypeRef]
    initiatives: list[InitiativeRef]
    labs: list[LabRef]


class GroupProposal(msgspec.Struct):
    """A company's or a town's proposals in a wave, the most shared area first.

    `areas` is empty when none of the group's figures can be shown.
    """

    kind: GroupKind
    key: str  # "company:<id>" or "town:<name>"
    label: str
    company_id: UUID | None
    areas: list[AreaProposal]


class Proposals(msgspec.Struct):
    """Every group of a wave the caller may see: towns first, then companies."""

    wave: WaveInfo | None  # None when no wave has results yet
    waves: list[WaveInfo]  # the waves the caller may choose from, newest first
    groups: list[GroupProposal]


class ProposalChoice(msgspec.Struct, forbid_unknown_fields=True):
    """Which proposal: a group's area in a wave (click 1)."""

    wave_id: UUID
    group_key: str
    area: str


class LabDraft(msgspec.Struct):
    """A lab as a proposal would make it: what the confirmation form shows."""

    wave_id: UUID
    group_key: str
    group_label: str
    area: str
    area_label: str
    title: str
    scope: str  # workplace for a company, town for a town
    company_id: UUID | None
    town: str
    agenda: list[str]
    needs: list[NeedRef]


class InitiativeDraft(msgspec.Struct):
    """An initiative as a proposal would make it: what the confirmation form shows."""

    wave_id: UUID
    group_key: str
    group_label: str
    area: str
    area_label: str
    title: str
    description: str
    type_key: str
    types: list[TypeRef]
    company_id: UUID | None
    towns: list[str]
    audience: str
    capacity: int
    provider_name: str
    provider_kind: str
    needs: list[NeedRef]


class LabFromProposal(msgspec.Struct, forbid_unknown_fields=True):
    """Click 2 for a lab. The needs are recomputed, never read from the request; left
    out, the title and agenda are the draft's."""

    wave_id: UUID
    group_key: str
    area: str
    title: str | None = None
    agenda: list[str] | None = None
    facilitator_id: UUID | None = None


class InitiativeFromProposal(msgspec.Struct, forbid_unknown_fields=True):
    """Click 2 for an initiative, as `LabFromProposal`; left out, fields are the draft's."""

    wave_id: UUID
    group_key: str
    area: str
    title: str | None = None
    description: str | None = None
    type_key: str | None = None
    capacity: int | None = None
    schedule: str = ""
    place: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    provider_name: str | None = None
    provider_kind: str | None = None


class Created(msgspec.Struct):
    """What a proposal made: a lab or an initiative, with the needs that motivated it."""

    kind: Literal["lab", "initiative"]
    id: UUID
    url: str
    needs: list[NeedRef]
