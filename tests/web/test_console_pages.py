"""The operator console, merchant centre and account pages of the marketplace.

A walk over every new page as every kind of actor: the permitted ones get
the page, anonymous visitors the log-in page, everyone else a 403, and a
refused post changes nothing. Then the flows an operator, a merchant and a
would-be merchant go through.
"""

from typing import Any

import pytest
from django.urls import reverse

from jishi.accounts.models import User
from jishi.core.models import AuditEntry
from jishi.ledger.models import CommissionRule, Payout
from jishi.merchants.models import Invitation, Merchant, MerchantApplication
from jishi.notifications.models import Notification
from tests import factories
from tests.conftest import image_bytes
from tests.ledger.conftest import funded

pytestmark = pytest.mark.django_db

OPERATORS = {"op_reviewer", "op_finance", "op_support", "op_admin"}
MERCHANTS = {"merchant_staff", "other_merchant_staff"}
SIGNED_IN = {"buyer", *MERCHANTS, *OPERATORS}


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def world(buyer, merchant_staff, other_merchant_staff):
    actors = {"anonymous": None, "buyer": buyer, "merchant_staff": merchant_staff}
    actors["other_merchant_staff"] = other_merchant_staff
    for role in ("reviewer", "finance", "support", "admin"):
        actors[f"op_{role}"] = factories.user(operator_role=role)
    return actors


def _pages(merchant_id, application_id, user_id, payout_number):
    """(method, URL, actors allowed)."""
    finance_view = {"op_finance", "op_support", "op_admin"}
    return [
        ("get", reverse("operator:dashboard"), OPERATORS),
        ("get", reverse("operator:export_orders", args=["csv"]), finance_view),
        ("get", reverse("operator:export_ledger", args=["csv"]), {"op_finance", "op_admin"}),
        ("get", reverse("operator:applications"), {"op_reviewer", "op_admin"}),
        ("get", reverse("operator:application", args=[application_id]), {"op_reviewer", "op_admin"}),
        ("post", reverse("operator:application_decide", args=[application_id]), {"op_reviewer", "op_admin"}),
        ("get", reverse("operator:merchants"), finance_view),
        ("get", reverse("operator:merchant", args=[merchant_id]), finance_view),
        ("post", reverse("operator:merchant_status", args=[merchant_id]), {"op_support", "op_admin"}),
        ("get", reverse("operator:commission"), finance_view),
        ("post", reverse("operator:commission_add"), {"op_finance", "op_admin"}),
        ("get", reverse("operator:payouts"), finance_view),
        ("post", reverse("operator:payout_decide", args=[payout_number]), {"op_finance", "op_admin"}),
        ("get", reverse("operator:users"), {"op_support", "op_admin"}),
        ("get", reverse("operator:user", args=[user_id]), {"op_support", "op_admin"}),
        ("post", reverse("operator:user_action", args=[user_id]), {"op_support", "op_admin"}),
        ("get", reverse("operator:orders"), finance_view),
        ("get", reverse("operator:audit"), finance_view),
        ("get", reverse("merchant:dashboard"), MERCHANTS),
        ("get", reverse("merchant:finance"), MERCHANTS),
        ("post", reverse("merchant:withdraw"), MERCHANTS),
        ("post", reverse("merchant:bank_account"), MERCHANTS),
        ("get", reverse("merchant:export_orders", args=["xlsx"]), MERCHANTS),
        ("get", reverse("merchant:export_ledger", args=["csv"]), MERCHANTS),
        ("get", reverse("merchant:team"), MERCHANTS),
        ("post", reverse("merchant:invite"), MERCHANTS),
        ("get", reverse("merchant:qualifications"), MERCHANTS),
        ("post", reverse("merchant:qualification_add"), MERCHANTS),
        ("get", reverse("buyer:apply"), SIGNED_IN),
        ("get", reverse("buyer:invitations"), SIGNED_IN),
        ("get", reverse("buyer:inbox"), SIGNED_IN),
        ("post", reverse("buyer:inbox_read"), SIGNED_IN),
    ]


def _state():
    return (
        AuditEntry.objects.count(),
        list(Merchant.objects.values_list("status", flat=True)),
        list(MerchantApplication.objects.values_list("status", flat=True)),
        list(Payout.objects.values_list("status", flat=True)),
        CommissionRule.objects.count(),
        Invitation.objects.count(),
        list(User.objects.order_by("pk").values_list("is_active", "session_generation")),
    )


