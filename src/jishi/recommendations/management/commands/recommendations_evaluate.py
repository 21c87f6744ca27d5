"""``manage.py recommendations_evaluate``: hit rate and coverage of item-item CF against the best sellers, on a
held-out split of the paid order history (see ``jishi.recommendations.evaluation``)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.recommendations.evaluation import evaluate


class Command(BaseCommand):
    help = "Score item-item CF against the best sellers on the paid order history, latest purchase held out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--k", type=int, default=10, help="Length of each recommendation list (default 10).")

    def handle(self, *args: Any, **options: Any) -> None:
        k = options["k"]
        if k < 1:
            self.stderr.write("--k must be at least 1.")
            return
        result = evaluate(k=k)
        self.stdout.write(
            f"Held out the latest bought product of {result.users} buyers; {result.products} products in the history."
        )
        self.stdout.write(f"{'method':<16}{f'hit-rate@{k}':>14}{'hits':>8}{'coverage':>11}{'products':>10}")
        for name, score in (("item-item CF", result.cf), ("popularity", result.popular)):
            self.stdout.write(
                f"{name:<16}{score.hit_rate:>14.3f}{score.hits:>8}{score.coverage:>11.3f}{score.recommended:>10}"
            )
