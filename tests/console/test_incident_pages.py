"""Console pages of major incidents: every page × every role (an officer of a mission not concerned gets 404, a
read-only role 403 on every POST), the success and the error path of every form (bad input re-renders with field
errors, never a 500), the next-of-kin gate on the inquiry and call-back pages, and the audit entries of reads."""

from __future__ import annotations

import base64
import datetime
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from consular.accounts.models import User
from consular.core.models import AuditEntry
from consular.incidents.import_models import ImportRow, ListImport, MatchReview
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry, PersonStatusChange
from consular.incidents.services import inquiry_attach, inquiry_submit, next_of_kin_informed, person_set_status
from tests.incidents.incident_helpers import add_person, inquiry_in, open_incident

ROLES = ["anonymous", "citizen", "volunteer", "officer_cnx", "officer_bkk", "hotline_operator", "hq_officer",
         "auditor"]
STAFF = {"officer_cnx", "officer_bkk", "hotline_operator", "hq_officer", "auditor"}
WORKERS = {"officer_cnx", "officer_bkk", "hotline_operator", "hq_officer"}
READ_ONLY = {"citizen", "volunteer", "auditor"}
# The incident (a bus crash in Laos) is led by the embassy in Vientiane with Chiang Mai concerned: the Bangkok
# embassy's officer is told it does not exist.
HIDDEN = {"officer_bkk"}
WAIT_ZH, WAIT_EN = "请等候我们的电话", "please wait for our call"

MANIFEST = (
    "Manifest LA 123\n"
    "姓名,Name,Sex,Date of birth,Passport No.,Nationality,Status,Seat\n"
    "王建国,WANG JIANGUO,M,02/03/1961,E12345678,CHN,injured,12A\n"  # line 3: a confident match
    ",ZHAO MING,F,1975,,CN,safe,14C\n"  # line 4: possible (赵敏 ZHAO MIN, 1975)
    "陈小明,CHEN XIAOMING,M,1990-01-01,G99887766,中国,safe,20B\n"  # line 5: new
).encode()


@pytest.fixture
def client_as(roles: dict[str, User]) -> Callable[[str], Client]:
    """A fresh client signed in as the role (none for `anonymous`)."""

    def as_role(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(roles[role])
        return client

    return as_role


@pytest.fixture
def hq(roles: dict[str, User]) -> User:
    return roles["hq_officer"]


@pytest.fixture
def incident(hq: User) -> Incident:
    return open_incident(hq)


@pytest.fixture
def wang(hq: User, incident: Incident) -> AffectedPerson:
    return add_person(hq, incident, phone="+86 138 0000 0001")


@pytest.fixture
def zhao(hq: User, incident: Incident) -> AffectedPerson:
    return add_person(hq, incident, name_zh="赵敏", name_latin="ZHAO MIN", birth_date=datetime.date(1975, 4, 4),
                      passport_number="")


@pytest.fixture
def inquiry(hq: User, incident: Incident, wang: AffectedPerson) -> Inquiry:
    made, _found = inquiry_submit(actor=hq, incident=incident, data=inquiry_in())
    return made


@pytest.fixture
def callback(hq: User, inquiry: Inquiry, wang: AffectedPerson) -> CallBack:
    inquiry_attach(actor=hq, inquiry=inquiry, person=wang)
    person_set_status(actor=hq, person=wang, status="missing", source_kind="call", source_ref="call-1")
    return CallBack.objects.get(inquiry=inquiry)


@pytest.fixture
def review(hq: User, incident: Incident, wang: AffectedPerson, zhao: AffectedPerson) -> MatchReview:
    from consular.incidents.imports import list_import

    list_import(actor=hq, incident=incident, data=MANIFEST, filename="manifest.csv", mapping=None, kind="manifest")
    return MatchReview.objects.get(state="pending")


def body_of(response: Any) -> str:
    return response.content.decode()


def field_error(body: str, field: str) -> str:
    """The error shown on the field with id `id_<field>` (the form's field error block)."""
    match = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', body, re.S)
    assert match, f"no error on {field}"
    return match.group(1)


def expected(role: str, allowed: set[str]) -> int:
    if role == "anonymous":
        return 302
    if role in HIDDEN and role in STAFF:
        return 404
    return 200 if role in allowed else 403


def main(body: str) -> str:
    return body.split("<main", 1)[1].split("</main>", 1)[0]


# --- access: every page × every role --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_incident_list_and_open_form_by_role(client_as: Callable[[str], Client], incident: Incident,
                                             role: str) -> None:
    client = client_as(role)
    listing = client.get("/console/incidents/")
    assert listing.status_code == (302 if role == "anonymous" else 200 if role in STAFF else 403)
    if listing.status_code == 200:
        assert (incident.reference in body_of(listing)) == (role not in HIDDEN)
        assert ('href="/console/incidents/new/"' in body_of(listing)) == (role == "hq_officer")
        assert "no-store" in listing["Cache-Control"]
    form = client.get("/console/incidents/new/")
    assert form.status_code == (302 if role == "anonymous" else 200 if role == "hq_officer" else 403)
    before = Incident.objects.count()
    posted = client.post("/console/incidents/new/", {})
    assert posted.status_code == (302 if role == "anonymous" else 400 if role == "hq_officer" else 403)
    assert Incident.objects.count() == before


