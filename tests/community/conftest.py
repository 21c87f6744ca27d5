import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from jishi.accounts import services as accounts
from jishi.accounts.validators import id_number_check_character
from jishi.checkout import services as checkout
from jishi.community import services as community
from jishi.community.models import Batch, Pickup
from jishi.core.money import Money
from jishi.orders import services as orders
from jishi.orders.models import Order
from tests import factories

_SERIAL = itertools.count(100)


def verified(reviewer: Any, **fields: Any) -> Any:
    """A user whose real name an operator approved."""
    user = factories.user(**fields)
    first = f"44030519880808{next(_SERIAL):03d}"
    submitted = accounts.kyc_submit(actor=user, real_name="李团长", id_number=first + id_number_check_character(first))
    accounts.kyc_approve(actor=reviewer, verification_id=submitted.pk)
    return user


def point_input(name: str = "阳光花园自提点", latitude: float = 22.5431, longitude: float = 114.0579, **kw: Any) -> Any:
    return community.PointInput(
        name=name,
        kind=kw.get("kind", "shop"),
        province="广东省",
        city=kw.get("city", "深圳市"),
        district="福田区",
        detail=kw.get("detail", "阳光花园 3 栋底商"),
        latitude=latitude,
        longitude=longitude,
        hours="每天 9:00-21:00",
        capacity=200,
    )


def leader(reviewer: Any, admin: Any, **point: Any) -> Any:
    """An approved leader with a pickup point."""
    user = verified(reviewer)
    applied = community.leader_apply(actor=user, data=point_input(**point))
    community.leader_approve(actor=admin, leader_id=applied.pk)
    return user


def campaign(owner: Any, sku: Any, price: str = "9.90", **kw: Any) -> Any:
    now = timezone.now()
    return community.community_campaign_create(
        actor=owner,
        data=community.CommunityCampaignInput(
            title=kw.get("title", "周末鲜果团"),
            items=[community.ItemInput(sku_id=sku.pk, price=Money.parse(price, "CNY"))],
            starts_at=now - dt.timedelta(hours=1),
            cutoff_at=kw.get("cutoff_at", now + dt.timedelta(hours=10)),
            pickup_on=(now + dt.timedelta(days=1)).date(),
            point_ids=kw.get("point_ids"),
            leader_rate_bp=kw.get("leader_rate_bp"),
        ),
    )


def order_for_pickup(resident: Any, sku: Any, quantity: int = 1) -> Any:
    """Place and pay the resident's cart for pickup at their point; the paid order."""
    factories.in_cart(resident, (sku, quantity))
    address = resident.addresses.first() or factories.address(resident)
    merchant_id = sku.product.merchant_id
    quote = checkout.checkout_quote(actor=resident, address_id=address.pk, pickup_merchant_ids=[merchant_id])
    placed = checkout.checkout_place(
        actor=resident, address_id=address.pk, fingerprint=quote.fingerprint, pickup_merchant_ids=[merchant_id]
    )
    factories.pay(placed)
    order = placed.orders[0]
    order.refresh_from_db()
    return order


@pytest.fixture
def shop_sku(merchant_staff, leaf_category):
    return factories.sku_of(
        factories.product(merchant_staff, leaf_category, title="海南金钻凤梨 2个", price="19.90", stock=100)
    )


def cut_off(running: Any) -> None:
    """The campaign's cut-off passes (a second ago) and the sweep batches its paid orders."""
    type(running).objects.filter(pk=running.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    community.campaigns_cut_off_due()


def hand_over(head: Any, merchant_staff: Any, running: Any, order: Any) -> Any:
    """A paid pickup order through the cut-off, sent, arrived and collected with its code."""
    cut_off(running)
    batch = Batch.objects.get(campaign=running, status="packing")
    community.batch_send(actor=merchant_staff, batch_id=batch.pk)
    community.batch_arrive(actor=head, batch_id=batch.pk)
    community.pickup_verify(actor=head, code=community.pickup_code(Pickup.objects.get(order=order)))
    order.refresh_from_db()
    return order


def handed_over(head: Any, merchant_staff: Any, running: Any, resident: Any, sku: Any, quantity: int) -> Any:
    """The resident's pickup order, paid, then handed over by ``head`` (see :func:`hand_over`)."""
    return hand_over(head, merchant_staff, running, order_for_pickup(resident, sku, quantity=quantity))


def completed(order: Any) -> Any:
    """The delivered order's after-sales window closes: it completes."""
    Order.objects.filter(pk=order.pk).update(complete_at=timezone.now() - dt.timedelta(seconds=1))
    return orders.order_complete_due(order_id=order.pk)


def batch_of_two(point: Any, merchant_staff: Any, sku: Any, buyer: Any, other_buyer: Any) -> Any:
    """After the cut-off, the point's batch of two residents' paid orders (2 and 1 units), with ``.orders``."""
    running = campaign(merchant_staff, sku)
    orders = []
    for resident, quantity in ((buyer, 2), (other_buyer, 1)):
        community.point_choose(actor=resident, point_id=point.pk)
        factories.address(resident, is_default=True)
        orders.append(order_for_pickup(resident, sku, quantity=quantity))
    cut_off(running)
    made = Batch.objects.get()
    made.orders = orders
    return made
