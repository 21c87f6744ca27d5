"""Who sees which figures."""

from jishi.accounts.permissions import OPERATOR
from jishi.merchants.permissions import MERCHANT_ORDERS
from jishi.promotions.permissions import PLATFORM_PROMOTIONS

# Every operator role sees the marketplace's figures.
PLATFORM_FIGURES = OPERATOR
# Staff who handle orders see their shop's figures; balances stay behind the finance capability.
SHOP_FIGURES = MERCHANT_ORDERS
# Member segments serve the platform's own coupons, which cost it money: administrators only, like those coupons.
MEMBER_SEGMENTS = PLATFORM_PROMOTIONS
