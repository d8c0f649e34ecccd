"""Per-channel token buckets shared by every worker process through the Django cache.

Each channel has a bucket of `rate` tokens per second (CONSULAR_CHANNEL_RATE_<CHANNEL>; 0: unlimited) holding
at most one second's worth (at least one token). `acquire(channel, n)` takes up to `n` tokens and returns how
many it got: the caller sends that many messages now and asks again for the rest.

The bucket is one cache entry (tokens, last refill time), updated under a short lock taken with `cache.add`
(atomic on Redis, the database cache and the local-memory cache), so concurrent workers never over-spend.
A caller that cannot get the lock within a few milliseconds gets 0 and comes back later, like an empty bucket.
Wall-clock time is used (workers on several hosts share it); a clock that goes backwards refills nothing.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import ImproperlyConfigured

KEY_PREFIX = "notify:bucket"
LOCK_SECONDS = 5
LOCK_ATTEMPTS = 20
LOCK_PAUSE = 0.002


def parse_rate(channel: str, value: object) -> float:
    try:
        rate = float(str(value).strip() or "0")
    except ValueError as error:
        raise ImproperlyConfigured(
            f"CONSULAR_CHANNEL_RATE_{channel.upper()} must be a number of messages per second, not {value!r}"
        ) from error
    if rate < 0 or not math.isfinite(rate):
        raise ImproperlyConfigured(f"CONSULAR_CHANNEL_RATE_{channel.upper()} must be 0 (unlimited) or positive")
    return rate


class RateLimiter:
    def __init__(
        self,
        *,
        rates: Mapping[str, object] | None = None,
        cache: BaseCache | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        source = settings.CHANNEL_RATES if rates is None else rates
        self.rates = {channel: parse_rate(channel, value) for channel, value in source.items()}
        self.cache = caches["default"] if cache is None else cache
        self.clock = clock
        self.sleep = sleep

    def capacity(self, channel: str) -> float:
        return max(1.0, self.rates.get(channel, 0.0))

    def acquire(self, channel: str, n: int = 1) -> int:
        """Take up to `n` tokens from the channel's bucket; return how many were granted (0..n)."""
        if n <= 0:
            return 0
        rate = self.rates.get(channel, 0.0)
        if rate <= 0:
            return n
        key = f"{KEY_PREFIX}:{channel}"
        lock = f"{key}:lock"
        owner = uuid.uuid4().hex
        for attempt in range(LOCK_ATTEMPTS):
            if self.cache.add(lock, owner, timeout=LOCK_SECONDS):
                break
            if attempt < LOCK_ATTEMPTS - 1:
                self.sleep(LOCK_PAUSE)
        else:
            return 0
        try:
            capacity = self.capacity(channel)
            now = self.clock()
            state = self.cache.get(key)
            if state is None:
                tokens, updated = capacity, now
            else:
                tokens, updated = float(state[0]), float(state[1])
                tokens = min(capacity, tokens + max(0.0, now - updated) * rate)
                updated = max(updated, now)
            granted = min(n, int(tokens + 1e-6))  # wall-clock floats near 1.8e9 s carry ~1e-7 s of error
            tokens -= granted
            self.cache.set(key, (tokens, updated), timeout=math.ceil(capacity / rate) + 60)
            return granted
        finally:
            if self.cache.get(lock) == owner:
                self.cache.delete(lock)


def acquire(channel: str, n: int = 1) -> int:
    """Take up to `n` send permits for `channel` now (see the module docstring)."""
    return RateLimiter().acquire(channel, n)
