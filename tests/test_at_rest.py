"""Nothing secret at rest in plain text: no phone number, ID number, bearer token or password in any table."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from tests import at_rest
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13700137000", "11010519491231002X"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _every_text_value():
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        for row in model._default_manager.values_list(*names) if names else ():
            for name, value in zip(names, row, strict=True):
                yield model._meta.db_table, name, str(value)


def _as_shopper():
    """Sign up, log in, save an address and ask for real-name verification: each with an Idempotency-Key."""
    shopper = Client()

    def post(path, body, key, token=""):
        headers = {"Idempotency-Key": key} | ({"Authorization": f"Bearer {token}"} if token else {})
        response = shopper.post(f"/api/v1{path}", data=body, content_type="application/json", headers=headers)
        assert response.status_code < 300, response.content
        return response.json()

    post("/auth/signup", {"identifier": f"+86 {PHONE}", "password": PASSWORD}, "signup")
    token = post("/auth/login", {"identifier": PHONE, "password": PASSWORD}, "login")["token"]
    address = {"receiver": "王小明", "phone": PHONE, "province": "广东省", "city": "深圳市", "district": "南山区"}
    post("/me/addresses", address | {"detail": "科技园路 1 号"}, "address", token)
    post("/me/kyc", {"real_name": "王小明", "id_number": ID_NUMBER}, "kyc", token)
    return token


def test_a_shoppers_phone_id_number_and_token_are_nowhere_in_plain_text():
    token = _as_shopper()
    leaks = [
        (table, column, kind)
        for table, column, value in _every_text_value()
        for kind, _hit in at_rest.secrets_in(value)
    ]
    assert leaks == []
    seen = {kind for kind, _hit in at_rest.secrets_in(f"电话{PHONE}，身份证{ID_NUMBER}，{token}，{PASSWORD}")}
    assert seen == {"phone number", "ID number", "bearer token", "password"}  # what the scan would have seen


@pytest.mark.after_the_suite
def test_nothing_the_whole_suite_wrote_holds_a_secret_in_plain_text():
    assert at_rest.watch.writes > 0
    assert [str(finding) for finding in at_rest.watch.found] == []
