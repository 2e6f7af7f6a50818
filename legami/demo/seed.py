"""The demo picture of the FareLegami program. ALL OF IT IS FICTIONAL.

Every company, school, Civic Center and person here is invented (a name may match a real
one only by chance). Every e-mail address is under a `.example` domain, which can never
receive mail, and no phone number is stored. The data comes from a fixed random seed, so
each run builds the same names, sizes and classes; only the row ids differ.

Classes follow the school year 2025/26: a pupil in "Primaria 1" was born in 2019, one in
"Secondaria 3" in 2012; a few pupils started school a year early (anticipatari).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from piccolo.table import Table

from app.db import transaction
from app.roles import (
    CIVIC_CENTER_OPERATOR,
    COMMUNITY_MAKER,
    HR_MANAGER,
    PROGRAM_ADMIN,
    SCHOOL_COORDINATOR,
)
from app.tables import Membership, Organization, OrganizationDomain, User
from civic.tables import Family, Pupil
from company_portal.tables import RosterEntry

RANDOM_SEED = 2026
BATCH_SIZE = 500

PROGRAM_NAME = "FareLegami"
PROGRAM_TOWN = "Cremona"
PROGRAM_STAFF = (
    ("Laura Tosetti", "admin@farelegami.example", PROGRAM_ADMIN),
    ("Giulia Ferrandi", "giulia.ferrandi@farelegami.example", COMMUNITY_MAKER),
    ("Marco Vailati", "marco.vailati@farelegami.example", COMMUNITY_MAKER),
    ("Elena Mainardi", "elena.mainardi@farelegami.example", COMMUNITY_MAKER),
)


class CompanySpec(NamedTuple):
    name: str
    town: str
    domain: str
    sector: str
    employees: int
    sites: tuple[str, ...]


COMPANIES = (
    CompanySpec(
        "Officine Rossi Meccanica S.r.l.", "Crema", "officinerossi.example", "manufacturing",
        180, ("Stabilimento Crema", "Stabilimento Offanengo"),
    ),
    CompanySpec(
        "Padana Logistica S.p.A.", "Cremona", "padanalogistica.example", "logistics",
        145, ("Polo logistico Cremona", "Magazzino Sesto ed Uniti"),
    ),
    CompanySpec(
        "Casearia del Po S.r.l.", "Casalmaggiore", "caseariadelpo.example", "food",
        120, ("Caseificio Casalmaggiore", "Stagionatura Gussola"),
    ),
    CompanySpec(
        "Trafilerie Cremasche S.p.A.", "Offanengo", "trafileriecremasche.example",
        "manufacturing", 95, ("Stabilimento Offanengo",),
    ),
    CompanySpec(
        "Plastiche Casalasche S.r.l.", "Casalmaggiore", "plastichecasalasche.example",
        "manufacturing", 80, ("Stabilimento Casalmaggiore", "Magazzino Rivarolo del Re"),
    ),
    CompanySpec(
        "Dolciaria Bianchi Torroni S.r.l.", "Cremona", "torronibianchi.example", "food",
        70, ("Laboratorio Cremona", "Spaccio Cremona Centro"),
    ),
    CompanySpec(
        "Salumificio Val Padana S.r.l.", "Pizzighettone", "salumificiovalpadana.example",
        "food", 60, ("Stabilimento Pizzighettone",),
    ),
    CompanySpec(
        "Cooperativa Sociale Il Germoglio", "Crema", "coopilgermoglio.example", "social_coop",
        55, ("Sede Crema", "Centro diurno Pandino", "Servizi domiciliari Crema"),
    ),
    CompanySpec(
        "Autotrasporti Fratelli Guerini S.n.c.", "Soresina", "guerinitrasporti.example",
        "logistics", 45, ("Deposito Soresina", "Magazzino Casalbuttano"),
    ),
    CompanySpec(
        "Cooperativa Agricola Terre del Serio", "Castelleone", "terredelserio.example", "food",
        40, ("Centro di raccolta Castelleone", "Punto vendita Crema"),
    ),
    CompanySpec(
        "Market Cremasco Soc. Coop.", "Crema", "marketcremasco.example", "retail",
        35, ("Punto vendita Crema Centro", "Punto vendita Ombriano", "Magazzino Crema"),
    ),
    CompanySpec(
        "Laboratori Cosmetici Serio S.r.l.", "Vaiano Cremasco", "cosmeticiserio.example",
        "manufacturing", 25, ("Laboratorio Vaiano Cremasco",),
    ),
    CompanySpec(
        "Centro Casa Lombardo S.r.l.", "Cremona", "centrocasalombardo.example", "retail",
        20, ("Showroom Cremona", "Magazzino Cremona"),
    ),
    CompanySpec(
        "Mobilificio Casalasco S.n.c.", "San Giovanni in Croce", "mobilificiocasalasco.example",
        "manufacturing", 15, ("Laboratorio San Giovanni in Croce",),
    ),
    CompanySpec(
        "Cooperativa Logistica Po e Adda", "Cremona", "coop-poeadda.example", "logistics",
        15, ("Piattaforma Cremona Porto",),
    ),
)

# (department, weight) per sector; SHOP_FLOOR departments work on shifts and often
# have no company mailbox.
DEPARTMENTS = {
    "manufacturing": (
        ("Produzione", 52), ("Manutenzione", 10), ("Logistica", 10), ("Qualità", 9),
        ("Amministrazione", 10), ("Commerciale", 9),
    ),
    "logistics": (
        ("Logistica", 55), ("Trasporti", 20), ("Manutenzione", 7), ("Amministrazione", 10),
        ("Commerciale", 8),
    ),
    "food": (
        ("Produzione", 50), ("Logistica", 15), ("Qualità", 10), ("Manutenzione", 7),
        ("Amministrazione", 10), ("Commerciale", 8),
    ),
    "social_coop": (
        ("Servizi alla persona", 55), ("Servizi educativi", 25), ("Coordinamento", 8),
        ("Amministrazione", 12),
    ),
    "retail": (
        ("Punto vendita", 65), ("Logistica", 15), ("Amministrazione", 10), ("Commerciale", 10),
    ),
}
SHOP_FLOOR = frozenset(
    {
        "Produzione", "Manutenzione", "Logistica", "Trasporti", "Servizi alla persona",
        "Servizi educativi", "Punto vendita",
    }
)
SHOP_FLOOR_WITHOUT_EMAIL = 0.46
SHOP_FLOOR_ON_SHIFTS = 0.55


class SchoolSpec(NamedTuple):
    name: str
    town: str
    domain: str
    families: int


SCHOOLS = (
    SchoolSpec("Istituto Comprensivo Lungo Serio", "Crema", "iclungoserio.example", 65),
    SchoolSpec("Istituto Comprensivo Il Moso", "Crema", "icilmoso.example", 55),
    SchoolSpec("Istituto Comprensivo Terre del Tormo", "Pandino", "icterredeltormo.example", 45),
    SchoolSpec("Istituto Comprensivo Fontanili", "Offanengo", "icfontanili.example", 40),
    SchoolSpec("Istituto Comprensivo Porta Po", "Cremona", "icportapo.example", 60),
    SchoolSpec("Istituto Comprensivo Cambonino", "Cremona", "iccambonino.example", 55),
    SchoolSpec("Istituto Comprensivo Quattro Torri", "Cremona", "icquattrotorri.example", 50),
    SchoolSpec("Istituto Comprensivo Riva d'Adda", "Pizzighettone", "icrivadadda.example", 35),
    SchoolSpec("Istituto Comprensivo Golena del Po", "Casalmaggiore", "icgolenadelpo.example", 50),
    SchoolSpec("Istituto Comprensivo Terre Casalasche", "Piadena Drizzona",
               "icterrecasalasche.example", 45),
)
PUPILS = 1500
MAX_PUPILS_PER_FAMILY = 5
SCHOOL_YEAR_START = 2025
CLASS_YEARS = (
    "Primaria 1", "Primaria 2", "Primaria 3", "Primaria 4", "Primaria 5",
    "Secondaria 1", "Secondaria 2", "Secondaria 3",
)
SECTIONS = "ABC"
EARLY_STARTERS = 0.04
FAMILY_EMAIL_DOMAIN = "posta.example"
FAMILIES_WITH_EMAIL = 0.75
FAMILY_LANGUAGES = (("it", 72), ("ro", 9), ("ar", 8), ("pa", 6), ("en", 5))
WORKING_PATTERNS = (("both_working", 40), ("one_working", 28), ("shifts", 22), (None, 10))
WORKFORCE_LANGUAGES = (("it", 78), ("ro", 8), ("ar", 6), ("pa", 4), ("en", 4))

CIVIC_CENTERS = (
    ("Civic Center Crema", "Crema", "civiccenter-crema.example"),
    ("Civic Center Cremona", "Cremona", "civiccenter-cremona.example"),
    ("Civic Center Casalmaggiore", "Casalmaggiore", "civiccenter-casalmaggiore.example"),
    ("Civic Center Soresina", "Soresina", "civiccenter-soresina.example"),
)

FIRST_NAMES = {
    "it": (
        "Leonardo", "Francesco", "Alessandro", "Lorenzo", "Mattia", "Andrea", "Gabriele",
        "Tommaso", "Riccardo", "Edoardo", "Marco", "Luca", "Giovanni", "Matteo", "Davide",
        "Paolo", "Stefano", "Roberto", "Giuseppe", "Antonio", "Sofia", "Giulia", "Aurora",
        "Alice", "Ginevra", "Emma", "Giorgia", "Beatrice", "Chiara", "Martina", "Francesca",
        "Elena", "Sara", "Laura", "Anna", "Valentina", "Federica", "Silvia", "Paola", "Maria",
    ),
    "ro": (
        "Andrei", "Mihai", "Ionuț", "Alexandru", "Cristian", "Elena", "Ioana", "Maria",
        "Andreea", "Gabriela",
    ),
    "ar": (
        "Mohamed", "Youssef", "Ahmed", "Omar", "Karim", "Fatima", "Amina", "Khadija", "Salma",
        "Nour",
    ),
    "pa": (
        "Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Amandeep", "Simran", "Navdeep",
        "Rajinder", "Kuldeep", "Harjit",
    ),
    "en": (
        "Blessing", "Emmanuel", "Grace", "Samuel", "Joy", "Daniel", "Esther", "Victor",
        "Peace", "Godwin",
    ),
}
SURNAMES = {
    "it": (
        "Rossi", "Bianchi", "Bonetti", "Zucchetti", "Guerini", "Bertoni", "Cattaneo",
        "Lombardi", "Galli", "Moretti", "Fontana", "Barbieri", "Sartori", "Pagliari", "Denti",
        "Manfredi", "Arpini", "Capelli", "Riboli", "Bassi", "Marchesi", "Bettinelli",
        "Cremonesi", "Pedrazzini", "Grassi", "Aiolfi", "Zanoni", "Ghilardi", "Dossena",
        "Carelli", "Ferrari", "D'Angelo",
    ),
    "ro": ("Popescu", "Ionescu", "Dumitru", "Stan", "Constantin", "Munteanu", "Radu", "Marin"),
    "ar": ("El Amrani", "Benali", "Haddad", "Mansour", "Bouazza", "Saidi", "Cherif", "Zahraoui"),
    "pa": ("Singh", "Kaur", "Sandhu", "Gill", "Dhillon", "Sidhu", "Brar"),
    "en": ("Okafor", "Mensah", "Adeyemi", "Owusu", "Eze", "Boateng", "Okoro", "Asante"),
}


@dataclass
class _Rows:
    """The rows of the demo, collected before one bulk insert per table."""

    organizations: list[Organization] = field(default_factory=list)
    domains: list[OrganizationDomain] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    roster: list[RosterEntry] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    pupils: list[Pupil] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)

    def organization(self, kind: str, name: str, town: str) -> Organization:
        org = Organization(kind=kind, name=name, town=town)
        self.organizations.append(org)
        return org

    def email(self, first: str, last: str, domain: str) -> str:
        """`first.last@domain`, with a number when a namesake already has it."""
        local = f"{_slug(first)}.{_slug(last)}"
        email, number = f"{local}@{domain}", 1
        while email in self.emails:
            number += 1
            email = f"{local}{number}@{domain}"
        self.emails.add(email)
        return email

    def member(self, org: Organization, role: str, name: str, email: str) -> None:
        user = User(name=name, email=email)
        self.users.append(user)
        self.memberships.append(Membership(user=user.id, organization=org.id, role=role))

    def by_table(self) -> tuple[tuple[type[Table], list], ...]:
        """Every table with its rows, parents before children."""
        return (
            (Organization, self.organizations),
            (OrganizationDomain, self.domains),
            (User, self.users),
            (Membership, self.memberships),
            (RosterEntry, self.roster),
            (Family, self.families),
            (Pupil, self.pupils),
        )


async def seed_demo() -> dict[str, int]:
    """Create the fictional demo program once; return its counts, also when it exists."""
    async with transaction():
        exists = await Organization.exists().where(
            (Organization.kind == "program") & (Organization.name == PROGRAM_NAME)
        )
        if not exists:
            await _insert(_build(random.Random(RANDOM_SEED)))
    return _counts()


def _counts() -> dict[str, int]:
    """What the demo holds, by kind of record."""
    return {
        "organizations": 1 + len(COMPANIES) + len(SCHOOLS) + len(CIVIC_CENTERS),
        "companies": len(COMPANIES),
        "employees": sum(company.employees for company in COMPANIES),
        "schools": len(SCHOOLS),
        "families": sum(school.families for school in SCHOOLS),
        "pupils": PUPILS,
        "civic_centers": len(CIVIC_CENTERS),
        "users": len(PROGRAM_STAFF) + len(COMPANIES) + len(SCHOOLS) + len(CIVIC_CENTERS),
    }


def _build(rng: random.Random) -> _Rows:
    rows = _Rows()
    _add_program(rows)
    for company in COMPANIES:
        _add_company(rows, rng, company)
    pupil_counts = iter(_pupils_per_family(rng))
    for school in SCHOOLS:
        _add_school(rows, rng, school, pupil_counts)
    for name, town, domain in CIVIC_CENTERS:
        center = rows.organization("civic_center", name, town)
        _add_staff(rows, rng, center, CIVIC_CENTER_OPERATOR, domain)
    return rows


async def _insert(rows: _Rows) -> None:
    for table, table_rows in rows.by_table():
        for start in range(0, len(table_rows), BATCH_SIZE):
            await table.insert(*table_rows[start : start + BATCH_SIZE])


def _add_program(rows: _Rows) -> None:
    program = rows.organization("program", PROGRAM_NAME, PROGRAM_TOWN)
    for name, email, role in PROGRAM_STAFF:
        rows.member(program, role, name, email)


def _add_staff(rows: _Rows, rng: random.Random, org: Organization, role: str, domain: str) -> None:
    first, last = _person(rng, "it")
    rows.member(org, role, f"{first} {last}", rows.email(first, last, domain))


def _add_company(rows: _Rows, rng: random.Random, company: CompanySpec) -> None:
    org = rows.organization("company", company.name, company.town)
    rows.domains.append(OrganizationDomain(organization=org.id, domain=company.domain))
    _add_staff(rows, rng, org, HR_MANAGER, company.domain)
    for number in range(1, company.employees + 1):
        rows.roster.append(_employee(rows, rng, org, company, number))


def _employee(
    rows: _Rows, rng: random.Random, org: Organization, company: CompanySpec, number: int
) -> RosterEntry:
    first, last = _person(rng, _weighted(rng, WORKFORCE_LANGUAGES))
    department = _weighted(rng, DEPARTMENTS[company.sector])
    shop_floor = department in SHOP_FLOOR
    email = None
    if not (shop_floor and rng.random() < SHOP_FLOOR_WITHOUT_EMAIL):
        email = rows.email(first, last, company.domain)
    on_shifts = shop_floor and rng.random() < SHOP_FLOOR_ON_SHIFTS
    return RosterEntry(
        company=org.id,
        employee_ref=f"MAT-{number:04d}",
        roster_key=f"{org.id}:MAT-{number:04d}",
        name=f"{first} {last}",
        email=email,
        department=department,
        site=rng.choice(company.sites),
        attributes={"shift": "turni" if on_shifts else "giornaliero"},
    )


def _pupils_per_family(rng: random.Random) -> list[int]:
    """How many pupils each family has: between 1 and the maximum, PUPILS in all."""
    families = sum(school.families for school in SCHOOLS)
    counts = [PUPILS // families] * families
    counts[0] += PUPILS - sum(counts)
    for _ in range(PUPILS):
        giver, taker = rng.randrange(families), rng.randrange(families)
        if counts[giver] > 1 and counts[taker] < MAX_PUPILS_PER_FAMILY:
            counts[giver] -= 1
            counts[taker] += 1
    return counts


def _add_school(
    rows: _Rows, rng: random.Random, school: SchoolSpec, pupil_counts: Iterator[int]
) -> None:
    org = rows.organization("school", school.name, school.town)
    _add_staff(rows, rng, org, SCHOOL_COORDINATOR, school.domain)
    for number in range(1, school.families + 1):
        language = _weighted(rng, FAMILY_LANGUAGES)
        first, last = _person(rng, language)
        email = None
        if rng.random() < FAMILIES_WITH_EMAIL:
            email = rows.email(first, last, FAMILY_EMAIL_DOMAIN)
        family = Family(
            school=org.id,
            family_ref=f"FAM-{number:04d}",
            reference_adult=f"{first} {last}",
            contact_email=email,
            language=language,
            working_pattern=_weighted(rng, WORKING_PATTERNS),
        )
        rows.families.append(family)
        rows.pupils.extend(_pupils(rng, family, next(pupil_counts)))


def _pupils(rng: random.Random, family: Family, count: int) -> list[Pupil]:
    """Siblings in different years of the istituto comprensivo."""
    return [
        _pupil(rng, family, year) for year in sorted(rng.sample(range(len(CLASS_YEARS)), count))
    ]


def _pupil(rng: random.Random, family: Family, year: int) -> Pupil:
    birth_year = SCHOOL_YEAR_START - 6 - year
    if rng.random() < EARLY_STARTERS:
        birth_year += 1
    return Pupil(
        family=family.id,
        first_name=rng.choice(FIRST_NAMES[family.language]),
        birth_year=birth_year,
        class_name=f"{CLASS_YEARS[year]}{rng.choice(SECTIONS)}",
    )


def _person(rng: random.Random, language: str) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES[language]), rng.choice(SURNAMES[language])


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _slug(text: str) -> str:
    """Lower-case ASCII letters only: "D'Angelo" gives "dangelo", "Ionuț" "ionut"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_text.lower() if char.isalpha())
