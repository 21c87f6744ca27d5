"""Pet listings: a single-unit catalog product with the animal's particulars, checked by the listing rules.

Hard rules refuse the listing (a breed on the banned list, a blocked term, an
animal younger than its species' minimum sale age, a malformed or live
microchip). Soft rules flag it for the reviewer, who sees the flags in the
review queue: no photo with the mother for a puppy or kitten, a private
seller with more animals in 12 months than a person rehoming their own has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.catalog import services as catalog
from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.core.actors import Actor
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.merchants.selectors import merchant_for
from jishi.pets import selectors
from jishi.pets.errors import InvalidPet, MicrochipTaken, NotAPetSeller
from jishi.pets.models import BlockedTerm, Breed, Pet, Sex, Species

LIVE_ROOT = ("活体宠物", "Live pets")
# The ISO base media brands of the MP4 files phones and cameras write.
VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"})
GUARANTEE_MAX_HOURS = 72
GUARANTEE_MAX_DAYS = 30


@dataclass(frozen=True)
class PetInput:
    breed_id: int
    sex: str
    birth_date: dt.date
    price: Money
    title: str
    city: str
    latitude: float
    longitude: float
    description: str = ""
    name: str = ""
    colour: str = ""
    microchip: str = ""
    vaccinated: bool = False
    dewormed: bool = False
    neutered: bool = False
    sire: str = ""
    dam: str = ""
    by_collection: bool = True
    by_pet_courier: bool = False
    by_air_cargo: bool = False
    transit_guarantee_hours: int = 24
    illness_guarantee_days: int = 7
    illnesses_covered: str = ""


def age_weeks(birth_date: dt.date, on: dt.date | None = None) -> int:
    return ((on or timezone.localdate()) - birth_date).days // 7


def _blocked_term(*texts: str) -> str | None:
    joined = " ".join(texts)
    return next((t for t in BlockedTerm.objects.values_list("term", flat=True) if t in joined), None)


def _check_rules(breed: Breed, birth_date: dt.date, *texts: str) -> None:
    """The hard listing rules: a banned breed, an animal too young or not yet born, a blocked term."""
    if breed.is_banned:
        raise InvalidPet(_("This breed may not be sold here."), code="pets.banned_breed", field="breed_id")
    today = timezone.localdate()
    if birth_date > today:
        raise InvalidPet(_("The birth date is in the future."), field="birth_date")
    if age_weeks(birth_date, today) < breed.species.min_sale_weeks:
        raise InvalidPet(
            _("A %(species)s may be sold from %(weeks)d weeks old.")
            % {"species": breed.species.display_name, "weeks": breed.species.min_sale_weeks},
            code="pets.too_young",
            field="birth_date",
        )
    term = _blocked_term(*texts)
    if term:
        raise InvalidPet(
            _("Listings may not say “%(term)s”.") % {"term": term}, code="pets.blocked_term", field="title"
        )


def _check_terms_of_sale(data: PetInput) -> None:
    """Where the animal is, how it travels and what its guarantee covers."""
    if not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180):
        raise InvalidPet(field="latitude")
    if not data.city.strip():
        raise InvalidPet(_("This field is required."), field="city")
    if not (data.by_collection or data.by_pet_courier or data.by_air_cargo):
        raise InvalidPet(_("Offer at least one way for the pet to reach its buyer."), field="by_collection")
    if not 0 <= data.transit_guarantee_hours <= GUARANTEE_MAX_HOURS:
        raise InvalidPet(field="transit_guarantee_hours")
    if not 0 <= data.illness_guarantee_days <= GUARANTEE_MAX_DAYS:
        raise InvalidPet(field="illness_guarantee_days")


def _clean(data: PetInput) -> tuple[Breed, dict[str, Any]]:
    breed = Breed.objects.select_related("species").filter(pk=data.breed_id, species__is_active=True).first()
    if breed is None:
        raise InvalidPet(_("Choose a breed from the list."), field="breed_id")
    if data.sex not in Sex.values:
        raise InvalidPet(field="sex")
    _check_rules(breed, data.birth_date, data.title, data.description, data.name, data.colour, data.illnesses_covered)
    microchip = data.microchip.strip()
    if microchip and (len(microchip) != 15 or not microchip.isascii() or not microchip.isdecimal()):
        raise InvalidPet(_("A microchip number (ISO 11784) has 15 digits."), field="microchip")
    _check_terms_of_sale(data)
    fields = {
        "species": breed.species,
        "breed": breed,
        "sex": data.sex,
        "birth_date": data.birth_date,
        "microchip": microchip,
        "latitude_e6": round(data.latitude * 1e6),
        "longitude_e6": round(data.longitude * 1e6),
        "city": data.city.strip()[:30],
    }
    for name in ("name", "colour", "sire", "dam", "illnesses_covered"):
        fields[name] = " ".join(getattr(data, name).split())[: Pet._meta.get_field(name).max_length]  # type: ignore[union-attr]
    for name in ("vaccinated", "dewormed", "neutered", "by_collection", "by_pet_courier", "by_air_cargo"):
        fields[name] = bool(getattr(data, name))
    fields["transit_guarantee_hours"] = data.transit_guarantee_hours
    fields["illness_guarantee_days"] = data.illness_guarantee_days
    return breed, fields


def _category_of(species: Species) -> int:
    """The catalog category of the species' listings, made under 活体宠物 with its first listing."""
    if species.category_id is None:
        root = selectors.live_pets_root() or catalog.category_create(
            name=LIVE_ROOT[0], name_en=LIVE_ROOT[1], slug="live-pets"
        )
        category = catalog.category_create(
            name=species.name, name_en=species.name_en, parent=root, slug=f"live-pets-{species.code}"
        )
        Species.objects.filter(pk=species.pk, category__isnull=True).update(category=category)
        species.refresh_from_db(fields=["category"])
    return species.category_id  # type: ignore[return-value]


