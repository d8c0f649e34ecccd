from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consular.core.keys import keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data under the first key of CONSULAR_DATA_KEYS. With --rehash, also "
        "recompute every keyed hash under the current CONSULAR_HASH_KEY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rehash", action="store_true")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        report = keys_rotate(rehash=options["rehash"], batch=options["batch"])
        for label, n in sorted(report.per_model.items()):
            self.stdout.write(f"{label}: {n} rows")
        self.stdout.write(f"re-encrypted {report.values} values, recomputed {report.hashes} hashes")
