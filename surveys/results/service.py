"""Results services: the tenant-scoped entry points pages, API, reports and exports call.

An HR manager reaches the results of their own company in the waves it took part in;
program staff reach every company, the towns and the program. Anyone else, and anything
out of reach, gets 404. Texts come in the current language (`app.i18n`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app import audit
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _, current_language
from app.roles import HR_MANAGER
from app.tables import Organization
from app.tenancy import reachable, reaches
from company_portal.roster.reads import names_and_refs
from surveys.ballot.service import flush_wave
from surveys.definition import Question, linked
from surveys.definition import questions as all_questions
from surveys.editor.service import load_definition
from surveys.results import frozen, model, views
from surveys.results.figures import area_cells, hidden_figure, note, option_labels, rate
from surveys.results.frozen import MAX_COMMENTS
from surveys.results.model import (
    Comment,
    Comments,
    CompanyResults,
    CrossTab,
    Figure,
    Group,
    HeatRow,
    LeftOut,
    Need,
    ProgramResults,
    QuestionResult,
    Trend,
    TrendPoint,
    WaveChoice,
    WaveInfo,
)
from surveys.results.queries import Dimension
from surveys.results.release import (
    CompanyRelease,
    GroupRelease,
    WaveContext,
    dimensions_of,
    group_rates,
    rate_release,
)
from surveys.results.scrubber import Roster, roster_patterns, scrub
from surveys.results.suppression import (
    MIN_GROUP,
    MIN_TEXT_GROUP,
    PROGRAM,
    Thresholds,
    dominated,
)
from surveys.results.tables import ResultsSettings
from surveys.tables import Wave, WaveCompany
from surveys.waves.state import wave_state

HR = HR_MANAGER


# Thresholds ---------------------------------------------------------------------------


async def thresholds() -> Thresholds:
    """The thresholds in force (the defaults unless a program admin raised them)."""
    row = await ResultsSettings.select().order_by(ResultsSettings.id).first()
    if row is None:
        return Thresholds()
    return Thresholds(max(MIN_GROUP, row["min_group"]),
                      max(MIN_TEXT_GROUP, row["min_text_group"], row["min_group"]))


async def get_thresholds(caller: Caller) -> model.Thresholds:
    """The thresholds, for program staff."""
    if not caller.is_program_staff:
        raise NotFoundException()
    found = await thresholds()
    return model.Thresholds(found.group, found.text)


async def set_thresholds(caller: Caller, data: model.ThresholdsUpdate) -> model.Thresholds:
    """Raise the thresholds: program admins only, never below 5 (figures) and 10 (text),
    and the text threshold never below the figures' one."""
    if not caller.is_program_admin:
        raise NotFoundException()
    errors = {}
    if data.group < MIN_GROUP or data.group > 1000:
        errors["group"] = _("Between {low} and 1000.").format(low=MIN_GROUP)
    if data.text < max(MIN_TEXT_GROUP, data.group) or data.text > 1000:
        errors["text"] = _("Between {low} and 1000, and not below the threshold for "
                           "figures.").format(low=MIN_TEXT_GROUP)
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        await ResultsSettings.delete(force=True)
        await ResultsSettings(min_group=data.group, min_text_group=data.text,
                              updated_by=caller.user_id).save()
        await audit.record("results.thresholds", caller.user_id, None, group=data.group,
                           text=data.text)
    return model.Thresholds(data.group, data.text)


# Access and context -----------------------------------------------------------------


async def _context(wave_id: UUID) -> WaveContext:
    wave = await Wave.select().where((Wave.id == wave_id) & (Wave.status != "draft")).first()
    if wave is None:
        raise NotFoundException()
    companies = await _wave_companies([wave_id])
    organizations = await Organization.select(
        Organization.id, Organization.name, Organization.town).where(
        Organization.id.is_in(list(companies) or [wave_id]))
    return WaveContext(
        wave=wave, definition=await load_definition(wave["version"]),
        towns={row["id"]: row["town"] or "" for row in organizations},
        names={row["id"]: row["name"] for row in organizations},
        dimensions=dimensions_of(wave))


