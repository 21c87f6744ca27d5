"""``manage.py pet_log_audit``: prove the pet-record log is whole; exits 1 and lists the problems if it is not."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.pets.selectors import exported_checkpoints, log_audit, log_size


class Command(BaseCommand):
    help = "Recompute every leaf, record commitment and stored hash, and check the exported checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--export", type=Path, help="a mirrored copy of the checkpoint export to check against")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = log_audit(options["export"])
        for problem in problems:
            self.stderr.write(problem)
        summary = f"{log_size()} records, {len(exported_checkpoints(options['export']))} exported checkpoints"
        if problems:
            raise CommandError(f"the pet-record log is not whole ({len(problems)} problems): {summary}")
        self.stdout.write(f"the pet-record log is whole: {summary}")
