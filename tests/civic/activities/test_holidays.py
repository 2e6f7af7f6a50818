"""Session series skip holidays (issue 17): program staff keep the school holidays of
the Lombardy calendar at /civic/holidays (anyone else 404); the family's calendar file
(mail attachment and "add to calendar") leaves out, read back with `icalendar`, the
sessions on those days and on national holidays; a summer camp only the national ones."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from app.clock import ITALY, now
from app.errors import InvalidInput
from civic.activities import attendance, holidays
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from civic.tables import SchoolHoliday
from tests.civic.referrals.world import as_caller, make_activity, make_family, make_world
from tests.factories import csrf_token, make_org, make_user, sign_in

EN = {"accept-language": "en"}


def test_national_holidays_follow_the_law_and_easter() -> None:
    days = holidays.national_holidays(2027)
    assert date(2027, 3, 29) in days  # Easter Monday 2027
    assert {date(2027, 1, 6), date(2027, 4, 25), date(2027, 6, 2), date(2027, 12, 8),
            date(2027, 10, 4)} <= days
    assert date(2025, 10, 4) not in holidays.national_holidays(2025)
    assert date(2026, 4, 6) in holidays.national_holidays(2026)  # Easter Monday 2026


@pytest.fixture
async def world() -> Any:
    world = await make_world()
    program = await make_org("program", "FareLegami", "Cremona")
    world.admin = await make_user("admin@farelegami.example", program, "program_admin")
    return world


async def add(client: Any, **fields: str) -> Any:
    token = await csrf_token(client, "/civic/holidays")
    return await client.post("/civic/holidays", headers=EN, data={
        "_csrf_token": token, **fields}, follow_redirects=False)


async def test_program_staff_add_and_remove_school_holidays(client, world) -> None:
    await sign_in(client, world.admin)
    refused = await add(client, name="Vacanze di Natale", first_day="2027-01-06",
                        last_day="2026-12-23")
    assert refused.status_code == 422
    assert "The last day cannot come before the first." in html.unescape(refused.text)
    assert 'value="Vacanze di Natale"' in refused.text
    missing = await add(client, name=" ", first_day="", last_day="2026-12-23")
    assert missing.status_code == 422
    assert "Write the holiday's name" in html.unescape(missing.text)
    assert "Enter the first day, like 2026-12-23." in missing.text
    assert not await SchoolHoliday.exists()
    response = await add(client, name="Vacanze di Natale", first_day="2026-12-23",
                         last_day="2027-01-06")
    assert response.status_code == 303
    page = await client.get("/civic/holidays", headers=EN)
    assert "Vacanze di Natale" in page.text and "December 23, 2026" in page.text
    row = await SchoolHoliday.select().first()
    token = await csrf_token(client, "/civic/holidays")
    gone = await client.post(f"/civic/holidays/{row['id']}/delete",
                             data={"_csrf_token": token}, follow_redirects=False)
    assert gone.status_code == 303 and not await SchoolHoliday.exists()


@pytest.mark.parametrize("who", ["coord_a", "operator"])
async def test_nobody_but_program_staff_reaches_the_holidays(client, world, who) -> None:
    await SchoolHoliday(first_day=date(2026, 12, 23), last_day=date(2027, 1, 6),
                        name="Vacanze di Natale").save()
    row = await SchoolHoliday.select().first()
    await sign_in(client, getattr(world, who))
    assert (await client.get("/civic/holidays")).status_code == 404
    token = await csrf_token(client, "/")
    for path in ("/civic/holidays", f"/civic/holidays/{row['id']}/delete"):
        response = await client.post(path, data={"_csrf_token": token, "name": "X",
                                                 "first_day": "2026-11-02",
                                                 "last_day": "2026-11-02"})
        assert response.status_code == 404, path
    assert await SchoolHoliday.count() == 1


def exdates(data: bytes) -> set[date]:
    (event,) = Calendar.from_ical(data).events
    found = event.get("exdate")
    lists = found if isinstance(found, list) else [found] if found is not None else []
    return {item.dt.astimezone(ITALY).date() if isinstance(item.dt, datetime) else item.dt
            for dates in lists for item in dates.dts}


async def enrolled_calendar(client: Any, world: Any, **activity: Any) -> bytes:
    info = await make_activity(world, **activity)
    _family, (pupil,) = await make_family(world, ref=activity["title"][:10], pupils=(
        ("Luca", 8),))
    referral = await referrals.propose(await as_caller(world.coord_a), world.school_a,
                                       ReferralCreate(pupil, info.id))
    token = await referrals.issue_token(referral.id, ("proposed",))
    await referrals.answer(token or "", True)
    response = await client.get(f"/f/{token}/calendar.ics")
    assert response.status_code == 200
    return response.content


async def test_the_family_calendar_skips_school_and_national_holidays(client, world) -> None:
    """Before: the file repeated every week, through Christmas and Easter Monday."""
    today = now().astimezone(ITALY).date()
    first, last = today + timedelta(days=1), today + timedelta(days=400)
    break_first = today + timedelta(days=20)
    await SchoolHoliday(first_day=break_first, last_day=break_first + timedelta(days=13),
                        name="Vacanze").save()
    every_day = [0, 1, 2, 3, 4, 5, 6]
    data = await enrolled_calendar(client, world, title="Doposcuola", days=every_day,
                                   starts_on=first, ends_on=last)
    national = {day for year in range(first.year, last.year + 1)
                for day in holidays.national_holidays(year) if first <= day <= last}
    school = {break_first + timedelta(days=n) for n in range(14)}
    assert exdates(data) == national | school
    assert any(day.month == 12 and day.day == 25 for day in exdates(data))

    camp = await enrolled_calendar(client, world, title="Centro estivo", days=every_day,
                                   category="summer_camp", starts_on=first, ends_on=last)
    assert exdates(camp) == national


async def test_the_attendance_register_skips_the_same_holidays(world) -> None:
    """Before: the register listed Christmas Day and the school break as sessions."""
    today = now().astimezone(ITALY).date()
    first, last = today - timedelta(days=400), today - timedelta(days=1)
    break_first = first + timedelta(days=30)
    await SchoolHoliday(first_day=break_first, last_day=break_first + timedelta(days=6),
                        name="Vacanze").save()
    info = await make_activity(world, title="Doposcuola", days=[0, 1, 2, 3, 4, 5, 6],
                               starts_on=first, ends_on=last, publish=False)
    operator = await as_caller(world.operator)
    register = await attendance.register(operator, info.id)
    closed = {break_first + timedelta(days=n) for n in range(7)} | {
        day for year in range(first.year, last.year + 1)
        for day in holidays.national_holidays(year) if first <= day <= last}
    assert not closed & set(register.sessions)
    assert len(register.sessions) == (last - first).days + 1 - len(closed)
    with pytest.raises(InvalidInput) as refused:
        await attendance.record(operator, info.id, break_first, {})
    assert "on" in refused.value.errors
