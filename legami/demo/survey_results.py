"""The demo's needs survey with results to look at. ALL OF IT IS FICTIONAL.

Two program-wide waves of the ready needs assessment ran over the 15 companies: one in
the spring and one in the autumn, so that results, trends, proposals and heat maps have
something to show. They go through the product's own path: the waves are created,
opened and closed by the demo admin through the waves service, every answer is
submitted through the answering service (checked, sealed into the ballot box), the box
is emptied and the figures are frozen by the results service. Only the dates are moved
back afterwards, so that the waves look as if they had run this year.

About 55-65% of each company answers (fewer in some), so that small departments and
sites stay hidden and the pages show why. The answers come from a fixed random seed:
each company leans towards its own needs (a shift-heavy factory finds school closures
hard; a logistics firm has long commutes), and the autumn wave moves a little.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from app.auth.caller import Caller, load_caller
from app.clock import ITALY
from app.db import transaction
from app.roles import PROGRAM_ADMIN
from app.tables import Membership, Organization, OutboxJob
from surveys.answering.service import Invitee, Opening, opening, submit
from surveys.ballot.service import flush_wave
from surveys.definition import Definition, Question, questions
from surveys.editor.service import SurveyCreate, create_survey, load_definition
from surveys.results.service import release_wave
from surveys.tables import Invitation, Response, Survey, Wave
from surveys.waves.service import WaveCreate, close_wave, create_wave, open_wave
from surveys.waves.state import today

RANDOM_SEED = 2026
SURVEY_TITLE = "Bisogni di conciliazione vita-lavoro 2026"
# (title, first day, last day, share of each company that answers, drift of the answers)
WAVES = (
    ("Indagine di primavera 2026", date(2026, 3, 2), date(2026, 3, 20), 0.58, 0.0),
    ("Indagine d'autunno 2026", date(2026, 10, 5), date(2026, 10, 23), 0.63, 0.12),
)
# Some companies answer less: the pages then show hidden groups and their reasons.
SHY_COMPANY_EVERY = 5
SHY_FACTOR = 0.6

COMMENTS = (
    "Un centro estivo vicino allo stabilimento aiuterebbe molte famiglie.",
    "Servirebbe più flessibilità in entrata quando le scuole chiudono per le feste.",
    "Mi piacerebbe organizzare il car pooling con i colleghi di Crema.",
    "Gli orari dei treni per Cremona non coincidono con i turni.",
    "Un gruppo di ascolto per chi assiste un genitore anziano sarebbe prezioso.",
    "Il doposcuola del quartiere finisce troppo presto per chi lavora fino alle 18.",
    "Vorrei una banca delle ore per gestire le visite mediche.",
    "Il gruppo di acquisto solidale della mensa è stata una bella idea, da ripetere.",
    "Per chi fa i turni di notte è difficile trovare qualcuno per i bambini al mattino.",
    "Uno sportello per le pratiche (ISEE, bonus) in azienda farebbe risparmiare permessi.",
    "Con i prezzi di oggi le bollette pesano: servirebbe un aiuto a capirle.",
    "Le giornate di chiusura della scuola non coincidono con le ferie aziendali.",
    "Una navetta dalla stazione risolverebbe molti ritardi d'inverno.",
    "Mi piacerebbe conoscere colleghi di altri reparti in attività fuori dal lavoro.",
    "Sarebbe utile poter scambiare i turni tramite un calendario condiviso.",
    "Per chi vive a Casalmaggiore i servizi sono lontani: più iniziative in zona.",
    "Un corso di educazione finanziaria per famiglie sarebbe molto richiesto.",
    "Il lavoro da remoto anche solo un giorno a settimana cambierebbe molto.",
    "La palestra convenzionata è troppo lontana dallo stabilimento.",
    "Servono più informazioni sui servizi del Comune per gli anziani.",
)


@dataclass
class _Lean:
    """How a company's people tend to answer: a weight per question and option."""

    rng: random.Random
    tilt: dict[tuple[str, str], float]
    children: float
    carers: float
    commute: int

    def weight(self, question: str, option: str, base: float, drift: float) -> float:
        return max(0.02, base * self.tilt.setdefault((question, option),
                                                     self.rng.uniform(0.4, 1.8)) + drift)


async def seed_demo_results(program: UUID) -> int:
    """The two demo waves with their answers, once; returns how many responses exist."""
    if await Survey.exists().where(Survey.title == SURVEY_TITLE):
        return await Response.count()
    caller = await _admin(program)
    survey = await create_survey(caller, SurveyCreate(source="ready", title=SURVEY_TITLE))
    version_id = survey.latest.id
    definition = await load_definition(version_id)
    first_job = await _next_job()
    rng = random.Random(RANDOM_SEED)
    leans: dict[UUID, _Lean] = {}
    for title, first, last, share, drift in WAVES:
        wave = await create_wave(caller, WaveCreate(
            version_id=version_id, title=title, opens_on=today(),
            closes_on=today() + timedelta(days=14), program_wide=True,
            channels=["mail", "code"], attribute_questions=["has_children_u14"]))
        await open_wave(caller, wave.id)
        await _answer(wave.id, definition, rng, leans, share, drift)
        await close_wave(caller, wave.id)
        await flush_wave(wave.id)
        await _move_back(wave.id, first, last)
        await release_wave(wave.id)
    # The mail and ballot jobs the waves queued have nothing left to do: the waves are
    # closed and released. Gone, they don't fill the first minute of `make run`.
    await OutboxJob.delete().where((OutboxJob.id >= first_job)
                                   & (OutboxJob.status == "pending"))
    await _joined_before(WAVES[0][1])
    return await Response.count()


