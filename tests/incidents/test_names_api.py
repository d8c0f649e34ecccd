"""`POST /api/v1/names/match`: shape, ranking, validation errors, permissions."""

from __future__ import annotations

import pytest

from consular.api.v1.names import MAX_CANDIDATES

URL = "/api/v1/names/match"

BODY = {
    "query": {"name": "王建国", "birth_date": "1961-03-02", "passport_number": "E12345678"},
    "candidates": [
        {"id": "li", "name": "LI NA"},
        {"id": "near-miss", "name": "WANG JIANHUA", "birth_date": "1961-03-02"},
        {"id": "namesake", "name": "WANG JIANGUO", "birth_date": "1975-01-01"},
        {"id": "mrz", "name": "WANG<<JIANGUO", "birth_date": "1961-03-02", "passport_number": "E 1234 5678"},
        {"id": "western", "name": "Jianguo Wang", "birth_date": None, "passport_number": ""},
    ],
}


def _post(api, user, body):
    return api(user).post(URL, body, format="json")


def test_shape_and_ranking(api, roles):
    response = _post(api, roles["hotline_operator"], BODY)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["id"] for r in results][:2] == ["mrz", "western"]
    assert {r["id"] for r in results} == {c["id"] for c in BODY["candidates"]}
    assert all(set(r) == {"id", "score", "reasons"} for r in results)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and all(0 <= x <= 1 for x in scores)
    best = results[0]
    assert best["score"] >= 0.99
    assert {"surname_match:WANG", "given_name_match:JIANGUO", "birth_date_match", "passport_match",
            "form:mrz"} <= set(best["reasons"])
    by_id = {r["id"]: r for r in results}
    assert "birth_date_mismatch" in by_id["namesake"]["reasons"] and by_id["namesake"]["score"] < 0.2
    assert by_id["li"]["score"] < 0.05


def test_cantonese_and_wade_giles_through_the_api(api, roles):
    body = {"query": {"name": "陈大文"},
            "candidates": [{"id": "hk", "name": "CHAN TAI MAN"}, {"id": "other", "name": "CHEN DAWEI"}]}
    results = _post(api, roles["officer_cnx"], body).json()["results"]
    assert [r["id"] for r in results] == ["hk", "other"]
    assert "romanisation:cantonese" in results[0]["reasons"] and results[0]["score"] >= 0.9
    body = {"query": {"name": "CHANG HUI-MEI", "birth_date": "1972"},
            "candidates": [{"id": "tw", "name": "张惠妹", "birth_date": "1972-08-09"}]}
    result = _post(api, roles["hq_officer"], body).json()["results"][0]
    assert "birth_year_match" in result["reasons"] and result["score"] >= 0.95


def test_no_candidates_is_an_empty_ranking(api, roles):
    response = _post(api, roles["hq_officer"], {"query": {"name": "王建国"}, "candidates": []})
    assert response.status_code == 200 and response.json() == {"results": []}


@pytest.mark.parametrize(("body", "fields"), [
    ({"query": {"birth_date": "1961-03-02"}, "candidates": []}, {"query.name"}),
    ({"query": {"name": "  "}, "candidates": []}, {"query.name"}),
    ({"query": {"name": "123"}, "candidates": []}, {"query.name"}),
    ({"query": {"name": "王建国", "birth_date": "1961-02-30"}, "candidates": []}, {"query.birth_date"}),
    ({"query": {"name": "王建国", "birth_date": "02/03/1961"}, "candidates": []}, {"query.birth_date"}),
    ({"query": {"name": "王建国"}, "candidates": [{"id": "a", "name": "WANG", "birth_date": "soon"}]},
     {"candidates.0.birth_date"}),
    ({"query": {"name": "王建国"}, "candidates": [{"name": "WANG JIANGUO"}]}, {"candidates.0.id"}),
    ({"query": {"name": "王建国"}, "candidates": [{"id": "a", "name": "X"}, {"id": "a", "name": "Y"}]},
     {"candidates"}),
    ({"query": {"name": "王建国"}}, {"candidates"}),
    ({"candidates": []}, {"query"}),
    ({"query": {"name": "王建国", "passport_number": "E123;DROP"}, "candidates": []}, {"query.passport_number"}),
])
def test_validation_errors_name_the_fields(api, roles, body, fields):
    response = _post(api, roles["hq_officer"], body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields


def test_too_many_candidates_is_a_clear_400(api, roles):
    body = {"query": {"name": "王建国"},
            "candidates": [{"id": str(i), "name": "WANG JIANGUO"} for i in range(MAX_CANDIDATES + 1)]}
    response = _post(api, roles["hq_officer"], body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {"candidates": [f"at most {MAX_CANDIDATES} candidates per request, got 501"]}
    body["candidates"] = body["candidates"][:MAX_CANDIDATES]
    assert len(_post(api, roles["hq_officer"], body).json()["results"]) == MAX_CANDIDATES


ROLES = ["anonymous", "citizen", "volunteer", "auditor", "officer_bkk", "hotline_operator", "hq_officer"]
# IsStaff: auditors only read, and this is a POST.
EXPECTED = dict(anonymous=401, citizen=403, volunteer=403, auditor=403, officer_bkk=200, hotline_operator=200,
                hq_officer=200)


@pytest.mark.parametrize("role", ROLES)
def test_permissions(api, roles, role):
    client = api() if role == "anonymous" else api(roles[role])
    response = client.post(URL, BODY, format="json")
    assert response.status_code == EXPECTED[role]
    if response.status_code >= 400:
        assert response.json()["error"]["code"] in {"not_authenticated", "permission_denied"}
