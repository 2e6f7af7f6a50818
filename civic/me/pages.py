"""`/me/activities`: employees who are parents see the published Civic Center activities
of their company's town, read-only, with how to ask for a place (through the school
coordinator of their child's school, who proposes it to the family)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, MediaType, Request, get
from litestar.response import Template

from app.auth.caller import Caller
from app.auth.guards import signed_in
from app.roles import EMPLOYEE, HR_MANAGER
from app.tables import Organization
from app.web.context import caller_of
from civic.activities import service as activities
from civic.referrals.schemas import ActivitySummary, activity_summary
from civic.suggestions.service import age_limits

EMPLOYEE_ROLES = (EMPLOYEE, HR_MANAGER)


@dataclass(frozen=True)
class TownOffer:
    activity: ActivitySummary
    ages: str
    description: str
    waitlisted: int


@dataclass(frozen=True)
class TownActivities:
    town: str
    companies: list[str]
    offers: list[TownOffer]


async def town_activities(caller: Caller) -> list[TownActivities]:
    """Per town of the caller's companies, the published activities that have not ended."""
    ids = list(caller.organization_ids(*EMPLOYEE_ROLES))
    rows = await Organization.select(Organization.name, Organization.town).where(
        Organization.id.is_in(ids) & (Organization.kind == "company")
    ).order_by(Organization.name) if ids else []
    towns: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        town = " ".join((row["town"] or "").split())
        if town:
            towns.setdefault(town.casefold(), (town, []))[1].append(row["name"])
    result = []
    for town, companies in towns.values():
        infos = await activities.published_activities(town)
        result.append(TownActivities(town, companies, [
            TownOffer(activity_summary(info), age_limits(info.min_age, info.max_age),
                      info.description, info.waitlisted) for info in infos]))
    return result


class MyActivitiesPage(Controller):
    path = "/me/activities"
    guards = [signed_in]
    include_in_schema = False

    @get(media_type=MediaType.HTML)
    async def activities_page(self, request: Request[Any, Any, Any]) -> Template:
        caller = caller_of(request)
        return Template("me/activities.html", context={
            "towns": await town_activities(caller), "employee": caller.has_role(*EMPLOYEE_ROLES)})
