"""Image checks on pet photos: one used by another listing, one that does not show the declared species, and the
breed the photo looks like. Each finding is a flag the reviewer sees before publishing and the seller sees in the
editor; the seller confirms the breed."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from jishi.pets import selectors, vision
from jishi.pets.models import PhotoBand, PhotoCheck

SPECIES_SEEN = 0.5  # the model must give the declared species at least this probability
BREED_SEEN = 0.5  # and the breed it suggests at least this


def photo_check(image: Any, data: bytes) -> None:
    """catalog's IMAGE_CHECKS: check a new photo of a pet listing (nothing for other products)."""
    pet = selectors.pet_of_product(image.product_id)
    if pet is None:
        return
    value = vision.dhash(data)
    flags: list[dict[str, Any]] = []
    same = selectors.pets_with_photo(value, exclude_pet=pet.pk)
    if same:
        flags.append({"code": "duplicate_photo", "params": {"pets": same}})
    seen = vision.look(data, vision.model_in_use(settings.JISHI_PET_MODEL, settings.JISHI_PET_MODEL_LABELS))
    if not seen.shows(pet.species.code, SPECIES_SEEN):
        likely = max(seen.species, key=seen.species.__getitem__, default="")
        flags.append(
            {
                "code": "species_not_seen",
                "params": {"species": pet.species.code, "seen": likely if seen.shows(likely) else ""},
            }
        )
    suggested = seen.breed if seen.breed and seen.breed_probability >= BREED_SEEN else ""
    if suggested and suggested != pet.breed.name:
        flags.append({"code": "breed_suggested", "params": {"breed": suggested}})
    check = PhotoCheck.objects.create(
        pet=pet,
        image=image,
        dhash=f"{value:016x}",
        species_seen={code: round(p, 4) for code, p in seen.species.items()},
        suggested_breed=suggested,
        flags=flags,
    )
    PhotoBand.objects.bulk_create(
        PhotoBand(photo=check, position=position, value=band) for position, band in enumerate(vision.bands(value))
    )
