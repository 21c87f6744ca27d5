"""The console's platform settings page (/operator/settings/) and the public terms and privacy pages.

Administrators see the settings in force with who saved them last, save
them (a value out of range comes back on its field, 422, nothing written),
and publish the terms and privacy policy as numbered versions. Anyone else
in the console is refused. /terms/ and /privacy/ show the version in force
with its number and date, or say that nothing is published yet (200: the
sign-up page and the footer link to them).
"""

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.core.models import AuditEntry
from jishi.policies import selectors
from jishi.policies import services as policies
from jishi.policies.models import LegalDocument, PlatformSettings

pytestmark = pytest.mark.django_db

URL = "/operator/settings/"
GOOD = {
    "payment_minutes": "45",
    "flash_payment_minutes": "10",
    "auto_confirm_days": "12",
    "aftersales_days": "9",
    "aftersales_turn_days": "5",
    "payment_methods": ["alipay", "sandbox"],
    "commission_rate": "6.5",
    "shipping_first_fee": "8.00",
    "shipping_extra_fee": "2",
    "shipping_free_above": "",
}


@pytest.fixture(autouse=True)
def _environment(settings: Any) -> None:
    settings.JISHI_ORDER_PAYMENT_MINUTES = 30
    settings.JISHI_FLASH_PAYMENT_MINUTES = 5
    settings.JISHI_ORDER_AUTO_CONFIRM_DAYS = 10
    settings.JISHI_ORDER_AFTERSALES_DAYS = 7
    settings.JISHI_AFTERSALES_TURN_DAYS = 7
    settings.JISHI_DEFAULT_COMMISSION_RATE = "0.05"


def _input_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def _checked(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="payment_methods" value="([a-z]+)"[^>]*checked', page)


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="id_{name}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


def test_the_urls_are_registered():
    assert reverse("operator:platform_settings") == URL
    assert reverse("operator:legal_publish", args=["terms"]) == "/operator/settings/legal/terms/"
    assert (reverse("storefront:terms"), reverse("storefront:privacy")) == ("/terms/", "/privacy/")


def test_before_any_save_the_page_shows_the_environments_values(english, admin_operator):
    english.force_login(admin_operator)
    response = english.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Platform settings</h1>" in page
    assert "Not saved yet: the server's configured values apply." in page
    names = ("payment_minutes", "flash_payment_minutes", "auto_confirm_days", "aftersales_days", "aftersales_turn_days")
    assert [_input_value(page, name) for name in names] == ["30", "5", "10", "7", "7"]
    assert _input_value(page, "commission_rate") == "5"
    assert [_input_value(page, n) for n in ("shipping_first_fee", "shipping_extra_fee", "shipping_free_above")] == [
        "0.00",
        "0.00",
        "",
    ]
    assert _checked(page) == ["alipay", "wechatpay", "unionpay", "sandbox"]
    assert "(not set up on this server)" in page  # the test server has the sandbox only
    # and the two legal documents, neither published
    assert page.count("Not published yet") == 2
    assert 'id="legal-terms"' in page
    assert 'id="legal-privacy"' in page


def test_an_administrator_saves_them_and_sees_who_saved(english, admin_operator):
    english.force_login(admin_operator)
    response = english.post(URL, GOOD, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    page = response.content.decode()
    assert "Platform settings saved. They apply from now on." in page
    assert f"Saved by {admin_operator}" in page
    assert _input_value(page, "payment_minutes") == "45"
    assert _input_value(page, "shipping_first_fee") == "8.00"
    assert _checked(page) == ["alipay", "sandbox"]
    rules = selectors.platform_settings()
    assert (
        rules.payment_minutes,
        rules.commission_bp,
        rules.shipping_first_fee.minor,
        rules.shipping_extra_fee.minor,
    ) == (
        45,
        650,
        800,
        200,
    )
    assert (rules.shipping_free_above, rules.payment_methods) == (None, ("alipay", "sandbox"))
    assert AuditEntry.objects.filter(action="policies.settings_set", actor_id=admin_operator.pk).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_minutes": "4"}, "payment_minutes"),
        ({"flash_payment_minutes": "61"}, "flash_payment_minutes"),
        ({"aftersales_days": "31"}, "aftersales_days"),
        ({"commission_rate": "60"}, "commission_rate"),
        ({"shipping_first_fee": "八元"}, "shipping_first_fee"),
        ({"shipping_free_above": "0"}, "shipping_free_above"),
        ({"payment_methods": []}, "payment_methods"),
    ],
)
def test_a_value_out_of_range_comes_back_on_its_field_and_nothing_is_written(english, admin_operator, change, field):
    english.force_login(admin_operator)
    response = english.post(URL, {**GOOD, **change})
    assert response.status_code == 422
    page = response.content.decode()
    if field == "payment_methods":
        assert '<p class="error" id="id_payment_methods-error">' in page
    else:
        assert _field_error(page, field)
        assert _input_value(page, field) == change[field]  # what was typed is kept
    assert _input_value(page, "payment_minutes") == change.get("payment_minutes", "45")
    assert not PlatformSettings.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", ["reviewer", "finance", "support", "catalog"])
