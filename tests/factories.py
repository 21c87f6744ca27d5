"""Builders for test data. They go through the services, so tests exercise the real rules."""

from __future__ import annotations

import itertools
from typing import Any

import factory

from jishi.accounts.models import User
from jishi.catalog import services as catalog
from jishi.catalog.models import Category, Product
from jishi.core.money import Money
from jishi.merchants import services as merchants

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(PASSWORD)


def user(**fields: Any) -> User:
    return UserFactory(**fields)


def merchant_owner(*, name: str | None = None, kind: str = "shop", **fields: Any) -> User:
    owner = user(**fields)
    merchants.merchant_create(actor=None, name=name or f"店铺{next(_counter)}", kind=kind, owner=owner)
    return User.objects.select_related("membership__merchant").get(pk=owner.pk)


def category_path(*names: str) -> Category:
    """Create (or reuse) the chain of categories and return the last one."""
    parent = None
    for name in names:
        existing = Category.objects.filter(parent=parent, name=name).first()
        parent = existing or catalog.category_create(name=name, parent=parent, slug=f"c{next(_counter)}")
    assert parent is not None
    return parent


def product(
    owner: User,
    category: Category,
    *,
    title: str = "进口无谷猫粮 成猫 2kg",
    price: str = "99.00",
    stock: int = 10,
    options: list[catalog.OptionInput] | None = None,
    skus: list[catalog.SkuInput] | None = None,
    attributes: dict[str, str] | None = None,
    publish: bool = True,
    reviewer: User | None = None,
    **fields: Any,
) -> Product:
    data = catalog.ProductInput(
        category_id=category.pk,
        title=title,
        options=options or [],
        skus=skus or [catalog.SkuInput(price=Money.parse(price, "CNY"), stock=stock)],
        attributes=attributes or {},
        **fields,
    )
    created = catalog.product_create(actor=owner, data=data)
    if publish:
        catalog.product_submit(actor=owner, product_id=created.pk)
        approver = reviewer or User.objects.filter(operator_role="admin").first() or user(operator_role="admin")
        catalog.product_approve(actor=approver, product_id=created.pk)
    created.refresh_from_db()
    return created
