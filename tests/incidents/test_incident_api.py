"""The incident endpoints: shapes, every role on every endpoint (a mission officer of an unrelated mission gets
404), field messages for bad input, fuzzed bodies never a 500, idempotent retries, audited reads, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consular.core.models import AuditEntry
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry, PersonStatusChange
from tests.incidents.incident_helpers import INCIDENT_BODY, INQUIRY_BODY, PERSON_BODY


def _open(api, user, body=INCIDENT_BODY):
    response = api(user).post("/api/v1/incidents", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def world(api, roles) -> dict[str, Any]:
    """An incident (led by LA-VTE, TH-CNX concerned) with a person, an attached inquiry and a call-back owed."""
    hq = api(roles["hq_officer"])
    incident = _open(api, roles["hq_officer"])
    base = f"/api/v1/incidents/{incident['id']}"
    person = hq.post(f"{base}/persons", PERSON_BODY, format="json").json()
    inquiry = hq.post(f"{base}/inquiries", INQUIRY_BODY, format="json").json()
    hq.post(f"{base}/inquiries/{inquiry['id']}/attach", {"person": person["id"]}, format="json")
    hq.patch(f"{base}/persons/{person['id']}", {"status": "injured", "source": {"kind": "call", "ref": "c1"}},
             format="json")
    callback = CallBack.objects.get()
    return {"incident": incident, "base": base, "person": person, "inquiry": inquiry, "callback": str(callback.pk)}


def test_incident_shape_and_lookup_by_reference(api, roles, world):
    body = api(roles["hotline_operator"]).get(world["base"]).json()
    assert body["reference"].startswith("INC-") and body["status"] == "open" and body["kind"] == "transport_accident"
    assert body["lead_mission"] == "LA-VTE" and body["missions"] == ["LA-VTE", "TH-CNX"]
    assert body["location"] == INCIDENT_BODY["location"]
    assert body["opened_by"] == roles["hq_officer"].username and body["closed_at"] is None
    board = body["dashboard"]
    assert board["persons"] == 1 and board["by_status"]["injured"] == 1 and board["by_mission"] == {"LA-VTE": 1}
    assert (board["inquiries_waiting"], board["callbacks_pending"], board["review_queue_length"]) == (1, 1, 0)
    by_reference = api(roles["hq_officer"]).get(f"/api/v1/incidents/{body['reference'].lower()}")
    assert by_reference.status_code == 200 and by_reference.json()["id"] == body["id"]
    assert api(roles["hq_officer"]).get("/api/v1/incidents/INC-1999-0001").status_code == 404


def test_person_shape_history_and_audited_reads(api, roles, world):
    officer = api(roles["officer_cnx"])
    url = f"{world['base']}/persons/{world['person']['id']}"
    person = officer.get(url).json()
    assert person["name_zh"] == "王建国" and person["other_names"] == ["WANG CHIEN-KUO"]
    assert person["birth_date"] == "1961-03-02" and person["nationalities"] == ["CN"]
    assert (person["status"], person["public_status"], person["mission"]) == ("injured", "injured", "LA-VTE")
    assert AuditEntry.objects.filter(action="affectedperson.read", object_id=person["id"],
                                     actor_username=roles["officer_cnx"].username).exists()
    history = officer.get(f"{url}/history").json()
    assert [(h["from_status"], h["to_status"], h["source"]) for h in history] == [
        ("", "unaccounted", {"kind": "import", "ref": "manifest-1:line 12"}),
        ("unaccounted", "injured", {"kind": "call", "ref": "c1"}),
    ]
    assert history[1]["actor"] == roles["hq_officer"].username
    assert AuditEntry.objects.filter(action="affectedperson.read", object_id=person["id"],
                                     data__purpose="history").exists()
    # Particulars and the status in one PATCH; a new case link must be visible to the caller.
    changed = officer.patch(url, {"last_known_location": "Mahosot Hospital, ward 3", "status": "hospitalised",
                                  "hospital": "Mahosot Hospital", "mission": "TH-CNX",
                                  "source": {"kind": "officer"}}, format="json")
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["status"], body["hospital"], body["mission"]) == ("hospitalised", "Mahosot Hospital", "TH-CNX")
    assert body["last_known_location"] == "Mahosot Hospital, ward 3"
    bad_case = officer.patch(url, {"case": "00000000-0000-0000-0000-000000000000"}, format="json",
                             HTTP_ACCEPT_LANGUAGE="en")
    assert bad_case.status_code == 400
    assert bad_case.json()["error"] == {"code": "invalid", "message": "Unknown case.",
                                        "fields": {"case": ["Unknown case."]}}


def test_passport_numbers_only_for_officers_in_every_read(api, roles, world, client):
    """HQ and mission officers see a person's passport number; hotline operators and auditors do not (API
    detail and list, console page), and their recorded reads do not claim it."""
    url = f"{world['base']}/persons/{world['person']['id']}"
    passport = PERSON_BODY["passport_number"]
    for role, sees in (("hq_officer", True), ("officer_cnx", True), ("hotline_operator", False), ("auditor", False)):
        caller = api(roles[role])
        mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        detail = caller.get(url).json()
        listed = caller.get(f"{world['base']}/persons").json()["results"][0]
        assert detail["passport_number"] == listed["passport_number"] == (passport if sees else None), role
        reads = AuditEntry.objects.filter(action="affectedperson.read", actor_username=roles[role].username,
                                          pk__gt=mark)
        assert reads.count() == 2 and all(("passport_number" in e.data["fields"]) == sees for e in reads), role
        client.force_login(roles[role])
        page = client.get(f"/console/incidents/{world['incident']['id']}/persons/{world['person']['id']}/")
        assert page.status_code == 200 and (passport in page.content.decode()) == sees, role


def test_person_list_filters_paginates_and_records_each_read(api, roles, world):
    hq = api(roles["hq_officer"])
    base = world["base"]
    hq.post(f"{base}/persons", {**PERSON_BODY, "name_zh": "李娜", "name_latin": "LI NA", "passport_number": "",
                                "status": "safe", "source": {"kind": "checkin", "ref": "sms 1"}}, format="json")
    listed = hq.get(f"{base}/persons", {"status": ["injured", "safe"], "page_size": 1})
    assert listed.status_code == 200
    assert listed.json()["count"] == 2 and len(listed.json()["results"]) == 1 and listed.json()["next"]
    assert [p["name_latin"] for p in hq.get(f"{base}/persons", {"status": "safe"}).json()["results"]] == ["LI NA"]
    assert AuditEntry.objects.filter(action="affectedperson.read", data__purpose="incident_registry").count() == 2
    bad = hq.get(f"{base}/persons", {"status": "asleep"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    # Not counted: the token look-up and its last use (recorded at most once a minute).
    return len([q for q in captured.captured_queries if "accounts_apitoken" not in q["sql"].split(" SET ")[0]])


def test_list_query_counts_do_not_grow_with_the_rows(api, roles, world):
    hq = api(roles["hq_officer"])
    base = world["base"]
    urls = [f"{base}/persons", f"{base}/inquiries", f"{base}/callbacks", "/api/v1/incidents"]
    before = [_query_count(hq, url) for url in urls]
    for i in range(4):
        person = hq.post(f"{base}/persons", {**PERSON_BODY, "name_zh": f"李{'一二三四'[i]}", "name_latin": "",
                                             "passport_number": f"E0000000{i}"}, format="json").json()
        inquiry = hq.post(f"{base}/inquiries", {**INQUIRY_BODY, "subject_name": person["name_zh"]},
                          format="json").json()
        hq.post(f"{base}/inquiries/{inquiry['id']}/attach", {"person": person["id"]}, format="json")
        hq.patch(f"{base}/persons/{person['id']}", {"status": "safe", "source": {"kind": "call", "ref": f"c{i}"}},
                 format="json")
        _open(api, roles["hq_officer"])
    assert [_query_count(hq, url) for url in urls] == before


def test_inquiry_answer_ranks_candidates(api, roles, world):
    operator = api(roles["hotline_operator"])
    base = world["base"]
    api(roles["hq_officer"]).post(f"{base}/persons", {**PERSON_BODY, "name_zh": "王建华", "name_latin": "",
                                                      "other_names": [], "passport_number": "E55555555"},
                                  format="json")
    response = operator.post(f"{base}/inquiries", {**INQUIRY_BODY, "subject_name": "Jianguo WANG"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["person"] is None and body["subject_birth_date"] == "1961"
    candidates = body["candidates"]
    assert candidates[0]["person"] == world["person"]["id"] and candidates[0]["level"] == "match"
    assert set(candidates[0]) == {"person", "score", "level", "reasons", "name_zh", "name_latin", "birth_date",
                                  "public_status", "public_status_text"}
    assert [c["score"] for c in candidates] == sorted((c["score"] for c in candidates), reverse=True)
    assert "name_order:given_first" in candidates[0]["reasons"]
    assert AuditEntry.objects.filter(action="affectedperson.read", data__purpose="inquiry_candidates",
                                     actor_username=roles["hotline_operator"].username).count() == len(candidates)


def test_callbacks_list_and_done(api, roles, world):
    officer = api(roles["officer_cnx"])
    base = world["base"]
    pending = officer.get(f"{base}/callbacks").json()["results"]
    assert [c["id"] for c in pending] == [world["callback"]]
    assert pending[0]["inquirer_phone"] == INQUIRY_BODY["inquirer_phone"] and pending[0]["overdue"] is False
    assert officer.get(f"{base}/callbacks", {"due": "true"}).json()["count"] == 0
    CallBack.objects.update(due_at="2020-01-01T00:00:00Z")
    due = officer.get(f"{base}/callbacks", {"due": "true"}).json()["results"]
    assert [c["id"] for c in due] == [world["callback"]] and due[0]["overdue"] is True
    done = officer.post(f"{base}/callbacks/{world['callback']}/done", {"note": "told the daughter"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["done_by"] == roles["officer_cnx"].username and done.json()["note"] == "told the daughter"
    assert officer.get(f"{base}/callbacks").json()["count"] == 0
    assert officer.get(f"{base}/callbacks", {"done": "true"}).json()["count"] == 1
    assert Inquiry.objects.get().state == "answered"
    twice = officer.post(f"{base}/callbacks/{world['callback']}/done", {}, format="json")
    assert twice.status_code == 409
    closed = officer.post(f"{base}/inquiries/{world['inquiry']['id']}/close", {"note": "no more questions"},
                          format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_close_incident(api, roles, world):
    closed = api(roles["hq_officer"]).post(f"{world['base']}/close", format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = api(roles["hotline_operator"]).post(f"{world['base']}/persons", PERSON_BODY, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
    listing = api(roles["hq_officer"]).get("/api/v1/incidents", {"status": "closed"}).json()
    assert [i["id"] for i in listing["results"]] == [world["incident"]["id"]]


# --- Every role on every endpoint --------------------------------------------------------------------------------

ROLES = ["anonymous", "citizen", "volunteer", "officer_bkk", "officer_cnx", "hotline_operator", "hq_officer",
         "auditor"]
READ = dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=404, officer_cnx=200, hotline_operator=200,
            hq_officer=200, auditor=200)
WORK = dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=404, officer_cnx=200, hotline_operator=200,
            hq_officer=200, auditor=403)
ADMIN = dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=404, officer_cnx=403, hotline_operator=403,
             hq_officer=200, auditor=403)


def _ok(expected: int, created: bool = False) -> int:
    return 201 if created and expected == 200 else expected


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_by_role(api, roles, world, role):
    client = api() if role == "anonymous" else api(roles[role])
    base, pid, iid = world["base"], world["person"]["id"], world["inquiry"]["id"]
    for url in [base, f"{base}/persons", f"{base}/persons/{pid}", f"{base}/persons/{pid}/history",
                f"{base}/inquiries", f"{base}/callbacks"]:
        response = client.get(url)
        assert response.status_code == READ[role], (url, response.content)
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}
    listing = client.get("/api/v1/incidents")
    assert listing.status_code == (200 if READ[role] == 404 else READ[role])
    if listing.status_code == 200:
        assert (world["incident"]["id"] in {i["id"] for i in listing.json()["results"]}) == (READ[role] == 200)

    writes = [
        ("post", f"{base}/persons", {**PERSON_BODY, "name_zh": "李娜", "name_latin": ""}, True),
        ("patch", f"{base}/persons/{pid}", {"status": "safe", "source": {"kind": "call", "ref": "c2"}}, False),
        ("post", f"{base}/inquiries", INQUIRY_BODY, True),
        ("post", f"{base}/inquiries/{iid}/attach", {"person": pid}, False),
        ("post", f"{base}/callbacks/{world['callback']}/done", {"note": "called"}, False),
        ("post", f"{base}/inquiries/{iid}/close", {}, False),
    ]
    for method, url, body, created in writes:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == _ok(WORK[role], created), (url, response.content)
    dead = {"status": "deceased", "source": {"kind": "import", "ref": "morgue:1"}}
    if WORK[role] == 200:
        client.patch(f"{base}/persons/{pid}", dead, format="json")
    else:
        api(roles["hq_officer"]).patch(f"{base}/persons/{pid}", dead, format="json")
    informed = client.post(f"{base}/persons/{pid}/next-of-kin-informed", {}, format="json")
    assert informed.status_code == WORK[role], informed.content

    created = client.post("/api/v1/incidents", INCIDENT_BODY, format="json")
    assert created.status_code == _ok(403 if ADMIN[role] == 404 else ADMIN[role], True), created.content
    patched = client.patch(base, {"title": "Bus crash"}, format="json")
    assert patched.status_code == ADMIN[role], patched.content
    closed = client.post(f"{base}/close", format="json")
    assert closed.status_code == ADMIN[role], closed.content


def test_officers_of_a_concerned_mission_see_only_their_incidents(api, roles, world):
    other = _open(api, roles["hq_officer"], {**INCIDENT_BODY, "location": {"country": "US", "subdivision": "US-NY"},
                                             "missions": []})
    cnx = {i["id"] for i in api(roles["officer_cnx"]).get("/api/v1/incidents").json()["results"]}
    nyc = {i["id"] for i in api(roles["hq_officer"]).get("/api/v1/incidents").json()["results"]}
    assert cnx == {world["incident"]["id"]} and nyc == {world["incident"]["id"], other["id"]}
    wrong_incident = api(roles["officer_cnx"]).get(f"/api/v1/incidents/{other['id']}/persons/"
                                                   f"{world['person']['id']}")
    assert wrong_incident.status_code == 404


# --- Bad input ---------------------------------------------------------------------------------------------------

def _fields(response) -> set[str]:
    assert 400 <= response.status_code < 500, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return set(error["fields"])


def test_bad_input_names_the_fields(api, roles, world):
    hq = api(roles["hq_officer"])
    base, pid, iid = world["base"], world["person"]["id"], world["inquiry"]["id"]
    assert {"kind", "title", "started_at", "location.country"} <= _fields(hq.post("/api/v1/incidents", {
        "kind": "meteor", "title": "", "started_at": "yesterday", "location": {"country": "X"}}, format="json"))
    assert {"location.subdivision"} <= _fields(hq.post("/api/v1/incidents", {
        **INCIDENT_BODY, "location": {"country": "LA", "subdivision": "TH-50"}}, format="json"))
    assert {"missions"} <= _fields(hq.post("/api/v1/incidents", {**INCIDENT_BODY, "missions": ["ZZ-NOPE"]},
                                           format="json"))
    assert {"birth_date", "passport_number", "status", "source.kind", "nationalities.0", "email", "sex"} <= _fields(
        hq.post(f"{base}/persons", {"name_zh": "李娜", "birth_date": "1961-02-30", "passport_number": "E1<<",
                                    "status": "asleep", "source": {"kind": "rumour"}, "nationalities": ["CHN"],
                                    "email": "no", "sex": "?"}, format="json"))
    assert _fields(hq.post(f"{base}/persons", {"phone": "+66 81 234 5678"}, format="json")) == {"name_zh"}
    assert _fields(hq.post(f"{base}/persons", {**PERSON_BODY, "status": "hospitalised"}, format="json")) == {
        "hospital"}
    assert _fields(hq.post(f"{base}/persons", {**PERSON_BODY, "nationalities": ["ZZ"]}, format="json")) == {
        "nationalities"}
    assert _fields(hq.post(f"{base}/persons", {**PERSON_BODY, "mission": "US-NYC"}, format="json")) == {"mission"}
    assert _fields(hq.patch(f"{base}/persons/{pid}", {"status": "safe"}, format="json")) == {"source"}
    assert _fields(hq.patch(f"{base}/persons/{pid}", {"status": "safe", "source": {"kind": "call"}},
                            format="json")) == {"source.ref"}
    assert _fields(hq.patch(f"{base}/persons/{pid}", {"hospital": "Mahosot"}, format="json")) == {"hospital"}
    assert _fields(hq.patch(f"{base}/persons/{pid}", {"incident": "x", "created_by": "me"}, format="json")) == {
        "incident", "created_by"}
    assert {"subject_name", "subject_birth_date"} <= _fields(hq.post(f"{base}/inquiries", {
        **INQUIRY_BODY, "subject_name": "123", "subject_birth_date": "1961-02-30"}, format="json"))
    assert _fields(hq.post(f"{base}/inquiries", {**INQUIRY_BODY, "inquirer_phone": ""}, format="json")) == {
        "inquirer_phone"}
    assert _fields(hq.post(f"{base}/inquiries/{iid}/attach", {"person": "nobody"}, format="json")) == {"person"}
    assert _fields(hq.post(f"{base}/inquiries/{iid}/attach", {"person": "00000000-0000-0000-0000-000000000000"},
                           format="json")) == {"person"}
    assert _fields(hq.post(f"{base}/callbacks/{world['callback']}/done", {"note": "x" * 6000},
                           format="json")) == {"note"}
    assert _fields(hq.post(f"{base}/persons/{pid}/next-of-kin-informed", {"note": "x" * 6000},
                           format="json")) == {"note"}
    assert _fields(hq.patch(base, {"kind": "meteor", "title": ""}, format="json")) == {"kind", "title"}
    assert _fields(hq.patch(base, {"missions": ["ZZ-NOPE"], "lead_mission": "XX"}, format="json")) == {
        "missions", "lead_mission"}
    assert PersonStatusChange.objects.count() == 2 and AffectedPerson.objects.count() == 1
    assert Incident.objects.count() == 1 and Inquiry.objects.count() == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = {
    "incident": list(INCIDENT_BODY),
    "incident_patch": ["kind", "title", "description", "lead_mission", "missions"],
    "person": [*PERSON_BODY, "mission", "case", "hospital", "note"],
    "inquiry": list(INQUIRY_BODY),
    "attach": ["person"],
    "note": ["note"],
}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def bodies(kind: str) -> st.SearchStrategy[Any]:
    return st.one_of(st.fixed_dictionaries({}, optional={k: json_values for k in FIELDS[kind]}), json_values)


def _check(response: Any) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize(("method", "path", "kind"), [
    ("post", "/api/v1/incidents", "incident"),
    ("patch", "{base}", "incident_patch"),
    ("post", "{base}/persons", "person"),
    ("patch", "{base}/persons/{pid}", "person"),
    ("post", "{base}/persons/{pid}/next-of-kin-informed", "note"),
    ("post", "{base}/inquiries", "inquiry"),
    ("post", "{base}/inquiries/{iid}/attach", "attach"),
    ("post", "{base}/inquiries/{iid}/close", "note"),
    ("post", "{base}/callbacks/{cid}/done", "note"),
    ("post", "{base}/close", "note"),
])
def test_fuzzed_bodies_never_break_an_endpoint(api, roles, world, method, path, kind):
    client = api(roles["hq_officer"])
    url = path.format(base=world["base"], pid=world["person"]["id"], iid=world["inquiry"]["id"],
                      cid=world["callback"])

    @FUZZ
    @given(body=bodies(kind))
    def run(body: Any) -> None:
        _check(getattr(client, method)(url, data=json.dumps(body), content_type="application/json"))

    run()


@given(text=st.text(max_size=30))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_garbage_ids_and_queries(api, roles, text):
    client = api(roles["hq_officer"])
    safe = text.replace("/", "").replace("?", "").replace("#", "") or "x"
    _check(client.get(f"/api/v1/incidents/{safe}"))
    _check(client.get("/api/v1/incidents", {"status": text, "kind": text}))


# --- Idempotent retries ------------------------------------------------------------------------------------------

def test_idempotent_retries_create_one_record(api, roles):
    hq = api(roles["hq_officer"])
    first = hq.post("/api/v1/incidents", INCIDENT_BODY, format="json", HTTP_IDEMPOTENCY_KEY="inc-1")
    again = hq.post("/api/v1/incidents", INCIDENT_BODY, format="json", HTTP_IDEMPOTENCY_KEY="inc-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and Incident.objects.count() == 1
    base = f"/api/v1/incidents/{first.json()['id']}"
    for path, body, model in [(f"{base}/persons", PERSON_BODY, AffectedPerson),
                              (f"{base}/inquiries", INQUIRY_BODY, Inquiry)]:
        one = hq.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=f"key-{path}")
        two = hq.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=f"key-{path}")
        assert one.status_code == two.status_code == 201 and two["Idempotent-Replayed"] == "true"
        assert two.json()["id"] == one.json()["id"] and model.objects.count() == 1
    assert PersonStatusChange.objects.count() == 1
    assert AuditEntry.objects.filter(action="affected_person.add").count() == 1
    assert AuditEntry.objects.filter(action="inquiry.submit").count() == 1
    other = hq.post(f"{base}/persons", {**PERSON_BODY, "name_zh": "李娜"}, format="json",
                    HTTP_IDEMPOTENCY_KEY=f"key-{base}/persons")
    assert other.status_code == 422 and AffectedPerson.objects.count() == 1
