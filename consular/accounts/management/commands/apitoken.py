from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from consular.accounts.models import ApiToken, User
from consular.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print it (shown once; only its hash is stored). "
        "With --revoke, revoke the user's tokens instead (all, or the one starting with --prefix)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label for the token.")
        parser.add_argument("--expires-days", type=int, default=None, help="Expire the token after N days.")
        parser.add_argument("--revoke", action="store_true", help="Revoke tokens instead of issuing one.")
        parser.add_argument("--prefix", default="", help="With --revoke: only the token starting with this.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        if options["revoke"]:
            tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
            if options["prefix"]:
                tokens = tokens.filter(prefix__startswith=options["prefix"][:10])
            count = 0
            for record in tokens:
                token_revoke(actor=None, token=record)
                count += 1
            self.stdout.write(f"revoked {count} token(s) of {user.username}")
            return
        days = options["expires_days"]
        if days is not None and days <= 0:
            raise CommandError("--expires-days must be a positive number of days")
        expires = timezone.now() + datetime.timedelta(days=days) if days else None
        _, token = token_create(actor=None, user=user, name=options["name"], expires_at=expires)
        self.stdout.write(token)
