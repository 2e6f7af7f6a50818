"""The needs taxonomy: need areas → initiative types → welfare-plan categories.

Survey questions carry their need area (`question.area`, keys and labels from the
question bank). Which kinds of initiative answer an area, and whether a kind can be paid
from a company welfare plan (TUIR art. 51, a rule that changes), are data that program
staff edit at /community/taxonomy. `ensure_defaults` adds the program's starting set once.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException

from app import audit
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _, current_language
from community.initiatives.schemas import (
    AreaInfo,
    Taxonomy,
    TypeCreate,
    TypeEdit,
    TypeInfo,
    WelfareCategoryCreate,
    WelfareCategoryEdit,
    WelfareCategoryInfo,
)
from community.tables import Initiative, InitiativeType, WelfareCategory
from surveys.bank import areas as bank_areas
from surveys.definition import text_in

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# (key, Italian, English, can be paid from a welfare plan, reference)
DEFAULT_CATEGORIES = (
    ("education_childcare", "Educazione e cura dei figli", "Education and childcare",
     True, "TUIR art. 51 c. 2 lett. f-bis"),
    ("dependent_care", "Assistenza a familiari anziani o non autosufficienti",
     "Care of elderly or dependent relatives", True, "TUIR art. 51 c. 2 lett. f-ter"),
    ("social_wellbeing", "Educazione, ricreazione, assistenza sociale e sanitaria",
     "Education, recreation, social and health care", True,
     "TUIR art. 51 c. 2 lett. f; art. 100 c. 1"),
    ("collective_transport", "Trasporto collettivo e abbonamenti al trasporto pubblico",
     "Collective transport and public transport passes", True,
     "TUIR art. 51 c. 2 lett. d, d-bis"),
    ("fringe_benefits", "Beni e servizi (fringe benefit, entro la soglia annua)",
     "Goods and services (fringe benefits, within the yearly limit)", True,
     "TUIR art. 51 c. 3"),
    ("not_welfare", "Non pagabile dal piano welfare", "Not payable from a welfare plan",
     False, ""),
)

# (key, Italian, English, need areas, welfare category)
DEFAULT_TYPES = (
    ("summer_camp", "Centro estivo", "Summer camp", ["children"], "education_childcare"),
    ("after_school", "Doposcuola", "After-school", ["children"], "education_childcare"),
    ("early_childhood", "Nido e prima infanzia", "Nursery and early childhood",
     ["children"], "education_childcare"),
    ("eldercare_desk", "Sportello assistenza anziani", "Eldercare help desk",
     ["elder_care"], "dependent_care"),
    ("carer_respite", "Sollievo per chi assiste un familiare", "Respite for family carers",
     ["elder_care", "health"], "dependent_care"),
    ("flexible_hours", "Sperimentazione di orari flessibili", "Flexible-hours pilot",
     ["working_time"], None),
    ("smart_working", "Sperimentazione di lavoro agile", "Smart-working pilot",
     ["working_time", "commuting"], None),
    ("shared_transport", "Trasporto condiviso", "Shared transport",
     ["commuting"], "collective_transport"),
    ("solidarity_purchasing", "Gruppo di acquisto solidale (GAS)",
     "Solidarity purchasing group", ["time_saving", "finances"], "not_welfare"),
    ("time_saving", "Servizi salvatempo", "Time-saving services",
     ["time_saving"], "fringe_benefits"),
    ("wellbeing", "Salute e benessere", "Health and wellbeing",
     ["health"], "social_wellbeing"),
    ("household_budget", "Sportello bilancio familiare", "Household budget help desk",
     ["finances"], "social_wellbeing"),
    ("housing_desk", "Sportello casa", "Housing help desk", ["housing"], "not_welfare"),
    ("neighbourhood_network", "Rete di vicinato e mutuo aiuto",
     "Neighbourhood and mutual-aid network", ["social_ties", "participation"], None),
)


async def ensure_defaults() -> None:
    """Add the default categories and types that are missing; never changes edited ones."""
    async with transaction():
        have = {r["key"] for r in await WelfareCategory.select(WelfareCategory.key)}
        for position, (key, label_it, label_en, plan, reference) in enumerate(
                DEFAULT_CATEGORIES):
            if key not in have:
                await WelfareCategory.insert(WelfareCategory(
                    key=key, label_it=label_it, label_en=label_en, welfare_plan=plan,
                    reference=reference, position=position * 10,
                )).on_conflict(target=WelfareCategory.key, action="DO NOTHING")
        have = {r["key"] for r in await InitiativeType.select(InitiativeType.key)}
        for position, (key, label_it, label_en, areas, category) in enumerate(DEFAULT_TYPES):
            if key not in have:
                await InitiativeType.insert(InitiativeType(
                    key=key, label_it=label_it, label_en=label_en, areas=areas,
                    welfare_category=category, position=position * 10,
                )).on_conflict(target=InitiativeType.key, action="DO NOTHING")


# Reading ------------------------------------------------------------------------------


def area_labels(language: str | None = None) -> dict[str, str]:
    """The need areas of the question bank by key, labelled in `language`."""
    language = language or current_language()
    return {key: text_in(texts, language) for key, texts in bank_areas().items()}


def _label(row: dict[str, Any], language: str) -> str:
    return str(row["label_en"] if language == "en" else row["label_it"])


async def list_categories(language: str | None = None) -> list[WelfareCategoryInfo]:
    language = language or current_language()
    rows = await WelfareCategory.select().order_by(WelfareCategory.position).order_by(
        WelfareCategory.key)
    return [WelfareCategoryInfo(
        key=r["key"], label=_label(r, language), label_it=r["label_it"], label_en=r["label_en"],
        welfare_plan=bool(r["welfare_plan"]), reference=r["reference"],
        position=r["position"]) for r in rows]


async def categories_by_key(language: str | None = None) -> dict[str, WelfareCategoryInfo]:
    return {c.key: c for c in await list_categories(language)}


async def list_types(language: str | None = None) -> list[TypeInfo]:
    language = language or current_language()
    categories = await categories_by_key(language)
    rows = await InitiativeType.select().order_by(InitiativeType.position).order_by(
        InitiativeType.key).output(load_json=True)
    result = []
    for r in rows:
        category = categories.get(r["welfare_category"] or "")
        result.append(TypeInfo(
            key=r["key"], label=_label(r, language), label_it=r["label_it"],
            label_en=r["label_en"], areas=list(r["areas"] or []),
            welfare_category=r["welfare_category"],
            welfare_plan=bool(category and category.welfare_plan), position=r["position"]))
    return result


async def types_by_key(language: str | None = None) -> dict[str, TypeInfo]:
    return {t.key: t for t in await list_types(language)}


async def types_for_areas(areas: list[str], language: str | None = None
                          ) -> dict[str, list[TypeInfo]]:
    """For each of `areas`, the initiative types that answer it: first those whose first
    area it is (shared transport for commuting, before a smart-working pilot that also
    serves it), each in the staff's order."""
    types = await list_types(language)
    return {area: sorted((t for t in types if area in t.areas), key=lambda t: t.areas[0] != area)
            for area in areas}


