from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consular.core.errors import ApplicationError
from consular.core.reference import reference_load


class Command(BaseCommand):
    help = "Load countries and subdivisions (ISO 3166, CLDR names) and the missions file. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--missions", default=settings.CONSULAR_DEPLOYMENT["missions_file"],
                            help="Missions TOML file (default: CONSULAR_MISSIONS_FILE or the shipped file).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = reference_load(missions_file=Path(options["missions"]))
        except ApplicationError as exc:
            details = "\n".join(f"  {line}" for lines in exc.fields.values() for line in lines)
            raise CommandError(f"{exc.message}\n{details}".rstrip()) from exc
        if not report.changed:
            self.stdout.write("Reference data already up to date.")
            return
        for bucket in ("created", "updated", "deleted"):
            for kind, n in sorted(getattr(report, bucket).items()):
                self.stdout.write(f"{bucket} {n} {kind}")
