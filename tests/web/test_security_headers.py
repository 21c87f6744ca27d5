"""Every page carries a strict Content-Security-Policy; production adds HSTS and secure cookies."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "src" / "jishi").glob("**/templates/**/*.html"))
# Code or style inside a page, which the policy refuses: an inline <script> (a JSON data block is fine),
# an on…= handler, a style attribute or element, a javascript: URL, an htmx handler that evaluates code.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:|hx-on",
    re.IGNORECASE,
)


def _policy(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


def test_every_page_is_served_with_the_strict_policy(client, merchant_staff, leaf_category):
    product = factories.product(merchant_staff, leaf_category)
    for url in ("/", "/search/?q=猫粮", f"/p/{product.pk}/", "/cart/", "/login/", "/signup/"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = _policy(response)
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_no_template_holds_code_or_style_the_policy_would_refuse():
    assert len(TEMPLATES) > 40
    inline = {
        f"{path.relative_to(ROOT)}: {match.group()}"
        for path in TEMPLATES
        for match in INLINE.finditer(path.read_text())
    }
    assert inline == set()


def test_the_visitor_cookie_is_secure_wherever_the_session_cookie_is(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    cookie = client.get("/").cookies["jishi_v"]
    assert cookie["secure"]
    assert cookie["httponly"]


def test_production_sends_hsts_for_a_year_and_keeps_every_cookie_on_https():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings as s; print(json.dumps([s.SECURE_HSTS_SECONDS, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "s.DEBUG]))",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
            "JISHI_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "JISHI_FIELD_KEY": "y" * 40,
            "JISHI_PET_LOG_KEY": "PRIVATE+KEY+test/pets+2087fae0+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f",
            "DEBUG": "",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    hsts, *secure, debug = json.loads(shown.stdout)
    assert hsts >= 365 * 24 * 3600
    assert secure == [True, True, True, True]
    assert debug is False
    assert django_settings.SECURE_CSP  # the same policy in every mode