PAGES = [
    ("", STAFF),
    ("persons/", STAFF),
    ("persons/?status=injured", STAFF),
    ("persons/?q=WANG+JIANGUO", STAFF),
    ("persons/{person}/", STAFF),
    ("persons/new/", WORKERS),
    ("imports/", STAFF),
    ("imports/{import}/", STAFF),
    ("reviews/", STAFF),
    ("inquiries/", STAFF),
    ("inquiries/?state=all", STAFF),
    ("inquiries/new/", WORKERS),
    ("inquiries/{inquiry}/", STAFF),
    ("callbacks/", STAFF),
    ("export/csv/", STAFF),
    ("export/xlsx/", STAFF),
]


@pytest.mark.parametrize(("page", "allowed"), PAGES)
def test_incident_pages_by_role(client_as: Callable[[str], Client], incident: Incident, wang: AffectedPerson,
                                review: MatchReview, callback: CallBack, page: str, allowed: set[str]) -> None:
    """Every role on the page (one world per page: the roles only read)."""
    path = f"/console/incidents/{incident.pk}/" + page.format(
        person=wang.pk, inquiry=callback.inquiry_id, **{"import": review.import_row.list_import_id})
    for role in ROLES:
        response = client_as(role).get(path)
        assert response.status_code == expected(role, allowed), role
        if role == "anonymous":
            assert response["Location"].startswith("/login/?next="), role
        if response.status_code == 200 and "export" not in page:
            body = main(body_of(response))
            assert "no-store" in response["Cache-Control"], role
            # Read-only roles see no action: no POST form at all.
            if role not in WORKERS:
                assert 'method="post"' not in body, role
            elif page in {"persons/{person}/", "persons/new/", "imports/", "reviews/", "inquiries/new/",
                          "callbacks/"}:
                assert 'method="post"' in body, role


def test_unknown_ids_are_404(client_as: Callable[[str], Client], incident: Incident) -> None:
    client = client_as("hq_officer")
    zero = "00000000-0000-0000-0000-000000000000"
    for path in (f"/console/incidents/{zero}/", f"/console/incidents/{incident.pk}/persons/{zero}/",
                 f"/console/incidents/{incident.pk}/inquiries/{zero}/",
                 f"/console/incidents/{incident.pk}/imports/{zero}/",
                 f"/console/incidents/{incident.pk}/export/pdf/", "/console/incidents/not-a-uuid/"):
        assert client.get(path).status_code == 404, path
    for path in (f"/console/incidents/{incident.pk}/reviews/{zero}/confirm/",
                 f"/console/incidents/{incident.pk}/callbacks/{zero}/done/"):
        assert client.post(path, {}).status_code == 404, path


ACTIONS = ["persons/{person}/status/", "persons/{person}/next-of-kin/", "persons/new/", "inquiries/new/",
           "inquiries/{inquiry}/attach/", "imports/", "imports/confirm/", "reviews/{review}/confirm/",
           "reviews/{review}/reject/", "callbacks/{callback}/done/"]
# What a worker gets for an empty form: the page again with its errors (400), a refusal of the rule (409: the
# person is not deceased), or a redirect with the reason (nothing to attach, no file to import again).
WORKER_ANSWER = {"persons/{person}/status/": 400, "persons/{person}/next-of-kin/": 409, "persons/new/": 400,
                 "inquiries/new/": 400, "inquiries/{inquiry}/attach/": 302, "imports/": 400,
                 "imports/confirm/": 302}


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_by_role(client_as: Callable[[str], Client], incident: Incident, wang: AffectedPerson,
                         review: MatchReview, callback: CallBack, action: str) -> None:
    """POST only; read-only roles 403, the officer of a mission not concerned 404; nothing changes for any
    role (each posts an empty or invalid form), so all roles run against one world."""
    path = f"/console/incidents/{incident.pk}/" + action.format(person=wang.pk, inquiry=callback.inquiry_id,
                                                                review=review.pk, callback=callback.pk)

    def counts() -> tuple[int, ...]:
        return (AffectedPerson.objects.count(), PersonStatusChange.objects.count(), Inquiry.objects.count(),
                ListImport.objects.count(), MatchReview.objects.filter(state="pending").count(),
                CallBack.objects.filter(done_at__isnull=True).count())

    before = counts()
    data = {"note": "x" * 5001} if action.startswith(("reviews", "callbacks")) else {}
    for role in ROLES:
        client = client_as(role)
        response = client.post(path, data)
        if role == "anonymous":
            assert response.status_code == 302
        elif role in READ_ONLY:
            assert response.status_code == 403, role
        elif role in HIDDEN:
            assert response.status_code == 404, role
        else:
            assert response.status_code == WORKER_ANSWER.get(action, 400), role
            if response.status_code in {400, 409}:
                assert "error-summary" in body_of(response), role
        assert counts() == before, role
        if role in WORKERS - HIDDEN and action not in {"persons/new/", "inquiries/new/", "imports/"}:
            assert client.get(path).status_code == 405, role


