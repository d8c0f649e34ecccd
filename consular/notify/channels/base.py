"""The channel interface: a plain `Message` in, an `Outcome` out. No model, no database: the sending loop
(consular.alerts) maps its delivery rows to messages and the outcomes back to row states."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from time import time

from django.core.exceptions import ImproperlyConfigured


class Status(StrEnum):
    # Handed over to the next hop that takes responsibility (the SMTP relay, the SMS gateway, the push
    # service, the webhook receiver). For SMS the gateway later reports the handset result by receipt.
    DELIVERED = "delivered"
    # Worth trying again later (after `retry_after` seconds when the peer said so).
    TEMPORARY_FAILURE = "temporary_failure"
    # Will never succeed for this recipient: do not retry.
    PERMANENT_FAILURE = "permanent_failure"
    # Not sent on purpose (opted out, no address for this channel).
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Message:
    channel: str
    # email: an address; sms: an E.164 phone number; push: the subscription JSON from the browser
    # ({"endpoint", "keys": {"p256dh", "auth"}}); webhook: a target name from CONSULAR_WEBHOOK_TARGETS, or
    # "name:recipient-id" (the person's id on that channel).
    to: str
    subject: str
    text: str
    idempotency_key: str  # the delivery id: the same key on every attempt of the same delivery
    html: str = ""
    url: str = ""  # the personal check-in link
    language: str = "zh-hans"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    provider_id: str = ""
    reason: str = ""
    retry_after: int | None = None  # seconds, when the peer asked for a pause
    # True when a delivery receipt will follow (SMS): `delivered` then means "accepted by the gateway".
    awaiting_receipt: bool = False

    @classmethod
    def delivered(cls, provider_id: str = "", *, awaiting_receipt: bool = False) -> Outcome:
        return cls(Status.DELIVERED, provider_id=provider_id, awaiting_receipt=awaiting_receipt)

    @classmethod
    def temporary(cls, reason: str, retry_after: int | None = None) -> Outcome:
        return cls(Status.TEMPORARY_FAILURE, reason=reason, retry_after=retry_after)

    @classmethod
    def permanent(cls, reason: str) -> Outcome:
        return cls(Status.PERMANENT_FAILURE, reason=reason)

    @classmethod
    def suppressed(cls, reason: str) -> Outcome:
        return cls(Status.SUPPRESSED, reason=reason)


class ChannelNotConfigured(ImproperlyConfigured):
    """The channel's settings are missing or invalid (raised when the channel is built, not per message)."""


class Channel(ABC):
    """One way of reaching people. Subclasses implement `send`; `send_many` may share a connection."""

    name: str = ""

    @abstractmethod
    def send(self, message: Message) -> Outcome:
        """Send one message; never raises for the message's own failure (that is the outcome)."""

    def send_many(self, messages: Sequence[Message]) -> list[Outcome]:
        """One outcome per message, in order. Never raises for a single message's failure."""
        return list(self.iter_send(messages))

    def iter_send(self, messages: Iterable[Message]) -> Iterator[Outcome]:
        """Like `send_many`, each outcome yielded as soon as its message is sent (so the caller can record it
        before the next one goes): a channel that keeps a session open across messages overrides it."""
        for message in messages:
            yield self.send(message)


MAX_RETRY_AFTER = 24 * 3600


def parse_retry_after(value: str | None, *, now: float | None = None) -> int | None:
    """`Retry-After` as seconds (RFC 9110: delay-seconds or an HTTP date), capped at one day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    seconds = math.ceil(when.timestamp() - (time() if now is None else now))
    return min(max(seconds, 0), MAX_RETRY_AFTER)


def text_with_link(text: str, url: str) -> str:
    """The text, with the personal link appended unless the text already carries it."""
    if not url or url in text:
        return text
    return f"{text.rstrip()}\n{url}" if text else url
