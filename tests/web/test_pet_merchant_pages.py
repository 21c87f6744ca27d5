"""The merchant centre's pet pages: a pet seller's listings, the listing editor (photos with the mother, submission
and the listing rules' refusals and flags), the pet's records with their proofs and corrections; and the
reviewer's view of a pet listing's particulars and flags in the operator console."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.catalog.models import Product
from jishi.pets import services
from jishi.pets.models import BlockedTerm, Breed, Checkpoint, Pet, PetRecord
from tests import factories
from tests.pets.conftest import PDF, breed, breeder, kitten, logged, pet_of, png, vaccination  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

PETS = reverse("merchant:pets")
NEW = reverse("merchant:pet_new")


def edit_url(pet: Pet) -> str:
    return reverse("merchant:pet_edit", args=[pet.pk])


def records_url(pet: Pet) -> str:
    return reverse("merchant:pet_records", args=[pet.pk])


def form(**changes):
    """The editor's post for a 12-week-old Ragdoll boy in Suzhou at ¥4,800, by pet courier."""
    return {
        "breed_id": str(breed().pk),
        "sex": "male",
        "birth_date": (timezone.localdate() - dt.timedelta(weeks=12)).isoformat(),
        "title": "布偶猫 海双色 弟弟",
        "price": "4800",
        "description": "已打两针疫苗，驱虫完成。",
        "name": "Mochi",
        "colour": "海双色",
        "microchip": "156100000012345",
        "vaccinated": "on",
        "dewormed": "on",
        "sire": "Lucky",
        "dam": "Bella",
        "city": "苏州市",
        "latitude": "31.2989",
        "longitude": "120.5853",
        "by_pet_courier": "on",
        "transit_guarantee_hours": "48",
        "illness_guarantee_days": "14",
        "illnesses_covered": "猫瘟",
    } | changes


def submitted(owner, pet: Pet) -> Pet:
    services.pet_submit(actor=owner, pet_id=pet.pk)
    return Pet.objects.select_related("product").get(pk=pet.pk)


def test_the_list_shows_each_pet_with_status_flags_and_proven_records(english, breeder, kitten):  # noqa: F811
    # given: the published kitten with one proven record, a flagged kitten under review, a draft, another shop's pet
    logged(breeder, kitten)
    services.checkpoint_sign()
    flagged = submitted(breeder, pet_of(breeder, publish=False, title="布偶猫 妹妹"))
    pet_of(breeder, publish=False, title="布偶猫 草稿", birth_date=timezone.localdate() - dt.timedelta(weeks=30))
    pet_of(factories.merchant_owner(kind="breeder"), title="别家的布偶")
    english.force_login(breeder)

    # when
    response = english.get(PETS)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="badge published"') == 1
    assert page.count('class="badge pending_review"') == 1
    assert page.count('class="badge draft"') == 1
    assert f'href="{edit_url(kitten)}">布偶猫 海双色 弟弟 已打两针疫苗</a>' in page
    assert "<td>Ragdoll</td>" in page
    assert "12 weeks" in page
    assert "30 weeks" not in page
    assert "6 months" in page
    assert "¥4,800.00" in page
    assert "No photo shows it with its mother, and it is 12 weeks old." in page
    assert "Not submitted yet" in page
    assert f'href="{records_url(kitten)}">1 record</a>' in page
    assert '<span class="pet-m-proven pet-m-all">1 proven</span>' in page
    assert f'href="{records_url(flagged)}">0 records</a>' in page
    assert f'href="{NEW}"' in page
    assert "别家的布偶" not in page


def test_the_editor_offers_the_breeds_by_species_without_the_banned_ones(english, breeder):  # noqa: F811
    english.force_login(breeder)

    page = english.get(NEW).content.decode()

    assert '<optgroup label="Cat (from 8 weeks)">' in page
    assert f'<option value="{breed().pk}">Ragdoll</option>' in page
    assert "Pembroke Welsh Corgi" in page
    assert "Tibetan Mastiff" not in page
    assert "Animals may be sold from: Cat 8 weeks · Dog 8 weeks · Rabbit 8 weeks." in page
    assert 'name="by_collection" id="id_by_collection" checked' in page
    assert "data-locate-button" in page
    assert '<script src="/static/web/pets_merchant.js" defer></script>' in page
    assert "<script>" not in page


