"""The worker's periodic jobs: the housekeeping each part of the system relies on is scheduled, each runs when
due and then waits its interval, and one failing job does not stop the others."""

from __future__ import annotations

import pytest

from consular.server import periodic


def test_every_housekeeping_job_is_scheduled():
    schedule = {job.name: job.every for job in periodic.jobs()}
    assert set(schedule) == {"audit_seal", "cases_escalate_overdue", "idempotency_prune", "travel_purge",
                             "alerts_expire"}
    assert schedule["travel_purge"] == 86400.0 and schedule["alerts_expire"] == 60.0


@pytest.mark.django_db
def test_due_jobs_run_once_per_interval_and_a_failure_does_not_stop_the_rest():
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("boom")

    schedule = [periodic.Job("broken", 10.0, broken), periodic.Job("fine", 5.0, lambda: ran.append("fine"))]
    periodic.run_due(schedule, now=100.0)
    periodic.run_due(schedule, now=104.0)  # neither is due again yet
    periodic.run_due(schedule, now=105.0)  # "fine" is
    assert ran == ["broken", "fine", "fine"]
    assert [job.next_at for job in schedule] == [110.0, 110.0]
