"""``manage.py ledger_reconcile``: prove the books balance; exits 1 and lists the problems if they do not."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jishi.ledger.reconcile import reconcile


class Command(BaseCommand):
    help = "Check every settlement and the whole ledger to the cent."

    def handle(self, *args: Any, **options: Any) -> None:
        report = reconcile()
        for problem in report.problems:
            self.stderr.write(problem)
        summary = (
            f"{report.settlements} settlements, {report.entries} entries, totals {report.totals or '{}'}; "
            f"{report.unapplied} payments to closed checkouts: received {report.unapplied_received or '{}'}, "
            f"given back {report.unapplied_returned or '{}'}; platform subsidy {report.subsidy or '{}'}"
        )
        if not report.ok:
            raise CommandError(f"ledger does not reconcile ({len(report.problems)} problems): {summary}")
        self.stdout.write(f"ledger reconciles: {summary}")
