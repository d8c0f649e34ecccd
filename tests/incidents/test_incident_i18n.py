"""The incident services' refusals are worded in the reader's language, like the case services': Chinese by
default, English when asked (`Accept-Language` on the API, the language switch on the console). The error code
and the field keys never change; the message is rendered when it is shown, not when the rule broke."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from consular.core.errors import ApplicationError
from consular.incidents import pfif
from consular.incidents.services import incident_close, next_of_kin_informed
from tests.incidents.incident_helpers import INQUIRY_BODY, PERSON_BODY, add_person

ZH: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_a_refusal_is_rendered_in_the_language_active_when_shown(hq, incident):
    person = add_person(hq, incident)
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        next_of_kin_informed(actor=hq, person=person)
    error = raised.value
    assert (error.code, error.status, set(error.fields)) == ("conflict", 409, {"status"})
    with translation.override("zh-hans"):
        assert error.text() == "该人员的状态为“下落不明”，而非“遇难”。"
    with translation.override("en"):
        assert error.text() == "The person's status is “Unaccounted for”, not “Deceased”."
        assert error.field_texts() == {"status": [error.text()]}


def test_api_refusals_follow_accept_language(api: Callable[..., APIClient], roles, hq, incident):
    client = api(hq)
    base = f"/api/v1/incidents/{incident.pk}"
    person = add_person(hq, incident)

    def next_of_kin(**headers: Any) -> dict[str, Any]:
        url = f"{base}/persons/{person.pk}/next-of-kin-informed"
        return _error(client.post(url, {}, format="json", **headers), 409)

    chinese = next_of_kin(**ZH)
    assert chinese == {"code": "conflict", "message": "该人员的状态为“下落不明”，而非“遇难”。",
                       "fields": {"status": ["该人员的状态为“下落不明”，而非“遇难”。"]}}
    assert next_of_kin() == chinese  # Chinese first when the client names no language
    assert next_of_kin(**EN) == {"code": "conflict",
                                 "message": "The person's status is “Unaccounted for”, not “Deceased”.",
                                 "fields": {"status": ["The person's status is “Unaccounted for”, not “Deceased”."]}}

    # A service's field rule: a hospitalised person needs the hospital.
    body = {**PERSON_BODY, "passport_number": "", "status": "hospitalised"}

    def add(**headers: Any) -> dict[str, Any]:
        return _error(client.post(f"{base}/persons", body, format="json", **headers), 400)

    assert add(**EN) == {"code": "invalid", "message": "The person has invalid fields.",
                         "fields": {"hospital": ["Required for a hospitalised person."]}}
    assert add() == add(**ZH) == {"code": "invalid", "message": "人员信息中有无效字段。",
                                  "fields": {"hospital": ["住院治疗人员必须填写此项。"]}}

    # The serializer's own rules read the same way, and say what the service would.
    no_contact = {**INQUIRY_BODY, "inquirer_phone": ""}

    def inquire(**headers: Any) -> dict[str, Any]:
        return _error(client.post(f"{base}/inquiries", no_contact, format="json", **headers), 400)

    assert inquire(**EN)["fields"] == {
        "inquirer_phone": ["Give a phone number or an email, so that the inquirer can be called back."]}
    assert inquire()["fields"] == inquire(**ZH)["fields"] == {
        "inquirer_phone": ["请填写电话号码或电子邮箱，以便回电查询人。"]}

    # A message with a parameter: the incident's reference.
    incident_close(actor=hq, incident=incident)
    english = _error(client.post(f"{base}/close", {}, format="json", **EN), 409)
    assert english == {"code": "conflict", "message": f"The incident {incident.reference} is already closed.",
                       "fields": {}}
    assert _error(client.post(f"{base}/close", {}, format="json"), 409)["message"] == \
        f"事件 {incident.reference} 已经结束。"


def test_pfif_refusals_and_import_errors_follow_accept_language(api: Callable[..., APIClient], hq, incident):
    client = api(hq)
    url = f"/api/v1/incidents/{incident.pk}/pfif"

    def empty(**headers: Any) -> dict[str, Any]:
        return _error(client.post(url, b" ", content_type="application/xml", **headers), 400)

    assert empty(**EN) == {"code": "invalid", "message": "The PFIF document is empty.",
                           "fields": {"file": ["The PFIF document is empty."]}}
    assert empty() == {"code": "invalid", "message": "PFIF 文档为空。", "fields": {"file": ["PFIF 文档为空。"]}}

    # The import's summary reports a record's problems in the language of the request that ran it.
    rid = "personfinder.example.org/p.1"
    future = pfif.PfifNote(note_record_id="personfinder.example.org/n.1", person_record_id=rid,
                           author_name="Volunteer", status="believed_missing",
                           source_date=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC))
    document = pfif.export_pfif([pfif.PfifPerson(person_record_id=rid, source_date=timezone.now(),
                                                 full_name="WANG JIANGUO")], notes=(future,))

    def summary_errors(**headers: Any) -> list[dict[str, str]]:
        response = client.post(url, document, content_type="application/xml", **headers)
        assert response.status_code == 200, response.content
        return [e for e in response.json()["errors"] if e["field"] == "source_date"]

    assert [e["message"] for e in summary_errors(**EN)] == ["This time is in the future."]
    assert [e["message"] for e in summary_errors()] == ["该时间晚于当前时间。"]


def _summary(response: Any) -> str:
    """The text of the page's error summary (the service's refusal above the form)."""
    match = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert match, "no error summary"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def _field_error(response: Any, field: str) -> str:
    body = response.content.decode()
    match = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', body, re.S)
    assert match, f"no error on {field}"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def test_console_forms_show_refusals_in_the_chosen_language(client: Client, roles, hq, incident):
    person = add_person(hq, incident)
    client.force_login(roles["hotline_operator"])
    page = f"/console/incidents/{incident.pk}/persons/{person.pk}/"

    def refusals() -> tuple[str, str]:
        told = client.post(page + "next-of-kin/", {"note": ""})
        assert told.status_code == 409
        status = client.post(page + "status/", {"status": "hospitalised", "source_kind": "officer",
                                                "source_ref": "", "hospital": "", "note": ""})
        assert status.status_code == 400
        return _summary(told), _field_error(status, "hospital")

    told, hospital = refusals()  # Chinese first, whatever the browser says
    assert "该人员的状态为“下落不明”，而非“遇难”。" in told and "住院治疗人员必须填写此项。" in hospital
    client.post("/i18n/setlang/", {"language": "en", "next": page})
    told, hospital = refusals()
    assert "The person's status is “Unaccounted for”, not “Deceased”." in told
    assert "Required for a hospitalised person." in hospital
