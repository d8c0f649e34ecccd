"""Housekeeping that `consular worker` runs on a timer beside the task queue: sealing the audit chain,
pruning expired idempotency records. Every job is safe to run from many workers at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections

from consular.alerts.services import alerts_expire
from consular.api.idempotency import idempotency_prune
from consular.cases.services import cases_escalate_overdue
from consular.core.audit import audit_seal
from consular.travel.retention import registrations_purge

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    next_at: float = 0.0


def jobs() -> list[Job]:
    return [
        Job("audit_seal", float(settings.AUDIT_SEAL_INTERVAL), audit_seal),
        Job("cases_escalate_overdue", 30.0, cases_escalate_overdue),
        Job("idempotency_prune", 3600.0, idempotency_prune),
        Job("travel_purge", 86400.0, registrations_purge),
        Job("alerts_expire", 60.0, alerts_expire),
    ]


def run_due(schedule: list[Job], now: float) -> None:
    for job in schedule:
        if now < job.next_at:
            continue
        job.next_at = now + job.every
        try:
            close_old_connections()
            job.run()
        except Exception:
            logger.exception("periodic job %s failed", job.name)
        finally:
            close_old_connections()


def start(stop: threading.Event) -> threading.Thread:
    schedule = jobs()

    def loop() -> None:
        while not stop.is_set():
            run_due(schedule, time.monotonic())
            stop.wait(1.0)

    thread = threading.Thread(target=loop, name="consular-periodic", daemon=True)
    thread.start()
    return thread
