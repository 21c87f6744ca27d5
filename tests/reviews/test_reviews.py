"""Reviews of received items: once, by their buyer; follow-ups, one shop reply, reports and moderation."""

import pytest
from django.db.models import Sum

from jishi.core.errors import PermissionDenied
from jishi.core.images import InvalidImage
from jishi.core.models import AuditEntry
from jishi.loyalty.models import EntryKind, PointsEntry
from jishi.orders.models import Order
from jishi.reviews import selectors, services
from jishi.reviews.errors import (
    AlreadyReplied,
    AlreadyReported,
    AlreadyReviewed,
    FollowUpRefused,
    NotReviewable,
    ReviewInvalid,
    ReviewLineNotFound,
    ReviewNotFound,
    TooManyPhotos,
)
from jishi.reviews.models import Review, ReviewPhoto, ReviewStatus
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def review(actor, delivered_line, stars=5, text="猫咪很爱吃，包装完好", photos=()):
    return services.review_create(
        actor=actor,
        order_line_id=delivered_line.pk,
        data=services.ReviewInput(stars=stars, text=text, photos=list(photos)),
    )


def test_the_buyer_reviews_a_received_item_once_with_photos_and_earns_points(buyer, delivered_line):
    written = review(buyer, delivered_line, photos=[image_bytes(), image_bytes("JPEG")])
    assert (written.status, written.has_photos, written.stars) == (ReviewStatus.PUBLISHED, True, 5)
    assert ReviewPhoto.objects.filter(review=written).count() == 2
    assert PointsEntry.objects.get(kind=EntryKind.EARN_REVIEW).points == 20
    with pytest.raises(AlreadyReviewed):
        review(buyer, delivered_line, stars=1)
    assert Review.objects.count() == 1


def test_a_review_without_photos_earns_nothing(buyer, delivered_line):
    review(buyer, delivered_line)
    assert not PointsEntry.objects.filter(kind=EntryKind.EARN_REVIEW).exists()


def test_nobody_reviews_anothers_item_or_one_not_received_or_refunded(buyer, other_buyer, delivered_line, shop, home):
    with pytest.raises(ReviewLineNotFound):
        review(other_buyer, delivered_line)
    factories.address(other_buyer, is_default=True)
    factories.pay(factories.place(other_buyer, (factories.sku_of(shop), 1)))
    paid = Order.objects.get(buyer=other_buyer).lines.get()
    with pytest.raises(NotReviewable):
        review(other_buyer, paid)
    type(delivered_line).objects.filter(pk=delivered_line.pk).update(refunded_quantity=delivered_line.quantity)
    with pytest.raises(NotReviewable):
        review(buyer, delivered_line)
    assert not Review.objects.exists()


def test_bad_input_writes_nothing(buyer, delivered_line):
    for stars in (0, 6):
        with pytest.raises(ReviewInvalid) as refused:
            review(buyer, delivered_line, stars=stars)
        assert refused.value.field == "stars"
    with pytest.raises(ReviewInvalid):
        review(buyer, delivered_line, text="好" * 501)
    with pytest.raises(TooManyPhotos) as many:
        review(buyer, delivered_line, photos=[image_bytes()] * 10)
    assert many.value.field == "photos"
    with pytest.raises(InvalidImage):
        review(buyer, delivered_line, photos=[b"not a photo"])
    assert not Review.objects.exists()
    assert not ReviewPhoto.objects.exists()


def test_a_follow_up_once_and_a_shop_reply_once(buyer, delivered_line, merchant_staff, other_merchant_staff):
    written = review(buyer, delivered_line)
    services.review_follow_up(actor=buyer, review_id=written.pk, text="吃了一个月，毛色变亮了", photos=[image_bytes()])
    with pytest.raises(FollowUpRefused):
        services.review_follow_up(actor=buyer, review_id=written.pk, text="再追一次")
    with pytest.raises(ReviewNotFound):
        services.review_reply(actor=other_merchant_staff, review_id=written.pk, text="谢谢")
    with pytest.raises(PermissionDenied):
        services.review_reply(actor=buyer, review_id=written.pk, text="我自己回复")
    replied = services.review_reply(actor=merchant_staff, review_id=written.pk, text="感谢亲的支持！")
    assert replied.reply_text == "感谢亲的支持！"
    with pytest.raises(AlreadyReplied):
        services.review_reply(actor=merchant_staff, review_id=written.pk, text="改一下回复")
    assert Review.objects.get(pk=written.pk).has_photos is True


def test_a_blocked_word_holds_the_review_until_an_operator_approves_it_audited(buyer, delivered_line, reviewer):
    services.review_term_add(actor=reviewer, term="加微信")
    held = review(buyer, delivered_line, text="便宜货加微信找我", photos=[image_bytes()])
    assert held.status == ReviewStatus.HELD
    assert selectors.rating(held.product_id).count == 0
    assert not PointsEntry.objects.filter(kind=EntryKind.EARN_REVIEW).exists()  # not until published
    assert list(selectors.moderation_queue(reviewer)) == [held]
    services.review_moderate(actor=reviewer, review_id=held.pk, remove=False)
    assert Review.objects.get(pk=held.pk).status == ReviewStatus.PUBLISHED
    assert PointsEntry.objects.filter(kind=EntryKind.EARN_REVIEW).count() == 1
    assert AuditEntry.objects.filter(action="reviews.approve").count() == 1


def test_a_reported_review_stays_up_until_an_operator_removes_it_with_a_reason(
    buyer, other_buyer, delivered_line, reviewer
):
    written = review(buyer, delivered_line, stars=1, text="难吃")
    services.review_report(actor=other_buyer, review_id=written.pk, reason="abuse")
    with pytest.raises(AlreadyReported):
        services.review_report(actor=other_buyer, review_id=written.pk, reason="fake")
    assert selectors.rating(written.product_id).count == 1  # still up
    with pytest.raises(ReviewInvalid):
        services.review_moderate(actor=reviewer, review_id=written.pk, remove=True)
    with pytest.raises(PermissionDenied):
        services.review_moderate(actor=buyer, review_id=written.pk, remove=True, note="不喜欢")
    services.review_moderate(actor=reviewer, review_id=written.pk, remove=True, note="包含辱骂内容")
    assert Review.objects.get(pk=written.pk).status == ReviewStatus.REMOVED
    assert selectors.rating(written.product_id).count == 0
    assert not list(selectors.moderation_queue(reviewer))


def test_the_products_figures_are_counted_from_its_published_reviews(merchant_staff, shop, leaf_category):
    stars = [5, 5, 4, 3, 1]
    for n, given in enumerate(stars):
        buyer = factories.user()
        factories.address(buyer, is_default=True)
        factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
        order = Order.objects.get(buyer=buyer)
        factories.complete(order)
        review(buyer, order.lines.get(), stars=given, photos=[image_bytes()] if n % 2 else [])
    figures = selectors.rating(shop.pk)
    assert (figures.count, str(figures.average), figures.with_photos) == (5, "3.6", 2)
    assert figures.stars == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}
    assert (figures.share(5), figures.good_percent) == (40, 60)
    assert Review.objects.aggregate(n=Sum("stars"))["n"] == sum(stars)
    shown = list(selectors.product_reviews(shop.pk))
    assert [r.has_photos for r in shown] == [True, True, False, False, False]  # photos first
