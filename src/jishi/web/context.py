"""Template context shared by every page."""

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jishi.accounts.permissions import AUDIT_VIEW, KYC_REVIEW, OPERATOR, USER_MANAGE
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE, MERCHANT_AFTERSALES
from jishi.analytics.permissions import PLATFORM_FIGURES, SHOP_FIGURES
from jishi.cart.owner import owner_of
from jishi.cart.selectors import cart_count
from jishi.catalog.permissions import PRODUCT_MANAGE, PRODUCT_REVIEW
from jishi.catalog.selectors import category_roots
from jishi.core.permissions import Permission
from jishi.ledger.permissions import FINANCE_OWN, FINANCE_VIEW
from jishi.merchants.permissions import APPLICATION_REVIEW, MERCHANT_ADMINISTER, MERCHANT_TEAM
from jishi.notifications.selectors import unread_count
from jishi.orders.permissions import ORDER_FULFIL, ORDER_OVERSEE


@dataclass(frozen=True)
class Section:
    label: Promise
    url_name: str
    permission: Permission
    prefix: str  # the section is active on every page whose URL name starts with this


CONSOLE = (
    Section(_("Overview"), "operator_home", OPERATOR, "operator_home"),
    Section(_("Dashboard"), "console_dashboard", PLATFORM_FIGURES, "console_dashboard"),
    Section(_("Applications"), "console_applications", APPLICATION_REVIEW, "console_application"),
    Section(_("Real-name reviews"), "operator_kyc", KYC_REVIEW, "operator_kyc"),
    Section(_("Product reviews"), "operator_products", PRODUCT_REVIEW, "operator_product"),
    Section(_("Merchants"), "console_merchants", MERCHANT_ADMINISTER | FINANCE_VIEW, "console_merchant"),
    Section(_("Withdrawals"), "console_payouts", FINANCE_VIEW, "console_payout"),
    Section(_("Commission"), "console_commission", FINANCE_VIEW, "console_commission"),
    Section(_("Reconciliation"), "console_reconciliation", FINANCE_VIEW, "console_reconciliation"),
    Section(_("Orders"), "console_orders", ORDER_OVERSEE, "console_order"),
    Section(_("Arbitration"), "arbitrations", AFTERSALES_ARBITRATE, "arbitration"),
    Section(_("Users"), "console_users", USER_MANAGE, "console_user"),
    Section(_("Audit log"), "console_audit", AUDIT_VIEW, "console_audit"),
)
MERCHANT_CENTRE = (
    Section(_("Dashboard"), "merchant_dashboard", SHOP_FIGURES, "merchant_dashboard"),
    Section(_("Orders"), "merchant_orders", ORDER_FULFIL, "merchant_order"),
    Section(_("After-sales"), "merchant_aftersales", MERCHANT_AFTERSALES, "merchant_aftersales"),
    Section(_("Products"), "merchant_products", PRODUCT_MANAGE, "merchant_product"),
    Section(_("Finance"), "merchant_finance", FINANCE_OWN, "merchant_finance"),
    Section(_("Team"), "merchant_team", MERCHANT_TEAM, "merchant_team"),
    Section(_("Qualifications"), "merchant_qualifications", MERCHANT_TEAM, "merchant_qualification"),
)


def sections(all_sections: tuple[Section, ...], request: HttpRequest) -> list[dict[str, Any]]:
    """The sections the signed-in user may open, each marked active or not."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else ""
    return [
        {"label": s.label, "url": reverse(f"web:{s.url_name}"), "active": bool(name and name.startswith(s.prefix))}
        for s in all_sections
        if s.permission.allows(user)
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "nav_roots": category_roots,  # a callable: queried only by pages that show the category bar
        "cart_count": partial(cart_count, owner_of(request)),  # no query for a guest without a cart
        "unread_count": partial(unread_count, user),  # no query for a guest
        "console_sections": partial(sections, CONSOLE, request),
        "merchant_sections": partial(sections, MERCHANT_CENTRE, request),
    }
