"""How invitations reach people: personal links by mail, reminders, printed access codes.

Only the SHA-256 of a link or code is stored (`Invitation.token_hash`). A link's token is
made by the job that mails it, so it never sits in the outbox or passes through the
broker; a code exists only in the Word sheet it is printed on.

Mail jobs are idempotent and resumable: each invitation is claimed by a conditional
update that stores the new hash only if the invitation still holds the one that was
read, with its delivery `sending`; it becomes `sent` only once the mail server accepted
the mail. A failed delivery puts the previous hash back and records `failed` with the
reason, so a retried job picks the invitation up again and no two live links are ever
mailed for it. A job that takes over from a dead worker sends again to the invitations
left `sending`: nobody is skipped, and only a mail accepted in the instant before the
worker died (before `sent` was stored) reaches its person twice, the later link working.
A job works through the invitations in batches and hands what is left after
MAX_PER_RUN to a new job of its own, so a large wave never runs into the worker's time
limit.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import secrets
import smtplib
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from babel.dates import format_date
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.shape import CT_Inline
from docx.parts.image import ImagePart
from docx.shared import Cm, Pt
from docx.table import _Cell, _Row
from docx.text.run import Run
from litestar.exceptions import NotFoundException, PermissionDeniedException
from piccolo.columns.combination import Combinable, Where
from piccolo.query.functions.aggregate import Count

from app import audit
from app.auth.caller import Caller
from app.clock import now
from app.crypto import token_hash
from app.db import transaction
from app.documents import a4_document, qr_png
from app.errors import InvalidInput
from app.i18n import _
from app.outbox import enqueue
from app.settings import LANGUAGES, get_settings
from app.startup import database_problem
from app.tables import Organization, User
from integrations.mail.render import render
from integrations.mail.sender import deliver
from surveys.definition import text_in
from surveys.distribution.tokens import LINK_PREFIX, format_code, new_access_code, new_link_token
from surveys.tables import EarlierLink, Invitation, Wave, WaveCompany
from surveys.waves import service as waves
from surveys.waves import state as wave_clock

log = logging.getLogger("legami.surveys")

BATCH = 100
CONCURRENCY = 8  # SMTP conversations at once; the default thread pool runs them
MAX_PER_RUN = 2000
RESUME_GRACE_SECONDS = 5  # longer than _record_sent's 1 s between tries
CODE_PAGE = "/codice"
QR_SHAPE_IDS = 1000


@dataclass(frozen=True)
class Mailing:
    """One round of mail of a wave: the invitation (round 0) or the n-th reminder."""

    wave_id: UUID
    job: str
    template: str
    round: int
    titles: dict[str, str]
    companies: dict[UUID, str]
    closes_on: date

    def payload(self) -> dict[str, Any]:
        """The payload of the job that carries this round on."""
        extra = {"round": self.round} if self.round else {}
        return {"wave_id": str(self.wave_id), **extra}


# Mail ---------------------------------------------------------------------------------


async def send_invitations(wave_id: UUID) -> int:
    """Mail a personal link to each mail invitation of the wave that has no link yet.

    Returns how many mails were sent; nothing is sent for a closed wave.
    """
    mailing = await _mailing(wave_id, waves.MAIL_JOB, "wave_invitation", 0)
    if mailing is None:
        return 0
    return await _run(mailing, Invitation.token_hash.is_null() | await _resumed(wave_id, 0))


async def send_reminders(wave_id: UUID, round_: int) -> int:
    """Mail reminder `round_` to the mail invitations that have not answered.

    Only the hash of the first link was kept, so a reminder cannot repeat it: it makes
    a new token, stores its hash in place of the old one (the earlier link stops
    working) and mails the new link. `reminders_sent` records the round, so a job that
    runs twice mails nobody twice. Nothing is sent unless the wave is open.
    """
    mailing = await _mailing(wave_id, waves.REMINDER_JOB, "wave_reminder", round_)
    if mailing is None or round_ < 1:
        return 0
    return await _run(mailing, (Invitation.reminders_sent < round_)
                      | await _resumed(wave_id, round_))


async def _resumed(wave_id: UUID, round_: int) -> Combinable:
    """Invitations of this round whose sending was cut off before the server answered.

    When there are some, this run took the job over: it first gives the run before it,
    if still alive after a database outage, RESUME_GRACE_SECONDS to record what the
    mail server accepted meanwhile, so that nobody is mailed twice.
    """
    interrupted = (Invitation.delivery == "sending") & (Invitation.reminders_sent == round_)
    if await Invitation.exists().where((Invitation.wave == wave_id) & interrupted):
        await asyncio.sleep(RESUME_GRACE_SECONDS)
    return interrupted


async def _mailing(wave_id: UUID, job: str, template: str, round_: int) -> Mailing | None:
    wave = await Wave.objects().where(Wave.id == wave_id).first()
    if wave is None or wave.status != "open":
        return None
    state = wave_clock.wave_state(wave).state
    if state == "closed" or (round_ and state != "open"):
        return None
    names = await Organization.select(Organization.id, Organization.name).where(
        Organization.id.is_in(
            WaveCompany.select(WaveCompany.company).where(WaveCompany.wave == wave_id)))
    return Mailing(wave_id, job, template, round_, await waves.survey_titles(wave.version),
                   {row["id"]: row["name"] for row in names}, wave.closes_on)


async def _run(mailing: Mailing, due: Combinable) -> int:
    """Mail the due invitations in batches; raise after a batch with a failed delivery."""
    sent, processed, after = 0, 0, 0
    limit = asyncio.Semaphore(CONCURRENCY)
    while processed < MAX_PER_RUN:
        rows = await _pending(mailing.wave_id, due, after)
        if not rows:
            return sent
        after, processed = rows[-1]["id"], processed + len(rows)
        languages = await _languages(rows)
        outcomes = await asyncio.gather(
            *(_send_one(mailing, row, languages[row["id"]], limit) for row in rows),
            return_exceptions=True)
        sent += sum(outcome is True for outcome in outcomes)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            # The failed invitations hold their previous hash again: the retry takes them.
            raise failures[0]
    async with transaction():
        await enqueue(mailing.job, mailing.payload())
    return sent


async def _pending(wave_id: UUID, due: Combinable, after: int) -> list[dict[str, Any]]:
    return await Invitation.select(
        Invitation.id, Invitation.company, Invitation.token_hash, Invitation.reminders_sent,
        Invitation.delivery,
        Invitation.roster_entry.email, Invitation.roster_entry.name,
        Invitation.roster_entry.attributes,
    ).where(
        (Invitation.wave == wave_id) & (Invitation.channel == "mail")
        & Invitation.answered.eq(False) & Invitation.roster_entry.email.is_not_null()
        & Invitation.roster_entry._.active.eq(True)  # who left the company gets no mail
        & (Invitation.id > after) & due
    ).order_by(Invitation.id).limit(BATCH).output(load_json=True)


async def _languages(rows: list[dict[str, Any]]) -> dict[int, str]:
    """The person's language: the roster's `language` attribute, their account's, else it."""
    emails = [row["roster_entry.email"] for row in rows]
    users = await User.select(User.email, User.language).where(
        User.email.is_in(emails) & User.language.is_not_null())
    known = {user["email"]: user["language"] for user in users}
    result = {}
    for row in rows:
        attributes = row["roster_entry.attributes"] or {}
        choice = str(attributes.get("language") or known.get(row["roster_entry.email"]))
        result[row["id"]] = choice.lower() if choice.lower() in LANGUAGES else "it"
    return result


