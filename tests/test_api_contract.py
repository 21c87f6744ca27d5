"""The API's contract: every operation declares its permission, and every error has one shape."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from jishi.config.api import api
from jishi.core.permissions import Permission
from tests.factories import PASSWORD


def _operations():
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                yield f"{prefix}{path}", operation


def test_every_api_operation_declares_a_permission():
    undeclared = [
        f"{sorted(operation.methods)} {path}"
        for path, operation in _operations()
        if not isinstance(getattr(operation.view_func, "required_permission", None), Permission)
    ]
    assert undeclared == []


def test_every_api_operation_refuses_query_parameters_it_does_not_declare():
    operations = list(_operations())
    assert len(operations) > 100
    loose = [path for path, operation in operations if not getattr(operation.view_func, "refuses_unknown_query", False)]
    assert loose == []


@pytest.mark.parametrize(
    ("method", "path", "signed_in"),
    [
        ("get", "/api/v1/categories", False),
        ("get", "/api/v1/products", False),
        ("get", "/api/v1/notifications", True),
        ("get", "/api/v1/me/tokens", True),
        ("get", "/api/v1/orders", True),
        ("post", "/api/v1/notifications/read", True),
    ],
)
def test_an_unknown_query_parameter_is_named_in_a_422(api, buyer, method, path, signed_in):
    response = api(
        method,
        f"{path.removeprefix('/api/v1')}?colour=red",
        user=buyer if signed_in else None,
        json={} if method == "post" else None,
    )
    assert response.status_code == 422, response.content
    assert response.json() == {
        "code": "request.unknown_parameter",
        "message": response.json()["message"],
        "field": "colour",
    }


@pytest.mark.django_db
def test_a_known_parameter_still_works(api):
    assert api("get", "/products?sort=newest&page=1").status_code == 200


def test_every_page_view_declares_a_permission():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api"} or "i18n" in str(pattern.pattern):
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    views = list(walk(get_resolver().url_patterns))
    assert views, "no page views found"
    undeclared = [
        path
        for path, view in views
        if not isinstance(getattr(view, "required_permission", None), Permission) and "media" not in path
    ]
    assert undeclared == []


def test_the_openapi_document_declares_error_responses_for_every_operation(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            assert "422" in spec["responses"], f"{method} {path}"
            assert "400" in spec["responses"], f"{method} {path}"


@pytest.mark.django_db
def test_malformed_json_is_a_400_with_the_error_shape(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "request.malformed", "message": response.json()["message"], "field": "body"}


@pytest.mark.django_db
def test_wrong_types_name_the_field(api):
    response = api("post", "/auth/login", json={"identifier": ["a"], "password": PASSWORD})
    assert response.status_code == 422
    assert response.json()["field"] == "identifier"
    assert response.json()["code"].startswith("validation.")


@pytest.mark.django_db
def test_unknown_paths_answer_404_with_the_error_shape(api):
    response = api("get", "/products/999999999")
    assert response.status_code == 404
    assert response.json()["code"] == "catalog.product_not_found"


@pytest.mark.django_db
def test_docs_are_served(client):
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize("host", ["", "evil.example", "a b"])
def test_a_request_django_refuses_before_any_view_answers_in_the_error_shape(client, host):
    # schemathesis sends made-up headers, a Host among them; Django refuses a Host it does not serve
    response = client.get("/api/v1/products", headers={"Host": host})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"], bool(body["message"])) == ("request.bad", None, True)
    page = client.get("/", headers={"Host": host})
    assert (page.status_code, page["Content-Type"].split(";")[0]) == (400, "text/html")
