"""Channel adapters: email (SMTP), SMS (HTTP gateway), Web Push (VAPID) and outbound webhooks.

A plain interface, independent of any model: build a `Message`, call `channel.send(message)` or
`channel.send_many(messages)`, store the `Outcome`. Take permits first with `ratelimit.acquire(channel, n)`.
"""

from __future__ import annotations

from consular.notify.channels.base import Channel, ChannelNotConfigured, Message, Outcome, Status

CHANNELS = ("email", "sms", "push", "webhook")


def get_channel(name: str) -> Channel:
    """The channel adapter for `name`, built from the settings; ChannelNotConfigured if it cannot be."""
    if name == "email":
        from consular.notify.channels.mail import EmailChannel

        return EmailChannel()
    if name == "sms":
        from consular.notify.channels.sms import SmsGatewayChannel

        return SmsGatewayChannel()
    if name == "push":
        from consular.notify.channels.webpush import WebPushChannel

        return WebPushChannel()
    if name == "webhook":
        from consular.notify.channels.webhook import WebhookChannel

        return WebhookChannel()
    raise ChannelNotConfigured(f"unknown channel {name!r}")


__all__ = ["CHANNELS", "Channel", "ChannelNotConfigured", "Message", "Outcome", "Status", "get_channel"]
