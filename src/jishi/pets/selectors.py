"""Reads of the pet-trading domain: the log's checkpoints and proofs, and each record's proof of inclusion."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jishi.catalog.models import Category, Product, ProductImage
from jishi.catalog.states import ProductStatus
from jishi.core.actors import Actor, user_of
from jishi.core.geo import box_e6, distance_km
from jishi.merchants.models import KIND_QUALIFICATIONS, MerchantKind, Qualification, QualificationKind
from jishi.merchants.selectors import merchant_for
from jishi.orders.models import OrderLine
from jishi.pets import merkle, vision
from jishi.pets.errors import InvalidTreeSize, PetNotFound, RecordNotFound, SaleNotFound
from jishi.pets.models import (
    BlockedTerm,
    Breed,
    Checkpoint,
    LogEntry,
    LogHead,
    LogNode,
    Pet,
    PetRecord,
    PetSale,
    PhotoCheck,
    Species,
)
from jishi.pets.signing import signer
from jishi.pets.verifier import (
    VerificationError,
    canonical,
    commitment,
    leaf_hash,
    node_hash,
    open_checkpoint,
    verify_consistency,
    verify_record,
)

PRIVATE_SELLER = MerchantKind.INDIVIDUAL
# The merchants that list animals, and the label each listing shows for its seller.
PET_SELLER_KINDS = frozenset({MerchantKind.BREEDER, MerchantKind.PET_SHOP, MerchantKind.RESCUE, PRIVATE_SELLER})


@dataclass(frozen=True)
class SellerLabel:
    """What every listing says about who sells: private rehoming, licensed breeder, pet shop or rescue, with the
    animal business permit (number and issuing authority) for the kinds that need one."""

    kind: str
    permit_number: str = ""
    permit_authority: str = ""
    permit_until: dt.date | None = None


def seller_label(merchant: Any) -> SellerLabel:
    if merchant.kind not in KIND_QUALIFICATIONS:
        return SellerLabel(merchant.kind)
    permit = (
        Qualification.objects.filter(
            merchant_id=merchant.pk, kind=QualificationKind.ANIMAL_BUSINESS_PERMIT, expires_on__gte=timezone.localdate()
        )
        .order_by("-expires_on")
        .first()
    )
    if permit is None:
        return SellerLabel(merchant.kind)
    return SellerLabel(merchant.kind, permit.number, permit.authority, permit.expires_on)


@dataclass(frozen=True)
class Age:
    weeks: int
    months: int  # whole months (of 30.44 days)


def age_of(birth_date: dt.date, on: dt.date | None = None) -> Age:
    days = ((on or timezone.localdate()) - birth_date).days
    return Age(days // 7, int(days / 30.44))


def masked_microchip(number: str) -> str:
    """A microchip as listings show it: enough to match the animal's, not enough to copy onto another."""
    return f"{number[:3]}********{number[-4:]}" if number else ""


def pet_records_latest(pet: Pet) -> list[PetRecord]:
    """The pet's records as they stand now: each correction in place of what it corrected, oldest first."""
    records = PetRecord.objects.filter(pet=pet, superseded_by__isnull=True).select_related("entry")
    return list(records.order_by("entry__index"))


def pet_for_merchant(actor: Actor, pet_id: int, *, live: bool = False) -> Pet:
    """One of the actor's shop's pets (``live``: still on the market); another shop's is PetNotFound."""
    pets = Pet.objects.select_related("breed__species", "species", "merchant", "product")
    pet = pets.filter(pk=pet_id, merchant=merchant_for(actor), **({"is_live": True} if live else {})).first()
    if pet is None:
        raise PetNotFound
    return pet


def pets_for_merchant(actor: Actor) -> QuerySet[Pet]:
    return Pet.objects.filter(merchant=merchant_for(actor)).select_related("breed", "species", "product")


def species_list() -> list[Species]:
    return list(Species.objects.filter(is_active=True).prefetch_related("breeds"))


def pet_of_product(product_id: int) -> Pet | None:
    return Pet.objects.select_related("species", "breed").filter(product_id=product_id).first()


def pets_of_products(product_ids: Iterable[int]) -> dict[int, Pet]:
    """The pets these products list, by product id, in one query (products that list none are left out)."""
    pets = Pet.objects.select_related("species", "breed").filter(product_id__in=list(product_ids))
    return {pet.product_id: pet for pet in pets}


