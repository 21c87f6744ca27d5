"""Template context shared by every page."""

from functools import partial
from typing import Any

from django.http import HttpRequest

from jishi.accounts.permissions import KYC_REVIEW
from jishi.cart.owner import owner_of
from jishi.cart.selectors import cart_count
from jishi.catalog.permissions import PRODUCT_MANAGE, PRODUCT_REVIEW
from jishi.catalog.selectors import category_roots


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "can_manage_products": PRODUCT_MANAGE.allows(user),
        "can_review_products": PRODUCT_REVIEW.allows(user),
        "can_review_kyc": KYC_REVIEW.allows(user),
        "nav_roots": category_roots,  # a callable: queried only by pages that show the category bar
        "cart_count": partial(cart_count, owner_of(request)),  # no query for a guest without a cart
    }
