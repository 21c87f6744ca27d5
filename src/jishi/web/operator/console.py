"""Operator console: dashboard, merchant applications, merchants, payouts, commission, users, orders, audit log."""

import datetime as dt
import mimetypes
import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts import selectors as accounts_selectors
from jishi.accounts import services as accounts
from jishi.accounts.auth import actor_of
from jishi.accounts.permissions import AUDIT_VIEW, USER_MANAGE
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE
from jishi.analytics import selectors as analytics
from jishi.analytics.permissions import MEMBER_SEGMENTS, PLATFORM_FIGURES
from jishi.catalog.selectors import category_get
from jishi.core.errors import DomainError
from jishi.core.pagination import paginate
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger import services as ledger
from jishi.ledger.permissions import FINANCE_OPERATE, FINANCE_VIEW
from jishi.ledger.states import PayoutStatus
from jishi.merchants import selectors as merchant_selectors
from jishi.merchants import services as merchants
from jishi.merchants.permissions import APPLICATION_REVIEW, COMMISSION_MANAGE, MERCHANT_ADMINISTER
from jishi.merchants.states import ApplicationStatus, MerchantStatus
from jishi.orders import selectors as order_selectors
from jishi.orders.permissions import ORDER_OVERSEE
from jishi.orders.states import OrderStatus
from jishi.payments import reconciliation as reconciliation_services
from jishi.payments import selectors as payment_selectors
from jishi.payments.models import IssueKind
from jishi.payments.states import IssueStatus
from jishi.web.figures import dashboard_context, ledger_download, orders_download
from jishi.web.forms import AuditFilterForm, CommissionRuleForm, ReasonForm
from jishi.web.operator import audit as audit_view
from jishi.web.operator import community as community_pages
from jishi.web.pages import back, decide, page, page_number


@page(PLATFORM_FIGURES)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = dashboard_context(request, lambda start, end: analytics.platform_figures(actor, start, end))
    context["can_export_orders"] = ORDER_OVERSEE.allows(actor)
    context["can_export_ledger"] = FINANCE_OPERATE.allows(actor)
    context["group_buying"] = community_pages.group_buying_figures(actor)  # the last 30 days, whatever the range
    if MEMBER_SEGMENTS.allows(actor):
        context["segments"] = analytics.segment_counts(actor)
    return render(request, "operator/dashboard.html", context)


@page(ORDER_OVERSEE)
def export_orders(request: HttpRequest, fmt: str) -> HttpResponse:
    return orders_download(request, order_selectors.orders_for_operator(actor_of(request)), fmt)


@page(FINANCE_OPERATE)
def export_ledger(request: HttpRequest, fmt: str) -> HttpResponse:
    return ledger_download(request, ledger_selectors.lines_for_operator(actor_of(request)), fmt)


# Merchant applications ---------------------------------------------------------------------------


@page(APPLICATION_REVIEW)
def applications(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ApplicationStatus.PENDING)
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.PENDING
    queue = merchant_selectors.application_queue(actor_of(request), status=status).prefetch_related("qualifications")
    context = {"page": paginate(queue, page=page_number(request), page_size=20), "status": status}
    return render(request, "operator/applications.html", {**context, "statuses": ApplicationStatus.choices})


@page(APPLICATION_REVIEW)
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = merchant_selectors.application_get_for_review(actor_of(request), application_id)
    return render(request, "operator/application.html", {"application": application})


@page(APPLICATION_REVIEW)
def application_document(request: HttpRequest, application_id: int, document: str) -> HttpResponse:
    """A licence or permit scan, only for reviewers: these files never sit behind a public URL in the console."""
    application = merchant_selectors.application_get_for_review(actor_of(request), application_id)
    if document == "licence":
        file = application.licence_image or None
    else:
        qualification = application.qualifications.filter(pk=int(document) if document.isdecimal() else 0).first()
        file = (qualification.image or None) if qualification else None
    if file is None:
        raise Http404
    with file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=mimetypes.guess_type(file.name or "")[0] or "image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@page(APPLICATION_REVIEW)
def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = actor_of(request)
    decided = decide(
        request,
        approve=lambda: merchants.application_approve(actor=actor, application_id=application_id),
        reject=lambda reason: merchants.application_reject(actor=actor, application_id=application_id, reason=reason),
        messages_=(_("Application approved: the shop is open."), _("Application rejected.")),
    )
    if not decided:
        return redirect("operator:application", application_id=application_id)
    return redirect("operator:applications")


# Merchants -------------------------------------------------------------------------------------


@page(MERCHANT_ADMINISTER | FINANCE_VIEW)
def merchant_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:60]
    status = request.GET.get("status", "")
    merchants_ = merchant_selectors.merchants_for_operator(
        actor_of(request), query=query, status=status if status in MerchantStatus.values else ""
    )
    context = {"page": paginate(merchants_, page=page_number(request), page_size=30), "q": query, "status": status}
    return render(request, "operator/merchants.html", {**context, "statuses": MerchantStatus.choices})


