"""A breeder with a published kitten, and the records it is logged with."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

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


def pet_of(owner, *, weeks: int = 12, microchip: str = "") -> Pet:
    cat, _ = Species.objects.get_or_create(code="cat", defaults={"name": "猫", "name_en": "Cat"})
    breed, _ = Breed.objects.get_or_create(species=cat, name="布偶猫", defaults={"name_en": "Ragdoll"})
    product = factories.product(owner, factories.category_path("宠物", "猫"), title="布偶猫 海双色 弟弟", stock=1)
    return Pet.objects.create(
        product=product,
        merchant=owner.membership.merchant,
        species=cat,
        breed=breed,
        sex="male",
        birth_date=timezone.localdate() - dt.timedelta(weeks=weeks),
        microchip=microchip,
    )


def logged(owner, pet: Pet, count: int = 1) -> list[Any]:
    return [
        services.record_add(
            actor=owner, pet_id=pet.pk, kind="vaccination", fields=vaccination(batch=f"B{n}"), document=PDF
        )
        for n in range(count)
    ]
