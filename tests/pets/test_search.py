"""Finding a pet: by breed in any of its names, age, price, sex and vaccination, and by distance from the buyer
(the same answers on SQLite and PostgreSQL), with counts per breed."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.core.money import Money
from jishi.pets.selectors import PetQuery, pets_search
from tests.pets.conftest import breed, pet_of

pytestmark = pytest.mark.django_db

SUZHOU = (31.2989, 120.5853)
SHANGHAI = (31.2304, 121.4737)  # about 85 km from Suzhou
HANGZHOU = (30.2741, 120.1551)  # about 120 km


@pytest.fixture
def litter(breeder):
    ragdoll, shorthair = breed("布偶猫"), breed("英国短毛猫")
    shorthair.synonyms = "英短,蓝猫,银渐层"
    shorthair.save()
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
            price=Money.parse("3200.00", "CNY"),
            birth_date=today - dt.timedelta(weeks=30),
        ),
        "hangzhou": pet_of(
            breeder,
            latitude=HANGZHOU[0],
            longitude=HANGZHOU[1],
            breed_id=ragdoll.pk,
            title="布偶猫 蓝双色",
            price=Money.parse("6800.00", "CNY"),
        ),
    }


def _names(results, litter):
    by_id = {pet.pk: name for name, pet in litter.items()}
    return [by_id[hit.pet.pk] for hit in results.hits]


def test_within_50_km_of_suzhou_finds_the_suzhou_kitten_only(litter):
    near = pets_search(PetQuery(latitude=SUZHOU[0], longitude=SUZHOU[1] + 0.05, within_km=50))
    assert _names(near, litter) == ["suzhou"]
    assert near.total == 1
    assert round(near.hits[0].km, 1) == 4.8
    assert [(b.name, n) for b, n in near.breeds] == [("布偶猫", 1)]


def test_nearest_first_and_a_wider_circle(litter):
    wide = pets_search(PetQuery(latitude=SUZHOU[0], longitude=SUZHOU[1], within_km=100, sort="nearest"))
    assert _names(wide, litter) == ["suzhou", "shanghai"]
    assert 80 < wide.hits[1].km < 90
    every = pets_search(PetQuery(latitude=SUZHOU[0], longitude=SUZHOU[1], sort="nearest"))
    assert _names(every, litter) == ["suzhou", "shanghai", "hangzhou"]
    assert pets_search(PetQuery(latitude=SUZHOU[0], longitude=SUZHOU[1], within_km=100, sort="price")).total == 2
    paged = pets_search(PetQuery(latitude=SUZHOU[0], longitude=SUZHOU[1], sort="nearest", page=2, size=2))
    assert (_names(paged, litter), paged.total) == (["hangzhou"], 3)


def test_a_breed_is_found_by_any_of_its_names_with_counts_per_breed(litter):
    for words in ("布偶", "布偶猫", "ragdoll"):
        assert sorted(_names(pets_search(PetQuery(q=words)), litter)) == ["hangzhou", "suzhou"], words
    assert _names(pets_search(PetQuery(q="蓝猫")), litter) == ["shanghai"]
    results = pets_search(PetQuery(q="蓝猫"))
    assert sorted((b.name, n) for b, n in results.breeds) == [("布偶猫", 2), ("英国短毛猫", 1)]


def test_age_price_sex_and_vaccination_filters(litter):
    assert _names(pets_search(PetQuery(min_weeks=26)), litter) == ["shanghai"]
    assert sorted(_names(pets_search(PetQuery(max_weeks=12)), litter)) == ["hangzhou", "suzhou"]
    assert _names(pets_search(PetQuery(max_price_minor=400_000)), litter) == ["shanghai"]
    assert _names(pets_search(PetQuery(min_price_minor=500_000)), litter) == ["hangzhou"]
    assert _names(pets_search(PetQuery(sex="female")), litter) == ["shanghai"]
    assert _names(pets_search(PetQuery(vaccinated=True)), litter) == ["suzhou"]
    assert _names(pets_search(PetQuery(sort="price")), litter) == ["shanghai", "suzhou", "hangzhou"]
    assert pets_search(PetQuery(species="dog")).total == 0


def test_the_shop_search_finds_a_pet_by_its_breeds_synonyms(litter, api):
    found = api("get", "/products", data={"q": "蓝猫"}).json()
    assert [p["id"] for p in found["items"]] == [litter["shanghai"].product_id]
    found = api("get", "/products", data={"q": "Ragdoll"}).json()
    assert sorted(p["id"] for p in found["items"]) == sorted(
        [litter["suzhou"].product_id, litter["hangzhou"].product_id]
    )
