"""The program sees pacts only as counts, with the threshold: fewer than 5 not shown."""

from __future__ import annotations

import itertools
from typing import Any

import msgspec
import pytest
from litestar.exceptions import PermissionDeniedException

from community.program.service import program_figures
from pacts.figures.service import pact_figures
from pacts.pacts import service
from pacts.pacts.schemas import Closure
from tests.factories import sign_in
from tests.pacts.world import HOLDER, World, as_caller, content, make_world, open_pact


@pytest.fixture
async def world() -> World:
    return await make_world()


async def _accepted(world: World, count: int) -> None:
    maker = await as_caller(world.maker_a)
    for _ in range(count):
        pact_id = await open_pact(world)
        await service.propose_version(maker, pact_id, content())
        await service.accept_on_paper(maker, pact_id)


def _pacts_target(figures: Any) -> Any:
    return next(t for t in figures.targets if t.key == "pacts")


async def test_the_dashboard_counts_pacts_from_five(client: Any, world: World) -> None:
    admin = await as_caller(world.admin)
    await _accepted(world, 4)
    assert (await pact_figures(admin)).beneficiaries is None
    target = _pacts_target(await program_figures(admin))
    assert target.achieved is None and target.target == 500
    await _accepted(world, 1)
    figures = await pact_figures(admin)
    assert figures.beneficiaries == 5 and figures.active == 5
    assert figures.by_source == {"school": 5}
    assert _pacts_target(await program_figures(admin)).achieved == 5
    await sign_in(client, world.admin)
    page = await client.get("/program")
    assert page.status_code == 200 and HOLDER not in page.text
    with pytest.raises(PermissionDeniedException):
        await pact_figures(await as_caller(world.hr))


async def test_the_demo_seeds_pacts_for_the_demo_community_maker() -> None:
    from app.auth.caller import load_caller
    from app.tables import User
    from legami.demo.pacts import seed_demo_pacts
    from legami.demo.seed import seed_demo

    await seed_demo()
    assert await seed_demo_pacts() == 5
    assert await seed_demo_pacts() == 5  # once
    giulia = await User.select(User.id).where(
        User.email == "giulia.ferrandi@farelegami.example").first()
    caller = await load_caller(giulia["id"])
    assert caller is not None
    assert len(await service.caseload(caller)) == 5
    marco = await User.select(User.id).where(
        User.email == "marco.vailati@farelegami.example").first()
    assert await service.caseload(await load_caller(marco["id"])) == []  # type: ignore[arg-type]


async def test_two_looks_never_differ_by_one_to_four(world: World) -> None:
    """Each pact accepted, closed or reviewed between two looks must not show: every
    figure moves by 0 or by 5 and more (steps of 5, as surveys show a running wave)."""
    admin = await as_caller(world.admin)
    maker = await as_caller(world.maker_a)
    await _accepted(world, 7)
    looks = [await pact_figures(admin)]
    await _accepted(world, 1)  # one more family
    looks.append(await pact_figures(admin))
    closing = (await service.caseload(maker))[0].id
    await service.close(maker, closing, Closure("moved", "partly"))  # one pact closes
    looks.append(await pact_figures(admin))
    for before, after in itertools.pairwise(looks):
        old, new = msgspec.to_builtins(before), msgspec.to_builtins(after)
        for name in ("beneficiaries", "active", "closed", "reviews_held"):
            moved = abs((new[name] or 0) - (old[name] or 0))
            assert moved == 0 or moved >= 5, (name, old[name], new[name])
        for key in set(old["by_source"]) | set(new["by_source"]):
            moved = abs((new["by_source"].get(key) or 0) - (old["by_source"].get(key) or 0))
            assert moved == 0 or moved >= 5, (key, old["by_source"], new["by_source"])
    assert looks[-1].beneficiaries == 5 and looks[-1].active == 5
    assert all(value is None or value % 5 == 0 for value in (
        looks[-1].beneficiaries, looks[-1].active, looks[-1].closed))
