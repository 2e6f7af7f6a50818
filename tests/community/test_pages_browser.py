"""The community pages in a real browser on a 360 px phone: the employee's initiatives
(a waitlist, an offer with its deadline) and labs (joined with the keyboard alone), and
program staff's proposals, lab, initiative and program dashboard. Every page fits the
screen, passes axe-core, labels its form controls and shows where the focus is
(tests/page_checks.py). One server and one Chromium for the module: Chromium is slow.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from babel.dates import format_datetime

from app import places
from app.auth.caller import Caller, load_caller
from app.clock import ITALY, now
from community.initiatives import mine as my_initiatives
from community.initiatives import service as initiatives
from community.initiatives.schemas import Child, InitiativeCreate
from community.labs import service as labs
from community.labs.schemas import (
    ActionIn,
    AgendaItem,
    AttendanceIn,
    GuestIn,
    LabCreate,
    MeetingIn,
)
from community.tables import Initiative, Lab, LabMember
from community.taxonomy import service as taxonomy
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.community.proposals.test_proposals import world as proposals_world
from tests.factories import make_org, make_user
from tests.page_checks import (
    accessible,
    axe_source,
    check_page,
    desk,
    labelled,
    open_disclosures,
    phone,
    tab_to,
    visit,
)


async def caller(user: UUID) -> Caller:
    found = await load_caller(user)
    assert found is not None
    return found


async def pool_of(initiative_id: UUID) -> UUID:
    row = await Initiative.select(Initiative.pool).where(Initiative.id == initiative_id).first()
    return row["pool"]


SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)


async def my_seat(initiative_id: UUID, user: UUID) -> str | None:
    seat = await places.seat_of(await pool_of(initiative_id), "user", user)
    return seat.status if seat else None


async def employee_world() -> dict[str, Any]:
    """Anna of Officine Rossi (Crema): waitlisted for a full company initiative, offered
    a freed place in an open one of Crema, with two labs she has not joined."""
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin", "Laura")
    maker = await make_user("giulia@farelegami.example", program, "community_maker",
                            "Giulia Ferrandi")
    rossi = await make_org("company", "Officine Meccaniche Rossi e Figli S.p.A.", "Crema")
    center = await make_org("civic_center", "Centro Civico di Crema", "Crema")
    hr = await make_user("hr@rossi.example", rossi, "hr_manager", "Rita Rossi")
    anna, bruno, carla, dario = [
        await make_user(f"{name.lower()}@rossi.example", rossi, "employee", name)
        for name in ("Anna", "Bruno", "Carla", "Dario")]
    await taxonomy.ensure_defaults()

    today = now().astimezone(ITALY).date()
    dates = {"starts_on": today + timedelta(days=40), "ends_on": today + timedelta(days=80),
             "description": "Scritta dagli organizzatori.", "publish": True}
    full = await initiatives.create_initiative(await caller(hr), InitiativeCreate(
        title="Navetta aziendale dalla stazione di Crema", type_key="shared_transport",
        capacity=1, schedule="Lunedì–venerdì, 7:15 e 17:30", place="Stazione di Crema",
        provider_name="Officine Meccaniche Rossi", provider_kind="company", **dates))
    # Made before the offered one, so without the offer first it would come first.
    await initiatives.create_initiative(await caller(staff), InitiativeCreate(
        title="Sportello badanti e assistenza familiare", type_key="eldercare_desk",
        towns=["Crema"], capacity=30, provider_name="Comune di Crema",
        provider_kind="municipality", place="Municipio di Crema",
        **{**dates, "starts_on": today + timedelta(days=1)}))
    offered = await initiatives.create_initiative(await caller(staff), InitiativeCreate(
        title="Centro estivo al Centro Civico", type_key="summer_camp", towns=["Crema"],
        capacity=1, cost_cents=9050, cost_note="a settimana", audience="families",
        provider_id=center, place="Via Mercato 12, Crema", **dates))
    await my_initiatives.join(await caller(bruno), full)  # the only place
    await my_initiatives.join(await caller(dario), full)  # first in line
    await my_initiatives.join(await caller(anna), full)  # second in line
    await my_initiatives.join(await caller(carla), offered, [Child("Pietro", 9)])
    await my_initiatives.join(await caller(anna), offered, [Child("Sofia", 7)])
    await my_initiatives.leave(await caller(carla), offered)  # the place goes to Anna

    workplace = await labs.create_lab(await caller(staff), LabCreate(
        title="Laboratorio conciliazione in Officine Rossi", scope="workplace",
        company_id=rossi, facilitator_id=maker,
        agenda=[AgendaItem("Nido aziendale condiviso", "children")]))
    await labs.add_meeting(await caller(staff), workplace, MeetingIn(
        starts_at=(now() + timedelta(days=9)).replace(tzinfo=None), place="Sala mensa"))
    town = await labs.create_lab(await caller(maker), LabCreate(
        title="Laboratorio di quartiere Crema Nuova", scope="town", town="Crema",
        partners=["Comune di Crema", "Comunità Sociale Cremasca"]))
    return {"anna": anna, "full": full, "offered": offered, "workplace": workplace,
            "town": town}


async def test_employee_pages_and_joining_a_lab_with_the_keyboard(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    w = await employee_world()
    seat = await places.seat_of(await pool_of(w["offered"]), "user", w["anna"])
    assert seat is not None and seat.status == "offered" and seat.offered_until
    deadline = format_datetime(seat.offered_until.astimezone(ITALY), format="d MMMM y, HH:mm",
                               locale="it")
    context = await phone(browser, live_server, w["anna"])
    try:
        page = await context.new_page()
        await visit(page, live_server, "/me")
        assert await page.locator("main .me-links li").count() == 3
        await check_page(page, axe, "/me")

        await visit(page, live_server, "/me/initiatives")
        cards = page.locator("main ul.cards > li")
        assert await cards.count() == 3
        full = cards.filter(has=page.locator(f"a[href='/me/initiatives/{w['full']}']"))
        assert await full.locator(".badge-full").count() == 1
        assert "2" not in await full.locator(".badge-full").inner_text()  # a waitlist under 5
        assert "2" in await full.locator(".seat").inner_text()  # Anna is second
        offer = cards.filter(has=page.locator(f"a[href='/me/initiatives/{w['offered']}']"))
        assert deadline in await offer.locator(".seat-offer").inner_text()
        assert await offer.locator("form[action$='/accept'] button").count() == 1
        # The offer comes first, its answer above the facts, and no "full" badge on it.
        first = cards.first
        assert await first.locator(f"a[href='/me/initiatives/{w['offered']}']").count() == 1
        assert await first.locator(".badge-full").count() == 0
        box = await first.locator("form[action$='/accept'] button").bounding_box()
        assert box is not None and box["y"] < 640  # on the phone's first screen
        await check_page(page, axe, "/me/initiatives")
        await page.screenshot(path=str(SHOTS / "me-initiatives-360.png"), full_page=True)

        # Leaving the waitlist asks first, on a page that works without script.
        async with page.expect_navigation():
            await full.locator(f"a[href='/me/initiatives/{w['full']}/leave']").click()
        await check_page(page, axe, "/me/initiatives/{full}/leave")
        await page.screenshot(path=str(SHOTS / "me-confirm-360.png"), full_page=True)
        assert await my_seat(w["full"], w["anna"]) == "waitlisted"  # asking changed nothing
        async with page.expect_navigation():
            await page.locator("main a.button.secondary-link").click()  # "No, keep it"
        assert await my_seat(w["full"], w["anna"]) == "waitlisted"

        await visit(page, live_server, f"/me/initiatives/{w['offered']}")
        assert deadline in await page.locator("main .seat-offer").inner_text()
        await check_page(page, axe, "/me/initiatives/{offered}")
        await visit(page, live_server, f"/me/initiatives/{w['full']}")
        await check_page(page, axe, "/me/initiatives/{full}")
        await visit(page, live_server, f"/me/initiatives/{w['offered']}/join")  # which children
        assert await page.locator("main #child_name_0").count() == 1
        await check_page(page, axe, "/me/initiatives/{offered}/join")
        await page.screenshot(path=str(SHOTS / "me-children-360.png"), full_page=True)

        await visit(page, live_server, "/me/labs")
        assert await page.locator("main ul.cards > li").count() == 2
        await check_page(page, axe, "/me/labs")
        title = "Laboratorio di quartiere Crema Nuova"
        button = await tab_to(page, {"tag": "button", "label": title})
        assert button["text"], button
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        joined = page.locator(f"#lab-{w['town']} .lab-joined")
        assert await joined.count() == 1
        assert await page.locator("main [role=status]").count() == 1
        assert await LabMember.count().where(LabMember.lab == w["town"]) == 1
        await check_page(page, axe, "/me/labs after joining")

        await visit(page, live_server, f"/me/labs/{w['workplace']}")
        assert await page.locator("main ul.cards > li").count() == 1  # the meeting ahead
        await check_page(page, axe, "/me/labs/{id}")
    finally:
        await context.close()
    await at_the_desk(browser, live_server, axe, w["anna"], (
        "/me/initiatives", f"/me/initiatives/{w['full']}/leave",
        f"/me/initiatives/{w['offered']}/decline", f"/me/initiatives/{w['offered']}/join"),
        "me")


async def at_the_desk(chromium: Any, server: LiveServer, axe: str, user: UUID,
                      paths: tuple[str, ...], name: str) -> None:
    """The same pages on a 1280 px screen: labelled, axe-clean, and a screenshot each."""
    context = await desk(chromium, server, user)
    try:
        page = await context.new_page()
        for number, path in enumerate(paths):
            await visit(page, server, path)
            await labelled(page, path)
            await accessible(page, axe, path)
            await page.screenshot(path=str(SHOTS / f"{name}-{number}-1280.png"), full_page=True)
    finally:
        await context.close()


async def test_program_staff_pages_from_proposals_to_the_dashboard(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    w = await proposals_world()
    maker = w.program.staff  # a community maker
    context = await phone(browser, live_server, maker)
    try:
        page = await context.new_page()
        await visit(page, live_server, "/proposals")
        assert await page.locator("main section.proposal-group").count() >= 2
        await check_page(page, axe, "/proposals")

        start = page.locator("main form[action='/proposals/lab'] button").first
        async with page.expect_navigation():
            await start.click()
        assert await page.locator("main form[action='/proposals/lab/create']").count() == 1
        await check_page(page, axe, "the lab drafted from a proposal")
        async with page.expect_navigation(url=f"{live_server.url}/labs/**"):
            await page.locator("main form[action='/proposals/lab/create'] "
                               "button[type=submit]").click()
        lab_id = UUID(page.url.rsplit("/", 1)[1].split("?")[0])
        assert await Lab.count().where(Lab.id == lab_id) == 1

        await visit(page, live_server, "/proposals")
        start = page.locator("main form[action='/proposals/initiative'] button").first
        async with page.expect_navigation():
            await start.click()
        await check_page(page, axe, "the initiative drafted from a proposal")
        assert await page.locator("#description").input_value() == ""  # no figures
        async with page.expect_navigation(url=f"{live_server.url}/initiatives/**"):
            await page.locator("main form[action='/proposals/initiative/create'] "
                               "button[type=submit]").click()
        initiative_id = UUID(page.url.rsplit("/", 1)[1].split("?")[0])
        assert await page.locator("main #draft-heading").count() == 1
        await check_page(page, axe, "a draft initiative")
        async with page.expect_navigation():  # publishing what lacks dates: a page says so
            await page.locator(f"main form[action='/initiatives/{initiative_id}/publish'] "
                               "button").click()
        assert await page.locator("main .error-summary, main [role=alert]").count() >= 1
        await check_page(page, axe, "a draft that cannot be published yet")
        await page.screenshot(path=str(SHOTS / "initiative-draft-360.png"), full_page=True)
        await visit(page, live_server, f"/initiatives/{initiative_id}/edit")
        await page.fill("#description", "Abbonamenti al bus a metà prezzo per chi viene da "
                        "fuori città.")
        await page.fill("#place", "Ufficio del personale")
        await page.fill("#starts_on", (now() + timedelta(days=10)).date().isoformat())
        await page.fill("#ends_on", (now() + timedelta(days=200)).date().isoformat())
        async with page.expect_navigation():
            await page.locator("main form button[type=submit]").last.click()
        async with page.expect_navigation():
            await page.locator(f"main form[action='/initiatives/{initiative_id}/publish'] "
                               "button").click()
        row = await Initiative.select(Initiative.status).where(
            Initiative.id == initiative_id).first()
        assert row["status"] == "published"

        staff = await caller(maker)
        held = await labs.add_meeting(staff, lab_id, MeetingIn(
            starts_at=(now() - timedelta(days=6)).replace(tzinfo=None), place="Sala riunioni",
            notes="Primo incontro: bisogni condivisi, nidi e centri estivi."))
        guest = await labs.add_guest(staff, lab_id, GuestIn(
            "Marta Ferri", "volunteer", "Auser Crema"))
        await labs.record_attendance(staff, lab_id, held.id, AttendanceIn(guest_ids=[guest.id]))
        await labs.add_meeting(staff, lab_id, MeetingIn(
            starts_at=(now() + timedelta(days=8)).replace(tzinfo=None), place="Mensa"))
        await labs.add_action(staff, lab_id, ActionIn(
            title="Chiedere al Comune i posti nei nidi", owner="Ufficio personale",
            due_on=now().date() + timedelta(days=20)))
        await places.set_capacity(await pool_of(initiative_id), 1)
        for number in range(3):  # one place taken, two waiting
            person = await make_user(f"persona{number}@rossi.example", w.a, "employee",
                                     f"Persona Numero{number}")
            await my_initiatives.join(await caller(person), initiative_id,
                                      [Child(f"Figlio{number}", 6 + number)])

        for path in (f"/labs/{lab_id}", "/labs", f"/initiatives/{initiative_id}",
                     "/initiatives", "/program"):
            await visit(page, live_server, path)
            await open_disclosures(page)
            await check_page(page, axe, path)
            if path == f"/labs/{lab_id}":
                await page.screenshot(path=str(SHOTS / "lab-360.png"), full_page=True)
            if path == f"/initiatives/{initiative_id}":
                assert "Persona Numero2" in await page.locator("main").inner_text()
    finally:
        await context.close()
    await at_the_desk(browser, live_server, axe, maker, (
        f"/initiatives/{initiative_id}", f"/initiatives/{initiative_id}/edit",
        "/initiatives/new", f"/labs/{lab_id}"), "staff")
