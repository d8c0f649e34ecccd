from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from consular.server.demo import DEMO_PASSWORD, demo_load
from consular.server.demo_cases import demo_cases_load
from consular.server.demo_incident import DEMO_TITLE, demo_incident_load


class Command(BaseCommand):
    help = "Load demo data (one account per role). Run `consular loadreference` first."

    def handle(self, *args: Any, **options: Any) -> None:
        for demo in demo_load():
            self.stdout.write(f"{demo.username:<10} {demo.role:<17} {demo.mission or '-':<7} {DEMO_PASSWORD}")
        made_cases, made_calls = demo_cases_load()
        self.stdout.write(f"demo cases: {made_cases}, calls: {made_calls}")
        self.stdout.write(f"demo incident ({DEMO_TITLE}): {demo_incident_load()} persons")
