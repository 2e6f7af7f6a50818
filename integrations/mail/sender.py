"""Deliver one rendered mail: to the development mailbox or over SMTP.

SMTP_URL `dev` keeps mail in the `dev_mail` table (shown at /dev/mail) and on the
console; `smtp://`, `smtps://` (TLS from the start) and `smtp+starttls://` send it.
Errors propagate, so the job runner retries.

Attachments (a calendar file, say) travel over SMTP as real MIME parts. The development
mailbox has no place for files: it keeps a line in the text naming each attachment.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from functools import cache
from urllib.parse import unquote, urlsplit

from app.settings import Settings, get_settings
from app.tables import DevMail

log = logging.getLogger("legami.mail")

SMTP_TIMEOUT_SECONDS = 20
DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}

Attachment = tuple[str, str, bytes]  # file name, MIME type, content


async def deliver(outbox_id: int | None, to: str, subject: str, text: str, html: str,
                  attachments: list[Attachment] | None = None) -> None:
    """Send a multipart mail (text and HTML, then any attachments); at most once per
    outbox id in the dev mailbox."""
    settings = get_settings()
    if settings.smtp_url == "dev":
        notes = "".join(f"\n[{name} ({mimetype}, {len(data)} bytes)]"
                        for name, mimetype, data in attachments or [])
        await _store(outbox_id, to, subject, text + notes, html)
        return
    message = _message(settings, outbox_id, to, subject, text, html)
    for name, mimetype, data in attachments or []:
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=name)
    await asyncio.to_thread(_send_smtp, settings.smtp_url, message)


def _message(
    settings: Settings, outbox_id: int | None, to: str, subject: str, text: str, html: str
) -> EmailMessage:
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "legami.invalid"
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # A Message-ID fixed by the outbox id lets a receiver spot a retried duplicate.
    message["Message-ID"] = (
        f"<legami-outbox-{outbox_id}@{domain}>"
        if outbox_id is not None
        else make_msgid("legami", domain=domain)
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS,
                                  context=_tls_context())
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=_tls_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


@cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA certificates takes ~40 ms: once per process, not once per mail.
    return ssl.create_default_context()


async def _store(outbox_id: int | None, to: str, subject: str, text: str, html: str) -> None:
    # ON CONFLICT makes a redelivered job store nothing, even when two workers race.
    stored = await (
        DevMail.insert(
            DevMail(
                outbox_id=outbox_id,
                to_address=to,
                subject=subject[:300],
                text=text,
                html=html,
            )
        )
        .on_conflict(target=DevMail.outbox_id, action="DO NOTHING")
        .returning(DevMail.id)
    )
    if stored:
        log.info("mail to %s: %s\n%s", to, subject, text)
