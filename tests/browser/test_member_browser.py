"""A member checks in, spends points at checkout, the order completes, they review it with a photo, and the shop
replies."""

import re

import pytest
from playwright.sync_api import Page, expect

from jishi.loyalty.models import EntryKind, Member, PointsEntry
from jishi.orders.models import Order
from jishi.reviews.models import Review
from tests import factories
from tests.browser.test_buying_browser import _log_in
from tests.browser.test_promotions_browser import _shot
from tests.conftest import image_bytes
from tests.loyalty.conftest import grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def food(merchant_staff, buyer):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    product = factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="120.00", stock=20)
    buyer.set_password(factories.PASSWORD)
    buyer.save()
    factories.address(buyer, is_default=True)
    grant(buyer, 300)
    return product


def test_check_in_spend_points_review_with_a_photo_and_the_shop_replies(
    page: Page, browser, live_server, food, buyer, merchant_staff, tmp_path
):
    base = live_server.url
    _log_in(page, base, buyer.email)
    # the member checks in: five points, a streak of one
    page.goto(f"{base}/me/member/")
    page.locator("button.member-check-in").click()
    expect(page.locator("button.member-check-in.done")).to_be_visible()
    _shot(page, "member-centre")
    assert Member.objects.get(pk=buyer.pk).balance == 305
    # buys the cat food now and switches points on at checkout: 305 points take ¥3.05 off
    page.goto(f"{base}/p/{food.pk}/")
    page.locator(".buy-bar-now").click()
    expect(page).to_have_url(re.compile(r"/checkout/"))
    page.locator("#use-points").check()
    expect(page.locator(".member-checkout-points")).to_contain_text("305")
    _shot(page, "checkout-points")
    page.locator("button[data-submit-once]").click()
    expect(page).to_have_url(re.compile(r"/pay/\d{18}/$"))
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.locator("button[value=pay]").click()
    expect(page).to_have_url(re.compile(r"/orders/\?checkout=\d{18}"))
    order = Order.objects.get(buyer=buyer)
    assert order.total_minor == 12000 - 305 + order.shipping_minor
    # the shop ships it, the buyer receives it and the after-sales window closes: the order completes
    factories.complete(order)
    earned = PointsEntry.objects.get(member_id=buyer.pk, kind=EntryKind.EARN_ORDER).points
    assert earned == order.total_minor // 100
    # the buyer reviews it with a photo
    page.goto(f"{base}/me/reviews/")
    page.locator("a[href*='/me/reviews/new/']").click()
    page.locator("label[for=stars-5]").click()
    page.locator("#review-text").fill("猫咪很爱吃，颗粒大小合适")
    photo = tmp_path / "cat.png"
    photo.write_bytes(image_bytes(size=(320, 240)))
    page.locator("#review-photos").set_input_files(str(photo))
    _shot(page, "review-form")
    page.locator("form.review-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/me/reviews/\?tab=mine"))
    review = Review.objects.get()
    assert (review.stars, review.has_photos) == (5, True)
    assert PointsEntry.objects.filter(member_id=buyer.pk, kind=EntryKind.EARN_REVIEW).exists()
    # and the shop replies from the merchant centre
    merchant = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    _log_in(merchant, base, merchant_staff.email)
    merchant.goto(f"{base}/merchant/reviews/?unanswered=1")
    merchant.locator(f"#reply-{review.pk}").fill("感谢亲的支持，欢迎再来！")
    merchant.locator("form.review-reply-form button[type=submit]").click()
    expect(merchant.locator(f"#reply-{review.pk}")).to_have_count(0)  # answered: out of the unanswered list
    merchant.goto(f"{base}/merchant/reviews/")
    expect(merchant.locator(".review-reply")).to_contain_text("感谢亲的支持")
    _shot(merchant, "merchant-reviews")
    # the product page shows the review, its photo and the reply
    page.goto(f"{base}/p/{food.pk}/")
    expect(page.locator("#reviews")).to_contain_text("猫咪很爱吃")
    expect(page.locator("#reviews .review-reply")).to_contain_text("感谢亲的支持")
    expect(page.locator("#reviews .review-photos img")).to_have_count(1)
    _shot(page, "product-reviews")
