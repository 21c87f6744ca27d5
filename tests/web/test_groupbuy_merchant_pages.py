"""The merchant centre's 拼团 pages: the list of a shop's campaigns and how their groups fared, the form, Stop."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.groupbuy.models import Team, TeamCampaign, TeamStatus
from jishi.merchants.models import Membership
from tests import factories
from tests.groupbuy.conftest import campaign

pytestmark = pytest.mark.django_db

GROUP_BUYS = reverse("merchant:groupbuy")
NEW = reverse("merchant:groupbuy_new")


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


def local_input(moment: dt.datetime) -> str:
    """How the browser's datetime-local input sends ``moment``: Shanghai wall time, no zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(
        merchant_staff,
        leaf_category,
        title="渴望六种鱼猫粮",
        options=[catalog.OptionInput(name="规格", values=["2kg", "5kg"])],
        skus=[
            catalog.SkuInput(price=Money.parse("129.00", "CNY"), stock=20, options={"规格": "2kg"}),
            catalog.SkuInput(price=Money.parse("260.00", "CNY"), stock=8, options={"规格": "5kg"}),
        ],
    )


def _form(product, **changes):
    """A plain 2-person group buy on the product's first SKU at ¥99 (the others left out), over the next week."""
    first, *others = product.skus.order_by("pk")
    return {
        "product": str(product.pk),
        "sizes": "2",
        f"price_{first.pk}": "99",
        **{f"price_{sku.pk}": "" for sku in others},
        "window_hours": "24",
        "per_user_limit": "1",
        "starts_at": local_input(hours(0)),
        "ends_at": local_input(hours(24 * 7)),
    } | changes


def _team(campaign, leader, status):
    now = timezone.now()
    Team.objects.create(
        campaign=campaign, leader=leader, status=status, capacity=campaign.max_size, opened_at=now, expires_at=now
    )


def test_the_list_shows_the_shops_campaigns_with_their_tiers_groups_and_fill_rate(
    english, merchant_staff, other_merchant_staff, buyer, product, leaf_category
):
    # given: a tiered campaign with two groups formed and one dissolved, and a plain one in another shop
    tiered = campaign(merchant_staff, product, (2, "99"), (5, "89"), per_user_limit=2)
    for status in (TeamStatus.FORMED, TeamStatus.FORMED, TeamStatus.DISSOLVED, TeamStatus.OPEN):
        _team(tiered, buyer, status)
    theirs = factories.product(other_merchant_staff, leaf_category, title="别家的狗粮", price="80.00")
    campaign(other_merchant_staff, theirs, (2, "70"))
    english.force_login(merchant_staff)

    # when
    response = english.get(GROUP_BUYS)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "渴望六种鱼猫粮" in page
    assert '<small class="meta">2kg</small> <span class="price">Group of 2: ¥99.00 · Group of 5: ¥89.00</span>' in page
    assert "Tiered group buy" in page
    assert "24 hours to fill" in page
    assert "limit 2 per buyer" in page
    assert "Open 1<br>Formed 2<br>Dissolved 1" in page
    assert '<td class="meta">67 %</td>' in page
    assert ">Running<" in page
    assert reverse("merchant:groupbuy_stop", args=[tiered.pk]) in page
    assert "别家的狗粮" not in page


def test_a_campaign_with_no_group_closed_yet_has_no_fill_rate(english, merchant_staff, product):
    campaign(merchant_staff, product, (2, "99"))
    english.force_login(merchant_staff)
    page = english.get(GROUP_BUYS).content.decode()
    assert '<td class="meta">—</td>' in page
    assert "Tiered group buy" not in page


