"""PostgreSQL: store the tsvector, so ranking reads it instead of recomputing it for every match.

A generated column that Django's models do not know about: inserts and
updates leave it alone and PostgreSQL keeps it in step with search_text.
SQLite keeps its FTS5 table from 0001 and needs nothing here.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS search_product_vector_gin ON catalog_product USING gin (search_vector)",
    "DROP INDEX IF EXISTS search_product_text_gin",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS search_product_text_gin ON catalog_product "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "DROP INDEX IF EXISTS search_product_vector_gin",
    "ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_fulltext")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
