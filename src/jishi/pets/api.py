"""Pet trading API: pet search and listings, a seller's listings and records, and the transparency log.

The log answers what anyone needs to check a record without trusting Jishi:
the latest signed checkpoint with the log's verifier key, a record's
inclusion proof, and the consistency proof between two sizes. ``verifier.py``
(served at ``/pets/verifier.py``) checks them with Python and ``cryptography``.
"""

import json
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Query, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.core.api import (
    Amount,
    BodyId,
    DataOut,
    Id,
    IsoDate,
    IsoDateTime,
    MoneyOut,
    PageNumber,
    PageSize,
    PublicNumber,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.core.permissions import PUBLIC, requires
from jishi.core.ranges import ranged_response
from jishi.orders import selectors as order_selectors
from jishi.orders.permissions import ORDER_BUY, ORDER_FULFIL
from jishi.pets import selectors, services
from jishi.pets.errors import InvalidDocument, InvalidPet, InvalidRecord, InvalidSale, PetNotFound, RecordNotFound
from jishi.pets.models import ClaimKind, Delivery, Pet, PetRecord, PetSale, RecordKind, Sex, TransitKind
from jishi.pets.permissions import LOG_SIGN, PET_RULES, RECORD_ERASE
from jishi.pets.signing import signer

router = Router(tags=["pets"])
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)


# Listings ------------------------------------------------------------------------------------------------------


class BreedOut(DataOut):
    id: int
    name: str
    name_en: str
    synonyms: list[str]


class SpeciesOut(DataOut):
    code: str
    name: str
    name_en: str
    min_sale_weeks: int
    breeds: list[BreedOut]


class SellerOut(DataOut):
    merchant_id: int
    name: str
    label: Literal["individual", "breeder", "pet_shop", "rescue"]
    permit_number: str = Field(description="Animal business permit, for breeders and pet shops")
    permit_authority: str


class GuaranteeOut(DataOut):
    transit_hours: int = Field(description="Transit injury or death on arrival, claimed within this after arrival")
    illness_days: int
    illnesses: str


class PetCardOut(DataOut):
    id: int
    product_id: int
    title: str
    price: MoneyOut
    species: str
    breed: str
    sex: Sex
    age_weeks: int
    age_months: int
    city: str
    km: float | None = Field(default=None, description="From the place searched from, when one was given")
    seller_label: str
    vaccinated: bool


class PetOut(PetCardOut):
    name: str
    birth_date: str
    colour: str
    microchip: str = Field(description="Masked: the first 3 and the last 4 digits")
    dewormed: bool
    neutered: bool
    sire: str
    dam: str
    seller: SellerOut
    delivery: list[Literal["collection", "pet_courier", "air_cargo"]]
    guarantee: GuaranteeOut
    verify_path: str = Field(description="The public page that proves the pet's records")
    video_path: str | None = Field(description="The listing's short video, served with range requests")


class BreedCountOut(DataOut):
    id: int
    name: str
    count: int


class PetPageOut(DataOut):
    items: list[PetCardOut]
    total: int
    breeds: list[BreedCountOut]


class PetSearchQuery(Schema):
    species: Annotated[str, Field(max_length=30)] = ""
    breed: Id | None = None
    q: Annotated[str, Field(max_length=40)] = ""
    min_weeks: Annotated[int, Field(ge=0, le=1500)] | None = None
    max_weeks: Annotated[int, Field(ge=0, le=1500)] | None = None
    price_min: Amount | None = None
    price_max: Amount | None = None
    sex: Sex | None = None
    vaccinated: bool | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lng: Annotated[float, Field(ge=-180, le=180)] | None = None
    within_km: Annotated[float, Field(gt=0, le=500)] | None = None
    sort: Literal["newest", "nearest", "price", "-price", "youngest"] = "newest"
    page: PageNumber = 1
    size: PageSize = 20


def _card_fields(pet: Pet, km: float | None) -> dict[str, Any]:
    age = selectors.age_of(pet.birth_date)
    return {
        "id": pet.pk,
        "product_id": pet.product_id,
        "title": pet.product.title,
        "price": money_out(Money(pet.product.min_price_minor, pet.product.currency)),
        "species": pet.species.name,
        "breed": pet.breed.name,
        "sex": Sex(pet.sex),
        "age_weeks": age.weeks,
        "age_months": age.months,
        "city": pet.city,
        "km": None if km is None else round(km, 1),
        "seller_label": pet.merchant.kind,
        "vaccinated": pet.vaccinated,
    }


