"""EmailChannel against a real SMTP server (aiosmtpd): delivered, refused (5xx), deferred (4xx), server down."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from consular.notify.channels import Message, Status, get_channel
from consular.notify.channels.mail import EmailChannel, message_id
from tests.smtp import Inbox, free_port, smtp_server, use_smtp

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@dataclass
class PickyInbox(Inbox):
    """Refuses `refused@…` for good (550), `busy@…` for now (451); rejects the body of `spam@…` (554)."""

    sessions: set[Any] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.sessions.add(session.peer)
        if address.startswith("refused@"):
            return "550 5.1.1 No such user"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if any(address.startswith("spam@") for address in envelope.rcpt_tos):
            return "554 5.7.1 Message rejected"
        return await super().handle_DATA(server, session, envelope)


def picky_smtp() -> Any:
    return smtp_server(PickyInbox())


def message(to: str, key: str = "d-1", **extra: Any) -> Message:
    return Message(channel="email", to=to, subject="安全提醒 Safety alert", text="请注意安全。Stay safe.",
                   idempotency_key=key, url="https://consular.example.org/c/tok-" + key, **extra)


def channel(port: int) -> EmailChannel:
    return EmailChannel(backend=SMTP_BACKEND, host="127.0.0.1", port=port, from_email="alerts@consular.example.org")


def test_batch_over_one_connection_with_per_message_outcomes() -> None:
    with picky_smtp() as (inbox, port):
        outcomes = channel(port).send_many([
            message("a@example.org", "d-1", html="<p>请注意安全</p>"),
            message("refused@example.org", "d-2"),
            message("busy@example.org", "d-3"),
            message("spam@example.org", "d-4"),
            message("b@example.org", "d-5"),
        ])
    assert [o.status for o in outcomes] == [
        Status.DELIVERED, Status.PERMANENT_FAILURE, Status.TEMPORARY_FAILURE, Status.PERMANENT_FAILURE,
        Status.DELIVERED,
    ]
    assert "550" in outcomes[1].reason and "451" in outcomes[2].reason and "554" in outcomes[3].reason
    assert len(inbox.sessions) == 1  # one SMTP connection for the whole batch, refusals included
    assert inbox.recipients == [["a@example.org"], ["b@example.org"]]
    first = inbox.messages[0]
    assert first["Message-ID"] == "<d-1.alert@consular.example.org>" == outcomes[0].provider_id
    assert first["Content-Language"] == "zh-hans"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first.is_multipart()
    parts = [part for part in first.walk() if not part.is_multipart()]
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    plain = parts[0].get_payload(decode=True)
    assert isinstance(plain, bytes) and "https://consular.example.org/c/tok-d-1" in plain.decode()


def test_the_message_id_is_the_same_on_every_attempt() -> None:
    with picky_smtp() as (inbox, port):
        channel(port).send(message("a@example.org", "7f0c-uuid"))
        channel(port).send(message("a@example.org", "7f0c-uuid"))
    assert [m["Message-ID"] for m in inbox.messages] == ["<7f0c-uuid.alert@consular.example.org>"] * 2
    assert message_id("a<b>\r\nc", "x.org") == "<abc.alert@x.org>"


def test_server_down_is_a_temporary_failure_for_the_whole_batch() -> None:
    port = free_port()  # nothing listens there
    outcomes = channel(port).send_many([message("a@example.org", "d-1"), message("b@example.org", "d-2")])
    assert [o.status for o in outcomes] == [Status.TEMPORARY_FAILURE] * 2
    assert "connection" in outcomes[0].reason


def test_bad_addresses_fail_permanently_without_a_connection() -> None:
    port = free_port()
    outcomes = channel(port).send_many([message("not-an-address"), message("a@example.org\r\nBcc: x@y.z")])
    assert [o.status for o in outcomes] == [Status.PERMANENT_FAILURE] * 2


def test_channel_from_settings(settings: Any) -> None:
    with picky_smtp() as (inbox, port):
        use_smtp(settings, port)
        outcome = get_channel("email").send(message("a@example.org"))
    assert outcome.status is Status.DELIVERED and not outcome.awaiting_receipt
    assert len(inbox.messages) == 1