async def _wave_companies(wave_ids: list[UUID]) -> set[UUID]:
    listed = await WaveCompany.select(WaveCompany.company).where(WaveCompany.wave.is_in(wave_ids))
    return {row["company"] for row in listed}


async def _released(ctx: WaveContext) -> CompanyRelease | None:
    """The wave's released cells; a closed wave not released yet is released now (its
    ballot box emptied first, and the waves that closed before it released before it).
    None while the wave is open: no figure moves while people answer."""
    found = await frozen.load(ctx.id)
    if found is not None or wave_state(ctx.wave).state != "closed":
        return found
    await release_wave(ctx.id)
    return await frozen.load(ctx.id)


async def release_wave(wave_id: UUID) -> None:
    """Release a closed wave (idempotent): flush its ballot box, then freeze its figures,
    after any closed wave sharing a company that closed before it and is not released."""
    ctx = await _context(wave_id)
    if wave_state(ctx.wave).state != "closed" or await frozen.load(wave_id) is not None:
        return
    for other in await _closed_before(ctx):
        await release_wave(other)
    await flush_wave(wave_id)
    await frozen.freeze(ctx, await thresholds())


def _opening(wave: dict[str, Any]) -> tuple[Any, ...]:
    """When a wave began to take answers: its first day, or the moment it was opened
    when that came later (recorded by the server, never typed)."""
    moment = max(views.start_of(wave["opens_on"]),
                 wave["opened_at"] or views.start_of(wave["opens_on"]))
    return (moment, wave["created_at"], str(wave["id"]))


def _closing(wave: dict[str, Any]) -> tuple[Any, ...]:
    """When a wave closed: the moment recorded, else the end of its last day."""
    moment = wave["closed_at"] or views.end_of(wave["closes_on"])
    return (moment, wave["created_at"], str(wave["id"]))


async def _closed_before(ctx: WaveContext) -> list[UUID]:
    """Closed, unreleased waves sharing a company with `ctx` that closed before it."""
    shared = WaveCompany.select(WaveCompany.wave).where(
        WaveCompany.company.is_in(list(ctx.towns) or [None]))
    released = frozen.ResultRelease.select(frozen.ResultRelease.wave)
    rows = await Wave.select().where(
        Wave.id.is_in(shared) & (Wave.status != "draft") & (Wave.id != ctx.id)
        & Wave.id.not_in(released))
    mine = _closing(ctx.wave)
    return [row["id"] for row in sorted(rows, key=_closing)
            if wave_state(row).state == "closed" and _closing(row) < mine]


async def _unreleased(ctx: WaveContext, companies: list[UUID]) -> CompanyRelease:
    """An open wave's cells: the response rates, every figure hidden until the close."""
    release = await rate_release(ctx, companies, await thresholds())
    release.running = True
    release.sizes = {c: (0,) for c in companies}
    release.hidden = {c: "open" for c in companies}
    release.q_sizes = {q.key: dict(release.sizes) for q in ctx.counted}
    release.q_hidden = {q.key: dict(release.hidden) for q in ctx.counted}
    release.q_territory = {q.key: release.territory for q in ctx.counted}
    return release


async def _release(ctx: WaveContext) -> CompanyRelease:
    """Every company's cells of the wave: released, or hidden while it is open."""
    found = await _released(ctx)
    return found if found is not None else await _unreleased(ctx, sorted(ctx.towns, key=str))


async def _groups(ctx: WaveContext, release: CompanyRelease, company: UUID) -> GroupRelease:
    if release.running:
        return await group_rates(ctx, release, company)
    return await frozen.groups(ctx.id, company)