def test_a_breeder_lists_a_pet_through_the_form(english, breeder):  # noqa: F811
    english.force_login(breeder)

    response = english.post(NEW, form())

    pet = Pet.objects.select_related("product").get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(pet)
    assert pet.merchant == breeder.membership.merchant
    assert (pet.product.title, pet.product.min_price_minor, pet.product.status) == (
        "布偶猫 海双色 弟弟",
        480000,
        "draft",
    )
    assert (pet.sex, pet.name, pet.colour, pet.microchip, pet.sire, pet.dam) == (
        "male",
        "Mochi",
        "海双色",
        "156100000012345",
        "Lucky",
        "Bella",
    )
    assert (pet.vaccinated, pet.dewormed, pet.neutered) == (True, True, False)
    assert (pet.by_collection, pet.by_pet_courier, pet.by_air_cargo) == (False, True, False)
    assert (pet.city, pet.latitude_e6, pet.longitude_e6) == ("苏州市", 31298900, 120585300)
    assert (pet.transit_guarantee_hours, pet.illness_guarantee_days, pet.illnesses_covered) == (48, 14, "猫瘟")
    page = english.get(edit_url(pet)).content.decode()
    assert "Saved as a draft." in page
    assert 'value="156100000012345"' in page
    assert reverse("merchant:pet_submit", args=[pet.pk]) in page


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"birth_date": "weeks=7"}, "birth_date", "may be sold from 8 weeks old."),
        ({"microchip": "15610000001234"}, "microchip", "A microchip number (ISO 11784) has 15 digits."),
        ({"title": "野生豹猫幼崽"}, "title", "Listings may not say “野生”."),
        ({"by_pet_courier": ""}, "by_collection", "Offer at least one way for the pet to reach its buyer."),
        ({"transit_guarantee_hours": "73"}, "transit_guarantee_hours", "less than or equal to 72"),
        ({"price": "abc"}, "price", "An amount such as 200 or 200.50."),
        ({"city": ""}, "city", "This field is required."),
    ],
)
def test_a_refused_listing_shows_the_error_on_its_field_and_nothing_is_written(
    english,
    breeder,  # noqa: F811
    changes,
    field,
    error,
):
    BlockedTerm.objects.get_or_create(term="野生")
    if changes.get("birth_date") == "weeks=7":
        changes["birth_date"] = (timezone.localdate() - dt.timedelta(weeks=7)).isoformat()
    english.force_login(breeder)

    response = english.post(NEW, form(**changes))

    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page
    assert error in page
    assert 'value="Mochi"' in page  # what was typed stays
    assert not Pet.objects.exists()
    assert not Product.objects.exists()


def test_editing_changes_the_particulars_and_the_product(english, breeder):  # noqa: F811
    pet = pet_of(breeder, publish=False)
    english.force_login(breeder)

    page = english.get(edit_url(pet)).content.decode()
    assert 'value="布偶猫 海双色 弟弟 已打两针疫苗"' in page
    assert 'value="4800.00"' in page

    response = english.post(
        edit_url(pet), form(title="布偶猫 海双色 弟弟 三针疫苗", price="5200.50", sex="female", by_air_cargo="on")
    )

    assert response.status_code == 302
    pet = Pet.objects.select_related("product").get(pk=pet.pk)
    assert (pet.product.title, pet.product.min_price_minor, pet.sex, pet.by_air_cargo) == (
        "布偶猫 海双色 弟弟 三针疫苗",
        520050,
        "female",
        True,
    )
    assert "Saved." in english.get(edit_url(pet)).content.decode()


def test_submitting_sends_it_for_review_and_shows_the_flags(english, breeder):  # noqa: F811
    pet = pet_of(breeder, publish=False)
    english.force_login(breeder)

    response = english.post(reverse("merchant:pet_submit", args=[pet.pk]))

    assert response.status_code == 302
    assert response["Location"] == edit_url(pet)
    pet = Pet.objects.select_related("product").get(pk=pet.pk)
    assert pet.product.status == "pending_review"
    assert pet.flags == [{"code": "no_mother_photo", "params": {"weeks": 12}}]
    page = english.get(edit_url(pet)).content.decode()
    assert 'class="message pet-m-flagged warning"' in page
    assert '<li class="pet-m-flag" data-flag="no_mother_photo">No photo shows it with its mother' in page
    assert reverse("merchant:pet_submit", args=[pet.pk]) not in page  # under review: nothing to submit
    assert re.search(r'<input[^>]*name="title"[^>]*disabled', page)  # nor to change until it is reviewed
    refused = english.post(edit_url(pet), form(title="审核中偷改"))
    assert refused.status_code == 422
    assert "A product under review cannot be edited." in refused.content.decode()
    assert Product.objects.get(pk=pet.product_id).title == "布偶猫 海双色 弟弟 已打两针疫苗"


