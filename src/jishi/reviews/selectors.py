"""Reading reviews: a product's (and its figures), a buyer's, a shop's, and the moderation queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.catalog.selectors import main_roots_of_merchants
from jishi.core.actors import Actor, user_of
from jishi.core.permissions import AUTHENTICATED, check
from jishi.merchants.selectors import merchant_for
from jishi.orders.selectors import lines_to_review
from jishi.reviews.models import Review, ReviewPhoto, ReviewStatus, ReviewTerm, ShopRating
from jishi.reviews.permissions import REVIEW_MODERATE, REVIEW_REPLY


@dataclass(frozen=True)
class Rating:
    """A product's figures, counted from its published reviews."""

    count: int
    average: Decimal | None  # one decimal, half up; None without reviews
    stars: dict[int, int]  # how many gave each number of stars
    with_photos: int

    @property
    def shares(self) -> dict[int, int]:
        """The whole per cent of reviews that gave each number of stars, summing to exactly 100 (0 each without
        reviews): each share rounded down, the points left over going to the largest remainders, ties to more
        stars."""
        if not self.count:
            return dict.fromkeys(self.stars, 0)
        floors = {n: 100 * given // self.count for n, given in self.stars.items()}
        by_remainder = sorted(self.stars, key=lambda n: (-(100 * self.stars[n] % self.count), -n))
        for n in by_remainder[: 100 - sum(floors.values())]:
            floors[n] += 1
        return floors

    def share(self, stars: int) -> int:
        """The whole per cent of reviews that gave ``stars`` (for the bars)."""
        return self.shares[stars]

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(stars, count, per cent) from 5 stars down, for the bars."""
        return [(n, self.stars[n], self.share(n)) for n in range(5, 0, -1)]

    @property
    def good_percent(self) -> int | None:
        """好评率: the per cent of reviews of 4 or 5 stars."""
        return round(100 * (self.stars[4] + self.stars[5]) / self.count) if self.count else None


def rating(product_id: int) -> Rating:
    """The product's average, count, count of each star and of reviews with photos: one query."""
    figures = Review.objects.filter(product_id=product_id, status=ReviewStatus.PUBLISHED).aggregate(
        count=Count("pk"),
        total=Sum("stars"),
        with_photos=Count("pk", filter=Q(has_photos=True)),
        **{f"s{n}": Count("pk", filter=Q(stars=n)) for n in range(1, 6)},
    )
    count = figures["count"]
    average = (Decimal(figures["total"]) / count).quantize(Decimal("0.1"), ROUND_HALF_UP) if count else None
    return Rating(
        count=count,
        average=average,
        stars={n: figures[f"s{n}"] for n in range(1, 6)},
        with_photos=figures["with_photos"],
    )


def _with_photos(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return reviews.select_related("buyer").prefetch_related(
        Prefetch("photos", queryset=ReviewPhoto.objects.order_by("follow_up", "position", "pk"))
    )


def product_reviews(product_id: int, *, photos_only: bool = False) -> QuerySet[Review]:
    """The product's published reviews: those with photos first, then the newest."""
    reviews = Review.objects.filter(product_id=product_id, status=ReviewStatus.PUBLISHED)
    if photos_only:
        reviews = reviews.filter(has_photos=True)
    return _with_photos(reviews.order_by("-has_photos", "-pk"))


def lines_waiting(actor: Actor) -> QuerySet[Any]:
    """The signed-in buyer's received lines not reviewed yet (待评价), newest first."""
    check(actor, AUTHENTICATED)
    buyer_id = user_of(actor).pk
    reviewed = Review.objects.filter(buyer_id=buyer_id).values("order_line_id")
    return lines_to_review(buyer_id).exclude(pk__in=reviewed)


def reviews_of_buyer(actor: Actor) -> QuerySet[Review]:
    """The signed-in buyer's reviews, whatever their status (a removed one shows why), newest first."""
    check(actor, AUTHENTICATED)
    return _with_photos(Review.objects.filter(buyer_id=user_of(actor).pk).select_related("product"))


def review_of_buyer(actor: Actor, review_id: int) -> Review | None:
    return reviews_of_buyer(actor).filter(pk=review_id).first()


def reviews_of_shop(actor: Actor, *, unanswered: bool = False) -> QuerySet[Review]:
    """The reviews of the actor's shop's goods that buyers can see (published), newest first."""
    check(actor, REVIEW_REPLY)
    reviews = Review.objects.filter(merchant_id=merchant_for(actor).pk, status=ReviewStatus.PUBLISHED)
    if unanswered:
        reviews = reviews.filter(replied_at__isnull=True)
    return _with_photos(reviews.select_related("product"))


def moderation_queue(actor: Actor) -> QuerySet[Review]:
    """Held reviews and reported ones, oldest first, with their reports."""
    check(actor, REVIEW_MODERATE)
    queued = Q(status=ReviewStatus.HELD) | Q(status=ReviewStatus.PUBLISHED, reported_at__isnull=False)
    return _with_photos(
        Review.objects.filter(queued).select_related("product", "merchant").prefetch_related("reports")
    ).order_by("pk")


def review_terms(actor: Actor) -> QuerySet[ReviewTerm]:
    check(actor, REVIEW_MODERATE)
    return ReviewTerm.objects.order_by("term")


def shown_name(review: Review) -> str:
    """How a review names its buyer: their nickname masked (王**), or 匿名用户."""
    if review.anonymous:
        return str(_("Anonymous"))
    name = review.buyer.display_name or review.buyer.masked_identifier
    return f"{name[:1]}**"


def lines_waiting_of_order(actor: Actor, order_id: int) -> list[Any]:
    """The lines of one of the signed-in buyer's orders still waiting for a review (one 评价 button each)."""
    return list(lines_waiting(actor).filter(order_id=order_id))


# Shop ratings (店铺评分) ---------------------------------------------------------------------------------------

SHOP_DAYS = 180
SHOP_SCORES_SECONDS = 600
SCORE_LABELS = {
    "description": _("Item as described"),
    "service": _("Seller service"),
    "logistics": pgettext_lazy("shop score", "Delivery"),
}
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Score:
    name: str
    average: Decimal | None  # the shop's, to one decimal; None before any rating
    peers: Decimal | None  # the shops of the same top-level category's

    @property
    def label(self) -> str:
        return str(SCORE_LABELS[self.name])

    @property
    def versus(self) -> Decimal | None:
        """How far above (+) or below (-) its peers the shop is, in per cent to one decimal."""
        if self.average is None or not self.peers:
            return None
        return ((self.average - self.peers) / self.peers * 100).quantize(TENTH, ROUND_HALF_UP)

    @property
    def versus_abs(self) -> Decimal | None:
        return None if self.versus is None else abs(self.versus)


@dataclass(frozen=True)
class ShopScores:
    count: int  # ratings in the last 180 days
    scores: list[Score]


def _averages(ratings: QuerySet[ShopRating]) -> tuple[int, dict[str, Decimal | None]]:
    found = ratings.aggregate(n=Count("pk"), **{name: Avg(name) for name in SCORE_LABELS})
    return found["n"], {
        name: None if found[name] is None else Decimal(str(found[name])).quantize(TENTH, ROUND_HALF_UP)
        for name in SCORE_LABELS
    }


def shop_scores(merchant_id: int, *, now: dt.datetime | None = None) -> ShopScores:
    """A shop's rolling 180-day averages of its three scores, beside those of the shops mostly selling under the
    same top-level category (its peers, itself included). Kept in the shared cache for ten minutes; three queries
    when it is not."""

    def read() -> ShopScores:
        since = (now or timezone.now()) - dt.timedelta(days=SHOP_DAYS)
        recent = ShopRating.objects.filter(created_at__gte=since)
        count, own = _averages(recent.filter(merchant_id=merchant_id))
        roots = main_roots_of_merchants()
        peer_ids = [m for m, root in roots.items() if root == roots.get(merchant_id)] or [merchant_id]
        _n, peers = _averages(recent.filter(merchant_id__in=peer_ids))
        return ShopScores(count=count, scores=[Score(name, own[name], peers[name]) for name in SCORE_LABELS])

    if now is not None:
        return read()
    return cast(ShopScores, cache.get_or_set(f"reviews:shop-scores:{merchant_id}", read, SHOP_SCORES_SECONDS))


def shop_rating_of_order(actor: Actor, order_id: int) -> ShopRating | None:
    """The signed-in buyer's rating of the shop of one of their orders, if they gave one."""
    check(actor, AUTHENTICATED)
    return ShopRating.objects.filter(order_id=order_id, buyer_id=user_of(actor).pk).first()