async def _company_view(ctx: WaveContext, company: UUID
                        ) -> tuple[CompanyRelease, GroupRelease]:
    """What a company's page shows of the wave: the released slice of its town and its
    own part (two rows, one query), else every company's cells as `_release` finds
    them."""
    found = await frozen.company_view(ctx.id, company, ctx.towns[company])
    if found is not None:
        return found
    release = await _release(ctx)
    return release, await _groups(ctx, release, company)


def _may_see(caller: Caller, company_id: UUID) -> bool:
    return reaches(caller, company_id, HR)


def _wave_info(ctx: WaveContext) -> WaveInfo:
    wave = ctx.wave
    return WaveInfo(wave["id"], wave["title"], wave_state(wave).state, wave["opens_on"],
                    wave["closes_on"])


async def wave_choices(caller: Caller) -> list[WaveChoice]:
    """Waves with results the caller may open, newest first, with the caller's companies
    in each (every company for program staff)."""
    mine = reachable(caller, HR)
    if mine is not None and not mine:
        return []
    rows = await WaveCompany.select(
        WaveCompany.wave, WaveCompany.company, WaveCompany.company.name).where(
        WaveCompany.wave.status != "draft")
    by_wave: dict[UUID, list[Group]] = {}
    for row in rows:
        if mine is None or row["company"] in mine:
            by_wave.setdefault(row["wave"], []).append(
                Group("company", f"company:{row['company']}", row["company.name"],
                      row["company"]))
    waves = await Wave.select().where(Wave.id.is_in(list(by_wave) or [None])).order_by(
        Wave.opens_on, ascending=False) if by_wave else []
    return [WaveChoice(WaveInfo(w["id"], w["title"], wave_state(w).state, w["opens_on"],
                                w["closes_on"]),
                       sorted(by_wave[w["id"]], key=lambda g: g.label))
            for w in waves]


# A company's results ---------------------------------------------------------------


async def company_results(caller: Caller, company_id: UUID, wave_id: UUID) -> CompanyResults:
    """A company's results in a wave: its HR manager's view (program staff see it too)."""
    if not _may_see(caller, company_id):
        raise NotFoundException()
    ctx = await _context(wave_id)
    if company_id not in ctx.towns:
        raise NotFoundException()
    language = current_language()
    town = ctx.towns[company_id]
    release, groups = await _company_view(ctx, company_id)
    dims = ctx.split_by()
    company = views.company_group(ctx, company_id)
    territory = _territory(release, company_id, town)
    questions = [_company_question(ctx, release, groups, q, company_id, company, territory,
                                   language) for q in ctx.counted]
    own = {r.question.key: r.figures[0] for r in questions}
    return CompanyResults(
        wave=_wave_info(ctx), company=company, territory=territory,
        thresholds=model.Thresholds(release.thresholds.group, release.thresholds.text),
        rates=_company_rates(ctx, release, groups, company_id, company, territory, language),
        needs=views.needs_of(ctx, own, language),
        territory_needs=views.needs_of(ctx, {r.question.key: r.figures[1] for r in questions},
                                       language) if territory else [],
        questions=[_without_crosstab_groups(r, dims) for r in questions],
        crosstabs=_crosstabs(ctx, release, groups, company_id, language),
        comments=await _comments(ctx, release, company_id, company),
        territory_left_out=sum(o.companies for o in _left_out(ctx, release, town, territory))
        if territory else 0)


def _territory(release: CompanyRelease, company_id: UUID, town: str) -> Group | None:
    """The company's town, when it can be shown to the company: it holds this company
    and at least two others, none of which dominates them (`dominated`)."""
    included = release.territory.towns.get(town, [])
    if company_id in release.hidden or company_id not in included or dominated(
            release.sizes, included, company_id):
        return None
    return views.town_group(town)


