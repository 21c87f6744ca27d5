"""HTTP API of reviews: a product's reviews and figures, the buyer's, the shop's replies, and moderation."""

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import (
    DataOut,
    Id,
    IsoDateTime,
    PageNumber,
    Router,
    StrictIn,
    errors,
    public_read,
)
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.merchants.selectors import merchant_public_get
from jishi.reviews import selectors, services
from jishi.reviews.errors import ReviewInvalid, ReviewNotFound, TooManyPhotos
from jishi.reviews.models import MAX_PHOTOS, Review
from jishi.reviews.permissions import REVIEW_MODERATE, REVIEW_REPLY

router = Router(tags=["reviews"])
buyer_router = Router(tags=["reviews"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)

Photos = File[list[UploadedFile]]


class ReviewPhotoOut(DataOut):
    url: str
    thumbnail_url: str
    follow_up: bool


class ReviewOut(DataOut):
    id: int
    product_id: int
    name: str = Field(description="The buyer, masked (王**), or 匿名用户")
    sku_label: str
    stars: int
    text: str
    photos: list[ReviewPhotoOut]
    created_at: IsoDateTime
    follow_up_text: str
    follow_up_at: IsoDateTime | None
    reply_text: str = Field(description="The shop's reply (商家回复)")
    replied_at: IsoDateTime | None


class ReviewMineOut(ReviewOut):
    status: str = Field(description="published, held (waiting for the platform) or removed")
    moderation_note: str
    order_line_id: int


class ReviewShopOut(ReviewOut):
    order_number: str


class ReviewQueuedOut(ReviewMineOut):
    merchant_id: int
    reported_at: IsoDateTime | None
    reports: list[str] = Field(description="The reasons given by those who reported it")


class ReviewRatingOut(DataOut):
    count: int
    average: str | None = Field(description="One decimal, e.g. 4.8")
    good_percent: int | None = Field(description="好评率: per cent of 4 and 5 stars")
    stars: dict[str, int] = Field(description="How many reviews gave each number of stars, '1' … '5'")
    shares: dict[str, int] = Field(description="Each number of stars' whole per cent of the reviews, summing to 100")
    with_photos: int = Field(description="How many reviews show photos (晒图)")


class ReviewProductPageOut(DataOut):
    rating: ReviewRatingOut
    reviews: list[ReviewOut]


class ReviewPendingLineOut(DataOut):
    order_line_id: int
    order_number: str
    product_id: int
    title: str
    sku_label: str
    image: str


class ReviewCreateIn(Schema):
    order_line_id: Annotated[int, Field(ge=1, le=2**53)]
    stars: Annotated[int, Field(ge=1, le=5)]
    text: Annotated[str, Field(max_length=500)] = ""
    anonymous: bool = False


class ReviewReplyIn(StrictIn):
    text: Annotated[str, Field(min_length=1, max_length=300)]


class ReviewReportIn(StrictIn):
    reason: Literal["abuse", "advertising", "irrelevant", "privacy", "fake"]
    note: Annotated[str, Field(max_length=200)] = ""


class ReviewModerateIn(StrictIn):
    decision: Literal["approve", "remove"]
    reason: Annotated[str, Field(max_length=200, description="Required to remove: the buyer reads it")] = ""


class ReviewTermIn(StrictIn):
    term: Annotated[str, Field(min_length=1, max_length=30)]


class ReviewTermOut(DataOut):
    id: int
    term: str


def _photos(review: Review) -> list[ReviewPhotoOut]:
    return [
        ReviewPhotoOut(url=photo.image.url, thumbnail_url=photo.thumbnail.url, follow_up=photo.follow_up)
        for photo in review.photos.all()
    ]


def _fields(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "product_id": review.product_id,
        "name": selectors.shown_name(review),
        "sku_label": review.sku_label,
        "stars": review.stars,
        "text": review.text,
        "photos": _photos(review),
        "created_at": review.created_at,
        "follow_up_text": review.follow_up_text,
        "follow_up_at": review.follow_up_at,
        "reply_text": review.reply_text,
        "replied_at": review.replied_at,
    }


def my_review_out(review: Review) -> ReviewMineOut:
    return ReviewMineOut(
        **_fields(review),
        status=review.status,
        moderation_note=review.moderation_note,
        order_line_id=review.order_line_id,
    )


def _uploads(files: list[UploadedFile]) -> list[bytes]:
    if len(files) > MAX_PHOTOS:
        raise TooManyPhotos(field="photos")
    return [read_upload(upload) for upload in files]


def _rating_out(product_id: int) -> ReviewRatingOut:
    figures = selectors.rating(product_id)
    return ReviewRatingOut(
        count=figures.count,
        average=str(figures.average) if figures.average is not None else None,
        good_percent=figures.good_percent,
        stars={str(n): count for n, count in figures.stars.items()},
        shares={str(n): share for n, share in figures.shares.items()},
        with_photos=figures.with_photos,
    )


@router.get("/products/{product_id}/reviews", response={200: ReviewProductPageOut, **errors(404)})
@requires(PUBLIC)
def product_reviews(
    request: HttpRequest, product_id: Id, page: PageNumber = 1, photos_only: bool = False
) -> ReviewProductPageOut:
    """A product's figures (average, count, each star's count and share, 好评率) and its published reviews,
    those with photos first, then the newest (20 a page)."""
    reviews = paginate(selectors.product_reviews(product_id, photos_only=photos_only), page=page, page_size=20)
    return ReviewProductPageOut(
        rating=_rating_out(product_id), reviews=[ReviewOut(**_fields(review)) for review in reviews.items]
    )


@router.get("/products/{product_id}/reviews/summary", response={200: ReviewRatingOut, **errors(404)})
@requires(PUBLIC)
def product_review_summary(request: HttpRequest, product_id: Id) -> ReviewRatingOut:
    """A product's figures alone, counted from its published reviews in one query."""
    return _rating_out(product_id)


@buyer_router.get("/me/reviews/pending", response={200: list[ReviewPendingLineOut], **errors(401)})
@requires(AUTHENTICATED)
def my_lines_to_review(request: HttpRequest, page: PageNumber = 1) -> list[ReviewPendingLineOut]:
    """待评价: the items the buyer received and has not reviewed (50 a page)."""
    lines = paginate(selectors.lines_waiting(actor_of(request)), page=page, page_size=50).items
    return [
        ReviewPendingLineOut(
            order_line_id=line.pk,
            order_number=line.order.number,
            product_id=line.product_id,
            title=line.title,
            sku_label=line.sku_label,
            image=line.image,
        )
        for line in lines
    ]


@buyer_router.get("/me/reviews", response={200: list[ReviewMineOut], **errors(401)})
@requires(AUTHENTICATED)
def my_reviews(request: HttpRequest, page: PageNumber = 1) -> list[ReviewMineOut]:
    """The buyer's reviews, with their status (a removed one says why), newest first."""
    reviews = paginate(selectors.reviews_of_buyer(actor_of(request)), page=page, page_size=20).items
    return [my_review_out(review) for review in reviews]


@buyer_router.post("/reviews", response={201: ReviewMineOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def review_create(
    request: HttpRequest,
    review: Form[ReviewCreateIn],
    photos: Photos = [],  # noqa: B006 - ninja reads the default, never changes it
) -> Status:
    """Review an item of a received order (multipart, up to 9 photos re-encoded like product images), once.
    404 ``reviews.line_not_found`` (also another buyer's item); 409 ``reviews.not_reviewable`` (not received,
    or refunded in full) or ``reviews.already_reviewed``; 422 ``reviews.too_many_photos``. A review with photos
    earns points once published; one using a blocked word waits for the platform (status ``held``)."""
    actor = actor_of(request)
    created = services.review_create(
        actor=actor,
        order_line_id=review.order_line_id,
        data=services.ReviewInput(
            stars=review.stars, text=review.text, anonymous=review.anonymous, photos=_uploads(photos)
        ),
    )
    found = selectors.review_of_buyer(actor, created.pk)
    assert found is not None
    return Status(201, my_review_out(found))


@buyer_router.post("/reviews/{review_id}/follow-up", response={200: ReviewMineOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def review_follow_up(
    request: HttpRequest,
    review_id: Id,
    text: Form[Annotated[str, Field(min_length=1, max_length=500)]],
    photos: Photos = [],  # noqa: B006 - ninja reads the default, never changes it
) -> ReviewMineOut:
    """追评: one follow-up to one's review within 180 days (multipart, up to 9 photos)."""
    actor = actor_of(request)
    services.review_follow_up(actor=actor, review_id=review_id, text=text, photos=_uploads(photos))
    found = selectors.review_of_buyer(actor, review_id)
    if found is None:
        raise ReviewNotFound(field="review_id")
    return my_review_out(found)


@buyer_router.post("/reviews/{review_id}/report", response={204: None, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def review_report(request: HttpRequest, review_id: Id, payload: ReviewReportIn) -> Status:
    """Report a review to the platform, once; it stays up until an operator decides."""
    services.review_report(actor=actor_of(request), review_id=review_id, reason=payload.reason, note=payload.note)
    return Status(204, None)


@merchant_router.get("/merchant/reviews", response={200: list[ReviewShopOut], **errors(401, 403)})
@requires(REVIEW_REPLY)
def shop_reviews(request: HttpRequest, unanswered: bool = False, page: PageNumber = 1) -> list[ReviewShopOut]:
    """The reviews of the shop's goods (``unanswered``: those without a reply), newest first."""
    reviews = selectors.reviews_of_shop(actor_of(request), unanswered=unanswered).select_related("order")
    return [
        ReviewShopOut(**_fields(review), order_number=review.order.number)
        for review in paginate(reviews, page=page, page_size=20).items
    ]


@merchant_router.post("/merchant/reviews/{review_id}/reply", response={200: ReviewOut, **errors(401, 403, 404, 409)})
@requires(REVIEW_REPLY)
def shop_review_reply(request: HttpRequest, review_id: Id, payload: ReviewReplyIn) -> ReviewOut:
    """Answer a review, once (409 ``reviews.already_replied``); the reply cannot be changed afterwards."""
    review = services.review_reply(actor=actor_of(request), review_id=review_id, text=payload.text)
    return ReviewOut(**_fields(review))


@operator_router.get("/reviews/queue", response={200: list[ReviewQueuedOut], **errors(401, 403)})
@requires(REVIEW_MODERATE)
def moderation_queue(request: HttpRequest, page: PageNumber = 1) -> list[ReviewQueuedOut]:
    """Reviews held for a blocked word and reported ones, oldest first."""
    reviews = paginate(selectors.moderation_queue(actor_of(request)), page=page, page_size=50).items
    return [
        ReviewQueuedOut(
            **_fields(review),
            status=review.status,
            moderation_note=review.moderation_note,
            order_line_id=review.order_line_id,
            merchant_id=review.merchant_id,
            reported_at=review.reported_at,
            reports=[report.reason for report in review.reports.all()],
        )
        for review in reviews
    ]


@operator_router.post("/reviews/{review_id}/moderate", response={200: ReviewMineOut, **errors(401, 403, 404, 409)})
@requires(REVIEW_MODERATE)
def moderate(request: HttpRequest, review_id: Id, payload: ReviewModerateIn) -> ReviewMineOut:
    """Keep a queued review up (approve) or take it down (remove, with the reason the buyer reads). Audited."""
    try:
        review = services.review_moderate(
            actor=actor_of(request), review_id=review_id, remove=payload.decision == "remove", note=payload.reason
        )
    except ReviewInvalid as error:  # the service's ``note`` is this body's ``reason``
        raise ReviewInvalid(error.message, code=error.code, field="reason") from error
    return my_review_out(review)


@operator_router.get("/review-terms", response={200: list[ReviewTermOut], **errors(401, 403)})
@requires(REVIEW_MODERATE)
def review_terms(request: HttpRequest) -> list[ReviewTermOut]:
    """The words a review may not use."""
    return [ReviewTermOut(id=t.pk, term=t.term) for t in selectors.review_terms(actor_of(request))]


@operator_router.post("/review-terms", response={201: ReviewTermOut, **errors(401, 403)})
@requires(REVIEW_MODERATE)
def review_term_add(request: HttpRequest, payload: ReviewTermIn) -> Status:
    """Block a word in reviews from now on (audited)."""
    term = services.review_term_add(actor=actor_of(request), term=payload.term)
    return Status(201, ReviewTermOut(id=term.pk, term=term.term))


@operator_router.delete("/review-terms/{term_id}", response={204: None, **errors(401, 403)})
@requires(REVIEW_MODERATE)
def review_term_remove(request: HttpRequest, term_id: Id) -> Status:
    """Unblock a word (audited)."""
    services.review_term_remove(actor=actor_of(request), term_id=term_id)
    return Status(204, None)


# Shop ratings (店铺评分) ---------------------------------------------------------------------------------------


class ShopScoreOut(Schema):
    name: Literal["description", "service", "logistics"]
    label: str
    average: str | None = Field(description="The shop's 180-day average, one decimal; null before any rating")
    peers: str | None = Field(description="The average of the shops selling mostly under the same top-level category")
    versus_percent: str | None = Field(description="How far above (+) or below (-) its peers, in per cent")


class ShopScoresOut(Schema):
    count: int = Field(description="Ratings in the last 180 days")
    scores: list[ShopScoreOut]


class ShopRatingIn(StrictIn):
    description: Annotated[int, Field(ge=1, le=5, description="描述相符")]
    service: Annotated[int, Field(ge=1, le=5, description="服务态度")]
    logistics: Annotated[int, Field(ge=1, le=5, description="物流服务")]


class ShopRatingOut(Schema):
    order_number: str
    description: int
    service: int
    logistics: int
    created_at: IsoDateTime


@router.get("/merchants/{merchant_id}/scores", response={200: ShopScoresOut, **errors(404)})
@requires(PUBLIC)
def shop_scores(request: HttpRequest, response: HttpResponse, merchant_id: Id) -> ShopScoresOut:
    """A shop's three scores over the last 180 days, beside its peers'."""
    public_read(request, response)
    merchant_public_get(merchant_id)
    found = selectors.shop_scores(merchant_id)
    return ShopScoresOut(
        count=found.count,
        scores=[
            ShopScoreOut(
                name=s.name,  # type: ignore[arg-type]
                label=s.label,
                average=None if s.average is None else str(s.average),
                peers=None if s.peers is None else str(s.peers),
                versus_percent=None if s.versus is None else str(s.versus),
            )
            for s in found.scores
        ],
    )


@buyer_router.post("/orders/{number}/shop-rating", response={201: ShopRatingOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def shop_rate(request: HttpRequest, number: Annotated[str, Field(max_length=32)], payload: ShopRatingIn) -> Status:
    """Rate the shop of a completed order (within 90 days), once."""
    rating = services.shop_rate(
        actor=actor_of(request),
        order_number=number,
        description=payload.description,
        service=payload.service,
        logistics=payload.logistics,
    )
    return Status(
        201,
        ShopRatingOut(
            order_number=number,
            description=rating.description,
            service=rating.service,
            logistics=rating.logistics,
            created_at=rating.created_at,
        ),
    )
