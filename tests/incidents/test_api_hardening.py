"""Regression tests from a review of the incident API with hostile and sloppy input: a lone surrogate echoed in an
error, very long names, an inquiry whose search fails, passport numbers in the review queue, control characters in
the XLSX export, the reads a call-back answer records, an incident started in year 1."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from consular.core.models import AuditEntry
from consular.incidents import selectors
from consular.incidents.models import CallBack, Inquiry
from tests.incidents.incident_helpers import INCIDENT_BODY, INQUIRY_BODY, PERSON_BODY


@pytest.fixture
def world(api_incident) -> dict[str, Any]:
    return api_incident


@pytest.mark.parametrize("where", ["incident", "person"])
def test_a_lone_surrogate_in_a_field_name_is_a_400(api, roles, world, where):
    url = world["base"] if where == "incident" else f"{world['base']}/persons/{world['wang']['id']}"
    response = api(roles["hq_officer"]).patch(url, '{"x\\ud800": 1}', content_type="application/json")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert "x\ufffd" in fields  # the name echoed, the half of a pair it cannot show replaced


def test_a_lone_surrogate_in_an_import_mapping_is_a_400(api, roles, world):
    body = {"kind": "manifest", "mapping": json.dumps({"name_zh": "\ud800"}),
            "file": SimpleUploadedFile("m.csv", "姓名,Name\n王建国,WANG JIANGUO\n".encode())}
    response = api(roles["hq_officer"]).post(f"{world['base']}/imports", body, format="multipart")
    assert 400 <= response.status_code < 500, response.content
    assert "\ufffd" in json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.parametrize("name", ["王" * 60, " ".join(["WANG JIAN GUO"] * 14)])
def test_a_very_long_name_with_a_birth_year_is_answered(api, roles, world, name):
    """A name of sixty characters has more blocking keys than SQLite answers in one statement (500): they are
    asked in batches; PostgreSQL asks them in one."""
    response = api(roles["hotline_operator"]).post(
        f"{world['base']}/inquiries", {**INQUIRY_BODY, "subject_name": name, "subject_birth_date": "1961"},
        format="json")
    assert response.status_code == 201, response.content
    assert Inquiry.objects.count() == 1


def test_an_inquiry_whose_search_fails_is_not_kept(api, roles, world, monkeypatch):
    """The candidates are searched in the inquiry's transaction: a failure leaves no inquiry behind, so the retry
    does not make a second one."""
    def failing(**kwargs: Any) -> list[Any]:
        raise RuntimeError("the index is unreachable")

    monkeypatch.setattr(selectors, "candidates", failing)
    client = api(roles["hotline_operator"])
    client.raise_request_exception = False
    response = client.post(f"{world['base']}/inquiries", INQUIRY_BODY, format="json")
    assert response.status_code == 500
    assert not Inquiry.objects.exists()
    assert not AuditEntry.objects.filter(action="inquiry.submit").exists()


@pytest.mark.parametrize("role", ["hotline_operator", "auditor", "hq_officer"])
def test_the_review_queue_gives_passport_numbers_only_to_officers(api, roles, world, role):
    rows = b"Name,Date of birth,Passport No.\nWANG JIANGUO,1961-03-02,E99999999\n"
    upload = {"kind": "manifest", "file": SimpleUploadedFile("m.csv", rows)}
    assert api(roles["hq_officer"]).post(f"{world['base']}/imports", upload, format="multipart").status_code == 201
    queue = api(roles[role]).get(f"{world['base']}/reviews").json()["results"]
    assert len(queue) == 1
    sees = role == "hq_officer"
    review = queue[0]
    assert review["candidate"]["passport_number"] == ("E12345678" if sees else None)
    assert review["values"]["passport_number"] == ("E99999999" if sees else None)
    assert review["candidate"]["name_latin"] == "WANG JIANGUO"
    detail = api(roles[role]).get(f"{world['base']}/reviews/{review['id']}").json()
    assert detail["candidate"]["passport_number"] == ("E12345678" if sees else None)
    for read in AuditEntry.objects.filter(action="affectedperson.read", data__purpose="review_candidates"):
        assert ("passport_number" in read.data["fields"]) == sees


def test_control_characters_do_not_fail_the_xlsx_export(api, roles, world):
    hq = api(roles["hq_officer"])
    created = hq.post(f"{world['base']}/persons", {**PERSON_BODY, "name_zh": "王\x01建国", "passport_number": ""},
                      format="json")
    assert created.status_code == 201, created.content
    response = hq.get(f"{world['base']}/persons.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "王\ufffd建国" in [row[2] for row in sheet.iter_rows(values_only=True)]


def test_a_call_back_made_records_every_contact_it_shows(api, roles, world):
    hq = api(roles["hq_officer"])
    inquiry = hq.post(f"{world['base']}/inquiries", INQUIRY_BODY, format="json").json()
    hq.post(f"{world['base']}/inquiries/{inquiry['id']}/attach", {"person": world["wang"]["id"]}, format="json")
    hq.patch(f"{world['base']}/persons/{world['wang']['id']}",
             {"status": "injured", "source": {"kind": "call", "ref": "c1"}}, format="json")
    callback = CallBack.objects.get()
    done = hq.post(f"{world['base']}/callbacks/{callback.pk}/done", {"note": "told her"}, format="json")
    assert done.status_code == 200 and done.json()["inquirer_relation"] == "daughter"
    read = AuditEntry.objects.filter(action="callback.read", object_id=str(callback.pk)).latest("id")
    assert set(read.data["fields"]) == {"inquirer_name", "inquirer_relation", "inquirer_phone", "inquirer_email"}


def test_an_incident_cannot_start_before_1900(api, roles):
    body = {**INCIDENT_BODY, "started_at": "0001-01-01T00:00:00Z"}
    response = api(roles["hq_officer"]).post("/api/v1/incidents", body, format="json")
    assert response.status_code == 400
    assert "started_at" in response.json()["error"]["fields"]