async def _send_one(mailing: Mailing, row: dict[str, Any], language: str,
                    limit: asyncio.Semaphore) -> bool:
    async with limit:
        token = new_link_token()
        subject, text, html = render(mailing.template, language,
                                     _context(mailing, row, language, token))
        new_hash = token_hash(token)
        if not await _swap(row, new_hash, mailing.round or row["reminders_sent"]):
            return False  # answered, or taken by another run of the job meanwhile
        try:
            await deliver(None, row["roster_entry.email"], subject, text, html)
        except smtplib.SMTPRecipientsRefused:
            # A refused address will not work on a retry: keep the claim, go on.
            log.warning("wave %s: invitation %s refused by the mail server",
                        mailing.wave_id, row["id"])
            await _delivered(row["id"], new_hash, "failed", "address_refused")
            return False
        except BaseException as error:
            await _release(row, new_hash, delivery_failure(error), mailing.round)
            raise
        # Shielded: a run stopped now (its lease taken) still records what was accepted.
        await asyncio.shield(_record_sent(row["id"], new_hash))
        return True


async def _record_sent(invitation_id: int, new_hash: str, tries: int = 120) -> None:
    """Record an accepted mail, waiting out a database outage (up to `tries` seconds):
    left `sending`, the invitation would be mailed a second time."""
    for _attempt in range(tries - 1):
        try:
            await _delivered(invitation_id, new_hash, "sent")
        except Exception as error:
            if database_problem(error) is None:
                raise
            await asyncio.sleep(1)
        else:
            return
    await _delivered(invitation_id, new_hash, "sent")


