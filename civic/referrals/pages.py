"""Referral pages.

The coordinator's: a family's suggestions with a "Propose" button per pupil and
activity, and the school's referrals with their states. The family's: `/f/<token>`,
public, no sign-in and no script, in the family's language, with the answer buttons,
the waitlist position or the deadline of an offered place.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from babel.dates import format_date, format_datetime
from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template

from app.auth.guards import signed_in
from app.clock import ITALY
from app.dates import day
from app.errors import InvalidInput
from app.i18n import LANGUAGE_NAMES, _, current_language, set_language, use_language
from app.places import band_label
from app.ratelimit import allow
from app.web.context import caller_of, client_ip, form_of
from app.web.downloads import download
from app.web.errors import error_response
from civic.families.pages import pattern_labels
from civic.families.schemas import CareUpdate, LinkConsent
from civic.referrals import letter as referral_letters
from civic.referrals import service as referrals
from civic.referrals.jobs import family_calendar
from civic.referrals.messages import (
    PageTexts,
    family_texts,
    page_fallback,
    page_for,
    page_texts,
)
from civic.referrals.schemas import OPEN_STATES, ReferralCreate
from civic.suggestions import service as suggestions

# A family's link `/f/<token>` and a letter's code typed on `/f?code=` are keys to their
# proposal, and the search of the families' list (`?q=`) is a name: the logs write them
# `/f/…`, `code=…` and `q=…`.
LOG_PATTERNS = [r"(/f/)[^/?\s\"']+|((?:/schools/[^?\s\"']*|/f/?)\?(?:[^\s\"']*&)?(?:q|code)=)"
                r"[^&\s\"']*"]

Req = Request[Any, Any, Any]
WINDOW_SECONDS = 15 * 60
MISS_LIMIT = 50  # unknown links per address and window; a token has 128 random bits
PATTERNS = ("both_working", "one_working", "shifts", "not_working")


# A family's link `/f/<token>` and a letter's code typed on `/f?code=` are keys to
# their proposal, and the search of the families' list (`?q=`) is a name: the kernel's
# scrubber (app/web/log_scrub.py) writes them as `/f/…`, `code=…` and `q=…`.


def pattern_label(pattern: str | None) -> str:
    return pattern_labels().get(pattern if pattern in PATTERNS else None, "")




def moment(value: datetime | None) -> str:
    """A time as people in Cremona read it: local date and hour."""
    if value is None:
        return ""
    local = value.astimezone(ITALY)
    return _("%(date)s at %(time)s") % {"date": day(local.date()),
                                        "time": local.strftime("%H:%M")}


def _helpers() -> dict[str, Any]:
    return {"pattern_label": pattern_label, "open_states": OPEN_STATES}


def _uuid_field(form: dict[str, str], name: str) -> UUID:
    try:
        return UUID(form.get(name, ""))
    except ValueError:
        raise InvalidInput({name: _("Choose from the list.")}) from None


class ReferralPages(Controller):
    path = "/schools/{school_id:uuid}"
    guards = [signed_in]
    include_in_schema = False

    @get("/families/{family_id:uuid}/suggestions", media_type=MediaType.HTML)
    async def suggestions_page(self, request: Req, school_id: UUID, family_id: UUID,
                               proposed: UUID | None = None) -> Template:
        return await self._suggestions(request, school_id, family_id, {}, proposed)

    @post("/referrals", media_type=MediaType.HTML)
    async def propose(self, request: Req, school_id: UUID) -> Any:
        form = await form_of(request)
        try:
            family_id = UUID(form.get("family_id", ""))
        except ValueError:
            raise NotFoundException() from None
        try:
            data = ReferralCreate(pupil_id=_uuid_field(form, "pupil_id"),
                                  activity_id=_uuid_field(form, "activity_id"))
            referral = await referrals.propose(caller_of(request), school_id, data)
        except InvalidInput as invalid:
            return await self._suggestions(request, school_id, family_id, invalid.errors, None)
        return Redirect(f"/schools/{school_id}/families/{family_id}/suggestions"
                        f"?proposed={referral.id}#pupil-{data.pupil_id}", status_code=303)

    @get("/referrals", media_type=MediaType.HTML)
    async def list_page(self, request: Req, school_id: UUID) -> Template:
        return await self._list(request, school_id, {})

    @get("/referrals/{referral_id:uuid}/letter.docx", media_type=MediaType.HTML)
    async def letter(self, request: Req, school_id: UUID, referral_id: UUID) -> Any:
        try:
            filename, data = await referral_letters.letter_for(
                caller_of(request), school_id, referral_id)
        except InvalidInput as invalid:
            return await self._list(request, school_id, invalid.errors)
        return download(filename, data)

    @post("/referrals/{referral_id:uuid}/withdraw", media_type=MediaType.HTML)
    async def withdraw(self, request: Req, school_id: UUID, referral_id: UUID) -> Any:
        try:
            await referrals.withdraw(caller_of(request), school_id, referral_id)
        except InvalidInput as invalid:
            return await self._list(request, school_id, invalid.errors)
        return Redirect(f"/schools/{school_id}/referrals?withdrawn={referral_id}",
                        status_code=303)

    async def _suggestions(self, request: Req, school_id: UUID, family_id: UUID,
                           errors: dict[str, str], proposed: UUID | None) -> Template:
        found = await suggestions.suggest_for_family(caller_of(request), school_id, family_id)
        return Template("referrals/suggestions.html", status_code=422 if errors else 200,
                        context={"data": found, "errors": errors, "proposed": proposed,
                                 **_helpers()})

    async def _list(self, request: Req, school_id: UUID, errors: dict[str, str]) -> Template:
        caller = caller_of(request)
        school = await referrals.school_of(caller, school_id)
        items = await referrals.list_referrals(caller, school_id)
        return Template("referrals/list.html", status_code=422 if errors else 200, context={
            "this_school": school, "items": items, "errors": errors,
            "withdrawn": request.query_params.get("withdrawn"), **_helpers()})


class FamilyLinkPages(Controller):
    """The family's page behind the mail link: the link is the key, no session."""

    path = "/f"
    include_in_schema = False

    @get("/", media_type=MediaType.HTML)
    async def code_page(self, request: Req, code: str = "") -> Response[Any]:
        """Where a family types the code of a printed letter (a plain GET form)."""
        found = referrals.short_code(code) if code else None
        if found is not None:
            return Redirect(f"{referrals.LINK_PREFIX}{found}", status_code=303)
        errors = {"code": _("Type the 10 letters and digits of the code on your letter.")
                  } if code else {}
        return Template("referrals/family_code.html", status_code=422 if errors else 200,
                        context={"errors": errors, "code": code[:40], "languages": [],
                                 "ui_lang": current_language()})

    @get("/{token:str}", media_type=MediaType.HTML)
    async def family_page(self, request: Req, token: str, lang: str | None = None,
                          done: str = "") -> Response[Any]:
        return await _family(request, token, lang, {}, done)

    @get("/{token:str}/calendar.ics", media_type="text/calendar")
    async def calendar(self, request: Req, token: str) -> Response[Any]:
        """The sessions of the activity the pupil is enrolled in, for the family's
        calendar app (the same file as the confirmation mail's)."""
        try:
            view = await referrals.family_view(token)
        except NotFoundException:
            return await unknown_link(request)
        data = await family_calendar(view.referral_id) if view.state == "enrolled" else None
        if data is None:
            return await unknown_link(request)
        return Response(content=data, media_type="text/calendar; charset=utf-8", headers={
            "content-disposition": 'attachment; filename="attivita.ics"'})

    @post("/{token:str}/care", media_type=MediaType.HTML)
    async def care(self, request: Req, token: str, lang: str | None = None) -> Response[Any]:
        form = await form_of(request)
        data = CareUpdate(pickup_persons=form.get("pickup_persons", ""),
                          care_note=form.get("care_note", ""),
                          consent_by=form.get("consent_by", ""))
        try:
            with _messages_for(lang):
                await referrals.family_care(token, data)
        except NotFoundException:
            return await unknown_link(request)
        except InvalidInput as invalid:
            return await _family(request, token, lang, invalid.errors)
        query = "?done=care" + (f"&lang={quote(lang)}" if lang else "")
        return Redirect(f"{referrals.LINK_PREFIX}{quote(token)}{query}", status_code=303)

    @post("/{token:str}/consent", media_type=MediaType.HTML)
    async def consent(self, request: Req, token: str, lang: str | None = None
                      ) -> Response[Any]:
        """The parent's consent for their children, for the notice version shown."""
        form = await request.form()
        given_by, version = str(form.get("given_by", "")), str(form.get("notice_version", ""))
        pupils = [str(v) for v in form.getall("pupils", [])]
        photos = [str(v) for v in form.getall("photo_release", [])]
        values = {"given_by": given_by, "notice_version": version, "pupils": pupils,
                  "photo_release": photos}
        try:
            data = LinkConsent(given_by=given_by, notice_version=version,
                               pupils=[UUID(v) for v in pupils],
                               photo_release=[UUID(v) for v in photos])
            with _messages_for(lang):
                await referrals.family_consent(token, data, lang)
        except (NotFoundException, ValueError):
            return await unknown_link(request)
        except InvalidInput as invalid:
            return await _family(request, token, lang, invalid.errors, consent_form=values)
        query = "?done=consent" + (f"&lang={quote(lang)}" if lang else "")
        return Redirect(f"{referrals.LINK_PREFIX}{quote(token)}{query}#consent",
                        status_code=303)

    @post("/{token:str}/accept", media_type=MediaType.HTML)
    async def accept(self, request: Req, token: str, lang: str | None = None) -> Response[Any]:
        return await _answer(request, token, lang, True)

    @post("/{token:str}/decline", media_type=MediaType.HTML)
    async def decline(self, request: Req, token: str, lang: str | None = None) -> Response[Any]:
        return await _answer(request, token, lang, False)


