from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from consular.alerts import sender
from consular.server import periodic
from consular.server.process import settle


class Command(BaseCommand):
    help = ("Run the task worker (django-tasks database queue), the periodic housekeeping jobs and the alert "
            "sender (deliveries to email, SMS, push and webhooks).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="Queues to process, comma-separated ('*' = all).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--no-alerts", action="store_true",
                            help="Do not send alert deliveries in this process (run a sender elsewhere).")

    def handle(self, *args: Any, **options: Any) -> None:
        settle()
        stop = threading.Event()
        if not options["batch"]:
            periodic.start(stop)
            if not options["no_alerts"]:
                sender.start(stop)
        try:
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()
