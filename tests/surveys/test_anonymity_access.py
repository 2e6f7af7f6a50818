"""Issue 11, as the employer would attack it: codes, drafts, answer pages, the ballot box.

Each test plays an HR manager (or a reader of the database or of the access log) through
the same pages, API and sheets they really have, and fails if the attack works.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from app import settings as settings_module
from app.auth.caller import load_caller
from surveys import sealing
from surveys.answering import service as answering
from surveys.ballot import service as ballot
from surveys.distribution import service as distribution
from surveys.tables import Ballot, Invitation, Response, Wave
from surveys.waves.state import today
from tests.factories import api_post, post_form, sign_in
from tests.surveys.answering.test_answering import answer_all, build_wave, invite, post_section
from tests.surveys.waves.test_waves import (
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
    assert await Ballot.count() == 1


# 2. Drafts under a code -----------------------------------------------------------------


async def test_a_draft_saved_under_a_code_does_not_open_for_whoever_gets_the_card(
    client: Any,
) -> None:
    built = await build_wave()
    card = await invite(built, channel="code", name="Carla Verdi", email=None)
    await post_section(client, card["path"], 1, {"a_children": "no", "a_household": "7"})
    saved = await post_section(client, card["path"], 2, {"a_stress": "5"}, action="save")
    assert saved.status_code == 303
    assert 'value="5" checked' in (await client.get(f"{card['path']}/2")).text  # her browser

    client.cookies.clear()  # HR, later, with the card in hand, on another browser
    notice = await client.get(card["path"])
    first = await client.get(f"{card['path']}/1")
    second = await client.get(f"{card['path']}/2")
    assert notice.status_code == first.status_code == second.status_code == 200
    assert 'value="no" checked' not in first.text and 'value="7"' not in first.text
    assert 'checked' not in second.text
    assert f'{card["path"]}/2' not in notice.text  # no "continue where you left off"


async def test_no_draft_is_readable_from_the_database(client: Any) -> None:
    built = await build_wave()
    mailed = await invite(built, email="dario@rossi.example", ref="R-1")
    card = await invite(built, channel="code", name="Carla Verdi", email=None, ref="R-2")
    for person, household in ((mailed, "13"), (card, "11")):
        await post_section(client, person["path"], 1, {"a_children": "no",
                                                       "a_household": household})
        await post_section(client, person["path"], 2, {"a_idea": f"Orario flessibile {household}"},
                           action="save")

    dump = await everything_stored()
    assert "Orario flessibile" not in dump and '"household"' not in dump
    assert '"13"' not in dump and '"11"' not in dump


# 3. Answer pages and the access log -----------------------------------------------------


def _access_line(method: str, path: str, status: int) -> str:
    """The line uvicorn's access log writes, through the kernel's scrubber."""
    import io
    import logging

    from legami import logs

    logs.install()
    logger, lines = logging.getLogger("uvicorn.access"), io.StringIO()
    handler = logging.StreamHandler(lines)
    logger.addHandler(handler)
    try:
        logger.error('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5555", method, path, "1.1", status)
    finally:
        logger.removeHandler(handler)
    return lines.getvalue().strip()


async def _log_of(client: Any, path: str, data: dict[str, Any]) -> list[str]:
    """The access-log lines of one section's post and of the page it leads to."""
    posted = await post_section(client, path, 1, data)
    url = posted.request.url
    lines = [_access_line("POST", url.raw_path.decode(), posted.status_code)]
    if posted.status_code in (301, 302, 303):
        page = await client.get(posted.headers["location"])
        lines.append(_access_line("GET", page.request.url.raw_path.decode(), page.status_code))
    return lines


async def test_the_access_log_reads_the_same_whatever_was_answered(client: Any) -> None:
    built = await build_wave()
    people = [await invite(built, email=f"p{n}@rossi.example", ref=f"R-{n}") for n in range(3)]
    with_children = await _log_of(client, people[0]["path"],
                                  {"a_children": "yes", "a_household": "3"})  # opens "ages"
    without = await _log_of(client, people[1]["path"], {"a_children": "no", "a_household": "3"})
    mistaken = await _log_of(client, people[2]["path"], {"a_children": "no", "a_household": "99"})

    assert with_children == without == mistaken
    assert all(" 303" in lines[0] and " 200" in lines[1] for lines in (with_children, without))


# 4. The ballot box, read from a database dump --------------------------------------------


async def _dump() -> dict[str, dict[str, str]]:
    """Every row of every table, read straight from the database, keyed by table and id."""
    import json

    from piccolo.conf.apps import Finder

    dump: dict[str, dict[str, str]] = {}
    for table in Finder().get_table_classes():
        rows = await table.raw(f"SELECT * FROM {table._meta.tablename}")
        dump[table._meta.tablename] = {
            str(row.get("id", n)): json.dumps(row, default=str) for n, row in enumerate(rows)}
    return dump