def delivery_failure(error: BaseException) -> str:
    """The reason a mail did not go out, as a key of DELIVERY_REASONS."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "address_refused"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "server_login"
    if isinstance(error, smtplib.SMTPResponseException):
        return "server_refused"
    if isinstance(error, OSError | smtplib.SMTPException):
        return "server_unreachable"
    return "error"


def delivery_reason(key: str) -> str:
    """A delivery failure in plain words, in the reader's language."""
    reasons = {
        "server_unreachable": _("The mail server could not be reached; once it is back, "
                                "try the job again."),
        "server_login": _("The mail server refused Legami's sign-in: check SMTP_URL."),
        "server_refused": _("The mail server refused the mail."),
        "address_refused": _("The mail server refused the address: check it in the roster."),
    }
    return reasons.get(key, _("An unexpected error: the worker's log has the details."))


async def delivery_counts(caller: Caller, wave_id: UUID) -> dict[str, Any]:
    """How many mail invitations of the wave were sent, are waiting, failed and why.

    For program staff, who know whom they invited; it never says who answered.
    """
    if not caller.is_program_staff:
        raise NotFoundException()
    rows = await Invitation.select(
        Invitation.delivery, Invitation.delivery_error, Count(Invitation.id, alias="n"),
    ).where((Invitation.wave == wave_id) & (Invitation.channel == "mail")).group_by(
        Invitation.delivery, Invitation.delivery_error)
    counts: dict[str, Any] = {"sent": 0, "waiting": 0, "failed": 0, "reasons": {}}
    for row in rows:
        state = row["delivery"] if row["delivery"] in ("sent", "failed") else "waiting"
        counts[state] += row["n"]
        if state == "failed":
            reason = delivery_reason(row["delivery_error"])
            counts["reasons"][reason] = counts["reasons"].get(reason, 0) + row["n"]
    return counts


async def resend_failed(caller: Caller, wave_id: UUID) -> None:
    """Queue the wave's mail again for the invitations whose mail failed (server back).

    The job takes the invitations without a link; one with a refused address keeps
    failing until its address is corrected.
    """
    await delivery_counts(caller, wave_id)  # only program staff
    wave = await waves.get_wave(caller, wave_id)
    if wave.status != "open" or wave.state == "closed":
        raise InvalidInput({"delivery": _("Mail can be sent again only while the wave is "
                                          "open.")})
    async with transaction():
        await enqueue(waves.MAIL_JOB, {"wave_id": str(wave_id)})
        await audit.record("wave.mail_resent", caller.user_id, wave.owner_id,
                           wave_id=str(wave_id))


async def _delivered(invitation_id: int, new_hash: str, state: str, reason: str = "") -> None:
    await Invitation.update({Invitation.delivery: state, Invitation.delivery_error: reason,
                             Invitation.delivery_at: now()}).where(
        (Invitation.id == invitation_id) & (Invitation.token_hash == new_hash))


def _holds(value: str | None) -> Where:
    return Invitation.token_hash.is_null() if value is None else (Invitation.token_hash == value)


