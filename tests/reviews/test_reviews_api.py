"""The reviews API: writing with photos (multipart), the product's reviews and figures, replies, moderation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jishi.core.models import AuditEntry
from jishi.reviews import services
from jishi.reviews.models import Review
from tests import factories
from tests.conftest import image_bytes
from tests.races import race

pytestmark = pytest.mark.django_db


def photo(n: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"p{n}.png", image_bytes(), content_type="image/png")


def test_a_buyer_writes_a_review_with_photos_and_the_product_shows_it(api, buyer, delivered_line, client):
    created = api(
        "post",
        "/reviews",
        user=buyer,
        data={"order_line_id": delivered_line.pk, "stars": 5, "text": "很好", "photos": [photo(0), photo(1)]},
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["status"], len(created.json()["photos"])) == ("published", 2)
    assert api("get", "/me/reviews/pending", user=buyer).json() == []
    answer = api("get", f"/products/{delivered_line.product_id}/reviews")
    assert answer.json()["rating"] == {
        "count": 1,
        "average": "5.0",
        "good_percent": 100,
        "stars": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
        "shares": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 100},
        "with_photos": 1,
    }
    assert answer.json()["reviews"][0]["text"] == "很好"


def test_bad_reviews_are_4xx_with_the_field(api, buyer, other_buyer, delivered_line):
    ten = api(
        "post",
        "/reviews",
        user=buyer,
        data={"order_line_id": delivered_line.pk, "stars": 5, "photos": [photo(n) for n in range(10)]},
    )
    assert (ten.status_code, ten.json()["code"], ten.json()["field"]) == (422, "reviews.too_many_photos", "photos")
    foreign = api("post", "/reviews", user=other_buyer, data={"order_line_id": delivered_line.pk, "stars": 5})
    assert (foreign.status_code, foreign.json()["code"]) == (404, "reviews.line_not_found")
    stars = api("post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 6})
    assert stars.status_code == 422
    assert api("post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 4}).status_code == 201
    twice = api("post", "/reviews", user=buyer, data={"order_line_id": delivered_line.pk, "stars": 4})
    assert (twice.status_code, twice.json()["code"]) == (409, "reviews.already_reviewed")
    assert Review.objects.count() == 1


def test_the_shop_replies_once_and_operators_moderate(
    api, buyer, other_buyer, delivered_line, merchant_staff, reviewer
):
    written = services.review_create(
        actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=2, text="一般")
    )
    assert [r["id"] for r in api("get", "/merchant/reviews?unanswered=true", user=merchant_staff).json()] == [
        written.pk
    ]
    reply = api("post", f"/merchant/reviews/{written.pk}/reply", user=merchant_staff, json={"text": "抱歉，已改进"})
    assert reply.json()["reply_text"] == "抱歉，已改进"
    again = api("post", f"/merchant/reviews/{written.pk}/reply", user=merchant_staff, json={"text": "再回"})
    assert again.status_code == 409
    report = api("post", f"/reviews/{written.pk}/report", user=other_buyer, json={"reason": "fake"})
    assert report.status_code == 204
    queue = api("get", "/operator/reviews/queue", user=reviewer).json()
    assert [(q["id"], q["reports"]) for q in queue] == [(written.pk, ["fake"])]
    assert api("get", "/operator/reviews/queue", user=merchant_staff).status_code == 403
    kept = api("post", f"/operator/reviews/{written.pk}/moderate", user=reviewer, json={"decision": "approve"})
    assert kept.json()["status"] == "published"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_reviews_of_one_item_at_once_make_one(buyer, delivered_line):
    def write(stars):
        return services.review_create(
            actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=stars)
        )

    outcomes = race([5, 1], write)
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyReviewed", "Review"]
    assert Review.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_replies_to_one_review_at_once_make_one(buyer, delivered_line, merchant_staff):
    written = services.review_create(
        actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=3, text="还行")
    )

    def reply(text):
        return services.review_reply(actor=merchant_staff, review_id=written.pk, text=text)

    outcomes = race(["谢谢支持", "感谢反馈"], reply)
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyReplied", "Review"]
    winner = next(o for o in outcomes if isinstance(o, Review))
    assert Review.objects.get().reply_text == winner.reply_text


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_operators_deciding_at_once_make_one_audited_decision(buyer, other_buyer, delivered_line, reviewer):
    written = services.review_create(
        actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=1, text="垃圾")
    )
    services.review_report(actor=other_buyer, review_id=written.pk, reason="abuse")
    second = factories.user(operator_role="admin")

    def decide(decision):
        operator, remove = decision
        return services.review_moderate(actor=operator, review_id=written.pk, remove=remove, note="辱骂")

    outcomes = race([(reviewer, True), (second, False)], decide)
    winners = [o for o in outcomes if isinstance(o, Review)]
    assert len(winners) == 1
    assert {type(o).__name__ for o in outcomes if not isinstance(o, Review)} <= {"ReviewNotFound", "ReviewChanged"}
    assert Review.objects.get().status == winners[0].status
    assert AuditEntry.objects.filter(action__in=["reviews.approve", "reviews.remove"]).count() == 1