def pets_with_photo(value: int, *, exclude_pet: int) -> list[int]:
    """The other pets with a photo within vision.SAME_PHOTO_BITS of this hash: candidates sharing a band, then
    the exact distance."""
    query = Q()
    for position, band in enumerate(vision.bands(value)):
        query |= Q(bands__position=position, bands__value=band)
    candidates = PhotoCheck.objects.filter(query).exclude(pet_id=exclude_pet).values_list("pet_id", "dhash").distinct()
    near = {pet for pet, other in candidates if vision.distance(value, int(other, 16)) <= vision.SAME_PHOTO_BITS}
    return sorted(near)


def photo_flags(pet: Pet) -> list[dict[str, Any]]:
    """The image checks' findings on the listing's photos, each with the photo's id."""
    checks = PhotoCheck.objects.filter(pet=pet, image__product_id=pet.product_id).order_by("image__position")
    return [flag | {"image_id": check.image_id} for check in checks for flag in check.flags]


def pets_of_orders(order_ids: list[int]) -> list[tuple[int, Pet]]:
    """``(order id, pet)`` for every pet these orders bought (their lines' products that are pet listings)."""
    lines = OrderLine.objects.filter(order_id__in=order_ids, product__pet__isnull=False).select_related("product__pet")
    return [(line.order_id, line.product.pet) for line in lines]


def _sales() -> QuerySet[PetSale]:
    return PetSale.objects.select_related("pet__breed", "pet__species", "pet__product", "order")


def sale_for_buyer(actor: Actor, sale_id: int) -> PetSale:
    sale = _sales().filter(pk=sale_id, order__buyer=user_of(actor)).first()
    if sale is None:
        raise SaleNotFound
    return sale


def sale_for_merchant(actor: Actor, sale_id: int) -> PetSale:
    sale = _sales().filter(pk=sale_id, pet__merchant=merchant_for(actor)).first()
    if sale is None:
        raise SaleNotFound
    return sale


def sales_of_order(order_id: int) -> list[PetSale]:
    """The pets of an order with their journey (for the order pages of its buyer and its shop)."""
    return list(_sales().filter(order_id=order_id).prefetch_related("events", "claims").order_by("pk"))


def order_line_of_pet(sale: PetSale) -> OrderLine:
    return OrderLine.objects.get(order_id=sale.order_id, product_id=sale.pet.product_id)


def breeds_all() -> list[Breed]:
    return list(Breed.objects.select_related("species").order_by("species__position", "position", "pk"))


def blocked_terms() -> list[BlockedTerm]:
    return list(BlockedTerm.objects.order_by("term"))


def breed_search_words(product: Product) -> str:
    """A pet listing is found by its breed's every name: 布偶, 布偶猫 and Ragdoll alike (catalog.SEARCH_WORDS)."""
    found = Pet.objects.filter(product_id=product.pk).values_list(
        "breed__name", "breed__name_en", "breed__synonyms", "species__name", "species__name_en"
    )
    return " ".join(" ".join(row).replace(",", " ") for row in found)


def live_pets_root() -> Category | None:
    return Category.objects.filter(slug="live-pets").first()


def product_has_image(product_id: int, image_id: int) -> bool:
    return ProductImage.objects.filter(product_id=product_id, pk=image_id).exists()


def pets_listed_in_a_year(merchant_id: int) -> int:
    since = timezone.now() - dt.timedelta(days=365)
    return Pet.objects.filter(merchant_id=merchant_id, created_at__gte=since).count()


def log_size() -> int:
    return LogHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def stored_hashes(keys: Iterable[merkle.Key]) -> dict[merkle.Key, bytes]:
    """The stored hashes of these complete subtrees, in one query."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in keys:
        by_level[level].append(index)
    if not by_level:
        return {}
    query = Q()
    for level, indexes in by_level.items():
        query |= Q(level=level, index__in=indexes)
    return {(n.level, n.index): bytes(n.hash) for n in LogNode.objects.filter(query)}


def log_root(size: int) -> bytes:
    return merkle.fetched(lambda get: merkle.root(size, get), stored_hashes)


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size").first()


def checkpoint_of_size(size: int) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(tree_size=size).first()
    if checkpoint is None:
        raise InvalidTreeSize(field="size")
    return checkpoint


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.fetched(lambda get: merkle.inclusion(index, size, get), stored_hashes)


def consistency_proof(first: int, second: int) -> list[bytes]:
    """The proof that the log's first ``second`` records extend its first ``first`` (RFC 6962 §2.1.2)."""
    if not 0 <= first <= second:
        raise InvalidTreeSize(field="first")
    if second > log_size():
        raise InvalidTreeSize(field="second")
    return merkle.fetched(lambda get: merkle.consistency(first, second, get), stored_hashes)


