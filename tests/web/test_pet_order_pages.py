"""A pet's sale on the order pages: the buyer chooses how it travels, follows its journey, confirms its arrival
and claims; the shop is refused shipping without the quarantine certificate, uploads it, records the journey or
hands the pet over in person; arrival photos stay private; an ordinary order page pays one query for all this."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jishi.aftersales.models import AftersalesRequest
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.pets import services
from jishi.pets.models import ArrivalPhoto, PetClaim, PetSale, TransitEvent
from jishi.web.buyer import shopping
from jishi.web.merchant import orders as merchant_orders
from tests import factories
from tests.pets.conftest import PDF, logged, pet_of, png

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def breeder():
    return factories.merchant_owner(name="布偶小筑", kind="breeder")


@pytest.fixture
def kitten(breeder):
    return pet_of(breeder)


@pytest.fixture
def sale(breeder, kitten, buyer):
    logged(breeder, kitten)
    services.checkpoint_sign()
    factories.pay(factories.place(buyer, (factories.sku_of(kitten.product), 1)))
    return PetSale.objects.select_related("order", "pet").get(pet=kitten)


def _order_url(sale, *, shop=False):
    return f"{'/merchant' if shop else ''}/orders/{sale.order.number}/"


def _box(page, sale):
    """The pet's box of an order page."""
    return page.split(f'id="petsale-{sale.pk}"')[1].split("</section>")[0]


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _sent(breeder, sale):
    services.quarantine_upload(actor=breeder, sale_id=sale.pk, number="苏 3205001234", document=PDF)
    orders.order_ship(actor=breeder, order_number=sale.order.number, carrier="宠物托运", tracking_number="PT2026")


def _arrived(breeder, sale):
    _sent(breeder, sale)
    now = timezone.now()
    for kind, hours, place in (
        ("handed_over", 9, "苏州 宠物托运站"),
        ("checkpoint", 5, "南京 中转"),
        ("arrived", 0, "北京 提货点"),
    ):
        services.transit_event_add(
            actor=breeder, sale_id=sale.pk, kind=kind, at=now - dt.timedelta(hours=hours), place=place
        )


# The buyer's box ------------------------------------------------------------------------------------------------


def test_the_buyer_sees_the_verify_link_and_qr_and_chooses_how_the_pet_travels(english, buyer, sale):
    # given a paid pet order
    english.force_login(buyer)
    url = _order_url(sale)
    # when the buyer opens it
    box = _box(english.get(url).content.decode(), sale)
    # then the box links and draws the QR of the pet's verify page, with the checkpoint kept at purchase
    assert f'href="/pets/{sale.pet_id}/verify/"' in box
    assert 'class="segno"' in box
    assert "Log checkpoint kept at purchase: size 1" in box
    assert 'name="delivery" value="pet_courier" checked' in box
    assert 'name="delivery" value="collection"' in box
    assert "The seller has not uploaded the quarantine certificate yet" in box
    # when a way the seller does not offer is asked for, the page comes back with the error beside the chooser
    delivery = f"/orders/{sale.order.number}/pets/{sale.pk}/delivery/"
    refused = english.post(delivery, {"_form": f"petsale-{sale.pk}-delivery", "delivery": "air_cargo"})
    assert refused.status_code == 422
    assert '<p class="field-error" role="alert">The seller does not offer this way.</p>' in _box(
        refused.content.decode(), sale
    )
    assert PetSale.objects.get(pk=sale.pk).delivery == "pet_courier"
    # when the buyer picks collection in person
    chosen = english.post(delivery, {"_form": f"petsale-{sale.pk}-delivery", "delivery": "collection"})
    # then it is kept, and the page says where to collect it
    assert chosen["Location"] == f"{url}#petsale-{sale.pk}"
    assert PetSale.objects.get(pk=sale.pk).delivery == "collection"
    box = _box(english.get(url).content.decode(), sale)
    assert 'name="delivery" value="collection" checked' in box
    assert "You collect the pet from the seller in person, in 苏州市." in box


