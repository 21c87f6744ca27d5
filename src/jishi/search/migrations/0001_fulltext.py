"""Full-text index over catalog_product.search_text, one per database (see jishi.search.backends)."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_product_fts USING fts5("
    "search_text, content='catalog_product', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER search_product_fts_insert AFTER INSERT ON catalog_product BEGIN "
    "INSERT INTO search_product_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER search_product_fts_delete AFTER DELETE ON catalog_product BEGIN "
    "INSERT INTO search_product_fts(search_product_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER search_product_fts_update AFTER UPDATE OF search_text ON catalog_product BEGIN "
    "INSERT INTO search_product_fts(search_product_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO search_product_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO search_product_fts(search_product_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_product_fts_update",
    "DROP TRIGGER IF EXISTS search_product_fts_delete",
    "DROP TRIGGER IF EXISTS search_product_fts_insert",
    "DROP TABLE IF EXISTS search_product_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_product_text_gin ON catalog_product "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS search_product_text_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