async def _family(request: Req, token: str, lang: str | None, errors: dict[str, str],
                  done: str = "", consent_form: dict[str, Any] | None = None
                  ) -> Response[Any]:
    try:
        view = await referrals.family_view(token, lang)
    except NotFoundException:
        return await unknown_link(request)
    page = page_for(lang, view.family_language)
    if page is not None:  # written from the family's file; what code says comes in English
        view = await referrals.family_view(token, "en")
    set_language(view.language)
    path = f"{referrals.LINK_PREFIX}{quote(token)}"
    own = family_texts(view.family_language)
    ui_lang = page.language if page else view.language
    languages = [{"code": code, "name": name, "current": code == ui_lang,
                  "href": f"{path}?lang={code}"} for code, name in LANGUAGE_NAMES.items()]
    own_page = page_texts(view.family_language)
    if own_page is not None:
        languages.insert(0, {"code": own_page.language, "name": own_page.name,
                             "dir": own_page.direction, "current": page is not None,
                             "href": f"{path}?lang={own_page.language}"})
    foreign = view.family_language not in LANGUAGE_NAMES
    return Template("referrals/family.html", status_code=422 if errors else 200, context={
        "view": view, "errors": errors, "done": done, "base": path,
        "consent_form": consent_form or {}, "notice_lang": view.language,
        "own": own if own.complete and own.language != ui_lang else None,
        "fallback_line": page_fallback() if foreign and not own.complete and page is None
        else "",
        "ui_lang": ui_lang, "ui_dir": page.direction if page else "", **_helpers(),
        **(_in_page_language(page, errors) if page else {}), "languages": languages})


