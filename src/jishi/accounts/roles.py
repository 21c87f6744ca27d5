"""Operator roles (platform staff)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OperatorRole(models.TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    FINANCE = "finance", _("Finance")
    SUPPORT = "support", _("Support")
    CATALOG = "catalog", _("Catalog manager")
    ADMIN = "admin", _("Administrator")
