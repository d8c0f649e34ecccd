from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consular.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new key: a Fernet data key (default), a hash key or a secret key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", nargs="?", choices=["data", "hash", "secret"], default="data")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "data":
            self.stdout.write(generate_key())
        else:
            self.stdout.write(secrets.token_urlsafe(48))
