from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FavouritesConfig(AppConfig):
    name = "jishi.favourites"
    label = "favourites"
    verbose_name = _("Favourites, follows and history")