def _product_input(data: PetInput, species: Species) -> catalog.ProductInput:
    return catalog.ProductInput(
        category_id=_category_of(species),
        title=data.title,
        description=data.description,
        skus=[catalog.SkuInput(price=data.price, stock=1)],
    )


def _save(pet: Pet, fields: dict[str, Any]) -> Pet:
    for name, value in fields.items():
        setattr(pet, name, value)
    try:
        with transaction.atomic():
            pet.save()
    except IntegrityError:
        raise MicrochipTaken(field="microchip") from None
    return pet


def pet_create(*, actor: Actor, data: PetInput) -> Pet:
    """List an animal as a draft: its catalog product (one SKU, stock 1) and its particulars.

    Only a breeder, pet shop, rescue or private seller lists pets. Raises PermissionDenied, NotAPetSeller,
    InvalidPet, MicrochipTaken, InvalidProduct (with the field).
    """
    check(actor, PRODUCT_MANAGE)
    merchant = merchant_for(actor)
    if merchant.kind not in selectors.PET_SELLER_KINDS:
        raise NotAPetSeller
    breed, fields = _clean(data)
    with transaction.atomic():
        product = catalog.product_create(actor=actor, data=_product_input(data, breed.species))
        pet = _save(Pet(product=product, merchant=merchant), fields)
        catalog.product_reindex(product_id=product.pk)
    return pet


def pet_update(*, actor: Actor, pet_id: int, data: PetInput) -> Pet:
    """Change a listing's particulars and its product (which goes back to review if it was published)."""
    check(actor, PRODUCT_MANAGE)
    breed, fields = _clean(data)
    with transaction.atomic():
        pet = selectors.pet_for_merchant(actor, pet_id, live=True)
        reviewed = {name: getattr(pet, name) for name in fields}
        catalog.product_update(actor=actor, product_id=pet.product_id, data=_product_input(data, breed.species))
        _save(pet, fields)
        catalog.product_reindex(product_id=pet.product_id)
        if reviewed != {name: getattr(pet, name) for name in fields}:  # buyers never see unreviewed particulars
            catalog.product_back_to_review(actor=actor, product_id=pet.product_id, reason="pet particulars edited")
    return pet


