"""宠物 for shoppers: finding a pet (species, breed, age, price, sex, vaccination, distance), the pet panel of a
listing's product page, and the public page that proves its records against the signed transparency log, with
the files anyone needs to check them without trusting Jishi (a record's proof, the checkpoint, the verifier).

Read-only: everything comes through ``jishi.pets.selectors`` and ``jishi.catalog.selectors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from jishi.catalog import selectors as catalog
from jishi.catalog.models import Category, Product, reader_name
from jishi.catalog.states import ProductStatus
from jishi.core.money import CURRENCY, Money
from jishi.core.pagination import Page
from jishi.core.permissions import PUBLIC
from jishi.pets import selectors as pets
from jishi.pets import verifier
from jishi.pets.errors import InvalidTreeSize, RecordNotFound
from jishi.pets.models import Checkpoint, Delivery, Pet, PetRecord, RecordKind, Sex
from jishi.pets.signing import signer
from jishi.web.pages import page

LIVE_PETS = "live-pets"  # the slug of the category root every pet listing lives under (pets.services.listings)
PAGE_SIZE = 20
WEEKS_PER_MONTH = 30.44 / 7  # selectors.age_of's month
PRICE = r"^\d{1,8}(\.\d{1,2})?$"
RADII = ("10", "50", "100", "300", "any")
DEFAULT_RADIUS = "50"

SELLER_LABELS: dict[str, Promise] = {
    "individual": pgettext_lazy("pet seller", "Private rehoming"),
    "breeder": pgettext_lazy("pet seller", "Licensed breeder"),
    "pet_shop": pgettext_lazy("pet seller", "Pet shop"),
    "rescue": pgettext_lazy("pet seller", "Rescue"),
}
# The structured fields of each kind of record (pets.services.records.FIELDS), as a reader names them.
FIELD_LABELS: dict[str, Promise] = {
    "vaccine": pgettext_lazy("pet record", "Vaccine"),
    "product": pgettext_lazy("pet record", "Dewormer"),
    "result": pgettext_lazy("pet record", "Result"),
    "registry": pgettext_lazy("pet record", "Registry"),
    "certificate_number": pgettext_lazy("pet record", "Certificate number"),
    "batch": pgettext_lazy("pet record", "Batch"),
    "scope": pgettext_lazy("pet record", "Scope"),
    "date": pgettext_lazy("pet record", "Date"),
    "issued_on": pgettext_lazy("pet record", "Issued on"),
    "next_due": pgettext_lazy("pet record", "Next due"),
    "clinic": pgettext_lazy("pet record", "Clinic"),
    "vet": pgettext_lazy("pet record", "Vet"),
    "weight_grams": pgettext_lazy("pet record", "Weight (g)"),
    "sire": pgettext_lazy("pet record", "Sire"),
    "dam": pgettext_lazy("pet record", "Dam"),
}
SCOPES: dict[str, Promise] = {
    "internal": pgettext_lazy("deworming", "Internal"),
    "external": pgettext_lazy("deworming", "External"),
    "both": pgettext_lazy("deworming", "Internal and external"),
}
# What a record's line on the product page leads with.
HEADLINE: dict[str, str] = {
    RecordKind.VACCINATION: "vaccine",
    RecordKind.DEWORMING: "product",
    RecordKind.HEALTH_CHECK: "result",
    RecordKind.PEDIGREE: "registry",
}
PROBLEMS: dict[str, Promise] = {
    "no checkpoint signed yet": gettext_lazy("No checkpoint has been signed yet: the next one will prove it."),
    "logged after the latest checkpoint": gettext_lazy(
        "Logged after the latest checkpoint: the next one will prove it."
    ),
}


def age_text(birth_date: dt.date) -> str:
    """An animal's age as listings say it: weeks under 16 weeks (12周), then months (4个月), then years (2岁)."""
    age = pets.age_of(birth_date)
    if age.weeks < 16:
        return ngettext("%(n)s week", "%(n)s weeks", age.weeks) % {"n": age.weeks}
    if age.months < 24:
        return ngettext("%(n)s month", "%(n)s months", age.months) % {"n": age.months}
    years = age.months // 12
    return ngettext("%(n)s year", "%(n)s years", years) % {"n": years}


