from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consular.accounts.models import User
from consular.accounts.services import token_create


class Command(BaseCommand):
    help = "Issue an API token for a user and print it (it is shown only once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label for the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        _, token = token_create(actor=None, user=user, name=options["name"])
        self.stdout.write(token)
