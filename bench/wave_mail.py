"""Sending a 1,000-person wave to a real SMTP server, vs. plain smtplib on one connection.

Seeds a throwaway PostgreSQL database with one company of N roster entries with e-mail
addresses, starts aiosmtpd on a free port and opens a wave. The mail job goes the whole
way: outbox row committed with the wave, relay, broker, dramatiq worker, one link token
and one SMTP conversation per person. Measured: from calling `open_wave` to the last mail
received by the server. Baseline, in the same command: the same N mails, rendered
beforehand, sent with smtplib over one SMTP connection. Prints figures, asserts nothing.

    .venv/bin/python bench/wave_mail.py [--people 1000] [--broker redis://127.0.0.1:6379/15]
    (--broker embedded runs dramatiq on its in-process stub broker)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import smtplib
import socket
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"legami_bench_{secrets.token_hex(4)}"
BASE_URL = "https://legami.farelegami.example"
WAIT_LIMIT_SECONDS = 300


class Inbox:
    """An aiosmtpd handler that counts mails and notes when the last one arrived."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        with self.lock:
            self.count, self.last = 0, 0.0

    def wait_for(self, count: int) -> float:
        """Block until `count` mails arrived; return when the last one did."""
        deadline = time.perf_counter() + WAIT_LIMIT_SECONDS
        while self.count < count and time.perf_counter() < deadline:
            time.sleep(0.01)
        return self.last


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def seed(people: int) -> tuple[Any, Any]:
    """A program, its admin, a company with `people` roster entries, a draft wave."""
    from datetime import timedelta

    from app.auth.caller import load_caller
    from app.tables import Membership, Organization, User
    from company_portal.tables import RosterEntry
    from surveys.definition import Definition, Option, Question, Section, encode
    from surveys.tables import Survey, SurveyVersion
    from surveys.waves import service as waves
    from surveys.waves import state as wave_clock

    program = Organization(kind="program", name="FareLegami", town="Cremona")
    company = Organization(kind="company", name="Officine Rossi", town="Crema")
    admin = User(email="admin@farelegami.example", name="Laura")
    for row in (program, company, admin):
        await row.save()
    await Membership(user=admin.id, organization=program.id, role="program_admin").save()
    await RosterEntry.insert(*[
        RosterEntry(company=company.id, employee_ref=f"E{n:05}", name=f"Persona {n}",
                    email=f"persona{n}@officinerossi.example", department=f"Reparto {n % 7}",
                    site="Crema", roster_key=f"{company.id}:E{n:05}")
        for n in range(people)])
    question = Question(key="children", type="single", text={"it": "Figli sotto i 14 anni?"},
                        options=[Option("yes", {"it": "Sì"}), Option("no", {"it": "No"})])
    definition = Definition(title={"it": "Bisogni 2026", "en": "Needs 2026"}, sections=[
        Section(key="family", title={"it": "Famiglia"}, questions=[question])])
    survey = Survey(owner=program.id, title="Bisogni 2026")
    await survey.save()
    version = SurveyVersion(survey=survey.id, definition=encode(definition))
    await version.save()
    caller = await load_caller(admin.id)
    assert caller is not None
    wave = await waves.create_wave(caller, waves.WaveCreate(
        version_id=version.id, title="Ondata bench", opens_on=wave_clock.today(),
        closes_on=wave_clock.today() + timedelta(days=14), company_ids=[company.id]))
    return caller, wave.id


async def pipeline(people: int, broker_url: str, inbox: Inbox) -> float:
    from dramatiq import Worker

    from app.db import open_pool
    from app.migrate import migrate
    from surveys.waves import service as waves
    from worker.broker import bind, make_broker
    from worker.relay import relay_forever

    await migrate()
    await open_pool()
    caller, wave_id = await seed(people)
    broker = make_broker(url=broker_url)
    actors = bind(broker, queue=f"bench-{secrets.token_hex(3)}")
    worker = Worker(broker, worker_threads=4)
    worker.start()
    relay = asyncio.create_task(relay_forever(actors, interval=0.05))
    try:
        started = time.perf_counter()
        await waves.open_wave(caller, wave_id)
        last = await asyncio.to_thread(inbox.wait_for, people)
    finally:
        relay.cancel()
        await asyncio.to_thread(worker.stop)
        broker.close()
    return last - started


def rendered_mails(people: int) -> list[EmailMessage]:
    """The same mails as the job's, each with its own link, rendered before timing."""
    from email.utils import formatdate, make_msgid

    from integrations.mail.render import render
    from surveys.distribution.tokens import new_link_token

    mails = []
    for n in range(people):
        subject, text, html = render("wave_invitation", "it", {
            "name": f"Persona {n}", "company": "Officine Rossi", "survey": "Bisogni 2026",
            "closes_on": "31 marzo 2026", "link": f"{BASE_URL}/r/{new_link_token()}"})
        message = EmailMessage()
        message["From"] = "Legami <noreply@farelegami.example>"
        message["To"] = f"persona{n}@officinerossi.example"
        message["Subject"] = subject
        message["Date"] = formatdate()
        message["Message-ID"] = make_msgid("legami", domain="farelegami.example")
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        mails.append(message)
    return mails


def baseline(mails: list[EmailMessage], port: int, inbox: Inbox) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for message in mails:
            client.send_message(message)
    return inbox.wait_for(len(mails)) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    asyncio.run(_admin(f'CREATE DATABASE "{DB_NAME}"'))
    os.environ.update({"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME,
                       "LEGAMI_ENV": "test", "SECRET_KEY": "b" * 40, "BASE_URL": BASE_URL,
                       "SMTP_URL": f"smtp://127.0.0.1:{port}"})
    try:
        base = baseline(rendered_mails(args.people), port, inbox)
        inbox.reset()
        piped = asyncio.run(pipeline(args.people, args.broker, inbox))
        received = inbox.count
    finally:
        controller.stop()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    print(f"wave of {args.people} people, PostgreSQL, {args.broker.split('://')[0]} broker, "
          f"aiosmtpd on 127.0.0.1")
    print(f"baseline (rendered mails, smtplib, one connection): {base:6.2f} s "
          f"({args.people / base:5.0f} mails/s)")
    print(f"open wave → last mail received ({received} received): {piped:6.2f} s "
          f"({received / piped:5.0f} mails/s)")
    print(f"ratio (pipeline / baseline time): {piped / base:.2f}")


if __name__ == "__main__":
    main()
