"""Mail: rendering in both languages, the development mailbox, real SMTP, the job."""

from __future__ import annotations

import email
import json
import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from app.db import transaction
from app.mail import send_mail
from app.settings import get_settings
from app.tables import DevMail, OutboxJob
from integrations.mail.render import render
from integrations.mail.sender import deliver
from integrations.mail.service import stored_mails
from worker.runner import run_job

SIGNIN: dict[str, Any] = {
    "name": "Maria",
    "link": "http://testserver.local/signin/abc123",
    "minutes": 15,
}
INVITATION: dict[str, Any] = {
    "name": "Luca",
    "organization": "Officine Crema",
    "role_label": "HR manager",
    "link": "http://testserver.local/invite/xyz",
}


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content or b"", policy=default_policy)
            for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"legami",
        b"s3cret/pw",
    )
    return AuthResult(success=ok, handled=False)  # unhandled: aiosmtpd answers 535


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_check_login,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Switch SMTP_URL for one test; settings are cached, so reload them around it."""

    def use(url: str) -> None:
        monkeypatch.setenv("SMTP_URL", url)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


def test_signin_link_renders_in_italian_and_english_with_the_link() -> None:
    it = render("signin_link", "it", SIGNIN)
    en = render("signin_link", "en", SIGNIN)
    assert it != en
    for _subject, text, html in (it, en):
        assert SIGNIN["link"] in text
        assert f'href="{SIGNIN["link"]}"' in html
        assert "15" in text and "FareLegami" in html
    assert en[0] == "Your sign-in link for Legami"
    assert "valid for 15 minutes" in en[1]
    assert "Ciao Maria" in it[1] and "15 minuti" in it[1]


def test_invitation_names_organization_and_role_and_escapes_html() -> None:
    context = {**INVITATION, "organization": "Bar <Sport> & Co"}
    subject, text, html = render("invitation", "it", context)
    assert "Bar <Sport> & Co" in subject and "Bar <Sport> & Co" in text
    assert "Bar &lt;Sport&gt; &amp; Co" in html and "<Sport>" not in html
    assert "HR manager" in text and INVITATION["link"] in html
    assert 'lang="it"' in html


def test_render_refuses_an_unknown_template() -> None:
    with pytest.raises(ValueError):
        render("nope", "it", {})


async def test_deliver_sends_text_and_html_over_smtp(
    smtp_server: tuple[Inbox, int], smtp_url: Any
) -> None:
    inbox, port = smtp_server
    smtp_url(f"smtp://legami:s3cret%2Fpw@127.0.0.1:{port}")
    subject, text, html = render("signin_link", "en", SIGNIN)

    await deliver(42, "maria@example.org", subject, text, html)

    assert [e.rcpt_tos for e in inbox.envelopes] == [["maria@example.org"]]
    [message] = inbox.messages()
    assert message["From"] == get_settings().mail_from
    assert message["To"] == "maria@example.org"
    assert message["Subject"] == "Your sign-in link for Legami"
    assert message["Message-ID"].startswith("<legami-outbox-42@")
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert SIGNIN["link"] in plain.get_content()
    assert f'href="{SIGNIN["link"]}"' in rich.get_content()
    assert await DevMail.count() == 0


async def test_deliver_raises_when_smtp_refuses_the_login(
    smtp_server: tuple[Inbox, int], smtp_url: Any
) -> None:
    inbox, port = smtp_server
    smtp_url(f"smtp://legami:wrong@127.0.0.1:{port}")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        await deliver(7, "maria@example.org", "s", "t", "<p>h</p>")
    assert inbox.envelopes == []


async def test_dev_mailbox_stores_one_mail_per_outbox_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    subject, text, html = render("signin_link", "it", SIGNIN)
    with caplog.at_level("INFO", logger="legami.mail"):
        await deliver(5, "maria@example.org", subject, text, html)
        await deliver(5, "maria@example.org", subject, text, html)
        await deliver(None, "luca@example.org", "Senza job", "testo", "<p>testo</p>")

    mails = await stored_mails()
    assert [(m.to, m.subject) for m in mails] == [
        ("luca@example.org", "Senza job"),
        ("maria@example.org", subject),
    ]
    assert mails[1].text == text and mails[1].html == html
    logged = [r.getMessage() for r in caplog.records if r.name == "legami.mail"]
    assert len(logged) == 2
    assert "maria@example.org" in logged[0] and SIGNIN["link"] in logged[0]


async def test_send_mail_in_a_rolled_back_transaction_leaves_no_job() -> None:
    with pytest.raises(RuntimeError):
        async with transaction():
            await send_mail("maria@example.org", "signin_link", "it", SIGNIN)
            raise RuntimeError("the change fails")
    assert await OutboxJob.count() == 0


async def test_send_mail_refuses_an_unknown_template() -> None:
    with pytest.raises(ValueError):
        async with transaction():
            await send_mail("maria@example.org", "nope", "it", {})


async def test_mail_send_job_delivers_to_dev_mailbox_and_marks_the_job_done() -> None:
    import integrations.mail.jobs  # noqa: F401  registers "mail.send"

    async with transaction():
        outbox_id = await send_mail("luca@example.org", "invitation", "en", INVITATION)
    job = await OutboxJob.objects().where(OutboxJob.id == outbox_id).first()
    assert job is not None
    assert job.actor == "mail.send"
    assert json.loads(job.payload) == {
        "to": "luca@example.org",
        "template": "invitation",
        "language": "en",
        "context": INVITATION,
    }

    await run_job(outbox_id)
    await run_job(outbox_id)  # a redelivered message has no second effect

    [mail] = await DevMail.select().where(DevMail.outbox_id == outbox_id)
    assert mail["to_address"] == "luca@example.org"
    assert mail["subject"] == "You are invited to Legami for Officine Crema"
    assert INVITATION["link"] in mail["text"]
    assert await DevMail.count() == 1
    done = await OutboxJob.select(OutboxJob.status).where(OutboxJob.id == outbox_id).first()
    assert done == {"status": "done"}


async def test_dev_mailbox_pages_show_stored_mail() -> None:
    from litestar.testing import AsyncTestClient

    from legami.application import create_app

    subject, text, html = render("signin_link", "en", SIGNIN)
    await deliver(9, "maria@example.org", subject, text, html)

    async with AsyncTestClient(app=create_app(run_jobs=False)) as client:
        page = await client.get("/dev/mail", headers={"accept-language": "en"})
        listed = await client.get("/dev/mail.json")

    assert page.status_code == 200
    assert "Development mailbox" in page.text and "maria@example.org" in page.text
    assert f'<a href="{SIGNIN["link"]}"' in page.text  # the text part's link is clickable
    assert '<iframe' not in page.text and '/html">HTML version</a>' in page.text
    assert listed.status_code == 200
    [mail] = listed.json()
    assert {key: mail[key] for key in ("to", "subject", "text", "html")} == {
        "to": "maria@example.org",
        "subject": subject,
        "text": text,
        "html": html,
    }
    assert set(mail) == {"id", "to", "subject", "text", "html", "created_at"}