def breed_name(pet: Pet) -> str:
    return reader_name(pet.breed.name, pet.breed.name_en)


def absolute(path: str) -> str:
    """The address of one of the site's pages for a link that leaves the site (a QR code)."""
    return settings.JISHI_SITE_URL.rstrip("/") + path


def qr_code(text: str) -> SafeString:
    """A QR code of ``text`` as an inline SVG drawn here: no image service sees the address."""
    return mark_safe(segno.make(text, error="m").svg_inline(scale=4, border=2, dark="#1f2329", omitsize=True))  # noqa: S308 - segno's paths


# The search ------------------------------------------------------------------------------------------------------


class PetSearchForm(forms.Form):
    """The pet search's query string; a malformed value is ignored rather than refused (the API refuses it)."""

    species = forms.SlugField(required=False, max_length=30)
    breed = forms.IntegerField(required=False, min_value=1, max_value=2**53)
    q = forms.CharField(required=False, max_length=40)
    age_min = forms.IntegerField(required=False, min_value=0, max_value=360)
    age_max = forms.IntegerField(required=False, min_value=0, max_value=360)
    age_unit = forms.ChoiceField(required=False, choices=[("months", "months"), ("weeks", "weeks")])
    price_min = forms.RegexField(required=False, regex=PRICE)
    price_max = forms.RegexField(required=False, regex=PRICE)
    sex = forms.ChoiceField(required=False, choices=Sex.choices)
    vaccinated = forms.BooleanField(required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180)
    km = forms.ChoiceField(required=False, choices=[(radius, radius) for radius in RADII])
    sort = forms.ChoiceField(required=False, choices=[(sort, sort) for sort in pets.SORTS])
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def value(self, name: str, default: Any = None) -> Any:
        """The cleaned value, or ``default`` when the parameter was missing or malformed."""
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "", False) else value

    @property
    def located(self) -> bool:
        return self.value("lat") is not None and self.value("lng") is not None


def _weeks(value: int | None, unit: str, *, upper: bool) -> int | None:
    """An age bound in weeks; months are rounded to take in the animals a card shows at that many months."""
    if value is None or unit == "weeks":
        return value
    return int((value + 1) * WEEKS_PER_MONTH) if upper else int(value * WEEKS_PER_MONTH)


def _minor(form: PetSearchForm, name: str) -> int | None:
    value = form.value(name)
    return Money.parse(value, CURRENCY).minor if value else None


def pet_query(form: PetSearchForm) -> pets.PetQuery:
    unit = form.value("age_unit", "months")
    radius = form.value("km", DEFAULT_RADIUS)
    located = form.located
    sort = form.value("sort", "newest")
    return pets.PetQuery(
        species=form.value("species", ""),
        breed_id=form.value("breed"),
        q=form.value("q", ""),
        min_weeks=_weeks(form.value("age_min"), unit, upper=False),
        max_weeks=_weeks(form.value("age_max"), unit, upper=True),
        min_price_minor=_minor(form, "price_min"),
        max_price_minor=_minor(form, "price_max"),
        sex=form.value("sex", ""),
        vaccinated=True if form.value("vaccinated") else None,
        latitude=form.value("lat") if located else None,
        longitude=form.value("lng") if located else None,
        within_km=float(radius) if located and radius != "any" else None,
        sort=sort if located or sort != "nearest" else "newest",  # nearest to nowhere: the newest
        page=form.value("page", 1),
        size=PAGE_SIZE,
    )


@dataclass(frozen=True)
class PetCard:
    """A pet as the search shows it: its photo, price, breed, age, where it is and who sells it."""

    pet: Pet
    title: str
    price: Money
    breed: str
    sex: str
    age: str
    km: float | None
    seller: str
    thumbnail: str | None
    alt: str


