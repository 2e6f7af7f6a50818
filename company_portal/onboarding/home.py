"""The HR manager's next step on the home page while a company is being set up."""

from __future__ import annotations

from app.auth.caller import Caller
from app.i18n import _
from app.roles import HR_MANAGER
from app.web.home import NextStep
from company_portal.onboarding.pages import SLUGS, step_title
from company_portal.onboarding.service import wizard_state


async def next_steps(caller: Caller) -> list[NextStep]:
    """For each company the caller manages: the first onboarding step still to do."""
    found = []
    for company_id in sorted(caller.organization_ids(HR_MANAGER)):
        state = await wizard_state(caller, company_id)
        todo = next((step for step in state.steps if step.state == "todo"), None)
        if todo is None:
            continue
        found.append(NextStep(
            _("%(company)s is not ready yet: step %(number)s of 6, %(step)s.") % {
                "company": state.company.name, "number": todo.number,
                "step": step_title(todo.key)},
            f"/portal/{company_id}/onboarding/{SLUGS[todo.key]}", _("Go on with the set-up")))
    return found