def _company_question(ctx: WaveContext, release: CompanyRelease, groups: GroupRelease,
                      question: Question, company_id: UUID, company: Group,
                      territory: Group | None, language: str) -> QuestionResult:
    figures = [views.company_figure(release, question, company_id, company, language)]
    if territory is not None:
        place = territory.key.removeprefix("town:")
        shown = views.territory_figure(release, question, place, territory, language)
        members = views.territory_members(release, question, place)
        alone = dominated(release.q_sizes[question.key], members, company_id)
        if not shown.hidden and (figures[0].hidden or alone):  # a comparison needs both
            shown = hidden_figure(territory, "no_comparison", release.thresholds)
        figures.append(shown)
    for key in _group_keys(groups, question.key):
        if linked(ctx.definition, question.key, key[0]):
            continue  # split by its own condition (or follow-up): empty by construction
        figures.append(views.group_figure(ctx, groups, question, company_id, key, language,
                                          release))
    return views.result(ctx, question, figures, language)


def _group_keys(groups: GroupRelease, question: str) -> list[tuple[str, str]]:
    decided = groups.q_sizes.get(question, {})
    return [(d, v) for d, values in groups.values.items() for v in values if (d, v) in decided]


def _without_crosstab_groups(result: QuestionResult,
                             dims: list[tuple[Dimension, list[Any]]]) -> QuestionResult:
    only_crosstab = {d.key for d, _asked in dims if d.from_answers}
    return QuestionResult(result.question, [f for f in result.figures
                                            if f.group.dimension not in only_crosstab])


def _company_rates(ctx: WaveContext, release: CompanyRelease, groups: GroupRelease,
                   company_id: UUID, company: Group, territory: Group | None,
                   language: str) -> list[model.Rate]:
    rates = [views.company_rate(release, company_id, company)]
    if territory is not None:
        rates.append(views.territory_rate(release, territory.key.removeprefix("town:"),
                                          territory))
    roster = [d.key for d in ctx.dimensions if d.roster]
    rates += [views.group_rate(ctx, groups, company_id, (d, v), release, language)
              for d in roster for v in groups.values.get(d, [])]
    return rates


def _crosstabs(ctx: WaveContext, release: CompanyRelease, groups: GroupRelease,
               company_id: UUID, language: str) -> list[CrossTab]:
    found = []
    for attribute, targets in ctx.crosstabs():
        keys = [(attribute.key, v) for v in groups.values.get(attribute.key, [])]
        results = [views.result(ctx, q, [
            views.group_figure(ctx, groups, q, company_id, key, language, release)
            for key in decided], language) for q in targets
            # a wave released before a pair was defined has no cells for it
            if (decided := [k for k in keys if k in groups.q_sizes.get(q.key, {})])]
        if results:
            found.append(CrossTab(attribute.key, views.question_text(attribute, language),
                                  results))
    return found


# Free text --------------------------------------------------------------------------


async def _comments(ctx: WaveContext, release: CompanyRelease, company_id: UUID | None,
                    group: Group) -> Comments:
    """The released comments of a company (or, with None, the whole wave: the shown
    companies' lists and the pool, `frozen.release_comments`), shuffled at every
    reading and scrubbed with the rosters' names."""
    if company_id is None:  # the whole wave, every company's comments
        size, hidden = sum(size[0] for size in release.sizes.values()), ""
        found = [t for c in sorted(release.comments, key=str) for t in release.comments[c]]
        found += release.pool
    else:
        size, hidden = release.sizes[company_id][0], release.hidden.get(company_id, "")
        found = list(release.comments.get(company_id, []))
    return await _shown_comments(ctx, found, size, hidden, release.running, release.thresholds,
                                 company_id, group)


