"""Employees answer through their link or code, and nothing links an answer back to them.

The wave and invitations are built straight on the tables (as opening a wave leaves
them), with a small survey holding every question type and one condition.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from piccolo.conf.apps import Finder

from app.clock import now
from app.crypto import token_hash
from app.tables import OutboxJob, User
from company_portal.tables import RosterEntry
from legami import logs
from surveys.answering import service as answering
from surveys.answering.service import Invitee, resolve_code, resolve_link, start_for_invitation
from surveys.ballot import service as ballot
from surveys.ballot.service import BALLOT_PURPOSE
from surveys.definition import decode, problems
from surveys.distribution.tokens import format_code, new_access_code, new_link_token
from surveys.sealing import unseal
from surveys.tables import (
    Answer,
    Ballot,
    Invitation,
    Response,
    ResponseDraft,
    Survey,
    SurveyVersion,
    Wave,
)
from surveys.waves.state import today
from tests.factories import make_org

DEFINITION: dict[str, Any] = {
    "title": {"it": "Conciliare vita e lavoro", "en": "Balancing work and life"},
    "languages": ["it", "en"],
    "sections": [
        {"key": "you", "title": {"it": "Chi sei", "en": "About you"}, "questions": [
            {"key": "children", "type": "single", "required": True,
             "reporting_attribute": True,
             "text": {"it": "Hai figli sotto i 14 anni?", "en": "Do you have children under 14?"},
             "options": [{"key": "yes", "text": {"it": "Sì", "en": "Yes"}},
                         {"key": "no", "text": {"it": "No", "en": "No"}}]},
            {"key": "ages", "type": "multiple", "required": True,
             "show_if": {"question": "children", "any_of": ["yes"]},
             "text": {"it": "Quanti anni hanno?", "en": "How old are they?"},
             "options": [{"key": "0_3", "text": {"it": "0–3 anni", "en": "0–3 years"}},
                         {"key": "4_10", "text": {"it": "4–10 anni", "en": "4–10 years"}},
                         {"key": "11_14", "text": {"it": "11–14 anni", "en": "11–14 years"}}]},
            {"key": "household", "type": "number", "required": True, "minimum": 1,
             "maximum": 15, "text": {"it": "Quante persone vivono con te, te compreso?",
                                     "en": "How many people live with you, you included?"}},
        ]},
        {"key": "balance", "title": {"it": "Tempo e servizi", "en": "Time and services"},
         "questions": [
            {"key": "stress", "type": "scale", "required": True,
             "text": {"it": "Quanto è difficile conciliare lavoro e famiglia?",
                      "en": "How hard is it to balance work and family?"},
             "options": [{"key": "1", "text": {"it": "1 per niente", "en": "1 not at all"}},
                         {"key": "2", "text": {"it": "2"}}, {"key": "3", "text": {"it": "3"}},
                         {"key": "4", "text": {"it": "4"}},
                         {"key": "5", "text": {"it": "5 moltissimo", "en": "5 very much"}}],
             "help": {"it": "Scegli un numero da 1 a 5.", "en": "Choose from 1 to 5."}},
            {"key": "services", "type": "grid", "required": True,
             "text": {"it": "Quali servizi usi o useresti?",
                      "en": "Which services do you use or would you use?"},
             "rows": [{"key": "nursery", "text": {"it": "Asilo nido", "en": "Nursery"}},
                      {"key": "camp", "text": {"it": "Centro estivo", "en": "Summer camp"}}],
             "options": [{"key": "use", "text": {"it": "Lo uso", "en": "I use it"}},
                         {"key": "would", "text": {"it": "Lo userei", "en": "I would"}},
                         {"key": "no", "text": {"it": "No", "en": "No"}}]},
            {"key": "idea", "type": "text", "max_length": 200,
             "text": {"it": "Un'idea per la tua azienda?", "en": "An idea for your company?"}},
        ]},
    ],
}

FULL_ANSWERS = {
    1: {"a_children": "yes", "a_ages": ["0_3", "11_14"], "a_household": "4"},
    2: {"a_stress": "4", "a_services__nursery": "use", "a_services__camp": "would",
        "a_idea": "Un doposcuola aziendale"},
}


# Building a wave -------------------------------------------------------------------------


async def build_wave(status: str = "open", opens: int = -1, closes: int = 10,
                     definition: dict[str, Any] | None = None) -> dict[str, Any]:
    """A company, a frozen survey version and a wave over it; dates relative to today."""
    assert not problems(decode(definition or DEFINITION), final=True)
    program = await make_org(kind="program", name="FareLegami")
    company = await make_org(kind="company", name="Officine Rossi")
    survey = Survey(owner=program, title="Bisogni 2026")
    await survey.save()
    version = SurveyVersion(survey=survey.id, definition=definition or DEFINITION,
                            frozen_at=now())
    await version.save()
    wave = Wave(version=version.id, owner=program, title="Primavera", status=status,
                opens_on=today() + timedelta(days=opens),
                closes_on=today() + timedelta(days=closes),
                reporting_groups=[{"key": "department", "source": "roster"},
                                  {"key": "children", "source": "question"}],
                channels=["mail", "code", "sso"])
    await wave.save()
    return {"wave": wave.id, "company": company, "program": program}


async def invite(built: dict[str, Any], channel: str = "mail", name: str = "Mario Rossi",
                 email: str | None = "mario.rossi@rossi.example", ref: str = "R-001",
                 department: str = "Logistica", ids: tuple[int, int] | None = None
                 ) -> dict[str, Any]:
    """A roster entry and its invitation; returns the ids and the raw link token or code.

    `ids` sets the entry's and the invitation's ids (distinctive values to search for).
    """
    fixed = {"id": ids[0]} if ids else {}
    entry = RosterEntry(**fixed, company=built["company"], employee_ref=ref, name=name,
                        email=email,
                        department=department, site="Crema",
                        roster_key=f"{built['company']}:{ref}")
    await entry.save()
    secret = new_access_code() if channel == "code" else new_link_token()
    fixed = {"id": ids[1]} if ids else {}
    invitation = Invitation(**fixed, wave=built["wave"], company=built["company"],
                            roster_entry=entry.id, channel=channel,
                            token_hash=token_hash(secret),
                            group_values={"department": department})
    await invitation.save()
    return {"invitation": int(invitation.id), "entry": int(entry.id), "secret": secret,
            "path": f"/r/{secret}"}


async def form_token(client: Any, path: str) -> tuple[Any, str]:
    page = await client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, f"no form on {path}: {page.status_code} {page.text[:300]}"
    return page, match.group(1)


async def post_section(client: Any, path: str, number: int, data: dict[str, Any],
                       action: str = "next", lang: str = "") -> Any:
    """Open section `number` as a browser would, then post its form with `data`."""
    query = f"?lang={lang}" if lang else ""
    page, token = await form_token(client, f"{path}/{number}{query}")
    shown = re.search(r'name="shown" value="([^"]*)"', page.text)
    assert shown is not None
    return await client.post(f"{path}/{number}{query}", data={
        **data, "_csrf_token": token, "shown": shown.group(1), "action": action,
    }, follow_redirects=False)


async def follow(client: Any, posted: Any) -> Any:
    """The page a section's post leads to: every post answers 303, whatever was answered."""
    assert posted.status_code == 303, posted.text[:2000]
    return await client.get(posted.headers["location"])