def test_nav_has_incidents_for_staff(client_as: Callable[[str], Client], incident: Incident) -> None:
    body = body_of(client_as("auditor").get("/console/"))
    assert 'href="/console/incidents/"' in body


# --- incidents ----------------------------------------------------------------------------------------------------


def test_hq_opens_an_incident(client_as: Callable[[str], Client], hq: User) -> None:
    client = client_as("hq_officer")
    response = client.post("/console/incidents/new/", {
        "kind": "air_crash", "title": "Flight ET 302", "description": "", "country": "老挝", "subdivision": "",
        "city": "Vientiane", "started_at": "2026-01-02T08:30", "lead_mission": "", "missions": "th-cnx, TH-BKK",
    })
    assert response.status_code == 302
    incident = Incident.objects.get(title="Flight ET 302")
    assert response["Location"] == f"/console/incidents/{incident.pk}/"
    assert incident.lead_mission.code == "LA-VTE" and incident.country_id == "LA"
    assert set(incident.missions.values_list("code", flat=True)) == {"LA-VTE", "TH-CNX", "TH-BKK"}
    assert incident.opened_by == hq
    page = body_of(client.get(response["Location"]))
    assert incident.reference in page and 'data-figure="persons">0<' in page


@pytest.mark.parametrize(("data", "field"), [
    ({"title": ""}, "title"),
    ({"kind": "meteor"}, "kind"),
    ({"country": "Atlantis"}, "country"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"started_at": "2999-01-01T00:00"}, "started_at"),  # the service: in the future
    ({"started_at": "0001-01-01T00:00"}, "started_at"),  # before 1900 (year 1 east of UTC has no UTC form)
    ({"lead_mission": "XX-NOPE"}, "lead_mission"),  # the service: unknown mission
    ({"missions": "XX-NOPE"}, "missions"),
    ({"subdivision": "LA-ZZ"}, "subdivision"),
])
def test_open_form_errors(client_as: Callable[[str], Client], data: dict[str, str], field: str) -> None:
    values = {"kind": "air_crash", "title": "Crash", "country": "LA", "started_at": "2026-01-02T08:30"}
    values.update(data)
    response = client_as("hq_officer").post("/console/incidents/new/", values)
    assert response.status_code == 400
    field_error(body_of(response), field)
    assert not Incident.objects.exists()


def test_dashboard_counts_and_exports(client_as: Callable[[str], Client], incident: Incident, hq: User,
                                      wang: AffectedPerson, review: MatchReview, callback: CallBack) -> None:
    person_set_status(actor=hq, person=wang, status="deceased", source_kind="officer", note="confirmed")
    client = client_as("officer_cnx")
    body = body_of(client.get(f"/console/incidents/{incident.pk}/"))
    # 王建国, 赵敏 and 陈小明 (new from the list); the possible match waits.
    assert 'data-figure="persons">3<' in body
    assert 'data-figure="deceased_awaiting_notification">1<' in body
    assert 'data-figure="review_queue_length">1<' in body
    assert 'data-figure="inquiries_waiting">1<' in body
    assert re.search(r'data-status="deceased">.*?<td class="nowrap">1</td>', body, re.S)
    assert f"/console/incidents/{incident.pk}/export/csv/" in body
    csv = client.get(f"/console/incidents/{incident.pk}/export/csv/")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert f'{incident.reference}-persons.csv' in csv["Content-Disposition"]
    text = csv.content.decode("utf-8-sig")
    assert "王建国" in text and "passport_number" in text
    xlsx = client.get(f"/console/incidents/{incident.pk}/export/xlsx/?status=deceased")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["王建国"]
    assert AuditEntry.objects.filter(action="incident.persons_export").count() == 2
    assert client.get(f"/console/incidents/{incident.pk}/export/csv/?status=nope").status_code == 302


# --- persons ------------------------------------------------------------------------------------------------------


