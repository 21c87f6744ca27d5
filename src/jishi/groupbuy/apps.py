from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupbuyConfig(AppConfig):
    name = "jishi.groupbuy"
    label = "groupbuy"
    verbose_name = _("Group buying")

    def ready(self) -> None:
        from jishi.groupbuy.services import members_seat
        from jishi.payments.signals import orders_paid

        orders_paid.connect(members_seat, dispatch_uid="jishi.groupbuy.members_seat")