@page(MERCHANT_ADMINISTER | FINANCE_VIEW)
def merchant_detail(request: HttpRequest, merchant_id: int) -> HttpResponse:
    actor = actor_of(request)
    merchant = merchant_selectors.merchant_get_for_operator(actor, merchant_id)
    context = {
        "merchant": merchant,
        "owner": merchant_selectors.merchant_owner(merchant),
        "can_administer": MERCHANT_ADMINISTER.allows(actor),
        "can_set_commission": COMMISSION_MANAGE.allows(actor),
        "balances": ledger_selectors.balances_of(merchant.pk) if FINANCE_VIEW.allows(actor) else None,
        "rules": ledger_selectors.commission_rules(actor, merchant_id=merchant.pk)
        if FINANCE_VIEW.allows(actor)
        else [],
        "qualifications": merchant.qualifications.all(),
        "rule_form": CommissionRuleForm(initial={"merchant": merchant.pk, "starts_on": timezone.localdate()}),
    }
    return render(request, "operator/merchant.html", context)


@require_POST
@page(MERCHANT_ADMINISTER)
def merchant_status(request: HttpRequest, merchant_id: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    status = request.POST.get("status", "")
    if not form.is_valid():
        messages.error(request, _("Give the reason; the merchant's owner is told it."))
    else:
        merchants.merchant_set_status(
            actor=actor_of(request), merchant_id=merchant_id, status=status, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Merchant reinstated.") if status == "active" else _("Merchant suspended."))
    return redirect("operator:merchant", merchant_id=merchant_id)


# Commission ------------------------------------------------------------------------------------


def _commission_page(request: HttpRequest, form: CommissionRuleForm) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "form": form,
        "page": paginate(ledger_selectors.commission_rules(actor), page=page_number(request), page_size=30),
        "can_set_commission": COMMISSION_MANAGE.allows(actor),
    }
    return render(request, "operator/commission.html", context)


@page(FINANCE_VIEW)
def commission(request: HttpRequest) -> HttpResponse:
    return _commission_page(request, CommissionRuleForm(initial={"starts_on": timezone.localdate()}))


@require_POST
@page(COMMISSION_MANAGE)
def commission_add(request: HttpRequest) -> HttpResponse:
    """Add a rule from the commission page or a merchant's page; errors come back on the commission page's form."""
    actor = actor_of(request)
    form = CommissionRuleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            merchant = (
                merchant_selectors.merchant_get_for_operator(actor, data["merchant"]) if data["merchant"] else None
            )
            ledger.commission_rule_set(
                actor=actor,
                rate=data["rate"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                merchant=merchant,
                category=category_get(data["category"]) if data["category"] else None,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Commission rule added."))
            return back(request, reverse("operator:commission"))
    return _commission_page(request, form)


# Payouts ---------------------------------------------------------------------------------------


@page(FINANCE_VIEW)
def payouts(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = request.GET.get("status", PayoutStatus.REQUESTED)
    if status not in PayoutStatus.values:
        status = PayoutStatus.REQUESTED
    queue = ledger_selectors.payouts_for_operator(actor, status=status)
    if status == PayoutStatus.REQUESTED:
        queue = queue.order_by("requested_at", "id")  # oldest first: first come, first paid
    context = {
        "page": paginate(queue, page=page_number(request), page_size=30),
        "status": status,
        "statuses": PayoutStatus.choices,
        "can_decide": FINANCE_OPERATE.allows(actor),
    }
    return render(request, "operator/payouts.html", context)


@require_POST
@page(FINANCE_OPERATE)
def payout_decide(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_of(request)
    decide(
        request,
        approve=lambda: ledger.payout_approve(actor=actor, number=number),
        reject=lambda reason: ledger.payout_reject(actor=actor, number=number, reason=reason),
        messages_=(_("Withdrawal approved; the payment is on its way."), _("Withdrawal rejected; the money is back.")),
    )
    return redirect("operator:payouts")


# Users -----------------------------------------------------------------------------------------


# Searches kept in the operator's session, so that a mobile number never sits in a URL (or an access log).
USER_SEARCHES = "console_user_searches"


@page(USER_MANAGE)
def users(request: HttpRequest) -> HttpResponse:
    """Users by mobile number, e-mail or id: the form posts the query, the page names it by a session token."""
    status = request.GET.get("status", "") if request.method == "GET" else request.POST.get("status", "")
    searches: dict[str, str] = request.session.get(USER_SEARCHES, {})
    if request.method == "POST":
        token = secrets.token_urlsafe(9)
        request.session[USER_SEARCHES] = dict([*list(searches.items())[-9:], (token, request.POST.get("q", "")[:254])])
        return redirect(f"{reverse('operator:users')}?{urlencode({'search': token, 'status': status})}")
    query = searches.get(request.GET.get("search", ""), "")
    found = accounts_selectors.users_for_operator(actor_of(request), query=query, status=status)
    context = {"page": paginate(found, page=page_number(request), page_size=30), "q": query, "status": status}
    return render(request, "operator/users.html", context)


@page(USER_MANAGE)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = actor_of(request)
    user = accounts_selectors.user_get_for_operator(actor, user_id)
    context = {
        "subject": user,
        "kyc": accounts_selectors.kyc_current_for(user),
        "orders": order_selectors.orders_for_operator(actor).filter(buyer=user)[:10]
        if ORDER_OVERSEE.allows(actor)
        else [],
        "history": accounts_selectors.audit_log(actor, target_type="accounts.user", target_id=str(user.pk))[:20]
        if AUDIT_VIEW.allows(actor)
        else [],
    }
    return render(request, "operator/user.html", context)


@require_POST
@page(USER_MANAGE)
def user_action(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = actor_of(request)
    action = request.POST.get("action", "")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason; it goes into the audit log."))
    elif action == "sign_out":
        revoked = accounts.user_sign_out_everywhere(actor=actor, user_id=user_id, reason=form.cleaned_data["reason"])
        messages.success(request, _("Signed out everywhere; %(n)d API tokens revoked.") % {"n": revoked})
    elif action in {"disable", "enable"}:
        accounts.user_set_active(
            actor=actor, user_id=user_id, active=action == "enable", reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Account enabled.") if action == "enable" else _("Account disabled."))
    return redirect("operator:user", user_id=user_id)


# Orders ----------------------------------------------------------------------------------------


@page(ORDER_OVERSEE)
def orders(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:254]
    status = request.GET.get("status", "")
    found = order_selectors.orders_for_operator(
        actor_of(request), query=query, status=status if status in OrderStatus.values else ""
    )
    context = {
        "page": paginate(found, page=page_number(request), page_size=30),
        "q": query,
        "order_status": status,
        "order_statuses": OrderStatus.choices,
    }
    return render(request, "operator/orders.html", context)


@page(ORDER_OVERSEE)
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_of(request)
    order = order_selectors.order_get_for_operator(actor, number)
    context = {
        "order": order,
        "phone": order.masked_receiver_phone,
        "can_see_user": USER_MANAGE.allows(actor),
        "money": payment_selectors.order_money(order),
        "aftersales_url": "operator:arbitration" if AFTERSALES_ARBITRATE.allows(actor) else "",
    }
    return render(request, "operator/order.html", context)


# Audit log -------------------------------------------------------------------------------------


@page(AUDIT_VIEW)
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    zone = timezone.get_current_timezone()

    def moment(day: dt.date | None, days: int = 0) -> dt.datetime | None:
        return dt.datetime.combine(day + dt.timedelta(days=days), dt.time.min, tzinfo=zone) if day else None

    actor_id = filters.get("actor_id")
    if filters.get("actor"):
        found = accounts_selectors.user_find_by_identifier_or_none(filters["actor"])
        actor_id = found.pk if found is not None else 0  # nobody by that name: no entries
    entries = accounts_selectors.audit_log(
        actor_of(request),
        action=filters.get("action") or "",
        target_type=filters.get("target_type") or "",
        target_id=filters.get("target_id") or "",
        actor_id=actor_id,
        since=moment(filters.get("since")),
        until=moment(filters.get("until"), 1),
    )
    result = paginate(entries, page=page_number(request), page_size=50)
    context = {
        "form": form,
        "page": result,
        "lines": audit_view.lines(result.items),
        "actions": [(code, audit_view.action_label(code)) for code in accounts_selectors.audit_actions()],
        "target_types": audit_view.target_types(),
    }
    return render(request, "operator/audit.html", context)


@page(FINANCE_VIEW)
def reconciliation(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = request.GET.get("status", IssueStatus.OPEN)
    status = status if status in IssueStatus.values else IssueStatus.OPEN
    context = {
        "page": paginate(
            payment_selectors.reconciliation_issues(actor, status=status), page=page_number(request), page_size=30
        ),
        "runs": payment_selectors.reconciliation_runs(actor),
        "unapplied": payment_selectors.unapplied_payments(actor)[:50],
        "status": status,
        "statuses": IssueStatus.choices,
        "can_fix": FINANCE_OPERATE.allows(actor),
        "fixable": {IssueKind.UNNOTIFIED, IssueKind.REFUND_UNCONFIRMED},
    }
    return render(request, "operator/reconciliation.html", context)


@require_POST
@page(FINANCE_OPERATE)
def reconciliation_issue(request: HttpRequest, issue_id: int) -> HttpResponse:
    actor = actor_of(request)
    if request.POST.get("decision") == "fix":
        reconciliation_services.issue_fix(actor=actor, issue_id=issue_id)
        messages.success(request, _("Fixed through the payment services."))
    else:
        reconciliation_services.issue_resolve(actor=actor, issue_id=issue_id, note=request.POST.get("note", ""))
        messages.success(request, _("Marked as resolved."))
    return redirect("operator:reconciliation")
