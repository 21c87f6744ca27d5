"""A pet sold: off the market once paid, never sent by courier without its quarantine certificate, its journey
and arrival, a transit claim ruled by the platform, and its money held until the guarantee has run."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.aftersales import services as aftersales
from jishi.core.money import Money
from jishi.ledger import selectors as ledger
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.pets import selectors, services
from jishi.pets.errors import ArrivalNotConfirmed, ClaimTooLate, InvalidSale, QuarantineRequired
from jishi.pets.models import Pet, PetSale, TransitEvent
from tests import factories
from tests.pets.conftest import PDF, logged, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(breeder, kitten, buyer):
    logged(breeder, kitten, 2)
    services.checkpoint_sign()
    placement = factories.place(buyer, (factories.sku_of(kitten.product), 1))
    factories.pay(placement)
    return PetSale.objects.select_related("order", "pet").get(pet=kitten)


def _ship(breeder, sale):
    return orders.order_ship(
        actor=breeder, order_number=sale.order.number, carrier="宠物托运", tracking_number="PT2026"
    )


def test_paying_opens_the_sale_with_the_checkpoint_and_takes_the_pet_off_the_market(sold, kitten):
    assert sold.order.status == "paid"
    assert (sold.delivery, sold.checkpoint_size) == ("pet_courier", 2)
    assert not Pet.objects.get(pk=kitten.pk).is_live
    assert selectors.pets_search(selectors.PetQuery()).total == 0


def test_no_courier_without_the_quarantine_certificate(breeder, sold):
    with pytest.raises(QuarantineRequired) as refused:
        _ship(breeder, sold)
    assert (refused.value.status, refused.value.field) == (409, "quarantine_document")
    assert Order.objects.get(pk=sold.order_id).status == "paid"
    with pytest.raises(InvalidSale):
        services.quarantine_upload(actor=breeder, sale_id=sold.pk, number=" ", document=PDF)
    services.quarantine_upload(actor=breeder, sale_id=sold.pk, number="苏 3205001234", document=png())
    assert _ship(breeder, sold).status == "shipped"


def test_the_buyer_chooses_among_the_ways_offered_until_it_is_sent(breeder, buyer, sold):
    with pytest.raises(InvalidSale):
        services.sale_delivery_set(actor=buyer, sale_id=sold.pk, delivery="air_cargo")  # not offered
    services.sale_delivery_set(actor=buyer, sale_id=sold.pk, delivery="collection")
    services.sale_hand_over(actor=breeder, sale_id=sold.pk, place="苏州市吴中区 布偶小筑猫舍")
    sold.refresh_from_db()
    assert sold.order.status == "shipped"
    assert [e.kind for e in TransitEvent.objects.filter(sale=sold)] == ["handed_over", "arrived"]
    with pytest.raises(InvalidSale):
        services.sale_delivery_set(actor=buyer, sale_id=sold.pk, delivery="pet_courier")


def test_the_journey_the_arrival_a_transit_claim_and_the_platforms_ruling(breeder, buyer, sold):
    services.quarantine_upload(actor=breeder, sale_id=sold.pk, number="苏 3205001234", document=PDF)
    _ship(breeder, sold)
    now = timezone.now()
    services.transit_event_add(
        actor=breeder, sale_id=sold.pk, kind="handed_over", at=now - dt.timedelta(hours=9), place="苏州 宠物托运站"
    )
    services.transit_event_add(
        actor=breeder, sale_id=sold.pk, kind="checkpoint", at=now - dt.timedelta(hours=5), place="南京 中转"
    )
    with pytest.raises(InvalidSale):
        services.transit_event_add(
            actor=breeder, sale_id=sold.pk, kind="arrived", at=now + dt.timedelta(hours=3), place="北京"
        )
    services.transit_event_add(actor=breeder, sale_id=sold.pk, kind="arrived", at=now, place="北京 朝阳 提货点")
    order = Order.objects.get(pk=sold.order_id)
    assert abs(order.confirm_by - (now + dt.timedelta(hours=24))) < dt.timedelta(seconds=1)

    with pytest.raises(ArrivalNotConfirmed):
        services.claim_file(actor=buyer, sale_id=sold.pk, kind="transit_injury", description="x", evidence=[png()])
    with pytest.raises(InvalidSale) as no_photo:
        services.arrival_confirm(actor=buyer, sale_id=sold.pk, condition="unwell", photos=[])
    assert no_photo.value.field == "photos"
    services.arrival_confirm(actor=buyer, sale_id=sold.pk, condition="unwell", note="右前腿跛行", photos=[png()])
    order.refresh_from_db()
    assert order.status == "delivered"
    # the money waits for the 7-day illness guarantee, beyond the ordinary after-sales window
    assert order.complete_at - order.delivered_at == dt.timedelta(days=7)

    claim = services.claim_file(
        actor=buyer,
        sale_id=sold.pk,
        kind="transit_injury",
        description="到货时右前腿跛行，宠物医院诊断为运输中扭伤",
        amount=Money.parse("800.00", "CNY"),
        evidence=[png(), PDF],
    )
    request = aftersales.request_reject(actor=breeder, number=claim.request_number, reason="发货时健康，有视频为证")
    aftersales.request_escalate(actor=buyer, number=request.number, note="请平台介入")
    support = factories.user(operator_role="support")
    ruled = aftersales.request_decide(
        actor=support,
        number=request.number,
        for_buyer=True,
        note="运输受伤属实，卖家承担部分",
        amount=Money.parse("500.00", "CNY"),
    )
    assert (ruled.status, ruled.amount_minor) == ("refunded", 50_000)
    figures = ledger.order_figures(Order.objects.get(pk=sold.order_id))
    assert figures.refunded == 50_000
    order.refresh_from_db()
    assert (order.status, order.on_hold) == ("delivered", False)


def test_a_claim_after_the_guarantee_is_refused(breeder, buyer, sold):
    services.quarantine_upload(actor=breeder, sale_id=sold.pk, number="苏 3205001234", document=PDF)
    _ship(breeder, sold)
    services.arrival_confirm(actor=buyer, sale_id=sold.pk, condition="healthy", photos=[])
    PetSale.objects.filter(pk=sold.pk).update(arrived_at=timezone.now() - dt.timedelta(hours=25))
    with pytest.raises(ClaimTooLate) as late:
        services.claim_file(actor=buyer, sale_id=sold.pk, kind="dead_on_arrival", description="x", evidence=[png()])
    assert (late.value.status, late.value.field) == (422, "kind")
    claim = services.claim_file(actor=buyer, sale_id=sold.pk, kind="illness", description="猫瘟阳性", evidence=[PDF])
    assert claim.kind == "illness"  # the illness guarantee runs 7 days


def test_an_order_without_a_pet_is_untouched(buyer, shop):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    factories.pay(placement)
    [order] = placement.orders
    staff = Order.objects.get(pk=order.pk).merchant.memberships.first().user
    shipped = orders.order_ship(actor=staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    delivered = orders.order_confirm_receipt(actor=buyer, order_number=shipped.number)
    assert delivered.complete_at - delivered.delivered_at == dt.timedelta(days=7)
    assert PetSale.objects.count() == 0