async def _shown_comments(ctx: WaveContext, found: list[tuple[str, str]], size: int,
                          hidden: str, running: bool, thresholds: Thresholds,
                          company_id: UUID | None, group: Group) -> Comments:
    """`found` comments (question, text) of a group of `size` respondents (`hidden`: why
    the group hides), shown when the wave has closed (not `running`): at most
    `MAX_COMMENTS` drawn at random at every reading, scrubbed."""
    texts = [q for q in all_questions(ctx.definition) if q.type == "text"]
    if running or wave_state(ctx.wave).state != "closed":
        hidden = "not_closed"
    reason = hidden or ("few_for_text" if size < thresholds.text else "")
    if reason or not texts:
        return Comments(group, hidden=reason, note=note(reason, thresholds) if reason else "")
    roster = await _roster(list(ctx.towns) if company_id is None else [company_id])
    marks = {"email": _("[e-mail]"), "phone": _("[phone]"), "tax_code": _("[tax code]"),
             "name": _("[name]"), "iban": _("[bank account]"), "ref": _("[employee number]")}
    language = current_language()
    labels = {q.key: views.question_text(q, language) for q in texts}
    # A fresh random order, drawn before scrubbing (the same draw as scrubbing them all)
    drawn = secrets.SystemRandom().sample(found, min(len(found), MAX_COMMENTS))
    return Comments(group, [Comment(key, labels[key], scrub(text, roster, marks))
                            for key, text in drawn])


async def _roster(companies: list[UUID]) -> Roster:
    """The names and the employee-number format the comments are scrubbed of."""
    return roster_patterns(*await names_and_refs(companies))


# The program's results ----------------------------------------------------------------


async def program_results(caller: Caller, wave_id: UUID) -> ProgramResults:
    """A wave across all its companies: program staff only (others get 404)."""
    if not caller.is_program_staff:
        raise NotFoundException()
    ctx = await _context(wave_id)
    view = await frozen.load_program_view(wave_id)
    if view is not None:
        return await _program_view_results(ctx, view)
    language = current_language()
    release = await _release(ctx)
    program = views.program_group()
    towns = [views.town_group(t) for t in sorted(release.territory.towns)]
    companies = sorted((views.company_group(ctx, c) for c in ctx.towns),
                       key=lambda g: g.label)
    questions = [views.result(ctx, q, [
        views.territory_figure(release, q, PROGRAM, program, language),
        *(views.territory_figure(release, q, t.key.removeprefix("town:"), t, language)
          for t in towns)], language) for q in ctx.counted]
    return ProgramResults(
        wave=_wave_info(ctx), program=program, towns=towns, companies=companies,
        thresholds=model.Thresholds(release.thresholds.group, release.thresholds.text),
        rates=[views.territory_rate(release, PROGRAM, program),
               *(views.territory_rate(release, t.key.removeprefix("town:"), t) for t in towns),
               *(views.company_rate(release, g.company_id, g) for g in companies
                 if g.company_id is not None)],
        needs=views.needs_of(ctx, {r.question.key: r.figures[0] for r in questions},
                             language),
        heat_companies=views.heat_map(ctx, [
            (g, _company_figures(ctx, release, g, language),
             release.hidden.get(g.company_id, "") if g.company_id else "")
            for g in companies], release, language),
        heat_towns=views.heat_map(ctx, [
            (t, {r.question.key: r.figures[1 + i] for r in questions},
             "" if release.territory.towns.get(t.key.removeprefix("town:")) else "small")
            for i, t in enumerate(towns)], release, language),
        questions=questions,
        comments=await _comments(ctx, release, None, program),
        left_out=[*_left_out(ctx, release, PROGRAM, program),
                  *(o for t in towns for o in _left_out(ctx, release,
                                                        t.key.removeprefix("town:"), t))])


def _left_out(ctx: WaveContext, release: CompanyRelease, place: str,
              group: Group) -> list[LeftOut]:
    """The companies of a town (or PROGRAM) that its total leaves out, counted by reason.
    Nothing while the wave is open: no total is shown then."""
    if release.running:
        return []
    included = (release.territory.program if place == PROGRAM
                else release.territory.towns.get(place, []))
    return _left_out_of(ctx, included, release.hidden, release.thresholds, place, group)


