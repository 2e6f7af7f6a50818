"""What to do next about survey waves, on the home page of HR managers and staff.

The home page is opened at every sign-in: two queries, not a full wave per wave.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.auth.caller import Caller
from app.dates import day
from app.i18n import _
from app.roles import HR_MANAGER
from app.values import as_uuid
from app.web.home import NextStep
from surveys.tables import Wave, WaveCompany
from surveys.waves.state import wave_state


async def next_steps(caller: Caller) -> list[NextStep]:
    """The open waves to follow, else the latest results; a first wave if there is none."""
    managed = caller.organization_ids(HR_MANAGER)
    if not (caller.is_program_staff or managed):
        return []
    own = await _own_companies(caller, managed)
    query = Wave.select(Wave.id, Wave.title, Wave.status, Wave.opens_on, Wave.closes_on,
                        Wave.closed_at).order_by(Wave.created_at, ascending=False)
    if not caller.is_program_staff:  # the waves of their companies, as list_waves
        mine = Wave.owner.is_in(list(managed))
        query = query.where(Wave.id.is_in(list(own)) | mine if own else mine)
    waves = [{**row, "state": wave_state(row).state} for row in await query]
    found = [NextStep(_("«%(title)s» is open until %(date)s.") % {
        "title": wave["title"], "date": day(wave["closes_on"])}, f"/waves/{wave['id']}",
        _("Follow the answers")) for wave in waves if wave["state"] == "open"]
    closed = next((wave for wave in waves if wave["state"] == "closed"), None)
    if closed is not None:
        found.append(NextStep(_("The results of «%(title)s» are ready.") % {
            "title": closed["title"]}, _results(caller, closed, own), _("See the results")))
    if not waves:
        found.append(NextStep(_("No survey wave yet: ask your people what they need."),
                              "/waves/new", _("Prepare a wave")))
    return found


async def _own_companies(caller: Caller, managed: set[UUID]) -> dict[UUID, UUID]:
    """For an HR manager: each wave of their companies, and one of those companies."""
    if caller.is_program_staff or not managed:
        return {}
    rows = await WaveCompany.select(WaveCompany.wave, WaveCompany.company).where(
        WaveCompany.company.is_in(list(managed)))
    return {as_uuid(row["wave"]): as_uuid(row["company"]) for row in rows}


def _results(caller: Caller, wave: dict[str, Any], own: dict[UUID, UUID]) -> str:
    if caller.is_program_staff:
        return f"/results/{wave['id']}"
    company = own.get(as_uuid(wave["id"]))
    return f"/portal/{company}/results/{wave['id']}" if company else "/results"