@pytest.mark.parametrize("actor_name", ["anonymous", "buyer", "merchant_staff", *sorted(OPERATORS)])
def test_every_page_answers_each_actor_by_its_permission_and_a_refusal_changes_nothing(client, world, actor_name):
    merchant = world["merchant_staff"].membership.merchant
    application = MerchantApplication.objects.create(
        applicant=world["buyer"], shop_name="待审小店", kind="shop", subject_type="company"
    )
    payout = Payout.objects.create(
        number="261124000000000009",
        merchant=merchant,
        amount_minor=100,
        bank="招商银行",
        account_masked="**** 1234",
        requested_by=world["merchant_staff"],
    )
    actor = world[actor_name]
    if actor is not None:
        client.force_login(actor)
    for method, url, allowed in _pages(merchant.pk, application.pk, world["buyer"].pk, payout.number):
        if actor_name in allowed and method == "post":
            continue  # the flows below post for real
        before = _state()
        data = {"reason": "x", "decision": "reject", "status": "suspended"} if method == "post" else None
        response = getattr(client, method)(url, data)
        if actor is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("buyer:login")), url
        elif actor_name in allowed:
            assert response.status_code == 200, (actor_name, url, response.status_code)
            continue
        else:
            assert response.status_code == 403, (actor_name, url, response.status_code)
        assert _state() == before, (actor_name, url)


def test_a_reviewer_approves_an_application_from_its_page(client, buyer, reviewer):
    application = MerchantApplication.objects.create(
        applicant=buyer, shop_name="小林的店", kind="shop", subject_type="company", company_name="小林贸易有限公司"
    )
    client.force_login(reviewer)
    page = client.get(reverse("operator:application", args=[application.pk])).content.decode()
    assert "小林贸易有限公司" in page
    client.post(reverse("operator:application_decide", args=[application.pk]), {"decision": "approve"})
    assert Merchant.objects.get(name="小林的店").memberships.get().user == buyer
    assert Notification.objects.filter(user=buyer).exists()


def test_licence_scans_are_served_to_reviewers_only(client, buyer, reviewer, other_buyer):
    from django.core.files.base import ContentFile

    application = MerchantApplication(applicant=buyer, shop_name="执照店", kind="shop", subject_type="company")
    application.licence_image.save("licence.png", ContentFile(image_bytes()), save=True)
    url = reverse("operator:application_document", args=[application.pk, "licence"])
    client.force_login(other_buyer)
    assert client.get(url).status_code == 403
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == application.licence_image.open("rb").read()
    assert client.get(reverse("operator:application_document", args=[application.pk, "999"])).status_code == 404


def test_a_rejection_without_a_reason_leaves_the_application_pending(client, buyer, reviewer):
    application = MerchantApplication.objects.create(
        applicant=buyer, shop_name="无理由", kind="shop", subject_type="company"
    )
    client.force_login(reviewer)
    client.post(reverse("operator:application_decide", args=[application.pk]), {"decision": "reject", "reason": ""})
    assert MerchantApplication.objects.get(pk=application.pk).status == "pending"


def test_a_company_applies_from_the_page_and_sees_field_errors(client, buyer):
    client.force_login(buyer)
    form = {
        "shop_name": "苏州小店",
        "kind": "shop",
        "subject_type": "company",
        "company_name": "苏州小店有限公司",
        "credit_code": "91350100M000100Y44",  # wrong check character
        "legal_representative": "张伟",
    }
    response = client.post(reverse("buyer:apply"), {**form, "licence_image": _upload()})
    assert response.status_code == 200
    assert 'id="id_credit_code-error"' in response.content.decode()
    assert not MerchantApplication.objects.exists()
    response = client.post(
        reverse("buyer:apply"), {**form, "credit_code": "91350100M000100Y43", "licence_image": _upload()}
    )
    assert response.status_code == 302
    assert MerchantApplication.objects.get().status == "pending"
    assert "苏州小店" in client.get(reverse("buyer:apply")).content.decode()


def test_a_breeder_needs_its_permit_on_the_application_page(client, buyer):
    client.force_login(buyer)
    form = {
        "shop_name": "繁育小舍",
        "kind": "breeder",
        "subject_type": "company",
        "company_name": "繁育小舍有限公司",
        "credit_code": "91320505MA1N0R3K73",
        "legal_representative": "李娜",
        "licence_image": _upload(),
    }
    response = client.post(reverse("buyer:apply"), form)
    assert 'id="id_permit_number-error"' in response.content.decode()
    assert not MerchantApplication.objects.exists()


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("licence.png", image_bytes(), content_type="image/png")


