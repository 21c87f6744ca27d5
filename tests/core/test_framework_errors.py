"""What the framework answers by itself: every error in the API's shape, no body too large read, no traceback."""

import json
import urllib.error
import urllib.request

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TWENTY_MB = b'{"identifier": "' + b"1" * (20 * 1024 * 1024) + b'"}'
SHAPE = {"code", "message", "field"}


def test_a_method_the_address_does_not_take_answers_405_in_the_error_shape(client):
    response = client.put("/api/v1/categories", data={}, content_type="application/json")
    assert response.status_code == 405
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "request.method_not_allowed"
    assert "GET" in response["Allow"]


def test_an_unknown_api_address_answers_404_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == SHAPE


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/login", "/api/v1/me/addresses", "/api/v1/checkout/place", "/api/v1/cart/items"]
)
def test_a_body_over_the_limit_is_a_413_on_every_api_route_in_every_mode(client, settings, debug, path):
    settings.DEBUG = debug
    response = client.post(path, data=TWENTY_MB, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"code": "request.too_large", "message": response.json()["message"], "field": "body"}


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_form_over_the_limit_is_a_413_page_without_a_traceback(client, settings, debug):
    settings.DEBUG = debug
    response = client.post("/login/", data=TWENTY_MB, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = response.content.decode()
    assert "Traceback" not in page
    assert "RequestDataTooBig" not in page


def test_a_failure_inside_a_view_reaches_an_api_client_as_json_without_a_traceback(settings, monkeypatch):
    settings.DEBUG = True  # even where Django would show its debug page

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("jishi.catalog.api.selectors.category_list", broken)
    response = Client(raise_request_exception=False).get("/api/v1/categories")
    assert response.status_code == 500
    assert response.json()["code"] == "server.error"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_development_server_answers_a_huge_body_with_413(live_server):
    request = urllib.request.Request(  # noqa: S310 (the test server on 127.0.0.1)
        f"{live_server.url}/api/v1/auth/login",
        data=TWENTY_MB,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(request, timeout=60)  # noqa: S310
    assert answered.value.code == 413
    assert json.loads(answered.value.read())["code"] == "request.too_large"
