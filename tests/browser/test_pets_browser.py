"""宠物 from search to a ruled transit claim: a buyer on a phone finds a kitten within 50 km, checks its records on
the public verify page and buys it; the breeder, refused shipping by pet courier without the quarantine
certificate, uploads it, ships and records the journey; the buyer reports it arrived unwell and claims for a
transit injury; the breeder rejects the claim, the buyer escalates and support rules a partial refund."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from jishi.aftersales.models import AftersalesRequest
from jishi.ledger import selectors as ledger
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments.models import PaymentRefund
from jishi.pets import services as pets
from jishi.pets.models import Pet, PetClaim, PetSale
from tests import factories
from tests.browser.test_buying_browser import _log_in
from tests.browser.test_promotions_browser import _pay, _shot
from tests.pets.conftest import PDF, logged, pet_of, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAGDOLL = "布偶猫 海双色 弟弟 已打两针疫苗"
FAR_AWAY = "英短蓝猫 妹妹 北京可接"


@pytest.fixture
def litter(settings, buyer):
    """A breeder in Suzhou with a published ragdoll kitten, two vaccinations logged under a signed checkpoint; a
    second breeder's kitten in Beijing; the buyer, with a default address. Refunds are sent at once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    breeder = factories.merchant_owner(name="布偶小筑", kind="breeder")
    kitten = pet_of(breeder, title=RAGDOLL)  # Suzhou, 31.2989,120.5853
    logged(breeder, kitten, 2)
    far_breeder = factories.merchant_owner(name="京城猫舍", kind="breeder")
    pet_of(far_breeder, title=FAR_AWAY, sex="female", city="北京市", latitude=39.9042, longitude=116.4074)
    pets.checkpoint_sign()
    factories.address(buyer, province="江苏省", city="苏州市", district="姑苏区", is_default=True)
    return {"breeder": breeder, "kitten": kitten}


def _screen(browser: Browser, width: int) -> tuple[Page, list[str]]:
    """Another person's browser: its own context, ``width`` px wide, in Chinese, saying yes to confirmations;
    with what the page's CSP refused, to be empty at the end."""
    other = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 900})
    refused: list[str] = []
    other.on("dialog", lambda dialog: dialog.accept())
    other.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    return other, refused


