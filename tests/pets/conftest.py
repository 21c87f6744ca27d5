"""A breeder with a published kitten, and the records it is logged with."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.pets import services
from jishi.pets.models import Breed, Pet, Species
from tests import factories


def png(colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def vaccination(**fields: Any) -> dict[str, Any]:
    day = timezone.localdate() - dt.timedelta(days=20)
    return {
        "vaccine": "妙三多 猫三联",
        "batch": "A2026-117",
        "date": day.isoformat(),
        "clinic": "瑞鹏宠物医院",
    } | fields


@pytest.fixture
def breeder():
    return factories.merchant_owner(name="布偶小筑", kind="breeder")


@pytest.fixture
def kitten(breeder):
    return pet_of(breeder)


def breed(name: str = "布偶猫") -> Breed:
    """A breed of the list the migration loads (flushed by transactional tests, so made again when missing)."""
    species, _ = Species.objects.get_or_create(code="cat", defaults={"name": "猫", "name_en": "Cat"})
    found, _ = Breed.objects.get_or_create(species=species, name=name, defaults={"name_en": name})
    return found


def pet_input(**fields: Any) -> services.PetInput:
    defaults = {
        "breed_id": breed().pk,
        "sex": "male",
        "birth_date": timezone.localdate() - dt.timedelta(weeks=12),
        "price": Money.parse("4800.00", "CNY"),
        "title": "布偶猫 海双色 弟弟 已打两针疫苗",
        "city": "苏州市",
        "latitude": 31.2989,
        "longitude": 120.5853,
        "by_pet_courier": True,
    }
    return services.PetInput(**(defaults | fields))


def pet_of(owner, *, publish: bool = True, **fields: Any) -> Pet:
    pet = services.pet_create(actor=owner, data=pet_input(**fields))
    if publish:
        services.pet_submit(actor=owner, pet_id=pet.pk)
        reviewer = factories.user(operator_role="reviewer")
        catalog.product_approve(actor=reviewer, product_id=pet.product_id)
        pet.refresh_from_db()
    return pet


def logged(owner, pet: Pet, count: int = 1) -> list[Any]:
    return [
        services.record_add(
            actor=owner, pet_id=pet.pk, kind="vaccination", fields=vaccination(batch=f"B{n}"), document=PDF
        )
        for n in range(count)
    ]
