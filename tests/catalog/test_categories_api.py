"""The operator category API: the tree with counts, adding, renaming, icons, moving, ordering, retiring, attributes;
every refusal a 4xx with {code, message, field}."""

import pytest

from jishi.catalog.models import Attribute, Category
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return factories.user(email="catalog@example.com", operator_role="catalog")


def test_building_and_reading_the_tree(api, manager, merchant_staff):
    pets = api("post", "/operator/categories", user=manager, json={"name": "宠物", "name_en": "Pets"}).json()
    food = api("post", "/operator/categories", user=manager, json={"name": "猫粮", "parent_id": pets["id"]})
    assert food.status_code == 201
    factories.product(merchant_staff, Category.objects.get(pk=food.json()["id"]))
    tree = api("get", "/operator/categories", user=manager).json()
    assert [(n["name"], n["depth"], n["products"], n["live_products"]) for n in tree] == [
        ("宠物", 0, 0, 1),
        ("猫粮", 1, 1, 1),
    ]
    icon = api("post", f"/operator/categories/{pets['id']}/icon", user=manager, data={"icon": _file()})
    assert icon.status_code == 200
    assert icon.json()["icon_url"]
    public = api("get", "/categories").json()
    assert public[0]["icon_url"] == icon.json()["icon_url"]


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("icon.png", image_bytes(), content_type="image/png")


def test_refusals_are_4xx_with_a_field_and_change_nothing(api, manager, merchant_staff, buyer):
    a = api("post", "/operator/categories", user=manager, json={"name": "A"}).json()
    b = api("post", "/operator/categories", user=manager, json={"name": "B", "parent_id": a["id"]}).json()
    cycle = api("post", f"/operator/categories/{a['id']}/move", user=manager, json={"parent_id": b["id"]})
    assert cycle.status_code == 422
    assert cycle.json()["code"] == "catalog.category_cycle"
    assert cycle.json()["field"] == "parent_id"
    factories.product(merchant_staff, Category.objects.get(pk=b["id"]))
    retire = api("post", f"/operator/categories/{a['id']}/retire", user=manager)
    assert retire.status_code == 409
    assert retire.json()["code"] == "catalog.category_in_use"
    colour = api(
        "post",
        f"/operator/categories/{a['id']}/attributes",
        user=manager,
        json={"code": "colour", "name": "颜色", "kind": "choice", "choices": ["红", "蓝"]},
    ).json()
    kind = api(
        "put",
        f"/operator/attributes/{colour['id']}",
        user=manager,
        json={"name": "颜色", "kind": "multi", "choices": ["红", "蓝"]},
    )
    assert kind.status_code == 409
    assert kind.json()["field"] == "kind"
    assert api("post", "/operator/categories", user=buyer, json={"name": "X"}).status_code == 403
    assert Category.objects.filter(is_active=False).count() == 0
    assert Attribute.objects.get().kind == "choice"
    assert Category.objects.get(pk=a["id"]).parent_id is None


def test_reorder_and_attribute_round_trip(api, manager):
    root = api("post", "/operator/categories", user=manager, json={"name": "Root"}).json()
    ids = [
        api("post", "/operator/categories", user=manager, json={"name": n, "parent_id": root["id"]}).json()["id"]
        for n in "XYZ"
    ]
    reordered = api(
        "post", "/operator/categories/reorder", user=manager, json={"parent_id": root["id"], "ordered_ids": ids[::-1]}
    )
    assert [n["name"] for n in reordered.json()] == ["Z", "Y", "X"]
    added = api(
        "post",
        f"/operator/categories/{ids[0]}/attributes",
        user=manager,
        json={"code": "waterproof", "name": "防水", "kind": "boolean"},
    )
    assert added.status_code == 201
    listed = api("get", f"/operator/categories/{ids[0]}/attributes", user=manager).json()
    assert [(a["code"], a["kind"], a["choices"]) for a in listed] == [("waterproof", "boolean", [])]
    assert api("delete", f"/operator/attributes/{added.json()['id']}", user=manager).status_code == 204
    assert api("delete", f"/operator/attributes/{added.json()['id']}", user=manager).status_code == 404
