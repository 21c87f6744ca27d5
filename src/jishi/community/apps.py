from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "jishi.community"
    label = "community"
    verbose_name = _("Community group buying")

    def ready(self) -> None:
        from jishi.community.services import pickups_open
        from jishi.payments.signals import orders_paid

        orders_paid.connect(pickups_open, dispatch_uid="jishi.community.pickups_open")
