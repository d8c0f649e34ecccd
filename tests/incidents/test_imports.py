"""List imports into an incident's registry: a confident match links (its status recorded with the import and line
as source), a possible or ambiguous match waits in the review queue, no match creates a person; bad rows refuse
the list (all-or-nothing) or are left out (good rows only); re-importing the same rows, as CSV or XLSX, in any
order, changes nothing; a list never records a death; the review queue's confirm and reject."""

from __future__ import annotations

import datetime
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection

from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from consular.incidents import selectors
from consular.incidents.import_models import ImportRow, ListImport, MatchReview, ReviewState, RowOutcome
from consular.incidents.imports import list_import, review_confirm, review_reject
from consular.incidents.models import AffectedPerson, PersonStatusChange
from consular.incidents.services import incident_close, person_set_status
from tests.incidents.incident_helpers import add_person, open_incident

HEADER = ["姓名", "Name", "Sex", "Date of birth", "Passport No.", "Nationality", "Status", "Seat"]
ROWS = [
    ["王建国", "WANG JIANGUO", "M", "02/03/1961", "E12345678", "CHN", "injured", "12A"],  # line 3: links
    ["", "ZHAO MING", "F", "1975", "", "CN", "safe", "14C"],  # line 4: possible (赵敏 ZHAO MIN, 1975)
    ["陈小明", "CHEN XIAOMING", "M", "1990-01-01", "G99887766", "中国", "safe", "20B"],  # line 5: new
    ["张伟", "ZHANG WEI", "M", "", "", "CN", "", "21A"],  # line 6: two persons match: ambiguous
]


def csv_bytes(rows: list[list[str]] = ROWS, header: list[str] = HEADER, title: str = "Manifest CA 123") -> bytes:
    lines = [title, ",".join(header), *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], header: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Passenger manifest"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def world(hq) -> dict[str, Any]:
    incident = open_incident(hq)
    return {
        "incident": incident,
        "wang": add_person(hq, incident),
        "zhao": add_person(hq, incident, name_zh="赵敏", name_latin="ZHAO MIN", birth_date=datetime.date(1975, 4, 4),
                           passport_number=""),
        "zhang": add_person(hq, incident, name_zh="张伟", name_latin="", birth_date=None, passport_number=""),
        "zhang2": add_person(hq, incident, name_zh="", name_latin="ZHANG WEI", birth_date=None,
                             passport_number="E5555555"),
    }


def _import(actor: Any, incident: Any, data: bytes | None = None, **kwargs: Any) -> ListImport:
    options: dict[str, Any] = {"filename": "manifest.csv", "mapping": None, "kind": "manifest",
                               "mode": "all_or_nothing"}
    options.update(kwargs)
    return list_import(actor=actor, incident=incident, data=csv_bytes() if data is None else data, **options)


def _counts(imported: ListImport) -> tuple[int, ...]:
    return (imported.total, imported.linked, imported.created, imported.review, imported.skipped_same, imported.bad)


def test_manifest_links_reviews_and_creates(hq, world):
    incident = world["incident"]
    imported = _import(hq, incident)
    assert imported.status == "imported" and imported.file_format == "csv" and len(imported.sha256) == 64
    assert _counts(imported) == (4, 1, 1, 2, 0, 0)
    assert imported.mapping["name_zh"] == "姓名" and imported.mapping["passport_number"] == "Passport No."
    ref = f"{imported.pk}:3"
    wang = AffectedPerson.objects.get(pk=world["wang"].pk)
    assert wang.status == "injured"
    last = wang.status_changes.order_by("-at", "-created_at").first()
    assert last is not None
    assert (last.from_status, last.to_status, last.source_kind, last.source_ref) == ("unaccounted", "injured",
                                                                                     "import", ref)
    chen = AffectedPerson.objects.get(pk=ImportRow.objects.get(list_import=imported, line=5).person_id)
    assert (chen.name_zh, chen.name_latin, chen.status, chen.passport_number) == ("陈小明", "CHEN XIAOMING", "safe",
                                                                                   "G99887766")
    assert chen.birth_date == datetime.date(1990, 1, 1) and chen.nationalities == "CN" and chen.sex == "m"
    first = chen.status_changes.get()
    assert (first.source_kind, first.source_ref) == ("import", f"{imported.pk}:5")
    assert "Seat or room: 20B" in first.note
    rows = {r.line: r for r in ImportRow.objects.filter(list_import=imported)}
    assert {line: r.outcome for line, r in rows.items()} == {3: "linked", 4: "review", 5: "created", 6: "review"}
    assert rows[3].person_id == wang.pk and rows[4].person_id is None
    # The possible match waits; the person is not changed.
    zhao_review = MatchReview.objects.get(import_row=rows[4])
    assert zhao_review.candidate_id == world["zhao"].pk and zhao_review.state == "pending"
    assert 0.5 <= zhao_review.score < 0.8 and "birth_year_match" in zhao_review.reasons
    assert AffectedPerson.objects.get(pk=world["zhao"].pk).status == "unaccounted"
    # Two persons match 张伟 ZHANG WEI equally well: an officer decides.
    zhang_review = MatchReview.objects.get(import_row=rows[6])
    both = {world["zhang"].pk, world["zhang2"].pk}
    assert zhang_review.candidate_id in both
    assert {o["person"] for o in zhang_review.others} == {str(p) for p in both - {zhang_review.candidate_id}}
    # The row's values are stored encrypted.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {'values'!r} FROM {MatchReview._meta.db_table}".replace("'", '"'))
        raw = " ".join(str(r[0]) for r in cursor.fetchall())
    assert "ZHAO" not in raw and "ZHAO MING" in zhao_review.values
    # The dashboard's review queue.
    assert selectors.incident_dashboard(incident=incident)["review_queue_length"] == 2
    # Audited with counts, no personal data.
    entry = AuditEntry.objects.get(action="list_import.import")
    assert entry.data["linked"] == 1 and entry.data["review"] == 2 and entry.data["status_changes"] == 1
    assert "WANG" not in str(entry.data) and "陈" not in str(entry.data)


