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
    attributes: dict[str, str | list[str]] | None = None,
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


def address(owner: User, *, province: str = "广东省", **fields: Any) -> Any:
    from jishi.accounts import services as accounts

    data = {
        "receiver": "王小明",
        "phone": "13912345678",
        "province": province,
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园路 1 号",
        "postal_code": "518000",
        "is_default": False,
    } | fields
    return accounts.address_create(actor=owner, data=accounts.AddressInput(**data))


def fee_template(owner: User, *, basis: str = "item", first: str = "8.00", extra: str = "2.00", **kwargs: Any) -> Any:
    from jishi.shipping import services as shipping

    rules = kwargs.pop("rules", None) or [
        shipping.RuleInput(provinces=[], first_fee=Money.parse(first, "CNY"), extra_fee=Money.parse(extra, "CNY"))
    ]
    return shipping.fee_template_set(actor=owner, data=shipping.TemplateInput(basis=basis, rules=rules, **kwargs))


def in_cart(buyer: User, *lines: tuple[Any, int]) -> None:
    """Put ``(sku, quantity)`` lines into the buyer's cart."""
    from jishi.cart.owner import CartOwner
    from jishi.cart.services import cart_line_add

    for sku, quantity in lines:
        cart_line_add(owner=CartOwner(user=buyer), sku_id=sku.pk, quantity=quantity)


def place(buyer: User, *lines: tuple[Any, int], address_id: int | None = None) -> Any:
    """Fill the cart with ``lines`` and place the checkout for the buyer's first (or given) address."""
    from jishi.checkout import services as checkout

    in_cart(buyer, *lines)
    if address_id is None:
        existing = buyer.addresses.first()
        address_id = (existing or address(buyer)).pk
    quote = checkout.checkout_quote(actor=buyer, address_id=address_id)
    return checkout.checkout_place(actor=buyer, address_id=address_id, fingerprint=quote.fingerprint)


def sku_of(product: Product, index: int = 0) -> Any:
    return product.skus.order_by("pk")[index]


def pay(placement: Any) -> None:
    """Pay a placed checkout on the sandbox gateway and apply it, as the query sweep would."""
    from jishi.payments import sandbox
    from jishi.payments import services as payments
    from jishi.payments.models import SandboxTrade

    intent = placement.intent
    payments.payment_start(
        actor=intent.buyer,
        intent_number=intent.number,
        gateway_code="sandbox",
        notify_url="http://testserver/api/v1/payments/notify/sandbox",
        return_url="http://testserver/",
    )
    sandbox.trade_pay(trade_no=SandboxTrade.objects.get(out_trade_no=intent.number).trade_no)
    payments.payment_sync(intent_id=intent.pk)


def complete(order: Any) -> Any:
    """Take a paid order through shipping, receipt and the end of its after-sales window."""
    import datetime as dt

    from django.utils import timezone

    from jishi.merchants.models import Membership
    from jishi.orders import services as orders
    from jishi.orders.models import Order

    staff = Membership.objects.filter(merchant_id=order.merchant_id).first().user
    orders.order_ship(actor=staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF100200300")
    orders.order_confirm_receipt(actor=order.buyer, order_number=order.number)
    Order.objects.filter(pk=order.pk).update(complete_at=timezone.now() - dt.timedelta(seconds=1))
    return orders.order_complete_due(order_id=order.pk)
