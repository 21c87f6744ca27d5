"""Schemathesis over /api/v1/openapi.json: no 5xx, and every answer matches what the document declares."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from jishi.accounts import services as accounts
from jishi.config.wsgi import application
from tests import factories
from tests.fuzzing import SCALE, SEED, examples

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
if not SCALE:  # each operation's examples come from a seed derived from this one and the operation's name
    schema.config.seed = SEED


@pytest.fixture
def merchant_owner(db):
    owner = factories.merchant_owner(name="模糊测试店")
    category = factories.category_path("测试", "子类")
    factories.product(owner, category, title="模糊测试商品")
    return owner


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=examples(25),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_answers_5xx_and_keeps_its_contract(case, merchant_owner):
    # Business rules (a valid ID number's check digit, a free e-mail address) cannot live in the
    # schema, so schema-valid input may still be refused with a documented 4xx.
    # A fresh token per example: an earlier example may have logged out.
    _, token = accounts.token_create(user=merchant_owner)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance])
