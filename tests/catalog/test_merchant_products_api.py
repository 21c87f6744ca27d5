import pytest

from jishi.catalog.models import Product, ProductImage, Sku
from jishi.inventory.models import Stock, StockMovement
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def payload(category, **overrides):
    body = {
        "category_id": category.pk,
        "title": "纯棉卫衣",
        "options": [{"name": "颜色", "values": ["黑", "白"]}, {"name": "尺码", "values": ["M", "L"]}],
        "skus": [
            {"options": {"颜色": c, "尺码": s}, "price": "129.00", "stock": 5, "code": f"HD-{c}-{s}"}
            for c in ("黑", "白")
            for s in ("M", "L")
        ],
    }
    body["skus"][0]["price"] = "119.50"
    body["skus"][0]["compare_at_price"] = "159.00"
    body.update(overrides)
    return body


def test_create_makes_one_sku_per_combination_with_stock_and_price_range(api, merchant_staff, leaf_category):
    # when
    response = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category))
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["price_from"] == {"amount": "119.50", "currency": "CNY"}
    assert body["price_to"] == {"amount": "129.00", "currency": "CNY"}
    assert sorted(s["label"] for s in body["skus"]) == ["白 / L", "白 / M", "黑 / L", "黑 / M"]
    assert {s["stock"] for s in body["skus"]} == {5}
    assert Stock.objects.count() == 4
    assert StockMovement.objects.filter(reason="adjustment").count() == 4


def test_update_keeps_skus_by_combination_and_deactivates_dropped_ones(api, merchant_staff, leaf_category):
    created = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    kept = next(s for s in created["skus"] if s["options"] == {"颜色": "黑", "尺码": "M"})
    body = payload(leaf_category)
    body["options"][0]["values"] = ["黑"]
    body["skus"] = [s for s in body["skus"] if s["options"]["颜色"] == "黑"]
    # when
    response = api("put", f"/merchant/products/{created['id']}", user=merchant_staff, json=body)
    # then
    assert response.status_code == 200, response.json()
    active = [s for s in response.json()["skus"] if s["is_active"]]
    assert len(active) == 2
    assert kept["id"] in {s["id"] for s in active}
    assert Sku.objects.filter(product_id=created["id"], is_active=False).count() == 2


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"title": ""}, "title", 422),
        ({"title": "x" * 10_000_000}, "title", 422),
        ({"category_id": "abc"}, "category_id", 422),
        ({"category_id": 999_999}, "category", 404),
        ({"skus": []}, "skus", 422),
    ],
)
def test_bad_product_input_is_refused_with_the_field_and_nothing_written(
    api, merchant_staff, leaf_category, change, field, status
):
    response = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category, **change))
    assert response.status_code == status
    assert response.json()["field"] == field
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    ("sku_change", "field"),
    [
        ({"price": "-1.00"}, "skus.0.price"),
        ({"price": "0"}, "skus.0.price"),
        ({"price": "99999999999"}, "skus.0.price"),
        ({"price": 12.5}, "skus.0.price"),
        ({"compare_at_price": "1.00"}, "skus.0.compare_at_price"),
        ({"stock": -1}, "skus.0.stock"),
        ({"options": {"颜色": "红", "尺码": "M"}}, "skus.0.options"),
    ],
)
def test_bad_sku_input_is_refused(api, merchant_staff, leaf_category, sku_change, field):
    body = payload(leaf_category)
    body["skus"][0].update(sku_change)
    response = api("post", "/merchant/products", user=merchant_staff, json=body)
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert Product.objects.count() == 0
    assert Stock.objects.count() == 0