def record_bundle(record: PetRecord, checkpoint: Checkpoint, proof: list[bytes] | None = None) -> dict[str, Any]:
    """What anyone needs to check ``record`` under ``checkpoint`` with the standalone verifier (no document).

    ``proof`` when the caller fetched it already (with others, in one query).
    """
    index = record.entry.index
    if proof is None:
        proof = inclusion_proof(index, checkpoint.tree_size) if index < checkpoint.tree_size else []
    erased = record.fields is None
    return {
        "leaf_index": index,
        "entry": json.loads(record.entry.data),
        "kind": record.kind,
        "fields": record.fields,
        "salt": None if erased else bytes(record.salt or b"").hex(),
        "document_sha256": bytes(record.document_sha256).hex(),
        "inclusion": {"tree_size": checkpoint.tree_size, "hashes": [h.hex() for h in proof]},
    }


@dataclass(frozen=True)
class RecordCheck:
    """A record as the verify page shows it: proven under the checkpoint, or why not."""

    record: PetRecord
    proven: bool
    problem: str
    bundle: dict[str, Any]


def pet_public(pet_id: int) -> Pet:
    """A pet anyone may look up (the verify page): one that has been listed, whatever became of it since."""
    pet = Pet.objects.select_related("breed", "species", "merchant", "product").filter(pk=pet_id).first()
    if pet is None or pet.product.published_at is None:
        raise PetNotFound
    return pet


def record_public(record_id: int) -> PetRecord:
    """A record of a pet anyone may look up (see :func:`pet_public`)."""
    record = (
        PetRecord.objects.select_related("entry", "pet__product")
        .filter(pk=record_id, pet__product__published_at__isnull=False)
        .first()
    )
    if record is None:
        raise RecordNotFound
    return record


def pet_records_checked(pet: Pet, checkpoint: Checkpoint | None) -> list[RecordCheck]:
    """Every record of ``pet``, oldest first, each run through the standalone verifier under ``checkpoint``."""
    records = list(PetRecord.objects.filter(pet=pet).select_related("entry").order_by("entry__index"))
    opened = None
    problem = ""
    if checkpoint is None:
        problem = "no checkpoint signed yet"
    else:
        try:
            opened = open_checkpoint(checkpoint.note, signer().verifier)
        except VerificationError as exc:
            problem = str(exc)
    proofs: dict[int, list[bytes]] = {}
    if opened is not None and not problem:
        size = opened.size
        indexes = [r.entry.index for r in records if r.entry.index < size]
        try:
            proofs = merkle.fetched(lambda get: {i: merkle.inclusion(i, size, get) for i in indexes}, stored_hashes)
        except merkle.MissingHash as exc:
            problem = str(exc)
    checks = []
    for record in records:
        why, bundle = problem, {}
        if opened is not None and not why:
            bundle = record_bundle(record, checkpoint, proofs.get(record.entry.index, []))  # type: ignore[arg-type]
            if record.entry.index >= opened.size:
                why = "logged after the latest checkpoint"
            else:
                try:
                    verify_record(bundle, opened)
                except VerificationError as exc:
                    why = str(exc)
        checks.append(RecordCheck(record, not why, why, bundle))
    return checks


def exported_checkpoints(path: Path | None = None) -> list[dict[str, Any]]:
    """The checkpoints in the export file, oldest first (empty when there is none yet)."""
    path = path or settings.JISHI_PET_LOG_EXPORT
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def log_audit(export: Path | None = None) -> list[str]:
    """Every way the stored log differs from what was logged and exported; empty when it is whole.

    Recomputes each leaf from its entry and each record's commitment from its
    fields, every stored subtree hash from the leaves, and checks every
    exported checkpoint (signature, and its root from today's leaves) and the
    consistency proof from the last exported one to today's size.
    """
    problems: list[str] = []
    size = log_size()
    entries = list(LogEntry.objects.order_by("index").values_list("index", "data"))
    if [index for index, _ in entries] != list(range(len(entries))) or len(entries) != size:
        problems.append(f"entries are not the sequence 0..{size - 1}: {len(entries)} found")
    leaves = []
    for index, data in entries:
        try:
            if canonical(json.loads(data)).decode() != data:
                problems.append(f"entry {index} is not in canonical form")
        except ValueError:
            problems.append(f"entry {index} is not JSON")
        leaves.append(leaf_hash(data.encode()))
    problems += _node_problems(leaves)
    for record in PetRecord.objects.select_related("entry", "supersedes__entry").order_by("entry__index"):
        problems += _record_problems(record)
    return problems + _checkpoint_problems(leaves, size, exported_checkpoints(export), bool(problems))


