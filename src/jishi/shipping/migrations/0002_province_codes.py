"""Fee rules name provinces by GB/T 2260 code (440000), as addresses do, instead of by short name (广东)."""

from django.db import migrations

from jishi.core import regions


def to_codes(apps, schema_editor):
    rules = apps.get_model("shipping", "FeeRule")
    for rule in rules.objects.exclude(provinces=[]):
        found = [regions.province_named(name) for name in rule.provinces]
        codes = [province.code for province in found if province is not None]
        # names not on the list are kept as they were: they match no address, and an empty list would be the default
        rule.provinces = codes or rule.provinces
        rule.save(update_fields=["provinces"])


def to_names(apps, schema_editor):
    rules = apps.get_model("shipping", "FeeRule")
    for rule in rules.objects.exclude(provinces=[]):
        found = [regions.province_of(code) for code in rule.provinces]
        rule.provinces = [province.name[:3 if province.name.startswith(("黑龙江", "内蒙古")) else 2]
                          for province in found if province is not None]
        rule.save(update_fields=["provinces"])


class Migration(migrations.Migration):
    dependencies = [("shipping", "0001_initial")]

    operations = [migrations.RunPython(to_codes, to_names)]