def _messages_for(lang: str | None) -> Any:
    """The language of a service's messages: English under a page in the family's own
    language (its file translates them from English), else the request's."""
    return use_language("en" if page_texts(lang) else current_language())


def _in_page_language(page: PageTexts, errors: dict[str, str]) -> dict[str, Any]:
    """What the page's template takes in the family's language: its texts, the places'
    band, dates, and the error messages that have a translation."""
    def in_words(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(ITALY).date()
        return format_date(value, format="long", locale=page.language)

    def when(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value.astimezone(ITALY), format="d MMMM y, HH:mm",
                               locale=page.language)

    return {"_": page.gettext, "day": in_words, "moment": when,
            "availability": lambda band: page.gettext(band_label(band)),
            "errors": {key: page.gettext(text) for key, text in errors.items()}}


async def _answer(request: Req, token: str, lang: str | None, accept: bool) -> Response[Any]:
    try:
        with _messages_for(lang):
            state = await referrals.answer(token, accept)
    except NotFoundException:
        return await unknown_link(request)
    except InvalidInput as invalid:
        return await _family(request, token, lang, invalid.errors)
    query = f"?done={state}" + (f"&lang={quote(lang)}" if lang else "")
    return Redirect(f"{referrals.LINK_PREFIX}{quote(token)}{query}", status_code=303)


async def unknown_link(request: Req,
                       template: str = "referrals/family_invalid.html") -> Response[Any]:
    """A link that opens nothing (also the pacts' family links): 404, and a limit on
    misses per address, shared by every family link."""
    # Counters are kept in the database: keep the address itself out of it.
    address = hashlib.sha256(client_ip(request).encode()).hexdigest()[:20]
    if not await allow(f"family-link:miss:{address}", MISS_LIMIT, WINDOW_SECONDS):
        return error_response(request, 429)
    return Template(template, status_code=404,
                    context={"languages": [], "ui_lang": current_language()})
