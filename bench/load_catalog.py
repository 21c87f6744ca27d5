"""Load a large published catalog fast, for benchmarks only.

The demo loader goes through the services (dozens of queries a product);
for 100,000 or 1,000,000 products this writes the same rows in bulk:
categories and attributes through the services, then products, SKUs, stock
and attribute values with PostgreSQL's COPY (``bulk_create`` on SQLite),
and the search text from the same segmentation function the services use.
Every column gets what Django would write: each field's own default and
database value, ids drawn from the table's sequence.
"""

from __future__ import annotations

import random
import time

from django.db import connection, models, transaction
from django.utils import timezone

from jishi.accounts.models import User
from jishi.catalog import services as catalog
from jishi.catalog.models import AttributeChoice, AttributeKind, Category, Product, ProductAttributeValue, Sku
from jishi.catalog.states import ProductStatus
from jishi.core.text import index_words
from jishi.demo.market import MARKET, MERCHANTS
from jishi.inventory.models import Stock
from jishi.merchants import services as merchants
from jishi.merchants.models import Merchant

BATCH = 10_000
EDITIONS = ["经典款", "升级款", "家庭装", "旗舰款", "尝鲜装", "新品", "限定款", "畅销款", "特惠装", "礼盒装"]


def _structure() -> list[tuple[Category, list[Category], list[AttributeChoice], object]]:
    """Create the demo category tree with a brand attribute per branch; return leaves with their data."""
    leaves = []
    for r, root in enumerate(MARKET):
        top = catalog.category_create(name=root.name, name_en=root.name_en, slug=f"b-{root.slug}", position=r)
        for b, branch in enumerate(root.branches):
            middle = catalog.category_create(
                name=branch.name, name_en=branch.name_en, slug=f"b-{branch.slug}", parent=top, position=b
            )
            choices: list[AttributeChoice] = []
            for code, (name, values) in branch.attributes.items():
                attribute = catalog.attribute_create(
                    category=middle, code=code, name=name, kind=AttributeKind.CHOICE, choices=values
                )
                choices = list(attribute.choices.all())
            for position, leaf in enumerate(branch.leaves):
                category = catalog.category_create(
                    name=leaf.name, name_en=leaf.name_en, slug=f"b-{leaf.slug}", parent=middle, position=position
                )
                leaves.append((category, [top, middle, category], choices, leaf))
    return leaves


def _merchants() -> dict[str, Merchant]:
    result = {}
    for name, kind, city, phone, _ in MERCHANTS:
        owner = User.objects.create_user(phone=phone, password=None)
        result[name] = merchants.merchant_create(actor=None, name=name, kind=kind, owner=owner, city=city)
    return result


def _write[M: models.Model](model: type[M], rows: list[M]) -> list[M]:
    """Insert ``rows`` and give them their ids: one COPY on PostgreSQL, ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(rows)
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    with connection.cursor() as cursor:
        if isinstance(model._meta.pk, models.AutoField):  # Stock's key is its SKU's
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                row.pk = pk
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # names from the model
            for row in rows:
                copy.write_row([field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields])
    return rows


def load(total: int, *, seed: int = 7) -> float:
    """Create ``total`` published products; returns seconds taken."""
    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        leaves = _structure()
        shops = _merchants()
    now = timezone.now()
    made = 0
    while made < total:
        size = min(BATCH, total - made)
        products, extras = [], []
        for i in range(size):
            category, path, choices, leaf = leaves[(made + i) % len(leaves)]
            choice = rng.choice(choices) if choices else None
            k = rng.randrange(len(leaf.nouns))
            title = f"{choice.value if choice else ''} {leaf.nouns[k]} {rng.choice(EDITIONS)} {made + i}".strip()
            price = rng.randint(*leaf.price) * 100 + rng.choice([0, 50, 90])
            merchant = shops[leaf.merchant]
            products.append(
                Product(
                    merchant=merchant,
                    category=category,
                    title=title,
                    subtitle=leaf.english[k],
                    status=ProductStatus.PUBLISHED,
                    min_price_minor=price,
                    max_price_minor=price,
                    sales_count=rng.randint(0, 10_000),
                    published_at=now,
                    search_text=index_words(
                        title,
                        leaf.english[k],
                        " ".join(f"{c.name} {c.name_en}" for c in path),
                        merchant.name,
                    ),
                )
            )
            extras.append((choice, price, rng.randint(0, 500)))
        with transaction.atomic():
            _write(Product, products)
            skus = _write(
                Sku,
                [
                    Sku(product=p, price_minor=price, combination="")
                    for p, (_, price, _) in zip(products, extras, strict=True)
                ],
            )
            _write(Stock, [Stock(sku=s, quantity=qty) for s, (_, _, qty) in zip(skus, extras, strict=True)])
            _write(
                ProductAttributeValue,
                [
                    ProductAttributeValue(product=p, attribute_id=c.attribute_id, choice=c)
                    for p, (c, _, _) in zip(products, extras, strict=True)
                    if c is not None
                ],
            )
        made += size
        if made % 100_000 == 0 or made == total:
            print(f"  {made:>9,} products", flush=True)
    return time.monotonic() - started