def pet_cards(hits: list[pets.PetHit]) -> list[PetCard]:
    """The cards of a page of hits; their photos come from one statement, whatever their number."""
    photos = {card.pk: card for card in catalog.product_cards([hit.pet.product_id for hit in hits])}
    cards = []
    for hit in hits:
        pet, product = hit.pet, hit.pet.product
        photo = photos.get(product.pk)
        cards.append(
            PetCard(
                pet=pet,
                title=product.title,
                price=Money(product.min_price_minor, product.currency),
                breed=breed_name(pet),
                sex=str(Sex(pet.sex).label),
                age=age_text(pet.birth_date),
                km=hit.km,
                seller=str(SELLER_LABELS.get(pet.merchant.kind, "")),
                thumbnail=photo.thumbnail_url if photo else None,
                alt=(photo.image_alt if photo else "") or product.title,
            )
        )
    return cards


@dataclass(frozen=True)
class Chip:
    label: str
    count: int | None
    value: Any
    on: bool


def _breed_chips(form: PetSearchForm, species: list[Any], facet: list[tuple[Any, int]]) -> list[Chip]:
    chosen = form.value("breed")
    chips = [Chip(reader_name(b.name, b.name_en), n, b.pk, b.pk == chosen) for b, n in facet]
    if chosen and not any(chip.on for chip in chips):  # chosen, yet none under the other filters: still shown
        breed = next((b for s in species for b in s.breeds.all() if b.pk == chosen), None)
        if breed is not None:
            chips.insert(0, Chip(reader_name(breed.name, breed.name_en), 0, breed.pk, True))
    return chips


def _sorts(form: PetSearchForm, current: str) -> list[dict[str, Any]]:
    """The sort tabs; price is one tab that turns from cheapest first to dearest first."""
    price_label = {"price": pgettext("pet sort", "Price ↑"), "-price": pgettext("pet sort", "Price ↓")}
    tabs: list[tuple[str, str, bool]] = [("newest", pgettext("pet sort", "Newest"), current == "newest")]
    if form.located:
        tabs.append(("nearest", pgettext("pet sort", "Nearest"), current == "nearest"))
    tabs += [
        (
            "-price" if current == "price" else "price",
            price_label.get(current, pgettext("pet sort", "Price")),
            current in price_label,
        ),
        ("youngest", pgettext("pet sort", "Youngest"), current == "youngest"),
    ]
    return [{"value": value, "label": label, "on": on} for value, label, on in tabs]


def kept(params: QueryDict, form: PetSearchForm, *, leaving: Iterable[str]) -> list[tuple[str, str]]:
    """The search's parameters a form on the page carries along (hidden) while it changes ``leaving``."""
    dropped = {*leaving, "page"}
    return [(name, str(params.get(name))) for name in form.fields if name not in dropped and params.get(name)]


FILTERS = ("age_min", "age_max", "age_unit", "price_min", "price_max", "sex", "vaccinated")


@page(PUBLIC)
def pet_search(request: HttpRequest) -> HttpResponse:
    """宠物: species tabs, breed chips with live counts, filters (age, price, sex, vaccinated), distance from the
    shopper ("附近 50 公里", from the phone's location or typed) and sorts, a page of cards."""
    form = PetSearchForm(request.GET)
    query = pet_query(form)
    found = pets.pets_search(query)
    species = pets.species_list()
    params = request.GET
    context = {
        "form": form,
        "species": [{"code": s.code, "name": reader_name(s.name, s.name_en)} for s in species],
        "chosen_species": query.species,
        "breeds": _breed_chips(form, species, found.breeds),
        "sorts": _sorts(form, query.sort),
        "page": Page(items=pet_cards(found.hits), count=found.total, page=query.page, page_size=PAGE_SIZE),
        "located": form.located,
        "radius": form.value("km", DEFAULT_RADIUS),
        "radii": [radius for radius in RADII if radius != "any"],
        "filtered": any(form.value(name) for name in FILTERS if name != "age_unit"),
        "price_error": "price_min" in form.errors or "price_max" in form.errors,
        "keep_filters": kept(params, form, leaving=FILTERS),
        "clear_filters": "?" + urlencode(kept(params, form, leaving=FILTERS)),
        "keep_place": kept(params, form, leaving=("lat", "lng", "km")),
        "keep_words": kept(params, form, leaving=("q", "breed")),
    }
    return render(request, "storefront/pets_search.html", context)