async def test_a_dump_between_two_submissions_reads_no_answer_and_links_nothing(
    client: Any,
) -> None:
    built = await build_wave()
    first = await invite(built, email="primo@rossi.example", ref="R-1", department="Logistica")
    second = await invite(built, email="seconda@rossi.example", ref="R-2",
                          department="Amministrazione", ids=(586201, 914273))
    await answer_all(client, first["path"])
    before = await _dump()
    distinctive = {1: {"a_children": "yes", "a_ages": ["4_10"], "a_household": "13"},
                   2: {"a_stress": "5", "a_services__nursery": "would",
                       "a_services__camp": "use", "a_idea": "Navetta Ombriano–Vaiano 7:42"}}
    assert (await answer_all(client, second["path"], distinctive)).status_code == 303
    after = await _dump()

    new_rows = {table: [row for key, row in rows.items() if before[table].get(key) != row]
                for table, rows in after.items()}
    [answered] = new_rows["invitations"]
    assert '"id": 914273' in answered and len(new_rows["ballots"]) == 1
    [ballot] = new_rows["ballots"]
    for readable in ("Navetta", "Ombriano", "7:42", "would", "4_10", '"13"', "Amministrazione",
                     str(built["company"]), "914273", "586201", "children"):
        assert readable not in ballot, readable
    everything = "\n".join(row for rows in after.values() for row in rows.values())
    assert "Navetta" not in everything and "Ombriano" not in everything
    assert not new_rows["sealed_responses"]  # the readable box of old is not used


async def test_the_flush_opens_the_boxes_and_a_wrong_key_opens_nothing(monkeypatch) -> None:
    built = await build_wave()
    person = await invite(built)
    invitee = await answering.resolve_link(person["secret"])
    assert invitee is not None
    answers = {"children": "no", "household": "2", "stress": "3",
               "services": {"nursery": "no", "camp": "no"}}
    assert await answering.submit(invitee, answers, "it") == "stored"
    box = (await Ballot.select(Ballot.box).first())["box"]

    other = dataclasses.replace(settings_module.get_settings(), ballot_keys=(b"k" * 32,))
    monkeypatch.setattr(sealing, "get_settings", lambda: other)
    assert sealing.unseal(box, ballot.BALLOT_PURPOSE) is None
    monkeypatch.undo()

    await Wave.update({Wave.closes_on: today() - timedelta(days=1)}).where(
        Wave.id == built["wave"])
    assert await ballot.flush_wave(built["wave"]) == 1
    stored = await Response.select(Response.company, Response.group_values).output(
        load_json=True)
    assert stored == [{"company": built["company"],
                       "group_values": {"department": "Logistica", "children": "no"}}]
    assert await Ballot.count() == 0


# 6. Initiative counts -----------------------------------------------------------------------


async def _hr_view(client: Any, made: Any, company: Any) -> list[Any]:
    """What the HR manager can read of an initiative: list, detail, participation, page."""
    listed = (await client.get("/api/v1/initiatives")).json()
    detail = (await client.get(f"/api/v1/initiatives/{made}")).json()
    participation = (await client.get(f"/api/v1/companies/{company}/participation")).json()
    page = await client.get(f"/initiatives/{made}?lang=en")
    shown = page.text[page.text.index("<dl"):page.text.index("</dl>")]
    return [[item for item in listed if item["id"] == str(made)], detail, participation, shown]


async def test_hr_cannot_watch_one_employee_join_an_initiative(client: Any) -> None:
    from tests.community.initiatives.test_initiatives import company_initiative
    from tests.community.initiatives.test_initiatives import make_world as initiative_world

    world = await initiative_world(employees_a=3)
    made = await company_initiative(world, capacity=25)
    await sign_in(client, world.hr_a)
    before = await _hr_view(client, made, world.a)

    await sign_in(client, world.emp_a[0])
    joined = await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    assert joined.status_code == 200
    await sign_in(client, world.hr_a)
    after = await _hr_view(client, made, world.a)

    assert after == before  # 0 → 1 enrolled, 25 → 24 free: nothing HR sees moved
    assert before[1]["availability"] == "free" and before[1]["places_left"] is None


async def test_hr_cannot_watch_one_employee_join_a_lab(client: Any) -> None:
    from community.labs import service as labs
    from tests.community.labs.test_labs import caller as lab_caller
    from tests.community.labs.test_labs import make_world as lab_world
    from tests.community.labs.test_labs import workplace_lab

    world = await lab_world()
    lab_id = await workplace_lab(world)
    await sign_in(client, world.hr_rossi)

    async def seen() -> list[Any]:
        detail = (await client.get(f"/api/v1/labs/{lab_id}")).json()
        page = await client.get(f"/labs/{lab_id}?lang=en")
        listing = await client.get("/labs?lang=en")
        return [detail["members"], page.text.count("Fewer than 5"),
                listing.text.count("Fewer than 5")]

    before = await seen()
    await labs.join_lab(await lab_caller(world.anna), lab_id)
    assert await seen() == before == [None, 1, 1]  # 0 → 1 member: nothing HR sees moved
