"""Writes of the pet-trading domain; this package offers them all as ``pets.services``.

- ``listings``: pet listings and the listing rules;
- ``records``: health, vaccination, deworming and pedigree records, the transparency log and its checkpoints.
"""

from jishi.pets.services.listings import (
    PetInput,
    age_weeks,
    listing_flags,
    pet_create,
    pet_mother_photo_set,
    pet_submit,
    pet_update,
    pet_video_set,
    video_type,
)
from jishi.pets.services.records import (
    DOCUMENT_MAX_BYTES,
    FIELDS,
    checkpoint_sign,
    checkpoints_export,
    clean_fields,
    record_add,
    record_correct,
    record_erase,
)
from jishi.pets.services.rules import (
    BreedInput,
    SpeciesInput,
    blocked_term_add,
    blocked_term_remove,
    breed_save,
    species_save,
)
from jishi.pets.services.sales import (
    MAX_PHOTOS,
    arrival_confirm,
    claim_deadline,
    claim_file,
    delivery_offered,
    quarantine_upload,
    sale_delivery_set,
    sale_hand_over,
    transit_event_add,
)

__all__ = [
    "DOCUMENT_MAX_BYTES",
    "FIELDS",
    "MAX_PHOTOS",
    "BreedInput",
    "PetInput",
    "SpeciesInput",
    "age_weeks",
    "arrival_confirm",
    "blocked_term_add",
    "blocked_term_remove",
    "breed_save",
    "checkpoint_sign",
    "checkpoints_export",
    "claim_deadline",
    "claim_file",
    "clean_fields",
    "delivery_offered",
    "listing_flags",
    "pet_create",
    "pet_mother_photo_set",
    "pet_submit",
    "pet_update",
    "pet_video_set",
    "quarantine_upload",
    "record_add",
    "record_correct",
    "record_erase",
    "sale_delivery_set",
    "sale_hand_over",
    "species_save",
    "transit_event_add",
    "video_type",
]