async def answer_all(client: Any, path: str, answers: dict[int, dict[str, Any]] | None = None
                     ) -> Any:
    answers = answers or FULL_ANSWERS
    first = await post_section(client, path, 1, answers[1])
    if "/1?" in first.headers["location"]:  # the condition opened a question: post again
        first = await post_section(client, path, 1, answers[1])
    assert first.status_code == 303 and "/2?" in first.headers["location"], first.text[:2000]
    return await post_section(client, path, 2, answers[2], action="submit")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The whole flow ----------------------------------------------------------------------------


async def test_the_notice_names_a_roster_column_the_response_carries(client: Any) -> None:
    built = await build_wave()
    await Wave.update({Wave.reporting_groups: [
        {"key": "department", "source": "roster"},
        {"key": "col_turno", "source": "roster", "label": "Turno"}]}).where(
        Wave.id == built["wave"])
    person = await invite(built)

    text = html.unescape(text_of((await client.get(person["path"])).text))

    assert "il tuo reparto" in text
    assert "il tuo valore di «Turno» nell'elenco del personale dell'azienda" in text


async def test_employee_answers_from_privacy_notice_to_thank_you(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)

    notice = await client.get(person["path"])
    assert notice.status_code == 200
    text = text_of(notice.text)
    assert "Conciliare vita e lavoro" in text
    assert "almeno 5 persone" in text  # the employer sees only groups of 5 or more
    assert "il tuo reparto" in text  # the groups the response carries, named
    assert f'href="{person["path"]}/1?lang=it"' in notice.text

    section = await client.get(f"{person['path']}/1")
    assert "Sezione 1 di 2" in text_of(section.text)
    assert "<script" not in section.text

    moved = await post_section(client, person["path"], 1, FULL_ANSWERS[1])
    assert moved.headers["location"] == f"{person['path']}/1?lang=it"  # "yes" opened ages
    again = await follow(client, moved)
    assert "Quanti anni hanno?" in again.text and 'role="alert"' not in again.text
    moved = await post_section(client, person["path"], 1, FULL_ANSWERS[1])
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{person['path']}/2?lang=it"
    assert "Sezione 2 di 2" in text_of((await client.get(f"{person['path']}/2")).text)

    sent = await post_section(client, person["path"], 2, FULL_ANSWERS[2], action="submit")
    assert sent.status_code == 303
    thanks = await client.get(sent.headers["location"])
    assert "Grazie" in thanks.text
    assert await Invitation.select(Invitation.answered).where(
        Invitation.id == person["invitation"]).first() == {"answered": True}
    sealed = [unseal(row["box"], BALLOT_PURPOSE) for row in await Ballot.select()]
    assert len(sealed) == 1
    assert sealed[0]["group_values"] == {"department": "Logistica", "children": "yes"}
    assert sorted((a["question"], a.get("option_key", ""), a.get("number"), a.get("text", ""))
                  for a in sealed[0]["answers"]) == sorted([
        ("children", "yes", None, ""), ("ages", "0_3", None, ""), ("ages", "11_14", None, ""),
        ("household", "", 4, ""), ("stress", "", 4, ""), ("services", "use", None, ""),
        ("services", "would", None, ""), ("idea", "", None, "Un doposcuola aziendale")])
    assert await ResponseDraft.count() == 0


