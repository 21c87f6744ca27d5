"""Pet trading: species and the breed list, pet listings, their health, vaccination, deworming and pedigree
records, and the transparency log those records are written to.

The log is an RFC 6962 Merkle tree kept as its entries (``LogEntry``, one per
record, never changed) and the hashes of its complete subtrees (``LogNode``,
level 0 being the leaves), so any proof is a handful of rows whatever the
size. ``LogHead`` is the one row every append takes its index from, the guard
that keeps the log a sequence without gaps under concurrent writers. Signed
checkpoints are kept here and appended to an export file that an operator
mirrors elsewhere: a history rewritten in the database no longer matches it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.phrases import reader_name
from jishi.core.storage import UnguessableName, private_storage


class Species(models.Model):
    """Dog, cat, and the others an operator adds, each with its own minimum sale age."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=20)
    name_en = models.CharField(_("English name"), max_length=40)
    min_sale_weeks = models.PositiveSmallIntegerField(_("minimum sale age (weeks)"), default=8)
    # Puppies and kittens are shown with their mother: a listing younger than this many weeks needs such a photo.
    mother_photo_below_weeks = models.PositiveSmallIntegerField(default=0)
    # Where this species' listings go in the catalog (活体宠物 › 猫), made with its first listing.
    category = models.ForeignKey("catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "species"

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return reader_name(self.name, self.name_en)


class Breed(models.Model):
    """A breed of the maintained list; its synonyms join the search dictionary (布偶 = 布偶猫 = Ragdoll)."""

    species = models.ForeignKey(Species, on_delete=models.PROTECT, related_name="breeds")
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=60)
    synonyms = models.CharField(_("synonyms"), max_length=200, blank=True)  # separated by commas
    is_banned = models.BooleanField(_("banned"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("species", "position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["species", "name"], name="pets_breed_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return reader_name(self.name, self.name_en)

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]


class BlockedTerm(models.Model):
    """A word no pet listing may use (野生, 保护动物, …): such listings are refused on submit."""

    term = models.CharField(max_length=30, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.term


class Sex(models.TextChoices):
    MALE = "male", pgettext_lazy("animal", "Male")
    FEMALE = "female", pgettext_lazy("animal", "Female")


class Pet(models.Model):
    """One animal for sale: a single-unit listing of the catalog (one SKU, stock 1, sold once)."""

    product = models.OneToOneField("catalog.Product", on_delete=models.PROTECT, related_name="pet")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="pets")
    species = models.ForeignKey(Species, on_delete=models.PROTECT, related_name="+")
    breed = models.ForeignKey(Breed, on_delete=models.PROTECT, related_name="pets")
    name = models.CharField(_("name"), max_length=30, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    microchip = models.CharField(_("microchip number"), max_length=15, blank=True)
    # Until the pet is sold or its listing withdrawn: a microchip is unique among live listings, so one animal is
    # never on sale twice.
    is_live = models.BooleanField(default=True)
    vaccinated = models.BooleanField(_("vaccinated"), default=False)
    dewormed = models.BooleanField(_("dewormed"), default=False)
    neutered = models.BooleanField(_("neutered"), default=False)
    sire = models.CharField(_("sire"), max_length=60, blank=True)
    dam = models.CharField(_("dam"), max_length=60, blank=True)
    # Where the animal is, for the distance a buyer searches by: integer millionths of a degree, as pickup points.
    city = models.CharField(_("city"), max_length=30)
    latitude_e6 = models.IntegerField()
    longitude_e6 = models.IntegerField()
    # How it may travel to its buyer.
    by_collection = models.BooleanField(_("collection in person"), default=True)
    by_pet_courier = models.BooleanField(_("pet courier"), default=False)
    by_air_cargo = models.BooleanField(_("air cargo"), default=False)
    # The health guarantee stated before purchase: transit injury or death on arrival, and illness.
    transit_guarantee_hours = models.PositiveSmallIntegerField(_("transit guarantee (hours)"), default=24)
    illness_guarantee_days = models.PositiveSmallIntegerField(_("illness guarantee (days)"), default=7)
    illnesses_covered = models.CharField(_("illnesses covered"), max_length=100, blank=True)
    # The photo that shows a puppy or kitten with its mother, as the listing rules ask.
    mother_photo = models.ForeignKey(
        "catalog.ProductImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A short video of the animal (MP4 or WebM, sniffed and capped), served with range requests.
    video = models.FileField(upload_to=UnguessableName("pet-videos"), storage=private_storage, blank=True)
    video_type = models.CharField(max_length=20, blank=True)
    # What the listing rules flagged at the last submission, for the reviewer: [{"code": …, "params": {…}}].
    flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["microchip"], condition=Q(is_live=True) & ~Q(microchip=""), name="pets_microchip_live_once"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["merchant", "created_at"], name="pets_pet_merchant_year"),
            models.Index(fields=["latitude_e6", "longitude_e6"], name="pets_pet_location"),
        ]

    def __str__(self) -> str:
        return f"{self.breed_id}: {self.name or self.pk}"

    @property
    def latitude(self) -> float:
        return self.latitude_e6 / 1e6

    @property
    def longitude(self) -> float:
        return self.longitude_e6 / 1e6


class RecordKind(models.TextChoices):
    HEALTH_CHECK = "health_check", _("Health check")
    VACCINATION = "vaccination", _("Vaccination")
    DEWORMING = "deworming", _("Deworming")
    PEDIGREE = "pedigree", _("Pedigree certificate")


class LogHead(models.Model):
    """The log's one row: its size. An append raises it in the same UPDATE that hands out the index."""

    size = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.size}"


class LogEntry(models.Model):
    """A leaf: the canonical JSON the leaf hash is taken over. Written once, never changed."""

    index = models.PositiveBigIntegerField(unique=True)
    data = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("index",)
        verbose_name_plural = "log entries"

    def __str__(self) -> str:
        return f"#{self.index}"


class LogNode(models.Model):
    """The hash of the complete subtree of 2**level leaves starting at leaf ``index * 2**level``."""

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["level", "index"], name="pets_lognode_position")]

    def __str__(self) -> str:
        return f"{self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed checkpoint (C2SP signed note) of the log at one size."""

    tree_size = models.PositiveBigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-tree_size",)

    def __str__(self) -> str:
        return f"{self.tree_size}"


