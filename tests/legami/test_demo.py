from app.tables import Membership, Organization, OrganizationDomain, User
from civic.tables import Family, Pupil
from company_portal.tables import RosterEntry
from legami.demo.seed import seed_demo


async def _org_count(kind: str) -> int:
    return await Organization.count().where(Organization.kind == kind)


async def _table_counts() -> dict[str, int]:
    return {
        "organizations": await Organization.count(),
        "domains": await OrganizationDomain.count(),
        "users": await User.count(),
        "memberships": await Membership.count(),
        "roster_entries": await RosterEntry.count(),
        "families": await Family.count(),
        "pupils": await Pupil.count(),
    }


async def test_seeding_creates_the_programs_numbers_in_the_tables() -> None:
    counts = await seed_demo()

    assert await _org_count("program") == 1
    assert await _org_count("company") == 15
    assert await RosterEntry.count() == 1000
    assert await _org_count("school") == 10
    assert await Family.count() == 500
    assert await Pupil.count() == 1500
    assert await _org_count("civic_center") == 4
    admins = await Membership.select(Membership.user.email).where(
        Membership.role == "program_admin"
    )
    assert admins == [{"user.email": "admin@farelegami.example"}]
    assert counts == {
        "organizations": await Organization.count(),
        "companies": 15,
        "employees": 1000,
        "schools": 10,
        "families": 500,
        "pupils": 1500,
        "civic_centers": 4,
        "users": await User.count(),
    }


async def test_seeding_twice_adds_nothing() -> None:
    first = await seed_demo()
    tables_after_first = await _table_counts()

    assert await seed_demo() == first
    assert await _table_counts() == tables_after_first


async def test_every_company_has_a_verified_domain_and_an_hr_manager() -> None:
    await seed_demo()

    companies = await Organization.select(Organization.id).where(Organization.kind == "company")
    domains = {
        row["organization"]: row["domain"]
        for row in await OrganizationDomain.select(
            OrganizationDomain.organization, OrganizationDomain.domain
        )
    }
    managers = await Membership.select(Membership.organization, Membership.user.email).where(
        Membership.role == "hr_manager"
    )
    manager_domains = {row["organization"]: row["user.email"].split("@")[1] for row in managers}
    assert len(managers) == len(companies) == 15
    for company in companies:
        assert manager_domains[company["id"]] == domains[company["id"]]


async def test_every_email_is_under_an_example_domain() -> None:
    await seed_demo()

    emails = [row["email"] for row in await User.select(User.email)]
    emails += [row["email"] for row in await RosterEntry.select(RosterEntry.email)]
    emails += [row["contact_email"] for row in await Family.select(Family.contact_email)]
    domains = [row["domain"] for row in await OrganizationDomain.select(OrganizationDomain.domain)]
    addresses = [email for email in emails if email is not None]
    assert len(addresses) > 1000
    assert all(email.endswith(".example") for email in addresses + domains)


async def test_about_a_third_of_employees_have_no_email() -> None:
    await seed_demo()

    without_email = await RosterEntry.count().where(RosterEntry.email.is_null())
    assert 300 <= without_email <= 400


async def test_every_pupils_family_belongs_to_a_school() -> None:
    await seed_demo()

    kinds = await Pupil.select(Pupil.family._.school._.kind).distinct()
    assert kinds == [{"family.school.kind": "school"}]


async def test_pupils_ages_fit_their_class_in_an_istituto_comprensivo() -> None:
    await seed_demo()

    for pupil in await Pupil.select(Pupil.birth_year, Pupil.class_name):
        level, class_name = pupil["class_name"].split()
        year, section = int(class_name[:-1]), class_name[-1]
        age = 2026 - pupil["birth_year"]
        assert section in "ABC"
        if level == "Primaria":
            assert 1 <= year <= 5 and 6 + year - 1 <= age <= 7 + year - 1
        else:
            assert level == "Secondaria"
            assert 1 <= year <= 3 and 11 + year - 1 <= age <= 12 + year - 1
        assert 6 <= age <= 14
