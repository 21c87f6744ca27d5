"""Idempotency records keep their response sealed; answers holding a token are not kept."""

import json

from django.db import migrations, models

from jishi.core import crypto

CONTEXT = "core.idempotency.response"


def seal_kept_answers(apps, schema_editor):
    records = apps.get_model("core", "IdempotencyRecord").objects.exclude(response_status=0)
    for record in records.iterator():
        body = record.response_body
        if isinstance(body, dict) and str(body.get("token", "")).startswith("jsk_"):
            continue  # a log-in's answer: its token is never handed out again, so it is not kept
        sealed = crypto.seal(json.dumps(body, ensure_ascii=False), context=CONTEXT)
        records.filter(pk=record.pk).update(response_sealed=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_idempotencyrecord"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="response_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(seal_kept_answers, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="idempotencyrecord",
            name="response_body",
        ),
    ]
