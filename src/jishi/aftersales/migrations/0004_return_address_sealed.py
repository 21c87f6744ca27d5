"""Return addresses hold a contact's phone number: keep them sealed like every other phone number."""

from django.db import migrations, models

from jishi.core import crypto

CONTEXT = "aftersales.return_address"


def seal_existing(apps, schema_editor):
    requests = apps.get_model("aftersales", "AftersalesRequest")
    for request in requests.objects.exclude(return_address="").only("pk", "return_address"):
        sealed = crypto.seal(request.return_address, context=CONTEXT)
        requests.objects.filter(pk=request.pk).update(return_address_sealed=sealed)


def open_existing(apps, schema_editor):
    requests = apps.get_model("aftersales", "AftersalesRequest")
    for request in requests.objects.exclude(return_address_sealed="").only("pk", "return_address_sealed"):
        address = crypto.unseal(request.return_address_sealed, context=CONTEXT)
        requests.objects.filter(pk=request.pk).update(return_address=address[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0003_private_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="aftersalesrequest",
            name="return_address_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(seal_existing, open_existing),
        migrations.RemoveField(model_name="aftersalesrequest", name="return_address"),
    ]
