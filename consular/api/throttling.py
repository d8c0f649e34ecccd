"""Rate limits for anonymous callers: a burst limit and a sustained limit per client address.

Rates are read from settings.RATE_LIMITS on every request (not frozen at import) so a deployment and the
tests can change them; the cache (Redis or the database in production) holds the counters."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonBurstThrottle(AnonRateThrottle):
    scope = "anon_burst"

    def get_rate(self) -> str | None:
        return settings.RATE_LIMITS.get(self.scope)


class AnonSustainedThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self) -> str | None:
        return settings.RATE_LIMITS.get(self.scope)
