"""The development mailbox: the mail that SMTP_URL=dev kept instead of sending.

Mounted by the app only in development and test, so these pages do not exist elsewhere.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from app.tables import DevMail
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

    @get("/mail/{mail_id:int}/html")
    async def mail_html(self, mail_id: int) -> Response[str]:
        """One mail's HTML version on its own page: the mailbox embeds none, so it opens
        fast with hundreds of mails. The site's Content-Security-Policy runs no inline
        script (the mails hold none)."""
        row = await DevMail.select(DevMail.html).where(DevMail.id == mail_id).first()
        if row is None:
            raise NotFoundException()
        return Response(row["html"], media_type="text/html")
