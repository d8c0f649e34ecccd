"""Reading incident lists (CSV, XLSX) and normalising their rows: no database.

Files are built in the tests: CSV in several encodings and delimiters, XLSX with openpyxl (real date cells,
numbers where a passport number should be). Every normaliser is table-driven with good and bad values; line
numbers are checked against what an editor or a spreadsheet shows; fingerprints must not depend on format,
encoding or row order; and arbitrary bytes must never raise anything but ``TableError``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence

import openpyxl
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consular.incidents.tabular import (
    FIELDS,
    LIST_KINDS,
    STATUSES,
    BirthDate,
    MappingError,
    ParsedList,
    Table,
    TableError,
    ValueInvalid,
    fingerprint,
    normalise_email,
    normalise_name,
    normalise_nationality,
    normalise_passport,
    normalise_phone,
    normalise_sex,
    normalise_status,
    parse_birth_date,
    parse_rows,
    read_table,
    suggest_mapping,
)

TODAY = dt.date(2026, 1, 15)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def make_csv(rows: Sequence[Sequence[object]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def make_xlsx(rows: Sequence[Sequence[object]], *, title: str = "Sheet1", extra_sheets: Sequence[str] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name in extra_sheets:
        workbook.create_sheet(name).append(["other", "sheet"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


MANIFEST_HEADER = ["No.", "Passenger Name", "姓名", "Sex", "DOB", "Passport No.", "Nationality", "Seat", "Remarks"]
MANIFEST_ROWS: list[list[object]] = [
    ["1", "ZHANG WEI", "张伟", "M", "1961-03-02", "E12345678", "CHN", "12A", ""],
    ["2", "LI NA", "李娜", "F", "1985-11-30", "EA7654321", "CHN", "12B", "travelling with 1"],
    ["3", "WANG JIANGUO", "王建国", "男", "1990-01-05", "G00112233", "中国", "14C", ""],
    ["4", "LYU XIAOMEI", "吕晓梅", "女", "2001-07-21", "E99988877", "China", "14D", "child seat"],
]


def manifest_csv(*, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    return make_csv([MANIFEST_HEADER, *MANIFEST_ROWS], encoding=encoding, delimiter=delimiter)


def parsed(data: bytes, filename: str = "list.csv", *, kind: str = "manifest") -> ParsedList:
    table = read_table(data, filename)
    return parse_rows(table, suggest_mapping(table.headers), kind=kind)


# ---------------------------------------------------------------------------------------------------------
# read_table: CSV


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected_encoding"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),
        ("gbk", ",", "gb18030"),
        ("gb18030", ",", "gb18030"),
        ("utf-8", ";", "utf-8"),
        ("utf-8", "\t", "utf-8"),
        ("utf-8", "|", "utf-8"),
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text": UTF-16 with a BOM, tab separated
        ("utf-16-le", "\t", "utf-16-le"),  # the same without a BOM
        ("utf-32", ",", "utf-32"),
    ],
)
def test_csv_encodings_and_delimiters(encoding: str, delimiter: str, expected_encoding: str) -> None:
    table = read_table(manifest_csv(encoding=encoding, delimiter=delimiter), "manifest.csv")
    assert table.format == "csv"
    assert table.encoding == expected_encoding
    assert table.delimiter == delimiter
    assert table.headers == MANIFEST_HEADER  # no BOM left on the first header
    assert table.header_line == 1
    assert [line for line, _cells in table.rows] == [2, 3, 4, 5]
    assert table.rows[2][1][:3] == ["3", "WANG JIANGUO", "王建国"]


def test_semicolon_list_with_commas_inside_cells() -> None:
    data = b"Name;Remarks;Room\nZHANG WEI;arrived, then left;101\nLI NA;x, y, z;102\n"
    table = read_table(data, "hotel.csv")
    assert table.delimiter == ";"
    assert table.rows[0] == (2, ["ZHANG WEI", "arrived, then left", "101"])


def test_quoted_multiline_cells_and_the_line_numbers_after_them() -> None:
    text = (
        "姓名,备注,房间号\r\n"  # line 1
        '张伟,"first line\r\nsecond line\r\nthird line",101\r\n'  # lines 2-4
        "李娜,,102\r\n"  # line 5
        "\r\n"  # line 6: blank, skipped
        ',"",\r\n'  # line 7: empty cells only, skipped
        '王建国,"a ""quoted"" word\nand a second line",103\n'  # lines 8-9 (LF only)
        "赵敏,,104"  # line 10, no final newline
    )
    table = read_table(text.encode("utf-8"), "hotel.csv")
    assert [line for line, _cells in table.rows] == [2, 5, 8, 10]
    assert table.rows[0][1][1] == "first line\r\nsecond line\r\nthird line"
    assert table.rows[2][1][1] == 'a "quoted" word\nand a second line'
    result = parse_rows(table, {"name_zh": "姓名", "seat_or_room": "房间号", "note": "备注"}, kind="hotel")
    assert [row.line for row in result.rows] == [2, 5, 8, 10]
    assert result.rows[0].values["note"] == "first line\nsecond line\nthird line"


def test_title_lines_above_the_header_are_skipped_and_keep_their_line_numbers() -> None:
    text = "Flight CA 123 passenger manifest\n\nName,Passport\nZHANG WEI,E12345678\n"
    table = read_table(text.encode(), "manifest.csv")
    assert table.header_line == 3
    assert table.headers == ["Name", "Passport"]
    assert table.rows == [(4, ["ZHANG WEI", "E12345678"])]


def test_single_column_list() -> None:
    table = read_table("姓名\n张伟\n李娜\n".encode(), "names.csv")
    assert table.headers == ["姓名"]
    assert table.rows == [(2, ["张伟"]), (3, ["李娜"])]


def test_short_rows_are_padded_and_headers_tidied() -> None:
    table = read_table(b'"  Passport\n No. ", Name ,\nE12345678\n', "x.csv")
    assert table.headers == ["Passport No.", "Name"]  # whitespace collapsed, trailing blank header dropped
    assert table.rows == [(3, ["E12345678", ""])]


def test_blank_header_over_an_empty_column_is_dropped() -> None:
    table = read_table(b"Name,,Passport\nZHANG WEI,,E12345678\nLI NA,,\n", "x.csv")
    assert table.headers == ["Name", "Passport"]
    assert table.rows == [(2, ["ZHANG WEI", "E12345678"]), (3, ["LI NA", ""])]


def test_gbk_file_reads_the_same_as_utf8() -> None:
    assert read_table(manifest_csv(encoding="gbk"), "a.csv").rows == read_table(manifest_csv(), "a.csv").rows


# ---------------------------------------------------------------------------------------------------------
# read_table: XLSX


def test_xlsx_with_date_cells_and_numbers() -> None:
    data = make_xlsx(
        [
            ["姓名", "出生日期", "护照号码", "手机"],
            ["张伟", dt.datetime(1961, 3, 2), 12345678, 8613812345678],
            [None, None, None, None],
            ["李娜", dt.date(1985, 11, 30), "EA7654321", 13812345678.0],
            ["王建国", "1990-01-05", 123456789.0, None],
        ]
    )
    table = read_table(data, "hospital.xlsx")
    assert table.format == "xlsx"
    assert table.sheet == "Sheet1"
    assert table.headers == ["姓名", "出生日期", "护照号码", "手机"]
    assert table.rows == [
        (2, ["张伟", "1961-03-02", "12345678", "8613812345678"]),
        (4, ["李娜", "1985-11-30", "EA7654321", "13812345678"]),
        (5, ["王建国", "1990-01-05", "123456789", ""]),
    ]
    result = parse_rows(table, suggest_mapping(table.headers), kind="hospital")
    assert result.errors == []
    assert result.rows[0].values["birth_date"] == dt.date(1961, 3, 2)
    assert result.rows[0].values["passport_number"] == "12345678"
    assert result.rows[2].values["passport_number"] == "123456789"


def test_xlsx_keeps_leading_zeros_shown_by_a_number_format() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "Passport"])
    sheet.append(["ZHANG WEI", 1234567])
    sheet["B2"].number_format = "000000000"
    sheet.append(["LI NA", 3.5])
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), "list.xlsx")
    assert table.rows == [(2, ["ZHANG WEI", "001234567"]), (3, ["LI NA", "3.5"])]


def test_xlsx_row_numbers_are_spreadsheet_rows_with_gaps_and_titles() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "Hotel Sunrise guest list"
    sheet["A4"], sheet["B4"] = "Name", "Room"
    sheet["A5"], sheet["B5"] = "ZHANG WEI", 101
    sheet["A9"], sheet["B9"] = "LI NA", "102"
    sheet["B12"] = True
    sheet["A12"] = "WANG JIANGUO\nsecond line"
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), "hotel.xlsx")
    assert table.header_line == 4
    assert table.rows == [(5, ["ZHANG WEI", "101"]), (9, ["LI NA", "102"]), (12, ["WANG JIANGUO\nsecond line", "TRUE"])]


def test_xlsx_sheet_choice() -> None:
    data = make_xlsx([["Name", "Room"], ["ZHANG WEI", "101"]], title="Guests", extra_sheets=["Staff"])
    assert read_table(data, "x.xlsx").sheets == ["Guests", "Staff"]
    assert read_table(data, "x.xlsx").sheet == "Guests"
    with pytest.raises(TableError) as caught:
        read_table(data, "x.xlsx", sheet="Staff")  # read, and found to hold a header only
    assert caught.value.code == "no_rows"
    with pytest.raises(TableError) as caught:
        read_table(data, "x.xlsx", sheet="Nope")
    assert caught.value.code == "unknown_sheet"
    assert "Guests, Staff" in str(caught.value)


def test_xlsx_is_recognised_by_content_not_by_name() -> None:
    data = make_xlsx([["Name", "Room"], ["ZHANG WEI", "101"]])
    assert read_table(data, "upload.csv").format == "xlsx"
    assert read_table(manifest_csv(), "upload.xlsx").format == "csv"


def test_xlsx_errors_in_cells_with_unlabelled_values() -> None:
    data = make_xlsx([["Name", None, "Room"], ["ZHANG WEI", "stray", "101"]])
    with pytest.raises(TableError) as caught:
        read_table(data, "x.xlsx")
    assert caught.value.code == "blank_header"
    assert "Column B" in str(caught.value)


# ---------------------------------------------------------------------------------------------------------
# read_table: refusals


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty", "is empty"),
        (b"  \r\n\r\n ", "empty", "is empty"),
        (b",,,\n,,\n", "empty", "is empty"),
        (b"Name,Passport\n", "no_rows", "no rows"),
        (b"Name,Passport,name\nA B,E1234567,x\n", "duplicate_header", "name"),
        (b"Name,,Passport\nZHANG,x,E1234567\n", "blank_header", "Column 2"),
        (b"Name,Passport\nZHANG,E1234567,stray\n", "blank_header", "Column 3"),
        (b'Name,Note\nZHANG,"open quote\nnever closed\n', "bad_csv", "Line 2"),
        (b'Name,Note\nZHANG,"closed" then text\n', "bad_csv", "Line 2"),
        (b"%PDF-1.7\n\x00\x01\x02\xff\xfe binary", "unknown_format", "not a spreadsheet"),
        (bytes(range(256)) * 4, "unknown_format", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "xls_unsupported", ".xls"),
        (b"PK\x03\x04 not really a zip", "unknown_format", "neither a CSV nor an XLSX"),
        (_zip({"word/document.xml": b"<w/>"}), "unknown_format", "neither a CSV nor an XLSX"),
        (_zip({"mimetype": b"application/vnd.oasis", "content.xml": b"<x/>"}), "unknown_format", "OpenDocument"),
        (_zip({"xl/workbook.xml": b"<not-a-workbook"}), "bad_xlsx", "damaged"),
        (b"<html><body><table><tr><td>Name</td></tr></table></body></html>", "unknown_format", "web page"),
    ],
)
def test_refused_files(data: bytes, code: str, words: str) -> None:
    with pytest.raises(TableError) as caught:
        read_table(data, "upload.xls")
    assert caught.value.code == code
    assert words in str(caught.value)


def test_size_limit() -> None:
    data = manifest_csv()
    assert read_table(data, "a.csv", max_bytes=len(data)).rows
    with pytest.raises(TableError) as caught:
        read_table(data, "a.csv", max_bytes=len(data) - 1)
    assert caught.value.code == "too_large"
    with pytest.raises(TableError) as caught:
        read_table(b"x" * (20 * 1024 * 1024 + 1), "big.csv")
    assert caught.value.code == "too_large"
    assert "20 MB" in str(caught.value)


def test_xlsx_expanding_beyond_the_limit_is_refused() -> None:
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * 200_000})
    with pytest.raises(TableError) as caught:
        read_table(data, "bomb.xlsx", max_bytes=len(data) + 1)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_row_limit(fmt: str) -> None:
    rows = [["Name"], ["A"], [""], ["B"], ["C"]]
    data = make_csv(rows) if fmt == "csv" else make_xlsx(rows)
    assert len(read_table(data, "x", max_rows=3).rows) == 3  # blank rows do not count
    with pytest.raises(TableError) as caught:
        read_table(data, "x", max_rows=2)
    assert caught.value.code == "too_many_rows"
    assert "more than 2 rows" in str(caught.value)


def test_default_row_limit() -> None:
    data = b"Name\n" + b"A\n" * 100_001
    with pytest.raises(TableError) as caught:
        read_table(data, "x.csv")
    assert caught.value.code == "too_many_rows"


def test_table_error_messages_are_translatable() -> None:
    with pytest.raises(TableError) as caught:
        read_table(b"", "empty.csv")
    message = caught.value.message
    assert not isinstance(message, str)  # lazy: rendered in the language of whoever reads it
    assert str(message) == "The file empty.csv is empty."


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=400).map(lambda b: codecs.BOM_UTF8 + b),
        st.binary(max_size=400).map(lambda b: codecs.BOM_UTF16_LE + b),
        st.binary(max_size=400).map(lambda b: b'Name,"x' + b),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    )
)
def test_arbitrary_bytes_raise_only_table_error(data: bytes) -> None:
    try:
        table = read_table(data, "fuzz.csv", max_rows=50)
    except TableError:
        return
    assert table.headers
    assert all(len(cells) == len(table.headers) for _line, cells in table.rows)


def test_damaged_xlsx_raises_only_table_error() -> None:
    good = make_xlsx([["Name", "Room"], ["ZHANG WEI", "101"]])
    for cut in range(100, len(good), max(1, len(good) // 40)):
        with pytest.raises(TableError):
            read_table(good[:cut], "cut.xlsx")


_CELL = st.text(alphabet=st.sampled_from('ab 张伟,;"\n\t|'), max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=12),
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
)
def test_csv_line_numbers_are_the_physical_lines(body: list[list[str]], quote_all: bool, newline: str) -> None:
    rows = [["H1", "H2", "H3"], *body]
    out = io.StringIO(newline="")
    if quote_all:
        csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_ALL).writerows(rows)
    else:
        csv.writer(out, lineterminator=newline).writerows(rows)
    text = out.getvalue()
    expected, line = [], 2
    for cells in body:
        if "".join(cells).strip():
            expected.append((line, cells))
        line += 1 + sum(c.count("\n") for c in cells)
    if not expected:
        with pytest.raises(TableError):
            read_table(text.encode("utf-8"), "x.csv")
        return
    assert read_table(text.encode("utf-8"), "x.csv").rows == expected


# ---------------------------------------------------------------------------------------------------------
# suggest_mapping


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("Passenger Name", "name_latin"),
        ("NAME", "name_latin"),
        ("Name on passport", "name_latin"),
        ("拼音", "name_latin"),
        ("英文姓名", "name_latin"),
        ("姓名", "name_zh"),
        ("中文姓名", "name_zh"),
        ("Surname", "family_name"),
        ("Last name", "family_name"),
        ("姓", "family_name"),
        ("Given Names", "given_name"),
        ("First_Name", "given_name"),
        ("名", "given_name"),
        ("Alias", "other_names"),
        ("曾用名", "other_names"),
        ("Sex", "sex"),
        ("GENDER", "sex"),
        ("M/F", "sex"),
        ("性别", "sex"),
        ("DOB", "birth_date"),
        ("Date of Birth", "birth_date"),
        ("出生日期", "birth_date"),
        ("出生年月", "birth_date"),
        ("Passport No.", "passport_number"),
        ("passport_number", "passport_number"),
        ("护照号", "passport_number"),
        ("护照号码", "passport_number"),
        ("Nationality", "nationality"),
        ("国籍", "nationality"),
        ("电话", "phone"),
        ("手机", "phone"),
        ("Mobile", "phone"),
        ("Tel.", "phone"),
        ("E-mail", "email"),
        ("邮箱", "email"),
        ("Last known location", "last_known_location"),
        ("所在地", "last_known_location"),
        ("Status", "status"),
        ("状态", "status"),
        ("伤情", "status"),
        ("Hospital", "hospital"),
        ("医院", "hospital"),
        ("Room", "seat_or_room"),
        ("Room No.", "seat_or_room"),
        ("房间号", "seat_or_room"),
        ("Seat", "seat_or_room"),
        ("座位", "seat_or_room"),
        ("Remarks", "note"),
        ("备注", "note"),
        ("No.", "external_id"),
        ("序号", "external_id"),
        ("Ticket Number", "external_id"),
        ("姓名 Name", "name_zh"),  # bilingual: the Chinese part decides first
        ("护照号码 Passport No.", "passport_number"),
        ("Passport No.（护照）", "passport_number"),
        ("  passport   no  ", "passport_number"),
        ("ＤＯＢ", "birth_date"),  # full-width
    ],
)
def test_suggest_mapping_recognises_headers(header: str, target: str) -> None:
    assert suggest_mapping([header]) == {target: header}


def test_suggest_mapping_uses_each_field_once_in_field_order() -> None:
    headers = ["序号", "姓名", "Name", "Passenger Name", "Unrelated", "DOB", "出生日期", "Surname", "Given Names"]
    assert suggest_mapping(headers) == {
        "name_zh": "姓名",
        "name_latin": "Name",
        "family_name": "Surname",
        "given_name": "Given Names",
        "birth_date": "DOB",
        "external_id": "序号",
    }
    assert list(suggest_mapping(headers)) == [f for f in FIELDS if f in suggest_mapping(headers)]


def test_suggest_mapping_ignores_unknown_headers() -> None:
    assert suggest_mapping(["Colour", "航班号", "", "Bag tags"]) == {}


# ---------------------------------------------------------------------------------------------------------
# Normalisers, table-driven


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ZHANG WEI", "ZHANG WEI"),
        ("  Zhang   Wei ", "Zhang Wei"),
        ("ZHANG<<WEI", "ZHANG<<WEI"),
        ("ZHANG<<WEI<JIAN<<<<", "ZHANG<<WEI<JIAN<<<<"),
        ("ZHANG/WEI", "ZHANG, WEI"),
        ("ZHANG/WEI MR", "ZHANG, WEI"),
        ("ouyang/xiaoming ms", "ouyang, xiaoming"),
        ("WANG, Jianguo", "WANG, Jianguo"),
        ("张伟", "张伟"),
        ("张\u3000伟", "张 伟"),
        ("ＺＨＡＮＧ　ＷＥＩ", "ZHANG WEI"),
        ("阿卜杜拉·买买提", "阿卜杜拉·买买提"),
        ("O'BRIEN-SMITH, Mary Jane", "O'BRIEN-SMITH, Mary Jane"),
        ("José Müller", "José Müller"),
        ("김민준", "김민준"),
        ("张伟 (ZHANG WEI)", "张伟 (ZHANG WEI)"),
        ("张伟/ZHANG WEI", "张伟/ZHANG WEI"),
    ],
)
def test_names_good(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("ZHANG WEI 2", "digits"),
        ("E12345678", "digits"),
        ("<<<", "letters"),
        ("---", "letters"),
        ("zhang@wei", "“@”"),
        ("张伟#", "“#”"),
        ("   ", "empty"),
    ],
)
def test_names_bad(raw: str, words: str) -> None:
    with pytest.raises(ValueInvalid) as caught:
        normalise_name(raw)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "m"),
        ("m", "m"),
        ("Male", "m"),
        ("MALE", "m"),
        ("男", "m"),
        ("男性", "m"),
        ("Mr.", "m"),
        ("F", "f"),
        ("Female", "f"),
        ("女", "f"),
        ("女士", "f"),
        ("Ms", "f"),
        ("X", "x"),
        ("other", "x"),
        ("U", "unknown"),
        ("Unknown", "unknown"),
        ("不详", "unknown"),
        ("Ｍ", "m"),
    ],
)
def test_sex_good(raw: str, expected: str) -> None:
    assert normalise_sex(raw) == expected


@pytest.mark.parametrize("raw", ["1", "MF", "boy/girl", "男女", "Q"])
def test_sex_bad(raw: str) -> None:
    with pytest.raises(ValueInvalid):
        normalise_sex(raw)


D = dt.date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1961-03-02", BirthDate(date=D(1961, 3, 2))),
        ("1961-3-2", BirthDate(date=D(1961, 3, 2))),
        ("1961-03-02 00:00:00", BirthDate(date=D(1961, 3, 2))),
        ("1961-03-02T00:00", BirthDate(date=D(1961, 3, 2))),
        ("1961/03/02", BirthDate(date=D(1961, 3, 2))),
        ("1961.3.2", BirthDate(date=D(1961, 3, 2))),
        ("02/03/1961", BirthDate(date=D(1961, 3, 2))),
        ("2/3/1961", BirthDate(date=D(1961, 3, 2))),
        ("02.03.1961", BirthDate(date=D(1961, 3, 2))),
        ("02-03-1961", BirthDate(date=D(1961, 3, 2))),
        ("02/03/61", BirthDate(date=D(1961, 3, 2))),
        ("02/03/15", BirthDate(date=D(2015, 3, 2))),
        ("1961年3月2日", BirthDate(date=D(1961, 3, 2))),
        ("1961年03月02号", BirthDate(date=D(1961, 3, 2))),
        ("１９６１年３月２日", BirthDate(date=D(1961, 3, 2))),
        ("02MAR61", BirthDate(date=D(1961, 3, 2))),
        ("02MAR1961", BirthDate(date=D(1961, 3, 2))),
        ("2mar1961", BirthDate(date=D(1961, 3, 2))),
        ("02 MAR 1961", BirthDate(date=D(1961, 3, 2))),
        ("2-Mar-1961", BirthDate(date=D(1961, 3, 2))),
        ("2 March 1961", BirthDate(date=D(1961, 3, 2))),
        ("March 2, 1961", BirthDate(date=D(1961, 3, 2))),
        ("Sept 30 1999", BirthDate(date=D(1999, 9, 30))),
        ("19610302", BirthDate(date=D(1961, 3, 2))),
        ("22342", BirthDate(date=D(1961, 3, 2))),  # Excel serial
        ("22342.0", BirthDate(date=D(1961, 3, 2))),
        ("1961", BirthDate(year=1961)),
        ("1961年", BirthDate(year=1961)),
        ("1961-03", BirthDate(year=1961, month=3)),
        ("03/1961", BirthDate(year=1961, month=3)),
        ("1961年3月", BirthDate(year=1961, month=3)),
        ("2026-01-15", BirthDate(date=TODAY)),
    ],
)
def test_birth_dates_good(raw: str, expected: BirthDate) -> None:
    assert parse_birth_date(raw, today=TODAY) == expected


def test_birth_dates_month_first() -> None:
    assert parse_birth_date("03/25/1961", day_first=False, today=TODAY) == BirthDate(date=D(1961, 3, 25))
    assert parse_birth_date("03/02/1961", day_first=False, today=TODAY) == BirthDate(date=D(1961, 3, 2))


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("1961-02-30", "not a valid date"),
        ("31/04/1961", "not a valid date"),
        ("03/25/1961", "not a valid date"),  # day first: month 25
        ("2026-01-16", "future"),
        ("2027", "between 1880"),
        ("1850-01-01", "before 1880"),
        ("1800", "between 1880"),
        ("1961-13", "not a valid date"),
        ("2026-02", "future"),
        ("02XYZ1961", "not a date"),
        ("yesterday", "not a date"),
        ("61", "not a date"),
        ("99999", "future"),
        ("1961-03-02-04", "not a date"),
    ],
)
def test_birth_dates_bad(raw: str, words: str) -> None:
    with pytest.raises(ValueInvalid) as caught:
        parse_birth_date(raw, today=TODAY)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("E12345678", "E12345678"),
        ("e 1234 5678", "E12345678"),
        ("ｅ１２３４５６７８", "E12345678"),
        ("12345", "12345"),
        ("A" * 20, "A" * 20),
        ("123456789", "123456789"),
    ],
)
def test_passports_good(raw: str, expected: str) -> None:
    assert normalise_passport(raw) == expected


@pytest.mark.parametrize("raw", ["1234", "A" * 21, "E-1234567", "E1234567.", "护照123456", "É1234567"])
def test_passports_bad(raw: str) -> None:
    with pytest.raises(ValueInvalid):
        normalise_passport(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CN", "CN"),
        ("cn", "CN"),
        ("CHN", "CN"),
        ("China", "CN"),
        ("CHINA", "CN"),
        ("Chinese", "CN"),
        ("P.R. China", "CN"),
        ("People's Republic of China", "CN"),
        ("中国", "CN"),
        ("中国籍", "CN"),
        ("中华人民共和国", "CN"),
        ("中國", "CN"),
        ("HKG", "HK"),
        ("中国香港", "HK"),
        ("香港", "HK"),
        ("Hong Kong SAR", "HK"),
        ("澳门", "MO"),
        ("台湾", "TW"),
        ("USA", "US"),
        ("United States", "US"),
        ("美国", "US"),
        ("美国籍", "US"),
        ("UK", "GB"),
        ("GBR", "GB"),
        ("英国", "GB"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("韩国", "KR"),
        ("朝鲜", "KP"),
        ("Laos", "LA"),
        ("老挝", "LA"),
        ("Ethiopia", "ET"),
        ("埃塞俄比亚", "ET"),
        ("Sri Lanka", "LK"),
        ("斯里兰卡", "LK"),
        ("Russia", "RU"),
        ("Viet Nam", "VN"),
        ("D", "DE"),
        ("NAM", "NA"),
        ("Namibia", "NA"),
        ("Ｃｈｉｎａ", "CN"),
    ],
)
def test_nationalities_good(raw: str, expected: str) -> None:
    assert normalise_nationality(raw) == expected


@pytest.mark.parametrize("raw", ["NA", "XX", "ZZZ", "Atlantis", "火星", "Korea", "156", "C N"])
def test_nationalities_bad(raw: str) -> None:
    with pytest.raises(ValueInvalid):
        normalise_nationality(raw)


@pytest.mark.parametrize(
    "raw",
    ["+86 138 1234 5678", "13812345678", "+1 (212) 555-0100", "(010) 6512-3456", "+44 20 7946 0000", "123456"],
)
def test_phones_good(raw: str) -> None:
    assert normalise_phone(raw) == raw


def test_phone_is_kept_as_given_but_tidied() -> None:
    assert normalise_phone("  +86  138\u30001234 5678 ") == "+86 138 1234 5678"
    assert normalise_phone("＋８６１３８１２３４５６７８") == "+8613812345678"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("12345", "6 to 20 digits"),
        ("1" * 21, "6 to 20 digits"),
        ("call 13812345678", "only digits"),
        ("138-1234-5678 ext 5", "only digits"),
        ("86+13812345678", "only digits"),
        ("13812345678; 13912345678", "only digits"),
    ],
)
def test_phones_bad(raw: str, words: str) -> None:
    with pytest.raises(ValueInvalid) as caught:
        normalise_phone(raw)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhang.wei@example.com", "zhang.wei@example.com"),
        ("Zhang.Wei@Example.COM", "Zhang.Wei@example.com"),
        (" a+b@mail.example.cn ", "a+b@mail.example.cn"),
        ("x@例子.中国", "x@例子.中国"),
        ("x@xn--fsqu00a.xn--fiqs8s", "x@xn--fsqu00a.xn--fiqs8s"),
    ],
)
def test_emails_good(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["zhang", "zhang@", "@example.com", "a@b", "a..b@example.com", "a b@example.com", "a@-x.com", "a@x.c"]
)
def test_emails_bad(raw: str) -> None:
    with pytest.raises(ValueInvalid):
        normalise_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("safe", "safe"),
        ("SAFE", "safe"),
        ("OK", "safe"),
        ("安全", "safe"),
        ("平安", "safe"),
        ("无恙", "safe"),
        ("injured", "injured"),
        ("Slightly injured", "injured"),
        ("受伤", "injured"),
        ("重伤", "injured"),
        ("hospitalised", "hospitalised"),
        ("Hospitalized", "hospitalised"),
        ("in hospital", "hospitalised"),
        ("住院", "hospitalised"),
        ("missing", "missing"),
        ("失踪", "missing"),
        ("失联", "missing"),
        ("下落不明", "missing"),
        ("deceased", "deceased"),
        ("Dead", "deceased"),
        ("死亡", "deceased"),
        ("遇难", "deceased"),
        ("unaccounted", "unaccounted"),
        ("Unaccounted for", "unaccounted"),
        ("unconfirmed", "unconfirmed"),
        ("待核实", "unconfirmed"),
    ],
)
def test_statuses_good(raw: str, expected: str) -> None:
    assert normalise_status(raw) == expected
    assert expected in STATUSES


@pytest.mark.parametrize("raw", ["fine-ish", "discharged", "良好?", "3"])
def test_statuses_bad(raw: str) -> None:
    with pytest.raises(ValueInvalid):
        normalise_status(raw)


# ---------------------------------------------------------------------------------------------------------
# parse_rows


def test_manifest_parses_to_typed_values() -> None:
    result = parsed(manifest_csv())
    assert result.errors == [] and result.ok
    assert result.total == 4 and len(result.rows) == 4 and result.bad_lines == set()
    first = result.rows[0]
    assert first.line == 2
    assert first.values == {
        "external_id": "1",
        "name_latin": "ZHANG WEI",
        "name_zh": "张伟",
        "sex": "m",
        "birth_date": dt.date(1961, 3, 2),
        "passport_number": "E12345678",
        "nationality": "CN",
        "seat_or_room": "12A",
    }
    assert result.rows[2].values["sex"] == "m" and result.rows[2].values["nationality"] == "CN"
    assert result.rows[3].values["sex"] == "f"
    assert all("status" not in row.values for row in result.rows)  # a manifest sets no status
    assert len(first.fingerprint) == 64


def test_errors_carry_line_column_field_and_value() -> None:
    text = (
        "姓名,Passport No.,DOB,性别,Remarks\n"
        '张伟,E12345678,1961-03-02,M,"two\nlines"\n'  # lines 2-3: good
        "李娜,E-1,1961-02-30,Q,\n"  # line 4: three errors
        ",,,,only a remark\n"  # line 5: no name
        "王建国,G1234567,1990,男,\n"  # line 6: good, year only
    )
    result = parsed(text.encode("utf-8"))
    assert [row.line for row in result.rows] == [2, 6]
    assert result.rows[1].values["birth_year"] == 1990
    assert "birth_date" not in result.rows[1].values
    found = [(e.line, e.column, e.field, e.value) for e in result.errors]
    assert found == [
        (4, "性别", "sex", "Q"),
        (4, "DOB", "birth_date", "1961-02-30"),
        (4, "Passport No.", "passport_number", "E-1"),
        (5, "姓名", "name_zh", ""),
    ]
    assert str(result.errors[-1].message) == "This row has no name."
    assert result.bad_lines == {4, 5}
    assert result.total == 4
    assert not result.ok


def test_error_value_is_the_raw_cell() -> None:
    result = parsed(b"Name,Passport\nZHANG WEI,  e-123  \n")
    assert result.errors[0].value == "  e-123  "


def test_mapping_errors_list_every_problem() -> None:
    table = read_table(manifest_csv(), "m.csv")
    with pytest.raises(MappingError) as caught:
        parse_rows(
            table,
            {"surname": "Passenger Name", "passport_number": "Passport", "sex": "Sex", "note": "Sex"},
            kind="flight",
        )
    text = [str(p) for p in caught.value.problems]
    assert len(text) == 5
    assert "Unknown list kind “flight”" in text[0]
    assert "Unknown field “surname”" in text[1]
    assert "no column “Passport” (for passport_number)" in text[2]
    assert "“Sex” is mapped to both sex and note" in text[3]
    assert "at least one name column" in text[4]


def test_mapping_with_empty_headers_means_unmapped() -> None:
    table = read_table(manifest_csv(), "m.csv")
    result = parse_rows(table, {"name_latin": "Passenger Name", "passport_number": ""}, kind="manifest")
    assert result.rows[0].values == {"name_latin": "ZHANG WEI"}


@pytest.mark.parametrize("kind", LIST_KINDS)
def test_every_kind_is_accepted(kind: str) -> None:
    assert parsed(manifest_csv(), kind=kind).ok


def test_kind_sets_default_status() -> None:
    data = "Name,Status\nZHANG WEI,\nLI NA,安全\nWANG JIANGUO,死亡\n".encode()
    by_kind = {kind: [row.values for row in parsed(data, kind=kind).rows] for kind in LIST_KINDS}
    for kind in ("manifest", "hotel", "tour", "other"):
        assert "status" not in by_kind[kind][0]
        assert by_kind[kind][1]["status"] == "safe"
        # A list reports a death; only an officer records one.
        assert by_kind[kind][2]["status"] == "unconfirmed" and by_kind[kind][2]["reported_deceased"] is True
    assert by_kind["hospital"][0]["status"] == "hospitalised"
    assert by_kind["hospital"][1]["status"] == "safe"
    assert by_kind["morgue"][0] == {"name_latin": "ZHANG WEI", "status": "unconfirmed", "reported_deceased": True}
    assert by_kind["morgue"][2]["status"] == "unconfirmed"
    assert all(row["reported_deceased"] is True for row in by_kind["morgue"])
    assert all("deceased" != row.get("status") for rows in by_kind.values() for row in rows)


def test_family_and_given_names_combine() -> None:
    data = "Surname,Given Names,姓,名\nZHANG,WEI,张,伟\nOUYANG,,,\n,MADONNA,,\n".encode()
    result = parsed(data)
    assert result.errors == []
    first, second, third = (row.values for row in result.rows)
    assert first["name_latin"] == "ZHANG, WEI"  # surname-first comma form the matcher reads in order
    assert first["family_name"] == "ZHANG" and first["given_name"] == "WEI"
    assert second["name_latin"] == "OUYANG"
    assert third["name_latin"] == "MADONNA"
    table = read_table(data, "x.csv")
    chinese = parse_rows(table, {"family_name": "姓", "given_name": "名"}, kind="tour")
    assert chinese.rows[0].values["name_zh"] == "张伟" and "name_latin" not in chinese.rows[0].values
    assert [e.line for e in chinese.errors] == [3, 4]  # no name there


def test_name_latin_wins_over_family_and_given() -> None:
    data = b"Name,Surname,Given name\nZHANG WEI JR,ZHANG,WEI\n"
    values = parsed(data).rows[0].values
    assert values["name_latin"] == "ZHANG WEI JR"


def test_names_move_to_the_slot_of_their_script() -> None:
    data = "姓名,Name\nZHANG WEI,\n,张伟\n李娜,LI NA\n".encode()
    rows = [row.values for row in parsed(data).rows]
    assert rows[0] == {"name_latin": "ZHANG WEI"}
    assert rows[1] == {"name_zh": "张伟"}
    assert rows[2] == {"name_zh": "李娜", "name_latin": "LI NA"}


def test_empty_markers_are_empty() -> None:
    data = (
        "Name,DOB,Passport,Nationality,Sex,Phone\nZHANG WEI,N/A,-,NA,unknown,无\nLI NA,不详,null,不详,不详,—\n".encode()
    )
    result = parsed(data)
    assert result.errors == []
    assert result.rows[0].values == {"name_latin": "ZHANG WEI", "sex": "unknown"}
    assert result.rows[1].values == {"name_latin": "LI NA", "sex": "unknown"}


def test_date_order_is_detected_per_column() -> None:
    us = b"Name,DOB\nA,03/25/1961\nB,03/02/1961\n"
    result = parsed(us)
    assert result.date_order == "mdy"
    assert [row.values["birth_date"] for row in result.rows] == [dt.date(1961, 3, 25), dt.date(1961, 3, 2)]
    mixed = b"Name,DOB\nA,03/25/1961\nB,25/03/1961\n"
    result = parsed(mixed)
    assert result.date_order == "dmy"
    assert [(e.line, e.field) for e in result.errors] == [(2, "birth_date")]


def test_duplicate_rows_are_errors_on_the_later_line() -> None:
    data = (
        b"Name,Passport,DOB\n"
        b"ZHANG WEI,E12345678,1961-03-02\n"
        b"LI NA,E7654321,1985-11-30\n"
        b"zhang  wei,e1234 5678,02/03/1961\n"  # the same person written differently
        b"ZHANG WEI,E12345678,1961-03-03\n"  # not the same: another birth date
    )
    result = parsed(data)
    assert [row.line for row in result.rows] == [2, 3, 5]
    assert [(e.line, e.column, e.field) for e in result.errors] == [(4, "", "")]
    assert str(result.errors[0].message) == "Same person as line 2."
    assert result.bad_lines == {4}


def test_fingerprint_is_stable_across_order_encoding_and_format() -> None:
    reference = {row.line: row.fingerprint for row in parsed(manifest_csv()).rows}
    expected = sorted(reference.values())
    assert len(set(expected)) == 4
    assert sorted(r.fingerprint for r in parsed(manifest_csv(encoding="gbk")).rows) == expected
    assert sorted(r.fingerprint for r in parsed(manifest_csv(encoding="utf-16", delimiter="\t")).rows) == expected
    reordered = make_csv([MANIFEST_HEADER, *reversed(MANIFEST_ROWS)], delimiter=";", encoding="utf-8-sig")
    assert sorted(r.fingerprint for r in parsed(reordered).rows) == expected
    # The same content as a workbook: real date cells, numbers where numbers fit, other dates spelt differently.
    xlsx_rows: list[list[object]] = []
    for row in MANIFEST_ROWS:
        cells: list[object] = list(row)
        cells[0] = int(str(row[0]))
        cells[4] = dt.datetime.fromisoformat(str(row[4]))
        xlsx_rows.append(cells)
    xlsx_rows[2][4] = "05/01/1990"
    xlsx_rows[3][4] = "21JUL01"
    xlsx_rows[0][1] = "zhang  wei"
    assert sorted(r.fingerprint for r in parsed(make_xlsx([MANIFEST_HEADER, *xlsx_rows]), "m.xlsx").rows) == expected


def test_fingerprint_depends_on_the_values_only() -> None:
    a = {"name_latin": "ZHANG WEI", "birth_date": dt.date(1961, 3, 2), "phone": "+86 138-1234-5678"}
    assert fingerprint(a) == fingerprint(
        {"phone": "+8613812345678", "birth_date": dt.date(1961, 3, 2), "name_latin": "Zhang Wei"}
    )
    assert fingerprint(a) != fingerprint({**a, "phone": "8613812345678"})
    assert fingerprint(a) != fingerprint({**a, "birth_date": dt.date(1961, 3, 3)})
    assert fingerprint({"name_latin": "A", "note": "B"}) != fingerprint({"name_latin": "A B"})
    assert fingerprint({"reported_deceased": True, "name_zh": "张伟"}) != fingerprint({"name_zh": "张伟"})


def test_text_fields_are_tidied_and_limited() -> None:
    long_room = "R" * 33
    data = make_csv(
        [
            ["Name", "Hospital", "Location", "Room", "Remarks", "ID"],
            ["ZHANG WEI", "  Vientiane   Hospital ", "Route 13,\tkm 40", "１２Ａ", "  a\r\n\r\n  b  ", "PAX-001"],
            ["LI NA", "", "", long_room, "", ""],
        ]
    )
    result = parsed(data)
    assert result.rows[0].values == {
        "name_latin": "ZHANG WEI",
        "hospital": "Vientiane Hospital",
        "last_known_location": "Route 13, km 40",
        "seat_or_room": "12A",
        "note": "a\n\nb",
        "external_id": "PAX-001",
    }
    assert [(e.line, e.field, str(e.message)) for e in result.errors] == [
        (5, "seat_or_room", "This is longer than 32 characters.")  # the note above spans lines 2-4
    ]


def test_every_field_can_be_mapped() -> None:
    header = [f"col {f}" for f in FIELDS]
    row = [
        "张伟", "ZHANG WEI", "ZHANG", "WEI", "Zhang Dawei", "M", "1961-03-02", "E12345678", "CHN", "+86 138 1234 5678",
        "zw@example.com", "Pakse", "injured", "Pakse Hospital", "3", "note", "A1",
    ]  # fmt: skip
    table = read_table(make_csv([header, row]), "all.csv")
    result = parse_rows(table, {f: f"col {f}" for f in FIELDS}, kind="tour")
    assert result.errors == []
    assert set(result.rows[0].values) == set(FIELDS)
    assert result.rows[0].values["status"] == "injured"


def test_thousands_of_rows_parse_without_errors() -> None:
    header = ["序号", "姓名", "Passenger Name", "性别", "DOB", "Passport No.", "国籍", "手机", "Room", "Status"]
    lines = [",".join(header)]
    for i in range(5_000):
        lines.append(
            f"{i},张伟{chr(0x4E00 + i % 20000)},ZHANG WEI{chr(65 + i % 26)},{'MF'[i % 2]},"
            f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1940 + i % 70},E{10_000_000 + i},CHN,+86 138 {10_000_000 + i},"
            f"{i % 900 + 100},{['安全', '受伤', 'missing', ''][i % 4]}"
        )
    data = "\n".join(lines).encode("utf-8")
    table = read_table(data, "big.csv")
    result = parse_rows(table, suggest_mapping(table.headers), kind="hotel")
    assert result.total == 5_000 and len(result.rows) == 5_000 and result.errors == []
    assert result.rows[-1].line == 5_001 and result.rows[-1].values["passport_number"] == "E10004999"


def test_table_is_plain_data() -> None:
    table = Table(headers=["Name"], rows=[(2, ["ZHANG WEI"])], format="csv", header_line=1)
    assert parse_rows(table, {"name_latin": "Name"}, kind="other").rows[0].values == {"name_latin": "ZHANG WEI"}
