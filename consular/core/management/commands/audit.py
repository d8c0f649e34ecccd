from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consular.core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Audit log: `seal` chains new entries; `verify` checks the chain and exits 1 if it is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            self.stdout.write(f"sealed {audit_seal()} entries")
            return
        result = audit_verify()
        for problem in result.problems:
            self.stderr.write(problem)
        summary = f"checked {result.checked} sealed entries, {result.unsealed} not yet sealed"
        if not result.ok:
            raise CommandError(f"audit chain BROKEN: {len(result.problems)} problem(s); {summary}")
        self.stdout.write(f"audit chain OK: {summary}")