def test_person_list_filters_searches_and_audits(client_as: Callable[[str], Client], incident: Incident,
                                                 hq: User, wang: AffectedPerson, zhao: AffectedPerson) -> None:
    person_set_status(actor=hq, person=zhao, status="safe", source_kind="officer")
    client = client_as("hotline_operator")
    base = f"/console/incidents/{incident.pk}/persons/"
    everyone = body_of(client.get(base))
    assert f'data-person="{wang.pk}"' in everyone and f'data-person="{zhao.pk}"' in everyone
    safe = body_of(client.get(base + "?status=safe"))
    assert f'data-person="{wang.pk}"' not in safe and f'data-person="{zhao.pk}"' in safe
    # A name in another script finds the person; the best match first.
    found = body_of(client.get(base + "?q=WANG+CHIEN-KUO"))
    assert f'data-person="{wang.pk}"' in found and f'data-person="{zhao.pk}"' not in found
    found = body_of(client.get(base + "?q=王建国&status=safe"))
    assert f'data-person="{wang.pk}"' not in found
    bad = client.get(base + "?status=zombie")
    assert bad.status_code == 400
    field_error(body_of(bad), "status")
    reads = AuditEntry.objects.filter(action="affectedperson.read", data__purpose="incident_registry")
    assert reads.filter(object_id=str(wang.pk)).count() == 2  # the whole list and the search


def test_person_page_history_status_change_and_next_of_kin(client_as: Callable[[str], Client],
                                                           incident: Incident, wang: AffectedPerson) -> None:
    client = client_as("officer_cnx")
    page = f"/console/incidents/{incident.pk}/persons/{wang.pk}/"
    body = body_of(client.get(page))
    assert "王建国" in body and "E12345678" in body and "manifest-1:line 12" in body
    assert AuditEntry.objects.filter(action="affectedperson.read", object_id=str(wang.pk)).exists()
    assert "next-of-kin/" not in body  # not deceased
    response = client.post(page + "status/", {"status": "hospitalised", "source_kind": "call",
                                              "source_ref": "call 42", "hospital": "Mahosot Hospital", "note": ""})
    assert response.status_code == 302 and response["Location"] == page
    response = client.post(page + "status/", {"status": "deceased", "source_kind": "officer", "source_ref": "",
                                              "hospital": "", "note": "Identified at the morgue"})
    assert response.status_code == 302
    body = body_of(client.get(page))
    assert "call 42" in body and "Mahosot Hospital" in body and "Identified at the morgue" in body
    assert 'data-public-status="awaiting_notification"' in body and WAIT_ZH in body
    assert "next-of-kin/" in body
    history = list(PersonStatusChange.objects.filter(person=wang).order_by("at", "created_at"))
    assert [c.to_status for c in history] == ["unaccounted", "hospitalised", "deceased"]
    response = client.post(page + "next-of-kin/", {"note": "Daughter told by phone"})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.next_of_kin_informed_at is not None and wang.next_of_kin_note == "Daughter told by phone"
    body = body_of(client.get(page))
    assert 'data-public-status="deceased"' in body and "next-of-kin/" not in body
    # Twice: the service refuses, the page says why.
    again = client.post(page + "next-of-kin/", {"note": ""})
    assert again.status_code == 409 and "error-summary" in body_of(again)


@pytest.mark.parametrize(("data", "field"), [
    ({"status": "hospitalised"}, "hospital"),  # the service: a hospital is needed
    ({"status": "safe", "hospital": "Mahosot"}, "hospital"),
    ({"source_kind": "import", "source_ref": ""}, "source_ref"),
    ({"status": "zombie"}, "status"),
    ({"source_kind": "rumour"}, "source_kind"),
    ({"note": "x" * 5001}, "note"),
])
def test_status_form_errors(client_as: Callable[[str], Client], incident: Incident, wang: AffectedPerson,
                            data: dict[str, str], field: str) -> None:
    values = {"status": "safe", "source_kind": "officer", "source_ref": "", "hospital": "", "note": ""}
    values.update(data)
    response = client_as("hotline_operator").post(f"/console/incidents/{incident.pk}/persons/{wang.pk}/status/",
                                                  values)
    assert response.status_code == 400
    field_error(body_of(response), field)
    assert PersonStatusChange.objects.filter(person=wang).count() == 1


def test_correcting_a_death_needs_a_note(client_as: Callable[[str], Client], incident: Incident, hq: User,
                                         wang: AffectedPerson) -> None:
    person_set_status(actor=hq, person=wang, status="deceased", source_kind="officer")
    response = client_as("hq_officer").post(f"/console/incidents/{incident.pk}/persons/{wang.pk}/status/",
                                            {"status": "injured", "source_kind": "officer"})
    assert response.status_code == 400
    field_error(body_of(response), "note")