def _checkpoint_problems(leaves: list[bytes], size: int, exported: list[dict[str, Any]], broken: bool) -> list[str]:
    problems = []
    key = signer().verifier
    for item in exported:
        try:
            opened = open_checkpoint(item["note"], key)
        except (KeyError, VerificationError) as exc:
            problems.append(f"exported checkpoint {item.get('tree_size')}: {exc}")
            continue
        if opened.size > len(leaves):
            problems.append(f"the log has {len(leaves)} entries, fewer than exported checkpoint {opened.size}")
        elif merkle.root(opened.size, _from(leaves)) != opened.root:
            problems.append(f"the entries no longer give the root of exported checkpoint {opened.size}")
    if exported and not (problems or broken):
        last = open_checkpoint(exported[-1]["note"], key)
        if not verify_consistency(last.size, size, consistency_proof(last.size, size), last.root, log_root(size)):
            problems.append(f"the stored tree is not consistent with exported checkpoint {last.size}")
    return problems


def _from(leaves: list[bytes]) -> merkle.Get:
    """A getter over subtrees computed from the leaves themselves (never from stored nodes)."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return lambda level, index: levels[level][index]


def _node_problems(leaves: list[bytes]) -> list[str]:
    get = _from(leaves)
    expected: dict[merkle.Key, bytes] = {}
    for index in range(len(leaves)):
        for key in merkle.completed_by(index):
            expected[key] = get(*key)
    stored = {(n.level, n.index): bytes(n.hash) for n in LogNode.objects.all()}
    wrong = sorted(k for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
    return [f"stored node {level}/{index} does not match the entries" for level, index in wrong[:20]]


def _record_problems(record: PetRecord) -> list[str]:
    try:
        entry = json.loads(record.entry.data)
    except ValueError:
        return []  # reported with the entries
    index = record.entry.index
    problems = []
    if entry.get("pet") != record.pet_id or entry.get("kind") != record.kind:
        problems.append(f"record at {index} is not the pet or kind its entry names")
    supersedes = record.supersedes.entry.index if record.supersedes_id else None  # type: ignore[union-attr]
    if entry.get("supersedes") != supersedes:
        problems.append(f"record at {index} does not correct what its entry says")
    if record.fields is not None:
        salt, document = bytes(record.salt or b""), bytes(record.document_sha256)
        if commitment(record.fields, salt, document).hex() != entry.get("commitment"):
            problems.append(f"record at {index}: its fields, salt or document hash changed since it was logged")
    return problems


def checkpoint_out(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
        "note": checkpoint.note,
    }


# Search -------------------------------------------------------------------------------------------------------

SORTS = ("newest", "nearest", "price", "-price", "youngest")
MAX_NEARBY = 5000  # live pets inside one distance box that a search measures


@dataclass(frozen=True)
class PetQuery:
    species: str = ""
    breed_id: int | None = None
    q: str = ""
    min_weeks: int | None = None
    max_weeks: int | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    sex: str = ""
    vaccinated: bool | None = None
    latitude: float | None = None
    longitude: float | None = None
    within_km: float | None = None
    sort: str = "newest"
    page: int = 1
    size: int = 20


@dataclass(frozen=True)
class PetHit:
    pet: Pet
    km: float | None  # from the buyer, when the search gave a place


@dataclass(frozen=True)
class PetResults:
    hits: list[PetHit]
    total: int
    breeds: list[tuple[Breed, int]]  # facet: live pets per breed under every filter but the breed


def breeds_matching(text: str) -> list[int]:
    """The breeds a buyer's words name, in any of their names (布偶, 布偶猫, ragdoll)."""
    text = " ".join(text.split())
    if not text:
        return []
    query = Q(name__icontains=text) | Q(name_en__icontains=text) | Q(synonyms__icontains=text)
    return list(Breed.objects.filter(query, is_banned=False).values_list("pk", flat=True))