class PetRecord(models.Model):
    """A health check, vaccination, deworming or pedigree certificate, logged as one leaf.

    ``fields`` and ``salt`` are what the public recomputes the leaf's commitment
    from; both are emptied when a person's data is erased, and the leaf stays
    provable. A correction is a new record that supersedes this one.
    """

    pet = models.ForeignKey(Pet, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    fields = models.JSONField(null=True)
    salt = models.BinaryField(max_length=32, null=True)
    document = models.FileField(upload_to=UnguessableName("pet-records"), storage=private_storage, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    document_sha256 = models.BinaryField(max_length=32)
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="record")
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pet", "entry__index")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(fields__isnull=True, salt__isnull=True) | Q(fields__isnull=False, salt__isnull=False),
                name="pets_record_erased_whole",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pet_id}: {self.kind}"


class Delivery(models.TextChoices):
    COLLECTION = "collection", _("Collection in person")
    PET_COURIER = "pet_courier", _("Pet courier")
    AIR_CARGO = "air_cargo", _("Air cargo")


class PetSale(models.Model):
    """A pet bought: the order, how it travels to its buyer, its quarantine certificate and its arrival.

    The buyer's order keeps the log's checkpoint that was current when it was
    paid, so what the records proved at purchase can be proven again later.
    """

    pet = models.OneToOneField(Pet, on_delete=models.PROTECT, related_name="sale")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="pet_sales")
    delivery = models.CharField(max_length=20, choices=Delivery.choices)
    checkpoint_size = models.PositiveBigIntegerField(null=True, blank=True)
    # 动物检疫合格证明: no pet travels by courier or air without it.
    quarantine_number = models.CharField(max_length=40, blank=True)
    quarantine_document = models.FileField(upload_to=UnguessableName("quarantine"), storage=private_storage, blank=True)
    quarantine_document_type = models.CharField(max_length=40, blank=True)
    quarantine_uploaded_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    # The buyer says how the animal arrived, within a window after it did.
    condition = models.CharField(max_length=10, blank=True)  # "healthy" or "unwell"
    condition_note = models.CharField(max_length=500, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.order_id}: {self.pet_id}"


class TransitKind(models.TextChoices):
    HANDED_OVER = "handed_over", _("Handed over")
    CHECKPOINT = "checkpoint", _("In transit")
    ARRIVED = "arrived", _("Arrived")


class TransitEvent(models.Model):
    """One step of the animal's journey, with time and place, for the buyer's timeline."""

    sale = models.ForeignKey(PetSale, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=TransitKind.choices)
    at = models.DateTimeField()
    place = models.CharField(max_length=100)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.sale_id}: {self.kind}"


class ArrivalPhoto(models.Model):
    """A photo the buyer took of the animal on arrival."""

    sale = models.ForeignKey(PetSale, on_delete=models.CASCADE, related_name="arrival_photos")
    image = models.ImageField(upload_to=UnguessableName("pet-arrivals"), storage=private_storage)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sale_id}"


class ClaimKind(models.TextChoices):
    TRANSIT_INJURY = "transit_injury", _("Injured in transit")
    DEAD_ON_ARRIVAL = "dead_on_arrival", _("Dead on arrival")
    ILLNESS = "illness", _("Illness within the guarantee")


class PetClaim(models.Model):
    """A health-guarantee claim: an after-sales compensation request of the pet's order, with its kind."""

    sale = models.ForeignKey(PetSale, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=20, choices=ClaimKind.choices)
    request_number = models.CharField(max_length=20, unique=True)  # the after-sales request that carries it
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sale_id}: {self.kind}"


class PhotoCheck(models.Model):
    """What the image checks found in one photo of a pet listing, for the reviewer and the seller."""

    pet = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="photo_checks")
    image = models.OneToOneField("catalog.ProductImage", on_delete=models.CASCADE, related_name="pet_check")
    dhash = models.CharField(max_length=16)  # 64 bits in hex
    species_seen = models.JSONField(default=dict)  # species code → the model's probability
    suggested_breed = models.CharField(max_length=30, blank=True)
    flags = models.JSONField(default=list)  # [{"code": …, "params": {…}}]
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.pet_id}: {self.image_id}"


class PhotoBand(models.Model):
    """One byte of a photo's hash: near copies share at least one, so candidates are found by equality."""

    photo = models.ForeignKey(PhotoCheck, on_delete=models.CASCADE, related_name="bands")
    position = models.PositiveSmallIntegerField()
    value = models.PositiveSmallIntegerField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["position", "value"], name="pets_photoband_lookup")]

    def __str__(self) -> str:
        return f"{self.position}:{self.value}"
