"""Pages where program staff edit the needs taxonomy: initiative types and welfare
categories. Anyone else gets 403: the taxonomy is the program's, not a tenant's."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from app.auth.guards import roles
from app.errors import InvalidInput
from app.i18n import _
from app.roles import COMMUNITY_MAKER, PROGRAM_ADMIN
from app.web.context import caller_of
from community.initiatives.schemas import (
    TypeCreate,
    TypeEdit,
    WelfareCategoryCreate,
    WelfareCategoryEdit,
)
from community.taxonomy import service as taxonomy

Req = Request[Any, Any, Any]
STAFF = roles(PROGRAM_ADMIN, COMMUNITY_MAKER)


def _position(form: FormMultiDict) -> int:
    text = form.get("position", "").strip() or "0"
    try:
        return int(text)
    except ValueError:
        raise InvalidInput({"position": _("A whole number from -10000 to 10000.")}) from None


def _type(form: FormMultiDict) -> dict[str, Any]:
    return {"label_it": form.get("label_it", ""), "label_en": form.get("label_en", ""),
            "areas": form.getall("areas", []),
            "welfare_category": form.get("welfare_category", "") or None,
            "position": _position(form)}


def _category(form: FormMultiDict) -> dict[str, Any]:
    return {"label_it": form.get("label_it", ""), "label_en": form.get("label_en", ""),
            "welfare_plan": form.get("welfare_plan") == "1",
            "reference": form.get("reference", ""), "position": _position(form)}


def _values(form: FormMultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["areas"] = form.getall("areas", [])
    values["welfare_plan"] = form.get("welfare_plan") == "1"
    return values


class TaxonomyPages(Controller):
    path = "/community/taxonomy"
    guards = [STAFF]
    include_in_schema = False

    @get(media_type=MediaType.HTML)
    async def overview(self, request: Req) -> Template:
        return Template("taxonomy/overview.html", context={
            "taxonomy": await taxonomy.taxonomy(), "done": request.query_params.get("done", "")})

    @get("/types/new", media_type=MediaType.HTML)
    async def new_type(self, request: Req) -> Template:
        return await _type_page(None, {"areas": [], "position": "0"}, {})

    @post("/types", media_type=MediaType.HTML)
    async def create_type(self, request: Req) -> Any:
        form = await request.form()
        try:
            await taxonomy.create_type(caller_of(request), TypeCreate(
                key=form.get("key", ""), **_type(form)))
        except InvalidInput as invalid:
            return await _type_page(None, _values(form), invalid.errors)
        return Redirect("/community/taxonomy?done=saved", status_code=303)

    @get("/types/{key:str}/edit", media_type=MediaType.HTML)
    async def edit_type_page(self, request: Req, key: str) -> Template:
        found = (await taxonomy.types_by_key()).get(key)
        if found is None:
            raise NotFoundException()
        return await _type_page(key, {
            "label_it": found.label_it, "label_en": found.label_en, "areas": found.areas,
            "welfare_category": found.welfare_category or "", "position": str(found.position)},
            {})

    @post("/types/{key:str}/edit", media_type=MediaType.HTML)
    async def edit_type(self, request: Req, key: str) -> Any:
        form = await request.form()
        try:
            await taxonomy.update_type(caller_of(request), key, TypeEdit(**_type(form)))
        except InvalidInput as invalid:
            return await _type_page(key, _values(form), invalid.errors)
        return Redirect("/community/taxonomy?done=saved", status_code=303)

    @post("/types/{key:str}/delete", media_type=MediaType.HTML)
    async def delete_type(self, request: Req, key: str) -> Any:
        try:
            await taxonomy.delete_type(caller_of(request), key)
        except InvalidInput as invalid:
            return Template("taxonomy/overview.html", status_code=422, context={
                "taxonomy": await taxonomy.taxonomy(), "errors": invalid.errors, "done": ""})
        return Redirect("/community/taxonomy?done=deleted", status_code=303)

    @get("/categories/new", media_type=MediaType.HTML)
    async def new_category(self, request: Req) -> Template:
        return _category_page(None, {"welfare_plan": True, "position": "0"}, {})

    @post("/categories", media_type=MediaType.HTML)
    async def create_category(self, request: Req) -> Any:
        form = await request.form()
        try:
            await taxonomy.create_category(caller_of(request), WelfareCategoryCreate(
                key=form.get("key", ""), **_category(form)))
        except InvalidInput as invalid:
            return _category_page(None, _values(form), invalid.errors)
        return Redirect("/community/taxonomy?done=saved", status_code=303)

    @get("/categories/{key:str}/edit", media_type=MediaType.HTML)
    async def edit_category_page(self, request: Req, key: str) -> Template:
        found = (await taxonomy.categories_by_key()).get(key)
        if found is None:
            raise NotFoundException()
        return _category_page(key, {
            "label_it": found.label_it, "label_en": found.label_en,
            "welfare_plan": found.welfare_plan, "reference": found.reference,
            "position": str(found.position)}, {})

    @post("/categories/{key:str}/edit", media_type=MediaType.HTML)
    async def edit_category(self, request: Req, key: str) -> Any:
        form = await request.form()
        try:
            await taxonomy.update_category(caller_of(request), key,
                                           WelfareCategoryEdit(**_category(form)))
        except InvalidInput as invalid:
            return _category_page(key, _values(form), invalid.errors)
        return Redirect("/community/taxonomy?done=saved", status_code=303)

    @post("/categories/{key:str}/delete", media_type=MediaType.HTML)
    async def delete_category(self, request: Req, key: str) -> Any:
        try:
            await taxonomy.delete_category(caller_of(request), key)
        except InvalidInput as invalid:
            return Template("taxonomy/overview.html", status_code=422, context={
                "taxonomy": await taxonomy.taxonomy(), "errors": invalid.errors, "done": ""})
        return Redirect("/community/taxonomy?done=deleted", status_code=303)


async def _type_page(key: str | None, values: dict[str, Any], errors: dict[str, str]
                     ) -> Template:
    return Template("taxonomy/type.html", status_code=422 if errors else 200, context={
        "key": key, "form": values, "errors": errors, "areas": taxonomy.area_labels(),
        "categories": await taxonomy.list_categories()})


def _category_page(key: str | None, values: dict[str, Any], errors: dict[str, str]
                   ) -> Template:
    return Template("taxonomy/category.html", status_code=422 if errors else 200, context={
        "key": key, "form": values, "errors": errors})
