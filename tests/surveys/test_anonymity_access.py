"""Issue 11, as the employer would attack it: codes, drafts, answer pages, the ballot box.

Each test plays an HR manager (or a reader of the database or of the access log) through
the same pages, API and sheets they really have, and fails if the attack works.
"""

from __future__ import annotations

from typing import Any

from app.auth.caller import load_caller
from surveys import answering, distribution
from surveys.tables import Invitation, SealedResponse
from tests.factories import api_post, post_form, sign_in
from tests.surveys.test_waves import (
    _sheet_codes,
    add_person,
    everything_stored,
    make_world,
    open_new_wave,
)

ANSWERS = {"children_under_14": "yes", "needs_childcare": "no"}


async def _world_with_cards() -> tuple[Any, Any]:
    """A company whose Logistica has three people without e-mail, and one mailed person."""
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example", "Produzione")
    for ref in ("A2", "A3", "A4"):
        await add_person(world.a, ref, None, "Logistica")
    return world, await open_new_wave(world, roster_groups=["department"])


async def _print(world: Any, wave: Any) -> list[tuple[str, str]]:
    staff = await load_caller(world.staff)
    assert staff is not None
    _name, data = await distribution.codes_sheet(staff, wave.id, world.a)
    return _sheet_codes(data)


# 1. Answer codes ------------------------------------------------------------------------


async def test_hr_can_neither_print_nor_reprint_nor_see_the_code_sheet(client: Any) -> None:
    world, wave = await _world_with_cards()
    await sign_in(client, world.hr_a)

    page = await client.get(f"/waves/{wave.id}")
    assert page.status_code == 200 and f"/waves/{wave.id}/codes" not in page.text
    by_page = await post_form(client, f"/waves/{wave.id}/codes", {"company_id": str(world.a)},
                              page=f"/waves/{wave.id}")
    by_api = await api_post(client, f"/api/v1/waves/{wave.id}/codes",
                            {"company_id": str(world.a)})
    assert by_page.status_code == 403 and by_api.status_code == 403
    assert "openxmlformats" not in by_api.headers.get("content-type", "")
    assert [i["token_hash"] for i in await Invitation.select(Invitation.token_hash).where(
        Invitation.channel == "code")] == [None] * 3  # nothing was made for HR to hold


async def test_a_code_belongs_to_its_group_not_to_a_name() -> None:
    world, wave = await _world_with_cards()
    cards = await _print(world, wave)

    assert [text.splitlines()[0] for text, _code in cards] == ["Logistica"] * 3
    stored = await everything_stored()
    for _text, code in cards:
        invitee = await answering.resolve_code(code)
        assert invitee is not None
        row = await Invitation.select(Invitation.roster_entry, Invitation.user).where(
            Invitation.id == invitee.invitation_id).first()
        assert row == {"roster_entry": None, "user": None}
    assert not any(f"Persona A{n}" in text for text, _code in cards for n in range(1, 5))
    assert "Persona A2" in stored  # the roster keeps the name, but no code points to it


async def test_a_reprint_shows_the_group_and_its_unused_cards_never_who_answered() -> None:
    world, wave = await _world_with_cards()
    first = await _print(world, wave)
    used = await answering.resolve_code(first[1][1])
    assert used is not None
    assert await answering.submit(used, ANSWERS, "it") == "stored"

    again = await _print(world, wave)

    assert [text.splitlines()[0] for text, _code in again] == ["Logistica"] * 2
    assert {code for _text, code in again}.isdisjoint(code for _text, code in first)
    unused = [code for _text, code in first if code != first[1][1]]
    assert [await answering.resolve_code(code) for code in unused] == [None, None]


async def test_a_code_answers_once_whoever_holds_it() -> None:
    world, wave = await _world_with_cards()
    [(_text, code), *_rest] = await _print(world, wave)
    invitee = await answering.resolve_code(code)
    assert invitee is not None

    assert await answering.submit(invitee, ANSWERS, "it") == "stored"
    again = await answering.resolve_code(code)
    assert again is not None and again.answered
    assert await answering.submit(again, {**ANSWERS, "needs_childcare": "yes"}, "it") == (
        "already_answered")
    assert await SealedResponse.count() == 1
