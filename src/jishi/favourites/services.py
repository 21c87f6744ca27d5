"""Writes of the favourites domain: favourites (收藏), shop follows (关注), browsing history (足迹) and the
price-drop notices (降价提醒) a member gets for their favourites.

Every write is the member's own and idempotent: favouriting twice keeps the first row (and its price), removing
what is not there changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import islice

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from jishi.catalog.selectors import published_products
from jishi.core.actors import Actor, signed_in, user_of
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.core.phrases import phrase
from jishi.favourites import selectors
from jishi.favourites.errors import ProductUnavailable, ShopNotFound
from jishi.favourites.models import Favourite, ProductView, ShopFollow
from jishi.favourites.permissions import FAVOURITES_KEEP
from jishi.merchants.selectors import merchant_public_list
from jishi.notifications.services import Message, notify_all

PRICE_DROP_KIND = "favourite_price_drop"
# Members one sweep's transaction tells; the sweep goes on until a batch comes back short.
PRICE_DROP_BATCH = 200
# Titles a notice about several favourites names.
TITLES_NAMED = 3


@transaction.atomic
def favourite_add(*, actor: Actor, product_id: int) -> Favourite:
    """Favourite (收藏) a product on sale, remembering its lowest SKU price now.

    Idempotent: favouriting it again returns the first favourite unchanged (its price too). Raises
    NotAuthenticated, ProductUnavailable (not published, or no such product).
    """
    check(actor, FAVOURITES_KEEP)
    user = user_of(actor)
    existing = Favourite.objects.filter(user=user, product_id=product_id).first()
    if existing is not None:
        return existing
    price = published_products().filter(pk=product_id).values_list("min_price_minor", "currency").first()
    if price is None:
        raise ProductUnavailable(field="product_id")
    favourite, _ = Favourite.objects.get_or_create(
        user=user, product_id=product_id, defaults={"price_minor": price[0], "currency": price[1]}
    )
    return favourite


@transaction.atomic
def favourite_remove(*, actor: Actor, product_id: int) -> bool:
    """Stop keeping a product (whether it is on sale or not). Idempotent: returns whether there was one."""
    check(actor, FAVOURITES_KEEP)
    deleted, _ = Favourite.objects.filter(user=user_of(actor), product_id=product_id).delete()
    return deleted > 0


@transaction.atomic
def follow_add(*, actor: Actor, merchant_id: int) -> ShopFollow:
    """Follow (关注) an open shop. Idempotent: following it again returns the first follow. Raises
    NotAuthenticated, ShopNotFound (closed, suspended or no such shop)."""
    check(actor, FAVOURITES_KEEP)
    user = user_of(actor)
    existing = ShopFollow.objects.filter(user=user, merchant_id=merchant_id).first()
    if existing is not None:
        return existing
    if not merchant_public_list().filter(pk=merchant_id).exists():
        raise ShopNotFound(field="merchant_id")
    follow, _ = ShopFollow.objects.get_or_create(user=user, merchant_id=merchant_id)
    return follow


@transaction.atomic
def follow_remove(*, actor: Actor, merchant_id: int) -> bool:
    """Stop following a shop. Idempotent: returns whether the member followed it."""
    check(actor, FAVOURITES_KEEP)
    deleted, _ = ShopFollow.objects.filter(user=user_of(actor), merchant_id=merchant_id).delete()
    return deleted > 0


def _upsert_view_sql() -> str:
    table = connection.ops.quote_name(ProductView._meta.db_table)
    # The table name comes from the model and every value is a parameter. Both SQLite (3.24+) and PostgreSQL
    # read this ON CONFLICT clause.
    return (
        f"INSERT INTO {table} (user_id, product_id, viewed_at, views) VALUES (%s, %s, %s, 1)"  # noqa: S608
        f" ON CONFLICT (user_id, product_id) DO UPDATE SET viewed_at = excluded.viewed_at, views = {table}.views + 1"
    )


def view_record(*, actor: Actor, product_id: int) -> bool:
    """Put a product the member is looking at on top of their browsing history (足迹) and count the view: one
    upsert. The caller shows the product, so it exists and is on sale. Nothing for an anonymous visitor: returns
    whether a view was recorded. One statement is its own transaction: no savepoint around it, whatever the
    caller's transaction."""
    if signed_in(actor) is None:
        return False
    check(actor, FAVOURITES_KEEP)
    viewed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_upsert_view_sql(), [user_of(actor).pk, product_id, viewed_at])
    return True


@transaction.atomic
def history_clear(*, actor: Actor) -> int:
    """Clear the member's whole browsing history. Idempotent: returns how many products it held."""
    check(actor, FAVOURITES_KEEP)
    deleted, _ = ProductView.objects.filter(user=user_of(actor)).delete()
    return deleted


@transaction.atomic
def history_remove(*, actor: Actor, product_id: int) -> bool:
    """Remove one product from the member's browsing history. Idempotent: returns whether it was there."""
    check(actor, FAVOURITES_KEEP)
    deleted, _ = ProductView.objects.filter(user=user_of(actor), product_id=product_id).delete()
    return deleted > 0


# Price-drop notices (降价提醒) -----------------------------------------------------------------------------------


def _message(user_id: int, drops: list[Favourite]) -> Message:
    if len(drops) == 1:
        drop = drops[0]
        now = Money(drop.current_price_minor, drop.currency)  # type: ignore[attr-defined]
        return Message(
            user_id,
            PRICE_DROP_KIND,
            phrase(gettext_lazy("Price drop: %(title)s"), title=drop.title),  # type: ignore[attr-defined]
            phrase(
                gettext_lazy("Now %(price)s, down from %(was)s when you saved it."),
                price=now.format(),
                was=drop.price.format(),
            ),
            link=f"/p/{drop.product_id}/",
        )
    titles = "、".join(drop.title for drop in islice(drops, TITLES_NAMED))  # type: ignore[attr-defined]
    return Message(
        user_id,
        PRICE_DROP_KIND,
        phrase(gettext_lazy("%(count)s of your favourites dropped in price"), count=len(drops)),
        titles if len(drops) <= TITLES_NAMED else phrase(gettext_lazy("%(titles)s and more"), titles=titles),
        link="/me/favourites/",
    )


@transaction.atomic
def price_drops_notify(*, members: int = PRICE_DROP_BATCH) -> int:
    """One batch of the price-drop sweep: each member whose favourites are cheaper than when they were saved (and
    than their last notice) gets one inbox message about all of them, and each favourite records the price it
    named, so a drop is told once. A favourite another sweep told meanwhile is skipped. Returns how many members it
    looked at (fewer than ``members``: nobody is left)."""
    due = selectors.price_drops_due(members=members)
    told: dict[int, list[Favourite]] = defaultdict(list)
    for favourite in due:
        price = favourite.current_price_minor  # type: ignore[attr-defined]
        not_told = Q(notified_price_minor__isnull=True) | Q(notified_price_minor__gt=price)
        if Favourite.objects.filter(not_told, pk=favourite.pk).update(notified_price_minor=price):
            told[favourite.user_id].append(favourite)
    notify_all([_message(user_id, drops) for user_id, drops in told.items()])
    return len({favourite.user_id for favourite in due})


def price_drops_notify_due() -> int:
    """The hourly sweep: every price drop of a favourite, told in batches (one transaction each). Idempotent:
    a second run finds nothing. Returns how many members were looked at."""
    total = 0
    while True:
        looked = price_drops_notify(members=PRICE_DROP_BATCH)
        total += looked
        if looked < PRICE_DROP_BATCH:
            return total
