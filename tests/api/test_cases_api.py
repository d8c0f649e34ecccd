"""The cases, calls and help-request endpoints: shapes, scoping, errors."""

from __future__ import annotations

import pytest

from consular.cases.models import Call, Case, CasePerson
from consular.core.models import AuditEntry

EXAMPLE = {
    "category": "traffic_accident", "urgency": "p1", "summary": "Tour bus crashed, 12 injured",
    "location": {"country": "LA", "subdivision": "LA-VT", "city": "Vientiane", "lat": 17.97, "lon": 102.6},
    "persons": [{"name_zh": "王建国", "name_latin": "WANG JIANGUO", "birth_date": "1961-03-02",
                 "passport_number": "E12345678", "phone": "+8562055501234"}],
}
CNX_CASE = {**EXAMPLE, "location": {"country": "TH", "subdivision": "TH-50", "city": "Chiang Mai"}}


def _open(api, user, body=CNX_CASE):
    response = api(user).post("/api/v1/cases", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_case_shape(api, roles):
    body = _open(api, roles["hotline_operator"], EXAMPLE)
    for key in ("id", "reference", "state", "mission", "assignee", "first_response_due"):
        assert key in body
    assert body["state"] == "new" and body["mission"] == "LA-VTE" and body["assignee"] is None
    assert body["persons"][0]["name_latin"] == "WANG JIANGUO"
    assert body["persons"][0]["birth_date"] == "1961-03-02"
    assert body["location"]["subdivision"] == "LA-VT"
    assert [t["code"] for t in body["tasks"]] == ["check_casualties"]
    assert body["events"][0]["kind"] == "opened"
    # Personal data is encrypted at rest and the read is recorded.
    person = CasePerson.objects.get(case_id=body["id"])
    assert person.passport_hash and person.passport_number == "E12345678"
    assert AuditEntry.objects.filter(action="case.read", object_id=body["id"]).exists()


def test_bad_case_input_names_fields(api, roles):
    bad = {**EXAMPLE, "category": "alien_abduction", "urgency": "p9",
           "location": {"country": "XX"}, "persons": [{"birth_date": "yesterday"}]}
    response = api(roles["hq_officer"]).post("/api/v1/cases", bad, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"category", "urgency", "persons.0.birth_date"} <= set(fields)
    year_one = api(roles["hq_officer"]).post(
        "/api/v1/cases", {**EXAMPLE, "persons": [{**EXAMPLE["persons"][0], "birth_date": "0001-01-01"}]},
        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert year_one.status_code == 400
    assert year_one.json()["error"]["fields"]["persons.0.birth_date"] == ["A birth date cannot be before 1880."]
    wrong_place = api(roles["hq_officer"]).post(
        "/api/v1/cases", {**EXAMPLE, "location": {"country": "LA", "subdivision": "TH-50"}}, format="json")
    assert wrong_place.status_code == 400
    assert "location.subdivision" in wrong_place.json()["error"]["fields"]
    nameless = api(roles["hq_officer"]).post("/api/v1/cases", {**EXAMPLE, "persons": [{"phone": "+66 81"}]},
                                             format="json")
    assert nameless.status_code == 400
    assert Case.objects.count() == 0


def test_mission_officer_can_only_open_in_the_jurisdiction(api, roles):
    response = api(roles["officer_bkk"]).post("/api/v1/cases", CNX_CASE, format="json")
    assert response.status_code == 400
    assert "TH-CNX" in response.json()["error"]["fields"]["location"][0]
    assert _open(api, roles["officer_cnx"])["mission"] == "TH-CNX"


ROLES = ["anonymous", "citizen", "volunteer", "officer_bkk", "officer_cnx", "hotline_operator", "hq_officer",
         "auditor"]
READ = dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=404, officer_cnx=200, hotline_operator=200,
            hq_officer=200, auditor=200)
WRITE = dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=404, officer_cnx=201, hotline_operator=201,
             hq_officer=201, auditor=403)


@pytest.mark.parametrize("role", ROLES)
def test_case_endpoints_by_role(api, roles, role):
    case = _open(api, roles["hotline_operator"])
    client = api() if role == "anonymous" else api(roles[role])
    assert client.get(f"/api/v1/cases/{case['id']}").status_code == READ[role]
    listing = client.get("/api/v1/cases")
    assert listing.status_code == (READ[role] if READ[role] != 404 else 200)
    if listing.status_code == 200:
        visible = {c["id"] for c in listing.json()["results"]}
        assert (case["id"] in visible) == (READ[role] == 200)
    note = client.post(f"/api/v1/cases/{case['id']}/notes", {"body": "called"}, format="json")
    assert note.status_code == WRITE[role], note.content
    ok = 200 if WRITE[role] == 201 else WRITE[role]
    assert client.post(f"/api/v1/cases/{case['id']}/transitions", {"to": "triaged"},
                       format="json").status_code == ok
    assert client.patch(f"/api/v1/cases/{case['id']}", {"urgency": "p2"}, format="json").status_code == ok


