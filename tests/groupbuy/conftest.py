import datetime as dt
from typing import Any

from django.test import TestCase
from django.utils import timezone

from jishi.checkout import services as checkout
from jishi.core.money import Money
from jishi.groupbuy import services as groupbuy
from tests import factories


def campaign(owner: Any, product: Any, *tiers: tuple[int, str], per_user_limit: int = 2, hours: int = 24) -> Any:
    """A running 拼团 campaign on the product's first SKU, at ``(size, price)`` tiers (one for a plain one)."""
    now = timezone.now()
    sku = factories.sku_of(product)
    return groupbuy.campaign_create(
        actor=owner,
        data=groupbuy.TeamCampaignInput(
            product_id=product.pk,
            skus=[
                groupbuy.SkuPricesInput(
                    sku_id=sku.pk, tiers=[groupbuy.TierInput(size, Money.parse(price, "CNY")) for size, price in tiers]
                )
            ],
            starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(days=3),
            window_hours=hours,
            per_user_limit=per_user_limit,
        ),
    )


def place(buyer: Any, campaign: Any, *, team_id: int | None = None, quantity: int = 1) -> Any:
    """Place a 拼团 order for the buyer: opening a group, or joining ``team_id``."""
    existing = buyer.addresses.first()
    address_id = (existing or factories.address(buyer)).pk
    sku_id = campaign.tiers.order_by("size").first().sku_id
    buy_now = checkout.BuyNow(sku_id=sku_id, quantity=quantity, team_campaign_id=campaign.pk, team_id=team_id)
    quote = checkout.checkout_quote(actor=buyer, address_id=address_id, buy_now=buy_now)
    return checkout.checkout_place(actor=buyer, address_id=address_id, fingerprint=quote.fingerprint, buy_now=buy_now)


def join(buyer: Any, campaign: Any, *, team_id: int | None = None, quantity: int = 1) -> Any:
    """Place and pay: the buyer's order, reloaded."""
    placement = place(buyer, campaign, team_id=team_id, quantity=quantity)
    with TestCase.captureOnCommitCallbacks(execute=True):  # a group it fills settles after the commit
        factories.pay(placement)
    order = placement.orders[0]
    order.refresh_from_db()
    return order
