"""The English storefront shows no Chinese but the merchants' own content; the Chinese one no English labels."""

from django.test import Client

from jishi.aftersales.models import AftersalesRequest
from jishi.aftersales.states import Reason
from jishi.catalog import services as catalog
from jishi.catalog.models import AttributeKind, Category
from tests import factories


def _page(path, language):
    return Client().get(path, headers={"Accept-Language": language}).content.decode()


def test_category_and_attribute_names_follow_the_readers_language(merchant_staff, leaf_category):
    Category.objects.filter(pk=leaf_category.pk).update(name_en="Cat food")
    catalog.attribute_create(
        category=leaf_category, code="brand", name="品牌", name_en="Brand", kind=AttributeKind.CHOICE, choices=["渴望"]
    )
    product = factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", attributes={"brand": "渴望"})
    english = _page(f"/p/{product.pk}/", "en")
    assert "Cat food" in english
    assert ">Brand<" in english
    assert ">猫粮<" not in english
    assert ">品牌<" not in english
    chinese = _page(f"/p/{product.pk}/", "zh-Hans")
    assert ">猫粮<" in chinese
    assert ">品牌<" in chinese
    facets = _page(f"/c/{leaf_category.slug}/", "en")
    assert "Brand" in facets


def test_a_reason_from_the_list_is_shown_in_the_readers_language(buyer, merchant_staff, leaf_category):
    from jishi.aftersales import services as aftersales
    from jishi.orders.models import Order

    product = factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮")
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    order = Order.objects.get()
    aftersales.request_create(
        actor=buyer,
        order_number=order.number,
        data=aftersales.RequestInput(
            kind="refund", reason=Reason.DAMAGED, lines=[aftersales.LineInput(order.lines.get().pk, 1)]
        ),
    )
    request = AftersalesRequest.objects.get()
    assert request.reason == "damaged"
    shopper = Client()
    shopper.force_login(buyer)
    assert (
        "Damaged or defective"
        in shopper.get(f"/aftersales/{request.number}/", headers={"Accept-Language": "en"}).content.decode()
    )
    assert (
        "破损" in shopper.get(f"/aftersales/{request.number}/", headers={"Accept-Language": "zh-Hans"}).content.decode()
    )


def test_timeline_notes_and_inbox_messages_are_shown_in_the_readers_language(buyer, merchant_staff, leaf_category):
    from django.utils import translation

    from jishi.orders.models import Order

    product = factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮")
    factories.address(buyer, is_default=True)
    with translation.override("zh-hans"):  # written while a Chinese reader's request was active
        factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    order = Order.objects.get()
    shopper = Client()
    shopper.force_login(buyer)
    english = shopper.get(f"/orders/{order.number}/", headers={"Accept-Language": "en"}).content.decode()
    assert "Order placed" in english
    assert "Payment received" in english
    chinese = shopper.get(f"/orders/{order.number}/", headers={"Accept-Language": "zh-Hans"}).content.decode()
    assert "Payment received" not in chinese
    inbox = shopper.get("/inbox/", headers={"Accept-Language": "en"}).content.decode()
    assert f"Payment received for order {order.number}" in inbox
    assert "The shop will ship it soon." in inbox
    api = shopper.get("/api/v1/notifications", headers={"Accept-Language": "en"}).json()
    assert api["items"][0]["title"] == f"Payment received for order {order.number}"


def test_text_a_person_wrote_is_kept_as_written():
    from jishi.core.phrases import shown, stored

    assert stored("不想要了") is None
    assert shown("不想要了", None) == "不想要了"