def _left_out_of(ctx: WaveContext, included: list[UUID], hidden: Mapping[UUID, str],
                 thresholds: Thresholds, place: str, group: Group) -> list[LeftOut]:
    """Their own reason when the total includes others, else that together they are too
    few. Counts only: the page never says which companies."""
    members = [c for c, town in ctx.towns.items() if place == PROGRAM or town == place]
    within = set(included)
    if not within:
        reasons = ["territory_small" for _c in members]
    else:
        reasons = [hidden.get(c) or "protected" for c in members if c not in within]
    counted: dict[str, int] = {}
    for reason in reasons:
        counted[reason] = counted.get(reason, 0) + 1
    return [LeftOut(group, number, reason, note(reason, thresholds))
            for reason, number in sorted(counted.items(), key=lambda item: -item[1])]


async def _program_view_results(ctx: WaveContext, view: frozen.ProgramView) -> ProgramResults:
    """`program_results` of a released wave from its program view (`frozen.program_view`):
    the same results, from one row of numbers, without any company's counts."""
    language = current_language()
    thresholds = Thresholds(*view.thresholds)
    program = views.program_group()
    towns = [views.town_group(t) for t in view.towns]
    companies = sorted((views.company_group(ctx, c) for c in ctx.towns),
                       key=lambda g: g.label)

    def shown(question: Question, place: str, group: Group) -> Figure:
        found = view.figures.get(question.key, {}).get(place)
        return views.place_figure(None if found is None else (found[0], dict(found[1])),
                                  question, group, thresholds,
                                  option_labels(question, language), language)

    questions = [views.result(ctx, q, [
        shown(q, PROGRAM, program),
        *(shown(q, t.key.removeprefix("town:"), t) for t in towns)], language)
        for q in ctx.counted]
    rate_sizes, rate_hidden = dict(view.rate_sizes), dict(view.rate_hidden)
    hidden: dict[UUID | None, str] = dict(view.hidden)
    hidden_of = {company: reason for company, reason in view.hidden}
    heat: dict[UUID | None, dict[str, list[views.Candidate]]] = dict(view.heat)
    used, label = views.used_areas(ctx), views.need_labels(ctx, language)
    return ProgramResults(
        wave=_wave_info(ctx), program=program, towns=towns, companies=companies,
        thresholds=model.Thresholds(thresholds.group, thresholds.text),
        rates=[rate(program, *view.rate_places[PROGRAM], thresholds),
               *(rate(t, *view.rate_places[t.key.removeprefix("town:")], thresholds)
                 for t in towns),
               *(rate(g, rate_sizes[g.company_id], rate_hidden.get(g.company_id, ""),
                      thresholds) for g in companies if g.company_id is not None)],
        needs=views.needs_of(ctx, {r.question.key: r.figures[0] for r in questions},
                             language),
        heat_companies=views.heat_map_of(ctx, [HeatRow(g, [
            views.heat_cell(area, heat.get(g.company_id, {}).get(area, []),
                            hidden.get(g.company_id, ""), thresholds, label)
            for area in used]) for g in companies],
            language),
        heat_towns=views.heat_map_of(ctx, [HeatRow(t, area_cells(
            used, views.needs_of(ctx, {r.question.key: r.figures[1 + i] for r in questions},
                                 language),
            "" if view.territory.get(t.key.removeprefix("town:")) else "small", thresholds))
            for i, t in enumerate(towns)], language),
        questions=questions,
        comments=await _shown_comments(
            ctx, await frozen.comment_page(ctx.id, view.comment_pages) if view.comment_pages
            else list(view.comments), view.respondents, "", False, thresholds, None, program),
        left_out=[*_left_out_of(ctx, view.territory.get(PROGRAM, []), hidden_of, thresholds,
                                PROGRAM, program),
                  *(o for t in towns for o in _left_out_of(
                      ctx, view.territory.get(t.key.removeprefix("town:"), []), hidden_of,
                      thresholds, t.key.removeprefix("town:"), t))])


