"""The shop page (店铺首页): who the shop is, its followers and the follow button, its three scores over 180 days
beside its peers', the coupons anyone may claim, and its goods, best sellers first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jishi.core.permissions import PUBLIC
from jishi.favourites import selectors as favourites
from jishi.merchants import selectors as merchants
from jishi.promotions import selectors as promotions
from jishi.reviews import selectors as reviews
from jishi.search.selectors import SearchParams
from jishi.search.services import product_search
from jishi.web.forms import SORT_CHOICES
from jishi.web.pages import page, page_number
from jishi.web.visits import counted

SHOP_PAGE_SIZE = 20
SORTS = [(value, label) for value, label in SORT_CHOICES if value != "relevance"]


@page(PUBLIC)
def shop(request: HttpRequest, merchant_id: int) -> HttpResponse:
    merchant = merchants.merchant_public_get(merchant_id)
    sort = request.GET.get("sort", "sales")
    sort = sort if sort in dict(SORTS) else "sales"
    goods = product_search(
        SearchParams(merchant_id=merchant.pk, sort=sort, page=page_number(request), page_size=SHOP_PAGE_SIZE),
        with_facets=False,
    )
    context = {
        "merchant": merchant,
        "followers": favourites.follower_count(merchant.pk),
        "following": favourites.following(request.user, merchant.pk) if request.user.is_authenticated else False,
        "scores": reviews.shop_scores(merchant.pk),
        "coupons": list(promotions.claimable_templates(merchant_id=merchant.pk, now=timezone.now())[:6]),
        "result": goods,
        "sort": sort,
        "sorts": SORTS,
    }
    return counted(request, render(request, "storefront/shop.html", context), merchant_id=merchant.pk)
