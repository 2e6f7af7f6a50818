"""The development mailbox lists hundreds of mails without embedding any document."""

from __future__ import annotations

from typing import Any

from app.tables import DevMail


async def test_the_mailbox_links_each_html_version_instead_of_embedding_it(client: Any) -> None:
    for n in range(120):
        await DevMail(to_address=f"p{n}@rossi.example", subject=f"Invito {n}", text="Ciao",
                      html=f"<p>Ciao <b>{n}</b></p>").save()
    page = (await client.get("/dev/mail")).text
    assert "<iframe" not in page and page.count('href="/dev/mail/') == 100
    newest = await DevMail.select(DevMail.id).order_by(DevMail.id, ascending=False).first()
    html = await client.get(f"/dev/mail/{newest['id']}/html")
    assert html.status_code == 200 and "<b>119</b>" in html.text
    assert "script-src 'self'" in html.headers["content-security-policy"]
    assert (await client.get("/dev/mail/999999/html")).status_code == 404
