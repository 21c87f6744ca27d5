"""Writing reviews, follow-ups and shop replies; reports and moderation.

A review is the buyer's: only the buyer of a received line writes it, once
(the one-to-one on the line decides a race), and nothing a shop can call
changes or hides it. Photos are re-encoded like product images before
anything is written. Text with a word the platform blocks, and reported
reviews, wait in the moderation queue; an operator approves or removes
them, audited. A review with photos earns its buyer points once published.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.images import InvalidImage, ProcessedImage, process_upload
from jishi.core.permissions import AUTHENTICATED, check
from jishi.core.transactions import after_commit
from jishi.loyalty.services import review_points_award
from jishi.merchants.selectors import merchant_for
from jishi.orders.selectors import REVIEWABLE, buyer_line, order_get_for_buyer
from jishi.orders.states import OrderStatus
from jishi.reviews.errors import (
    AlreadyRated,
    AlreadyReplied,
    AlreadyReported,
    AlreadyReviewed,
    FollowUpRefused,
    NotRatable,
    NotReviewable,
    OwnReview,
    ReplyBlocked,
    ReviewChanged,
    ReviewInvalid,
    ReviewLineNotFound,
    ReviewNotFound,
    TooManyPhotos,
)
from jishi.reviews.models import (
    FOLLOW_UP_DAYS,
    MAX_PHOTOS,
    ReportReason,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewStatus,
    ReviewTerm,
    ShopRating,
)
from jishi.reviews.permissions import REVIEW_MODERATE, REVIEW_REPLY


@dataclass(frozen=True)
class ReviewInput:
    stars: int
    text: str = ""
    anonymous: bool = False
    photos: Sequence[bytes] = ()


def _text(value: str, field: str, *, most: int = 500) -> str:
    text = " ".join(value.split())
    if len(text) > most:
        raise ReviewInvalid(_("Write at most %(most)s characters.") % {"most": most}, field=field)
    return text


def _photos(photos: Sequence[bytes], stem: str) -> list[ProcessedImage]:
    """Every photo re-encoded before anything is written (InvalidImage, naming ``photos``, for one that is not a
    JPEG, PNG or WebP photo within the size limit)."""
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(field="photos")
    try:
        return [process_upload(data, name_stem=f"{stem}-{uuid.uuid4().hex[:10]}") for data in photos]
    except InvalidImage as error:
        raise InvalidImage(error.message, code=error.code, field="photos") from error


def _blocked(*texts: str) -> str | None:
    """The first blocked word one of ``texts`` uses, if any."""
    joined = "\n".join(texts).lower()
    for term in ReviewTerm.objects.values_list("term", flat=True):
        if term.lower() in joined:
            return term
    return None


def _save_photos(review: Review, processed: list[ProcessedImage], *, follow_up: bool) -> None:
    for position, image in enumerate(processed):
        photo = ReviewPhoto(review=review, follow_up=follow_up, position=position)
        photo.image.save(image.original.name or "photo", image.original, save=False)
        photo.thumbnail.save(image.thumbnail.name or "thumb", image.thumbnail, save=False)
        photo.save()


def _reward(review: Review) -> None:
    if review.status == ReviewStatus.PUBLISHED and review.has_photos:
        review_points_award(user_id=review.buyer_id, review_id=review.pk)


def review_create(*, actor: Actor, order_line_id: int, data: ReviewInput) -> Review:
    """Review a line of a received order (评价), once. Raises ReviewLineNotFound (404, also another buyer's
    line), NotReviewable (409: not received yet, or refunded in full), AlreadyReviewed (409), ReviewInvalid,
    TooManyPhotos and InvalidImage (422), before anything is written."""
    check(actor, AUTHENTICATED)
    buyer = user_of(actor)
    line = buyer_line(buyer.pk, order_line_id)
    if line is None:
        raise ReviewLineNotFound(field="order_line_id")
    if line.order.status not in REVIEWABLE or line.refunded_quantity >= line.quantity:
        raise NotReviewable(field="order_line_id")
    if not 1 <= data.stars <= 5:
        raise ReviewInvalid(field="stars")
    text = _text(data.text, "text")
    processed = _photos(data.photos, f"r{line.pk}")
    held = _blocked(text)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                order_line_id=line.pk,
                order_id=line.order_id,
                buyer_id=buyer.pk,
                product_id=line.product_id,
                merchant_id=line.order.merchant_id,
                sku_label=line.sku_label,
                stars=data.stars,
                text=text,
                anonymous=data.anonymous,
                has_photos=bool(processed),
                status=ReviewStatus.HELD if held else ReviewStatus.PUBLISHED,
                moderation_note=_("Uses a blocked word: %(term)s") % {"term": held} if held else "",
            )
            _save_photos(review, processed, follow_up=False)
            _reward(review)
    except IntegrityError:
        if Review.objects.filter(order_line_id=line.pk).exists():
            raise AlreadyReviewed(field="order_line_id") from None
        raise
    return review


def _own_review(actor: Actor, review_id: int) -> Review:
    review = Review.objects.filter(pk=review_id, buyer_id=user_of(actor).pk).first()
    if review is None:
        raise ReviewNotFound(field="review_id")
    return review


@transaction.atomic
def review_follow_up(
    *, actor: Actor, review_id: int, text: str, photos: Sequence[bytes] = (), now: dt.datetime | None = None
) -> Review:
    """Add the one follow-up (追评) to one's review, within 180 days of it. A blocked word holds the review.
    Raises ReviewNotFound, FollowUpRefused (409: one already, too late, or the review was removed), ReviewInvalid,
    TooManyPhotos, InvalidImage; nothing is written when it raises."""
    check(actor, AUTHENTICATED)
    now = now or timezone.now()
    review = _own_review(actor, review_id)
    text = _text(text, "text")
    if not text:
        raise ReviewInvalid(_("Write the follow-up."), field="text")
    processed = _photos(photos, f"r{review.order_line_id}f")
    if review.status == ReviewStatus.REMOVED or review.created_at + dt.timedelta(days=FOLLOW_UP_DAYS) < now:
        raise FollowUpRefused(field="review_id")
    held = _blocked(text)
    changes: dict[str, object] = {"follow_up_text": text, "follow_up_at": now}
    if processed:
        changes["has_photos"] = True
    if held and review.status == ReviewStatus.PUBLISHED:
        changes["status"] = ReviewStatus.HELD
        changes["moderation_note"] = _("Uses a blocked word: %(term)s") % {"term": held}
    if not Review.objects.filter(pk=review.pk, follow_up_at__isnull=True).update(**changes):
        raise FollowUpRefused(field="review_id")
    _save_photos(review, processed, follow_up=True)
    review.refresh_from_db()
    return review


@transaction.atomic
def review_reply(*, actor: Actor, review_id: int, text: str) -> Review:
    """The shop answers a review of its goods, once (商家回复). Raises ReviewNotFound (also another shop's),
    AlreadyReplied (409), ReviewInvalid, ReplyBlocked (a blocked word: the shop rephrases)."""
    check(actor, REVIEW_REPLY)
    merchant = merchant_for(actor)
    review = Review.objects.filter(pk=review_id, merchant_id=merchant.pk).first()
    if review is None:
        raise ReviewNotFound(field="review_id")
    text = _text(text, "text", most=300)
    if not text:
        raise ReviewInvalid(_("Write the reply, in 300 characters at most."), field="text")
    if _blocked(text):
        raise ReplyBlocked(field="text")
    if not Review.objects.filter(pk=review.pk, replied_at__isnull=True).update(
        reply_text=text, replied_at=timezone.now(), replied_by=user_of(actor)
    ):
        raise AlreadyReplied(field="review_id")
    review.refresh_from_db()
    return review


@transaction.atomic
def review_report(*, actor: Actor, review_id: int, reason: str, note: str = "") -> ReviewReport:
    """Report a published review to the platform (举报), once per member; it stays up until an operator looks.
    Raises ReviewNotFound, OwnReview and AlreadyReported (409), ReviewInvalid (an unknown reason, a long note)."""
    check(actor, AUTHENTICATED)
    review = Review.objects.filter(pk=review_id, status=ReviewStatus.PUBLISHED).first()
    if review is None:
        raise ReviewNotFound(field="review_id")
    if review.buyer_id == user_of(actor).pk:
        raise OwnReview(field="review_id")
    if reason not in ReportReason.values:
        raise ReviewInvalid(_("Choose one of the reasons."), field="reason")
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(
                review=review, reporter=user_of(actor), reason=reason, note=_text(note, "note", most=200)
            )
    except IntegrityError:
        raise AlreadyReported(field="review_id") from None
    Review.objects.filter(pk=review.pk, reported_at__isnull=True).update(reported_at=timezone.now())
    return report


def _photos_delete(review: Review) -> int:
    """Delete a removed review's photos: the rows now, the files once the removal commits, so a photo taken
    down (one showing someone's address, say) is no longer served at its old address."""
    photos = list(ReviewPhoto.objects.filter(review=review))
    names = [name for photo in photos for name in (photo.image.name, photo.thumbnail.name) if name]
    if not photos:
        return 0
    storage = photos[0].image.storage
    ReviewPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    after_commit(_files_delete, storage, names)
    return len(photos)


def _files_delete(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


@transaction.atomic
def review_moderate(*, actor: Actor, review_id: int, remove: bool, note: str = "") -> Review:
    """An operator's decision on a held or reported review: keep it up (publish) or take it down, with a
    reason the buyer reads; a removed review's photos are deleted. Audited. Raises ReviewNotFound (not in the
    queue), ReviewChanged (409: it changed while the operator looked), ReviewInvalid (removing without a
    reason)."""
    check(actor, REVIEW_MODERATE)
    queued = Q(status=ReviewStatus.HELD) | Q(status=ReviewStatus.PUBLISHED, reported_at__isnull=False)
    review = Review.objects.filter(queued, pk=review_id).first()
    if review is None:
        raise ReviewNotFound(field="review_id")
    note = _text(note, "note", most=200)
    if remove and not note:
        raise ReviewInvalid(_("Give the reason for removing it: the buyer reads it."), field="note")
    before = {"status": review.status, "reported": review.reported_at is not None}
    # Compare and set: the decision lands only on the review as the operator saw it (another operator's decision,
    # a new report or a held follow-up in between makes it a 409), on both databases.
    as_seen = Q(reported_at__isnull=True) if review.reported_at is None else Q(reported_at=review.reported_at)
    review.status = ReviewStatus.REMOVED if remove else ReviewStatus.PUBLISHED
    review.moderation_note = note
    review.moderated_at = timezone.now()
    review.reported_at = None
    review.has_photos = review.has_photos and not remove
    decided = Review.objects.filter(as_seen, pk=review.pk, status=before["status"]).update(
        status=review.status,
        moderation_note=note,
        moderated_at=review.moderated_at,
        reported_at=None,
        has_photos=review.has_photos,
    )
    if decided != 1:
        raise ReviewChanged(field="review_id")
    photos_removed = _photos_delete(review) if remove else 0
    audit.record(
        actor=actor,
        action="reviews.remove" if remove else "reviews.approve",
        target=review,
        before=before,
        after={"status": review.status, "note": note, "photos_removed": photos_removed},
        reason=note,
    )
    _reward(review)
    return review


@transaction.atomic
def review_term_add(*, actor: Actor, term: str) -> ReviewTerm:
    """Block a word in reviews from now on (idempotent). Audited."""
    check(actor, REVIEW_MODERATE)
    word = term.strip()
    if not 1 <= len(word) <= 30:
        raise ReviewInvalid(_("A blocked word has 1 to 30 characters."), field="term")
    row, created = ReviewTerm.objects.get_or_create(term=word)
    if created:
        audit.record(actor=actor, action="reviews.term_add", target=row, after={"term": word})
    return row


@transaction.atomic
def review_term_remove(*, actor: Actor, term_id: int) -> None:
    """Unblock a word (idempotent). Audited."""
    check(actor, REVIEW_MODERATE)
    row = ReviewTerm.objects.filter(pk=term_id).first()
    if row is not None:
        audit.record(actor=actor, action="reviews.term_remove", target=row, before={"term": row.term})
        row.delete()


RATING_DAYS = 90
SCORES = ("description", "service", "logistics")


def shop_rate(*, actor: Actor, order_number: str, description: int, service: int, logistics: int) -> ShopRating:
    """Rate the shop of one of the buyer's completed orders on three scores of 1 to 5 (店铺评分), once, within 90
    days of completion. Raises OrderNotFound (404, also another buyer's), NotRatable and AlreadyRated (409),
    ReviewInvalid (422, on the score's field)."""
    check(actor, AUTHENTICATED)
    order = order_get_for_buyer(actor, order_number)
    given = {"description": description, "service": service, "logistics": logistics}
    for name, value in given.items():
        if not 1 <= value <= 5:
            raise ReviewInvalid(field=name)
    if order.status != OrderStatus.COMPLETED or (
        order.completed_at is not None and order.completed_at < timezone.now() - dt.timedelta(days=RATING_DAYS)
    ):
        raise NotRatable(field="order_number")
    try:
        with transaction.atomic():
            return ShopRating.objects.create(
                order=order, buyer_id=order.buyer_id, merchant_id=order.merchant_id, **given
            )
    except IntegrityError:
        if ShopRating.objects.filter(order=order).exists():
            raise AlreadyRated(field="order_number") from None
        raise
