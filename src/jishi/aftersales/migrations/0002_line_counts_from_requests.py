"""Order lines count what after-sales refunded and took back; count it for the requests settled before they did."""

from django.db import migrations
from django.db.models import Q, Sum


def count_settled(apps, schema_editor):
    line_model = apps.get_model("orders", "OrderLine")
    aftersales_line = apps.get_model("aftersales", "AftersalesLine")
    refunded = (
        aftersales_line.objects.filter(request__status="refunded")
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    returned = (
        aftersales_line.objects.filter(
            Q(request__status="exchanged") | (Q(request__status="refunded") & ~Q(request__return_tracking=""))
        )
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    for line_id, total in refunded:
        line_model.objects.filter(pk=line_id).update(refunded_quantity=total)
    for line_id, total in returned:
        line_model.objects.filter(pk=line_id).update(returned_quantity=total)


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0001_initial"),
        ("orders", "0003_line_aftersales_counts"),
    ]

    operations = [migrations.RunPython(count_settled, migrations.RunPython.noop)]
