"""The days an activity's weekly sessions skip: Italian national holidays and the school
holidays of the Lombardy calendar.

National holidays are the law's and the same every year, so they are code: 1 and 6
January, Easter Monday, 25 April, 1 May, 2 June, 15 August, 4 October (again a national
holiday from 2026), 1 November, 8, 25 and 26 December. School holidays change every
school year (the Region's calendar, Christmas and Easter breaks, Carnival, bridges the
schools choose), so they are data that program staff keep (`SchoolHoliday`, at
`/civic/holidays`). Activities of the school year skip both; a summer camp, which runs
when schools are closed, skips only the national holidays.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec
from dateutil.easter import easter
from litestar.exceptions import NotFoundException

from app import audit
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from civic.tables import SchoolHoliday

FIXED = ((1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25),
         (12, 26))
SAINT_FRANCIS_FROM = 2026  # 4 October, a national holiday again from 2026
MAX_DAYS = 120  # a break longer than a school term is a typing mistake
SUMMER = "summer_camp"


class HolidayOut(msgspec.Struct):
    id: int
    first_day: date
    last_day: date
    name: str


class HolidayCreate(msgspec.Struct, forbid_unknown_fields=True):
    first_day: date | None
    last_day: date | None
    name: str


def national_holidays(year: int) -> set[date]:
    """The national holidays of `year` (Easter Sunday is a Sunday anyway)."""
    days = {date(year, month, day) for month, day in FIXED}
    days.add(easter(year) + timedelta(days=1))
    if year >= SAINT_FRANCIS_FROM:
        days.add(date(year, 10, 4))
    return days


async def closed_days(first: date, last: date, category: str = "") -> set[date]:
    """The days from `first` to `last` when a `category` activity has no session."""
    days = {day for year in range(first.year, last.year + 1)
            for day in national_holidays(year) if first <= day <= last}
    if category == SUMMER:
        return days
    rows = await SchoolHoliday.select(SchoolHoliday.first_day, SchoolHoliday.last_day).where(
        (SchoolHoliday.first_day <= last) & (SchoolHoliday.last_day >= first))
    for row in rows:
        day = max(row["first_day"], first)
        while day <= min(row["last_day"], last):
            days.add(day)
            day += timedelta(days=1)
    return days


def _staff(caller: Caller) -> None:
    if not caller.is_program_staff:
        raise NotFoundException()  # another role does not learn the page exists


def _out(row: dict[str, Any]) -> HolidayOut:
    return HolidayOut(id=row["id"], first_day=row["first_day"], last_day=row["last_day"],
                      name=row["name"])


async def list_holidays(caller: Caller) -> list[HolidayOut]:
    """Every school holiday, in date order (program staff)."""
    _staff(caller)
    rows = await SchoolHoliday.select().order_by(SchoolHoliday.first_day)
    return [_out(row) for row in rows]


def _check(data: HolidayCreate) -> str:
    errors = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = _("Write the holiday's name, like Christmas break.")
    elif len(name) > 100:
        errors["name"] = _("Too long: at most {limit} characters.").format(limit=100)
    if data.first_day is None:
        errors["first_day"] = _("Enter the first day, like 2026-12-23.")
    if data.last_day is None:
        errors["last_day"] = _("Enter the last day, like 2027-01-06.")
    if data.first_day is not None and data.last_day is not None:
        if data.last_day < data.first_day:
            errors["last_day"] = _("The last day cannot come before the first.")
        elif (data.last_day - data.first_day).days >= MAX_DAYS:
            errors["last_day"] = _("A holiday lasts at most {days} days.").format(days=MAX_DAYS)
    if errors:
        raise InvalidInput(errors)
    return name


async def add_holiday(caller: Caller, data: HolidayCreate) -> HolidayOut:
    """Add a school holiday (program staff): sessions on its days are skipped."""
    _staff(caller)
    name = _check(data)
    async with transaction():
        row = SchoolHoliday(first_day=data.first_day, last_day=data.last_day, name=name)
        await row.save()
        await audit.record("civic.holiday.added", caller.user_id, None, name=name,
                           first_day=str(data.first_day), last_day=str(data.last_day))
    return HolidayOut(id=row.id, first_day=row.first_day, last_day=row.last_day, name=name)


async def delete_holiday(caller: Caller, holiday_id: int) -> None:
    """Remove a school holiday (program staff); 404 for an unknown one."""
    _staff(caller)
    async with transaction():
        deleted = await SchoolHoliday.delete().where(
            SchoolHoliday.id == holiday_id).returning(SchoolHoliday.name)
        if not deleted:
            raise NotFoundException()
        await audit.record("civic.holiday.deleted", caller.user_id, None,
                           name=deleted[0]["name"])