def test_add_person(client_as: Callable[[str], Client], incident: Incident) -> None:
    client = client_as("officer_cnx")
    url = f"/console/incidents/{incident.pk}/persons/new/"
    assert 'value="TH-CNX"' in body_of(client.get(url))
    response = client.post(url, {"name_zh": "李娜", "name_latin": "LI NA", "other_names": "LEE NA\n", "sex": "f",
                                 "birth_date": "1988-05-06", "passport_number": "E7654321", "nationalities": "cn",
                                 "phone": "", "email": "", "last_known_location": "Hotel", "mission": "TH-CNX",
                                 "status": "safe", "hospital": "", "source_kind": "checkin", "source_ref": "",
                                 "note": ""})
    assert response.status_code == 302
    person = AffectedPerson.objects.get()
    assert response["Location"] == f"/console/incidents/{incident.pk}/persons/{person.pk}/"
    assert (person.mission.code, person.status, person.nationalities, person.other_names) == (
        "TH-CNX", "safe", "CN", "LEE NA")


@pytest.mark.parametrize(("data", "field"), [
    ({"name_zh": "", "name_latin": ""}, "name_zh"),  # the service: a name is required
    ({"nationalities": "ZZ"}, "nationalities"),  # the service: unknown country
    ({"birth_date": "1961-02-30"}, "birth_date"),
    ({"birth_date": "2999-01-01"}, "birth_date"),  # the service: in the future
    ({"email": "not-an-email"}, "email"),
    ({"mission": "US-WAS"}, "mission"),
    ({"status": "hospitalised"}, "hospital"),
    ({"source_kind": "call"}, "source_ref"),
])
def test_add_person_errors(client_as: Callable[[str], Client], incident: Incident, data: dict[str, str],
                           field: str) -> None:
    values = {"name_zh": "李娜", "sex": "unknown", "status": "unaccounted", "source_kind": "officer"}
    values.update(data)
    before = AffectedPerson.objects.count()
    response = client_as("hq_officer").post(f"/console/incidents/{incident.pk}/persons/new/", values)
    assert response.status_code == 400
    field_error(body_of(response), field)
    assert AffectedPerson.objects.count() == before


# --- imports and reviews ------------------------------------------------------------------------------------------


def _upload(client: Client, incident: Incident, data: bytes = MANIFEST, button: str = "import",
            **extra: str) -> Any:
    values: dict[str, Any] = {"file": SimpleUploadedFile("manifest.csv", data, content_type="text/csv"),
                              "kind": "manifest", "mode": "all_or_nothing", "mapping": "", button: "1"}
    values.update(extra)
    return client.post(f"/console/incidents/{incident.pk}/imports/", values)


