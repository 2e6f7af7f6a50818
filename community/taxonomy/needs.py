"""A need as it was shown when a lab or an initiative was made from it.

Labs and initiatives keep the needs that motivated them (`Lab.needs`, `Initiative.needs`)
as a list of these, copied from figures that were shown: never from a suppressed one.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from app.i18n import _


class NeedRef(msgspec.Struct, frozen=True):
    wave_id: UUID
    group_key: str  # "company:<id>" or "town:<name>" (surveys.results.model.Group.key)
    group_label: str
    area: str
    area_label: str
    question: str
    option: str
    label: str  # the need in words
    count: int  # how many people share it
    n: int  # how many answered the question
    share: float


def to_json(needs: list[NeedRef]) -> list[dict[str, object]]:
    return msgspec.to_builtins(needs)  # type: ignore[no-any-return]


def from_json(rows: list[dict[str, object]] | None) -> list[NeedRef]:
    return msgspec.convert(rows or [], list[NeedRef])


def client_needs_refused() -> str:
    """Why needs sent by a client are refused: they come only from shown results."""
    return _("Needs come only from the survey results: make it from a proposal.")
