"""The merchant centre's 社区团购 pages: the shop's community campaigns and the form to publish one, its batches
after each cut-off (截团), a batch's dispatch list (配货单) with its CSV, and Mark as sent."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.community import services as community
from jishi.community.models import CommunityCampaign, Pickup
from jishi.core.money import Money
from jishi.merchants.models import Membership
from jishi.orders.states import OrderStatus
from tests import factories
from tests.community.conftest import batch_of_two, campaign, leader, shop_sku  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

CAMPAIGNS = reverse("merchant:community")
NEW = reverse("merchant:community_new")
BATCHES = reverse("merchant:community_batches")


def local_input(moment: dt.datetime) -> str:
    """How the browser's datetime-local input sends ``moment``: Shanghai wall time, no zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


@pytest.fixture
def point(reviewer, admin_operator):
    return leader(reviewer, admin_operator).leader.point


@pytest.fixture
def fruit(merchant_staff, leaf_category):
    """A product with two SKUs, ¥29.90 and ¥49.90."""
    return factories.product(
        merchant_staff,
        leaf_category,
        title="阳光玫瑰葡萄",
        options=[catalog.OptionInput(name="规格", values=["1斤", "2斤"])],
        skus=[
            catalog.SkuInput(price=Money.parse("29.90", "CNY"), stock=50, options={"规格": "1斤"}),
            catalog.SkuInput(price=Money.parse("49.90", "CNY"), stock=50, options={"规格": "2斤"}),
        ],
    )


def _form(fruit, **changes):
    """The second step: the grapes' first SKU at ¥19.90 (the second left out), cut off in a day, 10 % to leaders."""
    first, second = factories.sku_of(fruit), factories.sku_of(fruit, 1)
    return {
        "products": [str(fruit.pk)],
        "title": "周末葡萄团",
        f"price_{first.pk}": "19.90",
        f"price_{second.pk}": "",
        "starts_at": local_input(hours(0)),
        "cutoff_at": local_input(hours(24)),
        "pickup_on": timezone.localtime(hours(48)).date().isoformat(),
        "city": "",
        "leader_rate": "10",
    } | changes


@pytest.fixture
def batch(point, merchant_staff, shop_sku, buyer, other_buyer):  # noqa: F811
    """A cut-off campaign whose point's batch carries two paid orders: 2 and 1 pineapples."""
    return batch_of_two(point, merchant_staff, shop_sku, buyer, other_buyer)


def test_the_list_shows_the_shops_campaigns_with_prices_cut_off_points_and_rate(
    english,
    merchant_staff,
    other_merchant_staff,
    point,
    shop_sku,  # noqa: F811
    leaf_category,
):
    # given: one campaign serving every point with 5.5 % for leaders, one serving one point, and another shop's
    campaign(merchant_staff, shop_sku, price="9.90", leader_rate_bp=550)
    campaign(merchant_staff, shop_sku, price="8.80", title="一个点的团", point_ids=[point.pk])
    theirs = factories.sku_of(factories.product(other_merchant_staff, leaf_category, title="别家的菜", price="9.00"))
    campaign(other_merchant_staff, theirs, price="5.00", title="别家的团")
    english.force_login(merchant_staff)

    # when
    response = english.get(CAMPAIGNS)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "周末鲜果团" in page
    assert '<span class="price">¥9.90</span><span class="compare">¥19.90</span>' in page
    assert "海南金钻凤梨 2个" in page
    assert 'class="countdown" data-countdown="' in page
    assert "5.5 %" in page
    assert "All points" in page
    assert "Platform default" in page
    assert f'title="{point.name}">1 pickup point<' in page
    assert page.count(">Taking orders<") == 2
    assert f'href="{NEW}"' in page
    assert "别家的团" not in page


def test_a_campaign_past_its_cut_off_reads_cut_off_without_a_countdown(english, merchant_staff, shop_sku):  # noqa: F811
    running = campaign(merchant_staff, shop_sku)
    CommunityCampaign.objects.filter(pk=running.pk).update(cutoff_at=hours(-1))
    english.force_login(merchant_staff)
    page = english.get(CAMPAIGNS).content.decode()
    assert ">Cut off<" in page
    assert "data-countdown" not in page


def test_the_form_first_asks_for_products_then_for_each_skus_community_price(
    english, merchant_staff, other_merchant_staff, fruit, point, leaf_category
):
    factories.product(merchant_staff, leaf_category, title="未发布的猫砂", publish=False)
    theirs = factories.product(other_merchant_staff, leaf_category, title="别家的狗粮")
    english.force_login(merchant_staff)

    picker = english.get(NEW).content.decode()
    assert f'name="products" value="{fruit.pk}"' in picker
    assert "阳光玫瑰葡萄" in picker
    assert "未发布的猫砂" not in picker
    assert "别家的狗粮" not in picker
    assert 'name="cutoff_at"' not in picker

    none_ticked = english.get(NEW, {"pick": "1"}).content.decode()
    assert 'id="id_products-error"' in none_ticked

    chosen = english.get(NEW, {"products": [fruit.pk]}).content.decode()
    assert f'name="price_{factories.sku_of(fruit).pk}"' in chosen
    assert f'name="price_{factories.sku_of(fruit, 1).pk}"' in chosen
    assert "1斤 · ¥29.90" in chosen
    assert chosen.count('type="datetime-local"') == 2
    assert 'type="date"' in chosen
    assert f'name="point_ids" value="{point.pk}"' in chosen

    foreign = english.get(NEW, {"products": [theirs.pk]}).content.decode()
    assert 'id="id_products-error"' in foreign
    assert 'name="cutoff_at"' not in foreign


