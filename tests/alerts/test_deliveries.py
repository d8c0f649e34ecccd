"""Fan-out (set-based, counted, never duplicated), the claim with its lease, results with retry and backoff, the
per-channel report and the personal check-in token."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consular.alerts.deliveries import (
    backoff,
    deliveries_claim,
    deliveries_fan_out,
    deliveries_report,
    delivery_for_token,
    delivery_result,
    delivery_token,
    token_hash,
)
from consular.alerts.models import Delivery
from tests.alerts.alert_helpers import published, register, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(roles, make_user):
    citizen = roles["citizen"]
    people = [
        register(citizen, [{"country": "TH"}], channels=["email", "sms", "push"], push='{"endpoint": "x"}'),
        register(citizen, [{"country": "TH"}], channels=["email", "sms"], phone=""),  # no phone: sms suppressed
        register(citizen, [{"country": "TH"}, {"country": "TH", "subdivision": "TH-10"}], channels=["sms"]),
        register(citizen, [{"country": "TH"}], channels=[]),  # no channel wanted: no row
        register(citizen, [{"country": "TH"}], channels=["webhook"], messaging_id="wx-1"),
        register(citizen, [{"country": "US"}], channels=["email"]),  # elsewhere
    ]
    follower = make_user("citizen", email="f@example.org")
    subscribe(follower, "TH", ["email", "sms", "push"])  # no phone on the account: sms suppressed; push too
    return {"people": people, "follower": follower}


def test_fan_out_is_set_based_counted_and_never_duplicated(roles, make_user, world):
    approver = make_user("hq_officer")
    with CaptureQueriesContext(connection) as queries:
        result = published(roles["hq_officer"], approver)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "alerts_delivery"')]
    assert len(inserts) == 2 and all("SELECT" in sql for sql in inserts)  # registrants, subscribers
    assert (result.deliveries.registrants, result.deliveries.subscribers) == (7, 3)
    report = deliveries_report(alert=result.alert)
    assert report.total == 10
    assert report.by_channel["email"] == {"delivered": 0, "failed": 0, "pending": 3, "suppressed": 0}
    assert report.by_channel["sms"] == {"delivered": 0, "failed": 0, "pending": 2, "suppressed": 2}
    assert report.by_channel["push"] == {"delivered": 0, "failed": 0, "pending": 1, "suppressed": 1}
    assert report.by_channel["webhook"] == {"delivered": 0, "failed": 0, "pending": 1, "suppressed": 0}
    assert set(Delivery.objects.filter(status="suppressed").values_list("last_error", flat=True)) == {"no_contact"}
    # A retried fan-out (re-publish, a crash after commit and a retry) inserts nothing.
    again = deliveries_fan_out(edition=result.edition)
    assert (again.registrants, again.subscribers) == (0, 0)
    assert Delivery.objects.count() == 10
    assert not Delivery.objects.exclude(token_hash="").exists()  # the token is never stored at fan-out


def test_claim_lease_and_reclaim_after_a_killed_worker(roles, make_user, world):
    published(roles["hq_officer"], make_user("hq_officer"))
    now = timezone.now()
    first = deliveries_claim(batch_size=3, now=now)
    second = deliveries_claim(batch_size=100, now=now)
    assert len(first) == 3 and len(second) == 4
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert deliveries_claim(batch_size=100, now=now) == []
    assert all(d.status == "sending" and d.attempts == 1 and d.token_hash for d in first + second)
    # The second worker finishes; the first is killed: its batch is claimed again after the lease, not before.
    for delivery in second:
        delivery_result(delivery=delivery, outcome="delivered", provider_id="p-1", now=now)
    assert deliveries_claim(batch_size=100, now=now + datetime.timedelta(seconds=299)) == []
    again = deliveries_claim(batch_size=100, now=now + datetime.timedelta(seconds=301))
    assert sorted(d.pk for d in again) == sorted(d.pk for d in first)
    assert all(d.attempts == 2 for d in again)


def test_results_retry_with_backoff_then_fail(roles, make_user, world, settings):
    settings.ALERTS_DELIVERY_MAX_ATTEMPTS = 3
    settings.ALERTS_DELIVERY_BACKOFF_SECONDS = 10
    published(roles["hq_officer"], make_user("hq_officer"))
    now = timezone.now()
    batch = deliveries_claim(batch_size=100, now=now, channels=["email"])
    assert len(batch) == 3
    flaky, refused, gone = batch
    row = delivery_result(delivery=flaky, outcome="temporary", error="421 try later", now=now)
    assert (row.status, row.next_attempt_at, row.last_error) == ("pending", now + backoff(1), "421 try later")
    assert backoff(1) == datetime.timedelta(seconds=10) and backoff(2) == datetime.timedelta(seconds=20)
    assert deliveries_claim(batch_size=100, now=now + datetime.timedelta(seconds=9), channels=["email"]) == []
    step = now + datetime.timedelta(seconds=10)
    (row,) = deliveries_claim(batch_size=100, now=step, channels=["email"])
    assert row.attempts == 2
    row = delivery_result(delivery=row, outcome="temporary", error="421 again", now=step)
    assert row.next_attempt_at == step + datetime.timedelta(seconds=20)
    step += datetime.timedelta(seconds=20)
    (row,) = deliveries_claim(batch_size=100, now=step, channels=["email"])
    row = delivery_result(delivery=row, outcome="temporary", error="421 still", now=step)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "421 still")
    assert delivery_result(delivery=refused.pk, outcome="permanent", error="550 no such user").status == "failed"
    assert delivery_result(delivery=gone, outcome="suppressed", error="unsubscribed").status == "suppressed"
    # A late or repeated report changes nothing.
    assert delivery_result(delivery=gone, outcome="delivered").status == "suppressed"
    with pytest.raises(ValueError):
        delivery_result(delivery=gone, outcome="maybe")


def test_a_lease_lost_too_often_fails(roles, make_user, world, settings):
    settings.ALERTS_DELIVERY_MAX_ATTEMPTS = 1
    published(roles["hq_officer"], make_user("hq_officer"))
    now = timezone.now()
    claimed = deliveries_claim(batch_size=1, now=now)
    later = now + datetime.timedelta(seconds=settings.ALERTS_DELIVERY_LEASE_SECONDS + 1)
    assert claimed[0].pk not in {d.pk for d in deliveries_claim(batch_size=100, now=later)}
    row = Delivery.objects.get(pk=claimed[0].pk)
    assert (row.status, row.last_error) == ("failed", "lease_expired_too_often")


def test_tokens(roles, make_user, world):
    published(roles["hq_officer"], make_user("hq_officer"))
    (delivery,) = deliveries_claim(batch_size=1)
    token = delivery_token(delivery.pk)
    assert delivery.token_hash == token_hash(token) and token not in delivery.token_hash
    assert delivery_for_token(token) == delivery
    head, _, signature = token.partition(".")
    assert delivery_for_token(f"{int(head) + 1}.{signature}") is None  # guessed
    assert delivery_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # altered
    assert delivery_for_token("") is None and delivery_for_token("abc.def") is None
    unclaimed = Delivery.objects.exclude(pk=delivery.pk).first()
    assert unclaimed is not None and delivery_for_token(delivery_token(unclaimed.pk)) is None