# The product page's panel -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordLine:
    """A record as the product page lists it: what it is, its headline, its date and whether it is proven."""

    record: PetRecord
    kind: str
    headline: str
    date: str
    proven: bool


@dataclass(frozen=True)
class PetPanel:
    pet: Pet
    breed: str
    sex: str
    age: str
    microchip: str
    seller: pets.SellerLabel
    seller_text: str
    needs_permit: bool
    delivery: list[str]
    records: list[RecordLine]
    verify_path: str
    verify_url: str
    qr: SafeString


def _record_line(record: PetRecord, proven: bool) -> RecordLine:
    values = record.fields or {}
    headline = str(values.get(HEADLINE.get(record.kind, ""), ""))
    if record.kind == RecordKind.DEWORMING and values.get("scope") in SCOPES:
        headline = f"{headline} · {SCOPES[values['scope']]}"
    return RecordLine(
        record=record,
        kind=str(RecordKind(record.kind).label),
        headline=headline,
        date=str(values.get("date") or values.get("issued_on") or ""),
        proven=proven,
    )


def pet_panel(product: Product, trail: list[Category]) -> PetPanel | None:
    """The pet panel of a product page, or None: an ordinary product (outside 活体宠物, which the page's
    category trail already tells) costs no query; a pet listing reads its pet, its seller's permit, its records
    and their proofs."""
    if not trail or trail[0].slug != LIVE_PETS:
        return None
    pet = pets.pet_of_product(product.pk)
    if pet is None:
        return None
    pet.product, pet.merchant = product, product.merchant  # read with the product already
    proven = {check.record.pk for check in pets.pet_records_checked(pet, pets.checkpoint_latest()) if check.proven}
    label = pets.seller_label(product.merchant)
    ways = [
        (Delivery.COLLECTION, pet.by_collection),
        (Delivery.PET_COURIER, pet.by_pet_courier),
        (Delivery.AIR_CARGO, pet.by_air_cargo),
    ]
    path = reverse("storefront:pet_verify", args=[pet.pk])
    return PetPanel(
        pet=pet,
        breed=breed_name(pet),
        sex=str(Sex(pet.sex).label),
        age=age_text(pet.birth_date),
        microchip=pets.masked_microchip(pet.microchip),
        seller=label,
        seller_text=str(SELLER_LABELS.get(label.kind, "")),
        needs_permit=label.kind in ("breeder", "pet_shop"),
        delivery=[str(way.label) for way, offered in ways if offered],
        records=[_record_line(record, record.pk in proven) for record in pets.pet_records_latest(pet)],
        verify_path=path,
        verify_url=absolute(path),
        qr=qr_code(absolute(path)),
    )


# The verify page and its files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """A record on the verify page: its fields, whether the latest checkpoint proves it, and its corrections."""

    check: pets.RecordCheck
    kind: str
    fields: list[tuple[str, str]]
    problem: str
    corrects: PetRecord | None = None
    corrected_by: PetRecord | None = None
    file: str = field(default="")

    @property
    def record(self) -> PetRecord:
        return self.check.record

    @property
    def erased(self) -> bool:
        return self.check.record.fields is None


def record_fields(record: PetRecord) -> list[tuple[str, str]]:
    """A record's structured fields in reading order, each with its label (an unknown one with its own name)."""
    values = dict(record.fields or {})
    ordered = [name for name in FIELD_LABELS if name in values] + sorted(set(values) - set(FIELD_LABELS))
    shown = []
    for name in ordered:
        value = str(values[name])
        if name == "scope":
            value = str(SCOPES.get(value, value))
        shown.append((str(FIELD_LABELS.get(name, name)), value))
    return shown


def _problem(check: pets.RecordCheck) -> str:
    if check.proven:
        return ""
    known = PROBLEMS.get(check.problem)
    return str(known) if known else _("It does not check out: %(reason)s") % {"reason": check.problem}


def _under_checkpoint(check: pets.RecordCheck) -> bool:
    """Whether the checkpoint covers the record, so that its proof can be downloaded (even one that fails)."""
    return bool(check.bundle) and check.record.entry.index < check.bundle["inclusion"]["tree_size"]


