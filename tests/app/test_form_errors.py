"""A form that fails validation comes back as the same page, never as its source.

Every page handler, walked: whatever it declares, a page it answers is text/html (a
handler that answers a page or a redirect used to get Litestar's JSON default, and the
browser showed the 422 page's source). Then the staff forms of the HR and program
journeys in Chromium at 360 px and 1280 px: the page renders, the message sits next to
its field, what was typed is still there, and axe-core finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.response import Template
from litestar.routes import HTTPRoute
from litestar.testing import RequestFactory

from app.auth.caller import load_caller
from app.tables import IdentityProvider
from company_portal.tables import RosterEntry
from surveys.editor import service as surveys_service
from surveys.editor.service import SurveyCreate
from surveys.waves import service as waves_service
from surveys.waves.service import WaveCreate
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.company_portal.roster.test_roster import PEOPLE, csv_file
from tests.factories import make_org, make_user
from tests.page_checks import (
    accessible,
    axe_source,
    desk,
    fits,
    focus_is_visible,
    labelled,
    phone,
)


def _page_handlers() -> tuple[Any, list[tuple[str, Any]]]:
    from legami.application import create_app

    app = create_app(run_jobs=False)
    return app, [(route.path, handler) for route in app.routes if isinstance(route, HTTPRoute)
                 and not route.path.startswith("/api/") for handler in route.route_handlers]


async def test_every_page_handler_answers_a_page_as_html() -> None:
    app, handlers = _page_handlers()
    posted = {path for path, handler in handlers if "POST" in handler.http_methods}
    for path in ("/admin/companies/new", "/portal/{organization_id:uuid}/onboarding/{step:str}",
                 "/portal/{organization_id:uuid}/roster/imports", "/waves/new", "/surveys",
                 "/surveys/{survey_id:uuid}/questions/{key:str}"):
        assert path in posted  # the walk sees the staff forms
    page = Template("error.html", status_code=422, context={
        "status": 422, "title": "Controlla", "detail": "", "errors": {"name": "Manca"}})
    wrong = []
    for path, handler in handlers:
        request = RequestFactory(app=app).get(path.replace("{", "").replace("}", ""))
        answer = await handler.to_response(app=app, data=page, request=request)
        content_type = dict(answer.encoded_headers).get(b"content-type", b"")
        if not content_type.startswith(b"text/html"):
            wrong.append((sorted(handler.http_methods), path, content_type))
    assert not wrong


# The staff forms in a real browser ----------------------------------------------------------


@dataclass
class Form:
    """A page with a form, what to type into it, and the field that must be refused."""

    page: str
    typed: dict[str, str]
    refused: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    submit: str = ""  # the form's selector, when the page has more than one


@dataclass
class World:
    admin: UUID
    hr: UUID
    company: UUID
    survey: UUID
    version: UUID
    draft_wave: UUID


async def make_world() -> World:
    program = await make_org("program", "FareLegami", "Cremona")
    admin = await make_user("admin@farelegami.example", program, "program_admin", "Paola")
    company = await make_org("company", "Officine Rossi", "Crema", domains=("rossi.example",))
    hr = await make_user("hr@rossi.example", company, "hr_manager", "Laura Verdi")
    for ref, name, email, department, site, shift in PEOPLE:
        await RosterEntry(company=company, employee_ref=ref, name=name, email=email or None,
                          attributes={"reparto": department, "sede": site, "turno": shift},
                          roster_key=f"{company}:{ref}").save()
    caller = await load_caller(admin)
    assert caller is not None
    survey = await surveys_service.create_survey(caller, SurveyCreate(
        source="ready", title="Bisogni 2026", owner_id=program))
    await IdentityProvider(organization=company, issuer="https://idp.rossi.example",
                           client_id="legami").save()
    hr_caller = await load_caller(hr)
    assert hr_caller is not None
    wave = await waves_service.create_wave(hr_caller, WaveCreate(
        version_id=survey.latest.id, title="Ondata d'autunno", opens_on=waves_service.today(),
        closes_on=waves_service.today() + timedelta(days=14), company_ids=[company]))
    return World(admin, hr, company, survey.id, survey.latest.id, wave.id)


async def roster_confirm(page: Any, server: LiveServer, world: World) -> str:
    """Upload a file that would deactivate most of the roster; the preview's address."""
    await page.goto(f"{server.url}/portal/{world.company}/roster")
    await page.set_input_files("#file", files=[{
        "name": "organico.csv", "mimeType": "text/csv", "buffer": csv_file(PEOPLE[:1])}])
    async with page.expect_navigation():
        await page.click("form:has(#file) [type=submit]")
    return page.url.removeprefix(server.url)