async def test_conditional_question_shows_only_when_its_condition_holds(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)
    first = await client.get(f"{person['path']}/1")
    assert "Quanti anni hanno?" not in first.text

    without = await post_section(client, person["path"], 1,
                                 {"a_children": "no", "a_household": "2"})
    assert without.status_code == 303
    assert "Quanti anni hanno?" not in (await client.get(f"{person['path']}/1")).text

    opened = await follow(client, await post_section(client, person["path"], 1,
                                                     {"a_children": "yes", "a_household": "2"}))
    assert opened.status_code == 200 and "Quanti anni hanno?" in opened.text
    assert "Scegli almeno una risposta." not in opened.text
    required = await follow(client, await post_section(
        client, person["path"], 1, {"a_children": "yes", "a_household": "2"}))
    assert required.status_code == 200 and "Scegli almeno una risposta." in required.text

    # Back to "no": the hidden question's answer is dropped, not stored.
    await post_section(client, person["path"], 1, {"a_children": "yes", "a_ages": ["4_10"],
                                                   "a_household": "2"})
    await post_section(client, person["path"], 1, {"a_children": "no", "a_household": "2"})
    await post_section(client, person["path"], 2, FULL_ANSWERS[2], action="submit")
    sealed = unseal((await Ballot.select(Ballot.box).first())["box"], BALLOT_PURPOSE)
    assert "ages" not in {a["question"] for a in sealed["answers"]}


