"""Finding a pupil by what their family gave the school (for pacts' enrolments, which
hold no family file): the e-mail address or phone number and the first name, only in
the schools the caller reaches."""

from __future__ import annotations

import pytest

from civic.families.service import pupils_by_contact
from civic.tables import Family
from tests.civic.referrals.world import World, as_caller, make_family, make_world
from tests.factories import make_org, make_user


@pytest.fixture
async def world() -> World:
    return await make_world()


async def test_a_pupil_is_found_by_the_familys_address_or_phone_and_first_name(
        world: World) -> None:
    _family, (luca, _sara) = await make_family(
        world, pupils=(("Luca", 8), ("Sara", 10)), email="famiglia@example.it")
    await Family.update({Family.contact_phone: "+39 333 123 4567"}).where(
        Family.id == _family)
    await make_family(world, school="b", ref="F2", email="altra@example.it",
                      pupils=(("Luca", 9),))
    staff = await as_caller(await make_user(
        "staff@farelegami.example", await make_org("program", "FareLegami", "Cremona"),
        "community_maker"))
    for contact in ("Famiglia@Example.it", "333 1234567", "0039 333 123 4567"):
        found = await pupils_by_contact(staff, contact, " luca ")
        assert [m.pupil_id for m in found] == [luca], contact
    assert await pupils_by_contact(staff, "famiglia@example.it", "Lu") == []
    assert await pupils_by_contact(staff, "famiglia@example.it", "Lu%") == []
    assert await pupils_by_contact(staff, "123", "Luca") == []  # not a phone number


async def test_a_school_coordinator_finds_only_their_own_schools_pupils(world: World) -> None:
    await make_family(world, email="famiglia@example.it")
    other_school = await as_caller(world.coord_b)
    assert await pupils_by_contact(other_school, "famiglia@example.it", "Luca") == []
    own = await as_caller(world.coord_a)
    assert len(await pupils_by_contact(own, "famiglia@example.it", "Luca")) == 1
