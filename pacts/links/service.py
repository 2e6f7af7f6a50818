"""Goal links: what Legami already offers that serves a goal of the pact (a Civic Center
activity for the children, a community lab, a conciliation initiative).

The offers are read through their domains' services, never their tables, as anyone of
the program may read them (published activities that have not ended, active town labs,
published initiatives for families or for all, not a company's own). A link names the offer by
kind and id, with its title, inside the pact's version: nothing is written in the other
domain, so its operators, coordinators and members learn nothing of the pact.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from app.auth.caller import Caller
from app.errors import InvalidInput
from app.i18n import _
from civic.activities.service import published_activities
from community.initiatives.service import list_initiatives
from community.labs.service import list_labs
from pacts.pacts.schemas import GoalLink, PactContent


class Offer(msgspec.Struct, frozen=True):
    kind: str  # activity, lab, initiative
    id: UUID
    title: str
    where: str  # the town or the Civic Center, to tell offers apart

    @property
    def value(self) -> str:
        """The picker's value: `kind:id`."""
        return f"{self.kind}:{self.id}"


def kind_labels() -> dict[str, str]:
    return {"activity": _("Civic Center activities for the children"),
            "lab": _("Community labs"), "initiative": _("Conciliation initiatives")}


async def offers(caller: Caller, town: str = "") -> list[Offer]:
    """Every offer a goal can be linked to, those of the pact's town first."""
    found = [Offer("activity", a.id, a.title, a.civic_center_name)
             for a in await published_activities()]
    found += [Offer("lab", lab.id, lab.title, lab.town) for lab in await list_labs(caller)
              if lab.status == "active" and lab.company_id is None]
    found += [Offer("initiative", i.id, i.title, ", ".join(i.towns))
              for i in await list_initiatives(caller)
              if i.status == "published" and i.company_id is None
              and i.audience in ("families", "all")]
    here = town.strip().casefold()
    return sorted(found, key=lambda o: (bool(here) and here not in o.where.casefold()))


def parse_choice(value: str) -> GoalLink | None:
    """A picker's `kind:id`, or None when nothing was chosen."""
    kind, _sep, offer_id = value.strip().partition(":")
    if not kind:
        return None
    try:
        return GoalLink(kind=kind, id=UUID(offer_id))
    except ValueError:
        raise InvalidInput({"goals": _("Choose from the list.")}) from None


async def with_titles(caller: Caller, content: PactContent) -> PactContent:
    """The content with every link checked against the offers and given its title;
    a link to anything else is refused."""
    if not any(goal.links for goal in content.goals):
        return content
    known = {(o.kind, o.id): o for o in await offers(caller)}
    goals = []
    for goal in content.goals:
        links = []
        for link in goal.links:
            offer = known.get((link.kind, link.id))
            if offer is None:
                raise InvalidInput({"goals": _("Choose from the list.")})
            links.append(GoalLink(kind=offer.kind, id=offer.id, title=offer.title))
        goals.append(msgspec.structs.replace(goal, links=links))
    return msgspec.structs.replace(content, goals=goals)