@pytest.mark.parametrize(("lang", "messages"), [
    ("", ["Scegli una risposta.", "Inserisci un numero da 1 a 15."]),
    ("en", ["Choose an answer.", "Enter a number from 1 to 15."]),
])
async def test_invalid_answers_come_back_with_errors_in_the_persons_language(
    client: Any, lang: str, messages: list[str],
) -> None:
    built = await build_wave()
    person = await invite(built)
    await post_section(client, person["path"], 1, {"a_children": "no", "a_household": "3"})
    page = await follow(client, await post_section(client, person["path"], 2, {
        "a_services__nursery": "use", "a_idea": "Più flessibilità", "a_stress": ""},
        action="submit", lang=lang))
    assert page.status_code == 200
    assert messages[0] in page.text
    # Errors are tied to their field and listed, with links, at the top.
    assert re.search(r'aria-describedby="a_stress-hint a_stress-error" aria-invalid="true"',
                     page.text)
    assert 'aria-invalid="true"' in page.text
    assert 'href="#a_stress-1"' in page.text and 'id="a_stress-1"' in page.text
    # The other answers are kept.
    assert 'value="use" checked' in page.text
    assert "Più flessibilità" in page.text
    assert await Invitation.select(Invitation.answered).first() == {"answered": False}

    number = await follow(client, await post_section(
        client, person["path"], 1, {"a_children": "no", "a_household": "40"}, lang=lang))
    assert messages[1] in number.text
    assert 'value="40"' in number.text and 'value="no" checked' in number.text


async def test_tampered_values_are_refused(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)
    page = await follow(client, await post_section(client, person["path"], 1, {
        "a_children": "maybe", "a_household": "x"}))
    assert "non è tra le opzioni" in page.text and "Inserisci un numero intero" in page.text


async def test_save_for_later_and_resume_on_the_same_link(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)
    await post_section(client, person["path"], 1, {"a_children": "no", "a_household": "2"})
    saved = await post_section(client, person["path"], 2, {"a_stress": "2"}, action="save")
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    notice = await client.get(saved.headers["location"])
    assert "Le tue risposte sono salvate" in notice.text
    assert f'href="{person["path"]}/2?lang=it"' in notice.text  # continue where they left

    client.cookies.clear()  # another day, another browser: the link is the key
    again = await client.get(f"{person['path']}/2")
    assert 'value="2" checked' in again.text
    back = await post_section(client, person["path"], 2, {"a_stress": "3"}, action="back")
    assert back.headers["location"] == f"{person['path']}/1?lang=it"
    first = await client.get(f"{person['path']}/1")
    assert 'value="no" checked' in first.text and 'value="2"' in first.text
    draft = await ResponseDraft.select().output(load_json=True).first()
    assert "stress" not in json.dumps(draft, default=str)  # sealed: the database reads nothing
    resumed = await client.get(f"{person['path']}/2")
    assert 'value="3" checked' in resumed.text


async def test_the_language_switch_keeps_the_draft_and_the_choice(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)
    notice = await client.get(person["path"])
    assert f'href="/r/{person["secret"]}?lang=en"' in notice.text
    english = await client.get(f"{person['path']}?lang=en")
    assert '<html lang="en">' in english.text and "Balancing work and life" in english.text
    moved = await post_section(client, person["path"], 1, {"a_children": "no",
                                                           "a_household": "2"}, lang="en")
    assert moved.headers["location"] == f"{person['path']}/2?lang=en"
    later = await client.get(f"{person['path']}/2")  # no ?lang=: the draft remembers
    assert "Section 2 of 2" in text_of(later.text)