def test_reimporting_the_same_rows_changes_nothing(hq, world):
    incident = world["incident"]
    _import(hq, incident)
    before = (AffectedPerson.objects.count(), PersonStatusChange.objects.count(), MatchReview.objects.count(),
              ImportRow.objects.count())
    again = _import(hq, incident)
    assert again.status == "imported" and _counts(again) == (4, 0, 0, 0, 4, 0)
    # The same rows in another order, other columns order, as XLSX, with a real date cell.
    header = ["Seat", "Name", "姓名", "Nationality", "Status", "Sex", "Passport No.", "Date of birth"]
    order = [HEADER.index(h) for h in header]
    rows: list[list[Any]] = [[r[i] for i in order] for r in reversed(ROWS)]
    rows[-1][header.index("Date of birth")] = datetime.datetime(1961, 3, 2)
    as_xlsx = _import(hq, incident, xlsx_bytes(rows, header), filename="manifest.xlsx")
    assert as_xlsx.file_format == "xlsx" and _counts(as_xlsx) == (4, 0, 0, 0, 4, 0)
    after = (AffectedPerson.objects.count(), PersonStatusChange.objects.count(), MatchReview.objects.count(),
             ImportRow.objects.count())
    assert after == before
    # A changed row is a new row: only it is taken.
    changed = _import(hq, incident, csv_bytes([*ROWS[:3], ["张伟", "ZHANG WEI", "M", "", "", "CN", "safe", "22A"]]))
    assert _counts(changed) == (4, 0, 0, 1, 3, 0)


BAD_ROWS = [
    ROWS[0],
    ["", "ZHAO MING", "F", "31/02/1975", "", "CN", "", "14C"],  # line 4: no such date
    ["陈小明", "CHEN XIAOMING", "M", "1990-01-01", "G99887766", "Atlantis", "safe", "20B"],  # line 5: no country
    ["", "", "M", "1990-01-01", "", "", "", "30C"],  # line 6: no name
    ["刘洋", "LIU YANG", "M", "1980-04-04", "", "CN", "", "31A"],  # line 7: good, new
]


def test_bad_rows_refuse_the_whole_list(hq, world):
    incident = world["incident"]
    before = (AffectedPerson.objects.count(), PersonStatusChange.objects.count())
    rejected = _import(hq, incident, csv_bytes(BAD_ROWS))
    assert rejected.status == "rejected" and _counts(rejected) == (5, 0, 0, 0, 0, 3)
    errors = rejected.error_list("en")
    assert [(e["line"], e["column"], e["field"]) for e in errors] == [
        (4, "Date of birth", "birth_date"), (5, "Nationality", "nationality"), (6, "姓名", "name_zh")]
    assert all(e["message"] for e in errors)
    assert rejected.error_list("zh-hans")[0]["message"]
    assert (AffectedPerson.objects.count(), PersonStatusChange.objects.count()) == before
    assert not ImportRow.objects.exists() and not MatchReview.objects.exists()
    assert AffectedPerson.objects.get(pk=world["wang"].pk).status == "unaccounted"
    entry = AuditEntry.objects.get(action="list_import.reject")
    assert entry.data["bad"] == 3 and entry.data["errors"] == 3


