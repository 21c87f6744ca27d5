"""Nothing secret at rest in plain text: no phone number, ID number, bearer token or password in any table or log."""

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from tests import at_rest
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13700137000", "11010519491231002X"
ROOT = Path(__file__).resolve().parents[1]
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


def test_a_sealed_value_that_happens_to_spell_a_token_prefix_is_not_a_token():
    sealed = "gAAAAABnX2" + "jsk_" + "Qw8-ZtR_0pLm3VbN7yXcK1eD"  # Fernet's url-safe base64, as a phone is sealed
    assert list(at_rest.secrets_in(sealed)) == []
    assert [kind for kind, _hit in at_rest.secrets_in(f'{{"token": "jsk_{"A" * 43}"}}')] == ["bearer token"]


def test_a_phone_number_in_any_request_reaches_no_log_line_in_full(tmp_path):
    """The development server, as ``make demo`` runs it: its access log prints each request line, query and all."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "JISHI_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'logs.sqlite3'}"}
    server = subprocess.Popen(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.STDOUT,
        stdout=subprocess.PIPE,
        text=True,
    )
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(server.stdout or ()), daemon=True)
    reader.start()
    try:
        for path in (
            f"/api/v1/operator/users?q={PHONE}",
            f"/api/v1/operator/users?q=%2B86%20{PHONE}&id={ID_NUMBER}",
            f"/no-such-page/{PHONE}/{ID_NUMBER}/",
        ):
            _get_until_up(f"http://127.0.0.1:{port}{path}")
        # the access line is printed after the answer is sent: wait for it rather than race it
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(" 404 " in line for line in list(printed)):
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=30)
    output = "".join(printed)
    lines = output.splitlines()
    assert any("/no-such-page/137****7000/110105********002X/" in line and " 404 " in line for line in lines), output
    assert [line for line in lines if list(at_rest.secrets_in(line))] == []


def _get_until_up(url: str) -> None:
    for _attempt in range(100):
        try:
            urllib.request.urlopen(url, timeout=10)  # noqa: S310 (a server of this test on 127.0.0.1)
        except urllib.error.HTTPError:
            return  # answered (401, 404): that is all this needs
        except OSError:
            time.sleep(0.1)  # not listening yet
        else:
            return
    raise AssertionError(f"the development server never answered {url}")


@pytest.mark.after_the_suite
def test_nothing_the_whole_suite_wrote_holds_a_secret_in_plain_text():
    logging.getLogger("jishi").warning(
        "回拨 %s", PHONE
    )  # masked where the record is made, so the watch reads it masked
    assert at_rest.watch.writes > 0
    assert at_rest.watch.log_lines > 0
    assert [str(finding) for finding in at_rest.watch.found] == []