def test_the_buyer_follows_the_journey_confirms_arrival_with_a_photo_and_claims_with_a_pdf(
    english, breeder, buyer, sale
):
    # given a pet sent with its certificate, handed to the carrier, through a checkpoint, arrived
    _arrived(breeder, sale)
    english.force_login(buyer)
    url = _order_url(sale)
    box = _box(english.get(url).content.decode(), sale)
    # then the timeline runs oldest to newest, the newest marked, and the arrival form says what confirming does
    assert "Quarantine certificate uploaded, No. 苏 3205001234" in box
    steps = re.findall(r"<strong>(Handed over|In transit|Arrived)</strong> · ([^<]+)</div>", box)
    assert steps == [("Handed over", "苏州 宠物托运站"), ("In transit", "南京 中转"), ("Arrived", "北京 提货点")]
    assert box.count('<li class="now">') == 1
    assert "Confirming the arrival also confirms receipt of the order" in box
    deadline = timezone.localtime(PetSale.objects.get(pk=sale.pk).arrived_at + dt.timedelta(hours=24))
    assert f"Confirm by {deadline:%Y-%m-%d %H:%M}" in box
    arrival = f"/orders/{sale.order.number}/pets/{sale.pk}/arrival/"

    # when the buyer says it arrived unwell without a photo, the error is beside the photos and nothing changed
    refused = english.post(arrival, {"_form": f"petsale-{sale.pk}-arrival", "condition": "unwell", "note": "跛行"})
    assert refused.status_code == 422
    shown = _box(refused.content.decode(), sale)
    assert 'value="unwell" checked' in shown
    assert ">跛行</textarea>" in shown
    assert "Add photos of how the pet arrived (up to 9).</p>" in shown.split('name="photos"')[1]
    assert (Order.objects.get(pk=sale.order_id).status, ArrivalPhoto.objects.count()) == ("shipped", 0)

    # when they confirm with a photo
    photo = SimpleUploadedFile("a.png", png(), content_type="image/png")
    confirmed = english.post(arrival, {"condition": "unwell", "note": "右前腿跛行", "photos": [photo]})
    assert confirmed.status_code == 302
    # then the order is received, the photo shows to them, and the guarantee's deadlines and the claim form appear
    assert Order.objects.get(pk=sale.order_id).status == "delivered"
    box = _box(english.get(url).content.decode(), sale)
    [photo_id] = ArrivalPhoto.objects.values_list("pk", flat=True)
    photo_url = f"/orders/{sale.order.number}/pets/{sale.pk}/photos/{photo_id}/"
    assert f'src="{photo_url}"' in box
    served = english.get(photo_url)
    assert (served.status_code, served["Content-Type"], served["Cache-Control"]) == (
        200,
        "image/png",
        "private, no-store",
    )
    arrived = PetSale.objects.get(pk=sale.pk).arrived_at
    assert f"until {timezone.localtime(arrived + dt.timedelta(hours=24)):%Y-%m-%d %H:%M}" in box
    assert f"until {timezone.localtime(arrived + dt.timedelta(days=7)):%Y-%m-%d %H:%M}" in box
    assert "File a claim" in box

    # when they claim for a transit injury with a vet's PDF
    vet = SimpleUploadedFile("vet.pdf", PDF, content_type="application/pdf")
    claimed = english.post(
        f"/orders/{sale.order.number}/pets/{sale.pk}/claim/",
        {"kind": "transit_injury", "description": "运输中扭伤", "amount": "800", "evidence": [vet]},
    )
    # then it reaches after-sales as a claim with its evidence, and the order page links to it
    claim = PetClaim.objects.get()
    assert claimed["Location"] == f"/aftersales/{claim.request_number}/"
    request = AftersalesRequest.objects.get(number=claim.request_number)
    assert (request.kind, request.amount_minor, request.evidence.count()) == ("claim", 80_000, 1)
    assert english.get(claimed["Location"]).status_code == 200
    box = _box(english.get(url).content.decode(), sale)
    assert f'href="/aftersales/{claim.request_number}/"' in box


def test_a_claim_without_evidence_is_refused_beside_the_files_and_nothing_is_written(english, breeder, buyer, sale):
    # given a pet that arrived healthy
    _arrived(breeder, sale)
    services.arrival_confirm(actor=buyer, sale_id=sale.pk, condition="healthy", photos=[])
    english.force_login(buyer)
    # when a claim comes without files
    refused = english.post(
        f"/orders/{sale.order.number}/pets/{sale.pk}/claim/",
        {"_form": f"petsale-{sale.pk}-claim", "kind": "illness", "description": "呕吐", "amount": "12.345"},
    )
    # then the claim form is open again with the amount's error, what was typed kept, nothing written
    assert refused.status_code == 422
    box = _box(refused.content.decode(), sale)
    assert '<details class="petsale-claim" open>' in box
    assert ">呕吐</textarea>" in box
    assert "An amount in yuan, such as 800 or 800.50." in box
    assert (PetClaim.objects.count(), AftersalesRequest.objects.count()) == (0, 0)
    refused = english.post(
        f"/orders/{sale.order.number}/pets/{sale.pk}/claim/",
        {"_form": f"petsale-{sale.pk}-claim", "kind": "illness", "description": "呕吐"},
    )
    assert "Add photos or a vet&#x27;s report (up to 9 files).</p>" in _box(refused.content.decode(), sale)
    assert (PetClaim.objects.count(), AftersalesRequest.objects.count()) == (0, 0)