def pet_out(pet: Pet, km: float | None = None) -> PetOut:
    label = selectors.seller_label(pet.merchant)
    ways = (("collection", pet.by_collection), ("pet_courier", pet.by_pet_courier), ("air_cargo", pet.by_air_cargo))
    return PetOut(
        **_card_fields(pet, km),
        name=pet.name,
        birth_date=pet.birth_date.isoformat(),
        colour=pet.colour,
        microchip=selectors.masked_microchip(pet.microchip),
        dewormed=pet.dewormed,
        neutered=pet.neutered,
        sire=pet.sire,
        dam=pet.dam,
        seller=SellerOut(
            merchant_id=pet.merchant_id,
            name=pet.merchant.name,
            label=label.kind,  # type: ignore[arg-type]
            permit_number=label.permit_number,
            permit_authority=label.permit_authority,
        ),
        delivery=[way for way, offered in ways if offered],  # type: ignore[misc]
        guarantee=GuaranteeOut(
            transit_hours=pet.transit_guarantee_hours,
            illness_days=pet.illness_guarantee_days,
            illnesses=pet.illnesses_covered,
        ),
        verify_path=f"/pets/{pet.pk}/verify/",
        video_path=f"/api/v1/pets/{pet.pk}/video" if pet.video else None,
    )


@router.get("/pets", response={200: PetPageOut, **errors()})
@requires(PUBLIC)
def pets_search(request: HttpRequest, filters: Query[PetSearchQuery]) -> PetPageOut:
    """Live pets: by species, breed (any of its names in ``q``), age in weeks, price, sex, vaccination, and
    distance from a place (``lat``, ``lng``, ``within_km``; ``sort=nearest``), with counts per breed."""
    if (filters.lat is None) != (filters.lng is None):
        raise InvalidInput(field="lng")
    query = selectors.PetQuery(
        species=filters.species,
        breed_id=filters.breed,
        q=filters.q,
        min_weeks=filters.min_weeks,
        max_weeks=filters.max_weeks,
        min_price_minor=None if filters.price_min is None else parse_amount(filters.price_min, "price_min").minor,
        max_price_minor=None if filters.price_max is None else parse_amount(filters.price_max, "price_max").minor,
        sex=filters.sex or "",
        vaccinated=filters.vaccinated,
        latitude=filters.lat,
        longitude=filters.lng,
        within_km=filters.within_km,
        sort=filters.sort,
        page=filters.page,
        size=filters.size,
    )
    found = selectors.pets_search(query)
    return PetPageOut(
        items=[PetCardOut(**_card_fields(hit.pet, hit.km)) for hit in found.hits],
        total=found.total,
        breeds=[BreedCountOut(id=b.pk, name=b.name, count=n) for b, n in found.breeds],
    )


@router.get("/pets/species", response={200: list[SpeciesOut], **errors()})
@requires(PUBLIC)
def species_list(request: HttpRequest) -> list[SpeciesOut]:
    """The species and the breed list sellers choose from (banned breeds left out)."""
    return [
        SpeciesOut(
            code=s.code,
            name=s.name,
            name_en=s.name_en,
            min_sale_weeks=s.min_sale_weeks,
            breeds=[
                BreedOut(id=b.pk, name=b.name, name_en=b.name_en, synonyms=b.synonym_list)
                for b in s.breeds.all()
                if not b.is_banned
            ],
        )
        for s in selectors.species_list()
    ]


@router.get("/pets/{pet_id}", response={200: PetOut, **errors(404)})
@requires(PUBLIC)
def pet_detail(request: HttpRequest, pet_id: Id) -> PetOut:
    return pet_out(selectors.pet_public(pet_id))


