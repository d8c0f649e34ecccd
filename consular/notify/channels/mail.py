"""Email through Django's email backend (CONSULAR_EMAIL_URL): one SMTP connection per batch."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from consular.notify.channels.base import Channel, Message, Outcome, text_with_link

_KEY_SAFE = re.compile(r"[^A-Za-z0-9.\-_]")


def message_id(idempotency_key: str, domain: str) -> str:
    """The same Message-ID for every attempt of one delivery, so a duplicate send is recognisable."""
    return f"<{_KEY_SAFE.sub('', idempotency_key)}.alert@{domain}>"


def _code_outcome(code: int, text: str, *, what: str) -> Outcome:
    reason = f"smtp {code} {what}: {text}".strip()
    if 400 <= code < 500:
        return Outcome.temporary(reason)
    if code >= 500:
        return Outcome.permanent(reason)
    return Outcome.temporary(reason)


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def smtp_outcome(error: Exception) -> Outcome:
    """Map an SMTP exception to an Outcome: 4xx and connection trouble are temporary, a 5xx about the
    recipient or the message is permanent. A refused *sender* or failed authentication is our configuration,
    not the recipient's fault: temporary, so the deliveries survive until it is fixed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [(code, _decode(text)) for code, text in error.recipients.values()]
        if codes and all(code >= 500 for code, _ in codes):
            code, text = codes[0]
            return Outcome.permanent(f"smtp {code} recipient refused: {text}")
        code, text = next(((c, t) for c, t in codes if c < 500), codes[0] if codes else (0, "refused"))
        return Outcome.temporary(f"smtp {code} recipient refused: {text}")
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return Outcome.temporary(f"smtp {error.smtp_code} sender refused: {_decode(error.smtp_error)}")
    if isinstance(error, smtplib.SMTPResponseException):
        return _code_outcome(error.smtp_code, _decode(error.smtp_error), what="rejected")
    return Outcome.temporary(f"smtp connection: {type(error).__name__}: {error}")


class EmailChannel(Channel):
    name = "email"

    def __init__(self, *, from_email: str | None = None, **backend_options: Any) -> None:
        """`backend_options` go to `django.core.mail.get_connection` (tests pass `backend`, `host`, `port`)."""
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.domain = self.from_email.rpartition("@")[2].strip(" >") or "localhost"
        self.backend_options = backend_options

    def build(self, message: Message) -> EmailMultiAlternatives:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=text_with_link(message.text, message.url),
            from_email=self.from_email,
            to=[message.to],
            headers={
                "Message-ID": message_id(message.idempotency_key, self.domain),
                "Content-Language": message.language,
                "Auto-Submitted": "auto-generated",
            },
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email

    def send(self, message: Message) -> Outcome:
        return self.send_many([message])[0]

    def send_many(self, messages: Sequence[Message]) -> list[Outcome]:
        return list(self.iter_send(messages))

    def iter_send(self, messages: Iterable[Message]) -> Iterator[Outcome]:
        """One outcome per message, in order, each yielded as soon as its message is sent, over one SMTP
        session (reconnected after an error that may have broken it)."""
        connection: BaseEmailBackend | None = None
        unreachable: Outcome | None = None
        try:
            for message in messages:
                if unreachable is not None:  # the server cannot be reached: the rest get the same answer
                    yield unreachable
                    continue
                if "@" not in message.to:
                    yield Outcome.permanent("invalid email address")
                    continue
                try:
                    email = self.build(message)
                    email.message()  # header injection and encoding problems surface here, per message
                except ValueError as error:  # BadHeaderError is a ValueError
                    yield Outcome.permanent(f"invalid message: {error}")
                    continue
                if connection is None:
                    connection = get_connection(fail_silently=False, **self.backend_options)
                    try:
                        connection.open()
                    except (smtplib.SMTPException, OSError) as error:
                        connection, unreachable = None, smtp_outcome(error)
                        yield unreachable
                        continue
                try:
                    connection.send_messages([email])
                except (smtplib.SMTPException, OSError) as error:
                    outcome = smtp_outcome(error)
                    if not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                        # The session may be broken: reconnect for the next message.
                        _close(connection)
                        connection = None
                    yield outcome
                    continue
                yield Outcome.delivered(email.extra_headers["Message-ID"])
        finally:
            if connection is not None:
                _close(connection)


def _close(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        pass
