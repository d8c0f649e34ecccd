"""The per-channel token bucket, counted with an injected clock (no sleeping, no timing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from consular.notify.channels import ratelimit
from consular.notify.channels.ratelimit import KEY_PREFIX, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **rates: object) -> RateLimiter:
    return RateLimiter(rates=rates, clock=clock, sleep=lambda _: None)


def test_bucket_refills_at_the_rate_and_holds_one_second() -> None:
    clock = Clock()
    bucket = limiter(clock, sms=10)
    assert bucket.acquire("sms", 15) == 10  # a full bucket: one second's worth
    assert bucket.acquire("sms", 1) == 0
    clock.now += 0.25
    assert bucket.acquire("sms", 10) == 2  # 2.5 tokens: whole ones only, the half stays
    clock.now += 0.05
    assert bucket.acquire("sms", 10) == 1
    clock.now += 3600
    assert bucket.acquire("sms", 100) == 10  # never more than the capacity, however long idle
    assert bucket.acquire("sms", 0) == 0


def test_workers_share_one_bucket_through_the_cache() -> None:
    clock = Clock()
    worker_a, worker_b = limiter(clock, email=5), limiter(clock, email=5)
    granted = [worker_a.acquire("email", 2), worker_b.acquire("email", 2), worker_a.acquire("email", 2),
               worker_b.acquire("email", 2)]
    assert granted == [2, 2, 1, 0]
    clock.now += 1
    assert worker_b.acquire("email", 10) == 5


def test_channels_are_independent_and_zero_is_unlimited() -> None:
    clock = Clock()
    bucket = limiter(clock, sms=2, push=3, email=0)
    assert bucket.acquire("sms", 5) == 2
    assert bucket.acquire("push", 5) == 3
    assert bucket.acquire("email", 10_000) == 10_000
    assert bucket.acquire("webhook", 7) == 7  # not configured: unlimited


def test_fractional_rate() -> None:
    clock = Clock()
    bucket = limiter(clock, webhook=0.5)
    assert bucket.acquire("webhook", 3) == 1
    clock.now += 1
    assert bucket.acquire("webhook", 3) == 0
    clock.now += 1
    assert bucket.acquire("webhook", 3) == 1


def test_a_clock_going_backwards_refills_nothing() -> None:
    clock = Clock()
    bucket = limiter(clock, sms=4)
    assert bucket.acquire("sms", 4) == 4
    clock.now -= 30
    assert bucket.acquire("sms", 4) == 0
    clock.now += 30.5  # half a second after the last refill, not after the backwards reading
    assert bucket.acquire("sms", 4) == 2


def test_a_held_lock_means_no_permits_now() -> None:
    clock = Clock()
    bucket = limiter(clock, sms=10)
    caches["default"].add(f"{KEY_PREFIX}:sms:lock", "another-worker", timeout=5)
    assert bucket.acquire("sms", 3) == 0
    caches["default"].delete(f"{KEY_PREFIX}:sms:lock")
    assert bucket.acquire("sms", 3) == 3


def test_rates_from_settings(settings: Any) -> None:
    settings.CHANNEL_RATES = {"sms": "3", "email": "0"}
    assert ratelimit.acquire("sms", 5) == 3
    assert ratelimit.acquire("email", 50) == 50
    for bad in ("fast", "-1", "inf"):
        settings.CHANNEL_RATES = {"sms": bad}
        with pytest.raises(ImproperlyConfigured, match="CONSULAR_CHANNEL_RATE_SMS"):
            ratelimit.acquire("sms")
