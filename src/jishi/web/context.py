"""Template context shared by every page."""

from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.accounts.permissions import AUDIT_VIEW, KYC_REVIEW, OPERATOR, ROLE_GRANT, USER_MANAGE
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE, MERCHANT_AFTERSALES
from jishi.analytics.permissions import MEMBER_SEGMENTS, PLATFORM_FIGURES, SHOP_FIGURES
from jishi.cart.owner import owner_of
from jishi.cart.selectors import cart_count
from jishi.catalog.permissions import CATALOG_MANAGE, PRODUCT_MANAGE, PRODUCT_REVIEW
from jishi.catalog.selectors import category_roots
from jishi.community.permissions import GROUP_BUY_SETTINGS, LEADER_REVIEW
from jishi.core.permissions import Permission
from jishi.groupbuy.permissions import SHOP_GROUPBUY
from jishi.ledger.permissions import FINANCE_OWN, FINANCE_VIEW
from jishi.loyalty.permissions import LOYALTY_SETTINGS
from jishi.merchants.permissions import APPLICATION_REVIEW, MERCHANT_ADMINISTER, MERCHANT_TEAM
from jishi.notifications.selectors import unread_count
from jishi.orders.permissions import ORDER_FULFIL, ORDER_OVERSEE
from jishi.policies.permissions import PLATFORM_SETTINGS
from jishi.promotions.permissions import PLATFORM_PROMOTIONS, SHOP_PROMOTIONS
from jishi.reviews.permissions import REVIEW_MODERATE, REVIEW_REPLY
from jishi.shipping.permissions import SHIPPING_MANAGE


@dataclass(frozen=True)
class Section:
    label: Promise
    url_name: str
    permission: Permission
    prefix: str  # the section is active on every page whose namespaced URL name starts with this


CONSOLE = (
    Section(_("Overview"), "operator:home", OPERATOR, "operator:home"),
    Section(_("Dashboard"), "operator:dashboard", PLATFORM_FIGURES, "operator:dashboard"),
    Section(_("Applications"), "operator:applications", APPLICATION_REVIEW, "operator:application"),
    Section(_("Real-name reviews"), "operator:kyc", KYC_REVIEW, "operator:kyc"),
    Section(_("Product reviews"), "operator:products", PRODUCT_REVIEW, "operator:product"),
    Section(pgettext_lazy("console", "Categories"), "operator:categories", CATALOG_MANAGE, "operator:categor"),
    Section(_("Merchants"), "operator:merchants", MERCHANT_ADMINISTER | FINANCE_VIEW, "operator:merchant"),
    Section(_("Withdrawals"), "operator:payouts", FINANCE_VIEW, "operator:payout"),
    Section(_("Commission"), "operator:commission", FINANCE_VIEW, "operator:commission"),
    Section(_("Reconciliation"), "operator:reconciliation", FINANCE_VIEW, "operator:reconciliation"),
    Section(_("Promotions"), "operator:promotions", PLATFORM_PROMOTIONS, "operator:promotion"),
    Section(_("Flash sales"), "operator:flash", PLATFORM_PROMOTIONS, "operator:flash"),
    Section(_("Group leaders"), "operator:leaders", LEADER_REVIEW, "operator:leader"),
    Section(_("Pickup points"), "operator:pickup_points", LEADER_REVIEW, "operator:pickup_point"),
    Section(_("Group-buy settings"), "operator:group_buy_settings", GROUP_BUY_SETTINGS, "operator:group_buy_settings"),
    Section(_("Points and tiers"), "operator:loyalty_settings", LOYALTY_SETTINGS, "operator:loyalty_settings"),
    Section(_("Member segments"), "operator:segments", MEMBER_SEGMENTS, "operator:segment"),
    Section(_("Review moderation"), "operator:reviews", REVIEW_MODERATE, "operator:review"),
    Section(_("Orders"), "operator:orders", ORDER_OVERSEE, "operator:order"),
    Section(_("Arbitration"), "operator:arbitrations", AFTERSALES_ARBITRATE, "operator:arbitration"),
    Section(_("Users"), "operator:users", USER_MANAGE, "operator:user"),
    Section(_("Operators"), "operator:operators", ROLE_GRANT, "operator:operator"),
    Section(_("Platform settings"), "operator:platform_settings", PLATFORM_SETTINGS, "operator:platform_settings"),
    Section(_("Audit log"), "operator:audit", AUDIT_VIEW, "operator:audit"),
)
MERCHANT_CENTRE = (
    Section(_("Dashboard"), "merchant:dashboard", SHOP_FIGURES, "merchant:dashboard"),
    Section(_("Orders"), "merchant:orders", ORDER_FULFIL, "merchant:order"),
    Section(_("Delivery fees"), "merchant:shipping", SHIPPING_MANAGE, "merchant:shipping"),
    Section(_("After-sales"), "merchant:aftersales", MERCHANT_AFTERSALES, "merchant:aftersales"),
    Section(_("Reviews"), "merchant:reviews", REVIEW_REPLY, "merchant:review"),
    Section(_("Products"), "merchant:products", PRODUCT_MANAGE, "merchant:product"),
    Section(_("Pets"), "merchant:pets", PRODUCT_MANAGE, "merchant:pet"),
    Section(_("Promotions"), "merchant:promotions", SHOP_PROMOTIONS, "merchant:promotions"),
    Section(_("Member prices"), "merchant:member_prices", SHOP_PROMOTIONS, "merchant:member_prices"),
    Section(_("Group buys"), "merchant:groupbuy", SHOP_GROUPBUY, "merchant:groupbuy"),
    # Staff who send batches but run no campaigns land on the batches; the page's tabs lead to the campaigns.
    Section(_("Community group buys"), "merchant:community_batches", ORDER_FULFIL, "merchant:community"),
    Section(_("Finance"), "merchant:finance", FINANCE_OWN, "merchant:finance"),
    Section(_("Team"), "merchant:team", MERCHANT_TEAM, "merchant:team"),
    Section(_("Qualifications"), "merchant:qualifications", MERCHANT_TEAM, "merchant:qualification"),
)


def sections(all_sections: tuple[Section, ...], request: HttpRequest) -> list[dict[str, Any]]:
    """The sections the signed-in user may open, each marked active or not."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else ""
    return [
        {"label": s.label, "url": reverse(s.url_name), "active": bool(name and name.startswith(s.prefix))}
        for s in all_sections
        if s.permission.allows(user)
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "nav_roots": category_roots,  # a callable: queried only by pages that show the category bar
        # asked for by the header and the tab bar: counted once per page, and never for a guest without a cart
        "cart_count": cache(partial(cart_count, owner_of(request))),
        "unread_count": partial(unread_count, user),  # no query for a guest
        "console_sections": partial(sections, CONSOLE, request),
        "merchant_sections": partial(sections, MERCHANT_CENTRE, request),
    }