async def test_another_language_falls_back_to_italian_and_is_marked(client: Any) -> None:
    definition = json.loads(json.dumps(DEFINITION))
    definition["languages"] = ["it", "en", "ro"]
    definition["title"]["ro"] = "Echilibrul muncă–viață"
    definition["sections"][0]["questions"][0]["text"]["ro"] = "Aveți copii sub 14 ani?"
    built = await build_wave(definition=definition)
    person = await invite(built)
    page = await client.get(f"{person['path']}/1?lang=ro")
    assert 'hreflang="ro"' in page.text and "Română" in page.text
    assert '<html lang="it">' in page.text  # the interface has no Romanian: Italian
    assert 'lang="ro" dir="ltr"' in page.text
    assert "Aveți copii sub 14 ani?" in page.text
    assert "Quante persone vivono con te" in page.text  # no Romanian text: Italian
    assert "Sezione 1 di 2" in text_of(page.text)


async def test_double_submit_stores_one_response(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)
    await post_section(client, person["path"], 1, {"a_children": "no", "a_household": "1"})
    page, token = await form_token(client, f"{person['path']}/2")
    shown = re.search(r'name="shown" value="([^"]*)"', page.text).group(1)
    data = {**FULL_ANSWERS[2], "_csrf_token": token, "shown": shown, "action": "submit"}
    first = await client.post(f"{person['path']}/2", data=data, follow_redirects=False)
    second = await client.post(f"{person['path']}/2", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert "Grazie" in (await client.get(second.headers["location"])).text
    assert await Ballot.count() == 1


async def test_concurrent_submissions_store_one_response() -> None:
    import asyncio

    built = await build_wave()
    person = await invite(built)
    invitee = await resolve_link(person["secret"])
    answers = {"children": "no", "household": "2", "stress": "3",
               "services": {"nursery": "no", "camp": "no"}}
    outcomes = await asyncio.gather(*[answering.submit(invitee, answers, "it")
                                      for _ in range(4)])
    assert sorted(outcomes) == ["already_answered"] * 3 + ["stored"]
    assert await Ballot.count() == 1


@pytest.mark.parametrize("channel", ["mail", "code"])
async def test_a_used_link_or_code_shows_thank_you_and_stores_nothing(
    client: Any, channel: str,
) -> None:
    built = await build_wave()
    person = await invite(built, channel=channel)
    if channel == "code":
        page, token = await form_token(client, "/codice")
        typed = await client.post("/codice", data={
            "code": format_code(person["secret"]).lower(), "_csrf_token": token},
            follow_redirects=False)
        assert typed.status_code == 303
        assert typed.headers["location"] == person["path"]
    await answer_all(client, person["path"])
    assert await Ballot.count() == 1

    again = await client.get(person["path"])
    assert "Grazie" in again.text
    section = await client.get(f"{person['path']}/1", follow_redirects=False)
    assert section.status_code == 303
    # A stale form posted again (another tab) stores nothing either.
    page, token = await form_token(client, "/codice")
    late = await client.post(f"{person['path']}/2", data={
        **FULL_ANSWERS[2], "_csrf_token": token, "shown": "stress,services,idea",
        "action": "submit"}, follow_redirects=False)
    assert late.status_code == 303
    assert await Ballot.count() == 1 and await ResponseDraft.count() == 0


async def test_qr_deep_link_opens_the_survey_and_bad_codes_are_refused(client: Any) -> None:
    built = await build_wave()
    person = await invite(built, channel="code")
    deep = await client.get(f"/codice?c={format_code(person['secret'])}",
                            follow_redirects=False)
    assert deep.status_code == 303 and deep.headers["location"] == person["path"]
    page, token = await form_token(client, "/codice")
    assert '<label for="code">' in page.text
    wrong = await client.post("/codice", data={"code": "ZZZZZ-ZZZZZ", "_csrf_token": token})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text and "Questo codice non funziona" in wrong.text
    assert (await client.get("/r/not-a-real-token")).status_code == 404


async def test_guessing_codes_is_rate_limited(client: Any) -> None:
    from surveys.answering.pages import MISS_LIMIT  # once app.web is loaded (by `client`)

    built = await build_wave()
    person = await invite(built, channel="code")
    page, token = await form_token(client, "/codice")
    for _ in range(MISS_LIMIT):
        await client.post("/codice", data={"code": "ZZZZZ-ZZZZ0", "_csrf_token": token})
    refused = await client.post("/codice", data={"code": person["secret"],
                                                 "_csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 429  # even a good code, once blocked: guessing learns nothing
    assert (await client.get(person["path"])).status_code == 429


@pytest.mark.parametrize(("status", "opens", "closes", "title"), [
    ("open", 3, 10, "non è ancora aperto"),
    ("draft", -1, 10, "non è ancora aperto"),
    ("open", -10, -1, "è chiuso"),
    ("closed", -10, 5, "è chiuso"),
])
async def test_a_wave_not_open_or_closed_says_so_with_its_dates(
    client: Any, status: str, opens: int, closes: int, title: str,
) -> None:
    built = await build_wave(status=status, opens=opens, closes=closes)
    person = await invite(built)
    page = await client.get(person["path"])
    assert page.status_code == 200 and title in page.text
    closes_on = today() + timedelta(days=closes)
    assert str(closes_on.year) in page.text and str(closes_on.day) in page.text
    assert "<form" not in page.text
    assert (await client.get(f"{person['path']}/1", follow_redirects=False)).status_code == 303


async def test_company_sign_in_link_opens_the_same_invitation_and_keeps_the_mailed_one(
) -> None:
    built = await build_wave()
    person = await invite(built)
    path = await start_for_invitation(person["invitation"])
    assert path.startswith("/r/s.")
    assert (await resolve_link(path.removeprefix("/r/"))).invitation_id == person["invitation"]
    assert (await resolve_link(person["secret"])).invitation_id == person["invitation"]
    forged = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert await resolve_link(forged.removeprefix("/r/")) is None
    assert await resolve_code(person["secret"]) is None  # a link is not a code


# The ballot box ----------------------------------------------------------------------------


async def _submit_many(built: dict[str, Any], count: int, start: int = 0) -> list[Invitee]:
    invitees = []
    for number in range(start, start + count):
        person = await invite(built, name=f"Persona {number}", email=f"p{number}@x.example",
                              ref=f"R-{number:03}")
        invitee = await resolve_link(person["secret"])
        await answering.submit(invitee, {
            "children": "no", "household": "2", "stress": "3", "idea": f"idea {number:03}",
            "services": {"nursery": "no", "camp": "no"}}, "it")
        invitees.append(invitee)
    return invitees


async def _run_flush_jobs() -> None:
    """What the worker does, without waiting for the jobs' times: every flush job queued."""
    for row in await OutboxJob.select().where(
        (OutboxJob.actor == "surveys.flush_ballot") & (OutboxJob.status == "pending")
    ):
        from worker.runner import run_job

        await run_job(row["id"])


async def test_flush_waits_for_five_then_moves_them_in_a_random_order() -> None:
    built = await build_wave()
    await _submit_many(built, 4)
    await _run_flush_jobs()
    assert await Ballot.count() == 4 and await Response.count() == 0
    assert await ballot.flush_wave(built["wave"]) == 0

    await _submit_many(built, 16, start=4)
    await _run_flush_jobs()
    assert await Ballot.count() == 0
    assert await Response.count() == 20
    payloads = [json.loads(p["payload"]) for p in await OutboxJob.select(OutboxJob.payload)]
    assert all(p == {"wave_id": str(built["wave"])} for p in payloads)

    # The ideas were numbered 0..19 in submission order; stored, they are shuffled.
    stored = await Answer.select(Answer.text).where(Answer.question == "idea").order_by(
        Answer.id)
    order = [int(row["text"].split()[1]) + 1 for row in stored]
    assert sorted(order) == list(range(1, 21))
    assert order != list(range(1, 21)) and order != list(range(20, 0, -1))
    assert abs(_rank_correlation(order)) < 0.8
    # Nor does the order the responses sit in (no ORDER BY: rowid or heap order).
    ideas = {row["response"]: int(row["text"].split()[1]) + 1 for row in await Answer.select(
        Answer.response, Answer.text).where(Answer.question == "idea")}
    kept = [ideas[row["id"]] for row in await Response.select(Response.id)]
    assert abs(_rank_correlation(kept)) < 0.8
    assert await ballot.flush_wave(built["wave"]) == 0  # idempotent: the box is empty


async def test_a_closed_wave_flushes_everything_and_deletes_unsent_drafts() -> None:
    built = await build_wave()
    await _submit_many(built, 2)
    waiting = await invite(built, name="Lenta", ref="R-900")
    await answering.save_draft(waiting["invitation"], {"idea": "bozza"}, 1, "it")
    await Wave.update({Wave.status: "closed"}).where(Wave.id == built["wave"])
    assert await ballot.flush_wave(built["wave"]) == 2
    assert await Response.count() == 2 and await Ballot.count() == 0
    assert await ResponseDraft.count() == 0


async def test_a_flush_sweeps_drafts_left_behind_answered_invitations() -> None:
    built = await build_wave()
    people = [await invite(built, ref=f"R-{n}") for n in range(5)]
    for person in people:
        await answering.submit(await resolve_link(person["secret"]), {
            "children": "no", "household": "2", "stress": "3",
            "services": {"nursery": "no", "camp": "no"}}, "it")
    # As a draft committed by another tab right after the sending statement began.
    await ResponseDraft(invitation=people[0]["invitation"], answers={"idea": "x"}).save()
    waiting = await invite(built, ref="R-9")
    await answering.save_draft(waiting["invitation"], {"idea": "bozza"}, 1, "it")
    assert await ballot.flush_wave(built["wave"]) == 5
    drafts = await ResponseDraft.select(ResponseDraft.invitation)
    assert [d["invitation"] for d in drafts] == [waiting["invitation"]]  # still answering


async def test_first_submission_schedules_a_flush_for_when_the_wave_closes() -> None:
    built = await build_wave(closes=3)
    await _submit_many(built, 1)
    job = await OutboxJob.select().first()
    assert job["actor"] == "surveys.flush_ballot"
    assert job["available_at"].date() >= today() + timedelta(days=3)


def _rank_correlation(order: list[int]) -> float:
    """Spearman's rho between submission rank and storage rank."""
    n = len(order)
    d2 = sum((stored - (index + 1)) ** 2 for index, stored in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


# Anonymity --------------------------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own browser logging the URLs it opens, not the server
        self.lines.append(self.format(record))
        self.lines.append(repr(record.__dict__))


@pytest.fixture
def captured_logs() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


RESPONSE_TABLES = {"responses", "answers", "sealed_responses", "ballots"}


async def _every_row() -> dict[str, list[str]]:
    """Every row of every table the app knows, as text."""
    dump: dict[str, list[str]] = {}
    for table in Finder().get_table_classes():
        rows = await table.select()
        dump[table._meta.tablename] = [json.dumps(row, default=str) for row in rows]
    return dump


async def test_nothing_links_the_answers_back_to_the_person(
    client: Any, captured_logs: Capture,
) -> None:
    built = await build_wave()
    user = User(email="zenobia.quagliarella@rossi.example", name="Zenobia Quagliarella")
    await user.save()
    others = await _submit_many(built, 6)
    person = await invite(built, name="Zenobia Quagliarella",
                          email="zenobia.quagliarella@rossi.example", ref="ZQ-4471",
                          ids=(586201, 914273))
    assert person["invitation"] == 914273
    await Invitation.update({Invitation.user: user.id}).where(
        Invitation.id == person["invitation"])
    distinctive = {1: {"a_children": "yes", "a_ages": ["4_10"], "a_household": "13"},
                   2: {"a_stress": "5", "a_services__nursery": "would",
                       "a_services__camp": "use", "a_idea": "Navetta Ombriano–Vaiano 7:42"}}
    assert (await answer_all(client, person["path"], distinctive)).status_code == 303
    await _submit_many(built, 3, start=20)
    await _run_flush_jobs()
    assert await Response.count() == 10 and await Ballot.count() == 0

    secret = person["secret"]
    identity = [str(person["invitation"]), str(person["entry"]), str(user.id), secret,
                token_hash(secret), "zenobia.quagliarella@rossi.example",
                "Zenobia Quagliarella", "zenobia", "ZQ-4471"]
    answer_marks = ["Navetta Ombriano", "7:42"]
    rows = await _every_row()
    # No row anywhere holds both something of Zenobia and something of her answers.
    for table, dumped in rows.items():
        for row in dumped:
            lowered = row.lower()
            if any(mark.lower() in lowered for mark in answer_marks):
                assert table in RESPONSE_TABLES, (table, row)
            who = [i for i in identity if _holds(lowered, i.lower())]
            assert not (who and any(m.lower() in lowered for m in answer_marks)), (table, row)
    # A response-side row holds no identifying value at all, of anyone invited.
    invitation_ids = {str(i.invitation_id) for i in others} | {str(person["invitation"])}
    hashes = {r["token_hash"] for r in await Invitation.select(Invitation.token_hash)}
    for table in RESPONSE_TABLES:
        for row in rows[table]:
            values = json.loads(row)
            for key, value in values.items():
                assert key not in ("invitation", "user", "roster_entry", "token_hash"), table
                assert str(value) not in hashes, (table, row)
            assert not any(_holds(row.lower(), i.lower()) for i in identity), (table, row)
            if table == "responses":
                assert set(values) == {"id", "wave", "company", "submitted_on",
                                       "group_values"}
                assert isinstance(values["submitted_on"], str) and len(
                    values["submitted_on"]) == 10  # a date, never a time of day
                assert values["id"] not in invitation_ids
    # The stored response is there, with her answers and her groups only.
    idea = await Answer.select(Answer.response).where(Answer.text.like("Navetta%")).first()
    hers = await Response.select().where(Response.id == idea["response"]).output(
        load_json=True).first()
    assert hers["group_values"] == {"department": "Logistica", "children": "yes"}
    assert hers["submitted_on"] == today()
    # Logs and job messages: no answer with an identity, no token at all.
    logs = "\n".join(captured_logs.lines).lower()
    assert "ballot: 10 responses of wave" in logs  # the capture sees the server's logs
    assert secret.lower() not in logs and token_hash(secret) not in logs
    assert not any(m.lower() in logs for m in answer_marks)
    assert not any(_holds(logs, i.lower()) for i in identity)
    for job in await OutboxJob.select(OutboxJob.payload):
        payload = json.loads(job["payload"])
        assert set(payload) == {"wave_id"}, payload


def _holds(text: str, value: str) -> bool:
    """`value` appears in `text` as a whole token (an id 12 is not inside 120)."""
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text) is not None


def test_the_access_log_never_shows_a_link_or_a_code() -> None:
    logs.install()
    logger, lines = logging.getLogger("uvicorn.access"), io.StringIO()
    handler = logging.StreamHandler(lines)
    logger.addHandler(handler)
    try:
        for path in ("/r/Zk3_9aQ-Tok3n/3?lang=en", "/codice?c=ABCDE-12345"):
            logger.error('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5555", "POST", path, "1.1", 303)
    finally:
        logger.removeHandler(handler)
    line = lines.getvalue()
    assert "Zk3_9aQ" not in line and "ABCDE" not in line and "/r/…" in line
    assert "/3" not in line and "lang=en" not in line  # where a post leads depends on answers


async def test_drafts_are_deleted_at_submission(client: Any) -> None:
    built = await build_wave()
    person = await invite(built)
    await post_section(client, person["path"], 1, {"a_children": "no", "a_household": "2"})
    assert await ResponseDraft.count() == 1
    await post_section(client, person["path"], 2, FULL_ANSWERS[2], action="submit")
    assert await ResponseDraft.count() == 0
    assert not await answering.save_draft(person["invitation"], {"x": 1}, 0, "it")
    assert await ResponseDraft.count() == 0