def test_a_submission_the_rules_refuse_shows_the_refusal_on_its_field(english, breeder):  # noqa: F811
    pet = pet_of(breeder, publish=False, title="布偶猫 特价清仓")
    BlockedTerm.objects.get_or_create(term="清仓")
    english.force_login(breeder)

    response = english.post(reverse("merchant:pet_submit", args=[pet.pk]))

    assert response.status_code == 422
    page = response.content.decode()
    assert "Not sent for review: Listings may not say “清仓”." in page
    assert 'id="id_title-error"' in page
    assert Product.objects.get(pk=pet.product_id).status == "draft"
    assert Pet.objects.get(pk=pet.pk).flags == []


def test_the_photo_with_the_mother_is_chosen_and_clears_the_flag(english, breeder):  # noqa: F811
    pet = pet_of(breeder, publish=False)
    first = catalog.image_add(actor=breeder, product_id=pet.product_id, data=png())
    with_mother = catalog.image_add(actor=breeder, product_id=pet.product_id, data=png((20, 90, 200)))
    english.force_login(breeder)
    page = english.get(edit_url(pet)).content.decode()
    assert f'name="image_id" value="{first.pk}"' in page
    assert f'href="{reverse("merchant:product_edit", args=[pet.product_id])}#images"' in page

    response = english.post(reverse("merchant:pet_mother_photo", args=[pet.pk]), {"image_id": str(with_mother.pk)})

    assert response.status_code == 302
    assert Pet.objects.get(pk=pet.pk).mother_photo_id == with_mother.pk
    page = english.get(edit_url(pet)).content.decode()
    assert f'name="image_id" value="{with_mother.pk}" checked' in page
    product_page = english.get(reverse("merchant:product_edit", args=[pet.product_id])).content.decode()
    assert '<section class="panel" id="images">' in product_page
    assert f'href="{edit_url(pet)}#photos">Back to the pet listing</a>' in product_page
    flags = submitted(breeder, pet).flags
    assert "no_mother_photo" not in [flag["code"] for flag in flags]  # the image checks may flag the plain test photos


def test_another_listings_photo_is_refused_as_the_mother_photo(english, breeder):  # noqa: F811
    pet = pet_of(breeder, publish=False)
    other = pet_of(breeder, publish=False)
    theirs = catalog.image_add(actor=breeder, product_id=other.product_id, data=png())
    english.force_login(breeder)

    response = english.post(
        reverse("merchant:pet_mother_photo", args=[pet.pk]), {"image_id": str(theirs.pk)}, HTTP_REFERER=edit_url(pet)
    )

    assert response.status_code == 422
    assert Pet.objects.get(pk=pet.pk).mother_photo_id is None


