"""Catalog: categories, attributes, products (SPU), options, SKUs and images."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.catalog.states import ProductStatus
from jishi.core.money import CURRENCY, MoneyField, OptionalMoneyField
from jishi.core.phrases import reader_name


def path_ids(path: str) -> list[int]:
    """The category ids a materialised path names, from the root down ("/1/4/9/" -> [1, 4, 9])."""
    return [int(part) for part in path.strip("/").split("/") if part]


class Category(models.Model):
    """A node of the category tree. ``path`` is the materialised path of ids (``"000001/000007/"``)."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    slug = models.SlugField(max_length=60, unique=True)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(default=0)
    icon = models.ImageField(upload_to="categories/", blank=True)
    # A retired category (and everything under it) takes no new listings and leaves the storefront.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("path",)
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the English one for English readers, where there is one."""
        return reader_name(self.name, self.name_en)

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this category, inclusive."""
        return path_ids(self.path)


class AttributeKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    MULTI = "multi", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes or no")


# Kinds whose values are listed choices (a product holds one row per chosen value).
CHOICE_KINDS = frozenset({AttributeKind.CHOICE, AttributeKind.MULTI})


class Attribute(models.Model):
    """A typed attribute that products of a category (and its descendants) carry."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=40)
    name_en = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=10, choices=AttributeKind.choices)
    unit = models.CharField(max_length=10, blank=True)
    required = models.BooleanField(default=False)
    filterable = models.BooleanField(default=True)
    searchable = models.BooleanField(default=True, help_text="Include the value in the search text.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["category", "code"], name="catalog_attribute_code_per_category")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return reader_name(self.name, self.name_en)


class AttributeChoice(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="choices")
    value = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["attribute", "value"], name="catalog_choice_unique_value")
        ]

    def __str__(self) -> str:
        return self.value


class Product(models.Model):
    """A product (SPU) of one merchant in one category. Buyers see it only when published."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    title = models.CharField(_("title"), max_length=120)
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(max_length=20, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    rejection_reason = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY)
    # Denormalised from the active SKUs by catalog services, for sorting and price filters.
    min_price_minor = models.BigIntegerField(default=0)
    max_price_minor = models.BigIntegerField(default=0)
    sales_count = models.PositiveIntegerField(default=0)
    # Segmented words of title, category, attributes and merchant (see jishi.core.text).
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes: ClassVar = [
            models.Index(fields=["status", "-published_at", "-id"], name="catalog_product_newest"),
            models.Index(fields=["status", "min_price_minor"], name="catalog_product_price"),
            models.Index(fields=["status", "-sales_count"], name="catalog_product_sales"),
            models.Index(fields=["merchant", "status"], name="catalog_product_merchant"),
            models.Index(fields=["category", "status"], name="catalog_product_category"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(min_price_minor__gte=0), name="catalog_product_min_price_gte_0"),
            models.CheckConstraint(
                condition=Q(max_price_minor__gte=models.F("min_price_minor")), name="catalog_product_price_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    min_price = MoneyField("min_price_minor")
    max_price = MoneyField("max_price_minor")


class ProductAttributeValue(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(AttributeChoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text_value = models.CharField(max_length=200, blank=True)
    number_value = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    bool_value = models.BooleanField(null=True, blank=True)

    class Meta:
        # One row per attribute, except a multiple choice: one row per value chosen.
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["product", "attribute"],
                condition=Q(choice__isnull=True),
                name="catalog_one_value_per_attribute",
            ),
            models.UniqueConstraint(fields=["product", "attribute", "choice"], name="catalog_one_row_per_choice"),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        if self.choice_id:
            return self.choice.value if self.choice else ""
        if self.number_value is not None:
            return f"{self.number_value.normalize():f}"
        if self.bool_value is not None:
            return str(_("Yes") if self.bool_value else _("No"))
        return self.text_value

    @property
    def raw(self) -> str:
        """The value as a merchant types it (what ``parse_attribute`` reads back)."""
        if self.bool_value is not None:
            return "true" if self.bool_value else "false"
        return self.display

    @property
    def search_word(self) -> str:
        """What the value adds to the search text: a yes-or-no attribute adds its name when it is yes."""
        if self.bool_value is not None:
            return self.attribute.name if self.bool_value else ""
        return self.display


class ProductOption(models.Model):
    """A buyer-selectable dimension such as colour or size."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [models.UniqueConstraint(fields=["product", "name"], name="catalog_option_unique_name")]

    def __str__(self) -> str:
        return self.name


class OptionValue(models.Model):
    option = models.ForeignKey(ProductOption, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=30)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["option", "value"], name="catalog_option_value_unique")
        ]

    def __str__(self) -> str:
        return self.value


class Sku(models.Model):
    """One purchasable combination of a product's option values, with its own price.

    SKUs are never deleted once created (orders will point at them): a
    combination the merchant drops is deactivated.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField(max_length=40, blank=True)
    # Sorted "option=value" pairs joined by "|": one SKU per combination.
    combination = models.CharField(max_length=255, blank=True)
    option_values = models.ManyToManyField(OptionValue, related_name="skus", blank=True)
    price_minor = models.BigIntegerField()
    compare_at_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY)
    weight_grams = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["product", "combination"], name="catalog_sku_one_per_combination"),
            models.CheckConstraint(condition=Q(price_minor__gt=0), name="catalog_sku_price_positive"),
            models.CheckConstraint(
                condition=Q(compare_at_minor__isnull=True) | Q(compare_at_minor__gte=models.F("price_minor")),
                name="catalog_sku_compare_at_gte_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}:{self.combination or '-'}"

    price = MoneyField("price_minor")
    compare_at_price = OptionalMoneyField("compare_at_minor")

    @property
    def options(self) -> dict[str, str]:
        """``{"颜色": "黑", "尺码": "M"}`` in the product's option order."""
        return dict(pair.split("=", 1) for pair in self.combination.split("|") if pair)

    @property
    def label(self) -> str:
        return " / ".join(self.options.values())


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/", width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to="products/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.alt or self.image.name or ""