@router.get("/pets/{pet_id}/video", response={200: None, 206: None, 416: None, **errors(404)})
@requires(PUBLIC)
def pet_video(request: HttpRequest, pet_id: Id) -> HttpResponseBase:
    """The listing's video (MP4 or WebM) with HTTP range requests, so a phone starts it and seeks at once."""
    pet = selectors.pet_public(pet_id)
    if not pet.video:
        raise PetNotFound
    response = ranged_response(request, pet.video.open("rb"), pet.video.size, pet.video_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


# Records and the log --------------------------------------------------------------------------------------------


class InclusionOut(DataOut):
    tree_size: int
    hashes: list[str] = Field(description="Hex SHA-256 hashes, the leaf's nearest sibling first (RFC 6962 PATH)")


class RecordProofOut(DataOut):
    """What verifier.py reads from a record file: the log entry, the fields it commits to and the proof."""

    leaf_index: int
    entry: dict[str, Any]
    kind: RecordKind
    fields: dict[str, Any] | None = Field(description="None once erased at a person's request")
    salt: str | None
    document_sha256: str
    inclusion: InclusionOut


class RecordCheckOut(DataOut):
    id: int
    kind: RecordKind
    recorded_at: str
    supersedes: int | None = Field(description="The record this one corrects")
    superseded: bool
    proven: bool = Field(description="Proven included under the latest signed checkpoint, by verifier.py's code")
    problem: str
    proof: RecordProofOut | None


class CheckpointOut(DataOut):
    tree_size: int
    root_hash: str = Field(description="Base64, as in the note")
    note: str = Field(description="The C2SP signed note (https://c2sp.org/tlog-checkpoint)")
    verifier_key: str = Field(description="The log's Ed25519 verifier key, name+keyid+base64")
    signed_at: str


class PetRecordsOut(DataOut):
    pet_id: int
    checkpoint: CheckpointOut | None
    records: list[RecordCheckOut]


class ConsistencyOut(DataOut):
    first: int
    second: int
    hashes: list[str]


def checkpoint_out(checkpoint: Any) -> CheckpointOut:
    return CheckpointOut(
        **selectors.checkpoint_out(checkpoint),
        verifier_key=str(signer().verifier),
        signed_at=checkpoint.created_at.isoformat(),
    )


def _record_check_out(check: selectors.RecordCheck, superseded: set[int]) -> RecordCheckOut:
    record = check.record
    return RecordCheckOut(
        id=record.pk,
        kind=RecordKind(record.kind),
        recorded_at=record.created_at.isoformat(),
        supersedes=record.supersedes_id,
        superseded=record.pk in superseded,
        proven=check.proven,
        problem=check.problem,
        proof=RecordProofOut(**check.bundle) if check.bundle else None,
    )


@router.get("/pets/{pet_id}/records", response={200: PetRecordsOut, **errors(404)})
@requires(PUBLIC)
def pet_records(request: HttpRequest, pet_id: Id) -> PetRecordsOut:
    """Every record of the pet, corrections and what they corrected alike, each checked under the latest signed
    checkpoint with its proof, ready for verifier.py."""
    pet = selectors.pet_public(pet_id)
    checkpoint = selectors.checkpoint_latest()
    checks = selectors.pet_records_checked(pet, checkpoint)
    superseded = {c.record.supersedes_id for c in checks if c.record.supersedes_id}
    return PetRecordsOut(
        pet_id=pet.pk,
        checkpoint=checkpoint_out(checkpoint) if checkpoint else None,
        records=[_record_check_out(c, superseded) for c in checks],
    )


@router.get("/pets/log/checkpoint", response={200: CheckpointOut, **errors(404)})
@requires(PUBLIC)
def log_checkpoint(request: HttpRequest) -> CheckpointOut:
    """The latest signed checkpoint of the pet-record log."""
    checkpoint = selectors.checkpoint_latest()
    if checkpoint is None:
        raise RecordNotFound
    return checkpoint_out(checkpoint)


@router.get("/pets/log/inclusion", response={200: RecordProofOut, **errors(404)})
@requires(PUBLIC)
def log_inclusion(request: HttpRequest, record: Id, tree_size: Id | None = None) -> RecordProofOut:
    """A record's entry, fields and inclusion proof under the checkpoint of ``tree_size`` (the latest by default;
    a buyer's order keeps the one current at purchase)."""
    found = selectors.record_public(record)
    checkpoint = selectors.checkpoint_of_size(tree_size) if tree_size else selectors.checkpoint_latest()
    if checkpoint is None or found.entry.index >= checkpoint.tree_size:
        raise RecordNotFound(field="tree_size")
    return RecordProofOut(**selectors.record_bundle(found, checkpoint))


@router.get("/pets/log/consistency", response={200: ConsistencyOut, **errors()})
@requires(PUBLIC)
def log_consistency(request: HttpRequest, first: Annotated[int, Field(ge=0)], second: Id) -> ConsistencyOut:
    """The proof that the log at ``second`` records extends the log at ``first`` (RFC 6962 §2.1.2)."""
    proof = selectors.consistency_proof(first, second)
    return ConsistencyOut(first=first, second=second, hashes=[h.hex() for h in proof])


# A seller's listings and records --------------------------------------------------------------------------------


class PetIn(StrictIn):
    breed_id: BodyId
    sex: Sex
    birth_date: IsoDate
    price: Amount
    title: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=5000)] = ""
    name: Annotated[str, Field(max_length=30)] = ""
    colour: Annotated[str, Field(max_length=30)] = ""
    microchip: Annotated[str, Field(max_length=15)] = ""
    vaccinated: bool = False
    dewormed: bool = False
    neutered: bool = False
    sire: Annotated[str, Field(max_length=60)] = ""
    dam: Annotated[str, Field(max_length=60)] = ""
    city: Annotated[str, Field(min_length=1, max_length=30)]
    latitude: Annotated[float, Field(strict=True)]
    longitude: Annotated[float, Field(strict=True)]
    by_collection: bool = True
    by_pet_courier: bool = False
    by_air_cargo: bool = False
    transit_guarantee_hours: Annotated[int, Field(strict=True)] = 24
    illness_guarantee_days: Annotated[int, Field(strict=True)] = 7
    illnesses_covered: Annotated[str, Field(max_length=100)] = ""