def _filtered(query: PetQuery, *, with_breed: bool) -> QuerySet[Pet]:
    today = timezone.localdate()
    weeks = dt.timedelta(weeks=1)
    conditions = {
        "species__code": query.species or None,
        "sex": query.sex or None,
        "vaccinated": query.vaccinated,
        "product__min_price_minor__gte": query.min_price_minor,
        "product__min_price_minor__lte": query.max_price_minor,
        "birth_date__lte": None if query.min_weeks is None else today - query.min_weeks * weeks,
        "birth_date__gt": None if query.max_weeks is None else today - (query.max_weeks + 1) * weeks,
        "breed_id": query.breed_id if with_breed else None,
    }
    pets = Pet.objects.filter(
        is_live=True,
        product__status=ProductStatus.PUBLISHED,
        **{name: value for name, value in conditions.items() if value is not None},
    )
    words = " ".join(query.q.split())
    if with_breed and words:
        breeds = breeds_matching(words)
        pets = pets.filter(breed_id__in=breeds) if breeds else pets.filter(product__title__icontains=words)
    if query.within_km is not None and query.latitude is not None and query.longitude is not None:
        pets = pets.filter(**box_e6(query.latitude, query.longitude, query.within_km))
    return pets


def _km(query: PetQuery, latitude_e6: int, longitude_e6: int) -> float | None:
    if query.latitude is None or query.longitude is None:
        return None
    return distance_km(query.latitude, query.longitude, latitude_e6 / 1e6, longitude_e6 / 1e6)


ORDERINGS = {
    "newest": ("-product__published_at", "-pk"),
    "price": ("product__min_price_minor", "-pk"),
    "-price": ("-product__min_price_minor", "-pk"),
    "youngest": ("-birth_date", "-pk"),
}


def _measured(query: PetQuery, pets: QuerySet[Pet]) -> list[tuple[float, int, int]]:
    """``(km, pet id, breed id)`` of the pets in the box, within the distance asked for (when one was)."""
    rows = pets.values_list("pk", "breed_id", "latitude_e6", "longitude_e6")[:MAX_NEARBY]
    measured = [(_km(query, lat, lng) or 0.0, pk, breed) for pk, breed, lat, lng in rows]
    if query.within_km is None:
        return measured
    return [m for m in measured if m[0] <= query.within_km]


def _breed_counts(counts: Counter[int]) -> list[tuple[Breed, int]]:
    breeds = Breed.objects.in_bulk(list(counts))
    return sorted(((breeds[b], n) for b, n in counts.items() if b in breeds), key=lambda p: (-p[1], p[0].position))


def _pets_by_id(ids: list[int]) -> list[Pet]:
    found = Pet.objects.select_related("breed", "species", "merchant", "product").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def pets_search(query: PetQuery) -> PetResults:
    """Live, published pets under the filters, a page of them, and how many of each breed.

    With a distance (``within_km`` from a place) or the nearest first, the
    pets in the bounding box are measured exactly here, at most MAX_NEARBY of
    them; otherwise the database sorts, pages and counts.
    """
    pets, facet_base = _filtered(query, with_breed=True), _filtered(query, with_breed=False)
    start = (query.page - 1) * query.size
    ordering = ORDERINGS.get(query.sort, ORDERINGS["newest"])
    if query.latitude is not None and (query.within_km is not None or query.sort == "nearest"):
        measured = _measured(query, pets)
        total = len(measured)
        if query.sort == "nearest":
            ids = [pk for _, pk, _ in sorted(measured)[start : start + query.size]]
        else:
            inside = pets.filter(pk__in=[pk for _, pk, _ in measured]).order_by(*ordering)
            ids = list(inside.values_list("pk", flat=True)[start : start + query.size])
    else:
        total = pets.count()
        ids = list(pets.order_by(*ordering).values_list("pk", flat=True)[start : start + query.size])
    if query.latitude is not None and query.within_km is not None:
        counts = Counter(breed for _, _, breed in _measured(query, facet_base))
    else:
        counts = Counter(dict(facet_base.values_list("breed_id").annotate(n=Count("pk")).values_list("breed_id", "n")))
    hits = [PetHit(pet, _km(query, pet.latitude_e6, pet.longitude_e6)) for pet in _pets_by_id(ids)]
    return PetResults(hits, total, _breed_counts(counts))


def breed_suggestions() -> list[tuple[str, str, int]]:
    """Every allowed breed's names for the search suggestions (search.SUGGESTION_SOURCES), by listings published."""
    listed = dict(
        Pet.objects.filter(product__status=ProductStatus.PUBLISHED)
        .values("breed")
        .annotate(n=Count("pk"))
        .values_list("breed", "n")
    )
    terms = []
    for breed in Breed.objects.filter(is_banned=False):
        for name in (breed.name, breed.name_en, *breed.synonyms.split(",")):
            if name.strip():
                terms.append((name.strip(), "breed", listed.get(breed.pk, 0)))
    return terms