def test_a_double_submitted_upload_records_one_import(client_as: Callable[[str], Client], incident: Incident) -> None:
    """The upload form carries an idempotency key: a second send (a double click, a new boundary) gets the first
    answer and records no second import."""
    from django.test.client import encode_multipart

    client = client_as("hq_officer")
    page = body_of(client.get(f"/console/incidents/{incident.pk}/imports/"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key, "the upload form has no idempotency key"
    answers = []
    for boundary in ("browser-boundary-1", "browser-boundary-2"):
        values = {"file": SimpleUploadedFile("manifest.csv", MANIFEST, content_type="text/csv"), "kind": "manifest",
                  "mode": "all_or_nothing", "mapping": "", "import": "1", "idempotency_key": key.group(1)}
        answers.append(client.post(f"/console/incidents/{incident.pk}/imports/", encode_multipart(boundary, values),
                                   content_type=f"multipart/form-data; boundary={boundary}"))
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[1]["Location"] == answers[0]["Location"] and answers[1]["Idempotent-Replayed"] == "true"
    assert ListImport.objects.filter(incident=incident).count() == 1


def test_import_now_then_review_confirm(client_as: Callable[[str], Client], incident: Incident,
                                        wang: AffectedPerson, zhao: AffectedPerson) -> None:
    client = client_as("hotline_operator")
    response = _upload(client, incident)
    assert response.status_code == 302
    imported = ListImport.objects.get()
    assert response["Location"] == f"/console/incidents/{incident.pk}/imports/{imported.pk}/"
    body = body_of(client.get(response["Location"]))
    for name, n in (("total", 3), ("linked", 1), ("created", 1), ("review", 1), ("skipped_same", 0), ("bad", 0)):
        assert f'data-count="{name}">{n}<' in body, name
    # The review queue: the row's values next to the candidate, with the score and the reasons.
    queue = client.get(f"/console/incidents/{incident.pk}/reviews/")
    review = MatchReview.objects.get()
    page = body_of(queue)
    assert "ZHAO MING" in page and "ZHAO MIN" in page and "赵敏" in page and f'data-review="{review.pk}"' in page
    assert "1975" in page and f"{round(review.score * 100)}%" in page
    assert AuditEntry.objects.filter(action="matchreview.read", object_id=str(review.pk)).exists()
    assert AuditEntry.objects.filter(action="affectedperson.read", object_id=str(zhao.pk),
                                     data__purpose="review_candidates").exists()
    response = client.post(f"/console/incidents/{incident.pk}/reviews/{review.pk}/confirm/", {"note": "same seat"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == "confirmed" and review.import_row.person_id == zhao.pk
    assert AffectedPerson.objects.get(pk=zhao.pk).status == "safe"
    # Deciding twice: refused with the reason, nothing changes.
    again = client.post(f"/console/incidents/{incident.pk}/reviews/{review.pk}/reject/", {"note": ""})
    assert again.status_code == 302
    assert MatchReview.objects.get(pk=review.pk).state == "confirmed"
    # Re-importing the same file changes nothing.
    _upload(client, incident)
    assert ListImport.objects.order_by("-created_at").first().skipped_same == 3  # type: ignore[union-attr]


def test_review_reject_creates_a_person(client_as: Callable[[str], Client], incident: Incident,
                                        review: MatchReview) -> None:
    before = AffectedPerson.objects.count()
    response = client_as("officer_cnx").post(f"/console/incidents/{incident.pk}/reviews/{review.pk}/reject/", {})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == "rejected" and AffectedPerson.objects.count() == before + 1
    assert review.import_row.person is not None and review.import_row.person.name_latin == "ZHAO MING"


def test_check_the_columns_then_import(client_as: Callable[[str], Client], incident: Incident,
                                       wang: AffectedPerson, zhao: AffectedPerson) -> None:
    client = client_as("hq_officer")
    response = _upload(client, incident, button="preview", mode="good_rows_only")
    assert response.status_code == 200 and not ListImport.objects.exists()
    body = body_of(response)
    # The recognised mapping is preselected; the file travels with the page.
    assert re.search(r'name="map_name_zh"[^>]*>.*?<option value="姓名" selected>', body, re.S)
    assert re.search(r'name="map_passport_number"[^>]*>.*?<option value="Passport No." selected>', body, re.S)
    staged = re.search(r'name="staged" value="([^"]+)"', body)
    assert staged and base64.b64decode(staged.group(1)) == MANIFEST
    form = {"staged": staged.group(1), "filename": "manifest.csv", "kind": "manifest", "mode": "good_rows_only",
            "map_name_zh": "姓名", "map_name_latin": "Name", "map_birth_date": "Date of birth",
            "map_passport_number": "Passport No."}
    # A column that is not in the file: the field says so.
    bad = client.post(f"/console/incidents/{incident.pk}/imports/confirm/", {**form, "map_sex": "Gender"})
    assert bad.status_code == 400
    field_error(body_of(bad), "map_sex")
    response = client.post(f"/console/incidents/{incident.pk}/imports/confirm/", form)
    assert response.status_code == 302
    imported = ListImport.objects.get()
    assert imported.mode == "good_rows_only" and imported.mapping == {
        "name_zh": "姓名", "name_latin": "Name", "birth_date": "Date of birth", "passport_number": "Passport No."}
    assert (imported.linked, imported.created, imported.review) == (1, 1, 1)


def test_bad_rows_are_shown_by_line_and_column(client_as: Callable[[str], Client], incident: Incident) -> None:
    data = MANIFEST + "刘洋,LIU YANG,M,31/31/1980,E1,CN,flying,1A\n".encode()
    client = client_as("hq_officer")
    response = _upload(client, incident)
    assert response.status_code == 302
    response = _upload(client, incident, data)
    rejected = ListImport.objects.get(status="rejected")
    body = body_of(client.get(response["Location"]))
    assert 'data-status="rejected"' in body
    rows = re.findall(r'<tr><th scope="row">(\d+)</th><td>([^<]*)</td><td><code>([^<]*)</code>', body)
    assert ("6", "Date of birth", "birth_date") in rows and ("6", "Status", "status") in rows
    assert rejected.errors_total == len(rows)
    assert "LIU" not in body  # never a cell's value


@pytest.mark.parametrize(("data", "field"), [
    ({"file": None}, "file"),
    ({"mapping": "name_zh"}, "mapping"),
    ({"mapping": "shoe_size = Shoe"}, "mapping"),
    ({"mapping": '{"name_zh": 1}'}, "mapping"),
    ({"mapping": "{not json"}, "mapping"),
    ({"mapping": "name_zh = Nope"}, "mapping"),  # the service: not a column of the file
    ({"kind": "shopping"}, "kind"),
    ({"mode": "sometimes"}, "mode"),
    ({"file": b"\x00\x01\x02binary"}, "file"),  # the service: not a list it can read
])
@pytest.mark.parametrize("button", ["import", "preview"])
def test_upload_errors(client_as: Callable[[str], Client], incident: Incident, data: dict[str, Any], field: str,
                       button: str) -> None:
    values: dict[str, Any] = {"kind": "manifest", "mode": "all_or_nothing", "mapping": "", button: "1"}
    data = dict(data)
    content = data.pop("file", MANIFEST)
    if content is not None:
        values["file"] = SimpleUploadedFile("manifest.csv", content, content_type="text/csv")
    values.update(data)
    response = client_as("hotline_operator").post(f"/console/incidents/{incident.pk}/imports/", values)
    if button == "preview" and field == "mapping" and data.get("mapping") == "name_zh = Nope":
        # Checking the columns only reads the headers: the wrong column is shown as not preselected.
        assert response.status_code == 200
        return
    assert response.status_code == 400
    field_error(body_of(response), field)
    assert not ListImport.objects.exists()


def test_review_note_too_long_re_renders(client_as: Callable[[str], Client], incident: Incident,
                                         review: MatchReview) -> None:
    response = client_as("hq_officer").post(f"/console/incidents/{incident.pk}/reviews/{review.pk}/confirm/",
                                            {"note": "x" * 5001})
    assert response.status_code == 400
    assert "error-summary" in body_of(response)
    assert MatchReview.objects.get(pk=review.pk).state == "pending"


# --- inquiries, the next-of-kin gate, call-backs ------------------------------------------------------------------


def test_operator_takes_an_inquiry_and_attaches_it(client_as: Callable[[str], Client], incident: Incident,
                                                   wang: AffectedPerson, zhao: AffectedPerson) -> None:
    client = client_as("hotline_operator")
    response = client.post(f"/console/incidents/{incident.pk}/inquiries/new/", {
        "subject_name": "王建国", "subject_birth_date": "1961", "subject_passport_number": "", "inquirer_name": "王芳",
        "inquirer_relation": "女儿", "inquirer_phone": "+86 139 1111 2222", "inquirer_email": "", "channel": "phone",
        "language": "zh", "message": "我父亲在那辆车上"})
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    page = f"/console/incidents/{incident.pk}/inquiries/{inquiry.pk}/"
    assert response["Location"] == page
    body = body_of(client.get(page))
    first = re.search(r'<tr data-person="([0-9a-f-]+)" data-level="(\w+)">', body)
    assert first and first.groups() == (str(wang.pk), "match")
    assert 'data-public-status="unaccounted"' in body and "尚未核实" in body
    assert "王芳" in body and "+86 139 1111 2222" in body
    assert AuditEntry.objects.filter(action="inquiry.read", object_id=str(inquiry.pk)).exists()
    assert AuditEntry.objects.filter(action="affectedperson.read", object_id=str(wang.pk),
                                     data__purpose="inquiry_candidates").exists()
    response = client.post(page + "attach/", {"person": str(wang.pk)})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.person_id == wang.pk and inquiry.state == "matched"
    body = body_of(client.get(page))
    assert f'id="attached" data-person="{wang.pk}"' in body
    # Attaching to nobody: refused with the reason.
    assert client.post(page + "attach/", {"person": "nope"}).status_code == 302
    assert client.post(page + "attach/", {"person": str(zhao.pk)}).status_code == 302
    assert Inquiry.objects.get().person_id == zhao.pk  # another candidate may be chosen


@pytest.mark.parametrize(("data", "field"), [
    ({"subject_name": ""}, "subject_name"),
    ({"subject_name": "123"}, "subject_name"),  # the service: a name needs letters
    ({"inquirer_phone": "", "inquirer_email": ""}, "inquirer_phone"),
    ({"inquirer_email": "nope"}, "inquirer_email"),
    ({"subject_birth_date": "1961-02-30"}, "subject_birth_date"),  # the service: a real date
    ({"subject_birth_date": "1700"}, "subject_birth_date"),
    ({"channel": "pigeon"}, "channel"),
    ({"message": "x" * 5001}, "message"),
])
def test_inquiry_form_errors(client_as: Callable[[str], Client], incident: Incident, data: dict[str, str],
                             field: str) -> None:
    values = {"subject_name": "王建国", "inquirer_phone": "+86 139 1111 2222", "channel": "phone", "language": "zh"}
    values.update(data)
    response = client_as("officer_cnx").post(f"/console/incidents/{incident.pk}/inquiries/new/", values)
    assert response.status_code == 400
    field_error(body_of(response), field)
    assert not Inquiry.objects.exists()


def test_inquiry_page_hides_a_death_until_the_next_of_kin_is_told(
        client_as: Callable[[str], Client], incident: Incident, hq: User, wang: AffectedPerson,
        inquiry: Inquiry) -> None:
    inquiry_attach(actor=hq, inquiry=inquiry, person=wang)
    person_set_status(actor=hq, person=wang, status="deceased", source_kind="officer", note="identified")
    client = client_as("hotline_operator")
    page = f"/console/incidents/{incident.pk}/inquiries/{inquiry.pk}/"
    body = main(body_of(client.get(page)))
    # The operator is told what to say: "please wait for our call", in both languages; never the death.
    assert 'id="what-to-tell"' in body
    assert body.count('data-public-status="awaiting_notification"') == 2  # the attached person and the candidate
    assert WAIT_ZH in body and WAIT_EN in body
    for word in ("遇难", "deceased", "Deceased", "死亡", 'data-public-status="deceased"'):
        assert word not in body, word
    # The call-backs list says the same.
    calls = main(body_of(client.get(f"/console/incidents/{incident.pk}/callbacks/")))
    assert 'data-public-status="awaiting_notification"' in calls and "遇难" not in calls
    assert "deceased" not in calls.lower()
    # Once an officer records that the next of kin was told, the death may be told.
    next_of_kin_informed(actor=hq, person=wang, note="told")
    body = main(body_of(client.get(page)))
    assert 'data-public-status="deceased"' in body and "遇难" in body and WAIT_ZH not in body.split(
        'id="inquiry-details"')[1]


def test_callbacks_due_and_done(client_as: Callable[[str], Client], incident: Incident, callback: CallBack,
                                settings: Any) -> None:
    client = client_as("hotline_operator")
    url = f"/console/incidents/{incident.pk}/callbacks/"
    body = body_of(client.get(url))
    assert f'data-callback="{callback.pk}"' in body and "王芳" in body and "+86 139 1111 2222" in body
    assert 'data-public-status="missing"' in body and "失踪" in body
    assert AuditEntry.objects.filter(action="callback.read", object_id=str(callback.pk),
                                     data__purpose="callbacks").exists()
    bad = client.post(f"{url}{callback.pk}/done/", {"note": "x" * 5001})
    assert bad.status_code == 400
    field_error(body_of(bad), "note")
    response = client.post(f"{url}{callback.pk}/done/", {"note": "Told her he is missing"})
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.done_at is not None and callback.note == "Told her he is missing"
    assert f'data-callback="{callback.pk}"' not in body_of(client.get(url))
    assert Inquiry.objects.get().state == "answered"
    # Done twice: refused with the reason.
    assert client.post(f"{url}{callback.pk}/done/", {"note": ""}).status_code == 302


def test_inquiry_list_and_imports_list_are_readable_by_auditors(
        client_as: Callable[[str], Client], incident: Incident, review: MatchReview, inquiry: Inquiry) -> None:
    client = client_as("auditor")
    body = body_of(client.get(f"/console/incidents/{incident.pk}/inquiries/"))
    assert f"/inquiries/{inquiry.pk}/" in body
    assert AuditEntry.objects.filter(action="inquiry.read", data__purpose="inquiries").exists()
    body = body_of(client.get(f"/console/incidents/{incident.pk}/imports/"))
    assert "manifest.csv" in body and 'enctype="multipart/form-data"' not in body
    assert ImportRow.objects.count() == 3


@pytest.mark.parametrize("role", ["hotline_operator", "auditor", "hq_officer"])
def test_the_review_queue_shows_passport_numbers_only_to_officers(client_as: Callable[[str], Client],
                                                                   incident: Incident, hq: User, wang: AffectedPerson,
                                                                   role: str) -> None:
    """A row whose passport number differs from the registry's goes to review; both numbers are shown (and
    recorded as read) only to the roles that see passport numbers, as on the person's page and in exports."""
    from consular.incidents.imports import list_import

    row = "王建国,WANG JIANGUO,M,02/03/1961,E99999999,CHN,injured,12A\n"
    list_import(actor=hq, incident=incident, data=MANIFEST.split(b"\n")[1] + b"\n" + row.encode(),
                filename="m.csv", mapping=None, kind="manifest")
    review = MatchReview.objects.get(state="pending")
    page = body_of(client_as(role).get(f"/console/incidents/{incident.pk}/reviews/"))
    assert f'data-review="{review.pk}"' in page and "WANG JIANGUO" in page
    sees = role == "hq_officer"
    assert ("E12345678" in page, "E99999999" in page) == (sees, sees)
    read = AuditEntry.objects.get(action="affectedperson.read", object_id=str(wang.pk),
                                  data__purpose="review_candidates")
    assert ("passport_number" in read.data["fields"]) == sees
    assert {"last_known_location", "hospital", "sex", "nationalities"} <= set(read.data["fields"])


def test_the_callbacks_page_records_the_subject_read(client_as: Callable[[str], Client], incident: Incident,
                                                     callback: CallBack) -> None:
    body_of(client_as("hotline_operator").get(f"/console/incidents/{incident.pk}/callbacks/"))
    read = AuditEntry.objects.get(action="callback.read", object_id=str(callback.pk), data__purpose="callbacks")
    assert {"inquirer_name", "inquirer_phone", "subject_name"} <= set(read.data["fields"])
