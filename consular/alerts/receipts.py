"""SMS delivery receipts: the gateway reports what became of a message it accepted.

The sender records an SMS as `delivered` when the gateway accepts it (the next hop took responsibility). A
receipt that reports a final failure (undeliverable, rejected, expired) turns that delivery `failed` with the
gateway's reason, so the report per channel shows the truth; a `delivered` receipt confirms it (and settles a
row whose own result was never written, e.g. a worker killed after the gateway answered); intermediate reports
change nothing. The receipt names the delivery by `reference` (the delivery id the sender gave the gateway) and
must carry the same gateway message id the sender recorded, so a receipt cannot touch another delivery. A
repeated receipt changes nothing more.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from consular.alerts.codes import DeliveryChannel, DeliveryStatus
from consular.alerts.models import Delivery
from consular.notify.channels.sms import Receipt


def sms_receipt_apply(receipt: Receipt, *, now: datetime.datetime | None = None) -> Delivery | None:
    """Apply a verified receipt; the delivery it settled, or None when it names no SMS delivery of ours."""
    reference = receipt.reference
    if not (reference.isascii() and reference.isdigit()) or len(reference) > 19 or not receipt.provider_id:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        row = (Delivery.objects.select_for_update()
               .filter(pk=int(receipt.reference), channel=DeliveryChannel.SMS).first())
        if row is None or (row.provider_id and row.provider_id != receipt.provider_id[:200]):
            return None
        if receipt.status == "permanent_failure" and row.status != DeliveryStatus.FAILED:
            row.status, row.last_error = DeliveryStatus.FAILED, f"receipt: {receipt.reason}"[:500]
        elif receipt.status == "delivered" and row.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            row.status, row.sent_at, row.last_error = DeliveryStatus.DELIVERED, now, ""
        else:
            return row
        row.provider_id, row.lease_until, row.updated_at = receipt.provider_id[:200], None, now
        row.save(update_fields=["status", "last_error", "sent_at", "provider_id", "lease_until", "updated_at"])
    return row