def test_a_record_is_added_with_a_pdf_proven_and_corrected(
    english,
    breeder,  # noqa: F811
    kitten,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    english.force_login(breeder)
    page = english.get(records_url(kitten), {"kind": "vaccination"}).content.decode()
    assert 'name="vaccine"' in page
    assert 'name="next_due"' in page
    assert 'name="document"' in page

    # when: a vaccination with its certificate as a PDF
    day = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            records_url(kitten),
            {
                "kind": "vaccination",
                "vaccine": "妙三多 猫三联",
                "batch": "A2026-117",
                "date": day,
                "clinic": "瑞鹏宠物医院",
                "vet": "",
                "next_due": "",
                "document": SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf"),
            },
        )

    # then: logged at once, and the checkpoint signed after the commit proves it
    record = PetRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{records_url(kitten)}#record-{record.pk}"
    assert (record.kind, record.document_type, record.fields) == (
        "vaccination",
        "application/pdf",
        {"vaccine": "妙三多 猫三联", "batch": "A2026-117", "date": day, "clinic": "瑞鹏宠物医院"},
    )
    assert Checkpoint.objects.get().tree_size == 1
    page = english.get(records_url(kitten)).content.decode()
    assert "Recorded as entry 0 of the log" in page
    assert '<span class="badge published">Proven</span>' in page
    assert "<dt>Batch number</dt><dd>A2026-117</dd>" in page
    correct = reverse("merchant:pet_record_correct", args=[kitten.pk, record.pk])
    assert f'href="{correct}#add"' in page

    # when: the batch number is corrected, keeping the document
    assert 'value="A2026-117"' in english.get(correct).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            correct,
            {"vaccine": "妙三多 猫三联", "batch": "A2026-118", "date": day, "clinic": "瑞鹏宠物医院"},
        )

    # then: a new record supersedes it; both stay, and the old one shows as corrected
    assert response.status_code == 302
    correction = PetRecord.objects.get(supersedes=record)
    assert (correction.fields["batch"], correction.document_sha256) == ("A2026-118", record.document_sha256)
    page = english.get(records_url(kitten)).content.decode()
    assert '<span class="badge">Corrected</span> <small class="meta">by entry #1</small>' in page
    assert "Corrects entry #0" in page
    assert page.count('<span class="badge published">Proven</span>') == 2
    assert f'href="{correct}#add"' not in page
    assert english.get(correct).status_code == 404  # only the latest version is corrected


def test_a_refused_record_shows_the_error_on_its_field_and_nothing_is_logged(english, breeder, kitten):  # noqa: F811
    english.force_login(breeder)
    before_birth = (kitten.birth_date - dt.timedelta(days=1)).isoformat()

    missing = english.post(records_url(kitten), {"kind": "deworming", "product": "大宠爱", "date": "", "scope": "both"})
    early = english.post(
        records_url(kitten),
        {
            "kind": "health_check",
            "date": before_birth,
            "clinic": "瑞鹏宠物医院",
            "result": "健康",
            "document": SimpleUploadedFile("cert.pdf", PDF),
        },
    )
    not_a_document = english.post(
        records_url(kitten),
        {**vaccination(), "kind": "vaccination", "document": SimpleUploadedFile("x.txt", b"hello")},
    )

    assert missing.status_code == early.status_code == not_a_document.status_code == 422
    assert 'id="id_date-error"' in missing.content.decode()
    assert 'id="id_document-error"' in missing.content.decode()
    assert "This date is before the pet was born." in early.content.decode()
    assert 'id="id_date-error"' in early.content.decode()
    assert 'id="id_document-error"' in not_a_document.content.decode()
    assert not PetRecord.objects.exists()


def test_another_shops_pet_is_not_found_and_nothing_changes(client, breeder, kitten):  # noqa: F811
    [record] = logged(breeder, kitten)
    client.force_login(factories.merchant_owner(kind="breeder"))

    assert client.get(edit_url(kitten)).status_code == 404
    assert client.get(records_url(kitten)).status_code == 404
    assert client.get(reverse("merchant:pet_record_correct", args=[kitten.pk, record.pk])).status_code == 404
    assert client.post(edit_url(kitten), form(title="偷改")).status_code == 404
    assert client.post(reverse("merchant:pet_submit", args=[kitten.pk])).status_code == 404
    assert client.post(reverse("merchant:pet_mother_photo", args=[kitten.pk]), {"image_id": ""}).status_code == 404
    assert client.post(records_url(kitten), {**vaccination(), "kind": "vaccination"}).status_code == 404

    kitten.refresh_from_db()
    assert Product.objects.get(pk=kitten.product_id).title == "布偶猫 海双色 弟弟 已打两针疫苗"
    assert PetRecord.objects.count() == 1


