"""Delivery rows: the set-based fan-out of a published edition, the claim of due rows by channel workers, the
record of each attempt's outcome, the per-channel report, and the personal check-in token.

Fan-out. Two INSERT … SELECT statements (registrants, then subscribers), never a Python loop: the database
crosses the audience with the channel codes, keeps the channels each person asked for (their `channels` JSON
list), and inserts one row per person and channel. A channel asked for without the contact it needs (no email
address, no phone, no push subscription, no messaging id for the ministry channels; a subscriber's SMS needs the
account's phone, push and webhook are not offered to subscribers) is inserted `suppressed` with
`last_error = "no_contact"`, so the report shows it; a channel not asked for gets no row (opted out).
`ON CONFLICT DO NOTHING` over the unique (edition, person, channel) indexes makes a re-publish or a retried
fan-out insert nothing twice.

Claim. `deliveries_claim` marks a batch of due rows `sending` with a lease in one UPDATE … WHERE id IN (SELECT …
LIMIT n FOR UPDATE SKIP LOCKED) RETURNING id on PostgreSQL (workers never wait on each other's rows); on SQLite the
same single statement runs under the database's write lock. A worker killed mid-batch leaves its rows `sending`:
once the lease has passed they are due again, and are claimed again (at-least-once; the delivery id is the
idempotency key the channel adapters give their providers, e.g. the email Message-ID).

Token. The personal link's token is `<id>.<HMAC(SECRET_KEY, id)>`, computed by the worker at send time
(`delivery_token`); the row keeps only `token_hash`, a keyed hash of the token (written when the row is first
claimed), which is how a check-in finds its delivery (`delivery_for_token`).

Reply codes. An SMS delivery also gets, at its first claim, the keyed hash of its number and a reply code never
used for that number before (`reply_codes_assign`): the SMS ends with it, and `sms_replies` matches a reply
"1 4821" from that number to it."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from consular.accounts.models import User
from consular.alerts import targeting
from consular.alerts.codes import (
    FINAL_DELIVERY_STATUSES,
    REPORTED_DELIVERY_STATUSES,
    DeliveryChannel,
    DeliveryStatus,
    Outcome,
)
from consular.alerts.models import Alert, AlertEdition, Delivery
from consular.travel.models import CountrySubscription, Registration

NO_CONTACT = "no_contact"
ALERT_CANCELLED = "alert_cancelled"
ABANDONED = "lease_expired_too_often"

_COLUMNS = ("alert_id", "edition_id", "registration_id", "user_id", "channel", "language", "status", "attempts",
            "next_attempt_at", "lease_until", "last_error", "sent_at", "provider_id", "token_hash", "created_at",
            "updated_at")


def _prep(name: str, value: Any) -> Any:
    field = Delivery._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_db_prep_save(value, connection=connection)


def _no_contact_sql(conditions: dict[str, str]) -> str:
    """SQL true when the row's channel lacks its contact; `conditions` maps a channel to the missing test."""
    tests = [f"(ch.channel = '{channel}' AND {test})" for channel, test in conditions.items()]
    return " OR ".join(tests) if tests else "1 = 0"


