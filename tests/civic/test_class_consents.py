"""Consent that fits a school's day: a class's signed paper forms recorded at once with
the day of signature, and a pupil refused as "under 14" only when surely under 14."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

import pytest

from app.clock import now
from app.errors import InvalidInput
from app.i18n import use_language
from civic.consents import service as consents
from civic.families.schemas import ConsentCreate
from civic.tables import Consent, Pupil
from tests.civic.families.test_families import add_family, as_caller, make_schools
from tests.factories import csrf_token, sign_in

EN = {"accept-language": "en"}


@pytest.fixture
async def world() -> Any:
    return await make_schools()


def today() -> date:
    return now().date()


async def test_a_pupil_born_fourteen_years_ago_may_already_be_14(world: Any) -> None:
    """Before: born in 2012 was refused as "under 14" all through 2026."""
    year = today().year - 14
    _f, (pupil,) = await add_family(world.a, pupils=(("Giulia", year, "S3"),))
    coordinator = await as_caller(world.coord_a)
    alone = ConsentCreate(given_by="Giulia", given_by_role="pupil")
    with use_language("en"), pytest.raises(InvalidInput) as refused:
        await consents.record_consent(coordinator, world.a, pupil, alone)
    assert refused.value.errors == {"given_by_role": (
        "Giulia may already be 14: enter the date of birth in the pupil's details to "
        "check, or record a parent's consent.")}
    birthday = today() - timedelta(days=1)
    await Pupil.update({Pupil.birth_date: date(year, birthday.month, min(birthday.day, 28))
                        }).where(Pupil.id == pupil)
    history = await consents.record_consent(coordinator, world.a, pupil, alone)
    assert history.consents[0].given_by_role == "pupil"


def test_fourteen_from_the_birth_date_or_the_latest_birthday() -> None:
    year = today().year - 14
    assert consents.fourteenth_birthday(year) == date(year + 14, 12, 31)
    assert consents.fourteenth_birthday(2012, date(2012, 2, 29)) == date(2026, 3, 1)
    assert consents.surely_under_14(year + 1)
    assert not consents.surely_under_14(year)
    assert consents.may_consent_alone(year - 1)


async def test_a_pupil_surely_under_14_is_refused(world: Any) -> None:
    _f, (pupil,) = await add_family(world.a, pupils=(("Luca", today().year - 10, "5A"),))
    with use_language("en"), pytest.raises(InvalidInput) as refused:
        await consents.record_consent(
            await as_caller(world.coord_a), world.a, pupil,
            ConsentCreate(given_by="Luca", given_by_role="pupil"))
    assert refused.value.errors == {"given_by_role": "A pupil under 14 needs a parent's consent"}


async def class_of_three(world: Any) -> list[Any]:
    ids = []
    for ref, name in (("F1", "Anna"), ("F2", "Bruno"), ("F3", "Carla")):
        _f, (pupil,) = await add_family(world.a, ref, f"Genitore {name}",
                                        ((name, today().year - 9, "4A"),))
        ids.append(pupil)
    await add_family(world.a, "F4", "Altro", (("Dario", today().year - 9, "4B"),))
    return ids


async def post_class(client: Any, world: Any, data: dict[str, str], school: Any = None) -> Any:
    school = school or world.a
    token = await csrf_token(client, f"/schools/{school}/consents/class")
    return await client.post(f"/schools/{school}/consents/class", headers=EN, data={
        "_csrf_token": token, "class_name": "4A", **data}, follow_redirects=False)


async def test_a_coordinator_records_a_class_of_signed_forms_at_once(client: Any,
                                                                    world: Any) -> None:
    anna, bruno, carla = await class_of_three(world)
    await sign_in(client, world.coord_a)
    page = await client.get(f"/schools/{world.a}/consents/class?class_name=4A", headers=EN)
    assert page.status_code == 200
    assert "Anna" in page.text and "Carla" in page.text and "Dario" not in page.text
    signed = (today() - timedelta(days=2)).isoformat()
    response = await post_class(client, world, {
        "signed_on": signed, f"signed-{anna}": "1", f"given_by-{anna}": "Genitore Anna",
        f"photo_release-{anna}": "1", f"signed-{carla}": "1",
        f"given_by-{carla}": "Genitore Carla", f"given_by-{bruno}": "Genitore Bruno"})
    assert response.status_code == 303
    shown = await client.get(response.headers["location"], headers=EN)
    assert "Consents recorded: 2." in shown.text
    rows = await Consent.select(Consent.pupil, Consent.signed_on, Consent.photo_release,
                                Consent.given_by)
    assert sorted((str(r["pupil"]), r["signed_on"].isoformat(), r["photo_release"],
                   r["given_by"]) for r in rows) == sorted([
        (str(anna), signed, True, "Genitore Anna"), (str(carla), signed, False,
                                                     "Genitore Carla")])


@pytest.mark.parametrize(("signed_on", "message"), [
    ("", "Enter the day the forms were signed, like 2026-09-15."),
    ("2099-01-01", "The day of signature cannot be in the future."),
])
async def test_a_class_without_a_good_signature_day_records_nothing(
        client: Any, world: Any, signed_on: str, message: str) -> None:
    anna, bruno, _carla = await class_of_three(world)
    await sign_in(client, world.coord_a)
    response = await post_class(client, world, {
        "signed_on": signed_on, f"signed-{anna}": "1", f"given_by-{anna}": "G",
        f"signed-{bruno}": "1", f"given_by-{bruno}": ""})
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert message in text and "Write who gave the consent." in text
    assert f'id="given_by-{bruno}-error"' in response.text
    assert not await Consent.exists()


async def test_another_schools_class_is_404(client: Any, world: Any) -> None:
    anna, _bruno, _carla = await class_of_three(world)
    await sign_in(client, world.coord_b)
    assert (await client.get(f"/schools/{world.a}/consents/class?class_name=4A")
            ).status_code == 404
    response = await post_class(client, world, {
        "signed_on": today().isoformat(), f"signed-{anna}": "1", f"given_by-{anna}": "X"},
        school=world.b)
    assert response.status_code == 404
    assert not await Consent.exists()