def test_a_shop_that_sells_goods_is_told_it_cannot_list_pets(english, merchant_staff):
    english.force_login(merchant_staff)

    listed = english.get(PETS)
    new = english.get(NEW)
    posted = english.post(NEW, form())

    for response in (listed, new, posted):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Your shop cannot list pets." in page
        assert "Your shop is registered as “Shop”." in page
        assert 'name="breed_id"' not in page
    assert not Pet.objects.exists()


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "merchant:pets", 0),
        ("get", "merchant:pet_new", 0),
        ("get", "merchant:pet_edit", 1),
        ("post", "merchant:pet_submit", 1),
        ("post", "merchant:pet_mother_photo", 1),
        ("get", "merchant:pet_records", 1),
        ("post", "merchant:pet_records", 1),
    ],
)
def test_anonymous_visitors_log_in_and_buyers_are_refused(client, buyer, kitten, method, name, args):  # noqa: F811
    url = reverse(name, args=[kitten.pk] * args)

    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("buyer:login"))
    client.force_login(buyer)
    assert getattr(client, method)(url).status_code == 403
    assert PetRecord.objects.count() == 0


def test_the_reviewer_sees_the_pets_particulars_and_flags_before_approving(english, breeder, reviewer, settings):  # noqa: F811
    # given: a private seller's fourth kitten this year, submitted without a photo with its mother
    settings.JISHI_PET_PRIVATE_PER_YEAR = 3
    person = factories.merchant_owner(kind="individual", name="李女士")
    for _ in range(3):
        pet_of(person, publish=False, birth_date=timezone.localdate() - dt.timedelta(weeks=30))
    pet = submitted(person, pet_of(person, publish=False, microchip="156100000099999"))
    plain = submitted(breeder, pet_of(breeder, publish=False, birth_date=timezone.localdate() - dt.timedelta(weeks=30)))
    english.force_login(reviewer)

    # when
    review = english.get(reverse("operator:product", args=[pet.product_id])).content.decode()
    queue = english.get(reverse("operator:products")).content.decode()

    # then
    assert "Pet listing" in review
    assert "Check before approving:" in review
    assert (
        '<li class="pet-m-flag" data-flag="no_mother_photo">No photo shows it with its mother, and it is 12 weeks old.'
        in (review)
    )
    assert (
        '<li class="pet-m-flag" data-flag="private_volume">A private seller who listed 4 animals in the last 12 months'
    ) in review
    assert "<td>Cat · Ragdoll</td>" in review
    assert "<td>156100000099999</td>" in review
    assert "<td>Pet courier</td>" in review or "Collection in person · Pet courier" in review
    assert "No photo is marked as showing it with its mother." in review
    assert review.index("Check before approving:") < review.index("Approve and publish")
    assert 'data-flag="private_volume"' in queue
    assert queue.count('<span class="badge">Pet</span>') == 2
    plain_review = english.get(reverse("operator:product", args=[plain.product_id])).content.decode()
    assert "The listing rules flagged nothing at submission." in plain_review


def test_an_ordinary_product_under_review_shows_no_pet_panel(english, merchant_staff, reviewer, leaf_category):
    product = factories.product(merchant_staff, leaf_category, publish=False)
    catalog.product_submit(actor=merchant_staff, product_id=product.pk)
    english.force_login(reviewer)

    page = english.get(reverse("operator:product", args=[product.pk])).content.decode()
    queue = english.get(reverse("operator:products")).content.decode()

    assert "Pet listing" not in page
    assert product.title in queue
    assert '<span class="badge">Pet</span>' not in queue
    english.force_login(merchant_staff)
    assert (
        "Back to the pet listing"
        not in english.get(reverse("merchant:product_edit", args=[product.pk])).content.decode()
    )


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_the_english_pages_carry_no_chinese_labels(english, breeder, kitten, django_capture_on_commit_callbacks):  # noqa: F811
    # given: a record, and the listing's own words (its data, not labels), which stay as the seller wrote them
    with django_capture_on_commit_callbacks(execute=True):
        logged(breeder, kitten)
    data = [
        kitten.product.title,
        kitten.city,
        breeder.membership.merchant.name,
        *vaccination().values(),
        "中文",  # the language switch names its language in that language
    ]
    english.force_login(breeder)

    for url in (PETS, NEW, edit_url(kitten), records_url(kitten), f"{records_url(kitten)}?kind=deworming"):
        page = english.get(url).content.decode()
        page = page[page.index("<main") : page.index("</main>")]  # the header has the brand 集市 and the language
        for text in data:
            page = page.replace(text, "")
        assert not CJK.findall(page), (url, CJK.findall(page)[:10])
    assert Breed.objects.filter(name="布偶猫").exists()
