"""Traffic shapes for `make bench` (only ever pointed at 127.0.0.1).

``BENCH_PRODUCT_IDS`` names a file of published product ids, one per line,
for the product pages (bench/run.py writes it).
"""

import os
import random
from functools import cache

from locust import FastHttpUser, constant, task

CATEGORIES = ["b-pets", "b-pet-food", "b-cat-food", "b-groceries", "b-electronics", "b-clothing"]
KEYWORDS = ["猫粮", "狗粮", "大米", "耳机", "卫衣", "坚果", "茶"]


@cache
def _product_ids() -> list[int]:
    with open(os.environ["BENCH_PRODUCT_IDS"], encoding="utf-8") as ids:
        return [int(line) for line in ids if line.strip()]


class ListingUser(FastHttpUser):
    """Browsing: the product listing, 20 a page, newest first, over the first 50 pages."""

    wait_time = constant(0)

    @task
    def listing(self) -> None:
        self.client.get(f"/api/v1/products?page_size=20&sort=newest&page={random.randint(1, 50)}", name="listing")


class SearchUser(FastHttpUser):
    """A filtered Chinese keyword search: keyword + category + price range, by relevance."""

    wait_time = constant(0)

    @task
    def search(self) -> None:
        low = random.choice([0, 20, 50, 100])
        self.client.get(
            f"/api/v1/products?q={random.choice(KEYWORDS)}&category={random.choice(CATEGORIES)}"
            f"&price_min={low}&price_max={low + 400}&page_size=20",
            name="search",
        )


class DetailUser(FastHttpUser):
    """The product detail API of a random published product."""

    wait_time = constant(0)

    @task
    def detail(self) -> None:
        self.client.get(f"/api/v1/products/{random.choice(_product_ids())}", name="detail")


class PageListingUser(FastHttpUser):
    """The storefront's listing page, newest first, over the first 50 pages."""

    wait_time = constant(0)

    @task
    def page(self) -> None:
        self.client.get(f"/search/?sort=newest&page={random.randint(1, 50)}", name="listing page")


class PageProductUser(FastHttpUser):
    """The storefront's product page of a random published product."""

    wait_time = constant(0)

    @task
    def page(self) -> None:
        self.client.get(f"/p/{random.choice(_product_ids())}/", name="product page")


class CeilingUser(FastHttpUser):
    """The bare endpoint (bench/ceiling.py): the same 20 products from one query."""

    wait_time = constant(0)

    @task
    def products(self) -> None:
        self.client.get(f"/products?page={random.randint(1, 50)}", name="ceiling")


class CeilingWriteUser(FastHttpUser):
    """The bare endpoint's one-row write in one transaction."""

    wait_time = constant(0)

    @task
    def write(self) -> None:
        self.client.post("/write", name="ceiling write")
