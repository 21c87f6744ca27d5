"""Staff roles in a merchant and what each may do (the capabilities permissions check)."""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")


class Capability(models.TextChoices):
    PRODUCTS = "products", _("Products")
    ORDERS = "orders", _("Orders")
    AFTERSALES = "aftersales", _("After-sales")
    FINANCE = "finance", _("Finance")
    TEAM = "team", _("Team")
    MARKETING = "marketing", _("Marketing")


ROLE_CAPABILITIES: Mapping[str, frozenset[Capability]] = {
    StaffRole.OWNER: frozenset(Capability),
    StaffRole.MANAGER: frozenset(
        {Capability.PRODUCTS, Capability.ORDERS, Capability.AFTERSALES, Capability.FINANCE, Capability.MARKETING}
    ),
    StaffRole.STAFF: frozenset({Capability.PRODUCTS, Capability.ORDERS, Capability.AFTERSALES}),
}
