"""Flash sales (秒杀): a shop applies, an operator approves and the quota leaves the shelf; buyers take it exactly."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from jishi.accounts import services as accounts
from jishi.catalog.errors import SkuNotFound
from jishi.core.errors import InvalidInput, PermissionDenied
from jishi.core.money import Money
from jishi.inventory.models import Stock
from jishi.orders.models import Order
from jishi.payments.models import PaymentIntent
from jishi.promotions import services as promotions
from jishi.promotions.errors import (
    FlashItemNotPending,
    FlashNotRunning,
    FlashQuotaOverStock,
)
from jishi.promotions.models import FlashBuyer, FlashItem, FlashItemStatus
from tests import factories

pytestmark = pytest.mark.django_db


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def minutes(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=n)


def _session(admin: Any, *, starts: float = -5, ends: float = 60, real_name: bool = False) -> Any:
    return promotions.flash_session_create(
        actor=admin, title="20:00场", starts_at=minutes(starts), ends_at=minutes(ends), real_name_required=real_name
    )


def _apply(staff: Any, session: Any, sku: Any, **changes: Any) -> Any:
    data = {"session_id": session.pk, "sku_id": sku.pk, "price": yuan("9.90"), "quota": 3, "per_user_limit": 1}
    return promotions.flash_item_apply(actor=staff, data=promotions.FlashApplication(**(data | changes)))


@pytest.fixture
def sku(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.sku_of(factories.product(merchant_staff, leaf_category, price="59.00", stock=10))


@pytest.fixture
def running(admin_operator: Any, merchant_staff: Any, sku: Any) -> Any:
    """A running session with the SKU approved: ¥9.90, 3 units, 1 per buyer."""
    item = _apply(merchant_staff, _session(admin_operator), sku)
    return promotions.flash_item_approve(actor=admin_operator, item_id=item.pk)


def _stock(sku: Any) -> tuple[int, int]:
    stock = Stock.objects.get(pk=sku.pk)
    return stock.quantity, stock.reserved


def test_approval_takes_the_quota_off_the_shelf_and_closing_puts_the_unsold_back(admin_operator, merchant_staff, sku):
    # given an application, then its approval
    item = _apply(merchant_staff, _session(admin_operator), sku)
    assert (item.status, _stock(sku)) == (FlashItemStatus.APPLIED, (10, 0))
    promotions.flash_item_approve(actor=admin_operator, item_id=item.pk)
    # then the quota is held out of stock, and deciding twice is refused
    assert _stock(sku) == (10, 3)
    with pytest.raises(FlashItemNotPending):
        promotions.flash_item_reject(actor=admin_operator, item_id=item.pk, reason="重复")
    # when the session is over, then the unsold units are back on sale, once
    item.session.__class__.objects.filter(pk=item.session_id).update(starts_at=minutes(-120), ends_at=minutes(-1))
    assert promotions.flash_items_close_due() == 1
    assert promotions.flash_items_close_due() == 0
    assert (FlashItem.objects.get().status, _stock(sku)) == (FlashItemStatus.CLOSED, (10, 0))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"price": yuan("59.00")}, "promotions.price_not_lower", "price"),
        ({"price": yuan("0.00")}, "promotions.price_not_lower", "price"),
        ({"quota": 11}, "promotions.quota_over_stock", "quota"),
        ({"quota": 0}, "promotions.quantity_out_of_range", "quota"),
        ({"per_user_limit": 0}, "promotions.per_user_out_of_range", "per_user_limit"),
        ({"per_user_limit": 100}, "promotions.per_user_out_of_range", "per_user_limit"),
    ],
)
def test_a_bad_application_is_refused_and_nothing_is_written(admin_operator, merchant_staff, sku, changes, code, field):
    session = _session(admin_operator)
    with pytest.raises((InvalidInput, FlashQuotaOverStock)) as refused:
        _apply(merchant_staff, session, sku, **changes)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not FlashItem.objects.exists()


def test_applications_are_the_shops_and_decisions_the_operators(
    admin_operator, merchant_staff, other_merchant_staff, buyer, sku
):
    session = _session(admin_operator)
    with pytest.raises(PermissionDenied):
        _apply(buyer, session, sku)
    with pytest.raises(SkuNotFound):
        _apply(other_merchant_staff, session, sku)
    item = _apply(merchant_staff, session, sku)
    # one live application per SKU and session
    with pytest.raises(InvalidInput) as twice:
        _apply(merchant_staff, session, sku)
    assert twice.value.code == "promotions.flash_already_applied"
    for actor in (merchant_staff, buyer):
        with pytest.raises(PermissionDenied):
            promotions.flash_item_approve(actor=actor, item_id=item.pk)
    # a session that is over takes no application
    over = _session(admin_operator, starts=-120, ends=60)
    over.__class__.objects.filter(pk=over.pk).update(ends_at=minutes(-1))
    with pytest.raises(FlashNotRunning):
        _apply(merchant_staff, over, sku)


def _buy(api, buyer, item, quantity=1):
    address = buyer.addresses.first() or factories.address(buyer)
    body = {
        "address_id": address.pk,
        "buy_now": {"sku_id": item.sku_id, "quantity": quantity, "flash_item_id": item.pk},
    }
    quote = api("post", "/checkout/quote", user=buyer, json=body)
    if quote.status_code != 200:
        return quote
    return api("post", "/checkout/place", user=buyer, json=body | {"fingerprint": quote.json()["fingerprint"]})


def test_a_flash_buy_is_at_the_flash_price_alone_and_paid_within_five_minutes(api, buyer, running, sku):
    placed = _buy(api, buyer, running)
    assert placed.status_code == 201, placed.json()
    order = Order.objects.get()
    # then the order is a flash order at ¥9.90, named on its own line, and its unit came out of the quota
    assert order.kind == "flash"
    assert [(a.label, a.amount_minor) for a in order.adjustments.all()] == [("秒杀", 5900 - 990)]
    (line,) = order.lines.all()
    assert (line.total_minor, line.flash_item_id) == (990, running.pk)
    assert order.pay_by <= minutes(5)
    assert (FlashItem.objects.get().sold, _stock(sku)) == (1, (10, 3))  # held already: nothing more reserved
    # and once paid, the unit is sold out of the hold
    factories.pay(SimpleNamespace(intent=PaymentIntent.objects.get()))
    assert _stock(sku) == (9, 2)


def test_the_limit_per_buyer_and_the_quota_are_kept(api, buyer, running):
    assert _buy(api, buyer, running).status_code == 201
    again = _buy(api, buyer, running)
    assert (again.status_code, again.json()["code"], again.json()["field"]) == (
        409,
        "promotions.flash_limit",
        "quantity",
    )
    for _ in range(2):
        assert _buy(api, factories.user(), running).status_code == 201
    late = _buy(api, factories.user(), running)
    assert (late.status_code, late.json()["code"]) == (409, "promotions.flash_sold_out")
    assert Order.objects.count() == 3


def test_a_session_asking_for_a_real_name_refuses_an_unverified_buyer(
    api, admin_operator, merchant_staff, reviewer, buyer, sku
):
    item = _apply(merchant_staff, _session(admin_operator, real_name=True), sku)
    promotions.flash_item_approve(actor=admin_operator, item_id=item.pk)
    refused = _buy(api, buyer, item)
    assert (refused.status_code, refused.json()["code"]) == (403, "promotions.real_name_required")
    verification = accounts.kyc_submit(actor=buyer, real_name="王小明", id_number="11010519491231002X")
    accounts.kyc_approve(actor=reviewer, verification_id=verification.pk)
    assert _buy(api, buyer, item).status_code == 201


def test_outside_its_session_nothing_is_sold(api, admin_operator, merchant_staff, buyer, sku):
    later = _apply(merchant_staff, _session(admin_operator, starts=60, ends=120), sku)
    promotions.flash_item_approve(actor=admin_operator, item_id=later.pk)
    early = _buy(api, buyer, later)
    assert (early.status_code, early.json()["code"], early.json()["field"]) == (
        409,
        "promotions.flash_not_running",
        "flash_item_id",
    )
    assert not Order.objects.exists()


def test_a_cancelled_flash_order_gives_its_unit_back_to_the_sale_and_after_it_to_the_shelf(api, buyer, running, sku):
    # given a unit taken, then the unpaid order cancelled
    assert _buy(api, buyer, running).status_code == 201
    order = Order.objects.get()
    api("post", f"/orders/{order.number}/cancel", user=buyer, json={})
    # then the unit is the sale's again, the buyer may buy again, and the hold is whole
    assert (FlashItem.objects.get().sold, FlashBuyer.objects.get().units, _stock(sku)) == (0, 0, (10, 3))
    assert _buy(api, buyer, running).status_code == 201
    # when the session closes with that order unpaid, and then it times out
    FlashItem.objects.get().session.__class__.objects.update(starts_at=minutes(-120), ends_at=minutes(-1))
    promotions.flash_items_close_due()
    assert _stock(sku) == (10, 1)  # the two unsold are back; the unpaid order's unit is still held
    second = Order.objects.get(status="pending_payment")
    api("post", f"/orders/{second.number}/cancel", user=buyer, json={})
    # then its unit goes back on the shelf, not to a sale that is over
    assert _stock(sku) == (10, 0)
    assert FlashItem.objects.get().sold == 0


def test_the_flash_api_from_session_to_sale(api, admin_operator, merchant_staff, buyer, sku):
    # the operator opens a session, the shop applies, the operator approves from the queue
    session = api(
        "post",
        "/operator/flash/sessions",
        user=admin_operator,
        json={
            "title": "20:00场",
            "starts_at": minutes(-1).isoformat(),
            "ends_at": minutes(120).isoformat(),
            "real_name_required": False,
        },
    )
    assert session.status_code == 201, session.json()
    body = {"session_id": session.json()["id"], "sku_id": sku.pk, "price": "9.90", "quota": 2}
    assert api("post", "/merchant/flash/items", user=buyer, json=body).status_code == 403
    applied = api("post", "/merchant/flash/items", user=merchant_staff, json=body)
    assert (applied.status_code, applied.json()["status"]) == (201, "applied")
    over = api("post", "/merchant/flash/items", user=merchant_staff, json=body | {"quota": 99})
    assert (over.status_code, over.json()["code"], over.json()["field"]) == (
        409,
        "promotions.quota_over_stock",
        "quota",
    )
    queue = api("get", "/operator/flash/items", user=admin_operator).json()
    assert [item["id"] for item in queue] == [applied.json()["id"]]
    assert api("get", "/operator/flash/items", user=merchant_staff).status_code == 403
    approved = api("post", f"/operator/flash/items/{applied.json()['id']}/approve", user=admin_operator)
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    again = api(
        "post", f"/operator/flash/items/{applied.json()['id']}/reject", user=admin_operator, json={"reason": "x"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "promotions.flash_item_not_pending")
    # shoppers see it running, with its price and what is left; a buy takes one
    (shown,) = api("get", "/flash/sessions").json()
    assert shown["running"] is True
    (item,) = shown["items"]
    assert (item["price"]["amount"], item["list_price"]["amount"], item["left"]) == ("9.90", "59.00", 2)
    assert _buy(api, buyer, FlashItem.objects.get()).status_code == 201
    assert api("get", "/flash/sessions").json()[0]["items"][0]["left"] == 1
    mine = api("get", "/merchant/flash/items", user=merchant_staff).json()
    assert [(i["status"], i["sold"]) for i in mine] == [("approved", 1)]


def test_the_hot_counter_turns_away_what_the_quota_cannot_serve_and_starts_from_the_database(settings, running, buyer):
    # the counter is shared only through Redis; the logic is the same over this process's cache
    settings.REDIS_URL = "redis://counted"
    cache.delete(f"promotions:flash_left:{running.pk}")
    FlashItem.objects.filter(pk=running.pk).update(sold=1)  # one unit sold before the counter was read
    assert [promotions.flash_admit(item_id=running.pk, quantity=1) for _ in range(3)] == [True, True, False]
    promotions.flash_readmit(item_id=running.pk, quantity=1)  # a placement that failed gives it back
    assert promotions.flash_admit(item_id=running.pk, quantity=1) is True
    assert promotions.flash_admit(item_id=running.pk, quantity=1) is False
    # the resync sets it from the database, the truth
    assert promotions.flash_counters_resync() == 1
    assert cache.get(f"promotions:flash_left:{running.pk}") == 2


def test_once_the_counter_says_none_is_left_a_late_buyer_is_turned_away_at_the_door(
    settings, client, running, django_assert_num_queries
):
    settings.REDIS_URL = "redis://counted"
    body = {"address_id": 1, "fingerprint": "f", "buy_now": {"sku_id": running.sku_id, "quantity": 1}}
    flash = body | {"buy_now": body["buy_now"] | {"flash_item_id": running.pk}}

    def place(data):
        return client.post("/api/v1/checkout/place", data, content_type="application/json")

    cache.set(f"promotions:flash_left:{running.pk}", 1)
    assert place(flash).status_code == 401  # units left: on to sign-in and checkout
    cache.set(f"promotions:flash_left:{running.pk}", 0)
    with django_assert_num_queries(0):  # none left: answered before the session, the sign-in and any query
        refused = place(flash)
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        409,
        "promotions.flash_sold_out",
        "quantity",
    )
    assert place(body).status_code == 401  # not a flash buy
    # a repeat with an Idempotency-Key may be of a placement that won: it goes on, to get its first answer back
    keyed = client.post(
        "/api/v1/checkout/place", flash, content_type="application/json", headers={"Idempotency-Key": "k-1"}
    )
    assert keyed.status_code == 401
    assert client.post("/api/v1/checkout/place", b"{", content_type="application/json").status_code == 401
