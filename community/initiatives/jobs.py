"""Initiative jobs: mail the person a freed place is offered to, with the deadline.

`app.places` offers a freed place to the next on the waitlist and runs the job
"places.offered", which calls this notifier. The mail carries no secret: its link opens
the initiative on the employee's phone pages, behind sign-in.
"""

from __future__ import annotations

from babel.dates import format_datetime

from app.clock import ITALY
from app.db import transaction
from app.mail import send_mail
from app.places import SeatInfo, on_offer
from app.settings import get_settings
from app.tables import User
from community.initiatives.service import OWNER
from community.tables import Initiative


def offer_link(initiative_id: object) -> str:
    return f"{get_settings().base_url}/me/initiatives/{initiative_id}"


@on_offer(OWNER)
async def mail_offer(seat: SeatInfo) -> None:
    """Tell an employee a place is theirs if they accept it before the deadline."""
    if seat.holder_kind != "user" or seat.offered_until is None:
        return
    initiative = await Initiative.select(Initiative.id, Initiative.title).where(
        Initiative.pool == seat.pool_id).first()
    user = await User.select(User.email, User.name, User.language).where(
        (User.id == seat.holder_id) & User.is_active.eq(True)).first()
    if initiative is None or user is None or not user["email"]:
        return  # no mailbox: the offer waits for them on /me/initiatives
    language = user["language"] or get_settings().language
    deadline = format_datetime(seat.offered_until.astimezone(ITALY), format="d MMMM y, HH:mm",
                               locale=language)
    async with transaction():
        await send_mail(user["email"], "initiative_offer", language, {
            "name": user["name"] or "", "title": initiative["title"],
            "link": offer_link(initiative["id"]), "deadline": deadline,
            "places": seat.places})
