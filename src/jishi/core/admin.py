"""Django's admin, read-only: superusers look at any row; every change goes through the services.

Each app's ``admin.py`` registers its models with :func:`register_read_only`.
Nothing can be added, changed or deleted here, so no write skips a
service's permission check, guard or audit entry.
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def register_read_only(app_models: Iterable[type[models.Model]]) -> None:
    """Show these models to superusers, read-only, with their primary key and text in the list."""
    for model in app_models:
        admin.site.register(model, ReadOnlyAdmin)


register_read_only(apps.get_app_config("core").get_models())
