"""The sending loop: claim due deliveries, turn each into a channel `Message`, send it, record the outcome.

Per channel, the worker first takes send permits from the shared rate limiter (`ratelimit.acquire`), then
claims at most that many due deliveries of the channel (`deliveries_claim`: a lease, the attempt counted, the
check-in token's hash written), sends them through the channel adapter (`iter_send`: one SMTP session for the
batch) and records each outcome as soon as it is known (`delivery_result`), so a worker killed mid-batch can
have sent at most the one message whose result it had not yet written; its other claimed rows are claimed
again when their lease ends. The
delivery id is the idempotency key every adapter hands its provider (the email Message-ID, the SMS gateway's and
the webhooks' `Idempotency-Key`, the push `Topic`), so a provider that deduplicates drops even that one.

A channel whose settings are missing (`ChannelNotConfigured`) claims nothing: its deliveries stay pending, so
configuring the channel later sends them. Contacts are decrypted only here, for the message; each batch is
recorded in the audit log with the delivery ids (the system read the contacts to send them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext, override

from consular.alerts.codes import DeliveryChannel, Outcome
from consular.alerts.deliveries import deliveries_claim, delivery_result, delivery_token
from consular.alerts.models import AlertEdition, Delivery
from consular.core.audit import audit_record
from consular.notify.channels import Channel, ChannelNotConfigured, Message, Status, get_channel, ratelimit, sms
from consular.travel.codes import RegistrationState

logger = logging.getLogger(__name__)

_OUTCOMES = {
    Status.DELIVERED: Outcome.DELIVERED,
    Status.TEMPORARY_FAILURE: Outcome.TEMPORARY,
    Status.PERMANENT_FAILURE: Outcome.PERMANENT,
    Status.SUPPRESSED: Outcome.SUPPRESSED,
}
# An SMS (headline, reply code, link) takes at most this many segments: 3 × 67 characters in Chinese (UCS-2),
# 3 × 153 in GSM-7; a longer headline is shortened.
SMS_MAX_SEGMENTS = 3


@dataclass
class SendReport:
    claimed: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1


def checkin_url(delivery_id: int) -> str:
    """The personal link of a delivery (`/checkin/<token>/` on the public portal)."""
    return f"{settings.PUBLIC_URL}/checkin/{delivery_token(delivery_id)}/"


def _texts(edition: AlertEdition, language: str) -> tuple[str, str, str]:
    english = language.lower().startswith("en")
    pick = (lambda en, zh: en or zh) if english else (lambda en, zh: zh or en)
    return (pick(edition.headline_en, edition.headline_zh), pick(edition.body_en, edition.body_zh),
            pick(edition.instructions_en, edition.instructions_zh))


def _address(delivery: Delivery) -> str:
    """Where the delivery goes on its channel; empty when the contact is gone (purged, changed)."""
    channel = delivery.channel
    if delivery.registration_id is not None:
        r = delivery.registration
        assert r is not None
        contacts: dict[str, str] = {"email": r.email, "sms": r.phone, "push": r.push_subscription,
                                    "webhook": _webhook_to(r.messaging_id)}
        return contacts.get(channel, "")
    user = delivery.user
    if user is None:
        return ""
    reachable: dict[str, str] = {"email": user.email, "sms": user.phone}
    return reachable.get(channel, "")


def _webhook_to(messaging_id: str) -> str:
    """A messaging id names its channel (`wechat:o6_…`) or goes to the first configured target."""
    if not messaging_id or ":" in messaging_id:
        return messaging_id
    first = next(iter(settings.WEBHOOK_TARGETS), "")
    return f"{first}:{messaging_id}" if first else messaging_id


def message_for(delivery: Delivery) -> Message:
    """The message of one delivery, in its language, with the personal check-in link."""
    edition = delivery.edition
    language = delivery.language or "zh-hans"
    headline, body, instructions = _texts(edition, language)
    url = checkin_url(delivery.pk)
    with override("en" if language.lower().startswith("en") else "zh-hans"):
        answer = gettext("Tell us whether you are safe or need help: %(url)s") % {"url": url}
        reference = gettext("Alert %(reference)s") % {"reference": delivery.alert.reference}
    if delivery.channel == DeliveryChannel.SMS:
        if delivery.reply_code:
            with override("en" if language.lower().startswith("en") else "zh-hans"):
                # Translators: the end of an alert SMS; keep it short (every character counts in an SMS).
                answer = gettext("Reply 1 safe / 2 help (code %(code)s), or answer here: %(url)s") % {
                    "code": delivery.reply_code, "url": url}
        text = sms_text(headline, answer)
    else:
        text = "\n\n".join(part for part in (headline, body, instructions, answer, reference) if part)
    return Message(channel=delivery.channel, to=_address(delivery), subject=headline, text=text,
                   idempotency_key=str(delivery.pk), url=url, language=language)


def sms_text(headline: str, tail: str) -> str:
    """`headline tail` within SMS_MAX_SEGMENTS, the headline shortened (never the tail: the code and the link)."""
    text = f"{headline} {tail}"
    if sms.segments(text) <= SMS_MAX_SEGMENTS:
        return text
    mark = "..." if sms.is_gsm7(text) else "…"
    low, high = 0, len(headline)  # the longest cut of the headline that fits
    while low < high:
        middle = (low + high + 1) // 2
        if sms.segments(f"{headline[:middle].rstrip()}{mark} {tail}") <= SMS_MAX_SEGMENTS:
            low = middle
        else:
            high = middle - 1
    return f"{headline[:low].rstrip()}{mark} {tail}"


def _unwanted(delivery: Delivery) -> str:
    """Why a registrant's delivery must not go out any more: the registration was cancelled or purged, or the
    channel was given up since the fan-out (empty when it may go)."""
    registration = delivery.registration
    if registration is None:
        return ""
    if registration.state != RegistrationState.ACTIVE:
        return f"registration_{registration.state}"
    if delivery.channel not in (registration.channels or []):
        return "channel_given_up"
    return ""


def _send(adapter: Channel, deliveries: Iterable[Delivery], report: SendReport) -> None:
    """Send the deliveries through one adapter, recording each outcome as soon as it is known."""
    sendable: list[tuple[Delivery, Message]] = []
    for delivery in deliveries:
        message = message_for(delivery)
        unwanted = _unwanted(delivery) or ("" if message.to else "no_contact")  # changed since the fan-out
        if unwanted:
            delivery_result(delivery=delivery.pk, outcome=Outcome.SUPPRESSED, error=unwanted)
            report.add(Outcome.SUPPRESSED)
        else:
            sendable.append((delivery, message))
    outcomes = adapter.iter_send(message for _, message in sendable)
    try:
        for (delivery, _), result in zip(sendable, outcomes, strict=False):
            outcome = _OUTCOMES[result.status]
            delivery_result(delivery=delivery.pk, outcome=outcome, error=result.reason, provider_id=result.provider_id)
            report.add(outcome)
    except Exception:  # an adapter bug: the rows not recorded are claimed again when their lease ends
        logger.exception("channel %s failed in a batch", adapter.name or type(adapter).__name__)


def deliveries_send(*, batch_size: int | None = None, channels: Sequence[str] | None = None,
                    adapters: dict[str, Channel] | None = None,
                    acquire: Callable[[str, int], int] = ratelimit.acquire) -> SendReport:
    """One round: for each channel, claim as many due deliveries as its rate allows (at most `batch_size`),
    send them and record each outcome. Returns what happened. `adapters` replaces the configured channel
    adapters (tests, benchmarks)."""
    size = batch_size or settings.ALERTS_SEND_BATCH
    report = SendReport()
    for channel in channels or DeliveryChannel.values:
        try:
            adapter = (adapters or {}).get(channel) or get_channel(channel)
        except ChannelNotConfigured:
            continue  # left pending until the channel is configured
        permitted = acquire(channel, size)
        if permitted <= 0:
            continue
        claimed = deliveries_claim(batch_size=permitted, channels=[channel])
        if not claimed:
            continue
        report.claimed += len(claimed)
        audit_record(actor=None, action="alert.deliveries_send", obj=None,
                     data={"channel": channel, "deliveries": [d.pk for d in claimed]})
        _send(adapter, claimed, report)  # the claim loaded what a message needs (edition, person)
    return report


def run(stop: threading.Event, *, idle_seconds: float = 1.0) -> None:
    """The worker's sending thread: rounds back to back while there is work, a pause when there is none."""
    while not stop.is_set():
        try:
            close_old_connections()
            report = deliveries_send()
        except Exception:
            logger.exception("alert sending round failed")
            report = SendReport()
        finally:
            close_old_connections()
        if report.claimed == 0:
            stop.wait(idle_seconds)


def start(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run, args=(stop,), name="consular-alert-sender", daemon=True)
    thread.start()
    return thread