# The shop's box -------------------------------------------------------------------------------------------------


def test_the_shop_cannot_ship_without_the_certificate_then_uploads_it_ships_and_records_the_journey(
    english, breeder, sale
):
    # given a paid order of a pet travelling by pet courier
    english.force_login(breeder)
    url = _order_url(sale, shop=True)
    box = _box(english.get(url).content.decode(), sale)
    assert "Shipping by pet courier or air cargo is refused until the quarantine certificate is uploaded." in box
    # when the shop ships it
    ship = {"carrier": "宠物托运", "tracking_number": "PT2026"}
    refused = english.post(f"{url}ship/", ship)
    # then it is refused, the ship form says why and the pet's box points at the upload
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "A pet travels by courier or air only with its quarantine certificate" in page.split('id="ship-title"')[1]
    assert 'class="petsale-notice bad" role="alert"' in _box(page, sale)
    assert Order.objects.get(pk=sale.order_id).status == "paid"

    # when the certificate comes without its file, the error is beside the file and nothing is written
    quarantine = f"{url}pets/{sale.pk}/quarantine/"
    missing = english.post(quarantine, {"_form": f"petsale-{sale.pk}-quarantine", "quarantine_number": "苏 32050"})
    assert missing.status_code == 422
    assert 'value="苏 32050"' in _box(missing.content.decode(), sale)
    assert "within the size limit.</p>" in _box(missing.content.decode(), sale).split('name="document"')[1]
    assert PetSale.objects.get(pk=sale.pk).quarantine_uploaded_at is None
    # when it is uploaded with a PDF, shipping goes through
    document = SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf")
    uploaded = english.post(quarantine, {"quarantine_number": "苏 3205001234", "document": document})
    assert uploaded["Location"] == f"{url}#petsale-{sale.pk}"
    assert PetSale.objects.get(pk=sale.pk).quarantine_number == "苏 3205001234"
    assert "Uploaded: No. 苏 3205001234" in _box(english.get(url).content.decode(), sale)
    assert english.post(f"{url}ship/", ship).status_code == 302
    assert Order.objects.get(pk=sale.order_id).status == "shipped"

    # when the shop records the journey
    events = f"{url}pets/{sale.pk}/events/"
    now = timezone.now()
    future = {"_form": f"petsale-{sale.pk}-event", "kind": "checkpoint", "at": _local(now + dt.timedelta(hours=3))}
    too_late = english.post(events, future | {"place": "南京"})
    assert too_late.status_code == 422
    assert "in the future.</p>" in _box(too_late.content.decode(), sale).split('name="at"')[1]
    for kind, hours, place in (("handed_over", 8, "苏州 宠物托运站"), ("arrived", 0, "北京 提货点")):
        answer = english.post(events, {"kind": kind, "at": _local(now - dt.timedelta(hours=hours)), "place": place})
        assert answer.status_code == 302
    # then the timeline shows them and the form is gone once the pet has arrived
    box = _box(english.get(url).content.decode(), sale)
    assert re.findall(r"<strong>(Handed over|Arrived)</strong>", box) == ["Handed over", "Arrived"]
    assert "Add to the journey" not in box
    assert [e.kind for e in TransitEvent.objects.filter(sale=sale)] == ["handed_over", "arrived"]


def test_a_pet_collected_in_person_is_handed_over_instead_of_shipped(english, breeder, buyer, sale):
    # given the buyer chose collection in person
    services.sale_delivery_set(actor=buyer, sale_id=sale.pk, delivery="collection")
    english.force_login(breeder)
    url = _order_url(sale, shop=True)
    page = english.get(url).content.decode()
    # then the hand-over form takes the place of the courier shipping form, and no certificate is asked for
    assert 'id="ship-title"' not in page
    assert "Not needed when the buyer collects the pet in person." in _box(page, sale)
    hand_over = f"{url}pets/{sale.pk}/hand-over/"
    refused = english.post(hand_over, {"_form": f"petsale-{sale.pk}-hand_over", "place": " "})
    assert refused.status_code == 422
    assert Order.objects.get(pk=sale.order_id).status == "paid"
    # when the shop says it was handed over
    assert english.post(hand_over, {"place": "苏州市吴中区 布偶小筑猫舍"}).status_code == 302
    # then the order is sent and the pet has arrived
    assert Order.objects.get(pk=sale.order_id).status == "shipped"
    assert [e.kind for e in TransitEvent.objects.filter(sale=sale)] == ["handed_over", "arrived"]
    box = _box(english.get(url).content.decode(), sale)
    assert "苏州市吴中区 布偶小筑猫舍" in box
    assert "the buyer has not reported yet." in box


