"""The reviews' rules through the API: every refusal is a 4xx naming its field and writes nothing; only the shop's
staff answer, once, and nothing lets a shop edit or hide a review; a blocked word holds a review until an operator
decides (audited); a report queues it but leaves it up; and the figures are what the published rows say."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jishi.config.api import api as ninja_api
from jishi.core.models import AuditEntry
from jishi.orders.models import Order, OrderLine
from jishi.reviews import selectors, services
from jishi.reviews.errors import FollowUpRefused
from jishi.reviews.models import Review, ReviewPhoto, ReviewReport, ReviewStatus, ReviewTerm
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def photo(n: int = 0, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"p{n}.png", image_bytes() if data is None else data, content_type="image/png")


def written(buyer, line, *, stars=5, text="很好", photos=0, anonymous=False) -> Review:
    return services.review_create(
        actor=buyer,
        order_line_id=line.pk,
        data=services.ReviewInput(
            stars=stars, text=text, anonymous=anonymous, photos=[image_bytes() for _ in range(photos)]
        ),
    )


def received_line(shop) -> OrderLine:
    """A new buyer's completed order of one unit of ``shop``'s product."""
    buyer = factories.user()
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    factories.complete(order)
    return order.lines.get()


def nothing_written() -> tuple[int, int, int]:
    return Review.objects.count(), ReviewPhoto.objects.count(), ReviewReport.objects.count()


def refusal(answer) -> tuple[int, str, str | None]:
    body = answer.json()
    return answer.status_code, body["code"], body["field"]


# --- writing a review -------------------------------------------------------------------------------------------


def test_a_review_without_text_but_with_stars_is_kept_anonymous_and_leaves_the_pending_list(api, buyer, delivered_line):
    # given the received item waiting for its review
    pending = api("get", "/me/reviews/pending", user=buyer).json()
    assert [p["order_line_id"] for p in pending] == [delivered_line.pk]
    # when the buyer gives four stars, no words, anonymously
    answer = api(
        "post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 4, "anonymous": True}
    )
    # then it is published under 匿名用户 and the item is no longer waiting
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["stars"], answer.json()["text"], answer.json()["status"]) == (4, "", "published")
    shown = api("get", f"/products/{delivered_line.product_id}/reviews").json()["reviews"]
    assert [r["name"] for r in shown] == ["匿名用户"]
    assert api("get", "/me/reviews/pending", user=buyer).json() == []
    assert [r["id"] for r in api("get", "/me/reviews", user=buyer).json()] == [answer.json()["id"]]


def test_a_named_review_shows_only_the_first_character_of_the_name(api, buyer, delivered_line):
    type(buyer).objects.filter(pk=buyer.pk).update(display_name="王小明")
    written(buyer, delivered_line)
    shown = api("get", f"/products/{delivered_line.product_id}/reviews").json()["reviews"]
    assert [r["name"] for r in shown] == ["王**"]


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"stars": 0}, 422, "validation.greater_than_equal", "stars"),
        ({"stars": 6}, 422, "validation.less_than_equal", "stars"),
        ({"stars": "five"}, 422, "validation.int_parsing", "stars"),
        ({"text": "好" * 501}, 422, "validation.string_too_long", "text"),
        ({"order_line_id": 0}, 422, "validation.greater_than_equal", "order_line_id"),
        ({"order_line_id": 987654}, 404, "reviews.line_not_found", "order_line_id"),
    ],
)
def test_a_bad_review_is_a_4xx_naming_its_field_and_writes_nothing(
    api, buyer, delivered_line, fields, status, code, field
):
    data = {"order_line_id": delivered_line.pk, "stars": 5, "text": "好", **fields}
    answer = api("post", "/reviews", user=buyer, data=data)
    assert refusal(answer) == (status, code, field)
    assert nothing_written() == (0, 0, 0)


def test_ten_photos_or_one_that_is_not_a_photo_are_refused_before_anything_is_written(api, buyer, delivered_line):
    ten = api(
        "post",
        "/reviews",
        user=buyer,
        data={"order_line_id": delivered_line.pk, "stars": 5, "photos": [photo(n) for n in range(10)]},
    )
    assert refusal(ten) == (422, "reviews.too_many_photos", "photos")
    fake = api(
        "post",
        "/reviews",
        user=buyer,
        data={"order_line_id": delivered_line.pk, "stars": 5, "photos": [photo(0), photo(1, b"%PDF-1.4 not a photo")]},
    )
    assert refusal(fake) == (422, "catalog.invalid_image", "photos")
    assert nothing_written() == (0, 0, 0)
    # nine are fine, re-encoded with a thumbnail each, in the order sent
    nine = api(
        "post",
        "/reviews",
        user=buyer,
        data={"order_line_id": delivered_line.pk, "stars": 5, "photos": [photo(n) for n in range(9)]},
    )
    assert nine.status_code == 201
    assert list(ReviewPhoto.objects.order_by("position").values_list("position", flat=True)) == list(range(9))
    assert all(p["thumbnail_url"] != p["url"] for p in nine.json()["photos"])


def test_nobody_reviews_anothers_item_an_undelivered_one_one_refunded_in_full_or_one_twice(
    api, buyer, other_buyer, delivered_line, shop
):
    # given another buyer's paid but unshipped order
    factories.address(other_buyer, is_default=True)
    factories.pay(factories.place(other_buyer, (factories.sku_of(shop), 1)))
    unshipped = Order.objects.get(buyer=other_buyer).lines.get()
    # then
    assert api("post", "/reviews", data={"order_line_id": delivered_line.pk, "stars": 5}).status_code == 401
    foreign = api("post", "/reviews", user=other_buyer, data={"order_line_id": delivered_line.pk, "stars": 5})
    assert refusal(foreign) == (404, "reviews.line_not_found", "order_line_id")
    early = api("post", "/reviews", user=other_buyer, data={"order_line_id": unshipped.pk, "stars": 5})
    assert refusal(early) == (409, "reviews.not_reviewable", "order_line_id")
    assert [p["order_line_id"] for p in api("get", "/me/reviews/pending", user=other_buyer).json()] == []
    OrderLine.objects.filter(pk=delivered_line.pk).update(refunded_quantity=delivered_line.quantity)
    refunded = api("post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 1})
    assert refusal(refunded) == (409, "reviews.not_reviewable", "order_line_id")
    assert api("get", "/me/reviews/pending", user=buyer).json() == []
    assert nothing_written() == (0, 0, 0)
    OrderLine.objects.filter(pk=delivered_line.pk).update(refunded_quantity=0)
    assert api("post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 5}).status_code == 201
    twice = api("post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 1})
    assert refusal(twice) == (409, "reviews.already_reviewed", "order_line_id")
    assert list(Review.objects.values_list("stars", flat=True)) == [5]


# --- the follow-up (追评) ---------------------------------------------------------------------------------------


def test_one_follow_up_with_photos_within_180_days(api, buyer, other_buyer, delivered_line):
    review = written(buyer, delivered_line)
    path = f"/reviews/{review.pk}/follow-up"
    assert refusal(api("post", path, user=other_buyer, data={"text": "别人的"})) == (
        404,
        "reviews.not_found",
        "review_id",
    )
    empty = api("post", path, user=buyer, data={"text": ""})
    assert (empty.status_code, empty.json()["field"]) == (422, "text")
    ten = api("post", path, user=buyer, data={"text": "追评", "photos": [photo(n) for n in range(10)]})
    assert refusal(ten) == (422, "reviews.too_many_photos", "photos")
    assert Review.objects.get().follow_up_at is None
    assert not ReviewPhoto.objects.exists()
    # when
    added = api("post", path, user=buyer, data={"text": "用了一个月，很好", "photos": [photo(0), photo(1)]})
    # then
    assert added.status_code == 200, added.json()
    assert added.json()["follow_up_text"] == "用了一个月，很好"
    assert [p["follow_up"] for p in added.json()["photos"]] == [True, True]
    again = api("post", path, user=buyer, data={"text": "再追一次"})
    assert refusal(again) == (409, "reviews.follow_up_refused", "review_id")
    assert Review.objects.get().follow_up_text == "用了一个月，很好"


def test_no_follow_up_after_180_days_or_to_a_removed_review(buyer, delivered_line, other_buyer, reviewer):
    review = written(buyer, delivered_line)
    late = review.created_at + dt.timedelta(days=180, seconds=1)
    with pytest.raises(FollowUpRefused):
        services.review_follow_up(actor=buyer, review_id=review.pk, text="晚了", now=late)
    services.review_report(actor=other_buyer, review_id=review.pk, reason="abuse")
    services.review_moderate(actor=reviewer, review_id=review.pk, remove=True, note="辱骂")
    with pytest.raises(FollowUpRefused):
        services.review_follow_up(actor=buyer, review_id=review.pk, text="还想说")
    assert Review.objects.get().follow_up_at is None


# --- the shop's reply -------------------------------------------------------------------------------------------


def test_only_the_shops_staff_reply_once_and_a_shop_can_neither_edit_nor_hide(
    api, buyer, other_buyer, delivered_line, merchant_staff, other_merchant_staff, reviewer
):
    review = written(buyer, delivered_line, stars=1, text="包装破了")
    path = f"/merchant/reviews/{review.pk}/reply"
    assert api("post", path, json={"text": "抱歉"}).status_code == 401
    assert api("post", path, user=buyer, json={"text": "自己回复"}).status_code == 403
    assert refusal(api("post", path, user=other_merchant_staff, json={"text": "抱歉"})) == (
        404,
        "reviews.not_found",
        "review_id",
    )
    assert api("get", "/merchant/reviews", user=other_merchant_staff).json() == []
    assert refusal(api("post", path, user=merchant_staff, json={"text": "好" * 301}))[::2] == (422, "text")
    assert Review.objects.get().replied_at is None
    # when the shop answers
    replied = api("post", path, user=merchant_staff, json={"text": "抱歉，已为您补发"})
    # then the reply shows, once, and stays what it was
    assert (replied.status_code, replied.json()["reply_text"]) == (200, "抱歉，已为您补发")
    assert refusal(api("post", path, user=merchant_staff, json={"text": "改口"})) == (
        409,
        "reviews.already_replied",
        "review_id",
    )
    listed = api("get", "/merchant/reviews", user=merchant_staff).json()
    assert [(r["id"], r["reply_text"]) for r in listed] == [(review.pk, "抱歉，已为您补发")]
    assert api("get", "/merchant/reviews?unanswered=true", user=merchant_staff).json() == []
    assert Review.objects.get().replied_by_id == merchant_staff.pk
    # and nothing the shop may call changes or hides the review
    for method in ("put", "patch", "delete"):
        for target in (f"/merchant/reviews/{review.pk}", f"/reviews/{review.pk}", path):
            assert api(method, target, user=merchant_staff, json={"stars": 5, "text": "好评"}).status_code in {404, 405}
    assert (
        api(
            "post",
            f"/operator/reviews/{review.pk}/moderate",
            user=merchant_staff,
            json={"decision": "remove", "reason": "差评"},
        ).status_code
        == 403
    )
    assert api("post", f"/reviews/{review.pk}/report", user=merchant_staff, json={"reason": "fake"}).status_code == 204
    kept = Review.objects.get()
    assert (kept.stars, kept.text, kept.status) == (1, "包装破了", ReviewStatus.PUBLISHED)
    assert [r["id"] for r in api("get", f"/products/{review.product_id}/reviews").json()["reviews"]] == [review.pk]


def test_the_api_offers_a_shop_no_way_to_change_a_review_but_its_one_reply():
    paths = ninja_api.get_openapi_schema()["paths"]
    writes = {
        (method, path)
        for path, operations in paths.items()
        if re.search(r"/reviews?(/|$)|/review-terms", path) and not path.startswith("/api/v1/operator/merchant")
        for method in operations
        if method != "get"
    }
    assert writes == {
        ("post", "/api/v1/reviews"),
        ("post", "/api/v1/reviews/{review_id}/follow-up"),
        ("post", "/api/v1/reviews/{review_id}/report"),
        ("post", "/api/v1/merchant/reviews/{review_id}/reply"),
        ("post", "/api/v1/operator/reviews/{review_id}/moderate"),
        ("post", "/api/v1/operator/review-terms"),
        ("delete", "/api/v1/operator/review-terms/{term_id}"),
    }


def test_a_reply_with_a_blocked_word_is_refused_and_the_shop_may_rephrase(
    buyer, delivered_line, merchant_staff, reviewer, api
):
    services.review_term_add(actor=reviewer, term="加微信")
    review = written(buyer, delivered_line)
    path = f"/merchant/reviews/{review.pk}/reply"
    blocked = api("post", path, user=merchant_staff, json={"text": "有问题加微信"})
    assert refusal(blocked) == (422, "reviews.reply_blocked", "text")
    assert Review.objects.get().reply_text == ""
    assert api("post", path, user=merchant_staff, json={"text": "谢谢"}).status_code == 200


# --- blocked words, reports and the moderation queue --------------------------------------------------------------


def test_a_blocked_word_holds_a_review_until_an_operator_approves_or_removes_it_audited(
    api, buyer, delivered_line, reviewer, shop
):
    # given an operator's blocked word (audited) and two reviews using it
    added = api("post", "/operator/review-terms", user=reviewer, json={"term": "加微信"})
    assert added.status_code == 201
    assert AuditEntry.objects.filter(action="reviews.term_add", actor=reviewer).count() == 1
    first = api(
        "post",
        "/reviews",
        user=buyer,
        data={"order_line_id": delivered_line.pk, "stars": 5, "text": "便宜 加微信 找我"},
    ).json()
    other_line = received_line(shop)
    second = written(other_line.order.buyer, other_line, stars=1, text="差评！加微信退钱")
    # then neither shows nor counts, and both wait in the queue, oldest first
    assert (first["status"], second.status) == ("held", ReviewStatus.HELD)
    page = api("get", f"/products/{shop.pk}/reviews").json()
    assert (page["rating"]["count"], page["reviews"]) == (0, [])
    queue = api("get", "/operator/reviews/queue", user=reviewer).json()
    assert [q["id"] for q in queue] == [first["id"], second.pk]
    # when the operator approves one and removes the other with a reason
    approved = api("post", f"/operator/reviews/{first['id']}/moderate", user=reviewer, json={"decision": "approve"})
    reasonless = api("post", f"/operator/reviews/{second.pk}/moderate", user=reviewer, json={"decision": "remove"})
    removed = api(
        "post", f"/operator/reviews/{second.pk}/moderate", user=reviewer, json={"decision": "remove", "reason": "引流"}
    )
    # then
    assert approved.json()["status"] == "published"
    assert refusal(reasonless)[::2] == (422, "reason")
    assert (removed.json()["status"], removed.json()["moderation_note"]) == ("removed", "引流")
    assert [r["id"] for r in api("get", f"/products/{shop.pk}/reviews").json()["reviews"]] == [first["id"]]
    assert api("get", "/operator/reviews/queue", user=reviewer).json() == []
    mine = api("get", "/me/reviews", user=other_line.order.buyer).json()
    assert [(r["status"], r["moderation_note"]) for r in mine] == [("removed", "引流")]
    audited = AuditEntry.objects.filter(action__in=["reviews.approve", "reviews.remove"]).order_by("pk")
    assert [(a.action, a.actor_id, a.target_id, a.reason) for a in audited] == [
        ("reviews.approve", reviewer.pk, str(first["id"]), ""),
        ("reviews.remove", reviewer.pk, str(second.pk), "引流"),
    ]
    # and a decided review is out of the queue: deciding again finds nothing
    again = api("post", f"/operator/reviews/{second.pk}/moderate", user=reviewer, json={"decision": "approve"})
    assert refusal(again) == (404, "reviews.not_found", "review_id")


def test_a_follow_up_with_a_blocked_word_holds_the_review(buyer, delivered_line, reviewer):
    review = written(buyer, delivered_line)
    services.review_term_add(actor=reviewer, term="刷单")
    services.review_follow_up(actor=buyer, review_id=review.pk, text="其实是刷单")
    assert Review.objects.get().status == ReviewStatus.HELD
    assert selectors.rating(review.product_id).count == 0
    assert list(selectors.moderation_queue(reviewer)) == [review]


def test_a_reported_review_stays_up_and_waits_in_the_queue(api, buyer, other_buyer, delivered_line, reviewer):
    review = written(buyer, delivered_line, stars=1, text="难吃")
    path = f"/reviews/{review.pk}/report"
    assert api("post", path, json={"reason": "abuse"}).status_code == 401
    assert refusal(api("post", path, user=buyer, json={"reason": "abuse"})) == (409, "reviews.own_review", "review_id")
    assert refusal(api("post", path, user=other_buyer, json={"reason": "boring"}))[::2] == (422, "reason")
    assert refusal(api("post", path, user=other_buyer, json={"reason": "abuse", "note": "好" * 201}))[::2] == (
        422,
        "note",
    )
    assert not ReviewReport.objects.exists()
    # when
    assert api("post", path, user=other_buyer, json={"reason": "abuse", "note": "骂人"}).status_code == 204
    # then it is still shown and counted, and queued with the reason given
    again = api("post", path, user=other_buyer, json={"reason": "fake"})
    assert refusal(again) == (409, "reviews.already_reported", "review_id")
    assert api("get", f"/products/{review.product_id}/reviews").json()["rating"]["count"] == 1
    queue = api("get", "/operator/reviews/queue", user=reviewer).json()
    assert [(q["id"], q["status"], q["reports"]) for q in queue] == [(review.pk, "published", ["abuse"])]
    assert api("post", "/reviews/987654/report", user=other_buyer, json={"reason": "abuse"}).status_code == 404


def test_blocked_words_are_kept_by_reviewers_and_administrators_only(
    api, reviewer, admin_operator, buyer, merchant_staff
):
    support = factories.user(operator_role="support")
    for outsider in (buyer, merchant_staff, support):
        assert api("post", "/operator/review-terms", user=outsider, json={"term": "微信"}).status_code == 403
        assert api("get", "/operator/reviews/queue", user=outsider).status_code == 403
    assert refusal(api("post", "/operator/review-terms", user=reviewer, json={"term": "   "}))[::2] == (422, "term")
    assert refusal(api("post", "/operator/review-terms", user=reviewer, json={"term": "好" * 31}))[::2] == (422, "term")
    assert not ReviewTerm.objects.exists()
    term = api("post", "/operator/review-terms", user=admin_operator, json={"term": "微信"}).json()
    assert api("get", "/operator/review-terms", user=reviewer).json() == [term]
    assert api("delete", f"/operator/review-terms/{term['id']}", user=buyer).status_code == 403
    assert api("delete", f"/operator/review-terms/{term['id']}", user=reviewer).status_code == 204
    assert not ReviewTerm.objects.exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="reviews.term").order_by("pk").values_list("action", "actor_id")
    ) == [
        ("reviews.term_add", admin_operator.pk),
        ("reviews.term_remove", reviewer.pk),
    ]


# --- the figures ------------------------------------------------------------------------------------------------


def test_the_figures_are_what_the_published_rows_say(api, shop, reviewer):
    # given seven published reviews, one held and one removed
    services.review_term_add(actor=reviewer, term="刷单")
    given = [5, 5, 5, 4, 3, 2, 1]
    for n, stars in enumerate(given):
        line = received_line(shop)
        written(line.order.buyer, line, stars=stars, photos=1 if n in {1, 4} else 0)
    held_line = received_line(shop)
    written(held_line.order.buyer, held_line, stars=1, text="刷单的", photos=1)
    removed_line = received_line(shop)
    removed = written(removed_line.order.buyer, removed_line, stars=1, photos=1)
    services.review_report(actor=held_line.order.buyer, review_id=removed.pk, reason="fake")
    services.review_moderate(actor=reviewer, review_id=removed.pk, remove=True, note="刷单")
    # when
    summary = api("get", f"/products/{shop.pk}/reviews/summary").json()
    # then every figure is counted from the published rows
    published = list(Review.objects.filter(product=shop, status=ReviewStatus.PUBLISHED).values("stars", "has_photos"))
    counted = Counter(row["stars"] for row in published)
    assert summary == {
        "count": len(published),
        "average": "3.6",  # 25 / 7 = 3.57…
        "good_percent": 57,  # 4 of 7
        "stars": {str(n): counted[n] for n in range(1, 6)},
        "shares": {"1": 14, "2": 14, "3": 14, "4": 15, "5": 43},  # 14.3, 14.3, 14.3, 14.3, 42.9 → 100
        "with_photos": sum(row["has_photos"] for row in published),
    }
    assert (summary["count"], summary["with_photos"], sum(summary["shares"].values())) == (7, 2, 100)
    assert api("get", f"/products/{shop.pk}/reviews").json()["rating"] == summary
    assert api("get", "/products/987654/reviews/summary").json()["count"] == 0


def test_the_product_reviews_show_those_with_photos_first_then_the_newest(api, shop):
    lines = [received_line(shop) for _ in range(4)]
    ids = [written(line.order.buyer, line, photos=1 if n in {0, 2} else 0).pk for n, line in enumerate(lines)]
    listed = api("get", f"/products/{shop.pk}/reviews").json()["reviews"]
    assert [r["id"] for r in listed] == [ids[2], ids[0], ids[3], ids[1]]
    only = api("get", f"/products/{shop.pk}/reviews?photos_only=true").json()["reviews"]
    assert [r["id"] for r in only] == [ids[2], ids[0]]
    assert api("get", f"/products/{shop.pk}/reviews?page=2").json()["reviews"] == []


def test_the_product_reviews_cost_four_queries_for_one_review_as_for_five(api, shop, django_assert_num_queries):
    def reviewed(count: int) -> None:
        for _ in range(count):
            line = received_line(shop)
            written(line.order.buyer, line, photos=2, text="好")
            services.review_follow_up(
                actor=line.order.buyer, review_id=Review.objects.latest("pk").pk, text="追评", photos=[image_bytes()]
            )

    reviewed(1)
    # the figures, the page's count, the page with its buyers, the photos
    with django_assert_num_queries(4):
        assert len(api("get", f"/products/{shop.pk}/reviews").json()["reviews"]) == 1
    reviewed(4)
    with django_assert_num_queries(4):
        answer = api("get", f"/products/{shop.pk}/reviews").json()
    assert [len(r["photos"]) for r in answer["reviews"]] == [3] * 5
    with django_assert_num_queries(1):
        assert api("get", f"/products/{shop.pk}/reviews/summary").json()["count"] == 5


def test_the_moderation_queue_names_a_heavy_day_in_few_queries(api, shop, reviewer, django_assert_max_num_queries):
    services.review_term_add(actor=reviewer, term="刷单")
    for _ in range(3):
        line = received_line(shop)
        written(line.order.buyer, line, text="刷单", photos=1)
    with django_assert_max_num_queries(8):
        assert len(api("get", "/operator/reviews/queue", user=reviewer).json()) == 3


def test_removing_a_review_deletes_its_photos_once_the_removal_commits(
    buyer, other_buyer, delivered_line, reviewer, django_capture_on_commit_callbacks
):
    # given a reported review whose photos show the buyer's neighbour's address
    review = written(buyer, delivered_line, photos=2)
    files = [name for photo in ReviewPhoto.objects.all() for name in (photo.image.name, photo.thumbnail.name)]
    storage = ReviewPhoto.objects.first().image.storage
    assert all(storage.exists(name) for name in files)
    services.review_report(actor=other_buyer, review_id=review.pk, reason="privacy")
    # when an operator removes it
    with django_capture_on_commit_callbacks(execute=True):
        services.review_moderate(actor=reviewer, review_id=review.pk, remove=True, note="泄露他人住址")
    # then its photos are gone, rows and files, and the audit says how many
    assert not ReviewPhoto.objects.exists()
    assert not any(storage.exists(name) for name in files)
    assert Review.objects.get().has_photos is False
    assert AuditEntry.objects.get(action="reviews.remove").after["photos_removed"] == 2
