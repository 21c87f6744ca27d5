"""Buying benchmarks against the running server: place + pay, a flash sale, statements per request.

Called by ``bench/run.py`` with Django set up on the benchmark database. The
benchmark plays the buyers over HTTP and plays the sandbox gateway too: it
signs each payment notification exactly as the sandbox does.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

BUYERS = 1000
FLASH_UNITS = 100


def _call(base: str, method: str, path: str, token: str, body: Any = None, *, form: bool = False) -> tuple[int, Any]:
    data = None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        data = urlencode(body).encode() if form else json.dumps(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)  # noqa: S310 - 127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def setup(count: int) -> dict[str, Any]:
    """A shop with an everyday SKU and a flash SKU, and ``count`` buyers with an address and a token."""
    from jishi.accounts import services as accounts
    from jishi.accounts.models import User
    from jishi.cart.models import CartLine
    from jishi.catalog import services as catalog
    from jishi.catalog.models import Category, Product
    from jishi.core.money import Money
    from jishi.inventory.services import stock_set
    from jishi.merchants import services as merchants

    owner = User.objects.filter(email="bench-shop@jishi.local").first()
    if owner is None:
        owner = User.objects.create_user(email="bench-shop@jishi.local", password=None)
        merchants.merchant_create(actor=None, name="压测店", kind="shop", owner=owner)
        owner = User.objects.select_related("membership__merchant").get(pk=owner.pk)
        admin = User.objects.create_user(email="bench-admin@jishi.local", password=None, operator_role="admin")
        leaf = next(c for c in Category.objects.order_by("pk") if not c.children.exists())
        for title in ("压测日常商品", "压测秒杀商品"):
            product = catalog.product_create(
                actor=owner,
                data=catalog.ProductInput(
                    category_id=leaf.pk, title=title, skus=[catalog.SkuInput(price=Money(1990, "CNY"), stock=0)]
                ),
            )
            catalog.product_submit(actor=owner, product_id=product.pk)
            catalog.product_approve(actor=admin, product_id=product.pk)
    owner = User.objects.select_related("membership__merchant").get(pk=owner.pk)
    everyday, flash = (
        Product.objects.get(merchant=owner.membership.merchant, title=t).skus.get()
        for t in ("压测日常商品", "压测秒杀商品")
    )
    stock_set(actor=owner, sku_id=everyday.pk, quantity=1_000_000)
    # A run before left the flash-sale losers with a sold-out SKU in their carts: start every run with empty ones.
    CartLine.objects.filter(cart__user__email__startswith="bench-buyer-").delete()
    buyers = list(User.objects.filter(email__startswith="bench-buyer-").order_by("pk")[:count])
    for index in range(len(buyers), count):
        buyer = User.objects.create_user(email=f"bench-buyer-{index}@jishi.local", password=None)
        accounts.address_create(
            actor=buyer,
            data=accounts.AddressInput(
                receiver="压测", phone="13900000000", province="广东省", city="深圳市", district="南山区", detail="1 号"
            ),
        )
        buyers.append(buyer)
    tokens = [(accounts.token_create(user=b)[1], b.addresses.first().pk) for b in buyers]
    promoted = _promotions(owner, buyers[:8])
    return {"everyday": everyday, "flash": flash, "promoted": promoted, "owner": owner, "buyers": tokens}


def _promotions(owner: Any, buyers: list[Any]) -> Any:
    """A ¥199 SKU under the shop's 满100减10 and its 满150减5 coupon, which the first buyers hold plenty of.

    Both cover only that product, so the everyday SKU is bought without a promotion in the same run.
    """
    import datetime as dt

    from jishi.catalog import services as catalog
    from jishi.catalog.models import Category, Product
    from jishi.core.money import Money
    from jishi.inventory.services import stock_set
    from jishi.promotions import services as promotions
    from jishi.promotions.models import CouponTemplate, ThresholdPromotion
    from jishi.promotions.pricing import CouponKind

    merchant = owner.membership.merchant
    product = Product.objects.filter(merchant=merchant, title="压测促销商品").first()
    if product is None:
        admin = _admin()
        leaf = next(c for c in Category.objects.order_by("pk") if not c.children.exists())
        product = catalog.product_create(
            actor=owner,
            data=catalog.ProductInput(
                category_id=leaf.pk, title="压测促销商品", skus=[catalog.SkuInput(price=Money(19900, "CNY"), stock=0)]
            ),
        )
        catalog.product_submit(actor=owner, product_id=product.pk)
        catalog.product_approve(actor=admin, product_id=product.pk)
    sku = product.skus.get()
    stock_set(actor=owner, sku_id=sku.pk, quantity=1_000_000)
    now = timezone.now()
    if not ThresholdPromotion.objects.filter(merchant=merchant, status="active", ends_at__gt=now).exists():
        promotions.threshold_promotion_create(
            actor=owner,
            data=promotions.ThresholdPromotionInput(
                name="满100减10",
                tiers=[promotions.TierInput(threshold=Money(10000, "CNY"), off=Money(1000, "CNY"))],
                starts_at=now - dt.timedelta(minutes=1),
                ends_at=now + dt.timedelta(days=30),
                product_ids=[product.pk],
            ),
        )
    CouponTemplate.objects.filter(merchant=merchant).update(status="stopped")  # each run claims a fresh one
    template = promotions.coupon_template_create(
        actor=owner,
        data=promotions.CouponTemplateInput(
            name="满150减5",
            kind=CouponKind.AMOUNT,
            amount=Money(500, "CNY"),
            min_spend=Money(15000, "CNY"),
            total_quantity=10_000_000,
            per_user_limit=100,
            valid_days=1,
            product_ids=[product.pk],
        ),
    )
    for index, buyer in enumerate(buyers):
        for _ in range(80 if index == 0 else 25):  # enough for every order each buyer places in the run
            promotions.coupon_claim(actor=buyer, template_id=template.pk)
    return sku


def _admin() -> Any:
    from jishi.accounts.models import User

    return User.objects.get(email="bench-admin@jishi.local")


def _sign_paid(intent: dict[str, Any], trade_no: str) -> dict[str, str]:
    from jishi.payments.gateways.sandbox import signed

    return signed(
        {
            "app_id": _settings().JISHI_SANDBOX_APP_ID,
            "notify_id": trade_no[-8:],
            "out_trade_no": intent["number"],
            "trade_no": trade_no,
            "total_amount": intent["amount"]["amount"],
            "currency": intent["amount"]["currency"],
            "trade_status": "TRADE_SUCCESS",
            "gmt_payment": timezone.now().isoformat(),
        }
    )


def _settings() -> Any:
    from django.conf import settings

    return settings


def place_and_pay(base: str, token: str, address_id: int, sku_id: int) -> tuple[bool, bool]:
    """One buyer's whole purchase over HTTP; returns (paid, any 5xx)."""
    statuses = []
    status, _ = _call(base, "POST", "/api/v1/cart/lines", token, {"sku_id": sku_id, "quantity": 1})
    statuses.append(status)
    status, quote = _call(base, "POST", "/api/v1/checkout/quote", token, {"address_id": address_id})
    statuses.append(status)
    body = {"address_id": address_id, "fingerprint": quote.get("fingerprint", "") if status == 200 else ""}
    status, placed = _call(base, "POST", "/api/v1/checkout/place", token, body)
    statuses.append(status)
    if status != 201:
        return False, any(s >= 500 for s in statuses)
    intent = placed["payment"]
    status, started = _call(base, "POST", f"/api/v1/payments/{intent['number']}/start", token, {"gateway": "sandbox"})
    statuses.append(status)
    if status != 200:
        return False, status >= 500
    trade_no = started["redirect_url"].rstrip("/").rsplit("/", 1)[-1]
    status, answer = _call(
        base, "POST", "/api/v1/payments/notify/sandbox", token, _sign_paid(intent, trade_no), form=True
    )
    statuses.append(status)
    return answer == "success", any(s >= 500 for s in statuses)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def run_clients(base: str, buyers: list[tuple[str, int]], sku_id: int, clients: int, per_client: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = [0, 0]
    lock = threading.Lock()

    def work(mine: list[tuple[str, int]]) -> None:
        for _ in range(per_client):
            for token, address_id in mine[:1]:
                started = time.perf_counter()
                paid, failed = place_and_pay(base, token, address_id, sku_id)
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                    errors[0] += not paid
                    errors[1] += failed

    threads = [threading.Thread(target=work, args=([buyers[i]],)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "orders": len(latencies) - errors[0],
        "orders_per_s": (len(latencies) - errors[0]) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": _percentile(latencies, 0.99),
        "failed": errors[0],
        "5xx": errors[1],
    }


def _burst(calls: list[Callable[[], int]]) -> tuple[list[tuple[int, float, float]], float]:
    """Make every call at the same instant, one thread each; (status, seconds, finished at) per call, and the start."""
    barrier = threading.Barrier(len(calls) + 1)
    results: list[tuple[int, float, float]] = []
    lock = threading.Lock()

    def run(call: Callable[[], int]) -> None:
        barrier.wait()
        started = time.perf_counter()
        status = call()
        finished = time.perf_counter()
        with lock:
            results.append((status, finished - started, finished))

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, began


def _flash_item(sku: Any, owner: Any) -> Any:
    """A session running now selling ``FLASH_UNITS`` of the SKU at ¥9.90, one per buyer, approved by the
    platform; the previous run's session is over, its unpaid orders timed out and its item closed."""
    import datetime as dt

    from jishi.checkout.services import checkouts_expire_overdue
    from jishi.core.money import Money
    from jishi.inventory.services import stock_set
    from jishi.orders.models import Order
    from jishi.promotions import services as promotions
    from jishi.promotions.models import FlashSession

    now = timezone.now()
    Order.objects.filter(lines__sku=sku, status="pending_payment").update(pay_by=now)
    checkouts_expire_overdue()
    FlashSession.objects.filter(starts_at__lt=now, ends_at__gt=now).update(ends_at=now)
    promotions.flash_items_close_due()
    stock_set(actor=owner, sku_id=sku.pk, quantity=FLASH_UNITS)
    admin = _admin()
    session = promotions.flash_session_create(
        actor=admin,
        title="压测场",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        real_name_required=False,
    )
    applied = promotions.flash_item_apply(
        actor=owner,
        data=promotions.FlashApplication(
            session_id=session.pk, sku_id=sku.pk, price=Money(990, "CNY"), quota=FLASH_UNITS, per_user_limit=1
        ),
    )
    return promotions.flash_item_approve(actor=admin, item_id=applied.pk)


def flash_burst(base: str, ceiling: str, buyers: list[tuple[str, int]], sku: Any, owner: Any) -> dict[str, Any]:
    """A flash session (秒杀) of 100 units: every buyer has a buy-now quote for it; all place at once.

    Then the ceiling's one-row write takes the same burst: what a bare Django
    endpoint on this machine makes of 1,000 requests arriving together.
    """
    item = _flash_item(sku, owner)
    ready = []
    for token, address_id in buyers:
        body = {"address_id": address_id, "buy_now": {"sku_id": sku.pk, "quantity": 1, "flash_item_id": item.pk}}
        _, quote = _call(base, "POST", "/api/v1/checkout/quote", token, body)
        ready.append((token, body | {"fingerprint": quote["fingerprint"]}))

    def place(token: str, body: dict[str, Any]) -> Callable[[], int]:
        return lambda: _call(base, "POST", "/api/v1/checkout/place", token, body)[0]

    results, began = _burst([place(token, body) for token, body in ready])
    won = sorted(finished for status, _, finished in results if status == 201)
    refused = [seconds * 1000 for status, seconds, _ in results if status == 409]
    item.refresh_from_db()
    bare, bare_began = _burst([lambda: _call(ceiling, "POST", "/write", "")[0]] * len(ready))
    return {
        "buyers": len(results),
        "succeeded": len(won),
        "sold": item.sold,
        "refused": len(refused),
        "sold_out_after_ms": (won[-1] - began) * 1000 if won else 0.0,
        "refused_p50_ms": _percentile(refused, 0.5),
        "refused_p99_ms": _percentile(refused, 0.99),
        "5xx": sum(1 for status, _, _ in results if status >= 500),
        "bare_p99_ms": _percentile([seconds * 1000 for _, seconds, _ in bare], 0.99),
        "bare_all_after_ms": (max(finished for _, _, finished in bare) - bare_began) * 1000,
        "bare_failed": sum(1 for status, _, _ in bare if status != 200),
    }


def queries_per_order(buyer: tuple[str, int], sku_id: int) -> dict[str, int]:
    """SQL statements of each request of one order, measured in-process on the same database."""
    token, address_id = buyer
    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {token}"})
    counts: dict[str, int] = {}

    def counted(step: str, path: str, body: dict[str, Any] | str, **extra: Any) -> Any:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, body, **extra)
        assert response.status_code < 300, response.content
        counts[step] = len(queries)
        return response

    as_json = {"content_type": "application/json"}
    counted("add to cart", "/api/v1/cart/lines", {"sku_id": sku_id, "quantity": 1}, **as_json)
    quote = counted("quote", "/api/v1/checkout/quote", {"address_id": address_id}, **as_json).json()
    placed = counted(
        "place (Idempotency-Key)",
        "/api/v1/checkout/place",
        {"address_id": address_id, "fingerprint": quote["fingerprint"]},
        headers={"Idempotency-Key": f"bench-{time.time_ns()}"},
        **as_json,
    ).json()
    intent = placed["payment"]
    started = counted(
        "payment start", f"/api/v1/payments/{intent['number']}/start", {"gateway": "sandbox"}, **as_json
    ).json()
    trade_no = started["redirect_url"].rstrip("/").rsplit("/", 1)[-1]
    counted(
        "payment notification",
        "/api/v1/payments/notify/sandbox",
        urlencode(_sign_paid(intent, trade_no)),
        content_type="application/x-www-form-urlencoded",
    )
    counts["whole order"] = sum(counts.values())
    return counts


def main(base: str, ceiling: str, bare_writes_per_s: Callable[[], float]) -> dict[str, Any]:
    """Every buying figure; ``bare_writes_per_s`` measures the write of the ceiling (at ``ceiling``) at 8 clients."""
    data = setup(BUYERS)
    buyers, everyday = data["buyers"], data["everyday"]
    queries = queries_per_order(buyers[0], everyday.pk)
    print("  SQL statements per request: " + ", ".join(f"{k} {v}" for k, v in queries.items()), flush=True)
    promoted_queries = queries_per_order(buyers[1], data["promoted"].pk)
    print("  with a 满减 and a coupon: " + ", ".join(f"{k} {v}" for k, v in promoted_queries.items()), flush=True)
    run_clients(base, buyers, everyday.pk, 2, 3)  # warm-up
    orders = {}
    for clients, per_client in ((1, 60), (8, 15)):
        bare = bare_writes_per_s() if clients == 8 else 0.0
        figures = run_clients(base, buyers, everyday.pk, clients, per_client)
        if clients == 8:  # alternated: the bare write before and after the buyers
            figures["bare_writes_per_s"] = (bare + bare_writes_per_s()) / 2
            figures["ratio"] = figures["orders_per_s"] / figures["bare_writes_per_s"]
        orders[clients] = figures
        print(
            f"  place + pay  {clients:>2} buyers  {figures['orders_per_s']:>6.1f} orders/s"
            f"  p50 {figures['p50_ms']:>5.0f} ms  p99 {figures['p99_ms']:>5.0f} ms"
            f"  failed {figures['failed']}  5xx {figures['5xx']}",
            flush=True,
        )
    promoted = run_clients(base, buyers, data["promoted"].pk, 8, 15)
    promoted["with_coupon"] = _orders_with_coupon(data["promoted"])
    print(
        f"  place + pay with a 满减 and a coupon   8 buyers  {promoted['orders_per_s']:>6.1f} orders/s"
        f"  p50 {promoted['p50_ms']:>5.0f} ms  p99 {promoted['p99_ms']:>5.0f} ms  failed {promoted['failed']}"
        f"  5xx {promoted['5xx']}  ({promoted['with_coupon']} orders of the run used the coupon)",
        flush=True,
    )
    flash = flash_burst(base, ceiling, buyers, data["flash"], data["owner"])
    print(
        f"  flash sale  {flash['buyers']} buyers for {FLASH_UNITS} units: {flash['succeeded']} orders, "
        f"{flash['refused']} refused, sold out after {flash['sold_out_after_ms']:.0f} ms, "
        f"p50 / p99 of the refused {flash['refused_p50_ms']:.0f} / {flash['refused_p99_ms']:.0f} ms, "
        f"5xx {flash['5xx']}, the item's sold count {flash['sold']}; "
        f"the bare write under the same burst: p99 {flash['bare_p99_ms']:.0f} ms, "
        f"all answered after {flash['bare_all_after_ms']:.0f} ms, {flash['bare_failed']} failed",
        flush=True,
    )
    return {
        "queries": queries,
        "promoted_queries": promoted_queries,
        "orders": orders,
        "promoted": promoted,
        "flash": flash,
    }


def _orders_with_coupon(sku: Any) -> int:
    """Paid orders of the SKU in the last ten minutes that used a coupon and the 满减 (what the run bought)."""
    import datetime as dt

    from jishi.orders.models import Order

    recent = Order.objects.filter(
        lines__sku=sku, paid_at__gte=timezone.now() - dt.timedelta(minutes=10), adjustments__source_kind="coupon"
    )
    return recent.filter(adjustments__source_kind="threshold").distinct().count()


def table(buying: dict[str, Any]) -> str:
    """The buying part of the bench table, in Markdown."""
    eight, one, flash, promoted = (
        buying["orders"][8],
        buying["orders"][1],
        buying["flash"],
        buying["promoted"],
    )
    rows = [
        "",
        "| buying | Jishi | ceiling | ratio | target |",
        "|---|---:|---:|---:|---:|",
        f"| place + pay, 8 buyers, orders/s | {eight['orders_per_s']:.1f} | {eight['bare_writes_per_s']:.1f} writes/s"
        f" | {eight['ratio']:.1%} | ≥ 100/s and ≥ 25 % |",
        f"| place + pay, 1 buyer, orders/s | {one['orders_per_s']:.1f} | | | |",
        f"| place + pay with a 满减 and a coupon, 8 buyers, orders/s | {promoted['orders_per_s']:.1f}"
        f" | {eight['orders_per_s']:.1f} without | {promoted['orders_per_s'] / eight['orders_per_s']:.0%} | |",
        f"| flash sale: orders for {FLASH_UNITS} units ({flash['buyers']} buyers) | {flash['succeeded']} | | |"
        f" exactly {FLASH_UNITS} |",
        f"| flash sale: sold out after, ms | {flash['sold_out_after_ms']:.0f}"
        f" | all {flash['buyers']} bare writes answered after {flash['bare_all_after_ms']:.0f} | | < 1000 |",
        f"| flash sale: p50 of the refused, ms | {flash['refused_p50_ms']:.0f} | | | |",
        f"| flash sale: p99 of the refused, ms | {flash['refused_p99_ms']:.0f} | {flash['bare_p99_ms']:.0f}"
        f" | {flash['bare_p99_ms'] / flash['refused_p99_ms'] if flash['refused_p99_ms'] else 0:.0%} | < 500 |",
        f"| flash sale: 5xx | {flash['5xx']} | | | 0 |",
    ]
    targets = {"place (Idempotency-Key)": "≤ 15", "payment notification": "≤ 15"}
    rows += ["", "| SQL statements per request | Jishi | target |", "|---|---:|---:|"]
    rows += [f"| {step} | {n} | {targets.get(step, '')} |" for step, n in buying["queries"].items()]
    rows += [
        f"| with a 满减 and a coupon: {step} | {n} | {'≤ 30' if step.startswith('place') else ''} |"
        for step, n in buying["promoted_queries"].items()
    ]
    return "\n".join(rows)