async def _swap(row: dict[str, Any], new_hash: str, round_: int) -> bool:
    """Store `new_hash` if the invitation is still as it was read; True when it was. The
    link mailed before stays an `EarlierLink`: a reminder never kills the first mail's."""
    async with transaction():
        changed = await Invitation.update(
            {Invitation.token_hash: new_hash, Invitation.reminders_sent: round_,
             Invitation.delivery: "sending", Invitation.delivery_at: now()}
        ).where(
            (Invitation.id == row["id"]) & _holds(row["token_hash"])
            & (Invitation.reminders_sent == row["reminders_sent"])
            & Invitation.answered.eq(False) & (Invitation.channel == "mail")
        ).returning(Invitation.id)
        if changed and row["token_hash"]:
            await EarlierLink(invitation=row["id"], token_hash=row["token_hash"]).save()
    return bool(changed)


async def _release(row: dict[str, Any], new_hash: str, reason: str, round_: int) -> None:
    """Put back the invitation as it was read, due again for this round's retry.

    An interrupted invitation's link was replaced when it was claimed and may never have
    gone out: it goes back to having none (its earlier link, if any, keeps working).
    """
    hash_, sent = row["token_hash"], row["reminders_sent"]
    if row["delivery"] == "sending":
        hash_, sent = None, max(round_ - 1, 0)
    async with transaction():
        released = await Invitation.update(
            {Invitation.token_hash: hash_, Invitation.reminders_sent: sent,
             Invitation.delivery: "failed", Invitation.delivery_error: reason,
             Invitation.delivery_at: now()}
        ).where((Invitation.id == row["id"]) & (Invitation.token_hash == new_hash)
                ).returning(Invitation.id)
        if released and hash_:  # the read link is the current one again
            await EarlierLink.delete().where(EarlierLink.token_hash == hash_)


def _context(mailing: Mailing, row: dict[str, Any], language: str,
             token: str) -> dict[str, Any]:
    return {
        "name": row["roster_entry.name"] or "",
        "company": mailing.companies.get(row["company"], ""),
        "survey": text_in(mailing.titles, language),
        "closes_on": format_date(mailing.closes_on, format="long", locale=language),
        "link": link_for(token),
    }


def link_for(token: str) -> str:
    """The short personal link: BASE_URL, then `/r/` and 22 characters."""
    return f"{get_settings().base_url}{LINK_PREFIX}{token}"


# Access codes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One printed card: the reporting group it belongs to and its code; never a name."""

    group: str
    code: str


async def codes_sheet(caller: Caller, wave_id: UUID, company_id: UUID) -> tuple[str, bytes]:
    """New access codes for a company's people without e-mail; return the Word sheet.

    Only program staff print codes: they are the neutral custodian who hands the cards
    out, never the employer. A code belongs to a reporting group, not to a person (its
    invitation keeps no name, see `waves._invitation`), so the sheet has one page per
    group with its cards in a random order. Every print makes new codes for all the
    group's unused cards and cancels the previous ones, so no sheet says who answered:
    only how many of a group have not, a count the custodian alone sees. Returns
    (file name, .docx bytes).
    """
    wave = await waves.get_wave(caller, wave_id)  # 404 out of reach, before 403
    if not caller.is_program_staff:
        raise PermissionDeniedException()
    company = next((c for c in wave.companies if c.id == company_id), None)
    if company is None:
        raise NotFoundException()
    if "code" not in wave.channels:
        raise InvalidInput({"codes": _("This wave does not use access codes.")})
    if wave.state == "closed" or wave.status != "open":
        raise InvalidInput({"codes": _("Codes can be printed only while the wave is open.")})
    async with transaction():
        groups = await _new_codes(wave_id, company_id)
        await audit.record("wave.codes_generated", caller.user_id, company_id,
                           wave_id=str(wave_id), codes=sum(map(len, groups.values())))
    data = await asyncio.to_thread(_sheet, wave.title, company.name, groups)
    return f"codici-{_slug(company.name)}.docx", data


