"""Each domain's demo records, seeded after the organizations and people of seed.py.

Apart from seed.py because the domains' demo modules read seed.py's fictional schools and
program: seed.py importing them back made a circle.
"""

from __future__ import annotations


async def seed_demo_domains() -> dict[str, int]:
    """The demo's survey results, labs, initiatives, activities and consents, once each.

    Run after `seed_demo()`: each domain seeds its own records and skips what exists.
    """
    from app.tables import Organization
    from civic.tables import Activity
    from community.tables import Initiative, Lab
    from legami.demo.civic_activities import seed_demo_activities, seed_demo_holidays
    from legami.demo.civic_families import seed_demo_consents
    from legami.demo.civic_referrals import seed_demo_referrals
    from legami.demo.community_initiatives import seed_demo_initiatives
    from legami.demo.community_labs import seed_demo_labs
    from legami.demo.pacts import seed_demo_pacts
    from legami.demo.survey_results import seed_demo_results

    program = await Organization.select(Organization.id).where(
        Organization.kind == "program").first()
    if program is None:
        raise RuntimeError("no demo program: run seed_demo() first")
    responses = await seed_demo_results(program["id"])
    await seed_demo_activities()
    await seed_demo_holidays()
    await seed_demo_initiatives()
    await seed_demo_labs()
    consented = await seed_demo_consents()
    await seed_demo_referrals()
    return {
        "survey_responses": responses,
        "consented_pupils": consented,
        "activities": await Activity.count(),
        "initiatives": await Initiative.count(),
        "labs": await Lab.count(),
        "pacts": await seed_demo_pacts(),
    }