async def _joined_before(first: date) -> None:
    """The partners took part in the first wave, so they had joined the program before it
    opened: the funder's report counts a half-year's partners from their joining."""
    joined = datetime.combine(first - timedelta(days=30), time(9), ITALY)
    await Organization.update({Organization.created_at: joined}).where(
        Organization.created_at > joined)


async def _next_job() -> int:
    last = await OutboxJob.select(OutboxJob.id).order_by(OutboxJob.id, ascending=False).first()
    return int(last["id"]) + 1 if last else 0


async def _admin(program: UUID) -> Caller:
    row = await Membership.select(Membership.user).where(
        (Membership.organization == program) & (Membership.role == PROGRAM_ADMIN)).first()
    caller = await load_caller(row["user"]) if row else None
    if caller is None:
        raise RuntimeError("the demo program has no administrator: run seed_demo first")
    return caller


async def _answer(wave_id: UUID, definition: Definition, rng: random.Random,
                  leans: dict[UUID, _Lean], share: float, drift: float) -> None:
    invitations = await Invitation.select(
        Invitation.id, Invitation.company, Invitation.group_values
    ).where(Invitation.wave == wave_id).order_by(Invitation.id).output(load_json=True)
    state: Opening | None = None
    companies = list(dict.fromkeys(row["company"] for row in invitations))  # roster order
    shy = set(companies[::SHY_COMPANY_EVERY])
    # Every answer goes through `submit` (checked, sealed into the ballot box), but in one
    # transaction for the whole wave: submit's own transaction joins it, so the demo
    # commits once instead of once per answer (on SQLite, a commit each is most of it).
    async with transaction():
        for row in invitations:
            company = row["company"]
            lean = leans.setdefault(company, _new_lean(rng))
            if rng.random() > share * (SHY_FACTOR if company in shy else 1):
                continue
            invitee = Invitee(row["id"], wave_id, company, False,
                              group_values=row["group_values"] or {})
            state = state or await opening(invitee)
            await submit(invitee, _answers(definition, lean, drift), "it", state)


def _new_lean(rng: random.Random) -> _Lean:
    seed = rng.randrange(2**32)
    return _Lean(random.Random(seed), {}, children=rng.uniform(0.3, 0.5),
                 carers=rng.uniform(0.12, 0.3), commute=rng.choice((15, 20, 30, 40)))


def _answers(definition: Definition, lean: _Lean, drift: float) -> dict[str, Any]:
    """One person's answers as the answer pages post them (hidden questions are dropped
    by the answering service)."""
    rng = lean.rng
    answers: dict[str, Any] = {
        "has_children_u14": "yes" if rng.random() < lean.children else "no",
        "cares_for_relative": "yes" if rng.random() < lean.carers else "no",
        "children_u14_count": str(rng.choice((1, 1, 1, 2, 2, 3))),
        "commute_minutes": str(max(0, int(rng.gauss(lean.commute, 10)))),
    }
    for question in questions(definition):
        if question.key in answers:
            continue
        if question.type == "text":
            if rng.random() < 0.18:
                answers[question.key] = rng.choice(COMMENTS)
            continue
        value = _pick(question, lean, drift)
        if value is not None:
            answers[question.key] = value
    return answers


def _pick(question: Question, lean: _Lean, drift: float) -> Any:
    rng = lean.rng
    keys = [option.key for option in question.options]
    if not keys:
        return None
    if question.type == "grid":
        return {row.key: _choose(question.key + row.key, keys, lean, drift)
                for row in question.rows}
    if question.type == "multiple":
        wanted = [key for key in keys if key not in ("nothing", "none")
                  and rng.random() < 0.25 * lean.weight(question.key, key, 1.0, drift)]
        return wanted or [keys[-1]]
    if question.type == "scale":
        return _choose(question.key, keys, lean, drift)
    return _choose(question.key, [k for k in keys if k != "no_answer"] or keys, lean, drift)


def _choose(name: str, keys: list[str], lean: _Lean, drift: float) -> str:
    weights = [lean.weight(name, key, 1.0, drift if index == 0 else 0.0)
               for index, key in enumerate(keys)]
    return lean.rng.choices(keys, weights)[0]


async def _move_back(wave_id: UUID, first: date, last: date) -> None:
    """Give the closed wave the dates of the demo's story; responses spread over them."""
    async with transaction():
        await Wave.update({
            Wave.opens_on: first, Wave.closes_on: last,
            Wave.opened_at: datetime.combine(first, time(9), ITALY),
            Wave.closed_at: datetime.combine(last + timedelta(days=1), time(0, 5), ITALY),
        }).where(Wave.id == wave_id)
        responses = [row["id"] for row in
                     await Response.select(Response.id).where(Response.wave == wave_id)]
        days = (last - first).days + 1
        for offset in range(min(days, len(responses))):  # in turn: they are in random order
            await Response.update({Response.submitted_on: first + timedelta(days=offset)}
                                  ).where(Response.id.is_in(responses[offset::days]))