def test_a_missing_combination_is_refused(api, merchant_staff, leaf_category):
    body = payload(leaf_category)
    body["skus"] = body["skus"][:3]
    response = api("post", "/merchant/products", user=merchant_staff, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "catalog.missing_skus"


def test_review_flow_publishes_only_after_approval(api, merchant_staff, reviewer, leaf_category):
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    assert api("get", f"/products/{product['id']}").status_code == 404
    submitted = api("post", f"/merchant/products/{product['id']}/submit", user=merchant_staff).json()
    assert submitted["status"] == "pending_review"
    assert api("get", f"/products/{product['id']}").status_code == 404
    queue = api("get", "/operator/products", user=reviewer).json()
    assert [p["id"] for p in queue["items"]] == [product["id"]]
    rejected = api("post", f"/operator/products/{product['id']}/reject", user=reviewer, json={"reason": "图片不清晰"})
    assert rejected.json()["rejection_reason"] == "图片不清晰"
    api("post", f"/merchant/products/{product['id']}/submit", user=merchant_staff)
    approved = api("post", f"/operator/products/{product['id']}/approve", user=reviewer)
    assert approved.json()["status"] == "published"
    assert api("get", f"/products/{product['id']}").status_code == 200
    # approving twice changes nothing
    assert api("post", f"/operator/products/{product['id']}/approve", user=reviewer).status_code == 200


def test_editing_a_published_products_content_sends_it_back_to_review(api, merchant_staff, reviewer, leaf_category):
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    api("post", f"/merchant/products/{product['id']}/submit", user=merchant_staff)
    api("post", f"/operator/products/{product['id']}/approve", user=reviewer)
    url = f"/merchant/products/{product['id']}"
    repriced = payload(leaf_category)
    repriced["skus"][1]["price"] = "139.00"
    repriced["skus"][2]["stock"] = 50
    assert api("put", url, user=merchant_staff, json=repriced).json()["status"] == "published"
    retitled = payload(leaf_category, title="纯棉连帽卫衣")
    assert api("put", url, user=merchant_staff, json=retitled).json()["status"] == "pending_review"


def test_price_and_stock_changes_keep_the_product_on_sale(api, merchant_staff, reviewer, leaf_category):
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    api("post", f"/merchant/products/{product['id']}/submit", user=merchant_staff)
    api("post", f"/operator/products/{product['id']}/approve", user=reviewer)
    sku = product["skus"][0]
    response = api("patch", f"/merchant/skus/{sku['id']}", user=merchant_staff, json={"price": "99.00", "stock": 0})
    assert response.status_code == 200, response.json()
    assert response.json()["price"]["amount"] == "99.00"
    assert response.json()["stock"] == 0
    detail = api("get", f"/products/{product['id']}").json()
    assert detail["price_from"]["amount"] == "99.00"


def test_a_merchant_cannot_read_or_change_another_merchants_drafts(
    api, merchant_staff, other_merchant_staff, buyer, leaf_category
):
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    sku_id = product["skus"][0]["id"]
    pid = product["id"]
    assert api("get", f"/merchant/products/{pid}", user=other_merchant_staff).status_code == 404
    assert api("get", "/merchant/products", user=other_merchant_staff).json()["count"] == 0
    body = payload(leaf_category, title="篡改")
    assert api("put", f"/merchant/products/{pid}", user=other_merchant_staff, json=body).status_code == 404
    assert api("post", f"/merchant/products/{pid}/submit", user=other_merchant_staff).status_code == 404
    assert api("patch", f"/merchant/skus/{sku_id}", user=other_merchant_staff, json={"stock": 0}).status_code == 404
    assert api("get", "/merchant/products", user=buyer).status_code == 403
    assert api("get", "/merchant/products").status_code == 401
    assert Product.objects.get(pk=pid).title == "纯棉卫衣"
    assert Product.objects.get(pk=pid).status == "draft"


def test_image_upload_is_sniffed_reencoded_and_thumbnailed(api, merchant_staff, leaf_category):
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    url = f"/merchant/products/{product['id']}/images"
    response = api(
        "post", url, user=merchant_staff, data={"image": _upload("a.png", image_bytes("PNG")), "alt": "正面"}
    )
    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get()
    assert (image.width, image.height, image.alt) == (64, 48, "正面")
    assert image.thumbnail.name.endswith(".jpg")


@pytest.mark.parametrize(
    "content",
    [
        b"<?php system($_GET['c']); ?>",
        b"GIF89a" + b"\x00" * 100,
        b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10,
    ],
)
def test_a_non_image_disguised_as_jpeg_is_refused(api, merchant_staff, leaf_category, content):
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    url = f"/merchant/products/{product['id']}/images"
    response = api("post", url, user=merchant_staff, data={"image": _upload("photo.jpg", content)})
    assert response.status_code == 422
    assert response.json()["code"] == "catalog.invalid_image"
    assert response.json()["field"] == "image"
    assert ProductImage.objects.count() == 0


def test_an_oversized_image_is_refused(api, merchant_staff, leaf_category, settings):
    settings.JISHI_IMAGE_MAX_BYTES = 1000
    product = api("post", "/merchant/products", user=merchant_staff, json=payload(leaf_category)).json()
    url = f"/merchant/products/{product['id']}/images"
    big = image_bytes("PNG", size=(400, 400), color="red") + b"\x00" * 2000
    response = api("post", url, user=merchant_staff, data={"image": _upload("big.png", big)})
    assert response.status_code == 422
    assert response.json()["code"] == "catalog.image_too_large"


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/jpeg")
