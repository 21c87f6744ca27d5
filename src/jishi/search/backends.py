"""Full-text matching on each database over ``catalog_product.search_text``.

SQLite: an external-content FTS5 table kept in step by triggers (see the
migrations), ranked by bm25. PostgreSQL: a stored generated column
``search_vector = to_tsvector('simple', search_text)`` under a GIN index,
ranked by ts_rank. Both receive
words already segmented by :mod:`jishi.core.text`, so each only has to
split on spaces.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Field, FloatField, Func, QuerySet, Value
from django.db.models.expressions import RawSQL

from jishi.core.text import is_latin

FTS_TABLE = "search_product_fts"
TSQUERY = "to_tsquery('simple'::regconfig, {1})"
PG_COLUMN = "search_vector"  # generated from search_text, GIN-indexed (migration 0002)


def _fts5_query(words: list[str], *, any_word: bool) -> str:
    parts = [f'"{word}"' for word in words]
    if words and is_latin(words[-1]):
        parts[-1] += "*"
    return (" OR " if any_word else " ").join(parts)


def _tsquery(words: list[str], *, any_word: bool) -> str:
    parts = [f"'{word}'" for word in words]
    if words and is_latin(words[-1]):
        parts[-1] += ":*"
    return (" | " if any_word else " & ").join(parts)


class _SqlTemplate(Func):
    """A SQL fragment around compiled columns and bound parameters, safe under any table alias."""

    def __init__(self, template: str, *expressions: Any, output_field: Field) -> None:
        super().__init__(*expressions, output_field=output_field)
        self.sql_template = template

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:  # type: ignore[override]
        parts, params = [], []
        for expression in self.source_expressions:
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return self.sql_template.format(*parts), tuple(params)


class _StoredVector(Func):
    """PostgreSQL's stored ``search_vector`` column of the product table, under whatever alias the query uses."""

    def __init__(self) -> None:
        super().__init__(F("search_text"), output_field=Field())

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:  # type: ignore[override]
        text_column, params = compiler.compile(self.source_expressions[0])
        vector_column = text_column.replace(
            connection.ops.quote_name("search_text"), connection.ops.quote_name(PG_COLUMN)
        )
        return vector_column, tuple(params)


def match(products: QuerySet, words: list[str], *, any_word: bool = False) -> QuerySet:
    """Keep the products whose search text has every word (or any, when ``any_word``)."""
    if connection.vendor == "postgresql":
        query = Value(_tsquery(words, any_word=any_word))
        return products.filter(_SqlTemplate(f"{{0}} @@ {TSQUERY}", _StoredVector(), query, output_field=BooleanField()))
    # The table name is a constant; the words are bound as a parameter.
    fts_match = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
    return products.filter(id__in=RawSQL(fts_match, [_fts5_query(words, any_word=any_word)]))  # noqa: S611


def ranked(products: QuerySet, words: list[str], *, any_word: bool, start: int, size: int) -> list[int]:
    """Ids of one page of ``products`` (matched on ``words``) by relevance, then sales, then newest.

    With ``any_word``, products with more of the words rank higher. SQLite
    scores every match in one pass over the full-text index (bm25 asked row
    by row recounts the whole match each time).
    """
    if connection.vendor == "postgresql":
        query = Value(_tsquery(words, any_word=any_word))
        relevance = _SqlTemplate(f"ts_rank({{0}}, {TSQUERY})", _StoredVector(), query, output_field=FloatField())
        ordered = products.annotate(relevance=relevance).order_by("-relevance", "-sales_count", "-id")
        return list(ordered.values_list("pk", flat=True)[start : start + size])
    inner, params = products.order_by().values("pk", "sales_count").query.sql_with_params()
    sql = (
        f"SELECT p.pk FROM ({inner}) p JOIN (SELECT rowid AS product_id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s) f ON f.product_id = p.pk "
        "ORDER BY f.score, p.sales_count DESC, p.pk DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, _fts5_query(words, any_word=any_word), size, start])
        return [pk for (pk,) in cursor.fetchall()]
