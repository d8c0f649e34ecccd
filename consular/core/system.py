"""The system as an actor: what services are given as `actor=` when no person acts, but the system does on
someone's behalf (a citizen's answer to an alert writing to an incident's registry, say).

A `SystemActor` has a name and the role whose rights it borrows in the services' role checks (`actor.role`,
`actor.mission_id`). It is no user: `is_authenticated` is false and `pk` is None, so the rows a service writes
name no user (`created_by`, `actor` of an event, …), while the audit log records it by name: `actor_id` empty,
`actor_username` `system:<name>` (see `consular.core.audit`). Define one per purpose, at module level, so that
the audit log tells the purposes apart:

    CHECKIN_ACTOR = SystemActor("checkin", role=Role.HOTLINE_OPERATOR)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREFIX = "system:"


@dataclass(frozen=True, slots=True)
class SystemActor:
    name: str
    role: str = ""
    mission_id: None = None
    pk: None = None
    is_authenticated: bool = False  # no user: nothing is written in its name as a user
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"a system actor's name is letters, digits, '-' and '_', not {self.name!r}")

    @property
    def username(self) -> str:
        """What the audit log records as the actor: `system:<name>`."""
        return f"{PREFIX}{self.name}"

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.username


def is_system(actor: Any) -> bool:
    return isinstance(actor, SystemActor)