def test_good_rows_only_imports_the_good_rows_and_reports_the_bad(hq, world):
    incident = world["incident"]
    imported = _import(hq, incident, csv_bytes(BAD_ROWS), mode="good_rows_only")
    assert imported.status == "imported" and _counts(imported) == (5, 1, 1, 0, 0, 3)
    assert [e["line"] for e in imported.error_list()] == [4, 5, 6]
    assert AffectedPerson.objects.get(pk=world["wang"].pk).status == "injured"
    assert set(ImportRow.objects.filter(list_import=imported).values_list("line", flat=True)) == {3, 7}
    # Once the file is fixed, only the fixed rows are new.
    fixed = [ROWS[0], ROWS[1], ROWS[2], ["", "LI LEI", "M", "1990-01-01", "", "", "", "30C"], BAD_ROWS[4]]
    again = _import(hq, incident, csv_bytes(fixed))
    assert again.status == "imported" and _counts(again) == (5, 0, 2, 1, 2, 0)


def test_the_registry_rules_are_checked_per_row_before_anything_is_written(hq, world):
    incident = world["incident"]
    header = ["Name", "Status", "Hospital"]
    rows = [["LIU YANG", "hospitalised", ""], ["LI LEI", "safe", "Mahosot Hospital"], ["CHEN JIE", "injured", ""]]
    rejected = _import(hq, incident, csv_bytes(rows, header))
    assert rejected.status == "rejected"
    assert [(e["line"], e["field"]) for e in rejected.error_list()] == [(3, "hospital"), (4, "hospital")]
    assert AffectedPerson.objects.count() == 4
    too_long = _import(hq, incident, csv_bytes([["张" * 101, "1A"]], ["姓名", "Seat"]))
    assert [(e["line"], e["column"], e["field"]) for e in too_long.error_list()] == [(3, "姓名", "name_zh")]


def test_a_hospital_list_records_where_the_person_is_treated(hq, world):
    incident = world["incident"]
    header = ["Patient", "Passport", "DOB", "Hospital"]
    rows = [["WANG JIANGUO", "E12345678", "1961-03-02", "Mahosot Hospital"], ["HUANG LI", "", "", "Setthathirath"]]
    imported = _import(hq, incident, csv_bytes(rows, header), kind="hospital",
                       mapping={"name_latin": "Patient", "passport_number": "Passport", "birth_date": "DOB",
                                "hospital": "Hospital"})
    assert _counts(imported) == (2, 1, 1, 0, 0, 0)
    wang = AffectedPerson.objects.get(pk=world["wang"].pk)
    assert (wang.status, wang.hospital) == ("hospitalised", "Mahosot Hospital")
    huang = ImportRow.objects.get(line=4).person
    assert huang is not None and (huang.status, huang.hospital) == ("hospitalised", "Setthathirath")


def test_a_morgue_list_never_makes_anyone_deceased(hq, world):
    incident = world["incident"]
    person_set_status(actor=hq, person=world["wang"], status="safe", source_kind="officer")
    rows = [["王建国", "WANG JIANGUO", "", "02/03/1961", "E12345678", "", "", ""],
            ["", "HUANG LI", "F", "1990", "", "", "deceased", ""]]
    imported = _import(hq, incident, csv_bytes(rows), kind="morgue")
    assert _counts(imported) == (2, 1, 1, 0, 0, 0)
    wang = AffectedPerson.objects.get(pk=world["wang"].pk)
    assert wang.status == "unconfirmed"
    change = wang.status_changes.order_by("-at", "-created_at").first()
    assert change is not None and change.source_ref == f"{imported.pk}:3" and "deceased" in change.note
    huang = ImportRow.objects.get(line=4).person
    assert huang is not None and huang.status == "unconfirmed"
    assert "Reported deceased" in huang.status_changes.get().note and "Born 1990" in huang.status_changes.get().note
    assert not AffectedPerson.objects.filter(status="deceased").exists()
    assert not PersonStatusChange.objects.filter(to_status="deceased").exists()
    # A death an officer recorded is not undone by a list either.
    person_set_status(actor=hq, person=wang, status="deceased", source_kind="officer")
    hospital = _import(hq, incident, csv_bytes([["WANG JIANGUO", "E12345678", "1961-03-02", "Mahosot"]],
                                                ["Name", "Passport No.", "Date of birth", "Hospital"]),
                       kind="hospital")
    assert _counts(hospital) == (1, 1, 0, 0, 0, 0)
    assert AffectedPerson.objects.get(pk=wang.pk).status == "deceased"


