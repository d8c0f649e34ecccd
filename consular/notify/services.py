"""The notify seam: domains ask for a message to be sent; the task worker sends it after the commit."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from consular.notify.tasks import send_email


def notify_email(*, to: list[str], subject: str, body: str) -> None:
    """Queue an email, sent by the worker once the current transaction commits (never before, never if it
    rolls back)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    transaction.on_commit(partial(send_email.enqueue, recipients, subject, body))
