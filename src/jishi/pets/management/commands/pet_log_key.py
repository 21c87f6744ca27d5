"""``manage.py pet_log_key``: make a new Ed25519 signing key for the pet-record log."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.pets.signing import Signer, default_origin


class Command(BaseCommand):
    help = "Print a new signing key (set it as JISHI_PET_LOG_KEY, keep it secret) and its public verifier key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="", help="the log's name, e.g. example.com/pet-records")

    def handle(self, *args: Any, **options: Any) -> None:
        key = Signer.generate(options["name"] or default_origin())
        self.stdout.write(f"JISHI_PET_LOG_KEY={key}")
        self.stdout.write(f"verifier key (publish it): {key.verifier}")
