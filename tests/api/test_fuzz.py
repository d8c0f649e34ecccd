"""Bad input on every POST gets a 4xx with the error envelope — never a 500 — and writes nothing half-way."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_cases_api import CNX_CASE

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

FIELDS = {
    "cases": ["category", "urgency", "summary", "crime_type", "location", "persons"],
    "calls": ["direction", "caller_name", "caller_phone", "language", "topic", "summary", "started_at",
              "ended_at", "case", "open_case"],
    "help-requests": ["name", "phone", "email", "location", "category", "description"],
    "transitions": ["to", "reason"],
    "notes": ["body", "public"],
    "assign": ["officer", "note"],
    "transfer": ["mission", "reason"],
    "merge": ["into", "reason"],
    "users": ["username", "role", "mission", "email", "name", "password"],
}


def bodies(kind: str) -> st.SearchStrategy[Any]:
    keyed = st.fixed_dictionaries({}, optional={k: json_values for k in FIELDS[kind]})
    return st.one_of(keyed, json_values)


def _check(response: Any) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@pytest.mark.parametrize("kind", ["cases", "calls", "users"])
def test_top_level_posts(api, roles, kind):
    client = api(roles["hq_officer"])

    @FUZZ
    @given(body=bodies(kind))
    def run(body: Any) -> None:
        _check(client.post(f"/api/v1/{kind}", data=json.dumps(body), content_type="application/json"))

    run()


def test_help_requests(api, reference):
    client = api()

    @FUZZ
    @given(body=bodies("help-requests"))
    def run(body: Any) -> None:
        _check(client.post("/api/v1/help-requests", data=json.dumps(body), content_type="application/json",
                           REMOTE_ADDR="192.0.2.200"))

    run()


@pytest.mark.parametrize("action", ["transitions", "notes", "assign", "transfer", "merge"])
def test_case_actions(api, roles, action):
    client = api(roles["hq_officer"])
    case = client.post("/api/v1/cases", CNX_CASE, format="json").json()

    @FUZZ
    @given(body=bodies(action))
    def run(body: Any) -> None:
        _check(client.post(f"/api/v1/cases/{case['id']}/{action}", data=json.dumps(body),
                           content_type="application/json"))

    run()


@given(text=st.text(max_size=30))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_garbage_bodies_and_queries(api, roles, text):
    client = api(roles["hq_officer"])
    _check(client.post("/api/v1/cases", data=text, content_type="application/json"))
    _check(client.get("/api/v1/cases", {"q": text, "state": text}))
    _check(client.get(f"/api/v1/cases/{text or 'x'}"))
    _check(client.get("/api/v1/help-requests/" + (text.replace("/", "") or "x"), {"code": text}))


def test_a_follow_up_reference_with_a_nul_character_is_not_found(api):
    # PostgreSQL refuses NUL in a text parameter: the look-up must not reach it (a 500 before).
    response = api().get("/api/v1/help-requests/C26-\x00", {"code": "X"})
    assert response.status_code == 404
    _check(response)


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/calls", "/api/v1/help-requests", "/api/v1/names/match"])
def test_json_nested_too_deeply_is_a_400(api, roles, path):
    body = "[" * 100_000 + "]" * 100_000
    response = api(roles["hq_officer"]).post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    _check(response)
