"""Reconciling a gateway's day with our books: what differs is reported once and fixed through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.core.models import AuditEntry
from jishi.orders.models import Order
from jishi.payments import reconciliation
from jishi.payments import services as payments
from jishi.payments.errors import IssueNotOpen
from jishi.payments.gateways.wire import BEIJING
from jishi.payments.models import Payment, ReconciliationIssue, SandboxTrade
from tests import factories
from tests.payments.conftest import start


def _today():
    return timezone.now().astimezone(BEIJING).date()


def _sandbox_paid_unnotified(buyer, shop):
    """The buyer paid on the sandbox page; its notification never reached us."""
    intent, _url = start(buyer, "sandbox", (factories.sku_of(shop), 1))
    from jishi.payments import sandbox

    sandbox.trade_pay(trade_no=SandboxTrade.objects.get(out_trade_no=intent.number).trade_no)
    return intent


def _issues():
    return sorted(ReconciliationIssue.objects.values_list("kind", "status"))


def test_a_day_that_matches_reports_nothing(buyer, shop, home):
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    run = reconciliation.reconcile_day(gateway_code="sandbox", day=_today())
    assert (run.by_statement, run.checked, run.issues_found) == (True, 1, 0)


def test_an_unnotified_payment_is_reported_once_and_fixed_through_the_payment_service(buyer, shop, home, finance):
    # given a payment the gateway took that never reached us
    intent = _sandbox_paid_unnotified(buyer, shop)
    # when the day is reconciled (twice)
    reconciliation.reconcile_day(gateway_code="sandbox", day=_today())
    run = reconciliation.reconcile_day(gateway_code="sandbox", day=_today())
    # then it is one open issue, and fixing it applies the payment as the notification would have
    assert (run.issues_found, _issues()) == (1, [("unnotified", "open")])
    issue = ReconciliationIssue.objects.get()
    assert (issue.out_trade_no, issue.gateway_amount) == (intent.number, intent.amount)
    reconciliation.issue_fix(actor=finance, issue_id=issue.pk)
    assert _issues() == [("unnotified", "fixed")]
    assert Order.objects.get().status == "paid"
    assert Payment.objects.get().intent_id == intent.pk
    assert AuditEntry.objects.filter(action="payments.reconciliation_fixed").count() == 1
    # a repeat of the same decision changes nothing (CONVENTIONS §5); resolving it now is refused
    assert reconciliation.issue_fix(actor=finance, issue_id=issue.pk).status == "fixed"
    assert AuditEntry.objects.filter(action="payments.reconciliation_fixed").count() == 1
    with pytest.raises(IssueNotOpen):
        reconciliation.issue_resolve(actor=finance, issue_id=issue.pk, note="再关一次")


def test_a_different_amount_and_a_stranger_trade_need_a_person(buyer, shop, home, finance):
    intent = _sandbox_paid_unnotified(buyer, shop)
    SandboxTrade.objects.filter(out_trade_no=intent.number).update(amount_minor=intent.amount_minor + 1)
    SandboxTrade.objects.create(
        app_id="x",
        out_trade_no="999999999999999999",
        trade_no="SBX1",
        subject="?",
        amount_minor=500,
        currency="CNY",
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
        notify_url="http://x/",
        return_url="http://x/",
    )
    reconciliation.reconcile_day(gateway_code="sandbox", day=_today())
    assert _issues() == [("amount_mismatch", "open"), ("unknown_trade", "open")]
    mismatch = ReconciliationIssue.objects.get(kind="amount_mismatch")
    assert (mismatch.our_amount_minor, mismatch.gateway_amount_minor) == (intent.amount_minor, intent.amount_minor + 1)
    with pytest.raises(IssueNotOpen):
        reconciliation.issue_fix(actor=finance, issue_id=mismatch.pk)
    reconciliation.issue_resolve(actor=finance, issue_id=mismatch.pk, note="网关多收 0.01，已线下退回")
    assert ("amount_mismatch", "resolved") in _issues()
    assert not Payment.objects.exists()


def test_a_payment_of_ours_missing_from_the_statement_is_reported(buyer, shop, home):
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    SandboxTrade.objects.update(paid_at=timezone.now() - dt.timedelta(days=3))  # the gateway books it on another day
    reconciliation.reconcile_day(gateway_code="sandbox", day=_today())
    assert _issues() == [("missing_at_gateway", "open")]


def test_a_gateway_without_statements_is_reconciled_by_querying_our_trades(fakes, buyer, shop, home):
    # Alipay took the money (its books say so) and its notification was lost
    intent, _url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    fakes["alipay"].pay(intent.number, intent.amount_minor)
    run = reconciliation.reconcile_day(gateway_code="alipay", day=_today())
    assert (run.by_statement, run.checked, _issues()) == (False, 1, [("unnotified", "open")])
    assert payments.payment_sync(intent_id=intent.pk) == "applied"
    assert (
        reconciliation.reconcile_day(gateway_code="alipay", day=_today()).issues_found == 1
    )  # the issue stays on record


def test_only_finance_may_fix_and_over_http_others_change_nothing(api, buyer, shop, home, finance, support):
    _sandbox_paid_unnotified(buyer, shop)
    today = _today().isoformat()
    assert (
        api(
            "post", "/operator/reconciliation/runs", user=support, json={"gateway": "sandbox", "day": today}
        ).status_code
        == 403
    )
    ran = api("post", "/operator/reconciliation/runs", user=finance, json={"gateway": "sandbox", "day": today})
    assert (ran.status_code, ran.json()["issues_found"]) == (200, 1)
    issue = api("get", "/operator/reconciliation/issues", user=support).json()[0]
    assert issue["kind"] == "unnotified"
    assert api("post", f"/operator/reconciliation/issues/{issue['id']}/fix", user=support).status_code == 403
    assert api("post", f"/operator/reconciliation/issues/{issue['id']}/fix", user=buyer).status_code == 403
    assert not Payment.objects.exists()
    fixed = api("post", f"/operator/reconciliation/issues/{issue['id']}/fix", user=finance)
    assert (fixed.status_code, fixed.json()["status"]) == (200, "fixed")
    again = api(
        "post", f"/operator/reconciliation/issues/{issue['id']}/resolve", user=finance, json={"note": "再关一次"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "payments.issue_not_fixable")


def test_the_console_lists_issues_and_fixes_one_from_the_page(client, buyer, shop, home, finance, support):
    intent = _sandbox_paid_unnotified(buyer, shop)
    reconciliation.reconcile_day(gateway_code="sandbox", day=_today())
    issue = ReconciliationIssue.objects.get()
    client.force_login(support)
    page = client.get("/operator/reconciliation/").content.decode()
    assert "渠道已收款，平台未入账" in page
    assert intent.number in page
    assert 'value="fix"' not in page  # support reads, finance fixes
    assert client.post(f"/operator/reconciliation/{issue.pk}/", {"decision": "fix"}).status_code == 403
    client.force_login(finance)
    assert 'value="fix"' in client.get("/operator/reconciliation/").content.decode()
    client.post(f"/operator/reconciliation/{issue.pk}/", {"decision": "fix"})
    issue.refresh_from_db()
    assert issue.status == "fixed"
    assert Order.objects.get().status == "paid"
