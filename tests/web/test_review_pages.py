"""The review pages: the product's figures and reviews, writing one with photos, the shop's reply, moderation."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.reviews import services
from jishi.reviews.models import Review, ReviewPhoto, ReviewStatus
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def signed_in(user, *, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def photo(n: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"p{n}.png", image_bytes(), content_type="image/png")


def received_line(user, product, merchant_staff):
    """A line of ``product`` that ``user`` bought, was sent and received."""
    factories.pay(factories.place(user, (factories.sku_of(product), 1)))
    order = Order.objects.filter(buyer=user).latest("pk")
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF2")
    orders.order_confirm_receipt(actor=user, order_number=order.number)
    return order.lines.get()


def review(user, line, stars: int, text: str = "", photos: int = 0) -> Review:
    data = services.ReviewInput(stars=stars, text=text, photos=[image_bytes() for _ in range(photos)])
    return services.review_create(actor=user, order_line_id=line.pk, data=data)


def test_the_product_page_shows_the_real_figures_and_the_first_reviews_photos_first(
    english, buyer, other_buyer, delivered_line, shop, merchant_staff
):
    # given a 5-star review with a photo, a follow-up and the shop's reply, then a newer 3-star one without
    with_photo = review(buyer, delivered_line, 5, "包装很好，猫很爱吃", photos=1)
    services.review_follow_up(actor=buyer, review_id=with_photo.pk, text="吃了一个月，毛色变亮了")
    services.review_reply(actor=merchant_staff, review_id=with_photo.pk, text="谢谢亲的支持")
    review(other_buyer, received_line(other_buyer, shop, merchant_staff), 3, "一般般")
    # when the product page is read
    page = english.get(f"/p/{shop.pk}/").content.decode()
    # then the figures are counted from the two reviews
    assert "Reviews (2)" in page
    assert ">4.0<" in page
    assert "50% positive" in page
    assert "With photos (1)" in page
    assert "All (2)" in page
    # and the review with the photo comes first, with its follow-up, the shop's reply and a tappable photo
    assert page.index("包装很好") < page.index("一般般")
    assert "吃了一个月，毛色变亮了" in page
    assert "谢谢亲的支持" in page
    shown = ReviewPhoto.objects.get()
    assert f'href="{shown.image.url}"' in page
    assert f'src="{shown.thumbnail.url}"' in page
    assert f"/p/{shop.pk}/reviews/" in page
    # and nobody's name shows, only its masked form (用户12 → 用**)
    assert buyer.display_name not in page
    assert "<strong>用**</strong>" in page


def test_the_product_page_pays_the_same_for_three_reviews_with_photos_as_for_one(
    client, buyer, delivered_line, shop, merchant_staff
):
    # given one review with photos
    review(buyer, delivered_line, 5, "好", photos=2)
    client.get(f"/p/{shop.pk}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/p/{shop.pk}/")
    # when two more buyers add reviews with photos
    for n in range(2):
        member = factories.user(email=f"more-{n}@example.com")
        review(member, received_line(member, shop, merchant_staff), 4, "不错", photos=3)
    client.get(f"/p/{shop.pk}/")
    with CaptureQueriesContext(connection) as three:
        page = client.get(f"/p/{shop.pk}/").content.decode()
    # then the page costs the same: the figures, the three reviews with their buyers, and their photos
    assert len(three) == len(one)
    assert page.count('class="review"') == 3


def test_the_buyer_writes_a_review_with_photos_and_the_product_page_shows_it(buyer, delivered_line):
    client = signed_in(buyer)
    pending = client.get("/me/reviews/").content.decode()
    assert f"/me/reviews/new/{delivered_line.pk}/" in pending
    assert "To review (1)" in pending
    form = client.get(f"/me/reviews/new/{delivered_line.pk}/").content.decode()
    assert 'name="stars"' in form
    assert 'name="anonymous"' in form
    assert "0/500" in form
    answer = client.post(
        f"/me/reviews/new/{delivered_line.pk}/",
        {"stars": "4", "text": "味道不错", "anonymous": "1", "photos": [photo(0), photo(1)]},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/me/reviews/?tab=mine"
    review = Review.objects.get()
    assert (review.stars, review.text, review.anonymous) == (4, "味道不错", True)
    assert ReviewPhoto.objects.filter(review=review).count() == 2
    # the toast says what the photos earned (the platform's rule: 20 points by default)
    toast = client.get("/me/reviews/?tab=mine").content.decode()
    assert "the photos earned you 20 points" in toast
    assert "味道不错" in toast
    page = Client().get(f"/p/{delivered_line.product_id}/").content.decode()
    assert "味道不错" in page
    assert "4.0" in page
    full = Client().get(f"/p/{delivered_line.product_id}/reviews/?photos=1").content.decode()
    assert "味道不错" in full
    # the item no longer waits, and its form sends the buyer to what they wrote
    assert f"/me/reviews/new/{delivered_line.pk}/" not in client.get("/me/reviews/").content.decode()
    assert client.get(f"/me/reviews/new/{delivered_line.pk}/")["Location"] == "/me/reviews/?tab=mine"


def test_a_tenth_photo_is_refused_on_the_form_and_nothing_is_written(buyer, delivered_line):
    client = signed_in(buyer)
    answer = client.post(
        f"/me/reviews/new/{delivered_line.pk}/",
        {"stars": "5", "text": "好", "photos": [photo(n) for n in range(10)]},
        HTTP_REFERER=f"http://testserver/me/reviews/new/{delivered_line.pk}/",
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    # the error stands under the photos, and what was typed stays
    assert re.search(
        r'name="photos"[^>]*>.*?<p class="field-error" role="alert">A review can show at most 9 photos', page, re.S
    )
    assert 'value="5" data-word="Excellent" checked' in page
    assert ">好</textarea>" in page
    assert not Review.objects.exists()
    assert not ReviewPhoto.objects.exists()


def test_nobody_opens_the_form_for_anothers_item(other_buyer, delivered_line):
    assert signed_in(other_buyer).get(f"/me/reviews/new/{delivered_line.pk}/").status_code == 404
    assert signed_in(other_buyer).post(f"/me/reviews/new/{delivered_line.pk}/", {"stars": "1"}).status_code == 404
    assert not Review.objects.exists()


def test_the_order_page_and_the_me_page_lead_to_the_review(buyer, delivered, delivered_line):
    client = signed_in(buyer)
    order_page = client.get(f"/orders/{delivered.number}/").content.decode()
    assert f'href="/me/reviews/new/{delivered_line.pk}/"' in order_page
    me = client.get("/me/").content.decode()
    assert re.search(r'<span class="shortcut-count">1</span>To review', me)
    # once reviewed, neither offers it again
    review(buyer, delivered_line, 5)
    assert "/me/reviews/new/" not in client.get(f"/orders/{delivered.number}/").content.decode()
    assert re.search(r'<span class="shortcut-count zero">0</span>To review', client.get("/me/").content.decode())


def test_the_buyer_adds_one_follow_up(buyer, delivered_line):
    written = review(buyer, delivered_line, 4, "还行")
    client = signed_in(buyer)
    assert f"/me/reviews/{written.pk}/follow-up/" in client.get("/me/reviews/?tab=mine").content.decode()
    answer = client.post(f"/me/reviews/{written.pk}/follow-up/", {"text": "用了两周，很耐用", "photos": [photo(0)]})
    assert answer.status_code == 302
    written.refresh_from_db()
    assert (written.follow_up_text, written.has_photos) == ("用了两周，很耐用", True)
    assert f"/me/reviews/{written.pk}/follow-up/" not in client.get("/me/reviews/?tab=mine").content.decode()


def test_the_shop_replies_once_from_the_merchant_centre(buyer, delivered_line, merchant_staff):
    review = services.review_create(actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=3))
    client = signed_in(merchant_staff)
    assert "Reply" in client.get("/merchant/reviews/?unanswered=1").content.decode()
    client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "感谢反馈"})
    client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "再回复"})
    assert Review.objects.get().reply_text == "感谢反馈"
    listed = client.get("/merchant/reviews/").content.decode()
    assert "感谢反馈" in listed
    assert f"/merchant/reviews/{review.pk}/reply/" not in listed
    assert "感谢反馈" not in client.get("/merchant/reviews/?unanswered=1").content.decode()


def test_another_shop_neither_sees_nor_answers_the_review(buyer, delivered_line, other_merchant_staff):
    written = review(buyer, delivered_line, 2, "发货太慢")
    client = signed_in(other_merchant_staff)
    assert "发货太慢" not in client.get("/merchant/reviews/").content.decode()
    assert client.post(f"/merchant/reviews/{written.pk}/reply/", {"text": "抢答"}).status_code == 404
    written.refresh_from_db()
    assert written.reply_text == ""


def test_a_member_reports_from_the_full_list_and_an_operator_removes_it_with_a_reason(
    buyer, other_buyer, delivered_line, reviewer
):
    review = services.review_create(
        actor=buyer, order_line_id=delivered_line.pk, data=services.ReviewInput(stars=1, text="骗子店铺")
    )
    full = f"/p/{delivered_line.product_id}/reviews/"
    assert f"/reviews/{review.pk}/report/" not in Client().get(full).content.decode()  # signed in only
    reporter = signed_in(other_buyer)
    page = reporter.get(full).content.decode()
    assert f"/reviews/{review.pk}/report/" in page
    assert 'value="abuse"' in page
    reporter.post(f"/reviews/{review.pk}/report/", {"reason": "abuse"}, HTTP_REFERER=f"http://testserver{full}")
    client = signed_in(reviewer)
    queue = client.get("/operator/reviews/").content.decode()
    assert "骗子店铺" in queue
    assert "Reported: Abusive or offensive" in queue
    # removing without a reason is refused beside the form, and nothing changes
    answer = client.post(
        f"/operator/reviews/{review.pk}/decide/",
        {"_form": str(review.pk), "decision": "remove", "reason": ""},
        HTTP_REFERER="http://testserver/operator/reviews/",
    )
    assert answer.status_code == 422
    assert '<p class="field-error" role="alert">' in answer.content.decode()
    assert Review.objects.get().status == ReviewStatus.PUBLISHED
    client.post(f"/operator/reviews/{review.pk}/decide/", {"decision": "remove", "reason": "辱骂"})
    assert Review.objects.get().status == ReviewStatus.REMOVED
    assert "骗子店铺" not in Client().get(f"/p/{delivered_line.product_id}/").content.decode()
    assert "骗子店铺" not in client.get("/operator/reviews/").content.decode()
    # the buyer reads why
    assert "Reason given by the platform: 辱骂" in signed_in(buyer).get("/me/reviews/?tab=mine").content.decode()


def test_the_operator_holds_a_word_and_the_queue_says_which(buyer, delivered_line, reviewer):
    client = signed_in(reviewer)
    client.post("/operator/reviews/terms/", {"term": "加微信"})
    held = review(buyer, delivered_line, 5, "好评返现加微信")
    assert held.status == ReviewStatus.HELD
    queue = client.get("/operator/reviews/").content.decode()
    assert "好评返现加微信" in queue
    assert re.search(r'<p class="review-flag">[^<]*: 加微信</p>', queue)  # the word that held it
    client.post(f"/operator/reviews/{held.pk}/decide/", {"decision": "keep"})
    assert Review.objects.get().status == ReviewStatus.PUBLISHED
    term = re.search(r"/operator/reviews/terms/(\d+)/remove/", client.get("/operator/reviews/").content.decode())
    client.post(term.group(0))
    assert "/operator/reviews/terms/" in client.get("/operator/reviews/").content.decode()
    assert not re.search(r"/operator/reviews/terms/\d+/remove/", client.get("/operator/reviews/").content.decode())


@pytest.mark.parametrize("path", ["/me/reviews/", "/merchant/reviews/", "/operator/reviews/"])
def test_the_review_pages_send_a_visitor_to_log_in(path):
    answer = Client().get(path)
    assert answer.status_code == 302
    assert "/login/" in answer["Location"] or "login" in answer["Location"]


def test_the_consoles_refuse_the_wrong_people(buyer, merchant_staff, delivered_line):
    written = review(buyer, delivered_line, 1, "差")
    assert signed_in(buyer).get("/merchant/reviews/").status_code == 403
    assert signed_in(buyer).get("/operator/reviews/").status_code == 403
    assert signed_in(merchant_staff).get("/operator/reviews/").status_code == 403
    assert (
        signed_in(merchant_staff)
        .post(f"/operator/reviews/{written.pk}/decide/", {"decision": "remove", "reason": "x"})
        .status_code
        == 403
    )
    assert signed_in(buyer).post("/operator/reviews/terms/", {"term": "差"}).status_code == 403
    assert Review.objects.get().status == ReviewStatus.PUBLISHED
