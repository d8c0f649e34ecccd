"""The list-import and review-queue endpoints: multipart upload, 201 summary or 422 errors by line and column,
the review queue with the row's values and the candidate (audited reads), confirm and reject, roles and mission
scoping, bad input always a 4xx with field messages, idempotent retries of the upload."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consular.core.models import AuditEntry
from consular.incidents.import_models import ListImport, MatchReview
from consular.incidents.models import AffectedPerson, PersonStatusChange
from tests.incidents.test_imports import BAD_ROWS, csv_bytes, xlsx_bytes


@pytest.fixture
def world(api_incident) -> dict[str, Any]:
    return api_incident


def _upload(data: bytes | None = None, name: str = "manifest.csv", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "manifest", **fields}
    body["file"] = SimpleUploadedFile(name, csv_bytes() if data is None else data)
    return body


def _post(client: Any, base: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"{base}/imports", body, format="multipart", **extra)


def test_import_summary_list_and_detail(api, roles, world):
    hq = api(roles["hq_officer"])
    response = _post(hq, world["base"], _upload(mapping=json.dumps({
        "name_zh": "姓名", "name_latin": "Name", "sex": "Sex", "birth_date": "Date of birth",
        "passport_number": "Passport No.", "nationality": "Nationality", "status": "Status", "seat_or_room": "Seat"})))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "imported" and body["kind"] == "manifest" and body["mode"] == "all_or_nothing"
    assert body["format"] == "csv" and body["filename"] == "manifest.csv" and body["errors"] == []
    assert body["counts"] == {"total": 4, "linked": 1, "created": 2, "review": 1, "skipped_same": 0, "bad": 0,
                              "registrations_linked": 0, "registration_reviews": 0}
    assert body["created_by"] == roles["hq_officer"].username and body["mapping"]["name_zh"] == "姓名"
    wang = hq.get(f"{world['base']}/persons/{world['wang']['id']}/history").json()
    assert wang[-1]["source"] == {"kind": "import", "ref": f"{body['id']}:3"} and wang[-1]["to_status"] == "injured"
    listed = api(roles["auditor"]).get(f"{world['base']}/imports").json()
    assert [i["id"] for i in listed["results"]] == [body["id"]]
    detail = api(roles["officer_cnx"]).get(f"{world['base']}/imports/{body['id']}")
    assert detail.status_code == 200 and detail.json() == body
    assert hq.get(f"{world['base']}/imports/not-an-id").status_code == 404
    assert hq.get(f"{world['base']}/imports/00000000-0000-0000-0000-000000000000").status_code == 404
    board = hq.get(world["base"]).json()["dashboard"]
    assert board["review_queue_length"] == 1 and board["persons"] == 4


def test_bad_rows_answer_422_by_line_and_column(api, roles, world):
    hq = api(roles["hq_officer"])
    persons = AffectedPerson.objects.count()
    response = _post(hq, world["base"], _upload(csv_bytes(BAD_ROWS)), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"} and body["error"]["code"] == "invalid_rows"
    assert set(body["error"]["fields"]) == {"rows.4.birth_date", "rows.5.nationality", "rows.6.name_zh"}
    assert "nothing was imported" in body["error"]["message"]
    rejected = body["import"]
    assert rejected["status"] == "rejected" and rejected["counts"]["bad"] == 3
    assert [(e["line"], e["column"], e["field"]) for e in rejected["errors"]] == [
        (4, "Date of birth", "birth_date"), (5, "Nationality", "nationality"), (6, "姓名", "name_zh")]
    assert AffectedPerson.objects.count() == persons and PersonStatusChange.objects.count() == persons
    # The rejected import is kept, its messages in the reader's language.
    zh = hq.get(f"{world['base']}/imports/{rejected['id']}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["status"] == "rejected" and len(zh["errors"]) == 3
    good_only = _post(hq, world["base"], _upload(csv_bytes(BAD_ROWS), mode="good_rows_only"))
    assert good_only.status_code == 201
    assert good_only.json()["counts"] == {"total": 5, "linked": 1, "created": 1, "review": 0, "skipped_same": 0,
                                          "bad": 3, "registrations_linked": 0,
                                          "registration_reviews": 0}
    assert [e["line"] for e in good_only.json()["errors"]] == [4, 5, 6]


def test_review_queue_confirm_and_reject(api, roles, world):
    hq = api(roles["hq_officer"])
    rows = [["", "ZHAO MING", "F", "1975", "", "CN", "safe", "14C"], ["", "ZHAO MING", "F", "1975", "", "", "", "9"]]
    imported = _post(hq, world["base"], _upload(csv_bytes(rows))).json()
    assert imported["counts"]["review"] == 2
    officer = api(roles["officer_cnx"])
    queue = officer.get(f"{world['base']}/reviews", {"state": "pending"}).json()
    assert queue["count"] == 2
    first = queue["results"][0]
    assert first["state"] == "pending" and first["line"] == 3 and first["list_import"] == imported["id"]
    assert first["values"]["name_latin"] == "ZHAO MING" and first["values"]["birth_year"] == 1975
    candidate = first["candidate"]
    assert candidate["id"] == world["zhao"]["id"] and candidate["name_zh"] == "赵敏"
    assert 0.5 <= candidate["score"] < 0.8 and "birth_year_match" in candidate["reasons"]
    assert AuditEntry.objects.filter(action="matchreview.read", object_id=first["id"],
                                     actor_username=roles["officer_cnx"].username).exists()
    assert AuditEntry.objects.filter(action="affectedperson.read", object_id=world["zhao"]["id"],
                                     data__purpose="review_candidates").exists()
    confirmed = officer.post(f"{world['base']}/reviews/{first['id']}/confirm", {"note": "checked"}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "confirmed" and confirmed.json()["person"] == world["zhao"]["id"]
    assert confirmed.json()["decided_by"] == roles["officer_cnx"].username
    zhao = hq.get(f"{world['base']}/persons/{world['zhao']['id']}").json()
    assert zhao["status"] == "safe"
    again = officer.post(f"{world['base']}/reviews/{first['id']}/reject", {}, format="json")
    assert again.status_code == 409
    second = queue["results"][1]
    rejected = hq.post(f"{world['base']}/reviews/{second['id']}/reject", {"note": "another woman"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert rejected.json()["person"] not in (None, world["zhao"]["id"])
    assert hq.get(f"{world['base']}/reviews").json()["count"] == 0
    decided = hq.get(f"{world['base']}/reviews", {"state": ["confirmed", "rejected"]}).json()
    assert decided["count"] == 2
    assert hq.get(f"{world['base']}/reviews", {"state": "maybe"}).status_code == 400
    assert hq.get(world["base"]).json()["dashboard"]["review_queue_length"] == 0
    detail = hq.get(f"{world['base']}/reviews/{second['id']}")
    assert detail.status_code == 200 and detail.json()["state"] == "rejected"


def test_confirm_refuses_a_person_who_is_not_a_candidate(api, roles, world):
    hq = api(roles["hq_officer"])
    _post(hq, world["base"], _upload(csv_bytes([["", "ZHAO MING", "F", "1975", "", "", "", "1"]])))
    review = MatchReview.objects.get()
    url = f"{world['base']}/reviews/{review.pk}/confirm"
    for person, field in [(world["wang"]["id"], "person"), ("00000000-0000-0000-0000-000000000000", "person"),
                          ("nope", "person")]:
        response = hq.post(url, {"person": person}, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert MatchReview.objects.get().state == "pending"


def test_roles_and_mission_scoping(api, roles, world):
    base = world["base"]
    _post(api(roles["hq_officer"]), base, _upload(csv_bytes([["", "ZHAO MING", "F", "1975", "", "", "", "1"]])))
    review = MatchReview.objects.get()
    imported = ListImport.objects.get()
    outsider = api(roles["officer_bkk"])
    for path in ["imports", f"imports/{imported.pk}", "reviews", f"reviews/{review.pk}"]:
        assert outsider.get(f"{base}/{path}").status_code == 404, path
    assert _post(outsider, base, _upload()).status_code == 404
    assert outsider.post(f"{base}/reviews/{review.pk}/confirm", {}, format="json").status_code == 404
    auditor = api(roles["auditor"])
    assert auditor.get(f"{base}/reviews").status_code == 200
    assert _post(auditor, base, _upload()).status_code == 403
    assert auditor.post(f"{base}/reviews/{review.pk}/reject", {}, format="json").status_code == 403
    for user in ("volunteer", "citizen"):
        assert api(roles[user]).get(f"{base}/imports").status_code == 403
    assert api().get(f"{base}/imports").status_code == 401
    assert ListImport.objects.count() == 1 and MatchReview.objects.get().state == "pending"


@pytest.mark.parametrize(("body", "field"), [
    ({"no_file": True}, "file"),
    ({"mapping": "{not json"}, "mapping"),
    ({"mapping": "[1, 2]"}, "mapping"),
    ({"mapping": json.dumps({"name_zh": 3})}, "mapping"),
    ({"mapping": json.dumps({"name_zh": "No such column"})}, "mapping"),
    ({"kind": "passengers"}, "kind"),
    ({"mode": "some"}, "mode"),
    ({"data": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64}, "file"),
    ({"data": b"PK\x03\x04 not really a zip"}, "file"),
    ({"data": b""}, "file"),
    ({"data": b"\x00\x01\x02\xff\xfe" * 50}, "file"),
])
def test_bad_input_is_a_4xx_with_field_messages(api, roles, world, body, field):
    hq = api(roles["hq_officer"])
    options = dict(body)
    data = options.pop("data", None)
    payload = _upload(data, **options)
    if payload.pop("no_file", False):
        del payload["file"]
    response = _post(hq, world["base"], payload, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"] and all(error["fields"][field])
    assert not ListImport.objects.exists()


def test_a_json_body_is_refused(api, roles, world):
    response = api(roles["hq_officer"]).post(f"{world['base']}/imports", {"kind": "manifest"}, format="json")
    assert response.status_code == 415


def test_an_xlsx_upload(api, roles, world):
    header = ["Name", "Passport No.", "Date of birth", "Status"]
    data = xlsx_bytes([["WANG JIANGUO", "E12345678", "1961-03-02", "safe"]], header)
    response = _post(api(roles["hq_officer"]), world["base"], _upload(data, name="list.xlsx", kind="hotel"))
    assert response.status_code == 201, response.content
    assert response.json()["format"] == "xlsx" and response.json()["counts"]["linked"] == 1


def test_idempotent_retry_creates_one_import(api, roles, world):
    hq = api(roles["hq_officer"])
    first = _post(hq, world["base"], _upload(), HTTP_IDEMPOTENCY_KEY="import-1")
    again = _post(hq, world["base"], _upload(), HTTP_IDEMPOTENCY_KEY="import-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and ListImport.objects.count() == 1
    other = _post(hq, world["base"], _upload(csv_bytes(BAD_ROWS)), HTTP_IDEMPOTENCY_KEY="import-1")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert ListImport.objects.count() == 1
    # Without a key, a second upload of the same file is a new import that changes nothing.
    plain = _post(hq, world["base"], _upload())
    assert plain.status_code == 201 and plain.json()["counts"]["skipped_same"] == 4


def test_a_retry_with_another_multipart_boundary_is_the_same_request(api, roles, world):
    """HTTP clients pick a fresh boundary for each send: the retry is still answered from the first."""
    from django.test.client import encode_multipart

    hq = api(roles["hq_officer"])
    sent = []
    for boundary in ("first-boundary-1a2b", "second-boundary-3c4d"):
        body = encode_multipart(boundary, _upload())
        sent.append(hq.post(f"{world['base']}/imports", body, content_type=f"multipart/form-data; boundary={boundary}",
                            HTTP_IDEMPOTENCY_KEY="import-boundary"))
    assert [r.status_code for r in sent] == [201, 201], sent[1].content
    assert sent[1]["Idempotent-Replayed"] == "true" and ListImport.objects.count() == 1
    changed = encode_multipart("third-boundary", _upload(kind="hotel"))
    refused = hq.post(f"{world['base']}/imports", changed, content_type="multipart/form-data; boundary=third-boundary",
                      HTTP_IDEMPOTENCY_KEY="import-boundary")
    assert refused.status_code == 422 and ListImport.objects.count() == 1


@given(mapping=st.one_of(st.text(max_size=40), st.dictionaries(st.text(max_size=12), st.text(max_size=12),
                                                               max_size=4).map(json.dumps)),
       kind=st.sampled_from(["manifest", "morgue", "", "x"]), mode=st.sampled_from(["good_rows_only", "", "x"]),
       data=st.binary(max_size=200))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_fuzzed_uploads_never_break_the_endpoint(api, roles, world, mapping, kind, mode, data):
    response = _post(api(roles["hq_officer"]), world["base"], _upload(data, mapping=mapping, kind=kind, mode=mode))
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