async def _new_codes(wave_id: UUID, company_id: UUID) -> dict[str, list[Card]]:
    """A fresh code for each unused code invitation, by group, each group shuffled."""
    rows = await Invitation.select(Invitation.id, Invitation.group_values).where(
        (Invitation.wave == wave_id) & (Invitation.company == company_id)
        & (Invitation.channel == "code") & Invitation.answered.eq(False)
    ).output(load_json=True)
    groups: dict[str, list[Card]] = {}
    for row in rows:
        code = new_access_code()
        await Invitation.update({Invitation.token_hash: token_hash(code)}).where(
            Invitation.id == row["id"])
        label = " · ".join(str(v) for v in (row["group_values"] or {}).values() if v)
        groups.setdefault(label, []).append(Card(label, code))
    for cards in groups.values():
        secrets.SystemRandom().shuffle(cards)  # the order of the rows says nothing
    return dict(sorted(groups.items(), key=lambda item: item[0].casefold()))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "azienda"


# The printed sheet: bilingual for the people, in the HR manager's language around it.
INSTRUCTIONS_IT = ("Inquadra il codice QR con il telefono, oppure apri {address} e scrivi il "
                   "codice. Vale per una sola compilazione. Le risposte sono anonime: l'azienda "
                   "vede solo dati di gruppi di almeno 5 persone.")
INSTRUCTIONS_EN = ("Scan the QR code with your phone, or open {address} and type the code. It "
                   "works for one set of answers. Answers are anonymous: the company only sees "
                   "figures for groups of at least 5 people.")


def _sheet(title: str, company: str, groups: dict[str, list[Card]]) -> bytes:
    """The Word sheet: a page per reporting group, its cards with QR code and code."""
    base = get_settings().base_url
    address = base.split("://", 1)[-1] + CODE_PAGE
    document = a4_document(margin_cm=1.5)  # printed on A4 and cut
    document.add_heading(_("Access codes: {title}").format(title=title), level=1)
    document.add_paragraph(_("{company}: {count} codes. Cut along the lines and let each "
                             "person of the group take a card of their choice. A code works "
                             "once; printing a new sheet cancels these codes.").format(
        company=company, count=sum(map(len, groups.values()))))
    number = 0
    for label, cards in groups.items():
        document.add_heading(label or _("Everyone"), level=2)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for card in cards:
            number += 1
            row = table.add_row()
            _keep_together(row)
            qr_cell, text_cell = row.cells
            qr_cell.width, text_cell.width = Cm(4), Cm(14)
            _add_qr(document, qr_cell.paragraphs[0].add_run(),
                    f"{base}{LINK_PREFIX}{card.code}", number)
            _card_text(text_cell, card, address)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_qr(document: Any, run: Run, url: str, number: int) -> None:
    """Put the QR code of `url` in `run` as picture `number`.

    `run.add_picture` looks for a free image name and shape id by scanning every image
    already there, which makes a sheet of 1,000 cards take minutes; the numbers are
    known here, so the picture is added directly.
    """
    image = Image.from_blob(qr_png(url))
    part = ImagePart.from_image(image, PackURI(f"/word/media/qr{number}.png"))
    relation = document.part.relate_to(part, RT.IMAGE)
    width, height = image.scaled_dimensions(Cm(3.5), None)
    shape_id = QR_SHAPE_IDS + number  # above the ids of the few other shapes of the sheet
    run._r.add_drawing(CT_Inline.new_pic_inline(shape_id, relation, f"qr{number}.png",
                                                width, height))


def _card_text(cell: _Cell, card: Card, address: str) -> None:
    cell.paragraphs[0].add_run(card.group or "—").bold = True
    code = cell.add_paragraph().add_run(f"Codice / Code: {format_code(card.code)}")
    code.bold, code.font.size, code.font.name = True, Pt(16), "Courier New"
    cell.add_paragraph(INSTRUCTIONS_IT.format(address=address)).runs[0].font.size = Pt(9)
    english = cell.add_paragraph(INSTRUCTIONS_EN.format(address=address)).runs[0]
    english.italic, english.font.size = True, Pt(9)


def _keep_together(row: _Row) -> None:
    # A card split across two pages would be cut in half.
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