def test_the_shop_sees_the_arrival_report_and_the_claims(english, breeder, buyer, sale):
    _arrived(breeder, sale)
    services.arrival_confirm(actor=buyer, sale_id=sale.pk, condition="unwell", note="精神萎靡", photos=[png()])
    claim = services.claim_file(
        actor=buyer, sale_id=sale.pk, kind="dead_on_arrival", description="到货当晚死亡", evidence=[PDF]
    )
    english.force_login(breeder)
    box = _box(english.get(_order_url(sale, shop=True)).content.decode(), sale)
    [photo_id] = ArrivalPhoto.objects.values_list("pk", flat=True)
    assert "精神萎靡" in box
    assert f'src="/merchant/orders/{sale.order.number}/pets/{sale.pk}/photos/{photo_id}/"' in box
    assert f'href="/merchant/aftersales/{claim.request_number}/"' in box
    assert "Dead on arrival" in box


# Privacy, queries, language -------------------------------------------------------------------------------------


def test_arrival_photos_are_served_to_the_buyer_and_the_shop_only(
    client, breeder, buyer, other_buyer, other_merchant_staff, sale
):
    # given an arrival photo
    _arrived(breeder, sale)
    services.arrival_confirm(actor=buyer, sale_id=sale.pk, condition="healthy", photos=[png()])
    photo = ArrivalPhoto.objects.get()
    tail = f"/orders/{sale.order.number}/pets/{sale.pk}/photos/{photo.pk}/"
    # then a stranger gets a 404 at either door, a buyer is not shop staff, and the two sides see it
    client.force_login(other_buyer)
    assert client.get(tail).status_code == 404
    client.force_login(other_merchant_staff)
    assert client.get(f"/merchant{tail}").status_code == 404
    client.force_login(buyer)
    assert client.get(f"/merchant{tail}").status_code == 403
    assert client.get(tail).status_code == 200
    assert client.get(f"/orders/{sale.order.number}/pets/{sale.pk}/photos/{photo.pk + 1}/").status_code == 404
    client.force_login(breeder)
    assert client.get(f"/merchant{tail}").status_code == 200
    client.logout()
    assert client.get(tail).status_code == 302  # to the log-in page


def test_an_ordinary_order_page_pays_one_query_for_the_pets(
    client, buyer, merchant_staff, leaf_category, monkeypatch, django_assert_num_queries
):
    # given an ordinary paid order
    product = factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="99.00", stock=3)
    placement = factories.place(buyer, (factories.sku_of(product), 1))
    factories.pay(placement)
    number = placement.orders[0].number
    for user, url, module, name, without in (
        (buyer, f"/orders/{number}/", shopping, "pet_boxes", lambda *_args: []),
        (merchant_staff, f"/merchant/orders/{number}/", merchant_orders, "pet_order", lambda *_args: None),
    ):
        client.force_login(user)
        client.get(url)  # warm caches (session, translations)
        # when the page is counted without the pets' part, then with it
        with monkeypatch.context() as patched:
            patched.setattr(module, name, without)
            with CaptureQueriesContext(connection) as before:
                assert client.get(url).status_code == 200
        # then the pets' part is one query
        with django_assert_num_queries(len(before) + 1):
            assert client.get(url).status_code == 200


def test_the_english_boxes_have_no_chinese_labels(english, breeder, buyer, sale):
    # given a pet that arrived, reported and claimed for
    _arrived(breeder, sale)
    services.arrival_confirm(actor=buyer, sale_id=sale.pk, condition="unwell", note="x", photos=[png()])
    services.claim_file(actor=buyer, sale_id=sale.pk, kind="illness", description="y", evidence=[PDF])
    # what the users wrote (the title, places, certificate number, city) is theirs; everything else is English
    written = [
        "布偶猫 海双色 弟弟 已打两针疫苗",
        "苏州 宠物托运站",
        "南京 中转",
        "北京 提货点",
        "苏 3205001234",
        "苏州市",
    ]
    for user, url in ((buyer, _order_url(sale)), (breeder, _order_url(sale, shop=True))):
        english.force_login(user)
        box = _box(english.get(url).content.decode(), sale)
        for text in written:
            box = box.replace(text, "")
        assert CJK.findall(box) == [], user
