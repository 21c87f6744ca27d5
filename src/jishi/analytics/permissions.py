"""Who sees which figures."""

from jishi.accounts.permissions import OPERATOR
from jishi.merchants.permissions import MERCHANT_ORDERS

# Every operator role sees the marketplace's figures.
PLATFORM_FIGURES = OPERATOR
# Staff who handle orders see their shop's figures; balances stay behind the finance capability.
SHOP_FIGURES = MERCHANT_ORDERS
