"""The officers' registry export: CSV with a BOM and Chinese intact, formula injection escaped, passport numbers
by role, the true status with the next-of-kin column, the same rows in XLSX, the status filter, the audit entry,
and who may."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from consular.incidents.exports import columns_for, persons_csv, persons_xlsx, safe_cell
from consular.incidents.models import AffectedPerson
from consular.incidents.services import inquiry_attach, inquiry_submit, next_of_kin_informed, person_set_status
from tests.incidents.incident_helpers import add_person, inquiry_in, open_incident


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def world(roles):
    hq = roles["hq_officer"]
    incident = open_incident(hq)
    wang = add_person(hq, incident, other_names=["WANG CHIEN-KUO"], sex="m")
    dead = add_person(
        hq,
        incident,
        name_zh="李娜",
        name_latin='=HYPERLINK("http://evil")',
        other_names=["+SUM(1)", "@cmd", "-2+3", "LI NA"],
        sex="f",
        passport_number="G1234567",
    )
    person_set_status(actor=hq, person=dead, status="deceased", source_kind="import", source_ref="morgue-1:line 3")
    inquiry, _found = inquiry_submit(actor=hq, incident=incident, data=inquiry_in())
    inquiry_attach(actor=hq, inquiry=inquiry, person=wang)
    return {"incident": incident, "wang": wang, "dead": dead}


def test_csv_has_a_bom_chinese_and_the_true_status(roles, world):
    hq, incident = roles["hq_officer"], world["incident"]
    rows = _rows(persons_csv(actor=hq, incident=incident))
    header, first, second = rows
    assert header == columns_for(hq) and "passport_number" in header
    record = dict(zip(header, first, strict=True))
    assert record["id"] == str(world["wang"].pk) and record["incident"] == incident.reference
    assert (record["name_zh"], record["name_latin"], record["other_names"]) == (
        "王建国",
        "WANG JIANGUO",
        "WANG CHIEN-KUO",
    )
    assert (record["sex"], record["birth_date"], record["passport_number"]) == ("m", "1961-03-02", "E12345678")
    assert (record["status"], record["mission"], record["inquiries"]) == ("unaccounted", "LA-VTE", "1")
    assert record["last_change_source"] == "import: manifest-1:line 12" and record["last_change_at"].endswith("Z")
    dead = dict(zip(header, second, strict=True))
    # Officers see the death, and separately that the next of kin has not been told yet.
    assert (dead["status"], dead["next_of_kin_informed_at"]) == ("deceased", "")
    next_of_kin_informed(actor=hq, person=AffectedPerson.objects.get(pk=world["dead"].pk))
    told = dict(zip(header, _rows(persons_csv(actor=hq, incident=incident))[2], strict=True))
    assert told["next_of_kin_informed_at"].endswith("Z")


def test_formula_injection_is_escaped(roles, world):
    rows = _rows(persons_csv(actor=roles["hq_officer"], incident=world["incident"]))
    record = dict(zip(rows[0], rows[2], strict=True))
    assert record["name_latin"] == '\'=HYPERLINK("http://evil")'
    assert record["other_names"] == "'+SUM(1); @cmd; -2+3; LI NA"
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(("=", "+", "-", "@"))
    assert [safe_cell(v) for v in ("=1", "+1", "-1", "@a", "\tx", "a=b", "")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "a=b",
        "",
    ]


@pytest.mark.parametrize(
    ("role", "passport"), [("hq_officer", True), ("officer_cnx", True), ("hotline_operator", False), ("auditor", False)]
)
def test_passport_column_by_role(roles, world, role, passport):
    actor = roles[role]
    rows = _rows(persons_csv(actor=actor, incident=world["incident"]))
    assert ("passport_number" in rows[0]) == passport
    assert ("E12345678" in {c for row in rows for c in row}) == passport
    entry = AuditEntry.objects.filter(action="incident.persons_export").get()
    assert entry.actor_id == actor.pk and entry.object_id == str(world["incident"].pk)
    assert entry.data["count"] == 2 and entry.data["format"] == "csv"
    assert ("passport_number" in entry.data["fields"]) == passport and "name_zh" in entry.data["fields"]


def test_xlsx_has_the_same_rows(roles, world):
    hq, incident = roles["hq_officer"], world["incident"]
    csv_rows = _rows(persons_csv(actor=hq, incident=incident))
    xlsx_rows = _xlsx_rows(persons_xlsx(actor=hq, incident=incident))
    assert xlsx_rows == csv_rows
    entries = list(AuditEntry.objects.filter(action="incident.persons_export").order_by("created_at", "id"))
    assert [e.data["format"] for e in entries] == ["csv", "xlsx"]


def test_status_filter(roles, world):
    hq, incident = roles["hq_officer"], world["incident"]
    rows = _rows(persons_csv(actor=hq, incident=incident, status=["deceased"]))
    assert [r[0] for r in rows[1:]] == [str(world["dead"].pk)]
    assert len(_xlsx_rows(persons_xlsx(actor=hq, incident=incident, status="safe"))) == 1  # the header only
    with pytest.raises(ApplicationError) as info:
        persons_csv(actor=hq, incident=incident, status=["dead"])
    assert "status" in info.value.fields


READ = dict(
    anonymous=401,
    citizen=403,
    volunteer=403,
    officer_bkk=404,
    officer_cnx=200,
    hotline_operator=200,
    hq_officer=200,
    auditor=200,
)


@pytest.mark.parametrize("role", list(READ))
def test_api_exports_by_role(api, roles, world, role):
    client = api() if role == "anonymous" else api(roles[role])
    base = f"/api/v1/incidents/{world['incident'].pk}"
    response = client.get(f"{base}/persons.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == READ[role]
    xlsx = client.get(f"{base}/persons.xlsx", {"status": ["deceased", "unaccounted"]})
    assert xlsx.status_code == READ[role]
    if READ[role] != 200:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert not AuditEntry.objects.filter(action="incident.persons_export").exists()
        return
    assert response["Content-Type"].startswith("text/csv") and "persons.csv" in response["Content-Disposition"]
    assert len(_rows(response.content)) == 3
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(_xlsx_rows(xlsx.content)) == 3
    assert AuditEntry.objects.filter(action="incident.persons_export").count() == 2
    bad = client.get(f"{base}/persons.csv", {"status": "nope"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