def test_work_a_case_through_the_api(api, roles):
    case = _open(api, roles["hotline_operator"])
    officer = api(roles["officer_cnx"])
    assigned = officer.post(f"/api/v1/cases/{case['id']}/assign", {"officer": roles["officer_cnx"].username},
                            format="json").json()
    assert assigned["state"] == "assigned" and assigned["assignee"] == roles["officer_cnx"].username
    moved = officer.post(f"/api/v1/cases/{case['id']}/transitions", {"to": "in_progress"}, format="json")
    assert moved.json()["state"] == "in_progress" and moved.json()["first_response_at"]
    refused = officer.post(f"/api/v1/cases/{case['id']}/transitions", {"to": "closed"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"
    no_reason = officer.post(f"/api/v1/cases/{case['id']}/transitions", {"to": "resolved"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    transfer = officer.post(f"/api/v1/cases/{case['id']}/transfer", {"mission": "TH-BKK", "reason": "moved"},
                            format="json")
    assert transfer.status_code == 200 and transfer.json()["mission"] == "TH-BKK"
    assert officer.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert api(roles["officer_bkk"]).get(f"/api/v1/cases/{case['id']}").json()["state"] == "triaged"


def test_service_errors_follow_accept_language(api, roles):
    """A service's refusal is worded in the request's language, like DRF's own validation messages: Chinese
    when the client names none, English with `Accept-Language: en`; the code and the field keys never change."""
    case = _open(api, roles["hotline_operator"])
    client = api(roles["hq_officer"])
    url = f"/api/v1/cases/{case['id']}/transitions"

    def refusal(**headers):
        response = client.post(url, {"to": "closed"}, format="json", **headers)
        assert response.status_code == 409
        return response.json()["error"]

    english = refusal(HTTP_ACCEPT_LANGUAGE="en")
    assert english == {"code": "conflict", "message": "A case cannot go from “New” to “Closed”.",
                       "fields": {"to": ["Not allowed from the state “New”."]}}
    chinese = refusal(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese == {"code": "conflict", "message": "案件不能从“新建”改为“已结案”。",
                       "fields": {"to": ["处于“新建”状态时不允许此操作。"]}}
    assert refusal() == chinese

    def invalid(**headers):  # DRF's own validation, for comparison
        response = client.post(url, {}, format="json", **headers)
        assert response.status_code == 400
        return response.json()["error"]

    assert invalid(HTTP_ACCEPT_LANGUAGE="en") == {"code": "invalid", "message": "The request has invalid fields.",
                                                  "fields": {"to": ["This field is required."]}}
    assert invalid() == invalid(HTTP_ACCEPT_LANGUAGE="zh-hans") == {
        "code": "invalid", "message": "请求中有无效字段。", "fields": {"to": ["该字段是必填项。"]}}


def test_queue_filters_and_search(api, roles):
    first = _open(api, roles["hotline_operator"])
    _open(api, roles["hotline_operator"], {**CNX_CASE, "urgency": "p3", "category": "lost_documents",
                                           "persons": [{"name_zh": "李娜", "passport_number": "EA1234567"}]})
    hq = api(roles["hq_officer"])

    def refs(**params):
        body = hq.get("/api/v1/cases", params)
        assert body.status_code == 200, body.content
        return [c["reference"] for c in body.json()["results"]]

    assert len(refs()) == 2
    # Each listed case is recorded as read by this officer.
    assert AuditEntry.objects.filter(action="case.read", actor_username=roles["hq_officer"].username,
                                     data__purpose="queue").count() == 2
    assert refs(urgency="p1") == [first["reference"]]
    assert len(refs(category="lost_documents")) == 1
    assert refs(q=first["reference"]) == [first["reference"]]
    assert refs(q="王建国") == refs(q="wang jianguo") == refs(q="Jianguo WANG") == [first["reference"]]
    assert refs(q="E12345678") == [first["reference"]]
    assert refs(q="+856 20 5550 1234") == [first["reference"]]
    assert refs(q="ea 1234567") != [first["reference"]] and len(refs(q="EA1234567")) == 1
    assert refs(mission="TH-BKK") == []
    bad = hq.get("/api/v1/cases", {"urgency": "p9"})
    assert bad.status_code == 400 and "urgency" in bad.json()["error"]["fields"]


def test_call_opens_a_case_and_phone_shows_history(api, roles):
    operator = api(roles["hotline_operator"])
    call = {"direction": "inbound", "caller_name": "王芳", "caller_phone": "+86 138 0000 0000", "language": "zh",
            "topic": "emergency", "summary": "Her father was in the bus crash",
            "started_at": "2026-11-26T10:00:00Z", "ended_at": "2026-11-26T10:04:00Z", "open_case": EXAMPLE}
    first = operator.post("/api/v1/calls", call, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["case"] and first.json()["case_reference"]
    again = {**call, "open_case": None, "case": first.json()["case"], "topic": "consultation",
             "started_at": "2026-11-26T12:00:00Z", "ended_at": None}
    again.pop("open_case")
    second = operator.post("/api/v1/calls", again, format="json")
    assert second.status_code == 201 and second.json()["case"] == first.json()["case"]
    history = operator.get("/api/v1/calls", {"phone": "+8613800000000"}).json()
    assert [c["id"] for c in history["results"]] == [second.json()["id"], first.json()["id"]]
    both = operator.post("/api/v1/calls", {**call, "case": first.json()["case"]}, format="json")
    assert both.status_code == 400 and "case" in both.json()["error"]["fields"]
    backwards = operator.post("/api/v1/calls", {**again, "ended_at": "2026-11-26T11:00:00Z"}, format="json")
    assert backwards.status_code == 400 and "ended_at" in backwards.json()["error"]["fields"]
    assert Call.objects.count() == 2
    # A routine consultation call: a summary and a topic are enough.
    short = operator.post("/api/v1/calls", {"topic": "consultation", "summary": "visa question",
                                            "started_at": "2026-11-26T13:00:00Z"}, format="json")
    assert short.status_code == 201 and short.json()["case"] is None


HELP = {"name": "张伟", "phone": "+66 81 234 5678", "location": {"country": "TH", "subdivision": "TH-50"},
        "category": "crime_victim", "description": "我的护照和钱包在清迈被抢了"}


def test_help_request_and_follow_up(api, reference):
    anonymous = api()
    created = anonymous.post("/api/v1/help-requests", HELP, format="json", REMOTE_ADDR="203.0.113.5")
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"reference", "follow_up_code", "status"}
    case = Case.objects.get(reference=body["reference"])
    assert (case.channel, case.mission.code, case.urgency) == ("web", "TH-CNX", "p2")
    status = anonymous.get(f"/api/v1/help-requests/{body['reference']}", {"code": body["follow_up_code"]})
    assert status.status_code == 200 and status.json()["state"] == "new"
    posted = anonymous.post(f"/api/v1/help-requests/{body['reference']}/messages",
                            {"code": body["follow_up_code"], "body": "我现在在警察局"}, format="json")
    assert posted.status_code == 201
    assert posted.json()["messages"][-1] == {**posted.json()["messages"][-1], "from": "citizen",
                                             "text": "我现在在警察局"}


def test_wrong_code_looks_like_an_unknown_reference_and_is_limited(api, reference, settings):
    settings.FOLLOWUP_MAX_FAILURES = 3
    anonymous = api()
    body = anonymous.post("/api/v1/help-requests", HELP, format="json").json()
    wrong = anonymous.get(f"/api/v1/help-requests/{body['reference']}", {"code": "WRONG123"},
                          REMOTE_ADDR="198.51.100.1")
    unknown = anonymous.get("/api/v1/help-requests/C26-AAAA-BBBB", {"code": body["follow_up_code"]},
                            REMOTE_ADDR="198.51.100.2")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    for _ in range(2):
        anonymous.get(f"/api/v1/help-requests/{body['reference']}", {"code": "WRONG123"}, REMOTE_ADDR="198.51.100.3")
    limited = anonymous.get(f"/api/v1/help-requests/{body['reference']}", {"code": body["follow_up_code"]},
                            REMOTE_ADDR="198.51.100.4")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited.json()["error"]["code"] == "rate_limited"


def test_help_request_needs_a_way_to_reach_the_citizen(api, reference):
    response = api().post("/api/v1/help-requests", {**HELP, "phone": "", "email": ""}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["error"]["fields"]
    assert Case.objects.count() == 0


def test_a_call_whose_new_case_breaks_a_rule_is_refused_and_the_answer_replayed(api, roles):
    operator = api(roles["hotline_operator"])
    call = {"topic": "emergency", "summary": "Caller gave no name", "started_at": "2026-11-26T10:00:00Z",
            "open_case": {**EXAMPLE, "persons": [{"phone": "+66 81 234 5678"}]}}
    first = operator.post("/api/v1/calls", call, format="json", HTTP_IDEMPOTENCY_KEY="nameless-call")
    assert first.status_code == 400 and "persons.0.name_zh" in first.json()["error"]["fields"]
    again = operator.post("/api/v1/calls", call, format="json", HTTP_IDEMPOTENCY_KEY="nameless-call")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Call.objects.count() == 0 and Case.objects.count() == 0


def test_lean_serializers_make_the_same_fields_as_drf(reference):
    from rest_framework import serializers

    from consular.api.v1 import case_serializers as s

    for cls in (s.CallInSerializer, s.CaseInSerializer, s.PersonSerializer, s.LocationSerializer):
        lean, drf = cls().get_fields(), serializers.Serializer.get_fields(cls())
        assert {k: repr(v) for k, v in lean.items()} == {k: repr(v) for k, v in drf.items()}
        assert all(lean[k] is not v for k, v in cls._declared_fields.items())
    lean_out = s.CallOutSerializer().get_fields()
    assert lean_out is not s.CallOutSerializer().get_fields()
    drf_out = serializers.ModelSerializer.get_fields(s.CallOutSerializer())
    assert {k: repr(v) for k, v in lean_out.items()} == {k: repr(v) for k, v in drf_out.items()}
