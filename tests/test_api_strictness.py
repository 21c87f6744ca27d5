"""The API is strict and plain about what it accepts: unknown fields, types, tokens, language, encoding."""

import json

import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def sku(shop):
    return factories.sku_of(shop)


def test_an_unknown_field_is_refused_not_ignored(api, buyer, sku):
    # {"qty": 5} once added one unit: the misspelt quantity was dropped and the default used
    response = api("post", "/cart/lines", user=buyer, json={"sku_id": sku.pk, "qty": 5})
    assert response.status_code == 422
    assert response.json()["code"] == "request.unknown_field"
    assert response.json()["field"] == "qty"
    assert api("get", "/cart", user=buyer).json()["count"] == 0


@pytest.mark.parametrize("as_text", ["sku_id", "quantity"])
def test_a_number_sent_as_text_is_refused_wherever_it_is(api, buyer, sku, as_text):
    # an id and a quantity are alike: JSON numbers, never "3"
    body = {"sku_id": sku.pk, "quantity": 1}
    body[as_text] = str(body[as_text])
    response = api("post", "/cart/lines", user=buyer, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation.int_type"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("get", "/cart", None), ("post", "/cart/lines", {"sku_id": 1, "quantity": 1}), ("get", "/orders", None)],
)
def test_a_bad_token_is_401_even_beside_a_session(buyer, method, path, body):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(buyer)  # a session cookie rides along, as in a browser that also holds an old token
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = getattr(browser, method)(f"/api/v1{path}", headers={"Authorization": "Bearer jsk_expired"}, **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_token"


def test_validation_messages_follow_accept_language(api):
    chinese = api("post", "/auth/login", json={"identifier": "x"}, headers={"Accept-Language": "zh-Hans"})
    english = api("post", "/auth/login", json={"identifier": "x"}, headers={"Accept-Language": "en"})
    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["code"] == english.json()["code"] == "validation.missing"
    assert chinese.json()["field"] == "password"
    assert chinese.json()["message"] != english.json()["message"]
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese.json()["message"])


def test_chinese_leaves_as_utf8_not_escapes(api, shop):
    response = api("get", f"/products/{shop.pk}", headers={"Accept-Language": "zh-Hans"})
    assert response.status_code == 200
    assert shop.title.encode() in response.content
    assert b"\\u" not in response.content


def test_a_missing_body_says_so(api, buyer):
    response = api("post", "/cart/lines", user=buyer, data="", content_type="application/json")
    assert response.status_code == 422
    assert response.json() | {"message": ""} == {"code": "request.body_required", "message": "", "field": "body"}
