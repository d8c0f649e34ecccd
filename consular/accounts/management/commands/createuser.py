from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from consular.accounts.models import Role
from consular.accounts.services import user_create
from consular.core.errors import ApplicationError


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = (
        "Create a user with a role. The password is read from standard input when it is not a terminal "
        "(echo PASS | consular createuser ...), otherwise generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--mission", help="Mission code (required for mission officers and volunteers).")
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="Full name.")

    @no_translations  # an operator's tool: its output, refusals included, is in English
    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        stdin = options.get("stdin") or sys.stdin
        if stdin is not None and not stdin.isatty():
            password = stdin.readline().rstrip("\r\n") or None
        try:
            user, used = user_create(
                actor=None,
                username=options["username"],
                role=options["role"],
                mission_code=options["mission"],
                email=options["email"],
                password=password,
                full_name=options["name"],
            )
        except ApplicationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_texts().items())
            raise CommandError(f"{exc.text()} {details}") from exc
        self.stdout.write(f"created {user.username} ({user.role}{', ' + user.mission.code if user.mission else ''})")
        if password is None:
            self.stdout.write(f"password: {used}")