class FlagOut(DataOut):
    """One finding of the listing rules or the image checks, for the seller and the reviewer."""

    code: Literal["no_mother_photo", "private_volume", "duplicate_photo", "species_not_seen", "breed_suggested"]
    params: dict[str, int | str | list[int]] = Field(
        description="weeks, count; pets (other listings with the photo); species and seen; breed"
    )
    image_id: int | None = Field(default=None, description="The photo an image check is about")


class MerchantPetOut(PetOut):
    status: str = Field(description="The product's listing status: draft, pending_review, published, …")
    flags: list[FlagOut] = Field(description="What the listing rules flagged for the reviewer at submission")
    mother_photo_id: int | None


class MotherPhotoIn(StrictIn):
    image_id: BodyId | None


def _pet_input(payload: PetIn) -> services.PetInput:
    data = payload.model_dump()
    data["price"] = parse_amount(payload.price, "price")
    return services.PetInput(**data)


def merchant_pet_out(pet: Pet) -> MerchantPetOut:
    return MerchantPetOut(
        **pet_out(pet).model_dump(),
        status=pet.product.status,
        flags=[FlagOut(**flag) for flag in pet.flags],
        mother_photo_id=pet.mother_photo_id,
    )


@merchant_router.post("/pets", response={201: MerchantPetOut, **errors(401, 403, 409)})
@requires(PRODUCT_MANAGE)
def merchant_pet_create(request: HttpRequest, payload: PetIn) -> Status:
    """List an animal as a draft (breeders, pet shops, rescues and private sellers); add photos through the
    product's images, then submit it for review."""
    actor = actor_of(request)
    pet = services.pet_create(actor=actor, data=_pet_input(payload))
    return Status(201, merchant_pet_out(selectors.pet_for_merchant(actor, pet.pk)))


@merchant_router.get("/pets", response={200: list[MerchantPetOut], **errors(401, 403)})
@requires(PRODUCT_MANAGE)
def merchant_pets(request: HttpRequest, page: PageNumber = 1) -> list[MerchantPetOut]:
    pets = selectors.pets_for_merchant(actor_of(request)).select_related("merchant")[(page - 1) * 50 : page * 50]
    return [merchant_pet_out(pet) for pet in pets]


