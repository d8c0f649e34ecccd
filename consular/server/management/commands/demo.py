from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from consular.server.demo import DEMO_PASSWORD, demo_load
from consular.server.demo_cases import demo_cases_load
from consular.server.demo_incident import DEMO_TITLE, demo_incident_load
from consular.server.web import serve


class Command(BaseCommand):
    help = "Migrate, load reference and demo data, then serve the site with a task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("loadreference", verbosity=0, stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        users = demo_load()
        made_cases, made_calls = demo_cases_load()
        if made_cases:
            self.stdout.write(f"Loaded a demo year: {made_cases} cases, {made_calls} calls (all fictitious).")
        if made_persons := demo_incident_load():
            self.stdout.write(f"Opened a demo major incident ({DEMO_TITLE}) with {made_persons} persons.")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"Consular is running at {url}  (officer console: {url}console/, API: {url}api/docs/)")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for demo in users:
            self.stdout.write(f"  {demo.username:<10} {demo.role:<17} {demo.mission or ''}")
        self.stdout.write("Press Ctrl+C to stop.")
        if options["no_serve"]:
            return
        worker = subprocess.Popen([sys.executable, "-m", "consular.cli", "worker"])
        try:
            serve(host=options["host"], port=options["port"], workers=options["workers"], threads=4)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
