"""``Idempotency-Key`` on every mutating API request: one middleware, Stripe's semantics."""

import datetime as dt
from collections import Counter

import pytest
from django.test import Client, RequestFactory

from jishi.accounts import services as accounts
from jishi.accounts.models import Address, ApiToken
from jishi.core.idempotency import _request_digest
from jishi.core.models import IdempotencyRecord
from tests import factories
from tests.factories import PASSWORD
from tests.races import race

ADDRESS = {
    "receiver": "张三",
    "phone": "13812345678",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "detail": "科技园路 1 号",
}
PATH = "/api/v1/me/addresses"


def _post(token, body, key, path=PATH):
    return Client().post(
        path,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


@pytest.fixture
def token(buyer):
    return accounts.token_create(user=buyer)[1]


def test_the_same_key_and_body_replays_the_first_answer_and_writes_once(buyer, token):
    # given a request that creates an address; when it is sent twice with one key, the second time from a new log-in
    first = _post(token, ADDRESS, "addr-1")
    again = _post(accounts.token_create(user=buyer)[1], ADDRESS, "addr-1")
    # then the second answer is the first one, marked as replayed, and there is one address
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert (first.get("Idempotent-Replayed"), again["Idempotent-Replayed"]) == (None, "true")
    assert Address.objects.filter(user=buyer).count() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(buyer, token):
    _post(token, ADDRESS, "addr-2")
    response = _post(token, {**ADDRESS, "receiver": "李四"}, "addr-2")
    assert response.status_code == 422
    assert response.json() == {
        "code": "idempotency.key_reused",
        "message": response.json()["message"],
        "field": "Idempotency-Key",
    }
    assert list(Address.objects.values_list("receiver", flat=True)) == ["张三"]


def test_the_same_key_on_another_path_is_another_request(buyer, token):
    created = _post(token, ADDRESS, "addr-3").json()
    response = _post(token, ADDRESS, "addr-3", path=f"{PATH}/{created['id']}/default")
    assert response.json()["code"] == "idempotency.key_reused"


def test_a_key_still_in_use_answers_409_in_progress(buyer, token):
    # given the first request with this key is still running (its claim has no response yet)
    request = RequestFactory().post(PATH, data=ADDRESS, content_type="application/json")
    IdempotencyRecord.objects.create(
        owner=f"user:{buyer.pk}", scope="api", key="addr-4", request_digest=_request_digest(request)
    )
    # when the same request comes again
    response = _post(token, ADDRESS, "addr-4")
    # then it is told to wait, and nothing is written
    assert (response.status_code, response.json()["code"]) == (409, "idempotency.in_progress")
    assert not Address.objects.exists()
    # a claim abandoned by a request that died is taken over after five minutes
    IdempotencyRecord.objects.update(created_at=IdempotencyRecord.objects.get().created_at - dt.timedelta(minutes=6))
    assert _post(token, ADDRESS, "addr-4").status_code == 201
    assert Address.objects.count() == 1


def test_a_refused_request_stores_nothing_so_the_key_can_be_retried(buyer, token):
    bad = {**ADDRESS, "phone": "12345678901"}
    assert _post(token, bad, "addr-5").status_code == 422
    assert not IdempotencyRecord.objects.exists()
    assert _post(token, bad, "addr-5").status_code == 422  # ran again, refused again


def test_keys_belong_to_their_owner(buyer, other_buyer, token):
    mine = _post(token, ADDRESS, "shared-key")
    theirs = _post(accounts.token_create(user=other_buyer)[1], ADDRESS, "shared-key")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 256, "spaces are invisible", "键"])
def test_a_malformed_key_is_refused_before_anything_runs(token, key):
    response = _post(token, ADDRESS, key)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency.invalid_key")
    assert not Address.objects.exists()


def test_reads_and_pages_ignore_the_header(buyer, token):
    response = Client().get(PATH, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "read"})
    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_guests_are_covered_too(db, merchant_staff, leaf_category):
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, stock=5))
    guest = Client()
    guest.get("/")  # a session and its CSRF cookie, as a browser has
    csrf = guest.cookies["csrftoken"].value
    headers = {"Idempotency-Key": "guest-1", "X-CSRFToken": csrf}
    body = {"sku_id": sku.pk, "quantity": 2}
    first = guest.post("/api/v1/cart/lines", data=body, content_type="application/json", headers=headers)
    again = guest.post("/api/v1/cart/lines", data=body, content_type="application/json", headers=headers)
    assert first.status_code < 300
    assert again["Idempotent-Replayed"] == "true"
    assert guest.get("/api/v1/cart").json()["lines"][0]["quantity"] == 2


def test_a_stored_answer_is_sealed_and_still_replays_in_full(buyer, token):
    first = _post(token, ADDRESS, "addr-sealed")
    record = IdempotencyRecord.objects.get()
    assert ADDRESS["phone"] not in record.response_sealed
    assert "张三" not in record.response_sealed
    again = _post(token, ADDRESS, "addr-sealed")
    assert again.json() == first.json()
    assert again.json()["phone"] == ADDRESS["phone"]


def test_a_log_in_is_never_replayed_and_its_token_is_never_kept(buyer):
    body = {"identifier": buyer.email, "password": PASSWORD}

    def log_in():
        return Client().post(
            "/api/v1/auth/login", data=body, content_type="application/json", headers={"Idempotency-Key": "login-1"}
        )

    first = log_in()
    assert first.status_code == 200
    assert first["Cache-Control"] == "no-store"
    record = IdempotencyRecord.objects.get()
    assert (record.response_status, record.response_sealed) == (200, "")
    again = log_in()
    assert again.status_code == 409
    assert again.json()["code"] == "idempotency.not_replayable"
    assert "token" not in again.json()
    assert ApiToken.objects.filter(user=buyer).count() == 1  # the repeat gave out no second token either


def test_a_key_past_its_window_is_forgotten_even_before_the_purge(buyer, token, settings):
    _post(token, ADDRESS, "addr-old")
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at
        - dt.timedelta(hours=settings.JISHI_IDEMPOTENCY_HOURS, minutes=1)
    )
    again = _post(token, ADDRESS, "addr-old")
    assert again.status_code == 201
    assert again.get("Idempotent-Replayed") is None
    assert Address.objects.filter(user=buyer).count() == 2
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_copies_of_a_request_write_once(buyer, token):
    outcomes = race(list(range(10)), lambda _: _post(token, ADDRESS, "addr-race"))
    statuses = Counter(
        "replayed" if r.get("Idempotent-Replayed") else (r.json().get("code") if r.status_code != 201 else "created")
        for r in outcomes
    )
    assert statuses["created"] == 1
    assert set(statuses) <= {"created", "replayed", "idempotency.in_progress"}
    assert Address.objects.filter(user=buyer).count() == 1


def test_a_form_key_past_its_window_runs_again(db, settings):
    from jishi.core.idempotency import run_once

    runs = []

    def action():
        runs.append(1)
        return 201, {"run": len(runs)}

    first = run_once(owner="user:1", scope="form", key="k", body={"a": 1}, action=action)
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at
        - dt.timedelta(hours=settings.JISHI_IDEMPOTENCY_HOURS, minutes=1)
    )
    again = run_once(owner="user:1", scope="form", key="k", body={"a": 1}, action=action)
    assert (first.body, again.body, again.replayed) == ({"run": 1}, {"run": 2}, False)
    assert IdempotencyRecord.objects.count() == 1
