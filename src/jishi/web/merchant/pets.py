"""Merchant centre: a pet seller's listings (breeders, pet shops, rescues, private sellers) — the list, the listing
editor, its photos and the one with the mother, submission for review, and the pet's records with their proofs.

A pet listing is a catalog product with the animal's particulars: its photos are the product's, managed on the
product's page. The listing rules are the pets service's: a hard rule's refusal lands on its field, a soft
rule's flags are shown to the seller and to the reviewer. A record is written to the transparency log at once;
the checkpoint that proves it is signed after the commit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.catalog.states import ProductStatus
from jishi.core.actors import Actor
from jishi.core.errors import DomainError
from jishi.core.pagination import paginate
from jishi.merchants.models import Merchant, MerchantKind
from jishi.merchants.selectors import merchant_for
from jishi.pets import selectors, services
from jishi.pets.models import Pet, PetRecord, RecordKind, Sex, Species
from jishi.pets.services.listings import GUARANTEE_MAX_DAYS, GUARANTEE_MAX_HOURS
from jishi.pets.services.records import DEWORMING_SCOPES
from jishi.web.forms import AmountField, DateField, DomainErrorsMixin
from jishi.web.pages import page, page_number
from jishi.web.pet_listing import (
    age_text,
    breed_name,
    current_checks,
    flags_in_words,
    flags_of,
    record_counts,
    species_name,
)

SUBMITTABLE = frozenset({ProductStatus.DRAFT, ProductStatus.REJECTED, ProductStatus.UNLISTED})


def _seller(actor: Actor) -> Merchant | None:
    """The actor's shop when it may list pets; None for a shop of another kind."""
    merchant = merchant_for(actor)
    return merchant if merchant.kind in selectors.PET_SELLER_KINDS else None


def _not_a_seller(request: HttpRequest) -> HttpResponse:
    merchant = merchant_for(actor_of(request))
    context = {"not_a_seller": True, "kind": MerchantKind(merchant.kind).label}
    return render(request, "merchant/pets_list.html", context)


# The listing -----------------------------------------------------------------------------------------------