def test_a_merchant_withdraws_from_the_finance_page_and_an_over_balance_request_is_shown(
    client, merchant_staff, leaf_category, finance
):
    from jishi.ledger import services as ledger

    funded(merchant_staff, leaf_category, "1000.00")
    ledger.payout_account_set(
        actor=merchant_staff, password=factories.PASSWORD, holder="张三", bank="招商银行", number="6225880157123456"
    )
    client.force_login(merchant_staff)
    response = client.post(reverse("merchant:withdraw"), {"amount": "1000.01"})
    assert response.status_code == 200
    assert 'id="id_amount-error"' in response.content.decode()
    assert not Payout.objects.exists()
    client.post(reverse("merchant:withdraw"), {"amount": "200"})
    payout = Payout.objects.get()
    assert payout.amount_minor == 20000
    page = client.get(reverse("merchant:finance")).content.decode()
    assert "¥800.00" in page
    assert payout.number in page

    client.force_login(finance)
    client.post(reverse("operator:payout_decide", args=[payout.number]), {"decision": "approve"})
    assert Payout.objects.get().status == "approved"


def test_changing_the_bank_account_on_the_page_needs_the_password(client, merchant_staff):
    client.force_login(merchant_staff)
    form = {"holder": "张三", "bank": "招商银行", "number": "6225880157123456", "password": "wrong"}
    response = client.post(reverse("merchant:bank_account"), form)
    assert 'id="id_password-error"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="ledger.payout_account_set").exists()


def test_an_owner_invites_staff_and_the_invitee_accepts_from_the_page(client, merchant_staff):
    client.force_login(merchant_staff)
    client.post(reverse("merchant:invite"), {"contact": "13911110000", "role": "staff"})
    invitation = Invitation.objects.get()
    invitee = factories.user(email=None, phone="13911110000")
    client.force_login(invitee)
    assert merchant_staff.membership.merchant.name in client.get(reverse("buyer:invitations")).content.decode()
    client.post(reverse("buyer:invitation_accept", args=[invitation.pk]))
    assert User.objects.get(pk=invitee.pk).membership.merchant_id == merchant_staff.membership.merchant_id


def test_support_disables_a_user_from_the_page_and_their_session_ends(client, support, buyer):
    from django.test import Client

    theirs = Client()
    theirs.force_login(buyer)
    client.force_login(support)
    client.post(reverse("operator:user_action", args=[buyer.pk]), {"action": "disable", "reason": "spam"})
    assert not User.objects.get(pk=buyer.pk).is_active
    assert theirs.get(reverse("buyer:account")).status_code == 302
    page = client.get(reverse("operator:user", args=[buyer.pk])).content.decode()
    assert "spam" in page


def test_operators_find_orders_across_merchants_with_the_phone_masked(client, support, merchant_staff, leaf_category):
    product = factories.product(merchant_staff, leaf_category, title="猫抓板", price="30.00", stock=5)
    buyer = factories.user(email=None, phone="13912345678")
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    order = buyer.orders.get()
    client.force_login(support)
    assert order.number in client.get(reverse("operator:orders") + "?q=13912345678").content.decode()
    assert order.number not in client.get(reverse("operator:orders") + "?q=13900000000").content.decode()
    page = client.get(reverse("operator:order", args=[order.number])).content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page


def test_the_inbox_shows_messages_and_marks_them_read(client, buyer):
    from jishi.notifications.services import notify

    notify(buyer, "test", "您的订单已发货")
    client.force_login(buyer)
    page = client.get(reverse("storefront:home")).content.decode()
    assert 'class="count-badge"' in page
    assert "您的订单已发货" in client.get(reverse("buyer:inbox")).content.decode()
    client.post(reverse("buyer:inbox_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_console_navigation_shows_only_what_the_role_opens(client, reviewer, finance):
    client.force_login(reviewer)
    page = client.get(reverse("operator:home")).content.decode()
    assert reverse("operator:applications") in page
    assert reverse("operator:payouts") not in page
    client.force_login(finance)
    page = client.get(reverse("operator:home")).content.decode()
    assert reverse("operator:payouts") in page
    assert reverse("operator:applications") not in page