def test_the_form_first_asks_for_one_of_the_shops_published_products_then_for_each_skus_prices(
    english, merchant_staff, other_merchant_staff, product, leaf_category
):
    factories.product(merchant_staff, leaf_category, title="未发布的猫砂", publish=False)
    theirs = factories.product(other_merchant_staff, leaf_category, title="别家的狗粮")
    english.force_login(merchant_staff)

    picker = english.get(NEW).content.decode()
    assert f'<option value="{product.pk}">渴望六种鱼猫粮</option>' in picker
    assert "未发布的猫砂" not in picker
    assert "别家的狗粮" not in picker
    assert 'name="sizes"' not in picker

    chosen = english.get(NEW, {"product": product.pk}).content.decode()
    assert 'name="sizes"' in chosen
    assert f'name="price_{factories.sku_of(product).pk}"' in chosen
    assert f'name="price_{factories.sku_of(product, 1).pk}"' in chosen
    assert "2kg · ¥129.00" in chosen
    assert 'name="window_hours" value="24"' in chosen
    assert chosen.count('type="datetime-local"') == 2

    foreign = english.get(NEW, {"product": theirs.pk}).content.decode()
    assert 'id="id_product-error"' in foreign
    assert 'name="sizes"' not in foreign


def test_a_plain_group_buy_is_started_from_the_form(english, merchant_staff, product):
    english.force_login(merchant_staff)
    starts = timezone.localtime(hours(1)).replace(second=0, microsecond=0)

    response = english.post(NEW, _form(product, starts_at=local_input(starts), per_user_limit="3"))

    assert response.status_code == 302
    assert response["Location"] == GROUP_BUYS
    created = TeamCampaign.objects.get()
    assert created.merchant == merchant_staff.membership.merchant
    assert (created.product_id, created.min_size, created.max_size) == (product.pk, 2, 2)
    assert (created.window_minutes, created.per_user_limit, created.starts_at) == (24 * 60, 3, starts)
    assert list(created.tiers.values_list("sku_id", "size", "price_minor")) == [(factories.sku_of(product).pk, 2, 9900)]
    listed = english.get(GROUP_BUYS).content.decode()
    assert "Group buy created." in listed
    assert ">Scheduled<" in listed


def test_a_tiered_group_buy_on_both_skus_is_started_from_the_form(english, merchant_staff, product):
    english.force_login(merchant_staff)
    first, second = factories.sku_of(product), factories.sku_of(product, 1)
    form = _form(
        product, sizes="2，5、10", **{f"price_{first.pk}": "99, 89, 79.50", f"price_{second.pk}": "199,189,179"}
    )

    response = english.post(NEW, form)

    assert response.status_code == 302
    created = TeamCampaign.objects.get()
    assert (created.min_size, created.max_size) == (2, 10)
    assert list(created.tiers.values_list("sku_id", "size", "price_minor")) == [
        (first.pk, 2, 9900),
        (first.pk, 5, 8900),
        (first.pk, 10, 7950),
        (second.pk, 2, 19900),
        (second.pk, 5, 18900),
        (second.pk, 10, 17900),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"sizes": "1,5", "price": "99,89"}, "sizes", "Group sizes run from 2 to 50, smallest first, each once."),
        ({"sizes": "5,2", "price": "99,89"}, "sizes", "Group sizes run from 2 to 50, smallest first, each once."),
        ({"sizes": "2,3,4,5,6,7", "price": "99,98,97,96,95,94"}, "sizes", "Give 1 to 5 group sizes."),
        ({"sizes": "two"}, "sizes", "Group sizes such as 2 or 2,5,10."),
        ({"sizes": "2,5", "price": "89,99"}, "price", "A larger group must pay a lower price."),
        ({"sizes": "2,5", "price": "99"}, "price", "Give one price per group size."),
        ({"price": "129"}, "price", "The group price must be above ¥0 and below the SKU&#x27;s own price."),
        ({"price": "9.999"}, "price", "Prices in yuan such as 99 or 99,89,79."),
        ({"price": ""}, None, "Give the group prices of at least one SKU."),
        ({"window_hours": "100"}, "window_hours", "Ensure this value is less than or equal to 72."),
        ({"ends_at": local_input(hours(-1))}, "ends_at", "The end must be after the start, and in the future."),
    ],
)
def test_refused_input_is_shown_again_on_its_field_and_nothing_is_created(
    english, merchant_staff, product, changes, field, error
):
    english.force_login(merchant_staff)
    price_name = f"price_{factories.sku_of(product).pk}"
    if "price" in changes:
        changes[price_name] = changes.pop("price")

    response = english.post(NEW, _form(product, **changes))

    assert response.status_code == 422
    page = response.content.decode()
    assert error in page
    if field is not None:
        assert f'id="id_{price_name if field == "price" else field}-error"' in page
    assert 'name="sizes"' in page  # the second step again, with what was typed
    assert not TeamCampaign.objects.exists()