def record_history(checks: list[pets.RecordCheck]) -> list[HistoryRow]:
    """Every record, oldest first, each linked to the one it corrects and the one that corrects it."""
    by_id = {check.record.pk: check.record for check in checks}
    correction = {check.record.supersedes_id: check.record for check in checks if check.record.supersedes_id}
    return [
        HistoryRow(
            check=check,
            kind=str(RecordKind(check.record.kind).label),
            fields=record_fields(check.record),
            problem=_problem(check),
            corrects=by_id.get(check.record.supersedes_id) if check.record.supersedes_id else None,
            corrected_by=correction.get(check.record.pk),
            file=f"record-{check.record.pk}.json" if _under_checkpoint(check) else "",
        )
        for check in checks
    ]


def verify_command(key: str, files: list[str]) -> str:
    """The command that checks the downloaded records with verifier.py, as the page prints it to copy."""
    return f"python3 verifier.py --key '{key}' --checkpoint checkpoint.txt {' '.join(files or ['record-<id>.json'])}"


@page(PUBLIC)
def pet_verify(request: HttpRequest, pet_id: int) -> HttpResponse:
    """The public proof of a pet's records (anyone, no log-in; a pet whose listing was ever published): each
    record checked by the standalone verifier's own code under the latest signed checkpoint, corrections as a
    history, and what anyone needs to check them again on their own computer."""
    pet = pets.pet_public(pet_id)
    checkpoint = pets.checkpoint_latest()
    rows = record_history(pets.pet_records_checked(pet, checkpoint))
    key = str(signer().verifier)
    files = [row.file for row in rows if row.file]
    photo = next(iter(catalog.product_cards([pet.product_id])), None)
    url = absolute(request.path)
    context = {
        "pet": pet,
        "product": pet.product,
        "listed": pet.product.status == ProductStatus.PUBLISHED,
        "photo": photo.thumbnail_url if photo else None,
        "breed": breed_name(pet),
        "sex": str(Sex(pet.sex).label),
        "age": age_text(pet.birth_date),
        "seller": str(SELLER_LABELS.get(pet.merchant.kind, "")),
        "rows": rows,
        "proven": sum(1 for row in rows if row.check.proven),
        "checkpoint": checkpoint,
        "key": key,
        "command": verify_command(key, files),
        "url": url,
        "qr": qr_code(url),
    }
    return render(request, "storefront/pets_verify.html", context)


def _checkpoint(request: HttpRequest) -> Checkpoint | None:
    """The checkpoint of ``?size=`` (what the verify page links, so its files agree), else the latest."""
    size = request.GET.get("size", "")
    if not size:
        return pets.checkpoint_latest()
    if not size.isdecimal():
        raise RecordNotFound(field="size")
    try:
        return pets.checkpoint_of_size(int(size))
    except InvalidTreeSize:
        raise RecordNotFound(field="size") from None


@page(PUBLIC)
def pet_record_proof(request: HttpRequest, record_id: int) -> HttpResponse:
    """A record's proof file for verifier.py: its fields, salt, document hash, log entry and inclusion proof."""
    record = pets.record_public(record_id)
    checkpoint = _checkpoint(request)
    if checkpoint is None or record.entry.index >= checkpoint.tree_size:
        raise RecordNotFound  # not under a signed checkpoint yet: nothing to prove it with
    response = JsonResponse(pets.record_bundle(record, checkpoint), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="record-{record.pk}.json"'
    return response


@cache
def _verifier_source() -> bytes:
    return Path(verifier.__file__).read_bytes()


@page(PUBLIC)
def pet_verifier(request: HttpRequest) -> HttpResponse:
    """The standalone verifier, verifier.py, exactly as the site runs it."""
    response = HttpResponse(_verifier_source(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="verifier.py"'
    return response


@page(PUBLIC)
def pet_checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint (or the one of ``?size=``) as the file verifier.py reads."""
    checkpoint = _checkpoint(request)
    if checkpoint is None:
        raise RecordNotFound
    response = HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="checkpoint.txt"'
    return response