def _insert(select_sql: str, params: tuple[Any, ...]) -> int:
    qn = connection.ops.quote_name
    statement = (f"INSERT INTO {qn(Delivery._meta.db_table)} ({', '.join(qn(c) for c in _COLUMNS)}) "
                 f"{select_sql} ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


@dataclass
class FanOut:
    registrants: int = 0
    subscribers: int = 0


def deliveries_fan_out(*, edition: AlertEdition, now: datetime.datetime | None = None) -> FanOut:
    """Create the delivery rows of a published edition (call it in the publishing transaction). Returns how
    many rows were inserted now (0 on a repeat)."""
    now = now or timezone.now()
    qn = connection.ops.quote_name
    head = (_prep("alert", edition.alert_id), _prep("edition", edition.pk))
    when = (_prep("next_attempt_at", now),)
    stamps = (_prep("created_at", now), _prep("updated_at", now))
    suppressed, pending = DeliveryStatus.SUPPRESSED.value, DeliveryStatus.PENDING.value

    missing = _no_contact_sql({"email": "r.email = ''", "sms": "r.phone = ''", "push": "r.push_subscription = ''",
                               "webhook": "r.messaging_id = ''"})
    audience, audience_params = targeting.compiled(targeting.audience_registrations(edition).values("pk"))
    registrants = (
        f"SELECT %s, %s, r.id, NULL, ch.channel, r.language, "  # noqa: S608
        f"CASE WHEN {missing} THEN '{suppressed}' ELSE '{pending}' END, 0, %s, NULL, "
        f"CASE WHEN {missing} THEN '{NO_CONTACT}' ELSE '' END, NULL, '', '', %s, %s "
        f"FROM {qn(Registration._meta.db_table)} AS r CROSS JOIN {targeting.channels_sql()} AS ch "
        f"WHERE r.id IN ({audience}) AND {targeting.channel_wanted_sql('r.channels')}"
    )
    made = FanOut(registrants=_insert(registrants, (*head, *when, *stamps, *audience_params)))

    codes = targeting.edition_country_codes(edition)
    if codes:
        missing = _no_contact_sql({"email": "u.email = ''", "sms": "u.phone = ''", "push": "1 = 1",
                                   "webhook": "1 = 1"})
        followers, follower_params = targeting.compiled(targeting.audience_subscribers(edition).values("pk"))
        placeholders = ", ".join(["%s"] * len(codes))
        wanted = (f"EXISTS (SELECT 1 FROM {qn(CountrySubscription._meta.db_table)} AS s WHERE s.user_id = u.id "  # noqa: S608
                  f"AND s.country_id IN ({placeholders}) AND {targeting.channel_wanted_sql('s.channels')})")
        subscribers = (
            f"SELECT %s, %s, NULL, u.id, ch.channel, 'zh-hans', "  # noqa: S608
            f"CASE WHEN {missing} THEN '{suppressed}' ELSE '{pending}' END, 0, %s, NULL, "
            f"CASE WHEN {missing} THEN '{NO_CONTACT}' ELSE '' END, NULL, '', '', %s, %s "
            f"FROM {qn(User._meta.db_table)} AS u CROSS JOIN {targeting.channels_sql()} AS ch "
            f"WHERE u.id IN ({followers}) AND {wanted}"
        )
        made.subscribers = _insert(subscribers, (*head, *when, *stamps, *follower_params, *codes))
    return made


def deliveries_suppress_pending(*, alert: Alert, reason: str = ALERT_CANCELLED) -> int:
    """Stop every delivery of `alert` not yet sent (a cancelled alert is not sent any more)."""
    return Delivery.objects.filter(alert=alert, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SUPPRESSED, last_error=reason, updated_at=timezone.now())


# --- Tokens -------------------------------------------------------------------------------------------------------

def _signature(delivery_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"consular.alerts.checkin:{delivery_id}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def delivery_token(delivery_id: int) -> str:
    """The personal check-in token of a delivery (for the link in its message). Never stored."""
    return f"{delivery_id}.{_signature(delivery_id)}"


def token_hash(token: str) -> str:
    return hmac.new(settings.HASH_KEY.encode(), f"alert-token:{token}".encode(), hashlib.sha256).hexdigest()


def delivery_for_token(token: str) -> Delivery | None:
    """The delivery a check-in token belongs to, or None for a malformed, guessed or altered token (and for a
    delivery never claimed, whose link was never sent)."""
    head, _, signature = (token or "").partition(".")
    if not (head.isascii() and head.isdigit()) or len(head) > 19 or not hmac.compare_digest(
            signature, _signature(int(head))):
        return None
    return (Delivery.objects.select_related("alert", "edition").filter(pk=int(head), token_hash=token_hash(token))
            .first())


# --- Claim and result ---------------------------------------------------------------------------------------------

def _due(now: datetime.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(status=DeliveryStatus.SENDING,
                                                                          lease_until__lt=now)


def deliveries_claim(*, batch_size: int, now: datetime.datetime | None = None,
                     channels: list[str] | None = None) -> list[Delivery]:
    """Claim up to `batch_size` due deliveries (of `channels`, default all) for one worker: each is marked
    `sending` with a lease of ALERTS_DELIVERY_LEASE_SECONDS and its attempt counted. Due: pending and
    `next_attempt_at` reached, or sending with the lease passed (its worker died). A row whose lease passed
    after the last attempt allowed is failed instead."""
    now = now or timezone.now()
    lease = now + datetime.timedelta(seconds=settings.ALERTS_DELIVERY_LEASE_SECONDS)
    max_attempts = settings.ALERTS_DELIVERY_MAX_ATTEMPTS
    qn = connection.ops.quote_name
    with transaction.atomic():
        Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_until__lt=now,
                                attempts__gte=max_attempts).update(
            status=DeliveryStatus.FAILED, lease_until=None, last_error=ABANDONED, updated_at=now)
        rows = Delivery.objects.filter(_due(now))
        if channels is not None:
            rows = rows.filter(channel__in=channels)
        due = rows.order_by("next_attempt_at", "id").values("id")[:batch_size]
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        sql, params = targeting.compiled(due)
        table = qn(Delivery._meta.db_table)
        statement = (f"UPDATE {table} SET status = %s, lease_until = %s, attempts = attempts + 1, "  # noqa: S608
                     f"updated_at = %s WHERE id IN ({sql}) RETURNING id")
        with connection.cursor() as cursor:
            cursor.execute(statement, (DeliveryStatus.SENDING.value, _prep("lease_until", lease),
                                       _prep("updated_at", now), *params))
            ids = sorted(row[0] for row in cursor.fetchall())
        claimed = list(Delivery.objects.filter(pk__in=ids)
                       .select_related("edition", "alert", "registration", "user").order_by("id"))
        fresh = [d for d in claimed if not d.token_hash]
        for delivery in fresh:
            delivery.token_hash = token_hash(delivery_token(delivery.pk))
        Delivery.objects.bulk_update(fresh, ["token_hash"], batch_size=500)
        reply_codes_assign([d for d in claimed if d.channel == DeliveryChannel.SMS and not d.reply_code])
    return claimed


# --- SMS reply codes ----------------------------------------------------------------------------------------------

REPLY_CODE_LENGTHS = (4, 5, 6)


def _reply_code(used: set[str]) -> str:
    """A random code not in `used`: 4 digits (no leading zero) while fewer than half of those are taken, then 5,
    then 6."""
    for length in REPLY_CODE_LENGTHS:
        low, high = 10 ** (length - 1), 10**length
        if sum(len(code) == length for code in used) * 2 < high - low:
            while True:
                code = str(low + secrets.randbelow(high - low))
                if code not in used:
                    return code
    raise RuntimeError("no reply code left for this number")  # pragma: no cover - a million messages to one phone


def reply_codes_assign(deliveries: list[Delivery]) -> None:
    """Give each SMS delivery (registrant and person loaded) the keyed hash of its number and a reply code that
    no other message to that number ever had (the `delivery_reply_code_once_per_phone` constraint): a reply
    "1 4821" names one message of its sender for good. Two workers drawing the same code for one number at the
    same moment: the second finds it taken (the constraint, in a savepoint) and draws again."""
    for delivery in deliveries:
        person = delivery.registration if delivery.registration_id is not None else delivery.user
        delivery.phone_hash = getattr(person, "phone_hash", "") or ""
    numbered = [d for d in deliveries if d.phone_hash]
    for attempt in range(3):
        if not numbered:
            return
        used: dict[str, set[str]] = {}
        for phone, code in (Delivery.objects.filter(phone_hash__in={d.phone_hash for d in numbered})
                            .exclude(reply_code="").exclude(pk__in=[d.pk for d in numbered])
                            .values_list("phone_hash", "reply_code")):
            used.setdefault(phone, set()).add(code)
        for delivery in numbered:
            codes = used.setdefault(delivery.phone_hash, set())
            delivery.reply_code = _reply_code(codes)
            codes.add(delivery.reply_code)
        try:
            with transaction.atomic():
                Delivery.objects.bulk_update(numbered, ["phone_hash", "reply_code"], batch_size=500)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th attempt failed for a while: BACKOFF × 2^(attempts-1), capped."""
    seconds = settings.ALERTS_DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.ALERTS_DELIVERY_BACKOFF_MAX_SECONDS))


def delivery_result(*, delivery: Delivery | int, outcome: str, error: str = "", provider_id: str = "",
                    now: datetime.datetime | None = None) -> Delivery:
    """Record what happened to one attempt: delivered; a temporary failure (pending again after a backoff, or
    failed after ALERTS_DELIVERY_MAX_ATTEMPTS attempts); a permanent failure; suppressed (the provider or the
    person refused it). A result for a delivery already final changes nothing (a late or repeated report)."""
    if outcome not in Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    now = now or timezone.now()
    pk = delivery if isinstance(delivery, int) else delivery.pk
    with transaction.atomic():
        row = Delivery.objects.select_for_update().get(pk=pk)
        if row.status in FINAL_DELIVERY_STATUSES:
            return row
        row.lease_until = None
        row.last_error = error[:500]
        if provider_id:
            row.provider_id = provider_id[:200]
        if outcome == Outcome.DELIVERED:
            row.status, row.sent_at, row.last_error = DeliveryStatus.DELIVERED, now, ""
        elif outcome == Outcome.TEMPORARY and row.attempts < settings.ALERTS_DELIVERY_MAX_ATTEMPTS:
            row.status, row.next_attempt_at = DeliveryStatus.PENDING, now + backoff(row.attempts)
        elif outcome == Outcome.SUPPRESSED:
            row.status = DeliveryStatus.SUPPRESSED
        else:
            row.status = DeliveryStatus.FAILED
        row.updated_at = now
        row.save(update_fields=["status", "lease_until", "last_error", "provider_id", "sent_at", "next_attempt_at",
                                "updated_at"])
    return row


# --- Report -------------------------------------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    total: int
    by_channel: dict[str, dict[str, int]]


def deliveries_report(*, alert: Alert, edition: AlertEdition | None = None) -> DeliveryReport:
    """Rows per channel and status, of every edition of `alert` (or of one). `sending` counts as pending."""
    rows = Delivery.objects.filter(alert=alert)
    if edition is not None:
        rows = rows.filter(edition=edition)
    by_channel = {channel: dict.fromkeys(REPORTED_DELIVERY_STATUSES, 0) for channel in DeliveryChannel.values}
    total = 0
    for channel, status, count in rows.order_by().values_list("channel", "status").annotate(n=Count("id")):
        reported = DeliveryStatus.PENDING if status == DeliveryStatus.SENDING else status
        by_channel[channel][reported] += count
        total += count
    return DeliveryReport(total=total, by_channel=by_channel)
