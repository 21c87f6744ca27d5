"""The search tables in Django's admin, read-only for superusers (core.admin)."""

from django.apps import apps

from jishi.core.admin import register_read_only

register_read_only(apps.get_app_config("search").get_models())