def test_confirm_links_the_row_and_applies_its_status(hq, world):
    incident = world["incident"]
    imported = _import(hq, incident)
    review = MatchReview.objects.get(import_row__line=4)
    done = review_confirm(actor=hq, review=review, note="same person, checked the passport copy")
    assert done.state == ReviewState.CONFIRMED and done.decided_by == hq and done.decided_at is not None
    row = ImportRow.objects.get(pk=review.import_row_id)
    assert (row.outcome, row.person_id) == (RowOutcome.LINKED, world["zhao"].pk)
    zhao = AffectedPerson.objects.get(pk=world["zhao"].pk)
    assert zhao.status == "safe"
    change = zhao.status_changes.order_by("-at", "-created_at").first()
    assert change is not None and (change.source_kind, change.source_ref) == ("import", f"{imported.pk}:4")
    assert AuditEntry.objects.filter(action="match_review.confirm", object_id=str(review.pk)).exists()
    assert selectors.incident_dashboard(incident=incident)["review_queue_length"] == 1
    with pytest.raises(ApplicationError) as again:
        review_confirm(actor=hq, review=review)
    assert again.value.status == 409


def test_confirm_may_name_another_candidate_of_the_row_only(hq, world):
    _import(hq, world["incident"])
    review = MatchReview.objects.get(import_row__line=6)
    other = world["zhang2"] if review.candidate_id == world["zhang"].pk else world["zhang"]
    with pytest.raises(ApplicationError) as wrong:
        review_confirm(actor=hq, review=review, person=world["wang"])
    assert "person" in wrong.value.fields
    review_confirm(actor=hq, review=review, person=other)
    assert ImportRow.objects.get(line=6, outcome="linked").person_id == other.pk


def test_reject_creates_a_new_person_from_the_row(hq, world):
    incident = world["incident"]
    imported = _import(hq, incident)
    review = MatchReview.objects.get(import_row__line=4)
    count = AffectedPerson.objects.count()
    done = review_reject(actor=hq, review=review, note="a different person")
    assert done.state == ReviewState.REJECTED and AffectedPerson.objects.count() == count + 1
    row = ImportRow.objects.get(pk=review.import_row_id)
    assert row.outcome == RowOutcome.CREATED and row.person is not None
    person = row.person
    assert (person.name_latin, person.status, person.sex) == ("ZHAO MING", "safe", "f")
    assert person.status_changes.get().source_ref == f"{imported.pk}:4"
    assert AffectedPerson.objects.get(pk=world["zhao"].pk).status == "unaccounted"
    assert AuditEntry.objects.filter(action="match_review.reject", object_id=str(review.pk)).exists()
    with pytest.raises(ApplicationError) as again:
        review_reject(actor=hq, review=review)
    assert again.value.status == 409
    # Re-importing the file does not bring the row back to the queue.
    assert _counts(_import(hq, incident)) == (4, 0, 0, 0, 4, 0)


@pytest.mark.parametrize(("data", "kwargs", "field"), [
    (b"", {}, "file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, {"filename": "old.xls"}, "file"),
    (None, {"mapping": {"name_zh": "No such column"}}, "mapping"),
    (None, {"mapping": {"shoe_size": "Seat"}}, "mapping"),
    (b"a,b\n1,2\n", {}, "mapping"),
    (None, {"kind": "passengers"}, "kind"),
    (None, {"mode": "some"}, "mode"),
])
def test_whole_file_problems_store_nothing(hq, world, data, kwargs, field):
    with pytest.raises(ApplicationError) as refused:
        _import(hq, world["incident"], data, **kwargs)
    assert refused.value.status == 400 and field in refused.value.fields
    assert all(str(m) for m in refused.value.fields[field])
    assert not ListImport.objects.exists()


def test_who_may_import(roles, world):
    incident = world["incident"]
    with pytest.raises(ApplicationError) as auditor:
        _import(roles["auditor"], incident)
    assert auditor.value.status == 403
    with pytest.raises(ApplicationError) as other_mission:
        _import(roles["officer_bkk"], incident)
    assert other_mission.value.status == 404
    assert _import(roles["officer_cnx"], incident).status == "imported"
    review = MatchReview.objects.first()
    assert review is not None
    with pytest.raises(ApplicationError) as outsider:
        review_confirm(actor=roles["officer_bkk"], review=review)
    assert outsider.value.status == 404 and MatchReview.objects.get(pk=review.pk).state == "pending"
    incident_close(actor=roles["hq_officer"], incident=incident)
    with pytest.raises(ApplicationError) as closed:
        _import(roles["hq_officer"], incident, csv_bytes([["", "LI LEI", "", "", "", "", "", ""]]))
    assert closed.value.status == 409


def test_a_person_listed_twice_in_two_scripts_is_created_once(hq, world):
    rows = [["刘洋", "", "M", "1980-04-04", "", "", "", "1A"], ["", "LIU YANG", "M", "1980-04-04", "", "", "", "1A"]]
    imported = _import(hq, world["incident"], csv_bytes(rows))
    assert _counts(imported) == (2, 1, 1, 0, 0, 0)
    persons = set(ImportRow.objects.filter(list_import=imported).values_list("person_id", flat=True))
    assert len(persons) == 1
