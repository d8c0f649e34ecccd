"""At the same moment: incidents opened by several officers get distinct references; status changes of one
person from several sources form one unbroken history (each change starts from the status the previous one
left), and every inquirer is owed exactly one call-back; an inquiry closed while a status changes keeps no call-back
pending."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from consular.accounts.services import user_create
from consular.core.reference import reference_load
from consular.incidents.models import CallBack, Incident, PersonStatusChange
from consular.incidents.selectors import person_history
from consular.incidents.services import inquiry_attach, inquiry_close, inquiry_submit, person_set_status
from tests.conftest import PASSWORD, SMALL_MISSIONS
from tests.incidents.incident_helpers import add_person, inquiry_in, open_incident


def _together(jobs: list[Callable[[], object]]) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            job()
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.fixture
def hq(transactional_db):
    reference_load(missions_file=SMALL_MISSIONS)
    user, _ = user_create(actor=None, username="hq-inc", role="hq_officer", mission_code="HQ", password=PASSWORD)
    return user


def test_simultaneous_incidents_get_distinct_references(hq):
    assert _together([lambda: open_incident(hq) for _ in range(4)]) == []
    references = sorted(Incident.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 4
    assert [r[-4:] for r in references] == ["0001", "0002", "0003", "0004"]


def test_simultaneous_status_changes_form_one_history(hq):
    incident = open_incident(hq)
    person = add_person(hq, incident)
    for name in ("王芳", "王强"):
        inquiry, _ = inquiry_submit(actor=hq, incident=incident, data=inquiry_in(inquirer_name=name))
        inquiry_attach(actor=hq, inquiry=inquiry, person=person)
    statuses = ["unconfirmed", "injured", "safe", "missing"]
    jobs: list[Callable[[], object]] = [
        functools.partial(person_set_status, actor=hq, person=person, status=s, source_kind="call",
                          source_ref=f"call-{s}")
        for s in statuses
    ]
    assert _together(jobs) == []
    history = list(person_history(person=person))
    assert len(history) == 5 and PersonStatusChange.objects.count() == 5
    for before, after in itertools.pairwise(history):
        assert after.from_status == before.to_status
    assert sorted(h.to_status for h in history[1:]) == sorted(statuses)
    assert CallBack.objects.filter(done_at__isnull=True).count() == 2


def test_closing_an_inquiry_while_the_status_changes_leaves_no_call_back_pending(hq):
    """Whichever commits first, a closed inquiry owes nothing: the close waits for the status change (both hold
    the person), so its call-back is closed with the rest, or the change sees the inquiry closed."""
    incident = open_incident(hq)
    person = add_person(hq, incident)
    for round_ in range(3):
        inquiry, _ = inquiry_submit(actor=hq, incident=incident, data=inquiry_in(inquirer_name=f"王{round_}"))
        inquiry_attach(actor=hq, inquiry=inquiry, person=person)
        status = ["injured", "safe", "missing"][round_]
        jobs: list[Callable[[], object]] = [
            functools.partial(inquiry_close, actor=hq, inquiry=inquiry, note="family found him"),
            functools.partial(person_set_status, actor=hq, person=person, status=status, source_kind="call",
                              source_ref=f"call-{round_}"),
        ]
        assert _together(jobs) == []
        assert not CallBack.objects.filter(inquiry=inquiry, done_at__isnull=True).exists(), round_
