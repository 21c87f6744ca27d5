"""The rules operators keep for pet listings: the species and their minimum sale age, the breed list with its
synonyms and banned breeds, and the words no listing may use. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jishi.catalog import services as catalog
from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.permissions import check
from jishi.pets.errors import InvalidRule, RuleNotFound
from jishi.pets.models import BlockedTerm, Breed, Pet, Species
from jishi.pets.permissions import PET_RULES


@dataclass(frozen=True)
class SpeciesInput:
    code: str
    name: str
    name_en: str
    min_sale_weeks: int = 8
    mother_photo_below_weeks: int = 0
    is_active: bool = True


@dataclass(frozen=True)
class BreedInput:
    species: str
    name: str
    name_en: str
    synonyms: list[str]
    is_banned: bool = False


def _text(value: str, field: str, limit: int) -> str:
    text = " ".join(value.split())
    if not text or len(text) > limit:
        raise InvalidRule(_("Give up to %(count)d characters.") % {"count": limit}, field=field)
    return text


def species_save(*, actor: Actor, data: SpeciesInput) -> Species:
    """Add a species or change one (by its code): names, minimum sale age, mother-photo age, offered or not."""
    check(actor, PET_RULES)
    code = data.code.strip().lower()
    if not code.isascii() or not code.replace("-", "").isalnum() or len(code) > 30:
        raise InvalidRule(field="code")
    if not 0 <= data.min_sale_weeks <= 104 or not 0 <= data.mother_photo_below_weeks <= 104:
        raise InvalidRule(field="min_sale_weeks")
    fields = {
        "name": _text(data.name, "name", 20),
        "name_en": _text(data.name_en, "name_en", 40),
        "min_sale_weeks": data.min_sale_weeks,
        "mother_photo_below_weeks": data.mother_photo_below_weeks,
        "is_active": data.is_active,
    }
    with transaction.atomic():
        before = Species.objects.filter(code=code).values(*fields).first()
        species, _created = Species.objects.update_or_create(code=code, defaults=fields)
        audit.record(actor=actor, action="pets.species_save", target=species, before=before or {}, after=fields)
    return species


def _breed_fields(breed: Breed) -> dict[str, object]:
    return {"name": breed.name, "name_en": breed.name_en, "synonyms": breed.synonyms, "is_banned": breed.is_banned}


def breed_save(*, actor: Actor, data: BreedInput, breed_id: int | None = None) -> Breed:
    """Add a breed to the list or change one: its names and synonyms (the pets of the breed are found by the
    new ones at once) and whether it is banned."""
    check(actor, PET_RULES)
    species = Species.objects.filter(code=data.species).first()
    if species is None:
        raise InvalidRule(field="species")
    synonyms = [_text(s, "synonyms", 30) for s in data.synonyms if s.strip()]
    if len(",".join(synonyms)) > 200 or any("," in s for s in synonyms):
        raise InvalidRule(field="synonyms")
    fields = {
        "species": species,
        "name": _text(data.name, "name", 30),
        "name_en": _text(data.name_en, "name_en", 60),
        "synonyms": ",".join(synonyms),
        "is_banned": data.is_banned,
    }
    with transaction.atomic():
        found = Breed(**fields) if breed_id is None else Breed.objects.filter(pk=breed_id).first()
        if found is None:
            raise RuleNotFound
        breed, before = found, {} if breed_id is None else _breed_fields(found)
        for name, value in fields.items():
            setattr(breed, name, value)
        try:
            with transaction.atomic():
                breed.save()
        except IntegrityError:
            raise InvalidRule(_("The species has a breed of this name already."), field="name") from None
        for product_id in Pet.objects.filter(breed=breed).values_list("product_id", flat=True):
            catalog.product_reindex(product_id=product_id)
        audit.record(actor=actor, action="pets.breed_save", target=breed, before=before, after=_breed_fields(breed))
    return breed


def blocked_term_add(*, actor: Actor, term: str) -> BlockedTerm:
    """Block a word in pet listings (checked again when each listing is submitted). Idempotent."""
    check(actor, PET_RULES)
    term = _text(term, "term", 30)
    with transaction.atomic():
        blocked, created = BlockedTerm.objects.get_or_create(term=term)
        if created:
            audit.record(actor=actor, action="pets.blocked_term_add", target=blocked, after={"term": term})
    return blocked


def blocked_term_remove(*, actor: Actor, term_id: int) -> None:
    check(actor, PET_RULES)
    with transaction.atomic():
        blocked = BlockedTerm.objects.filter(pk=term_id).first()
        if blocked is None:
            raise RuleNotFound
        audit.record(actor=actor, action="pets.blocked_term_remove", target=blocked, before={"term": blocked.term})
        blocked.delete()
