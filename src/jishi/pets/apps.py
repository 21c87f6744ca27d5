from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetsConfig(AppConfig):
    name = "jishi.pets"
    label = "pets"
    verbose_name = _("Pet trading")
