import pytest
from django.urls import reverse

from jishi.accounts.models import Address, RealNameVerification
from jishi.catalog import services as catalog
from jishi.catalog.models import Product
from tests import factories
from tests.accounts.test_addresses import ADDRESS
from tests.accounts.test_validators import valid_id
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(merchant_staff, reviewer):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    product = factories.product(merchant_staff, category, title="进口无谷猫粮 成猫 2kg", reviewer=reviewer)
    return category, product


def test_storefront_pages_render_for_anonymous_visitors(client, shop):
    category, product = shop
    for url in (
        reverse("storefront:home"),
        reverse("storefront:search") + "?q=猫粮",
        reverse("storefront:category", args=[category.slug]),
        reverse("storefront:product", args=[product.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "进口无谷猫粮" in response.content.decode()


def test_search_page_answers_htmx_with_the_results_fragment_only(client, shop):
    response = client.get(reverse("storefront:search") + "?q=猫粮", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body


def test_bad_search_input_is_shown_not_a_500(client, shop):
    response = client.get(reverse("storefront:search") + "?price_min=abc&page=-3&attr=brand&sort=nope")
    assert response.status_code == 200


def test_unpublished_and_unknown_products_are_404(client, merchant_staff):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    draft = factories.product(merchant_staff, category, publish=False)
    assert client.get(reverse("storefront:product", args=[draft.pk])).status_code == 404
    assert client.get(reverse("storefront:category", args=["nowhere"])).status_code == 404


def test_log_in_by_mobile_number_and_the_english_switch(client):
    factories.user(email=None, phone="13912345678")
    response = client.post(reverse("buyer:login"), {"identifier": "13912345678", "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in client.get(reverse("storefront:home")).content.decode()


def test_wrong_password_is_shown_on_the_form(client, buyer):
    response = client.post(reverse("buyer:login"), {"identifier": buyer.email, "password": "wrong"})
    assert response.status_code == 200
    assert "form-errors" in response.content.decode()


def test_account_pages_need_a_sign_in(client):
    response = client.get(reverse("buyer:addresses"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("buyer:login"))


def test_address_book_page_adds_and_shows_errors_next_to_the_field(client, buyer):
    client.force_login(buyer)
    bad = client.post(reverse("buyer:addresses"), {**ADDRESS, "phone": "123"})
    assert bad.status_code == 200
    assert 'id="id_phone-error"' in bad.content.decode()
    assert Address.objects.count() == 0
    good = client.post(
        reverse("buyer:addresses"),
        ADDRESS,
    )
    assert good.status_code == 302
    page = client.get(reverse("buyer:addresses")).content.decode()
    assert "138****1234" in page
    assert "13812341234" not in page


def test_another_buyers_address_page_is_404(client, buyer, other_buyer):
    client.force_login(buyer)
    client.post(
        reverse("buyer:addresses"),
        ADDRESS,
    )
    address = Address.objects.get()
    client.force_login(other_buyer)
    assert client.get(reverse("buyer:address_edit", args=[address.pk])).status_code == 404
    assert client.post(reverse("buyer:address_delete", args=[address.pk])).status_code == 404
    assert Address.objects.count() == 1


def test_kyc_page_submits_and_shows_only_the_mask(client, buyer):
    client.force_login(buyer)
    number = valid_id("11010119900307123")
    response = client.post(reverse("buyer:verification"), {"real_name": "张三", "id_number": number})
    assert response.status_code == 302
    page = client.get(reverse("buyer:verification")).content.decode()
    assert number not in page
    assert number[:6] + "********" + number[-4:] in page
    assert RealNameVerification.objects.get().status == "pending"


def test_merchant_editor_creates_a_product_with_a_sku_grid(client, merchant_staff):
    category = factories.category_path("服装", "男装", "卫衣")
    client.force_login(merchant_staff)
    url = reverse("merchant:product_new")
    form = {
        "category": category.pk,
        "title": "纯棉卫衣",
        "option-0-name": "颜色",
        "option-0-values": "黑，白",
        "action": "refresh",
    }
    refreshed = client.post(url, form).content.decode()
    assert refreshed.count('name="sku-') >= 2 * 6
    rows = {
        "sku-count": 2,
        "sku-0-options": '{"颜色": "黑"}',
        "sku-0-price": "99.00",
        "sku-0-stock": "5",
        "sku-1-options": '{"颜色": "白"}',
        "sku-1-price": "109.00",
        "sku-1-stock": "3",
    }
    response = client.post(url, {**form, **rows, "action": "submit"})
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.status, product.min_price_minor, product.max_price_minor) == ("pending_review", 9900, 10900)


def test_merchant_editor_takes_multiple_choices_and_yes_or_no(client, merchant_staff):
    category = factories.category_path("鞋", "跑鞋")
    for data in (
        catalog.AttributeInput(code="colour", name="颜色", kind="multi", choices=["红", "蓝", "黑"]),
        catalog.AttributeInput(code="waterproof", name="防水", kind="boolean"),
    ):
        catalog.attribute_add(actor=factories.user(operator_role="catalog"), category_id=category.pk, data=data)
    client.force_login(merchant_staff)
    form = {
        "category": category.pk,
        "title": "轻量跑鞋",
        "attr-colour": ["红", "黑"],
        "attr-waterproof": "true",
        "sku-count": 1,
        "sku-0-options": "{}",
        "sku-0-price": "399.00",
        "sku-0-stock": "5",
        "action": "save",
    }
    assert client.post(reverse("merchant:product_new"), form).status_code == 302
    product = Product.objects.get()
    editor = client.get(reverse("merchant:product_edit", args=[product.pk])).content.decode()
    assert editor.count('type="checkbox" name="attr-colour"') == 3
    assert editor.count(" checked>") >= 2
    assert 'value="true" selected' in editor
    catalog.product_submit(actor=merchant_staff, product_id=product.pk)
    catalog.product_approve(actor=factories.user(operator_role="reviewer"), product_id=product.pk)
    page = client.get(reverse("storefront:product", args=[product.pk])).content.decode()
    assert "红、黑" in page


def test_merchant_editor_shows_a_bad_price_in_its_cell_and_writes_nothing(client, merchant_staff):
    category = factories.category_path("服装", "男装", "卫衣")
    client.force_login(merchant_staff)
    response = client.post(
        reverse("merchant:product_new"),
        {
            "category": category.pk,
            "title": "纯棉卫衣",
            "sku-count": 1,
            "sku-0-options": "{}",
            "sku-0-price": "-5",
            "sku-0-stock": "1",
            "action": "save",
        },
    )
    assert response.status_code == 422
    assert "has-error" in response.content.decode()
    assert Product.objects.count() == 0


def test_merchant_pages_refuse_buyers_and_hide_other_merchants_products(client, buyer, other_merchant_staff, shop):
    _, product = shop
    client.force_login(buyer)
    assert client.get(reverse("merchant:products")).status_code == 403
    client.force_login(other_merchant_staff)
    assert client.get(reverse("merchant:product_edit", args=[product.pk])).status_code == 404
    assert client.post(reverse("merchant:product_unlist", args=[product.pk])).status_code == 404
    assert Product.objects.get(pk=product.pk).status == "published"


def test_operator_reviews_products_and_kyc_from_the_console(client, merchant_staff, reviewer, buyer):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    product = factories.product(merchant_staff, category, publish=False)
    from jishi.catalog import services

    services.product_submit(actor=merchant_staff, product_id=product.pk)
    client.force_login(reviewer)
    assert product.title in client.get(reverse("operator:products")).content.decode()
    client.post(reverse("operator:product_decide", args=[product.pk]), {"decision": "reject", "reason": ""})
    assert Product.objects.get(pk=product.pk).status == "pending_review"
    client.post(reverse("operator:product_decide", args=[product.pk]), {"decision": "approve"})
    assert Product.objects.get(pk=product.pk).status == "published"
    client.force_login(buyer)
    assert client.get(reverse("operator:products")).status_code == 403