def pet_mother_photo_set(*, actor: Actor, pet_id: int, image_id: int | None) -> Pet:
    """Say which of the listing's photos shows the animal with its mother (or none)."""
    check(actor, PRODUCT_MANAGE)
    with transaction.atomic():
        pet = selectors.pet_for_merchant(actor, pet_id)
        if image_id is not None and not selectors.product_has_image(pet.product_id, image_id):
            raise InvalidPet(field="image_id")
        pet.mother_photo_id = image_id
        pet.save(update_fields=["mother_photo"])
    return pet


def video_type(data: bytes) -> str:
    """The container a video really is, from its first bytes: MP4 (an ISO base media ``ftyp`` box) or WebM (an
    EBML header); empty for anything else, whatever its name says."""
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in VIDEO_BRANDS:
        return "video/mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]:
        return "video/webm"
    return ""


def pet_video_set(*, actor: Actor, pet_id: int, data: bytes | None) -> Pet:
    """Give the listing its short video (MP4 or WebM up to JISHI_PET_VIDEO_MAX_BYTES), replace it, or remove it
    (``None``). Raises InvalidPet (field ``video``) for another type or a bigger file."""
    check(actor, PRODUCT_MANAGE)
    kind = ""
    if data is not None:
        if len(data) > settings.JISHI_PET_VIDEO_MAX_BYTES:
            limit = settings.JISHI_PET_VIDEO_MAX_BYTES // (1024 * 1024)
            raise InvalidPet(_("A video may be up to %(mb)d MB.") % {"mb": limit}, field="video")
        kind = video_type(data)
        if not kind:
            raise InvalidPet(_("Upload the video as MP4 or WebM."), field="video")
    with transaction.atomic():
        pet = selectors.pet_for_merchant(actor, pet_id)
        old = pet.video.name
        if data is None:
            pet.video, pet.video_type = "", ""
        else:
            pet.video.save(f"video.{kind.split('/')[1]}", ContentFile(data), save=False)
            pet.video_type = kind
        pet.save(update_fields=["video", "video_type"])
        if old:
            transaction.on_commit(lambda: pet.video.storage.delete(old))
    return pet


def listing_flags(pet: Pet) -> list[dict[str, Any]]:
    """The soft rules' findings for the reviewer, the image checks' among them."""
    flags: list[dict[str, Any]] = selectors.photo_flags(pet)
    weeks = age_weeks(pet.birth_date)
    if weeks < pet.species.mother_photo_below_weeks and pet.mother_photo_id is None:
        flags.append({"code": "no_mother_photo", "params": {"weeks": weeks}})
    if pet.merchant.kind == selectors.PRIVATE_SELLER:
        count = selectors.pets_listed_in_a_year(pet.merchant_id)
        if count > settings.JISHI_PET_PRIVATE_PER_YEAR:
            flags.append({"code": "private_volume", "params": {"count": count}})
    return flags


def pet_submit(*, actor: Actor, pet_id: int) -> Pet:
    """Send a listing for review: the hard rules again (the animal may have grown into them, a term may have
    been blocked since), the flags written for the reviewer, then the catalog's own submission."""
    check(actor, PRODUCT_MANAGE)
    with transaction.atomic():
        pet = selectors.pet_for_merchant(actor, pet_id, live=True)
        product = pet.product
        _check_rules(pet.breed, pet.birth_date, product.title, product.description, pet.name, pet.colour)
        pet.flags = listing_flags(pet)
        pet.save(update_fields=["flags"])
        catalog.product_submit(actor=actor, product_id=pet.product_id)
    return pet