def _local(moment: dt.datetime) -> str:
    """A time as a datetime-local field takes it, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_kitten_found_nearby_verified_bought_shipped_claimed_and_ruled(
    page: Page, browser: Browser, live_server, litter, buyer, support, tmp_path
):
    base = live_server.url
    breeder, kitten = litter["breeder"], litter["kitten"]
    certificate = tmp_path / "检疫证明.pdf"
    certificate.write_bytes(PDF)
    arrival_photo = tmp_path / "arrival.png"
    arrival_photo.write_bytes(png((180, 60, 60)))
    vet_report = tmp_path / "vet-report.pdf"
    vet_report.write_bytes(PDF)

    # the buyer, on a phone, opens 宠物 and types where they are (no geolocation here), 附近 50 公里
    _log_in(page, base, buyer.email)
    expect(page.locator("input[name=password]")).to_have_count(0)
    page.goto(f"{base}/pets/")
    expect(page.locator(".pet-place-state")).to_have_text("未定位")
    page.locator(".pet-coords summary").click()
    page.locator("input[name=lat]").fill("31.30")
    page.locator("input[name=lng]").fill("120.62")
    expect(page.locator("#pet-km option:checked")).to_have_text("50 公里")
    page.get_by_role("button", name="在此搜索").click()
    expect(page).to_have_url(f"{base}/pets/?km=50&lat=31.30&lng=120.62")
    expect(page.locator(".pet-place-state")).to_have_text("已定位")
    expect(page.locator(".pet-total")).to_contain_text("50 公里内")
    card = page.locator(".pet-card")
    expect(card).to_have_count(1)
    expect(card.locator(".title")).to_have_text(RAGDOLL)
    expect(card.locator(".pet-where")).to_have_text("苏州市 · 3.3 公里")
    expect(card.locator(".pet-seller")).to_have_text("认证繁育者")
    expect(card.locator(".price")).to_have_text("¥4,800.00")
    _shot(page, "pets_search_nearby")
    # the Beijing kitten is there at any distance, and left out again within 50 km
    page.locator("#pet-km").select_option("any")
    expect(page.locator(".pet-card")).to_have_count(2)
    expect(page.locator(".pet-card", has_text=FAR_AWAY).locator(".pet-where")).to_contain_text("北京市")
    page.locator("#pet-km").select_option("50")
    expect(page.locator(".pet-card")).to_have_count(1)
    expect(page.locator(".pet-card .title")).to_have_text(RAGDOLL)

    # the card opens the listing: the pet panel, its two vaccinations 已验证
    page.locator(".pet-card a").click()
    expect(page).to_have_url(f"{base}/p/{kitten.product_id}/")
    panel = page.locator(".pet-panel")
    expect(panel).to_contain_text("布偶猫")
    records = page.locator(".pet-records-panel .pet-record-lines li")
    expect(records).to_have_count(2)
    expect(records.locator(".pet-proven")).to_have_text(["已验证", "已验证"])
    expect(records.first).to_contain_text("妙三多 猫三联")
    _shot(page, "pets_product")

    # and follows 去核验 to the public proof: both records proven under the signed checkpoint
    page.locator(".pet-records-panel h2 a").click()
    expect(page).to_have_url(f"{base}/pets/{kitten.pk}/verify/")
    expect(page.locator("h1")).to_have_text("档案验证")
    expect(page.locator(".pet-summary.all .panel-title")).to_have_text("2 条记录中 2 条已证明")
    history = page.locator(".pet-history .pet-record")
    expect(history).to_have_count(2)
    expect(history.locator(".pet-proven")).to_have_text(["已验证", "已验证"])
    expect(history.locator(".pet-problem")).to_have_count(0)
    expect(page.locator(".pet-verify-head")).to_contain_text("布偶小筑")
    _shot(page, "pets_verify")

    # back on the listing, they buy it now and pay on the sandbox
    page.go_back()
    expect(page).to_have_url(f"{base}/p/{kitten.product_id}/")
    page.locator(".buy-bar-now").click()
    expect(page.locator("main")).to_contain_text(RAGDOLL)
    _shot(page, "pets_checkout")
    _pay(page)
    order = Order.objects.get(buyer=buyer)
    sale = PetSale.objects.get(order=order)
    assert (order.status, sale.pet_id, sale.delivery, sale.checkpoint_size) == ("paid", kitten.pk, "pet_courier", 2)
    assert not Pet.objects.get(pk=kitten.pk).is_live
    order_url = f"{base}/orders/{order.number}/"
    page.goto(order_url)
    box = page.locator(f"#petsale-{sale.pk}")
    expect(box.locator(".petsale-cert")).to_have_text("卖家尚未上传检疫证明：宠物须凭检疫证明才能托运。")
    expect(box.get_by_role("link", name="验证健康档案")).to_have_attribute("href", f"/pets/{kitten.pk}/verify/")

    # the breeder, at a desk, opens the order and tries to ship it by pet courier: refused on the page
    shop, shop_refused = _screen(browser, 1280)
    _log_in(shop, base, breeder.email)
    expect(shop.locator("input[name=password]")).to_have_count(0)
    shop.goto(f"{base}/merchant/orders/")
    shop.locator(f"a.mono[href='/merchant/orders/{order.number}/']").click()
    expect(shop.locator(".badge.big")).to_have_text("待发货")
    shop_box = shop.locator(f"#petsale-{sale.pk}")
    expect(shop_box.locator(".petsale-way")).to_have_text("宠物托运")
    shop.locator("#id_carrier").fill("宠物托运")
    shop.locator("input[name=tracking_number]").fill("PT2026001")
    shop.get_by_role("button", name="确认发货").click()
    expect(shop_box.locator(".petsale-notice.bad[role=alert]")).to_have_text(
        "发货被拒：该宠物通过托运或空运发货，须附检疫证明。请在下方上传后再发货。"
    )
    expect(shop.locator("main")).to_contain_text("宠物托运或空运必须持有动物检疫合格证明，请先上传后再发货。")
    expect(shop.locator(".badge.big")).to_have_text("待发货")
    _shot(shop, "pets_ship_refused")
    assert Order.objects.get(pk=order.pk).status == "paid"

    # uploads the certificate, then ships
    shop_box.locator("input[name=quarantine_number]").fill("苏 3205001234")
    shop_box.locator("input[name=document]").set_input_files(certificate)
    shop_box.get_by_role("button", name="上传检疫证明").click()
    expect(shop.locator(".message.success")).to_have_text("检疫证明已上传。")
    expect(shop_box.locator(".petsale-cert.ok")).to_contain_text("已上传：No. 苏 3205001234")
    shop.locator("#id_carrier").fill("宠物托运")
    shop.locator("input[name=tracking_number]").fill("PT2026001")
    shop.get_by_role("button", name="确认发货").click()
    expect(shop.locator(".message.success")).to_have_text("已发货，买家现在可以查看物流了。")
    expect(shop.locator(".badge.big")).to_have_text("已发货")

    # and records the journey: handed to the pet courier, then arrived
    shop_box.locator("select[name=kind]").select_option("handed_over")
    shop_box.locator("input[name=at]").fill(_local(timezone.now() - dt.timedelta(hours=3)))
    shop_box.locator("input[name=place]").fill("苏州 宠物托运站")
    shop_box.get_by_role("button", name="添加到运输记录").click()
    expect(shop.locator(".message.success")).to_have_text("已添加到宠物的运输记录。")
    shop_box.locator("select[name=kind]").select_option("arrived")
    shop_box.locator("input[name=place]").fill("苏州姑苏区 提货点")
    shop_box.locator("input[name=note]").fill("买家已到提货点接走")
    shop_box.get_by_role("button", name="添加到运输记录").click()
    expect(shop.locator(".message.success")).to_have_text("已添加到宠物的运输记录。")
    track = shop_box.locator(".petsale-track li")
    expect(track).to_have_count(2)
    expect(track.locator("strong")).to_have_text(["已交运", "已到货"])
    expect(shop_box.get_by_role("button", name="添加到运输记录")).to_have_count(0)
    _shot(shop, "pets_shop_journey")

    # the buyer reloads the order: the certificate is in and the journey shows
    page.reload()
    expect(page.locator(".badge.big")).to_have_text("已发货")
    expect(box.locator(".petsale-cert.ok")).to_have_text("已上传检疫证明 No. 苏 3205001234")
    buyer_track = box.locator(".petsale-track li")
    expect(buyer_track).to_have_count(2)
    expect(buyer_track.locator("strong")).to_have_text(["已交运", "已到货"])
    expect(buyer_track.nth(0)).to_contain_text("苏州 宠物托运站")
    expect(buyer_track.nth(1)).to_contain_text("买家已到提货点接走")
    _shot(page, "pets_order_arrived")

    # the kitten arrived limping: unwell, with a photo
    arrival = box.locator("form.petsale-arrival")
    arrival.locator("input[name=condition][value=unwell]").check()
    arrival.locator("textarea[name=note]").fill("右前腿跛行，不愿走动")
    arrival.locator("input[name=photos]").set_input_files(arrival_photo)
    arrival.get_by_role("button", name="确认到货").click()
    expect(page.locator(".message.success")).to_have_text("已确认到货，健康保障自到货时起计算。")
    expect(page.locator(".badge.big")).to_have_text("已收货")
    expect(box.locator(".badge.petsale-unwell")).to_have_text("异常")
    expect(box.locator(".petsale-photos img")).to_have_count(1)

    # and files a transit-injury claim for ¥800 with a photo and the vet's report
    box.locator(".petsale-claim summary").click()
    claim_form = box.locator(".petsale-claim form")
    claim_form.locator("select[name=kind]").select_option("transit_injury")
    claim_form.locator("textarea[name=description]").fill("到货时右前腿跛行，宠物医院诊断为运输中扭伤")
    claim_form.locator("input[name=amount]").fill("800")
    claim_form.locator("input[name=evidence]").set_input_files([arrival_photo, vet_report])
    _shot(page, "pets_claim_form")
    claim_form.get_by_role("button", name="提交理赔申请").click()
    expect(page.locator(".message.success")).to_have_text("理赔申请已提交给卖家，可在此跟进。")
    expect(page.locator(".badge.requested.big")).to_be_visible()
    expect(page.locator(".aftersales-facts")).to_contain_text("运输途中受伤")
    expect(page.locator(".aftersales-facts .price")).to_have_text("¥800.00")
    expect(page.locator(".evidence-side").first.locator("figure.evidence")).to_have_count(2)
    claim = PetClaim.objects.get(sale=sale)
    assert claim.kind == "transit_injury"
    expect(page).to_have_url(f"{base}/aftersales/{claim.request_number}/")
    claim_url = page.url

    # the breeder rejects it from the after-sales queue
    shop.goto(f"{base}/merchant/aftersales/")
    shop.locator(f"table a.mono[href$='/{claim.request_number}/']").click()
    expect(shop.locator(".badge.requested.big")).to_be_visible()
    shop.locator("textarea[name=reason]").fill("发货时健康，有视频为证")
    _shot(shop, "pets_shop_claim")
    shop.locator("form:has(textarea[name=reason]) button[type=submit]").click()
    expect(shop.locator(".badge.rejected.big")).to_have_text("商家已拒绝")

    # the buyer escalates it
    page.goto(claim_url)
    expect(page.locator(".badge.rejected.big")).to_be_visible()
    expect(page.locator("main")).to_contain_text("发货时健康，有视频为证")
    page.locator("textarea[name=note]").fill("运输前后状态差异明显，请平台介入")
    page.get_by_role("button", name="申请平台介入").click()
    expect(page.locator(".badge.arbitration.big")).to_have_text("平台仲裁中")

    # support opens the arbitration, reads both sides and rules ¥500 for the buyer
    desk, desk_refused = _screen(browser, 1280)
    _log_in(desk, base, support.email)
    expect(desk.locator("input[name=password]")).to_have_count(0)
    desk.goto(f"{base}/operator/aftersales/")
    desk.locator(f"table a.mono[href$='/{claim.request_number}/']").click()
    expect(desk.locator(".evidence-side")).to_have_count(2)
    expect(desk.locator("main")).to_contain_text("发货时健康，有视频为证")
    expect(desk.locator("main")).to_contain_text("运输前后状态差异明显，请平台介入")
    desk.locator("input[name=ruling][value=buyer]").check()
    desk.locator("input[name=amount]").fill("500")
    desk.locator("textarea[name=note]").fill("运输受伤属实，卖家承担部分")
    _shot(desk, "pets_arbitration")
    desk.get_by_role("button", name="提交裁决").click()
    expect(desk.locator(".message.success")).to_have_text("裁决已记录并执行。")
    expect(desk.locator(".badge.refunded.big")).to_have_text("已退款")

    # the buyer's claim page says 已退款, ¥500.00, and why
    page.reload()
    expect(page.locator(".badge.refunded.big")).to_have_text("已退款")
    expect(page.locator(".aftersales-facts .price")).to_have_text("¥500.00")
    expect(page.locator("main")).to_contain_text("运输受伤属实，卖家承担部分")
    _shot(page, "pets_claim_refunded")

    # and the books: ¥500 back through the gateway, the order delivered and no longer held, the sale as reported
    request = AftersalesRequest.objects.get(number=claim.request_number)
    assert (request.kind, request.status, request.amount_minor) == ("claim", "refunded", 50_000)
    refund = PaymentRefund.objects.get(order=order)
    assert (refund.status, refund.amount_minor) == ("succeeded", 50_000)
    order.refresh_from_db()
    assert (order.status, order.on_hold) == ("delivered", False)
    assert ledger.order_figures(order).refunded == 50_000
    assert reconcile().ok
    sale.refresh_from_db()
    assert (sale.quarantine_number, sale.condition, sale.condition_note) == (
        "苏 3205001234",
        "unwell",
        "右前腿跛行，不愿走动",
    )
    assert None not in (sale.quarantine_uploaded_at, sale.arrived_at, sale.confirmed_at)
    assert [event.kind for event in sale.events.order_by("at")] == ["handed_over", "arrived"]
    assert list(PetClaim.objects.values_list("kind", "request_number")) == [("transit_injury", claim.request_number)]
    shop.context.close()
    desk.context.close()
    assert shop_refused == desk_refused == []
