"""The ceiling `make bench` measures Jishi against: a bare Django + django-ninja app on the same database.

``GET /products?page=N`` answers the same 20 published products as Jishi's
listing (newest first) from one SQL query through one ninja schema;
``POST /write`` inserts one row in one transaction — the least an order
could cost. It runs under the same gunicorn settings as Jishi, so the ratio
Jishi ÷ ceiling says how much of the machine Jishi's own work takes.
No middleware, no sessions, no authentication: that is the point.
"""

from __future__ import annotations

import os
from typing import Annotated

import django
from django.conf import settings

WRITE_TABLE = "bench_ceiling_write"

if not settings.configured:
    import dj_database_url

    database = dict(dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60))
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-ceiling-only",  # noqa: S106 - a local benchmark app, never deployed
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": database},
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        USE_TZ=True,
    )
    django.setup()

import datetime as dt  # noqa: E402

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.urls import path  # noqa: E402
from ninja import Field, NinjaAPI, Schema  # noqa: E402


class CardOut(Schema):
    id: int
    title: str
    subtitle: str
    price_from: str
    price_to: str
    sales_count: int
    published_at: dt.datetime | None


api = NinjaAPI(urls_namespace="ceiling", docs_url=None)


def _yuan(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


@api.get("/products", response=list[CardOut])
def products(request: HttpRequest, page: Annotated[int, Field(ge=1, le=10_000)] = 1) -> list[dict[str, object]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title, subtitle, min_price_minor, max_price_minor, sales_count, published_at"
            " FROM catalog_product WHERE status = 'published'"
            " ORDER BY published_at DESC, id DESC LIMIT 20 OFFSET %s",
            [(page - 1) * 20],
        )
        rows = cursor.fetchall()
    return [
        {
            "id": row[0],
            "title": row[1],
            "subtitle": row[2],
            "price_from": _yuan(row[3]),
            "price_to": _yuan(row[4]),
            "sales_count": row[5],
            "published_at": row[6],
        }
        for row in rows
    ]


@api.post("/write")
def write(request: HttpRequest) -> dict[str, int]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {WRITE_TABLE} (body) VALUES (%s) RETURNING id", ["order"])  # noqa: S608
        (row_id,) = cursor.fetchone()
    return {"id": row_id}


urlpatterns = [path("", api.urls)]
application = get_wsgi_application()