def test_other_operators_are_refused_and_nothing_changes(client, role):
    from tests import factories

    client.force_login(factories.user(operator_role=role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert client.post("/operator/settings/legal/terms/", {"body": "条款"}).status_code == 403
    assert not PlatformSettings.objects.exists()
    assert not LegalDocument.objects.exists()


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_an_administrator_publishes_versions_from_the_page(english, admin_operator):
    english.force_login(admin_operator)
    # when the terms are published twice
    first = english.post("/operator/settings/legal/terms/", {"body": "第一条 平台规则\n\n第二条 买家责任"})
    assert (first.status_code, first["Location"]) == (302, "/operator/settings/#legal-terms")
    english.post("/operator/settings/legal/terms/", {"body": "第一条（修订）"})
    # then the page shows version 2 in force, the list of both, and its text in the textarea
    page = english.get(URL).content.decode()
    assert "Version 2 in force since" in page
    assert page.count('<span class="badge">In force</span>') == 1
    assert re.search(r'<textarea id="legal-terms-body"[^>]*>第一条（修订）</textarea>', page)
    assert [v for (v,) in LegalDocument.objects.filter(kind="terms").values_list("version")] == [2, 1]
    assert "Not published yet" in page  # the privacy policy still is not


def test_an_empty_text_comes_back_with_its_error_and_nothing_is_published(english, admin_operator):
    english.force_login(admin_operator)
    response = english.post("/operator/settings/legal/privacy/", {"body": "   "})
    assert response.status_code == 422
    page = response.content.decode()
    assert re.search(r'<p class="error" id="legal-privacy-error" role="alert">[^<]+</p>', page)
    assert not LegalDocument.objects.exists()


# The public pages -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "title"), [("/terms/", "User agreement"), ("/privacy/", "Privacy policy")])
def test_before_a_version_is_published_the_page_says_so(english, path, title):
    response = english.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<h1 id="legal-title">{title}</h1>' in page
    assert "No text has been published yet." in page


def test_the_version_in_force_is_shown_with_its_number_and_date(english, admin_operator, django_assert_num_queries):
    policies.legal_publish(actor=admin_operator, kind="privacy", body="旧版本")
    document = policies.legal_publish(actor=admin_operator, kind="privacy", body="我们收集的信息\n\n<b>如何使用</b>")
    english.get("/privacy/")  # the session's first save is not the page's cost
    with django_assert_num_queries(1):  # the document, for a visitor
        response = english.get("/privacy/")
    page = response.content.decode()
    assert f"Version 2, in force since {timezone.localtime(document.published_at):%Y-%m-%d}" in page
    assert "<p>我们收集的信息</p>" in page
    assert "&lt;b&gt;如何使用&lt;/b&gt;" in page  # the text is escaped
    assert "旧版本" not in page
    assert "No text has been published yet." in english.get("/terms/").content.decode()


def test_sign_up_and_the_footer_link_to_them(english):
    page = english.get(reverse("buyer:signup")).content.decode()
    assert (
        'By signing up you agree to the <a href="/terms/">User agreement</a> and the '
        '<a href="/privacy/">Privacy policy</a>.'
    ) in page
    home = english.get("/").content.decode()
    footer = home[home.index('<footer class="footer">') :]
    assert '<a href="/terms/">User agreement</a>' in footer
    assert '<a href="/privacy/">Privacy policy</a>' in footer