# (who fills the form, how to reach it, the form)
FORMS: dict[str, tuple[str, Callable[[World], Form]]] = {
    "invite a company": ("admin", lambda w: Form("/admin/companies/new", {
        "name": "Officine Rossi Due", "town": "Crema", "domains": "rossi due",
        "hr_email": "laura@rossi2.example", "hr_name": "Laura Verdi"}, "domains")),
    "wizard: details": ("hr", lambda w: Form(f"/portal/{w.company}/onboarding/details", {
        "name": " ", "town": "Soresina"}, "name")),
    "wizard: identity provider": ("hr", lambda w: Form(
        f"/portal/{w.company}/onboarding/provider", {
            "issuer": "http://idp.rossi.example", "client_id": "legami"}, "issuer",
        submit="form:has(#issuer)")),
    "wizard: HR claim": ("hr", lambda w: Form(f"/portal/{w.company}/onboarding/hr-claim", {
        "claim": "gr oups", "value": "legami-hr"}, "claim")),
    "roster upload": ("hr", lambda w: Form(f"/portal/{w.company}/roster", {}, "file",
                                           submit="form:has(#file)")),
    "roster confirm": ("hr", lambda w: Form("roster-preview", {}, "confirm_deactivation",
                                            submit="#import")),
    "new survey": ("admin", lambda w: Form("/surveys", {
        "title": "Opinioni politiche dei dipendenti"}, "title", submit="form:has(#title)")),
    "survey details": ("admin", lambda w: Form(f"/surveys/{w.survey}", {
        "title.it": "", "intro.it": "Dieci minuti, in forma anonima."}, "title.it",
        submit="form:has([name='title.it'])")),
    "new section": ("admin", lambda w: Form(f"/surveys/{w.survey}", {
        "new_section": "Il tuo voto alle elezioni"}, "new_section",
        submit="form:has(#new_section)")),
    "a question": ("admin", lambda w: Form(f"/surveys/{w.survey}/questions/wellbeing", {
        "text.it": "Per chi voti?"}, "text.it", submit="form:has([name='text.it'])")),
    "new wave": ("hr", lambda w: Form(f"/waves/new?version={w.version}", {
        "title": "Ondata di primavera", "opens_on": "2020-01-01", "closes_on": "2020-01-10"},
        "closes_on", submit="form:has(#title)")),
    "change a draft wave": ("hr", lambda w: Form(f"/waves/{w.draft_wave}/edit", {
        "title": "Ondata d'inverno", "opens_on": "2020-01-01", "closes_on": "2020-01-10"},
        "closes_on", submit="form:has(#title)")),
}

# The message follows its field (or its field's box), with at most the field's hint between.
NEXT_TO = """([fieldName]) => {
  const field = document.getElementsByName(fieldName)[0];
  const error = document.getElementById(fieldName + '-error');
  if (!field || !error) return {field: !!field, error: !!error};
  const described = (field.getAttribute('aria-describedby') || '').split(/\\s+/);
  let box = field;
  while (box.parentElement && !box.parentElement.contains(error)) box = box.parentElement;
  const between = [];
  let node = box.nextElementSibling;
  for (; node && node !== error; node = node.nextElementSibling) between.push(node);
  return {field: true, error: true, invalid: field.getAttribute('aria-invalid'),
          described: described.includes(error.id), text: error.textContent.trim(),
          follows: node === error,
          between: between.filter(n => !described.includes(n.id) && !(n.tagName === 'LABEL'
            && n.htmlFor === field.id)).map(n => n.outerHTML)};
}"""



async def _submit_with_errors(page: Any, form: Form) -> Any:
    for name, value in form.typed.items():
        await page.fill(f"[name='{name}']", value)
    for name, (filename, content) in form.files.items():
        await page.set_input_files(f"[name='{name}']", files=[
            {"name": filename, "mimeType": "text/csv", "buffer": content}])
    scope = form.submit or f"form:has([name='{form.refused}'])"
    # The server's answer is under test, not the browser's own checks.
    await page.evaluate("(s) => document.querySelector(s).noValidate = true", scope)
    async with page.expect_navigation() as navigation:
        await page.click(f"{scope} [type=submit]")
    return await navigation.value


async def _shows_the_errors(page: Any, answer: Any, form: Form, where: str) -> None:
    assert answer.status == 422, f"{where}: {answer.status}"
    assert answer.headers["content-type"].startswith("text/html"), where
    assert await page.locator("h1").count() == 1, f"{where}: no page heading"
    assert await page.locator("body > pre").count() == 0, f"{where}: the page's source"
    found = await page.evaluate(NEXT_TO, [form.refused])
    assert found["field"] and found["error"], f"{where}: {found}"
    assert found["text"] and found["invalid"] == "true" and found["described"], where
    assert found["follows"] and not found["between"], f"{where}: {found}"
    for name, value in form.typed.items():
        if name != form.refused or value.strip():
            assert await page.input_value(f"[name='{name}']") == value, f"{where}: {name}"


@pytest.mark.parametrize("name", list(FORMS))
async def test_a_refused_form_comes_back_as_its_page_with_what_was_typed(
        browser: Any, live_server: LiveServer, name: str) -> None:  # noqa: F811
    axe = axe_source()
    world = await make_world()
    who, build = FORMS[name]
    user = world.admin if who == "admin" else world.hr
    for width, screen in (("360 px", phone), ("1280 px", desk)):
        context = await screen(browser, live_server, user)
        try:
            page = await context.new_page()
            form = build(world)
            if form.page == "roster-preview":
                form.page = await roster_confirm(page, live_server, world)
            await page.goto(f"{live_server.url}{form.page}")
            answer = await _submit_with_errors(page, form)
            where = f"{name} at {width}"
            await _shows_the_errors(page, answer, form, where)
            if screen is phone:
                await fits(page, where)
                await focus_is_visible(page, where, limit=400)  # the survey editor is long
            await labelled(page, where)
            await accessible(page, axe, where)
        finally:
            await context.close()
