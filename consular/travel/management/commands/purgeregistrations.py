from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consular.travel.retention import registrations_purge
from consular.travel.tasks import purge_registrations


class Command(BaseCommand):
    help = ("Purge the personal data of trip registrations past their retention (TRAVEL_PURGE_AFTER_DAYS after "
            "the trip ended). Run it daily (cron or a systemd timer), or --enqueue it for the worker.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the task for `consular worker` instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = purge_registrations.enqueue()
            self.stdout.write(f"queued task {result.id}")
            return
        self.stdout.write(f"purged {registrations_purge()} registrations")
