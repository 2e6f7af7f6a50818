"""The development mailbox: the mail that SMTP_URL=dev kept instead of sending.

Mounted by the app only in development and test, so these pages do not exist elsewhere.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from integrations.mail.service import StoredMail, stored_mails


class DevMailController(Controller):
    path = "/dev"
    tags = ["development"]
    include_in_schema = False

    @get("/mail")
    async def mailbox(self) -> Template:
        return Template(
            template_name="mail/dev_mailbox.html", context={"mails": await stored_mails()}
        )

    @get("/mail.json")
    async def mailbox_json(self) -> list[StoredMail]:
        return await stored_mails()
