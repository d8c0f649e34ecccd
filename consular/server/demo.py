"""Demo data: one account per role, with a known password, so a new reader can try every screen."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from consular.accounts.models import User
from consular.accounts.services import user_create

DEMO_PASSWORD = "consular-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    mission: str | None
    name: str


DEMO_USERS = [
    DemoUser("operator", "hotline_operator", "HQ", "Li Na"),
    DemoUser("hq", "hq_officer", "HQ", "Zhang Wei"),
    DemoUser("bangkok", "mission_officer", "TH-BKK", "Chen Jing"),
    DemoUser("chiangmai", "mission_officer", "TH-CNX", "Wang Fang"),
    DemoUser("volunteer", "volunteer", "TH-BKK", "Liu Yang"),
    DemoUser("auditor", "auditor", None, "Zhao Min"),
    DemoUser("citizen", "citizen", None, "Wang Jianguo"),
]


def demo_load() -> list[DemoUser]:
    """Create the demo accounts that are missing; reset the password of those that exist. Idempotent."""
    with transaction.atomic():
        for demo in DEMO_USERS:
            existing = User.objects.filter(username=demo.username).first()
            if existing is None:
                user_create(
                    actor=None,
                    username=demo.username,
                    role=demo.role,
                    mission_code=demo.mission,
                    password=DEMO_PASSWORD,
                    email=f"{demo.username}@demo.consular.invalid",
                    full_name=demo.name,
                )
            else:
                existing.set_password(DEMO_PASSWORD)
                existing.save(update_fields=["password"])
    return DEMO_USERS