async def taxonomy(language: str | None = None) -> Taxonomy:
    language = language or current_language()
    return Taxonomy(
        areas=[AreaInfo(k, v) for k, v in area_labels(language).items()],
        types=await list_types(language), categories=await list_categories(language))


# Editing (program staff) ---------------------------------------------------------------


def _staff_only(caller: Caller) -> None:
    if not caller.is_program_staff:
        raise PermissionDeniedException()


def _check_labels(label_it: str, label_en: str, errors: dict[str, str]) -> None:
    for field, value in (("label_it", label_it), ("label_en", label_en)):
        if not value.strip():
            errors[field] = _("Write the name.")
        elif len(value.strip()) > 200:
            errors[field] = _("At most 200 characters.")


def _check_key(key: str, errors: dict[str, str]) -> None:
    if not KEY.match(key):
        errors["key"] = _("A short code of lowercase letters, digits and _, "
                          "starting with a letter (2 to 40 characters).")


def _check_position(position: int, errors: dict[str, str]) -> None:
    if not -10_000 <= position <= 10_000:
        errors["position"] = _("A whole number from -10000 to 10000.")


async def _check_type(data: TypeEdit, errors: dict[str, str]) -> None:
    _check_labels(data.label_it, data.label_en, errors)
    _check_position(data.position, errors)
    known = bank_areas()
    if not data.areas:
        errors["areas"] = _("Choose at least one need area.")
    elif any(area not in known for area in data.areas):
        errors["areas"] = _("Choose need areas from the list.")
    if data.welfare_category and not await WelfareCategory.exists().where(
            WelfareCategory.key == data.welfare_category):
        errors["welfare_category"] = _("Choose a welfare category from the list.")


