from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consular.server.web import serve


class Command(BaseCommand):
    help = "Serve the web application with gunicorn (a real WSGI server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(host=options["host"], port=options["port"], workers=options["workers"], threads=options["threads"])