def test_a_second_running_campaign_on_the_product_is_refused(english, merchant_staff, product):
    campaign(merchant_staff, product, (2, "99"))
    english.force_login(merchant_staff)

    response = english.post(NEW, _form(product))

    assert response.status_code == 422
    assert 'id="id_starts_at-error"' in response.content.decode()
    assert TeamCampaign.objects.count() == 1


def test_another_shops_product_cannot_be_posted(english, merchant_staff, other_merchant_staff, product, leaf_category):
    theirs = factories.product(other_merchant_staff, leaf_category, title="别家的狗粮", price="80.00")
    english.force_login(merchant_staff)

    response = english.post(NEW, _form(theirs) | {f"price_{factories.sku_of(theirs).pk}": "70"})

    assert response.status_code == 422
    assert 'id="id_product-error"' in response.content.decode()
    assert not TeamCampaign.objects.exists()


def test_stop_ends_the_campaign_and_the_row_says_so(english, merchant_staff, product):
    running = campaign(merchant_staff, product, (2, "99"))
    english.force_login(merchant_staff)
    stop = reverse("merchant:groupbuy_stop", args=[running.pk])

    response = english.post(stop)

    assert response.status_code == 302
    assert response["Location"] == GROUP_BUYS
    running.refresh_from_db()
    assert running.status == "stopped"
    page = english.get(GROUP_BUYS).content.decode()
    assert ">Stopped<" in page
    assert stop not in page  # no Stop button left


def test_another_shop_cannot_stop_the_campaign(english, merchant_staff, other_merchant_staff, product):
    running = campaign(merchant_staff, product, (2, "99"))
    english.force_login(other_merchant_staff)

    response = english.post(reverse("merchant:groupbuy_stop", args=[running.pk]))

    assert response.status_code == 404
    running.refresh_from_db()
    assert running.status == "active"


@pytest.mark.parametrize(
    ("method", "name", "with_id"),
    [
        ("get", "merchant:groupbuy", False),
        ("get", "merchant:groupbuy_new", False),
        ("post", "merchant:groupbuy_new", False),
        ("post", "merchant:groupbuy_stop", True),
    ],
)
def test_buyers_and_shop_staff_without_marketing_are_refused_and_nothing_changes(
    client, merchant_staff, buyer, product, method, name, with_id
):
    running = campaign(merchant_staff, product, (2, "99"))
    url = reverse(name, args=[running.pk] if with_id else [])
    staff = factories.user()
    Membership.objects.create(user=staff, merchant=merchant_staff.membership.merchant, role="staff")
    data = _form(product) if method == "post" else None

    anonymous = getattr(client, method)(url, data)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("buyer:login"))
    for user in (buyer, staff):
        client.force_login(user)
        assert getattr(client, method)(url, data).status_code == 403

    running.refresh_from_db()
    assert running.status == "active"
    assert TeamCampaign.objects.count() == 1


def test_the_menu_links_to_group_buys_for_owners_and_managers_only(client, merchant_staff):
    staff = factories.user()
    Membership.objects.create(user=staff, merchant=merchant_staff.membership.merchant, role="staff")
    client.force_login(merchant_staff)
    assert f'href="{GROUP_BUYS}"' in client.get(reverse("merchant:products")).content.decode()
    assert f'<a href="{GROUP_BUYS}" class="active" aria-current="page">' in client.get(NEW).content.decode()
    client.force_login(staff)
    assert f'href="{GROUP_BUYS}"' not in client.get(reverse("merchant:products")).content.decode()


def test_a_shop_with_nothing_published_is_sent_to_its_products(english, merchant_staff):
    english.force_login(merchant_staff)
    page = english.get(NEW).content.decode()
    assert "A group buy sells one of your published products, and none is published yet." in page
    assert f'href="{reverse("merchant:products")}"' in page