async def group_needs(caller: Caller, wave_id: UUID) -> list[tuple[Group, list[Need]]]:
    """The shown needs of every town, then every company, of a wave, each most shared
    first: the figures the heat maps of `program_results` are built from, so a hidden
    figure (a small or protected company, a company left out of its town) adds nothing.
    Program staff only (others get 404)."""
    if not caller.is_program_staff:
        raise NotFoundException()
    ctx = await _context(wave_id)
    language = current_language()
    release = await _release(ctx)
    towns = [views.town_group(t) for t in sorted(release.territory.towns)]
    companies = sorted((views.company_group(ctx, c) for c in ctx.towns),
                       key=lambda g: g.label)
    found = [(t, views.needs_of(ctx, {
        q.key: views.territory_figure(release, q, t.key.removeprefix("town:"), t, language)
        for q in ctx.counted}, language)) for t in towns]
    found += [(g, views.needs_of(ctx, _company_figures(ctx, release, g, language), language))
              for g in companies]
    return found


def _company_figures(ctx: WaveContext, release: CompanyRelease, group: Group,
                     language: str) -> dict[str, Figure]:
    assert group.company_id is not None
    return {q.key: views.company_figure(release, q, group.company_id, group, language)
            for q in ctx.counted}


# Trend ------------------------------------------------------------------------------


async def company_trend(caller: Caller, company_id: UUID) -> Trend:
    """The company's response rate and needs in every wave it took part in, oldest first."""
    if not _may_see(caller, company_id):
        raise NotFoundException()
    rows = await WaveCompany.select(WaveCompany.wave).where(
        (WaveCompany.company == company_id) & (WaveCompany.wave.status != "draft"))
    waves = await Wave.select().where(
        Wave.id.is_in([r["wave"] for r in rows] or [None])) if rows else []
    language = current_language()
    found = await Organization.select(Organization.name).where(
        Organization.id == company_id).first()
    if found is None:
        raise NotFoundException()
    group = Group("company", f"company:{company_id}", found["name"], company_id)
    points = []
    for wave in sorted(waves, key=_opening):
        ctx = await _context(wave["id"])
        release = await _release(ctx)
        figures = _company_figures(ctx, release, group, language)
        points.append(TrendPoint(_wave_info(ctx), views.company_rate(release, company_id,
                                                                     group),
                                 views.needs_of(ctx, figures, language)))
    return Trend(group, points)


# Counts for the wave pages ------------------------------------------------------------


async def wave_rates(caller: Caller, wave_id: UUID) -> list[model.Rate]:
    """Response rates of the companies the caller may see in a wave, each followed by
    its roster groups; for program staff the program first. The wave pages show these,
    so their counts are exactly the results' counts."""
    ctx = await _context(wave_id)
    visible = [c for c in ctx.towns if _may_see(caller, c)]
    if not visible and not caller.is_program_staff:
        raise NotFoundException()
    everyone = caller.is_program_staff
    release = await _release(ctx)
    rates = [views.territory_rate(release, PROGRAM, views.program_group())] if everyone else []
    for company in sorted(visible, key=lambda c: ctx.names.get(c, "")):
        group = views.company_group(ctx, company)
        rates.append(views.company_rate(release, company, group))
        groups = await _groups(ctx, release, company)
        rates += [views.group_rate(ctx, groups, company, (key, v), release,
                                   current_language())
                  for key, values in groups.values.items() for v in values]
    return rates



async def previous_wave(caller: Caller, wave_id: UUID) -> UUID | None:
    """The last closed wave that began before `wave_id` did (program staff only, others
    get 404): the program's summary compares with it."""
    if not caller.is_program_staff:
        raise NotFoundException()
    rows = await Wave.select().where(Wave.status != "draft")
    ordered = sorted(rows, key=_opening)
    ids = [row["id"] for row in ordered]
    if wave_id not in ids:
        raise NotFoundException()
    earlier = [row["id"] for row in ordered[:ids.index(wave_id)]
               if wave_state(row).state == "closed"]
    return earlier[-1] if earlier else None
