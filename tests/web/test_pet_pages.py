"""What shoppers see of pets: the search (filters, distance, pages), a listing's pet panel with the seller's permit
and its verified records, and the public page that proves the records, with the files to check them at home."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.merchants import services as merchants
from jishi.pets import services, verifier
from jishi.pets.signing import signer
from jishi.pets.verifier import VerifierKey, open_checkpoint, verify_record
from tests import factories
from tests.pets.conftest import breed, breeder, kitten, logged, pet_of, png, vaccination  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

SUZHOU = (31.2989, 120.5853)
SHANGHAI = (31.2304, 121.4737)  # about 85 km from Suzhou
HANGZHOU = (30.2741, 120.1551)  # about 120 km
PERMIT = "苏农动经字2026-0117"
CHINESE_LABELS = ("认证繁育者", "已接种", "已验证", "个月", "周", "已更正", "宠物托运", "健康保障")


def _shown(page: str) -> list[int]:
    """The product ids of the cards, in order."""
    return [int(pk) for pk in re.findall(r'<li class="product-card pet-card">\s*<a href="/p/(\d+)/"', page)]


def _permit(owner) -> None:
    merchants.qualification_add(
        actor=owner,
        data=merchants.QualificationInput(
            kind="animal_business_permit",
            number=PERMIT,
            authority="苏州市农业农村局",
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        ),
    )


@pytest.fixture
def litter(breeder):  # noqa: F811
    ragdoll, shorthair = breed("布偶猫"), breed("英国短毛猫")
    today = timezone.localdate()
    return {
        "suzhou": pet_of(breeder, latitude=SUZHOU[0], longitude=SUZHOU[1], vaccinated=True),
        "shanghai": pet_of(
            breeder,
            latitude=SHANGHAI[0],
            longitude=SHANGHAI[1],
            breed_id=shorthair.pk,
            title="英短 银渐层 妹妹",
            sex="female",
            city="上海市",
            price=Money.parse("3200.00", "CNY"),
            birth_date=today - dt.timedelta(weeks=30),
        ),
        "hangzhou": pet_of(
            breeder,
            latitude=HANGZHOU[0],
            longitude=HANGZHOU[1],
            breed_id=ragdoll.pk,
            title="布偶猫 蓝双色",
            city="杭州市",
            price=Money.parse("6800.00", "CNY"),
        ),
    }


def _ids(litter, *names):
    return [litter[name].product_id for name in names]


# The search -------------------------------------------------------------------------------------------------------


def test_a_card_shows_the_photo_price_breed_age_place_seller_and_vaccination(english, breeder, kitten):  # noqa: F811
    # given a vaccinated kitten with a photo, and a private seller's older cat
    kitten.vaccinated = True
    kitten.save(update_fields=["vaccinated"])
    catalog.image_add(actor=breeder, product_id=kitten.product_id, data=png())
    person = factories.merchant_owner(name="小王的猫", kind="individual")
    adult = pet_of(person, title="英短 一岁半 送养", birth_date=timezone.localdate() - dt.timedelta(days=200))
    # when
    page = english.get("/pets/").content.decode()
    # then
    assert sorted(_shown(page)) == sorted([kitten.product_id, adult.product_id])
    kitten_card = page.split(f'href="/p/{kitten.product_id}/"')[1].split("</li>")[0]
    assert "布偶猫 海双色 弟弟 已打两针疫苗" in kitten_card
    assert "¥4,800.00" in kitten_card
    assert "Ragdoll · 12 weeks" in kitten_card
    assert "苏州市" in kitten_card
    assert "Licensed breeder" in kitten_card
    assert "Vaccinated" in kitten_card
    assert '<img class="thumb" src="/media/products/thumbs/' in kitten_card
    adult_card = page.split(f'href="/p/{adult.product_id}/"')[1].split("</li>")[0]
    assert "6 months" in adult_card
    assert "Private rehoming" in adult_card
    assert "Vaccinated" not in adult_card
    assert "km" not in adult_card  # no place given: no distance
    assert 'href="/pets/"' in english.get("/c/live-pets/").content.decode()  # 活体宠物 leads to the pet search


def test_species_tabs_and_breed_chips_count_what_the_other_filters_leave(english, litter):
    page = english.get("/pets/").content.decode()
    assert '<a href="?species=cat"' in page
    ragdoll, shorthair = breed("布偶猫"), breed("英国短毛猫")
    assert f'href="?breed={ragdoll.pk}">Ragdoll<span class="pet-count">2</span>' in page
    assert f'href="?breed={shorthair.pk}">' in page
    chosen = english.get(f"/pets/?breed={ragdoll.pk}").content.decode()
    assert sorted(_shown(chosen)) == sorted(_ids(litter, "suzhou", "hangzhou"))
    assert 'class="pet-chip on" href="?"' in chosen  # the chosen chip takes the breed off again
    female = english.get("/pets/?sex=female").content.decode()
    assert _shown(female) == _ids(litter, "shanghai")
    assert f'href="?sex=female&amp;breed={ragdoll.pk}">Ragdoll<span class="pet-count">0</span>' not in female
    assert english.get("/pets/?species=dog").status_code == 200
    assert _shown(english.get("/pets/?species=dog").content.decode()) == []
    assert _shown(english.get("/pets/?q=Ragdoll").content.decode()) != []


def test_age_price_sex_and_vaccination_filters(english, litter):
    def shown(query: str) -> list[int]:
        return sorted(_shown(english.get(f"/pets/?{query}").content.decode()))

    assert shown("age_min=6&age_unit=months") == _ids(litter, "shanghai")
    assert shown("age_max=3&age_unit=months") == sorted(_ids(litter, "suzhou", "hangzhou"))
    assert shown("age_min=13&age_max=40&age_unit=weeks") == _ids(litter, "shanghai")
    assert shown("price_max=4000") == _ids(litter, "shanghai")
    assert shown("price_min=5000&price_max=9000") == _ids(litter, "hangzhou")
    assert shown("vaccinated=true") == _ids(litter, "suzhou")
    assert shown("sex=male&price_min=4000") == sorted(_ids(litter, "suzhou", "hangzhou"))
    bad = english.get("/pets/?price_min=cheap&age_min=-1&lat=95&lng=0").content.decode()
    assert len(_shown(bad)) == 3  # malformed filters are ignored, and said so where the shopper typed them
    assert "Enter prices like 19.90." in bad
    assert "Latitude is from -90 to 90" in bad


def test_sorts_by_price_and_youngest(english, litter):
    cheapest = english.get("/pets/?sort=price").content.decode()
    assert _shown(cheapest) == _ids(litter, "shanghai", "suzhou", "hangzhou")
    assert 'href="?sort=-price"' in cheapest  # the price tab turns to dearest first
    assert _shown(english.get("/pets/?sort=-price").content.decode()) == _ids(litter, "hangzhou", "suzhou", "shanghai")
    youngest = _shown(english.get("/pets/?sort=youngest").content.decode())
    assert youngest[-1] == litter["shanghai"].product_id


def test_near_me_finds_the_pets_within_the_distance_nearest_first(english, litter):
    # given a shopper a few kilometres from the Suzhou kitten
    place = f"lat={SUZHOU[0]}&lng={SUZHOU[1] + 0.05}"
    # when they look within 50 km (the default), then 100 km nearest first, then at any distance
    near = english.get(f"/pets/?{place}").content.decode()
    wider = english.get(f"/pets/?{place}&km=100&sort=nearest").content.decode()
    anywhere = english.get(f"/pets/?{place}&km=any&sort=nearest").content.decode()
    # then
    assert _shown(near) == _ids(litter, "suzhou")
    assert "苏州市 · 4.8 km" in near
    assert '<option value="50" selected>50 km</option>' in near
    assert f'name="lat" inputmode="decimal" value="{SUZHOU[0]}"' in near
    assert ">Nearest</a>" in near
    assert _shown(wider) == _ids(litter, "suzhou", "shanghai")
    assert _shown(anywhere) == _ids(litter, "suzhou", "shanghai", "hangzhou")
    nowhere = english.get("/pets/?sort=nearest").content.decode()
    assert ">Nearest</a>" not in nowhere  # no place: nothing to be near, the newest first
    assert 'class="active" aria-current="true">Newest</a>' in nowhere
    assert "data-locate-button data-submit hidden>Use my location</button>" in english.get("/pets/").content.decode()


def test_the_search_pages_twenty_pets_at_a_time(english, breeder):  # noqa: F811
    for n in range(21):
        pet_of(breeder, title=f"布偶猫 {n}号", publish=False)
    for pet in breeder.membership.merchant.pets.all():
        services.pet_submit(actor=breeder, pet_id=pet.pk)
    reviewer = factories.user(operator_role="reviewer")
    for pet in breeder.membership.merchant.pets.all():
        catalog.product_approve(actor=reviewer, product_id=pet.product_id)
    first = english.get("/pets/").content.decode()
    second = english.get("/pets/?page=2").content.decode()
    assert (len(_shown(first)), len(_shown(second))) == (20, 1)
    assert "21 pets" in first
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first


def _cold(client, path: str) -> int:
    client.get(path)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        # the count and the page's ids, the breed facet and its breeds, the pets, their photos (one statement),
        # the species and their breeds
        ("/pets/", 8),
        # near me: the pets in the box, measured here, for the page and for the facet
        (f"/pets/?lat={SUZHOU[0]}&lng={SUZHOU[1]}&km=100&sort=nearest&vaccinated=true", 7),
        # a breed's name: the breeds it names first
        ("/pets/?q=布偶&sort=price&age_max=6", 9),
    ],
)
def test_the_search_costs_the_same_for_two_pets_as_for_six(
    client,
    breeder,  # noqa: F811
    django_assert_num_queries,
    path,
    pinned,
):
    def add(count: int) -> None:
        for _ in range(count):
            pet = pet_of(breeder, vaccinated=True)
            catalog.image_add(actor=breeder, product_id=pet.product_id, data=png())

    # given two pets, each with a photo
    add(2)
    assert _cold(client, path) == pinned
    # when four more are listed
    add(4)
    client.get(path)
    cache.clear()
    # then the page of six costs what the page of two did: no query per pet
    with django_assert_num_queries(pinned):
        page = client.get(path).content.decode()
    assert len(_shown(page)) == 6


# The product page -------------------------------------------------------------------------------------------------


def test_a_pet_listing_shows_its_particulars_seller_permit_terms_and_verified_records(
    english,
    breeder,  # noqa: F811
):
    # given a breeder with a permit and a kitten with a microchip, two records proven and one not yet
    _permit(breeder)
    pet = pet_of(
        breeder,
        microchip="156100000054321",
        colour="海双色",
        vaccinated=True,
        dewormed=True,
        sire="Cheshire 凯撒",
        dam="Luna 露娜",
        by_air_cargo=True,
        illnesses_covered="猫瘟、猫传腹",
    )
    logged(breeder, pet, 2)
    services.checkpoint_sign()
    services.record_add(
        actor=breeder,
        pet_id=pet.pk,
        kind="deworming",
        fields={"product": "大宠爱", "date": timezone.localdate().isoformat(), "scope": "both"},
        document=b"%PDF-1.4\n%%EOF\n",
    )
    # when
    page = english.get(f"/p/{pet.product_id}/").content.decode()
    # then
    panel = page.split('class="panel pet-panel"')[1]
    assert "Ragdoll" in panel
    assert "12 weeks" in panel
    assert (timezone.localdate() - dt.timedelta(weeks=12)).isoformat() in panel
    assert "156********4321" in panel
    assert "156100000054321" not in page
    assert "Cheshire 凯撒" in panel
    assert "Luna 露娜" in panel
    assert "Licensed breeder" in panel
    assert PERMIT in panel
    assert "苏州市农业农村局" in panel
    assert "Collection in person" in panel
    assert "Pet courier" in panel
    assert "Air cargo" in panel
    assert "claim within 24 hours of arrival" in panel
    assert "claim within 7 days of arrival" in panel
    assert "猫瘟、猫传腹" in panel
    assert panel.count('class="pet-proven"') == 2
    assert panel.count('class="pet-pending"') == 1
    assert "Internal and external" in panel  # the dewormer's scope, as a reader says it
    assert f'href="/pets/{pet.pk}/verify/"' in panel
    assert "<svg" in panel.split('class="pet-verify-card"')[1]
    assert 'name="quantity" value="1"' in page  # one animal: no quantity to choose


def test_a_breeder_without_a_valid_permit_is_said_to_have_none(english, kitten):  # noqa: F811
    page = english.get(f"/p/{kitten.product_id}/").content.decode()
    assert "No valid animal business permit on file." in page
    assert "The seller has not added any health record yet." in page


def test_an_ordinary_product_page_costs_what_it_did_and_shows_no_pet_panel(
    client, merchant_staff, leaf_category, django_assert_num_queries
):
    # given a product that is not a pet listing
    product = factories.product(merchant_staff, leaf_category, title="猫砂 10L")
    client.get(f"/p/{product.pk}/")
    cache.clear()
    # when / then: the sixteen queries tests/test_query_counts.py pins, not one more (12, and the page's favourite
    # and follower counts, 会员价, recommendation rows and review figures: 4)
    with django_assert_num_queries(16):
        page = client.get(f"/p/{product.pk}/").content.decode()
    assert "pet-panel" not in page


def test_a_pet_listing_costs_the_same_for_two_records_as_for_six(client, breeder, kitten):  # noqa: F811
    _permit(breeder)
    logged(breeder, kitten, 2)
    services.checkpoint_sign()
    few = _cold(client, f"/p/{kitten.product_id}/")
    logged(breeder, kitten, 4)
    services.checkpoint_sign()
    assert _cold(client, f"/p/{kitten.product_id}/") == few


# The verify page and its files ------------------------------------------------------------------------------------


@pytest.fixture
def history(breeder, kitten):  # noqa: F811
    """Three records: the first corrected, the second erased, all proven; a fourth logged after the checkpoint."""
    first, second = logged(breeder, kitten, 2)
    fixed = services.record_correct(actor=breeder, record_id=first.pk, fields=vaccination(batch="A2026-118"))
    services.record_erase(actor=factories.user(operator_role="support"), record_id=second.pk, reason="本人申请删除")
    checkpoint = services.checkpoint_sign()
    [late] = logged(breeder, kitten)
    return {"first": first, "second": second, "fixed": fixed, "late": late, "checkpoint": checkpoint}


def test_the_verify_page_shows_the_history_proven_corrected_and_erased(client, english, kitten, history):  # noqa: F811
    # when anyone, signed out, opens it
    page = english.get(f"/pets/{kitten.pk}/verify/").content.decode()
    # then the records come oldest first, each with its state
    order = [int(pk) for pk in re.findall(r'<li id="record-(\d+)"', page)]
    assert order == [history[name].pk for name in ("first", "second", "fixed", "late")]
    first = page.split(f'id="record-{history["first"].pk}"')[1].split("</li>")[0]
    assert 'class="panel pet-record corrected"' in page
    assert "Corrected" in first
    assert f'href="#record-{history["fixed"].pk}"' in first
    assert "B0" in first  # the old fields stay readable, struck through
    assert '<span class="pet-proven">Verified</span>' in first
    fixed = page.split(f'id="record-{history["fixed"].pk}"')[1].split("</li>")[0]
    assert "A2026-118" in fixed
    assert f"Corrects entry #{history['first'].entry.index}" in fixed
    assert "Vaccine" in fixed
    assert "妙三多 猫三联" in fixed
    erased = page.split(f'id="record-{history["second"].pk}"')[1].split("</li>")[0]
    assert "Erased at the person's request; the record can still be proven." in erased
    assert '<span class="pet-proven">Verified</span>' in erased
    late = page.split(f'id="record-{history["late"].pk}"')[1].split("</li>")[0]
    assert "Not yet verified" in late
    assert "Logged after the latest checkpoint" in late
    assert "Download the proof" not in late
    # and the checkpoint, the key, the files and the command to check it all at home
    checkpoint = history["checkpoint"]
    assert "3 of 4 records proven" in page
    assert f"Under the log's latest signed checkpoint: {checkpoint.tree_size} records" in page
    assert f'<pre class="pet-pre">{checkpoint.note}</pre>' in page
    key = str(signer().verifier)
    assert key in page
    assert f'href="/pets/records/{history["fixed"].pk}/proof.json?size={checkpoint.tree_size}"' in page
    assert f'href="/pets/checkpoint.txt?size={checkpoint.tree_size}" download="checkpoint.txt"' in page
    assert 'href="/pets/verifier.py" download="verifier.py"' in page
    assert "pip install cryptography" in page
    files = " ".join(f"record-{history[name].pk}.json" for name in ("first", "second", "fixed"))
    assert f"python3 verifier.py --key &#x27;{key}&#x27; --checkpoint checkpoint.txt {files}" in page
    share = page.split('class="panel pet-share"')[1]
    assert "<svg" in share
    assert f"{settings.JISHI_SITE_URL}/pets/{kitten.pk}/verify/" in share
    assert client.get(f"/pets/{kitten.pk}/verify/").status_code == 200  # in Chinese too


def test_a_proof_download_checks_out_with_the_standalone_verifier(client, kitten, history):  # noqa: F811
    checkpoint = open_checkpoint(client.get("/pets/checkpoint.txt").content.decode(), signer().verifier)
    for name in ("first", "second", "fixed"):
        record = history[name]
        response = client.get(f"/pets/records/{record.pk}/proof.json?size={checkpoint.size}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == f'attachment; filename="record-{record.pk}.json"'
        said = verify_record(json.loads(response.content), checkpoint)
        assert said.startswith(f"record {record.entry.index}: ")
        assert ("erased" in said) == (name == "second")
    assert client.get(f"/pets/records/{history['late'].pk}/proof.json").status_code == 404  # not signed yet
    assert client.get(f"/pets/records/{history['first'].pk}/proof.json?size=999").status_code == 404
    tampered = json.loads(client.get(f"/pets/records/{history['fixed'].pk}/proof.json").content)
    tampered["fields"]["batch"] = "X"
    with pytest.raises(verifier.VerificationError):
        verify_record(tampered, checkpoint)


def test_the_verifier_and_the_checkpoint_are_served_as_files(client, history):
    source = client.get("/pets/verifier.py")
    assert source.status_code == 200
    assert source["Content-Type"] == "text/x-python; charset=utf-8"
    assert source.content == Path(verifier.__file__).read_bytes()
    note = client.get("/pets/checkpoint.txt")
    assert note["Content-Type"] == "text/plain; charset=utf-8"
    assert note.content.decode() == history["checkpoint"].note
    later = services.checkpoint_sign()
    assert client.get("/pets/checkpoint.txt").content.decode() == later.note  # the latest
    pinned = client.get(f"/pets/checkpoint.txt?size={history['checkpoint'].tree_size}").content.decode()
    assert pinned == history["checkpoint"].note  # the one the page linked, whatever was signed since
    key = VerifierKey.parse(str(signer().verifier))
    assert open_checkpoint(pinned, key).size == history["checkpoint"].tree_size
    assert client.get("/pets/checkpoint.txt?size=x").status_code == 404


def test_no_checkpoint_yet_is_said_and_its_file_is_not_found(english, kitten):  # noqa: F811
    assert english.get("/pets/checkpoint.txt").status_code == 404
    page = english.get(f"/pets/{kitten.pk}/verify/").content.decode()
    assert "The log has no signed checkpoint yet." in page


def test_a_pet_never_published_has_no_public_page_nor_proofs(client, breeder):  # noqa: F811
    draft = pet_of(breeder, publish=False)
    [record] = logged(breeder, draft)
    services.checkpoint_sign()
    assert client.get(f"/pets/{draft.pk}/verify/").status_code == 404
    assert client.get(f"/pets/{draft.pk + 1000}/verify/").status_code == 404
    assert client.get(f"/pets/records/{record.pk}/proof.json").status_code == 404
    assert client.get(f"/p/{draft.product_id}/").status_code == 404


def test_the_english_pages_carry_no_chinese_labels(english, breeder, kitten):  # noqa: F811
    _permit(breeder)
    logged(breeder, kitten)
    services.checkpoint_sign()
    for path in ("/pets/", f"/p/{kitten.product_id}/", f"/pets/{kitten.pk}/verify/"):
        page = english.get(path).content.decode()
        shown = page.replace(kitten.product.title, "")  # the seller's own words stay as written
        for label in CHINESE_LABELS:
            assert label not in shown, (path, label)
    assert "Licensed breeder" in english.get("/pets/").content.decode()