@merchant_router.get("/pets/{pet_id}", response={200: MerchantPetOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def merchant_pet(request: HttpRequest, pet_id: Id) -> MerchantPetOut:
    return merchant_pet_out(selectors.pet_for_merchant(actor_of(request), pet_id))


@merchant_router.put("/pets/{pet_id}", response={200: MerchantPetOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def merchant_pet_update(request: HttpRequest, pet_id: Id, payload: PetIn) -> MerchantPetOut:
    actor = actor_of(request)
    services.pet_update(actor=actor, pet_id=pet_id, data=_pet_input(payload))
    return merchant_pet_out(selectors.pet_for_merchant(actor, pet_id))


@merchant_router.post("/pets/{pet_id}/video", response={200: MerchantPetOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def merchant_pet_video(request: HttpRequest, pet_id: Id, video: File[UploadedFile]) -> MerchantPetOut:
    """Give the listing a short video (MP4 or WebM, sniffed, up to JISHI_PET_VIDEO_MAX_BYTES), replacing any."""
    actor = actor_of(request)
    if (video.size or 0) > settings.JISHI_PET_VIDEO_MAX_BYTES:
        raise InvalidPet(field="video")
    services.pet_video_set(actor=actor, pet_id=pet_id, data=bytes(video.read()))
    return merchant_pet_out(selectors.pet_for_merchant(actor, pet_id))


@merchant_router.delete("/pets/{pet_id}/video", response={200: MerchantPetOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def merchant_pet_video_remove(request: HttpRequest, pet_id: Id) -> MerchantPetOut:
    actor = actor_of(request)
    services.pet_video_set(actor=actor, pet_id=pet_id, data=None)
    return merchant_pet_out(selectors.pet_for_merchant(actor, pet_id))


@merchant_router.put("/pets/{pet_id}/mother-photo", response={200: MerchantPetOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def merchant_pet_mother_photo(request: HttpRequest, pet_id: Id, payload: MotherPhotoIn) -> MerchantPetOut:
    """Say which of the listing's photos shows the puppy or kitten with its mother."""
    actor = actor_of(request)
    services.pet_mother_photo_set(actor=actor, pet_id=pet_id, image_id=payload.image_id)
    return merchant_pet_out(selectors.pet_for_merchant(actor, pet_id))


@merchant_router.post("/pets/{pet_id}/submit", response={200: MerchantPetOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def merchant_pet_submit(request: HttpRequest, pet_id: Id) -> MerchantPetOut:
    """Send the listing for review: the listing rules refuse it or flag it for the reviewer."""
    actor = actor_of(request)
    services.pet_submit(actor=actor, pet_id=pet_id)
    return merchant_pet_out(selectors.pet_for_merchant(actor, pet_id))


class RecordOut(DataOut):
    id: int
    pet_id: int
    kind: RecordKind
    fields: dict[str, Any] | None
    document_type: str
    leaf_index: int
    supersedes: int | None
    recorded_at: str


def record_out(record: PetRecord) -> RecordOut:
    return RecordOut(
        id=record.pk,
        pet_id=record.pet_id,
        kind=RecordKind(record.kind),
        fields=record.fields,
        document_type=record.document_type,
        leaf_index=record.entry.index,
        supersedes=record.supersedes_id,
        recorded_at=record.created_at.isoformat(),
    )


def _fields(text: str) -> dict[str, Any]:
    try:
        fields = json.loads(text)
    except ValueError:
        raise InvalidRecord(field="fields") from None
    if not isinstance(fields, dict):
        raise InvalidRecord(field="fields")
    return fields


def _document(upload: UploadedFile | None) -> bytes | None:
    if upload is None:
        return None
    if (upload.size or 0) > services.DOCUMENT_MAX_BYTES:
        raise InvalidDocument(field="document")
    return bytes(upload.read())


@merchant_router.post("/pets/{pet_id}/records", response={201: RecordOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def merchant_record_add(
    request: HttpRequest,
    pet_id: Id,
    kind: Form[RecordKind],
    fields: Form[str],
    document: File[UploadedFile],
) -> Status:
    """Add a health check, vaccination, deworming or pedigree record (multipart): ``fields`` is a JSON object
    (vaccination: vaccine, batch, date, clinic, vet, next_due), ``document`` the certificate or the booklet page
    (JPEG, PNG, WebP or PDF). It is logged at once; the next checkpoint proves it."""
    record = services.record_add(
        actor=actor_of(request), pet_id=pet_id, kind=kind, fields=_fields(fields), document=_document(document)
    )
    return Status(201, record_out(record))


@merchant_router.post("/pets/records/{record_id}/correction", response={201: RecordOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def merchant_record_correct(
    request: HttpRequest, record_id: Id, fields: Form[str], document: File[UploadedFile | None] = None
) -> Status:
    """Correct a record: a new record that supersedes it (without a new document it keeps the old one). Both
    stay in the log, and the verify page shows the history."""
    record = services.record_correct(
        actor=actor_of(request), record_id=record_id, fields=_fields(fields), document=_document(document)
    )
    return Status(201, record_out(record))


# Operators ------------------------------------------------------------------------------------------------------


class EraseIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


@operator_router.post("/pets/log/checkpoints", response={200: CheckpointOut, **errors(401, 403)})
@requires(LOG_SIGN)
def operator_checkpoint_sign(request: HttpRequest) -> CheckpointOut:
    """Sign a checkpoint of the log now (the hourly sweep does it too) and append it to the export."""
    return checkpoint_out(services.checkpoint_sign())


@operator_router.post("/pets/records/{record_id}/erase", response={200: RecordOut, **errors(401, 403, 404)})
@requires(RECORD_ERASE)
def operator_record_erase(request: HttpRequest, record_id: Id, payload: EraseIn) -> RecordOut:
    """Erase a record's fields, salt and document at a person's request (audited); its leaf stays provable."""
    return record_out(services.record_erase(actor=actor_of(request), record_id=record_id, reason=payload.reason))


# A pet's sale: the buyer's and the shop's side -----------------------------------------------------------------

buyer_router = Router(tags=["pets"], auth=SIGNED_IN)


class TransitEventOut(DataOut):
    kind: TransitKind
    at: str
    place: str
    note: str


class ClaimOut(DataOut):
    kind: ClaimKind
    request_number: str = Field(description="The after-sales request that carries the claim")
    created_at: str


class SaleOut(DataOut):
    id: int
    pet_id: int
    order_number: str
    title: str
    delivery: Delivery
    delivery_offered: list[Delivery]
    quarantine_number: str
    quarantine_uploaded: bool
    checkpoint_size: int | None = Field(description="The log's signed size when the order was paid")
    verify_path: str
    events: list[TransitEventOut]
    arrived_at: str | None
    condition: str = Field(description="healthy or unwell, once the buyer confirmed the arrival")
    confirmed_at: str | None
    transit_claims_until: str | None
    illness_claims_until: str | None
    claims: list[ClaimOut]


class DeliveryIn(StrictIn):
    delivery: Delivery


class TransitEventIn(StrictIn):
    kind: TransitKind
    at: IsoDateTime
    place: Annotated[str, Field(min_length=1, max_length=100)]
    note: Annotated[str, Field(max_length=200)] = ""


class ClaimIn(Schema):
    kind: ClaimKind
    description: Annotated[str, Field(min_length=1, max_length=500)]
    amount: Amount | None = Field(default=None, description="What to ask back; all paid for the pet by default")


class HandOverIn(StrictIn):
    place: Annotated[str, Field(min_length=1, max_length=100)]


def claim_out(claim: Any) -> ClaimOut:
    return ClaimOut(
        kind=ClaimKind(claim.kind), request_number=claim.request_number, created_at=claim.created_at.isoformat()
    )


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


def sale_out(sale: PetSale) -> SaleOut:
    pet = sale.pet
    return SaleOut(
        id=sale.pk,
        pet_id=pet.pk,
        order_number=sale.order.number,
        title=pet.product.title,
        delivery=Delivery(sale.delivery),
        delivery_offered=[Delivery(d) for d in services.delivery_offered(pet)],
        quarantine_number=sale.quarantine_number,
        quarantine_uploaded=sale.quarantine_uploaded_at is not None,
        checkpoint_size=sale.checkpoint_size,
        verify_path=f"/pets/{pet.pk}/verify/",
        events=[
            TransitEventOut(kind=TransitKind(e.kind), at=e.at.isoformat(), place=e.place, note=e.note)
            for e in sale.events.all()
        ],
        arrived_at=_iso(sale.arrived_at),
        condition=sale.condition,
        confirmed_at=_iso(sale.confirmed_at),
        transit_claims_until=_iso(services.claim_deadline(sale, ClaimKind.TRANSIT_INJURY)),
        illness_claims_until=_iso(services.claim_deadline(sale, ClaimKind.ILLNESS)),
        claims=[claim_out(c) for c in sale.claims.all()],
    )


def _uploads(files: list[UploadedFile], field: str) -> list[bytes]:
    if len(files) > services.MAX_PHOTOS:
        raise InvalidSale(field=field)
    if any((f.size or 0) > services.DOCUMENT_MAX_BYTES for f in files):
        raise InvalidDocument(field=field)
    return [bytes(f.read()) for f in files]


@buyer_router.get("/orders/{number}/pets", response={200: list[SaleOut], **errors(401, 404)})
@requires(ORDER_BUY)
def buyer_sales(request: HttpRequest, number: PublicNumber) -> list[SaleOut]:
    """The pets an order bought: how each travels, its journey, its arrival and its claims."""
    order = order_selectors.order_get_for_buyer(actor_of(request), number)
    return [sale_out(s) for s in selectors.sales_of_order(order.pk)]


@buyer_router.put("/pets/sales/{sale_id}/delivery", response={200: SaleOut, **errors(401, 404)})
@requires(ORDER_BUY)
def buyer_delivery(request: HttpRequest, sale_id: Id, payload: DeliveryIn) -> SaleOut:
    """Choose how the pet travels, among the ways the listing offers, until it is sent."""
    sale = services.sale_delivery_set(actor=actor_of(request), sale_id=sale_id, delivery=payload.delivery)
    return sale_out(selectors.sale_for_buyer(actor_of(request), sale.pk))


@buyer_router.post("/pets/sales/{sale_id}/arrival", response={200: SaleOut, **errors(401, 404, 409)})
@requires(ORDER_BUY)
def buyer_arrival(
    request: HttpRequest,
    sale_id: Id,
    condition: Form[Literal["healthy", "unwell"]],
    note: Form[str] = "",
    photos: File[list[UploadedFile]] = [],  # noqa: B006 - ninja reads the default, never changes it
) -> SaleOut:
    """Say how the pet arrived (multipart, with up to 9 photos; one at least when it is unwell). This confirms
    receipt of the order; the health guarantee runs from the arrival."""
    actor = actor_of(request)
    services.arrival_confirm(
        actor=actor, sale_id=sale_id, condition=condition, note=note, photos=_uploads(photos, "photos")
    )
    return sale_out(selectors.sale_for_buyer(actor, sale_id))


@buyer_router.post("/pets/sales/{sale_id}/claims", response={201: ClaimOut, **errors(401, 404, 409)})
@requires(ORDER_BUY)
def buyer_claim(
    request: HttpRequest,
    sale_id: Id,
    claim: Form[ClaimIn],
    evidence: File[list[UploadedFile]],
) -> Status:
    """Claim under the health guarantee (multipart: photos and a vet's report as ``evidence``) before its
    deadline. The claim is an after-sales request: follow it at /aftersales/{request_number}."""
    filed = services.claim_file(
        actor=actor_of(request),
        sale_id=sale_id,
        kind=claim.kind,
        description=claim.description,
        amount=None if claim.amount is None else parse_amount(claim.amount, "amount"),
        evidence=_uploads(evidence, "evidence"),
    )
    return Status(201, claim_out(filed))


@merchant_router.get("/orders/{number}/pets", response={200: list[SaleOut], **errors(401, 403, 404)})
@requires(ORDER_FULFIL)
def merchant_sales(request: HttpRequest, number: PublicNumber) -> list[SaleOut]:
    order = order_selectors.order_get_for_merchant(actor_of(request), number)
    return [sale_out(s) for s in selectors.sales_of_order(order.pk)]


@merchant_router.post("/pets/sales/{sale_id}/quarantine", response={200: SaleOut, **errors(401, 403, 404)})
@requires(ORDER_FULFIL)
def merchant_quarantine(request: HttpRequest, sale_id: Id, number: Form[str], document: File[UploadedFile]) -> SaleOut:
    """Upload the animal's quarantine certificate (动物检疫合格证明; photo or PDF): a pet travels by courier or air
    only with it."""
    actor = actor_of(request)
    [data] = _uploads([document], "document")
    services.quarantine_upload(actor=actor, sale_id=sale_id, number=number, document=data)
    return sale_out(selectors.sale_for_merchant(actor, sale_id))


@merchant_router.post("/pets/sales/{sale_id}/events", response={200: SaleOut, **errors(401, 403, 404, 409)})
@requires(ORDER_FULFIL)
def merchant_transit_event(request: HttpRequest, sale_id: Id, payload: TransitEventIn) -> SaleOut:
    """Record a step of the pet's journey once the order is sent: handed over, a checkpoint, arrived."""
    actor = actor_of(request)
    services.transit_event_add(
        actor=actor, sale_id=sale_id, kind=payload.kind, at=payload.at, place=payload.place, note=payload.note
    )
    return sale_out(selectors.sale_for_merchant(actor, sale_id))


@merchant_router.post("/pets/sales/{sale_id}/hand-over", response={200: SaleOut, **errors(401, 403, 404, 409)})
@requires(ORDER_FULFIL)
def merchant_hand_over(request: HttpRequest, sale_id: Id, payload: HandOverIn) -> SaleOut:
    """The buyer collected the pet in person: the order is sent and the pet has arrived."""
    actor = actor_of(request)
    services.sale_hand_over(actor=actor, sale_id=sale_id, place=payload.place)
    return sale_out(selectors.sale_for_merchant(actor, sale_id))


# The listing rules operators keep -------------------------------------------------------------------------------


SpeciesCode = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,30}$", examples=["hamster"])]


class SpeciesIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    name_en: Annotated[str, Field(min_length=1, max_length=40)]
    min_sale_weeks: Annotated[int, Field(strict=True, ge=0, le=104)] = 8
    mother_photo_below_weeks: Annotated[int, Field(strict=True, ge=0, le=104)] = 0
    is_active: bool = True


class OperatorSpeciesOut(DataOut):
    code: str
    name: str
    name_en: str
    min_sale_weeks: int
    mother_photo_below_weeks: int
    is_active: bool


class BreedIn(StrictIn):
    species: Annotated[str, Field(min_length=1, max_length=30)]
    name: Annotated[str, Field(min_length=1, max_length=30)]
    name_en: Annotated[str, Field(min_length=1, max_length=60)]
    synonyms: Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=20)] = []
    is_banned: bool = False


class OperatorBreedOut(BreedOut):
    species: str
    is_banned: bool


class BlockedTermIn(StrictIn):
    term: Annotated[str, Field(min_length=1, max_length=30)]


class BlockedTermOut(DataOut):
    id: int
    term: str


def _species_out(species: Any) -> OperatorSpeciesOut:
    return OperatorSpeciesOut(
        code=species.code,
        name=species.name,
        name_en=species.name_en,
        min_sale_weeks=species.min_sale_weeks,
        mother_photo_below_weeks=species.mother_photo_below_weeks,
        is_active=species.is_active,
    )


def _breed_out(breed: Any) -> OperatorBreedOut:
    return OperatorBreedOut(
        id=breed.pk,
        species=breed.species.code,
        name=breed.name,
        name_en=breed.name_en,
        synonyms=breed.synonym_list,
        is_banned=breed.is_banned,
    )


@operator_router.get("/pets/breeds", response={200: list[OperatorBreedOut], **errors(401, 403)})
@requires(PET_RULES)
def operator_breeds(request: HttpRequest) -> list[OperatorBreedOut]:
    """The whole breed list, banned breeds too."""
    return [_breed_out(b) for b in selectors.breeds_all()]


@operator_router.put("/pets/species/{code}", response={200: OperatorSpeciesOut, **errors(401, 403)})
@requires(PET_RULES)
def operator_species_save(
    request: HttpRequest, code: Annotated[str, Field(max_length=30)], payload: SpeciesIn
) -> OperatorSpeciesOut:
    """Add a species or change one: its names, the minimum sale age and the age below which a listing needs a
    photo with the mother."""
    data = services.SpeciesInput(code=code, **payload.model_dump())
    return _species_out(services.species_save(actor=actor_of(request), data=data))


@operator_router.post("/pets/breeds", response={201: OperatorBreedOut, **errors(401, 403)})
@requires(PET_RULES)
def operator_breed_add(request: HttpRequest, payload: BreedIn) -> Status:
    breed = services.breed_save(actor=actor_of(request), data=services.BreedInput(**payload.model_dump()))
    return Status(201, _breed_out(breed))


@operator_router.put("/pets/breeds/{breed_id}", response={200: OperatorBreedOut, **errors(401, 403, 404)})
@requires(PET_RULES)
def operator_breed_save(request: HttpRequest, breed_id: Id, payload: BreedIn) -> OperatorBreedOut:
    """Change a breed: its names and synonyms (its pets are found by the new ones at once), banned or not."""
    data = services.BreedInput(**payload.model_dump())
    return _breed_out(services.breed_save(actor=actor_of(request), data=data, breed_id=breed_id))


@operator_router.get("/pets/blocked-terms", response={200: list[BlockedTermOut], **errors(401, 403)})
@requires(PET_RULES)
def operator_blocked_terms(request: HttpRequest) -> list[BlockedTermOut]:
    return [BlockedTermOut(id=t.pk, term=t.term) for t in selectors.blocked_terms()]


@operator_router.post("/pets/blocked-terms", response={201: BlockedTermOut, **errors(401, 403)})
@requires(PET_RULES)
def operator_blocked_term_add(request: HttpRequest, payload: BlockedTermIn) -> Status:
    term = services.blocked_term_add(actor=actor_of(request), term=payload.term)
    return Status(201, BlockedTermOut(id=term.pk, term=term.term))


@operator_router.delete("/pets/blocked-terms/{term_id}", response={204: None, **errors(401, 403, 404)})
@requires(PET_RULES)
def operator_blocked_term_remove(request: HttpRequest, term_id: Id) -> Status:
    services.blocked_term_remove(actor=actor_of(request), term_id=term_id)
    return Status(204, None)
