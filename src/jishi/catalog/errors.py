"""Errors of the catalog domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class ProductNotFound(NotFound):
    default_code = "catalog.product_not_found"
    default_message = _("Product not found.")


class SkuNotFound(NotFound):
    default_code = "catalog.sku_not_found"
    default_message = _("SKU not found.")


class CategoryNotFound(NotFound):
    default_code = "catalog.category_not_found"
    default_message = _("Category not found.")


class ImageNotFound(NotFound):
    default_code = "catalog.image_not_found"
    default_message = _("Image not found.")


class InvalidTransition(Conflict):
    default_code = "catalog.invalid_transition"
    default_message = _("The product cannot move to that status from its current one.")


class NotEditable(Conflict):
    default_code = "catalog.not_editable"
    default_message = _("A product under review cannot be edited.")


class InvalidProduct(InvalidInput):
    default_code = "catalog.invalid_product"


class TooManyImages(Conflict):
    default_code = "catalog.too_many_images"
    default_message = _("A product has at most 12 images.")


class QualificationRequired(Conflict):
    default_code = "catalog.qualification_required"
    default_message = _("Listing in this category needs a valid permit; add it under your shop's qualifications.")


class InvalidCategory(InvalidInput):
    default_code = "catalog.invalid_category"


class CategoryCycle(InvalidInput):
    default_code = "catalog.category_cycle"
    default_message = _("A category cannot move under itself or under one of its subcategories.")


class CategoryInUse(Conflict):
    default_code = "catalog.category_in_use"


class TreeChanged(Conflict):
    default_code = "catalog.tree_changed"
    default_message = _("The category tree changed while you were moving this category; try again.")


class AttributeNotFound(NotFound):
    default_code = "catalog.attribute_not_found"
    default_message = _("Attribute not found.")


class InvalidAttribute(InvalidInput):
    default_code = "catalog.invalid_attribute_definition"


class AttributeInUse(Conflict):
    default_code = "catalog.attribute_in_use"
