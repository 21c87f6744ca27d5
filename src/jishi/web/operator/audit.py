"""The audit log as an operator reads it: actions, objects and changes in the reader's language.

Entries keep codes (``product.published``, ``{"status": "pending_review"}``,
``{"amount_minor": 1990}``) so that they never change once written; this
module turns them into words, money and links when they are shown.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jishi.accounts.states import KycStatus
from jishi.aftersales.models import AftersalesRequest
from jishi.aftersales.states import Status as AftersalesStatus
from jishi.catalog.models import Product
from jishi.catalog.states import ProductStatus
from jishi.core.models import AuditEntry
from jishi.core.money import CURRENCY, Money
from jishi.ledger.states import PayoutStatus
from jishi.merchants.models import Merchant, MerchantApplication
from jishi.merchants.states import ApplicationStatus, MerchantStatus
from jishi.orders.models import Order
from jishi.orders.states import OrderStatus
from jishi.payments.states import IssueStatus

# What an action's first part is about.
SUBJECTS: dict[str, Any] = {
    "accounts": _("Account"),
    "aftersales": _("After-sales"),
    "kyc": _("Real-name check"),
    "ledger": _("Finance"),
    "merchant": _("Shop"),
    "merchant_application": _("Shop application"),
    "orders": _("Order"),
    "payments": _("Payments"),
    "product": _("Product"),
    "shipping": _("Shipping fees"),
    "sku": _("SKU"),
}
# What was done, for actions that are not a move to a status.
VERBS: dict[str, Any] = {
    "category_requirement_add": _("qualification required for a category"),
    "category_requirement_remove": _("qualification no longer required"),
    "commission_rule": _("commission rule set"),
    "create": _("created"),
    "decided": _("ruled by the platform"),
    "flagged_for_refund": _("payment to give back"),
    "invite": _("staff invited"),
    "payout_account_set": _("bank account set"),
    "payout_request": _("withdrawal requested"),
    "qualification_add": _("qualification added"),
    "receiver_phone_shown": _("receiver's phone shown"),
    "refund_failed": _("refund failed"),
    "reinstate": _("reopened"),
    "return_address": _("return address set"),
    "shipped": _("shipped by the shop"),
    "staff_add": _("staff added"),
    "submit": _("submitted"),
    "suspend": _("suspended"),
    "template_set": _("template saved"),
    "update": _("changed"),
    "user_disabled": _("disabled"),
    "user_enabled": _("enabled"),
    "user_signed_out": _("signed out everywhere"),
}
# Actions named after the status an object moved to: "<prefix><status>".
_STATUS_ACTIONS: tuple[tuple[str, type[models.TextChoices]], ...] = (
    ("product.", ProductStatus),
    ("kyc.", KycStatus),
    ("merchant_application.", ApplicationStatus),
    ("ledger.payout_", PayoutStatus),
    ("payments.reconciliation_", IssueStatus),
    ("aftersales.shop_", AftersalesStatus),
)
# The statuses of each kind of object (the same word means different steps: a paid order waits to ship).
_STATUSES: dict[str, type[models.TextChoices]] = {
    "catalog.product": ProductStatus,
    "accounts.realnameverification": KycStatus,
    "merchants.merchantapplication": ApplicationStatus,
    "ledger.payout": PayoutStatus,
    "payments.reconciliationissue": IssueStatus,
    "merchants.merchant": MerchantStatus,
    "orders.order": OrderStatus,
    "aftersales.aftersalesrequest": AftersalesStatus,
}
FIELDS: dict[str, Any] = {
    "status": _("Status"),
    "amount_minor": _("Amount"),
    "price": _("Price"),
    "compare_at": _("Was"),
    "stock": _("Stock"),
    "free_above_minor": _("Free above"),
    "return_address": _("Return address"),
    "reason": _("Reason"),
    "title": _("Title"),
    "name": _("Name"),
    "role": _("Role"),
    "is_active": _("Active"),
    "for_buyer": _("For the buyer"),
    "without_return": _("Without a return"),
    "carrier": _("Carrier"),
    "tracking_number": _("Tracking number"),
    "shop_name": _("Shop name"),
    "kind": _("Kind"),
    "subject_type": _("Subject"),
    "account": _("Account"),
    "bank": _("Bank"),
    "reference": _("Reference"),
    "intent": _("Payment"),
    "intent_status": _("Payment status"),
    "order": _("Order"),
    "failure": _("Failure"),
    "contact": _("Contact"),
    "user": _("User"),
    "expires_on": _("Expires on"),
    "tokens_revoked": _("Sessions ended"),
    "basis": _("Charged by"),
    "rules": _("Rules"),
    "rate": _("Rate"),
}
_MONEY_FIELDS = {"price", "compare_at"}
# Targets: a label and, where the console has a page for it, the page.
TARGETS: dict[str, Any] = {
    "accounts.user": _("User"),
    "accounts.realnameverification": _("Real-name check"),
    "aftersales.aftersalesrequest": _("After-sales request"),
    "catalog.product": _("Product"),
    "catalog.sku": _("SKU"),
    "ledger.commissionrule": _("Commission rule"),
    "ledger.payout": _("Withdrawal"),
    "ledger.payoutaccount": _("Bank account"),
    "merchants.invitation": _("Invitation"),
    "merchants.merchant": _("Shop"),
    "merchants.merchantapplication": _("Shop application"),
    "merchants.qualification": _("Qualification"),
    "orders.order": _("Order"),
    "payments.payment": _("Payment"),
    "payments.paymentrefund": _("Refund"),
    "payments.reconciliationissue": _("Reconciliation issue"),
    "shipping.feetemplate": _("Shipping template"),
}


def action_label(action: str) -> str:
    """``product.published`` → "商品 · 已上架"; an unknown code is shown as it is."""
    for prefix, choices in _STATUS_ACTIONS:
        status = action.removeprefix(prefix)
        if action.startswith(prefix) and status in choices.values:
            by_shop = _(" (by the shop)") if prefix == "aftersales.shop_" else ""
            return f"{SUBJECTS[prefix.split('.')[0]]} · {choices(status).label}{by_shop}"
    subject, _dot, verb = action.partition(".")
    if subject in SUBJECTS and verb in VERBS:
        return f"{SUBJECTS[subject]} · {VERBS[verb]}"
    return action


def _value(key: str, value: Any, statuses: type[models.TextChoices] | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int) and (key.endswith("_minor") or key in _MONEY_FIELDS):
        return Money(value, CURRENCY).format()
    if key == "status" and statuses is not None and value in statuses.values:
        return str(statuses(value).label)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    entry: AuditEntry
    action: str
    target: str
    target_url: str
    changes: list[Change]


def _changes(before: dict[str, Any], after: dict[str, Any], target_type: str) -> list[Change]:
    statuses = _STATUSES.get(target_type)
    keys = [*before, *(key for key in after if key not in before)]
    return [
        Change(
            field=str(FIELDS.get(key, key)),
            before=_value(key, before.get(key), statuses) if key in before else "",
            after=_value(key, after.get(key), statuses),
        )
        for key in keys
        if key != "currency" and (key not in before or before.get(key) != after.get(key))
    ]


# Names of the objects on one page, one query per kind: (model, name of it, console page).
_NAMED: dict[str, tuple[type[models.Model], Callable[[Any], str], Callable[[Any], str]]] = {
    "catalog.product": (Product, lambda p: p.title, lambda p: reverse("operator:product", args=[p.pk])),
    "merchants.merchant": (Merchant, lambda m: m.name, lambda m: reverse("operator:merchant", args=[m.pk])),
    "merchants.merchantapplication": (
        MerchantApplication,
        lambda a: a.shop_name,
        lambda a: reverse("operator:application", args=[a.pk]),
    ),
    "orders.order": (Order, lambda o: o.number, lambda o: reverse("operator:order", args=[o.number])),
    "aftersales.aftersalesrequest": (
        AftersalesRequest,
        lambda r: r.number,
        lambda r: reverse("operator:arbitration", args=[r.number]),
    ),
}


def lines(entries: Iterable[AuditEntry]) -> list[Line]:
    """The entries as rows of the log, with the objects they concern named and linked."""
    entries = list(entries)
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for target_type, (model, name_of, url_of) in _NAMED.items():
        ids = {e.target_id for e in entries if e.target_type == target_type and e.target_id.isdecimal()}
        for obj in model._default_manager.filter(pk__in=ids) if ids else ():
            found[(target_type, str(obj.pk))] = (name_of(obj), url_of(obj))
    rows = []
    for entry in entries:
        kind = str(TARGETS.get(entry.target_type, entry.target_type))
        name, url = found.get((entry.target_type, entry.target_id), (f"#{entry.target_id}", ""))
        rows.append(
            Line(
                entry=entry,
                action=action_label(entry.action),
                target=f"{kind} {name}",
                target_url=url,
                changes=_changes(entry.before or {}, entry.after or {}, entry.target_type),
            )
        )
    return rows


def target_types() -> list[tuple[str, str]]:
    """The kinds of object the log can be filtered by, in the reader's language."""
    return sorted(((code, str(label)) for code, label in TARGETS.items()), key=lambda pair: pair[1])
