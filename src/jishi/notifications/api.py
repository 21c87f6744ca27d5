"""Notifications API: the signed-in user's inbox."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Schema

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import BodyId, PageNumber, Router, StrictIn, errors
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, requires
from jishi.notifications import selectors, services

router = Router(tags=["notifications"], auth=SIGNED_IN)


class NotificationOut(Schema):
    id: int
    kind: str
    title: str = Field(description="In the reader's language")
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut]


class ReadIn(StrictIn):
    id: BodyId | None = None


class ReadOut(Schema):
    marked: int


@router.get("", response={200: InboxOut, **errors(401)})
@requires(AUTHENTICATED)
def inbox(request: HttpRequest, page: PageNumber = 1) -> InboxOut:
    """The newest messages first (30 a page) and the number unread."""
    actor = actor_of(request)
    items = paginate(selectors.inbox_of(actor), page=page, page_size=30).items
    return InboxOut(
        unread=selectors.unread_count(actor),
        items=[
            NotificationOut(
                id=n.pk,
                kind=n.kind,
                title=n.title_shown,
                body=n.body_shown,
                link=n.link,
                created_at=n.created_at,
                read_at=n.read_at,
            )
            for n in items
        ],
    )


@router.post("/read", response={200: ReadOut, **errors(401, 404)})
@requires(AUTHENTICATED)
def read(request: HttpRequest, payload: ReadIn) -> ReadOut:
    """Mark one message read, or all of them without an ``id``."""
    return ReadOut(marked=services.mark_read(actor=actor_of(request), notification_id=payload.id))
