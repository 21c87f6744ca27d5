"""Load the demo market (idempotent) and print the addresses and logins."""

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.demo.loader import ADMIN_EMAIL, BUYER_PHONE, FINANCE_EMAIL, REVIEWER_EMAIL, STAFF_PHONE, DemoLoader
from jishi.demo.market import MERCHANTS, PASSWORD


class Command(BaseCommand):
    help = "Create the demo market: merchants, 300+ products with images, and one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        port = os.environ.get("PORT", "8000")
        parser.add_argument("--base-url", default=f"http://127.0.0.1:{port}")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(step: str) -> None:
            self.stdout.write(f"  [{time.monotonic() - started:4.0f} s] loading {step}…")

        loader = DemoLoader(progress=progress)
        if loader.already_loaded():
            self.stdout.write("The demo market is already loaded.")
        else:
            self.stdout.write("Loading the demo market (about a minute; it runs real orders through the services):")
            report = loader.load()
            counts = ", ".join(f"{n} {status}" for status, n in sorted(report.products.items()))
            self.stdout.write(
                self.style.SUCCESS(f"Demo market loaded in {time.monotonic() - started:.0f} s: {counts}.")
            )
        self._print_welcome(options["base_url"])

    def _print_welcome(self, base: str) -> None:
        w = self.stdout.write
        w("")
        w(self.style.MIGRATE_HEADING("Jishi 集市 is serving at:"))
        w(f"  storefront        {base}/")
        w(f"  merchant centre   {base}/merchant/")
        w(f"  operator console  {base}/operator/")
        w(f"  API docs          {base}/api/v1/docs   (OpenAPI: {base}/api/v1/openapi.json)")
        w(f"  Django admin      {base}/django-admin/ (superusers only)")
        w("")
        w(self.style.MIGRATE_HEADING(f"Demo logins (password for all: {PASSWORD}):"))
        w(f"  operator, admin          {ADMIN_EMAIL}")
        w(f"  operator, reviewer       {REVIEWER_EMAIL}")
        w(f"  operator, finance        {FINANCE_EMAIL}")
        w(f"  buyer                    {BUYER_PHONE}")
        w(f"  merchant owner 萌宠之家  {MERCHANTS[0][3]}   (other shops: {', '.join(m[3] for m in MERCHANTS[1:])})")
        w(f"  merchant staff 萌宠之家  {STAFF_PHONE}")
        w("")