def test_a_community_group_buy_is_published_from_the_two_steps(english, merchant_staff, fruit, point):
    english.force_login(merchant_staff)
    cutoff = timezone.localtime(hours(24)).replace(second=0, microsecond=0)

    response = english.post(
        NEW, _form(fruit, cutoff_at=local_input(cutoff), leader_rate="8.25", point_ids=[str(point.pk)], city="深圳市")
    )

    assert response.status_code == 302
    assert response["Location"] == CAMPAIGNS
    created = CommunityCampaign.objects.get()
    assert created.merchant == merchant_staff.membership.merchant
    assert (created.title, created.cutoff_at, created.leader_rate_bp, created.city) == (
        "周末葡萄团",
        cutoff,
        825,
        "深圳市",
    )
    assert created.pickup_on == timezone.localtime(hours(48)).date()
    assert list(created.points.values_list("pk", flat=True)) == [point.pk]
    assert list(created.items.values_list("sku_id", "price_minor")) == [(factories.sku_of(fruit).pk, 1990)]
    listed = english.get(CAMPAIGNS).content.decode()
    assert "Community group buy published." in listed
    assert "8.25 %" in listed
    assert "1 pickup point · 深圳市" in listed


def test_empty_rate_and_no_points_leave_the_platform_default_and_every_point(english, merchant_staff, fruit):
    english.force_login(merchant_staff)
    assert english.post(NEW, _form(fruit, leader_rate="")).status_code == 302
    created = CommunityCampaign.objects.get()
    assert (created.leader_rate_bp, created.points.count(), created.city) == (None, 0, "")


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"cutoff_at": "past"}, "cutoff_at", "The cut-off must be after the start, and in the future."),
        ({"price": "29.90"}, "price", "The community price must be above ¥0 and below the SKU&#x27;s own price."),
        ({"leader_rate": "101"}, "leader_rate", "A commission rate is from 0 to 100 %."),
        ({"leader_rate": "5.555"}, "leader_rate", "A percentage such as 10 or 8.5."),
        ({"pickup_on": "yesterday"}, "pickup_on", "The pickup date cannot be before the cut-off."),
        ({"price": "abc"}, "price", "An amount such as 200 or 200.50."),
        ({"price": ""}, None, "Give the community price of at least one SKU."),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_refused_input_is_shown_again_on_its_field_and_nothing_is_created(
    english, merchant_staff, fruit, changes, field, error
):
    english.force_login(merchant_staff)
    price_name = f"price_{factories.sku_of(fruit).pk}"
    if "price" in changes:
        changes[price_name] = changes.pop("price")
    if changes.get("cutoff_at") == "past":
        changes["cutoff_at"] = local_input(hours(-1))
    if changes.get("pickup_on") == "yesterday":
        changes["pickup_on"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    response = english.post(NEW, _form(fruit, **changes))

    assert response.status_code == 422
    page = response.content.decode()
    assert error in page
    if field is not None:
        assert f'id="id_{price_name if field == "price" else field}-error"' in page
    assert 'name="cutoff_at"' in page  # the second step again, with what was typed
    assert not CommunityCampaign.objects.exists()


def test_a_closed_point_is_refused_on_the_points_field(english, merchant_staff, fruit, point, admin_operator):
    english.force_login(merchant_staff)
    form = english.get(NEW, {"products": [fruit.pk]}).content.decode()
    assert f'value="{point.pk}"' in form
    community.leader_suspend(actor=admin_operator, leader_id=point.leader_id, reason="暂停营业")

    response = english.post(NEW, _form(fruit, point_ids=[str(point.pk)]))

    assert response.status_code == 422
    assert 'id="id_point_ids-error"' in response.content.decode()  # no longer a choice: the form refuses it
    assert not CommunityCampaign.objects.exists()


def test_the_batches_list_shows_the_batch_with_its_point_and_orders(english, merchant_staff, batch, point):
    english.force_login(merchant_staff)

    page = english.get(BATCHES).content.decode()  # to send, by default

    number = f"B{batch.pk:08d}"
    assert f'href="{reverse("merchant:community_batch", args=[batch.pk])}">{number}</a>' in page
    assert "周末鲜果团" in page
    assert point.name in page
    assert point.address_line in page
    assert "<td>2</td>" in page  # two orders
    assert number not in english.get(BATCHES, {"status": "sent"}).content.decode()


def test_the_dispatch_list_shows_the_points_details_and_the_paid_units(english, merchant_staff, batch, point):
    english.force_login(merchant_staff)

    response = english.get(reverse("merchant:community_batch", args=[batch.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"B{batch.pk:08d}" in page
    assert point.name in page
    assert point.address_line in page
    assert point.hours in page
    assert str(point.leader.user) in page
    assert (
        '<tr><td>海南金钻凤梨 2个</td><td>—</td><td class="amount"><strong>3</strong></td><td class="amount">2</td>'
    ) in page
    assert 'Total units</th><td class="amount"><strong>3</strong>' in page
    assert 'class="console dispatch-sheet"' in page  # the print rules' hook
    assert f'href="/api/v1/merchant/community/batches/{batch.pk}/dispatch.csv"' in page
    assert reverse("merchant:community_batch_send", args=[batch.pk]) in page


def test_the_csv_link_downloads_the_lines_with_the_page_session(client, merchant_staff, batch, point):
    client.force_login(merchant_staff)

    response = client.get(f"/api/v1/merchant/community/batches/{batch.pk}/dispatch.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["batch", "point", "address", "sku_id", "title", "sku", "units", "orders"]
    sku_id = batch.orders[0].lines.get().sku_id
    assert rows[1:] == [
        [f"B{batch.pk:08d}", point.name, point.address_line, str(sku_id), "海南金钻凤梨 2个", "", "3", "2"]
    ]


def test_mark_as_sent_ships_the_orders_and_the_button_goes(english, merchant_staff, batch):
    english.force_login(merchant_staff)
    detail = reverse("merchant:community_batch", args=[batch.pk])
    send = reverse("merchant:community_batch_send", args=[batch.pk])

    response = english.post(send)

    assert response.status_code == 302
    assert response["Location"] == detail
    batch.refresh_from_db()
    assert batch.status == "sent"
    assert batch.sent_at is not None
    for order in batch.orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.SHIPPED
    assert set(Pickup.objects.values_list("status", flat=True)) == {"sent"}
    page = english.get(detail).content.decode()
    assert "is on its way" in page
    assert send not in page
    assert f"B{batch.pk:08d}" in english.get(BATCHES, {"status": "sent"}).content.decode()


def test_another_shop_gets_not_found_and_nothing_changes(english, other_merchant_staff, batch):
    english.force_login(other_merchant_staff)

    assert english.get(reverse("merchant:community_batch", args=[batch.pk])).status_code == 404
    assert english.post(reverse("merchant:community_batch_send", args=[batch.pk])).status_code == 404
    assert f"B{batch.pk:08d}" not in english.get(BATCHES).content.decode()

    batch.refresh_from_db()
    assert batch.status == "packing"
    for order in batch.orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    ("method", "name", "with_id"),
    [
        ("get", "merchant:community", False),
        ("get", "merchant:community_new", False),
        ("post", "merchant:community_new", False),
        ("get", "merchant:community_batches", False),
        ("get", "merchant:community_batch", True),
        ("post", "merchant:community_batch_send", True),
    ],
)
def test_anonymous_visitors_log_in_and_buyers_are_refused_and_nothing_changes(
    client, buyer, batch, fruit, method, name, with_id
):
    url = reverse(name, args=[batch.pk] if with_id else [])
    data = _form(fruit) if name == "merchant:community_new" and method == "post" else None

    anonymous = getattr(client, method)(url, data)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("buyer:login"))
    client.force_login(buyer)
    assert getattr(client, method)(url, data).status_code == 403

    batch.refresh_from_db()
    assert batch.status == "packing"
    assert CommunityCampaign.objects.count() == 1


def test_shop_staff_send_batches_but_do_not_publish_campaigns(client, merchant_staff, batch):
    staff = factories.user()
    Membership.objects.create(user=staff, merchant=merchant_staff.membership.merchant, role="staff")
    client.force_login(staff)

    assert client.get(CAMPAIGNS).status_code == 403
    page = client.get(reverse("merchant:community_batch", args=[batch.pk])).content.decode()
    assert f'href="{CAMPAIGNS}"' not in page  # the community tabs show only what they may open
    assert client.post(reverse("merchant:community_batch_send", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "sent"


def test_a_shop_with_nothing_published_is_sent_to_its_products(english, merchant_staff):
    english.force_login(merchant_staff)
    page = english.get(NEW).content.decode()
    assert "A community group buy sells your published products, and none is published yet." in page
    assert f'href="{reverse("merchant:products")}"' in page


def test_a_shop_stops_its_campaign_and_another_shop_cannot(
    client,
    merchant_staff,
    other_merchant_staff,
    shop_sku,  # noqa: F811
):
    running = campaign(merchant_staff, shop_sku)
    client.force_login(other_merchant_staff)
    assert client.post(f"/merchant/community/{running.pk}/stop/").status_code == 404
    running.refresh_from_db()
    assert running.status == "active"
    client.force_login(merchant_staff)
    assert client.post(f"/merchant/community/{running.pk}/stop/").status_code == 302
    running.refresh_from_db()
    assert running.status == "stopped"
