"""Traffic shapes for `make bench` (only ever pointed at 127.0.0.1)."""

import random

from locust import FastHttpUser, constant, task

CATEGORIES = ["b-pets", "b-pet-food", "b-cat-food", "b-groceries", "b-electronics", "b-clothing"]
KEYWORDS = ["猫粮", "狗粮", "大米", "耳机", "卫衣", "坚果", "茶"]


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