async def create_type(caller: Caller, data: TypeCreate) -> TypeInfo:
    _staff_only(caller)
    errors: dict[str, str] = {}
    key = data.key.strip()
    _check_key(key, errors)
    await _check_type(data, errors)
    async with transaction():
        if not errors.get("key") and await InitiativeType.exists().where(
                InitiativeType.key == key):
            errors["key"] = _("This code is already used.")
        if errors:
            raise InvalidInput(errors)
        await InitiativeType(
            key=key, label_it=data.label_it.strip(), label_en=data.label_en.strip(),
            areas=_unique(data.areas), welfare_category=data.welfare_category or None,
            position=data.position).save()
        await audit.record("taxonomy.type_created", caller.user_id, None, key=key)
    return (await types_by_key())[key]


async def update_type(caller: Caller, key: str, data: TypeEdit) -> TypeInfo:
    _staff_only(caller)
    errors: dict[str, str] = {}
    await _check_type(data, errors)
    async with transaction():
        if not await InitiativeType.exists().where(InitiativeType.key == key):
            raise NotFoundException()
        if errors:
            raise InvalidInput(errors)
        await InitiativeType.update({
            InitiativeType.label_it: data.label_it.strip(),
            InitiativeType.label_en: data.label_en.strip(),
            InitiativeType.areas: _unique(data.areas),
            InitiativeType.welfare_category: data.welfare_category or None,
            InitiativeType.position: data.position,
        }).where(InitiativeType.key == key)
        await audit.record("taxonomy.type_updated", caller.user_id, None, key=key)
    return (await types_by_key())[key]


async def delete_type(caller: Caller, key: str) -> None:
    """Remove a type no initiative uses."""
    _staff_only(caller)
    async with transaction():
        if not await InitiativeType.exists().where(InitiativeType.key == key):
            raise NotFoundException()
        if await Initiative.exists().where(Initiative.type_key == key):
            raise InvalidInput({"type": _("Initiatives of this type exist: it cannot be "
                                          "removed. Rename it instead.")})
        await InitiativeType.delete().where(InitiativeType.key == key)
        await audit.record("taxonomy.type_deleted", caller.user_id, None, key=key)


def _check_category(data: WelfareCategoryEdit, errors: dict[str, str]) -> None:
    _check_labels(data.label_it, data.label_en, errors)
    _check_position(data.position, errors)
    if len(data.reference.strip()) > 200:
        errors["reference"] = _("At most 200 characters.")


async def create_category(caller: Caller, data: WelfareCategoryCreate) -> WelfareCategoryInfo:
    _staff_only(caller)
    errors: dict[str, str] = {}
    key = data.key.strip()
    _check_key(key, errors)
    _check_category(data, errors)
    async with transaction():
        if not errors.get("key") and await WelfareCategory.exists().where(
                WelfareCategory.key == key):
            errors["key"] = _("This code is already used.")
        if errors:
            raise InvalidInput(errors)
        await WelfareCategory(
            key=key, label_it=data.label_it.strip(), label_en=data.label_en.strip(),
            welfare_plan=data.welfare_plan, reference=data.reference.strip(),
            position=data.position).save()
        await audit.record("taxonomy.category_created", caller.user_id, None, key=key)
    return (await categories_by_key())[key]


async def update_category(caller: Caller, key: str, data: WelfareCategoryEdit
                          ) -> WelfareCategoryInfo:
    _staff_only(caller)
    errors: dict[str, str] = {}
    _check_category(data, errors)
    async with transaction():
        if not await WelfareCategory.exists().where(WelfareCategory.key == key):
            raise NotFoundException()
        if errors:
            raise InvalidInput(errors)
        await WelfareCategory.update({
            WelfareCategory.label_it: data.label_it.strip(),
            WelfareCategory.label_en: data.label_en.strip(),
            WelfareCategory.welfare_plan: data.welfare_plan,
            WelfareCategory.reference: data.reference.strip(),
            WelfareCategory.position: data.position,
        }).where(WelfareCategory.key == key)
        await audit.record("taxonomy.category_updated", caller.user_id, None, key=key,
                           welfare_plan=data.welfare_plan)
    return (await categories_by_key())[key]


async def delete_category(caller: Caller, key: str) -> None:
    """Remove a category no type and no initiative uses."""
    _staff_only(caller)
    async with transaction():
        if not await WelfareCategory.exists().where(WelfareCategory.key == key):
            raise NotFoundException()
        if await InitiativeType.exists().where(
                InitiativeType.welfare_category == key) or await Initiative.exists().where(
                Initiative.welfare_category == key):
            raise InvalidInput({"category": _("Types or initiatives use this category: it "
                                              "cannot be removed. Change it instead.")})
        await WelfareCategory.delete().where(WelfareCategory.key == key)
        await audit.record("taxonomy.category_deleted", caller.user_id, None, key=key)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
