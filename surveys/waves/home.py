"""What to do next about survey waves, on the home page of HR managers and staff."""

from __future__ import annotations

from app.auth.caller import Caller
from app.dates import day
from app.i18n import _
from app.roles import HR_MANAGER
from app.web.home import NextStep
from surveys.waves.service import WaveOut, list_waves


async def next_steps(caller: Caller) -> list[NextStep]:
    """The open waves to follow, else the latest results; a first wave if there is none."""
    managed = caller.organization_ids(HR_MANAGER)
    if not (caller.is_program_staff or managed):
        return []
    waves = await list_waves(caller)  # newest first
    running = [wave for wave in waves if wave.status == "open" and wave.state == "open"]
    found = [NextStep(_("«%(title)s» is open until %(date)s.") % {
        "title": wave.title, "date": day(wave.closes_on)}, f"/waves/{wave.id}",
        _("Follow the answers")) for wave in running]
    closed = next((wave for wave in waves if wave.state == "closed"), None)
    if closed is not None:
        found.append(NextStep(_("The results of «%(title)s» are ready.") % {
            "title": closed.title}, _results(caller, closed), _("See the results")))
    if not waves:
        found.append(NextStep(_("No survey wave yet: ask your people what they need."),
                              "/waves/new", _("Prepare a wave")))
    return found


def _results(caller: Caller, wave: WaveOut) -> str:
    if caller.is_program_staff:
        return f"/results/{wave.id}"
    own = [company.id for company in wave.companies
           if company.id in caller.organization_ids(HR_MANAGER)]
    return f"/portal/{own[0]}/results/{wave.id}" if own else "/results"
