"""The review pages: the product's figures and reviews, writing one with photos, the shop's reply, moderation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jishi.reviews import services
from jishi.reviews.models import Review, ReviewPhoto, ReviewStatus
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def photo(n: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"p{n}.png", image_bytes(), content_type="image/png")


def test_the_buyer_writes_a_review_with_photos_and_the_product_page_shows_it(buyer, delivered_line):
    client = signed_in(buyer)
    pending = client.get("/me/reviews/").content.decode()
    assert f"/me/reviews/new/{delivered_line.pk}/" in pending
    answer = client.post(
        f"/me/reviews/new/{delivered_line.pk}/", {"stars": "4", "text": "味道不错", "photos": [photo(0), photo(1)]}
    )
    assert answer.status_code == 302
    review = Review.objects.get()
    assert (review.stars, review.text, ReviewPhoto.objects.filter(review=review).count()) == (4, "味道不错", 2)
    page = Client().get(f"/p/{delivered_line.product_id}/").content.decode()
    assert "味道不错" in page
    assert "4.0" in page
    full = Client().get(f"/p/{delivered_line.product_id}/reviews/?photos=1").content.decode()
    assert "味道不错" in full


def test_a_tenth_photo_is_refused_on_the_form_and_nothing_is_written(buyer, delivered_line):
    client = signed_in(buyer)
    answer = client.post(
        f"/me/reviews/new/{delivered_line.pk}/",
        {"stars": "5", "text": "好", "photos": [photo(n) for n in range(10)]},
        HTTP_REFERER=f"http://testserver/me/reviews/new/{delivered_line.pk}/",
    )
    assert answer.status_code == 422
    assert "9" in answer.content.decode()
    assert not Review.objects.exists()


def test_nobody_opens_the_form_for_anothers_item(other_buyer, delivered_line):
    assert signed_in(other_buyer).get(f"/me/reviews/new/{delivered_line.pk}/").status_code == 404


def test_the_shop_replies_once_from_the_merchant_centre(buyer, delivered_line, merchant_staff):
    review = services.review_create(actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=3))
    client = signed_in(merchant_staff)
    assert "Reply" in client.get("/merchant/reviews/?unanswered=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "感谢反馈"})
    client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "再回复"})
    assert Review.objects.get().reply_text == "感谢反馈"
    assert signed_in(buyer).get("/merchant/reviews/").status_code == 403


def test_an_operator_removes_a_reported_review_and_the_product_page_drops_it(
    buyer, other_buyer, delivered_line, reviewer
):
    review = services.review_create(
        actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=1, text="骗子店铺")
    )
    signed_in(other_buyer).post(f"/reviews/{review.pk}/report/", {"reason": "abuse"})
    client = signed_in(reviewer)
    assert "骗子店铺" in client.get("/operator/reviews/").content.decode()
    client.post(f"/operator/reviews/{review.pk}/decide/", {"decision": "remove", "reason": "辱骂"})
    assert Review.objects.get().status == ReviewStatus.REMOVED
    assert "骗子店铺" not in Client().get(f"/p/{delivered_line.product_id}/").content.decode()
    assert signed_in(buyer).get("/operator/reviews/").status_code == 403
