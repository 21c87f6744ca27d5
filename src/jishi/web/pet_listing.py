"""Pet listings as their sellers and the reviewers read them: the animal's particulars and the listing rules'
flags in words, for the merchant centre's pet pages and the operator's product review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from jishi.catalog.models import reader_name
from jishi.merchants.models import MerchantKind
from jishi.pets import selectors
from jishi.pets.models import Delivery, Pet, Sex

# The ages a listing is told in weeks; older animals are told in months.
WEEKS_UNTIL = 17


def species_name(species: Any) -> str:
    return reader_name(species.name, species.name_en)


def breed_name(breed: Any) -> str:
    return reader_name(breed.name, breed.name_en)


def age_text(birth_date: dt.date) -> str:
    """``12 weeks`` for a young animal, ``5 months`` for an older one."""
    age = selectors.age_of(birth_date)
    if age.weeks < WEEKS_UNTIL:
        return ngettext("%(count)d week", "%(count)d weeks", age.weeks) % {"count": age.weeks}
    return ngettext("%(count)d month", "%(count)d months", age.months) % {"count": age.months}


@dataclass(frozen=True)
class Flag:
    code: str
    text: str
    image_id: int | None = None  # the photo an image check flagged


def _species_word(code: str, species: dict[str, str]) -> str:
    return species.get(code, code)


def _photo_flag_text(code: str, params: dict[str, Any], species: dict[str, str]) -> str:
    """The image checks' findings on one photo."""
    if code == "duplicate_photo":
        others = [str(pet) for pet in params.get("pets") or []]
        return ngettext(
            "This photo is also used by another listing (pet %(pets)s).",
            "This photo is also used by other listings (pets %(pets)s).",
            len(others),
        ) % {"pets": ", ".join(others)}
    if code == "species_not_seen":
        expected = _species_word(str(params.get("species", "")), species)
        seen = str(params.get("seen", ""))
        if seen:
            return _("This photo does not seem to show a %(species)s; it looks like a %(seen)s.") % {
                "species": expected,
                "seen": _species_word(seen, species),
            }
        return _("This photo does not seem to show a %(species)s.") % {"species": expected}
    if code == "breed_suggested":
        return _("This photo looks more like a %(breed)s than the breed given.") % {"breed": params.get("breed", "")}
    return code


def flag_text(flag: dict[str, Any], species: dict[str, str] | None = None) -> str:
    """What a soft listing rule or an image check found, in words (``species``: names by species code)."""
    code, params = str(flag.get("code", "")), flag.get("params") or {}
    if code == "no_mother_photo":
        weeks = int(params.get("weeks", 0))
        return ngettext(
            "No photo shows it with its mother, and it is %(weeks)d week old.",
            "No photo shows it with its mother, and it is %(weeks)d weeks old.",
            weeks,
        ) % {"weeks": weeks}
    if code == "private_volume":
        count = int(params.get("count", 0))
        return ngettext(
            "A private seller who listed %(count)d animal in the last 12 months.",
            "A private seller who listed %(count)d animals in the last 12 months: more than a person rehoming "
            "their own usually has.",
            count,
        ) % {"count": count}
    return _photo_flag_text(code, params, species or {})


def flags_in_words(flags: list[dict[str, Any]]) -> list[Flag]:
    species = {}
    if any(flag.get("code") == "species_not_seen" for flag in flags):
        species = {s.code: species_name(s).lower() for s in selectors.species_list()}
    return [Flag(str(flag.get("code", "")), flag_text(flag, species), flag.get("image_id") or None) for flag in flags]


def flags_of(pet: Pet) -> list[Flag]:
    """The flags of the pet's last submission, in words."""
    return flags_in_words(pet.flags or [])


def delivery_text(pet: Pet) -> str:
    ways = (
        (pet.by_collection, Delivery.COLLECTION.label),
        (pet.by_pet_courier, Delivery.PET_COURIER.label),
        (pet.by_air_cargo, Delivery.AIR_CARGO.label),
    )
    return " · ".join(str(label) for offered, label in ways if offered) or "—"


def guarantee_text(pet: Pet) -> str:
    text = _("Transit injury or death: claims within %(hours)d hours of arrival. Illness: %(days)d days.") % {
        "hours": pet.transit_guarantee_hours,
        "days": pet.illness_guarantee_days,
    }
    if pet.illnesses_covered:
        text += " " + _("Covers: %(illnesses)s.") % {"illnesses": pet.illnesses_covered}
    return text


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def particulars(pet: Pet) -> list[tuple[str, str]]:
    """The animal's particulars as label and value, for a spec table."""
    health = " · ".join(
        label
        for done, label in (
            (pet.vaccinated, _("vaccinated")),
            (pet.dewormed, _("dewormed")),
            (pet.neutered, _("neutered")),
        )
        if done
    )
    return [
        (_("Breed"), f"{species_name(pet.species)} · {breed_name(pet.breed)}"),
        (_("Sex"), str(Sex(pet.sex).label)),
        (_("Birth date"), f"{pet.birth_date:%Y-%m-%d} ({age_text(pet.birth_date)})"),
        (pgettext("pet", "Name"), pet.name or "—"),
        (_("Colour"), pet.colour or "—"),
        (_("Microchip"), pet.microchip or _("None")),
        (_("Health"), health or _("Not vaccinated, dewormed or neutered")),
        (_("Sire and dam"), " × ".join(part or "—" for part in (pet.sire, pet.dam)) if pet.sire or pet.dam else "—"),
        (_("Where"), f"{pet.city} ({pet.latitude:.4f}, {pet.longitude:.4f})"),
        (_("Delivery"), delivery_text(pet)),
        (_("Health guarantee"), guarantee_text(pet)),
        (_("Seller"), f"{pet.merchant.name} · {MerchantKind(pet.merchant.kind).label}"),
    ]


def current_checks(checks: list[selectors.RecordCheck]) -> list[selectors.RecordCheck]:
    """The checks of the records as they stand: those a later record corrected left out."""
    corrected = {check.record.supersedes_id for check in checks if check.record.supersedes_id}
    return [check for check in checks if check.record.pk not in corrected]


def record_counts(pet: Pet, checkpoint: Any) -> tuple[int, int]:
    """How many records the pet has as they stand, and how many of them ``checkpoint`` proves."""
    current = current_checks(selectors.pet_records_checked(pet, checkpoint))
    return len(current), sum(1 for check in current if check.proven)