class PetForm(DomainErrorsMixin, forms.Form):
    """The listing's fields, as ``services.PetInput`` takes them; the listing rules are the service's."""

    breed_id = forms.TypedChoiceField(label=gettext_lazy("Breed"), coerce=int)
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    birth_date = DateField(label=gettext_lazy("Birth date"))
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        help_text=gettext_lazy(
            "What buyers see first, for example: Ragdoll boy, seal bicolour, two vaccinations done."
        ),
    )
    price = AmountField(label=gettext_lazy("Price (¥)"))
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    name = forms.CharField(label=pgettext_lazy("pet", "Name"), max_length=30, required=False)
    colour = forms.CharField(label=gettext_lazy("Colour"), max_length=30, required=False)
    microchip = forms.CharField(
        label=gettext_lazy("Microchip number"),
        max_length=15,
        required=False,
        help_text=gettext_lazy("15 digits (ISO 11784). Buyers see only its first 3 and last 4 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    vaccinated = forms.BooleanField(label=gettext_lazy("Vaccinated"), required=False)
    dewormed = forms.BooleanField(label=gettext_lazy("Dewormed"), required=False)
    neutered = forms.BooleanField(label=gettext_lazy("Neutered"), required=False)
    sire = forms.CharField(label=gettext_lazy("Sire (father)"), max_length=60, required=False)
    dam = forms.CharField(label=gettext_lazy("Dam (mother)"), max_length=60, required=False)
    city = forms.CharField(
        label=gettext_lazy("City"), max_length=30, help_text=gettext_lazy("Where the animal is, such as Suzhou.")
    )
    latitude = forms.FloatField(
        label=gettext_lazy("Latitude"), min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any"})
    )
    longitude = forms.FloatField(
        label=gettext_lazy("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    by_collection = forms.BooleanField(label=gettext_lazy("Collection in person"), required=False)
    by_pet_courier = forms.BooleanField(label=gettext_lazy("Pet courier"), required=False)
    by_air_cargo = forms.BooleanField(label=gettext_lazy("Air cargo"), required=False)
    transit_guarantee_hours = forms.IntegerField(
        label=gettext_lazy("Transit guarantee (hours)"),
        min_value=0,
        max_value=GUARANTEE_MAX_HOURS,
        help_text=gettext_lazy("Injury in transit or death on arrival, claimed within this many hours of arrival."),
    )
    illness_guarantee_days = forms.IntegerField(
        label=gettext_lazy("Illness guarantee (days)"),
        min_value=0,
        max_value=GUARANTEE_MAX_DAYS,
        help_text=gettext_lazy("An illness found within this many days of arrival."),
    )
    illnesses_covered = forms.CharField(
        label=gettext_lazy("Illnesses covered"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For example: feline panleukopenia, cat flu."),
    )

    error_fields: ClassVar[dict[str, str]] = {"skus": "price", "category_id": "breed_id"}

    HEALTH = ("vaccinated", "dewormed", "neutered")
    DELIVERY = ("by_collection", "by_pet_courier", "by_air_cargo")

    def __init__(self, *args: Any, species: list[Species], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        breed = self.fields["breed_id"]
        breed.choices = [("", _("Choose…"))] + [  # type: ignore[attr-defined]
            (
                _("%(species)s (from %(weeks)d weeks)") % {"species": species_name(s), "weeks": s.min_sale_weeks},
                [(b.pk, breed_name(b)) for b in s.breeds.all() if not b.is_banned],
            )
            for s in species
        ]
        # The browser tells the seller the animal's age and the species' minimum as they type (pets_merchant.js).
        weeks = {str(b.pk): s.min_sale_weeks for s in species for b in s.breeds.all() if not b.is_banned}
        breed.widget.attrs["data-min-weeks"] = json.dumps(weeks)
        self.fields["birth_date"].help_text = _("Animals may be sold from: %(ages)s.") % {
            "ages": " · ".join(
                _("%(species)s %(weeks)d weeks") % {"species": species_name(s), "weeks": s.min_sale_weeks}
                for s in species
            )
        }

    def to_input(self) -> services.PetInput:
        data = dict(self.cleaned_data)
        return services.PetInput(**data)


def _initial(pet: Pet) -> dict[str, Any]:
    product = pet.product
    names = (
        *("name", "colour", "microchip", "sire", "dam", "city", "illnesses_covered"),
        *PetForm.HEALTH,
        *PetForm.DELIVERY,
        *("transit_guarantee_hours", "illness_guarantee_days"),
    )
    return {
        "breed_id": pet.breed_id,
        "sex": pet.sex,
        "birth_date": pet.birth_date,
        "title": product.title,
        "price": product.min_price.to_string(),
        "description": product.description,
        "latitude": pet.latitude,
        "longitude": pet.longitude,
        **{name: getattr(pet, name) for name in names},
    }


NEW_PET: dict[str, Any] = {"by_collection": True, "transit_guarantee_hours": 24, "illness_guarantee_days": 7}


@dataclass(frozen=True)
class Photo:
    id: int
    thumbnail: str
    alt: str
    with_mother: bool
    flags: str  # what the image checks found on it, in words


def _editor_context(pet: Pet | None) -> dict[str, Any]:
    if pet is None:
        return {"pet": None}
    product = pet.product
    images = list(product.images.all())
    records, proven = record_counts(pet, selectors.checkpoint_latest())
    species = pet.species
    flags = flags_of(pet)
    photo_flags = flags_in_words(selectors.photo_flags(pet))  # the image checks', as they stand now
    return {
        "pet": pet,
        "product": product,
        "flags": flags,
        "photos": [
            Photo(
                i.pk,
                i.thumbnail.url,
                i.alt,
                i.pk == pet.mother_photo_id,
                " ".join(flag.text for flag in photo_flags if flag.image_id == i.pk),
            )
            for i in images
        ],
        "photo_urls": {i.pk: i.thumbnail.url for i in images},
        "mother_weeks": species.mother_photo_below_weeks,
        "species_label": species_name(species),
        "age": age_text(pet.birth_date),
        "records": records,
        "proven": proven,
        "can_submit": pet.is_live and product.status in SUBMITTABLE,
        "can_edit": pet.is_live and product.status != ProductStatus.PENDING_REVIEW,
    }


def _render_editor(request: HttpRequest, form: PetForm, pet: Pet | None, *, status: int = 200) -> HttpResponse:
    context = _editor_context(pet) | {"form": form}
    if pet is not None and not context["can_edit"]:  # under review or sold: shown, not changed
        for field in form.fields.values():
            field.disabled = True
    return render(request, "merchant/pets_form.html", context, status=status)


def _save(request: HttpRequest, form: PetForm, pet: Pet | None) -> HttpResponse | None:
    """Create or update the listing from a valid form; the redirect, or None with the error on its field."""
    actor = actor_of(request)
    try:
        if pet is None:
            saved = services.pet_create(actor=actor, data=form.to_input())
            messages.success(request, _("Saved as a draft. Add its photos, then submit it for review."))
        else:
            saved = services.pet_update(actor=actor, pet_id=pet.pk, data=form.to_input())
            messages.success(request, _("Saved."))
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        form.add_domain_error(exc)
        return None
    return redirect("merchant:pet_edit", pet_id=saved.pk)


def _editor(request: HttpRequest, pet_id: int | None) -> HttpResponse:
    actor = actor_of(request)
    if _seller(actor) is None:
        return _not_a_seller(request)
    pet = selectors.pet_for_merchant(actor, pet_id) if pet_id is not None else None
    species = selectors.species_list()
    initial = _initial(pet) if pet is not None else NEW_PET
    form = PetForm(request.POST or None, species=species, initial=initial)
    if request.method != "POST":
        return _render_editor(request, form, pet)
    if form.is_valid() and (saved := _save(request, form, pet)):
        return saved
    return _render_editor(request, form, pet, status=422)


@page(PRODUCT_MANAGE)
def pet_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@page(PRODUCT_MANAGE)
def pet_edit(request: HttpRequest, pet_id: int) -> HttpResponse:
    return _editor(request, pet_id)


def _as_posted(pet: Pet) -> dict[str, Any]:
    """The listing as it stands, as the form would post it."""
    data = _initial(pet)
    data["birth_date"] = pet.birth_date.isoformat()
    return {name: value for name, value in data.items() if value is not False}


@require_POST
@page(PRODUCT_MANAGE)
def pet_submit(request: HttpRequest, pet_id: int) -> HttpResponse:
    """Send the listing for review: a hard rule's refusal shows on its field in the editor, the flags as a note."""
    actor = actor_of(request)
    pet = selectors.pet_for_merchant(actor, pet_id)
    try:
        submitted = services.pet_submit(actor=actor, pet_id=pet.pk)
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        form = PetForm(_as_posted(pet), species=selectors.species_list())
        form.is_valid()
        form.add_domain_error(exc)
        messages.error(request, _("Not sent for review: %(reason)s") % {"reason": exc.message})
        return _render_editor(request, form, pet, status=422)
    flags = flags_of(submitted)
    if flags:
        messages.warning(
            request,
            _("Sent for review. The reviewer will see what the listing rules noticed: %(flags)s")
            % {"flags": " ".join(flag.text for flag in flags)},
            extra_tags="pet-m-flagged",
        )
    else:
        messages.success(request, _("Sent for review."))
    return redirect("merchant:pet_edit", pet_id=pet.pk)


@require_POST
@page(PRODUCT_MANAGE)
def pet_mother_photo(request: HttpRequest, pet_id: int) -> HttpResponse:
    """Say which photo shows the animal with its mother (or that none does)."""
    value = request.POST.get("image_id", "")
    image_id = int(value) if value.isdecimal() else None
    services.pet_mother_photo_set(actor=actor_of(request), pet_id=pet_id, image_id=image_id)
    if image_id is None:
        messages.success(request, _("No photo is marked as showing the mother."))
    else:
        messages.success(request, _("Photo marked as showing the animal with its mother."))
    return redirect("merchant:pet_edit", pet_id=pet_id)


# The list --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    pet: Pet
    photo: str
    breed: str
    age: str
    sex: str
    flags: list[Any]
    records: int
    proven: int


def _row(pet: Pet, checkpoint: Any) -> Row:
    images = list(pet.product.images.all())  # prefetched
    records, proven = record_counts(pet, checkpoint)
    return Row(
        pet=pet,
        photo=images[0].thumbnail.url if images else "",
        breed=breed_name(pet.breed),
        age=age_text(pet.birth_date),
        sex=str(Sex(pet.sex).label),
        flags=flags_of(pet),
        records=records,
        proven=proven,
    )


@page(PRODUCT_MANAGE)
def pets(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if _seller(actor) is None:
        return _not_a_seller(request)
    listed = selectors.pets_for_merchant(actor).prefetch_related("product__images").order_by("-created_at", "-id")
    result = paginate(listed, page=page_number(request), page_size=20)
    checkpoint = selectors.checkpoint_latest()
    rows = [_row(pet, checkpoint) for pet in result.items]
    return render(request, "merchant/pets_list.html", {"page": result, "rows": rows})


# Records ---------------------------------------------------------------------------------------------------

FIELD_LABELS: dict[str, Any] = {
    "date": gettext_lazy("Date"),
    "clinic": gettext_lazy("Clinic"),
    "vet": gettext_lazy("Vet"),
    "result": gettext_lazy("Result"),
    "weight_grams": gettext_lazy("Weight (g)"),
    "vaccine": gettext_lazy("Vaccine"),
    "batch": gettext_lazy("Batch number"),
    "next_due": gettext_lazy("Next dose due"),
    "product": pgettext_lazy("deworming", "Dewormer"),
    "scope": gettext_lazy("Parasites"),
    "registry": gettext_lazy("Registry"),
    "certificate_number": gettext_lazy("Certificate number"),
    "sire": gettext_lazy("Sire (father)"),
    "dam": gettext_lazy("Dam (mother)"),
    "issued_on": gettext_lazy("Issued on"),
}
SCOPE_LABELS: dict[str, Any] = {
    "internal": gettext_lazy("Internal"),
    "external": gettext_lazy("External"),
    "both": gettext_lazy("Internal and external"),
}
DOCUMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


def _form_field(spec: Any) -> forms.Field:
    label, required = FIELD_LABELS.get(spec.name, spec.name), spec.required
    if spec.name == "scope":
        choices = [("", "—")] + [(scope, SCOPE_LABELS[scope]) for scope in DEWORMING_SCOPES]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    if spec.kind is dt.date:
        return DateField(label=label, required=required)
    if spec.kind is int:
        return forms.IntegerField(label=label, required=required, min_value=0, max_value=200_000)
    widget = forms.Textarea(attrs={"rows": 3}) if spec.limit > 60 else None
    return forms.CharField(label=label, required=required, max_length=spec.limit, widget=widget)


class RecordForm(DomainErrorsMixin, forms.Form):
    """One kind's fields (``services.FIELDS``) and the document: required for a new record, optional for a
    correction, which keeps the document of the record it corrects."""

    document = forms.FileField(
        label=gettext_lazy("Document"),
        help_text=gettext_lazy("The certificate or the booklet page: a JPEG, PNG or WebP photo or a PDF, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(DOCUMENT_TYPES)}),
    )

    def __init__(self, *args: Any, kind: str, correcting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        document = self.fields.pop("document")
        for spec in services.FIELDS[kind]:
            self.fields[spec.name] = _form_field(spec)
        if correcting:
            document.required = False
            document.help_text = _("Leave empty to keep the document of the record it corrects.")
        self.fields["document"] = document

    def clean_document(self) -> bytes | None:
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        if (upload.size or 0) > services.DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The document is larger than 10 MB."))
        return bytes(upload.read())

    def record_fields(self) -> dict[str, Any]:
        """The fields as the service takes them: dates in ISO form, empty ones left out."""
        values = {}
        for spec in services.FIELDS[self.kind]:
            value = self.cleaned_data.get(spec.name)
            if value in (None, ""):
                continue
            values[spec.name] = value.isoformat() if isinstance(value, dt.date) else value
        return values


@dataclass(frozen=True)
class RecordRow:
    record: PetRecord
    kind: str
    fields: list[tuple[str, str]]
    document: str
    proven: bool
    proof: str  # why not, in words
    corrected_by: PetRecord | None
    corrects: int | None  # the log index of the record it corrects


def _value_text(name: str, value: Any) -> str:
    if name == "scope":
        return str(SCOPE_LABELS.get(value, value))
    if name == "weight_grams":
        return f"{value} g"
    return str(value)


def _proof_text(check: selectors.RecordCheck) -> str:
    if check.proven:
        return ""
    if check.problem in ("logged after the latest checkpoint", "no checkpoint signed yet"):
        return _("Logged; waiting for the next signed checkpoint.")
    return _("Not proven: %(problem)s") % {"problem": check.problem}


def _document_text(record: PetRecord) -> str:
    if not record.document_type:
        return "—"
    return _("PDF") if record.document_type == "application/pdf" else _("Photo")


def _record_rows(checks: list[selectors.RecordCheck]) -> list[RecordRow]:
    by_id = {check.record.pk: check.record for check in checks}
    corrected_by = {check.record.supersedes_id: check.record for check in checks if check.record.supersedes_id}
    rows = []
    for check in checks:
        record = check.record
        corrects = by_id.get(record.supersedes_id or 0)
        rows.append(
            RecordRow(
                record=record,
                kind=str(RecordKind(record.kind).label),
                fields=[
                    (str(FIELD_LABELS.get(name, name)), _value_text(name, value))
                    for name, value in (record.fields or {}).items()
                ],
                document=_document_text(record),
                proven=check.proven,
                proof=_proof_text(check),
                corrected_by=corrected_by.get(record.pk),
                corrects=corrects.entry.index if corrects is not None else None,
            )
        )
    return rows


def _kind(request: HttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    return kind if kind in services.FIELDS else RecordKind.VACCINATION


def _records_page(
    request: HttpRequest, pet: Pet, form: RecordForm, correcting: PetRecord | None = None, *, status: int = 200
) -> HttpResponse:
    checks = selectors.pet_records_checked(pet, selectors.checkpoint_latest())
    rows = _record_rows(checks)
    current = current_checks(checks)
    context = {
        "pet": pet,
        "rows": rows,
        "records": len(current),
        "proven": sum(1 for check in current if check.proven),
        "form": form,
        "kind": form.kind,
        "kind_label": RecordKind(form.kind).label,
        "kinds": [
            (kind, label, f"{reverse('merchant:pet_records', args=[pet.pk])}?kind={kind}#add")
            for kind, label in RecordKind.choices
        ],
        "correcting": correcting,
        "correcting_index": correcting.entry.index if correcting else None,
        "age": age_text(pet.birth_date),
    }
    return render(request, "merchant/pets_records.html", context, status=status)


def _logged(request: HttpRequest, record: PetRecord, pet: Pet, message: str) -> HttpResponse:
    messages.success(request, message % {"index": record.entry.index})
    return redirect(f"{reverse('merchant:pet_records', args=[pet.pk])}#record-{record.pk}")


@page(PRODUCT_MANAGE)
def pet_records(request: HttpRequest, pet_id: int) -> HttpResponse:
    """The pet's records with their proofs, and the form to add one (``?kind=`` chooses the kind)."""
    actor = actor_of(request)
    pet = selectors.pet_for_merchant(actor, pet_id)
    form = RecordForm(request.POST or None, request.FILES or None, kind=_kind(request))
    if request.method != "POST":
        return _records_page(request, pet, form)
    if form.is_valid():
        try:
            record = services.record_add(
                actor=actor,
                pet_id=pet.pk,
                kind=form.kind,
                fields=form.record_fields(),
                document=form.cleaned_data["document"],
            )
        except DomainError as exc:
            if exc.status == 404 and exc.field is None:
                raise
            form.add_domain_error(exc)
        else:
            return _logged(
                request, record, pet, _("Recorded as entry %(index)d of the log; a signed checkpoint proves it.")
            )
    return _records_page(request, pet, form, status=422)


@page(PRODUCT_MANAGE)
def pet_record_correct(request: HttpRequest, pet_id: int, record_id: int) -> HttpResponse:
    """The records page with the form that corrects one record: a new record that supersedes it."""
    actor = actor_of(request)
    pet = selectors.pet_for_merchant(actor, pet_id)
    old = next((record for record in selectors.pet_records_latest(pet) if record.pk == record_id), None)
    if old is None or old.fields is None:  # another pet's, corrected already, or erased
        raise Http404
    form = RecordForm(
        request.POST or None, request.FILES or None, kind=old.kind, correcting=True, initial=dict(old.fields)
    )
    if request.method != "POST":
        return _records_page(request, pet, form, old)
    if form.is_valid():
        try:
            record = services.record_correct(
                actor=actor, record_id=old.pk, fields=form.record_fields(), document=form.cleaned_data["document"]
            )
        except DomainError as exc:
            if exc.status == 404 and exc.field is None:
                raise
            form.add_domain_error(exc)
        else:
            return _logged(
                request, record, pet, _("Corrected: entry %(index)d of the log replaces it; both stay in the log.")
            )
    return _records_page(request, pet, form, old, status=422)
