"""Two identical POSTs with one Idempotency-Key arriving at the same time create one record."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from consular.accounts.models import User
from consular.accounts.services import token_create, user_create
from consular.core.audit import audit_seal, audit_verify
from consular.core.reference import reference_load
from tests.conftest import PASSWORD, SMALL_MISSIONS

BODY = {"username": "concurrent", "role": "volunteer", "mission": "TH-BKK", "password": "volunteer-pass-123"}


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_create_one_user():
    reference_load(missions_file=SMALL_MISSIONS)
    hq, _ = user_create(actor=None, username="hq-c", role="hq_officer", mission_code="HQ", password=PASSWORD)
    _, token = token_create(actor=None, user=hq)
    barrier = threading.Barrier(4)
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            barrier.wait(timeout=10)
            response = client.post("/api/v1/users", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
            answers.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(answers) == 4
    assert {status for status, _ in answers} == {201}
    assert len({str(body) for _, body in answers}) == 1
    assert User.objects.filter(username="concurrent").count() == 1
    audit_seal()
    assert audit_verify().ok


CASE = {"category": "kidnapping", "urgency": "p1", "summary": "Two engineers taken from a work site",
        "location": {"country": "TH", "subdivision": "TH-50"},
        "persons": [{"name_zh": "赵强", "passport_number": "E99887766"}]}


@pytest.mark.django_db(transaction=True)
def test_many_threads_posting_the_same_keys_make_one_case_per_key():
    from consular.cases.models import Case

    reference_load(missions_file=SMALL_MISSIONS)
    operator, _ = user_create(actor=None, username="op-c", role="hotline_operator", mission_code="HQ",
                              password=PASSWORD)
    _, token = token_create(actor=None, user=operator)
    keys = [f"call-{i}" for i in range(4)]
    jobs = [key for key in keys for _ in range(3)]  # every key posted by three phones at once
    barrier = threading.Barrier(len(jobs))
    answers: dict[str, set[str]] = {key: set() for key in keys}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post(key: str) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            barrier.wait(timeout=10)
            response = client.post("/api/v1/cases", {**CASE, "summary": f"{CASE['summary']} ({key})"},
                                   format="json", HTTP_IDEMPOTENCY_KEY=key)
            assert response.status_code == 201, response.content
            with lock:
                answers[key].add(response.json()["reference"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(key,)) for key in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert all(len(refs) == 1 for refs in answers.values()), answers
    assert Case.objects.count() == len(keys)
