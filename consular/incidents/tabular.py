"""Reading the lists of a major incident (manifests, hotel, tour, hospital and morgue lists) from CSV or XLSX.

Pure: no database, no models. Two steps, so an officer can map columns between them:

1. ``read_table(data, filename)`` turns the bytes of a file into a :class:`Table`: the header names and the
   rows as strings, each with the line number a person sees when opening the file (CSV: the physical line on
   which the record starts, the first line being 1, quoted cells spanning several lines counted in full;
   XLSX: the spreadsheet row number). Anything wrong with the file itself is one :class:`TableError`.

   * **Format by content**, not by name: a zip starting with ``PK`` holding ``xl/workbook.xml`` is XLSX, text is
     CSV. Legacy ``.xls`` and encrypted workbooks, OpenDocument and HTML saved as ``.xls`` are refused with a
     message that names them and says how to save the list instead.
   * **Encoding**: a BOM decides (UTF-8, UTF-16, UTF-32); otherwise strict UTF-8, then GB18030 (a superset of
     GBK, what Excel on a Chinese Windows writes). Text that is not plausible text is refused, never guessed.
   * **Delimiter**: comma, tab, semicolon or pipe, whichever gives the largest share of a sample's rows one
     width of at least two cells, parsing quotes properly (counting characters would be fooled by delimiters
     inside quoted cells); ties go to the wider split, then to the comma.
   * **Header**: the first row with at least two filled cells among the first 20 non-blank rows (title lines
     above it, as in many manifests, are ignored), or the first non-blank row of a one-column list. Header names
     are stripped and their whitespace collapsed; blank or duplicate names (compared without case) are refused,
     except that a column with neither header nor any value is dropped.
   * Fully blank rows are skipped. Limits: ``max_bytes`` (default 20 MB) and ``max_rows`` data rows (default
     100,000), checked while reading so a huge file fails fast.

2. ``parse_rows(table, mapping, kind=...)`` applies a mapping of target :data:`FIELDS` to headers and turns each
   row into a :class:`ParsedRow` of normalised, typed values, or into :class:`RowError` s naming the line, the
   column as written in the file, the field, the message and the raw value. See :func:`parse_rows` for the rules.

``suggest_mapping(headers)`` proposes a mapping from common English and Chinese header names.

Each good row carries a **fingerprint**: the SHA-256 of its normalised values in a canonical form (names and text
case-folded, phone numbers reduced to their digits). The same person's row gives the same fingerprint whether the
file is CSV or XLSX, UTF-8 or GBK, in whatever row order, so the import service can make a re-import change
nothing. Within one file, a row whose fingerprint was already seen is an error on the later line.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Final, Literal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from consular.core.birthdates import EARLIEST_BIRTH_YEAR, birth_date_problem

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "FIELDS",
    "LIST_KINDS",
    "STATUSES",
    "BirthDate",
    "MappingError",
    "ParsedList",
    "ParsedRow",
    "RowError",
    "Table",
    "TableError",
    "ValueInvalid",
    "fingerprint",
    "normalise_email",
    "normalise_name",
    "normalise_nationality",
    "normalise_passport",
    "normalise_phone",
    "normalise_sex",
    "normalise_status",
    "parse_birth_date",
    "parse_rows",
    "read_table",
    "suggest_mapping",
]

DEFAULT_MAX_BYTES: Final = 20 * 1024 * 1024
DEFAULT_MAX_ROWS: Final = 100_000

FIELDS: Final[tuple[str, ...]] = (
    "name_zh",
    "name_latin",
    "family_name",
    "given_name",
    "other_names",
    "sex",
    "birth_date",
    "passport_number",
    "nationality",
    "phone",
    "email",
    "last_known_location",
    "status",
    "hospital",
    "seat_or_room",
    "note",
    "external_id",
)
NAME_FIELDS: Final = ("name_zh", "name_latin", "family_name", "given_name")
LIST_KINDS: Final[tuple[str, ...]] = ("manifest", "hotel", "tour", "hospital", "morgue", "other")
STATUSES: Final[tuple[str, ...]] = (
    "unaccounted",
    "unconfirmed",
    "safe",
    "injured",
    "hospitalised",
    "missing",
    "deceased",
)
SEXES: Final[tuple[str, ...]] = ("m", "f", "x", "unknown")

FINGERPRINT_VERSION: Final = "consular.tabular/1"
_HEADER_SEARCH_ROWS = 20
_SNIFF_CHARS = 64 * 1024
_ZIP_EXPANSION = 25  # an XLSX may expand to this many times max_bytes; beyond is a zip bomb
_MAX_LENGTH: Final[dict[str, int]] = {
    "name_zh": 200,
    "name_latin": 200,
    "family_name": 200,
    "given_name": 200,
    "other_names": 500,
    "phone": 40,
    "email": 254,
    "last_known_location": 500,
    "hospital": 200,
    "seat_or_room": 32,
    "note": 4000,
    "external_id": 64,
}


# ---------------------------------------------------------------------------------------------------------
# Public types


class TableError(Exception):
    """The file cannot be read as a list. ``code`` is stable (for clients), ``message`` is for people."""

    def __init__(self, message: StrOrPromise, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class MappingError(Exception):
    """The mapping (or list kind) given to :func:`parse_rows` is wrong; ``problems`` lists each mistake."""

    def __init__(self, problems: Sequence[StrOrPromise]) -> None:
        super().__init__(problems)
        self.problems: list[StrOrPromise] = list(problems)

    def __str__(self) -> str:
        return " ".join(str(p) for p in self.problems)


class ValueInvalid(ValueError):
    """A normaliser refused a value; ``message`` says why, for people."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True, slots=True)
class Table:
    """A list as read from a file: header names and rows of cell strings with their line numbers."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line or spreadsheet row number, one string per header)
    format: Literal["csv", "xlsx"]
    header_line: int
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only
    sheet: str | None = None  # XLSX only: the sheet read
    sheets: list[str] = field(default_factory=list)  # XLSX only: every worksheet, in order


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row. ``column`` is the header as in the file ("" when the whole row is meant)."""

    line: int
    column: str
    field: str
    message: StrOrPromise
    value: str


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One good row: its line and its normalised values (only the keys that have a value).

    Keys are :data:`FIELDS` plus ``birth_year`` and ``birth_month`` (ints, for partial birth dates) and
    ``reported_deceased`` (``True``; see :func:`parse_rows`). Values are ``str``, ``datetime.date``, ``int`` or
    ``bool``.
    """

    line: int
    values: dict[str, object]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ParsedList:
    """The result of :func:`parse_rows`: good rows, every error, the lines that have one, and the row count."""

    rows: list[ParsedRow]
    errors: list[RowError]
    bad_lines: set[int]
    total: int
    kind: str
    date_order: Literal["dmy", "mdy"] = "dmy"

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as written: a full ``date``, or only a ``year`` (and perhaps a ``month``)."""

    date: dt.date | None = None
    year: int | None = None
    month: int | None = None


# ---------------------------------------------------------------------------------------------------------
# Reading files


def read_table(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Table:
    """Read a CSV or XLSX file into a :class:`Table`; every problem with the file is a :class:`TableError`.

    ``sheet`` names the worksheet of an XLSX file (default: the first); it is ignored for CSV.
    """
    if not data:
        raise TableError(format_lazy(_("The file {name} is empty."), name=filename), code="empty")
    if len(data) > max_bytes:
        raise TableError(
            format_lazy(_("The file {name} is larger than {limit} MB."), name=filename, limit=_megabytes(max_bytes)),
            code="too_large",
        )
    head = data[:8]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _read_xlsx(data, filename, sheet=sheet, max_bytes=max_bytes, max_rows=max_rows)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise TableError(
            format_lazy(
                _(
                    "The file {name} is an old Excel (.xls) or a password-protected workbook. "
                    "Open it in Excel and save it as .xlsx without a password, or as CSV."
                ),
                name=filename,
            ),
            code="xls_unsupported",
        )
    return _read_csv(data, filename, max_rows=max_rows)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _unknown_format(filename: str) -> TableError:
    return TableError(
        format_lazy(_("The file {name} is neither a CSV nor an XLSX file."), name=filename), code="unknown_format"
    )


# --- CSV


_C0_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # and C1
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_HTML_START = re.compile(r"\s*<(?:!doctype|html|table|\?xml|head|body|meta)\b", re.IGNORECASE)
_DELIMITERS = (",", "\t", ";", "|")


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte order mark: ASCII characters leave every other byte zero."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _plausible(text: str, encoding: str) -> bool:
    """Text, not binary: no NUL and (nearly) no control characters; GB18030 gets no private-use characters."""
    if "\x00" in text:
        return False
    if encoding == "gb18030":
        return not (_C0_CONTROLS.search(text) or _PRIVATE_USE.search(text))
    return len(_C0_CONTROLS.findall(text)) <= len(text) // 1000 + 1  # a stray ^Z at the end is tolerated


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        candidates = ["utf-32"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        utf16 = _bomless_utf16(data)
        candidates = [utf16] if utf16 else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible(text, encoding):
            return text, encoding
    raise TableError(
        format_lazy(
            _(
                "The file {name} is not a spreadsheet, or its text encoding is not recognised. "
                "Save it as XLSX, or as CSV in UTF-8."
            ),
            name=filename,
        ),
        code="unknown_format",
    )


def _sniff_delimiter(text: str) -> str:
    """The delimiter under which the largest share of a sample's rows have one width (at least two).

    The share, not the count: a delimiter that also occurs inside multi-line cells would split them into more
    rows. On a tie the wider split wins, then the order comma, tab, semicolon, pipe.

    A delimiter under which the sample is not well-formed CSV (a quote left open, text after a closing quote)
    is not considered, unless every delimiter fails: then the best-splitting one is chosen and the full read
    reports the faulty line.
    """
    truncated = len(text) > _SNIFF_CHARS
    sample = text[:_SNIFF_CHARS]
    if truncated and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    for strict in (True, False):
        best, best_score = "", (0.0, 0)
        for delimiter in _DELIMITERS:
            counts: dict[int, int] = {}
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=strict)
            try:
                for row in reader:
                    if row:
                        counts[len(row)] = counts.get(len(row), 0) + 1
            except csv.Error:
                if not truncated:  # a cut-off sample may end inside a quoted cell; a whole file may not
                    continue
            wide = {w: n for w, n in counts.items() if w >= 2}
            if not wide:
                continue
            width, agreeing = max(wide.items(), key=lambda kv: (kv[1], kv[0]))
            score = (agreeing / sum(counts.values()), width)
            if score > best_score:
                best, best_score = delimiter, score
        if best:
            return best
    return ","


def _read_csv(data: bytes, filename: str, *, max_rows: int) -> Table:
    text, encoding = _decode(data, filename)
    if not text.strip():
        raise TableError(format_lazy(_("The file {name} is empty."), name=filename), code="empty")
    if _HTML_START.match(text):
        raise TableError(
            format_lazy(
                _(
                    "The file {name} is a web page or XML saved under a spreadsheet name. "
                    "Open it in Excel and save it as .xlsx or CSV."
                ),
                name=filename,
            ),
            code="unknown_format",
        )
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def records() -> Iterator[tuple[int, list[str]]]:
        previous = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise TableError(
                    format_lazy(
                        _("Line {line} of {name} cannot be read as CSV ({reason}). Check the quotes in that row."),
                        line=previous + 1,
                        name=filename,
                        reason=str(exc),
                    ),
                    code="bad_csv",
                ) from None
            yield previous + 1, cells
            previous = reader.line_num

    headers, rows, header_line = _assemble(records(), filename=filename, label=_number_label, max_rows=max_rows)
    return Table(
        headers=headers,
        rows=rows,
        format="csv",
        header_line=header_line,
        encoding=encoding,
        delimiter=delimiter,
    )


def _number_label(index: int) -> str:
    return str(index + 1)


def _letter_label(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- XLSX


def _read_xlsx(data: bytes, filename: str, *, sheet: str | None, max_bytes: int, max_rows: int) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            expanded = sum(m.file_size for m in members)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _unknown_format(filename) from None
    if "xl/workbook.xml" not in names:
        if "content.xml" in names and "mimetype" in names:
            raise TableError(
                format_lazy(
                    _("The file {name} is an OpenDocument spreadsheet. Save it as .xlsx or CSV."), name=filename
                ),
                code="unknown_format",
            )
        raise _unknown_format(filename)
    if expanded > max_bytes * _ZIP_EXPANSION:
        raise TableError(
            format_lazy(
                _("The workbook {name} expands to more than {limit} MB."),
                name=filename,
                limit=_megabytes(max_bytes * _ZIP_EXPANSION),
            ),
            code="too_large",
        )

    import openpyxl  # only XLSX needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged workbook fails in many ways inside openpyxl and the XML parser
        raise TableError(
            format_lazy(_("The workbook {name} is damaged and cannot be read."), name=filename), code="bad_xlsx"
        ) from None
    try:
        sheets = [ws.title for ws in workbook.worksheets]
        if not sheets:
            raise TableError(format_lazy(_("The workbook {name} has no worksheet."), name=filename), code="empty")
        chosen = sheet if sheet is not None else sheets[0]
        if chosen not in sheets:
            raise TableError(
                format_lazy(
                    _("The workbook {name} has no sheet named {sheet}; it has: {sheets}."),
                    name=filename,
                    sheet=chosen,
                    sheets=", ".join(sheets),
                ),
                code="unknown_sheet",
            )
        worksheet = workbook[chosen]

        def records() -> Iterator[tuple[int, list[str]]]:
            try:
                worksheet.reset_dimensions()  # the size declared in the file may be wrong
                for number, row in enumerate(worksheet.iter_rows(min_row=1), start=1):
                    yield number, [_cell_text(cell.value, cell.number_format) for cell in row]
            except TableError:
                raise
            except Exception:
                raise TableError(
                    format_lazy(_("The workbook {name} is damaged and cannot be read."), name=filename),
                    code="bad_xlsx",
                ) from None

        headers, rows, header_line = _assemble(records(), filename=filename, label=_letter_label, max_rows=max_rows)
    finally:
        workbook.close()
    return Table(headers=headers, rows=rows, format="xlsx", header_line=header_line, sheet=chosen, sheets=sheets)


_ZERO_PADDED = re.compile(r"0+")


def _cell_text(value: object, number_format: str | None) -> str:
    """A cell as text, as a person reads it: whole numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            text = str(int(value))
        else:
            return repr(value)
    elif isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    elif isinstance(value, dt.date | dt.time):
        return value.isoformat()
    else:
        return str(value)
    # A whole number shown with leading zeros (format "000000000") is an identifier: keep the zeros.
    if number_format and _ZERO_PADDED.fullmatch(number_format) and not text.startswith("-"):
        return text.zfill(len(number_format))
    return text


# --- Shared: header detection, blank rows, unlabelled columns, limits


def _is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c.strip())


def _assemble(
    records: Iterator[tuple[int, list[str]]],
    *,
    filename: str,
    label: Callable[[int], str],
    max_rows: int,
) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    # Find the header among the first non-blank rows (title lines may precede it).
    leading: list[tuple[int, list[str]]] = []
    for line, cells in records:
        if _is_blank(cells):
            continue
        leading.append((line, cells))
        if _filled(cells) >= 2 or len(leading) >= _HEADER_SEARCH_ROWS:
            break
    if not leading:
        raise TableError(format_lazy(_("The file {name} is empty."), name=filename), code="empty")
    header_at = next((i for i, (_line, cells) in enumerate(leading) if _filled(cells) >= 2), 0)
    header_line, raw_headers = leading[header_at]
    pending = iter(leading[header_at + 1 :])

    names = [" ".join(h.split()) for h in raw_headers]
    while names and not names[-1]:
        names.pop()
    width = len(names)
    blank = [i for i, h in enumerate(names) if not h]
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for h in names:
        if not h:
            continue
        key = h.casefold()
        if key in seen:
            duplicates.append(h)
        seen[key] = h
    if duplicates:
        raise TableError(
            format_lazy(
                _("Line {line}: the column names {names} appear more than once. Give every column its own name."),
                line=header_line,
                names=", ".join(dict.fromkeys(duplicates)),
            ),
            code="duplicate_header",
        )

    rows: list[tuple[int, list[str]]] = []
    unlabelled: dict[int, int] = {}  # column index without header -> first line with a value there
    for line, cells in itertools.chain(pending, records):
        if _is_blank(cells):
            continue
        if len(rows) >= max_rows:
            raise TableError(
                format_lazy(_("The file {name} has more than {limit} rows."), name=filename, limit=max_rows),
                code="too_many_rows",
            )
        if len(cells) > width:
            for i in range(width, len(cells)):
                if i not in unlabelled and cells[i].strip():
                    unlabelled[i] = line
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        for i in blank:
            if i not in unlabelled and cells[i].strip():
                unlabelled[i] = line
        rows.append((line, cells))
    if unlabelled:
        index = min(unlabelled)
        raise TableError(
            format_lazy(
                _(
                    "Column {column} has values but no name in the header row (line {header}); "
                    "the first is on line {line}."
                ),
                column=label(index),
                header=header_line,
                line=unlabelled[index],
            ),
            code="blank_header",
        )
    if not rows:
        raise TableError(
            format_lazy(_("The file {name} has a header row but no rows below it."), name=filename), code="no_rows"
        )
    if blank:  # columns with neither a name nor a value: drop them
        dropped = set(blank)
        keep = [i for i in range(width) if i not in dropped]
        names = [names[i] for i in keep]
        rows = [(line, [cells[i] for i in keep]) for line, cells in rows]
    return names, rows, header_line


# ---------------------------------------------------------------------------------------------------------
# Suggesting a mapping


_KEY_STRIP = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """Compare words without case, spaces or punctuation: ``"Passport No."`` → ``passportno``."""
    return _KEY_STRIP.sub("", unicodedata.normalize("NFKC", text).casefold())


# fmt: off
_HEADER_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "name_zh": (
        "姓名", "中文姓名", "中文名", "中文名字", "名字", "旅客姓名", "乘客姓名", "客人姓名", "游客姓名", "患者姓名",
        "病人姓名", "死者姓名", "人员姓名", "姓名中文", "namezh", "namecn", "chinesename", "namechinese",
        "nameinchinese", "chinesecharacters",
    ),
    "name_latin": (
        "name", "fullname", "passengername", "paxname", "guestname", "touristname", "travellername", "travelername",
        "patientname", "nameonpassport", "passportname", "englishname", "nameenglish", "nameen", "latinname",
        "namelatin", "英文名字", "pinyin", "拼音", "姓名拼音", "拼音姓名", "英文名", "英文姓名", "姓名英文", "护照姓名",
    ),
    "family_name": ("surname", "surnames", "familyname", "lastname", "姓", "姓氏", "英文姓", "姓拼音"),
    "given_name": (
        "givenname", "givennames", "firstname", "firstnames", "forename", "forenames", "名", "名拼音",
    ),
    "other_names": ("othernames", "othername", "alias", "aliases", "aka", "formername", "曾用名", "别名", "其他姓名"),
    "sex": ("sex", "gender", "mf", "性别"),
    "birth_date": (
        "dob", "dateofbirth", "birthdate", "birthday", "born", "birth", "出生日期", "出生年月", "出生年月日", "生日",
        "出生",
    ),
    "passport_number": (
        "passport", "passportno", "passportnumber", "passportnum", "ppno", "ppt", "pptno", "documentno",
        "documentnumber", "docno", "traveldocument", "traveldocumentno", "traveldocumentnumber", "护照", "护照号",
        "护照号码", "护照编号", "证件号", "证件号码",
    ),
    "nationality": ("nationality", "citizenship", "nat", "国籍"),
    "phone": (
        "phone", "phoneno", "phonenumber", "tel", "telno", "telephone", "mobile", "mobileno", "mobilephone",
        "mobilenumber", "cellphone", "cell", "contactnumber", "contactphone", "电话", "电话号码", "手机", "手机号",
        "手机号码", "联系电话", "联系方式",
    ),
    "email": ("email", "emailaddress", "mail", "邮箱", "电子邮箱", "电子邮件", "邮件"),
    "last_known_location": (
        "location", "lastknownlocation", "lastlocation", "currentlocation", "whereabouts", "address", "位置",
        "地点", "所在地", "最后位置", "下落", "地址", "所在位置",
    ),
    "status": ("status", "condition", "状态", "情况", "现状", "伤情", "人员状态"),
    "hospital": ("hospital", "hospitalname", "admittedto", "医院", "就诊医院", "收治医院", "所在医院"),
    "seat_or_room": (
        "seat", "seatno", "seatnumber", "room", "roomno", "roomnumber", "cabin", "berth", "座位", "座位号", "座号",
        "房间", "房间号", "房号", "铺位",
    ),
    "note": ("remarks", "remark", "note", "notes", "comment", "comments", "memo", "备注", "说明", "附注"),
    "external_id": (
        "id", "no", "number", "sn", "serialno", "seq", "ref", "refno", "reference", "recordid", "passengerno",
        "passengerid", "paxno", "paxid", "guestid", "patientid", "ticketno", "ticketnumber", "序号", "编号", "票号",
    ),
}
# fmt: on
_HEADER_INDEX: Final[dict[str, str]] = {_key(w): f for f, words in _HEADER_WORDS.items() for w in words}


def _header_field(header: str) -> str | None:
    key = _key(header)
    if key in _HEADER_INDEX:
        return _HEADER_INDEX[key]
    # Bilingual headers, "姓名 Name" or "护照号码Passport No.": try the Chinese and the Latin part.
    han = _NOT_HAN.sub("", key)
    if han and han != key and han in _HEADER_INDEX:
        return _HEADER_INDEX[han]
    latin = _NOT_ASCII_ALNUM.sub("", key)
    if latin and latin != key and latin in _HEADER_INDEX:
        return _HEADER_INDEX[latin]
    return None


def suggest_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Propose ``{field: header}`` for the headers recognised; each field and each header is used once."""
    mapping: dict[str, str] = {}
    for header in headers:
        target = _header_field(header)
        if target is not None and target not in mapping:
            mapping[target] = header
    return {f: mapping[f] for f in FIELDS if f in mapping}


# ---------------------------------------------------------------------------------------------------------
# Normalisers: each takes a stripped, non-empty string and returns the value or raises ValueInvalid.


_NULLS: Final = frozenset({"-", "--", "---", "—", "–", "/", "n/a", "#n/a", "null", "none", "nil", "无", "空"})
_UNKNOWNS: Final = frozenset({"unknown", "unk", "不详", "未知", "不明"})
_WHITESPACE_TRANSLATE: Final = {c: " " for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\r"}
_NAME_PUNCT: Final = frozenset(" '’-.,<·•・‧()/")
_ASCII_NAME = re.compile(r"[A-Za-z][A-Za-z '\-.,<()/]*")
_PNR_NAME = re.compile(r"([A-Za-z][A-Za-z' \-]*)/([A-Za-z][A-Za-z' \-]*?)(?:\s+(?:MR|MRS|MS|MISS|MSTR|DR))?", re.I)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def normalise_name(raw: str) -> str:
    """A name as given, trimmed, whitespace collapsed, full-width forms folded (NFKC).

    Any script; MRZ form ``ZHANG<<WEI`` is kept as is. An airline name ``ZHANG/WEI MR`` becomes ``ZHANG, WEI``
    (the comma form the matcher reads as surname first). Digits and symbols other than ``' - . , < · ( ) /`` are
    refused: they mean a wrongly mapped column.
    """
    text = _one_line(unicodedata.normalize("NFKC", raw))
    if not text:
        raise ValueInvalid(_("A name is empty."))
    pnr = _PNR_NAME.fullmatch(text)
    if pnr:
        surname, given = _one_line(pnr.group(1)), _one_line(pnr.group(2))
        text = f"{surname}, {given}" if given else surname
    if not _ASCII_NAME.fullmatch(text):
        has_letter = False
        for ch in text:
            if ch.isalpha():
                has_letter = True
            elif ch in _NAME_PUNCT or unicodedata.category(ch).startswith("M"):
                continue
            elif ch.isdigit():
                raise ValueInvalid(_("A name cannot contain digits."))
            else:
                raise ValueInvalid(format_lazy(_("A name cannot contain “{char}”."), char=ch))
        if not has_letter:
            raise ValueInvalid(_("A name must contain letters."))
    return text


# fmt: off
_SEX_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "m": ("m", "male", "man", "boy", "mr", "mstr", "master", "男", "男性", "男士", "先生", "男孩"),
    "f": ("f", "female", "woman", "girl", "mrs", "ms", "miss", "女", "女性", "女士", "小姐", "女孩"),
    "x": ("x", "other", "diverse", "nonbinary", "其他"),
    "unknown": ("u", "unknown", "unk", "notknown", "不详", "未知", "不明"),
}
# fmt: on
_SEX_INDEX: Final = {_key(w): code for code, words in _SEX_WORDS.items() for w in words}


@lru_cache(maxsize=1024)
def normalise_sex(raw: str) -> str:
    """``m``, ``f``, ``x`` or ``unknown`` from M/F/男/女/Male/Female/Mr/Ms/不详 …"""
    code = _SEX_INDEX.get(_key(raw))
    if code is None:
        raise ValueInvalid(_("Sex must be M, F, X or unknown (男, 女, 不详)."))
    return code


# fmt: off
_STATUS_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "unaccounted": (
        "unaccounted", "unaccountedfor", "unknown", "notaccountedfor", "未知", "不明", "情况不明", "待查",
    ),
    "unconfirmed": (
        "unconfirmed", "unconfirmedreport", "reported", "tobeconfirmed", "未确认", "待确认", "待核实", "待核查",
    ),
    "safe": (
        "safe", "ok", "fine", "well", "unhurt", "uninjured", "unharmed", "noinjury", "notinjured", "alive", "安全",
        "平安", "无恙", "安然无恙", "无碍", "无伤", "未受伤", "健康", "正常", "安好",
    ),
    "injured": (
        "injured", "hurt", "wounded", "injury", "minorinjury", "minorinjuries", "lightlyinjured", "slightlyinjured",
        "seriouslyinjured", "severelyinjured", "critical", "受伤", "轻伤", "重伤", "伤", "受轻伤", "受重伤", "伤员",
    ),
    "hospitalised": (
        "hospitalised", "hospitalized", "inhospital", "admitted", "住院", "入院", "在院", "住院治疗", "救治中",
        "治疗中", "医院救治", "送医",
    ),
    "missing": ("missing", "lost", "lostcontact", "失踪", "失联", "下落不明", "联系不上", "失去联系"),
    "deceased": (
        "deceased", "dead", "died", "killed", "fatality", "death", "dec", "死亡", "遇难", "身亡", "罹难", "遇害",
        "去世", "已故", "死",
    ),
}
# fmt: on
_STATUS_INDEX: Final = {_key(w): code for code, words in _STATUS_WORDS.items() for w in words}


@lru_cache(maxsize=1024)
def normalise_status(raw: str) -> str:
    """One of :data:`STATUSES` from English or Chinese words (安全/平安 → safe, 失联 → missing, 遇难 → deceased …)."""
    key = _key(raw)
    code = _STATUS_INDEX.get(key)
    if code is None and key in STATUSES:
        code = key
    if code is None:
        raise ValueInvalid(
            _(
                "Status must be one of: unaccounted, unconfirmed, safe, injured, hospitalised, missing, deceased "
                "(or 安全, 受伤, 住院, 失踪, 死亡 …)."
            )
        )
    return code


_ISO_DATE = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})")
_HAN_DATE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]?)?)?")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[\s\-]*([A-Za-z]{3,9})\.?[\s\-,]*(\d{4}|\d{2})")
_MONTH_NAME_DAY = re.compile(r"([A-Za-z]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")
_YEAR_ONLY = re.compile(r"(\d{4})")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MONTHS: Final[dict[str, int]] = {}
for _number, _names in enumerate(
    (
        ("jan", "january"),
        ("feb", "february"),
        ("mar", "march"),
        ("apr", "april"),
        ("may",),
        ("jun", "june"),
        ("jul", "july"),
        ("aug", "august"),
        ("sep", "sept", "september"),
        ("oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ),
    start=1,
):
    for _month_name in _names:
        _MONTHS[_month_name] = _number


def _full_year(year: str, today: dt.date) -> int:
    if len(year) == 4:
        return int(year)
    yy = int(year)
    return 2000 + yy if yy <= today.year % 100 else 1900 + yy


def _checked_date(year: int, month: int, day: int, today: dt.date) -> BirthDate:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise ValueInvalid(_("This is not a valid date.")) from None
    return BirthDate(date=_checked_range(value, today))


def _checked_range(value: dt.date, today: dt.date) -> dt.date:
    problem = birth_date_problem(value, today)
    if problem is not None:
        raise ValueInvalid(problem)
    return value


def _partial(year: int, month: int | None, today: dt.date) -> BirthDate:
    if not EARLIEST_BIRTH_YEAR <= year <= today.year:
        raise ValueInvalid(
            format_lazy(
                _("A birth year must be between {first} and {last}."), first=EARLIEST_BIRTH_YEAR, last=today.year
            )
        )
    if month is not None and not 1 <= month <= 12:
        raise ValueInvalid(_("This is not a valid date."))
    if month is not None and (year, month) > (today.year, today.month):
        raise ValueInvalid(_("A birth date cannot be in the future."))
    return BirthDate(year=year, month=month)


def parse_birth_date(raw: str, *, day_first: bool = True, today: dt.date | None = None) -> BirthDate:
    """A birth date from the ways lists write it.

    Full dates: ISO ``1961-03-02`` (a time after it is ignored), ``1961/03/02``, ``1961.3.2``, ``02/03/1961``,
    ``02.03.1961``, ``02-03-61`` (day first unless ``day_first=False``), ``1961年3月2日``, manifest style
    ``02MAR61``/``02MAR1961``/``2 Mar 1961``, ``March 2, 1961``, ``19610302``, and Excel serial numbers
    (``22342``, what a date cell becomes when saved as a number). Two-digit years are the most recent past one.
    Partial dates: ``1961`` or ``1961年`` give a year only, ``1961-03``, ``03/1961``, ``1961年3月`` a year and
    a month. Dates in the future or before 1880 are refused.
    """
    today = today or dt.date.today()
    text = unicodedata.normalize("NFKC", raw).strip()
    if m := _ISO_DATE.fullmatch(text):
        return _checked_date(int(m[1]), int(m[2]), int(m[3]), today)
    if m := _DMY_DATE.fullmatch(text):
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if day_first else (second, first)
        return _checked_date(_full_year(m[3], today), month, day, today)
    if m := _HAN_DATE.fullmatch(text):
        if m[3]:
            return _checked_date(int(m[1]), int(m[2]), int(m[3]), today)
        return _partial(int(m[1]), int(m[2]) if m[2] else None, today)
    if (m := _DAY_MONTH_NAME.fullmatch(text)) and m[2].casefold() in _MONTHS:
        return _checked_date(_full_year(m[3], today), _MONTHS[m[2].casefold()], int(m[1]), today)
    if (m := _MONTH_NAME_DAY.fullmatch(text)) and m[1].casefold() in _MONTHS:
        return _checked_date(int(m[3]), _MONTHS[m[1].casefold()], int(m[2]), today)
    if m := _COMPACT_DATE.fullmatch(text):
        return _checked_date(int(m[1]), int(m[2]), int(m[3]), today)
    if m := _EXCEL_SERIAL.fullmatch(text):
        return BirthDate(date=_checked_range(_EXCEL_EPOCH + dt.timedelta(days=int(m[1])), today))
    if m := _YEAR_ONLY.fullmatch(text):
        return _partial(int(m[1]), None, today)
    if m := _YEAR_MONTH.fullmatch(text):
        return _partial(int(m[1]), int(m[2]), today)
    if m := _MONTH_YEAR.fullmatch(text):
        return _partial(int(m[2]), int(m[1]), today)
    raise ValueInvalid(_("This is not a date; write it as 1961-03-02, 02/03/1961, 02MAR1961 or 1961年3月2日."))


_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")


def normalise_passport(raw: str) -> str:
    """Upper case without spaces; 5 to 20 letters and digits."""
    text = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if not (text.isascii() and _PASSPORT.fullmatch(text)):
        raise ValueInvalid(_("A passport number has 5 to 20 letters and digits."))
    return text


_PHONE = re.compile(r"\+?[0-9 ()\[\]\-]+")


def normalise_phone(raw: str) -> str:
    """The number as given (trimmed, whitespace collapsed); 6 to 20 digits, ``+`` first, spaces, dashes, brackets."""
    text = _one_line(unicodedata.normalize("NFKC", raw))
    if not (text.isascii() and _PHONE.fullmatch(text)):
        raise ValueInvalid(_("A phone number has only digits, a leading +, spaces, dashes and brackets."))
    digits = sum(map(str.isdigit, text))
    if not 6 <= digits <= 20:
        raise ValueInvalid(_("A phone number has 6 to 20 digits."))
    return text


_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"  # local part, dots not doubled
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})",  # labels; letters or IDN TLD
    re.IGNORECASE,
)


def normalise_email(raw: str) -> str:
    """A valid address (ASCII local part, any domain), the domain in lower case."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if len(text) > _MAX_LENGTH["email"] or not _EMAIL.fullmatch(text):
        raise ValueInvalid(_("This is not a valid e-mail address."))
    local, _at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


# Names that pycountry and CLDR (English, simplified and traditional Chinese) do not give.
# fmt: off
_COUNTRY_EXTRAS: Final[dict[str, str]] = {
    "中华人民共和国": "CN", "中国大陆": "CN", "大陆": "CN", "中國": "CN", "prc": "CN", "prchina": "CN",
    "peoplesrepublicofchina": "CN", "mainlandchina": "CN", "chinese": "CN", "chinamainland": "CN",
    "香港": "HK", "中国香港": "HK", "香港特别行政区": "HK", "hongkong": "HK", "hongkongsar": "HK",
    "hongkongchina": "HK", "澳门": "MO", "中国澳门": "MO", "澳门特别行政区": "MO", "macau": "MO", "macao": "MO",
    "macaosar": "MO", "macauchina": "MO", "macaochina": "MO", "台湾": "TW", "中国台湾": "TW", "台湾地区": "TW",
    "chinesetaipei": "TW", "taiwanchina": "TW", "南韩": "KR", "南朝鲜": "KR", "北朝鲜": "KP", "southkorea": "KR",
    "northkorea": "KP", "usa": "US", "america": "US", "unitedstatesofamerica": "US", "american": "US",
    "uk": "GB", "greatbritain": "GB", "britain": "GB", "england": "GB", "british": "GB", "uae": "AE",
    "russia": "RU", "russian": "RU", "japanese": "JP", "korean": "KR", "french": "FR", "german": "DE",
    "italian": "IT", "spanish": "ES", "canadian": "CA", "australian": "AU", "newzealander": "NZ", "indian": "IN",
    "thai": "TH", "vietnamese": "VN", "filipino": "PH", "indonesian": "ID", "malaysian": "MY",
    "singaporean": "SG", "lao": "LA", "laotian": "LA", "cambodian": "KH", "burmese": "MM", "myanmar": "MM",
    "nepalese": "NP", "pakistani": "PK", "srilankan": "LK", "ethiopian": "ET", "kenyan": "KE", "egyptian": "EG",
    "turkey": "TR", "turkish": "TR", "czechrepublic": "CZ", "holland": "NL", "dutch": "NL", "swiss": "CH",
    "brazilian": "BR", "mexican": "MX", "d": "DE",
}
# fmt: on
_NATIONALITY_NULLS: Final = frozenset({"na", "n/a", "n.a."})


@cache
def _country_index() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    import pycountry
    from babel import Locale

    codes = {c.alpha_2 for c in pycountry.countries}
    alpha2: dict[str, str] = {}
    alpha3: dict[str, str] = {}
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        alpha2[code.casefold()] = code
        alpha3[country.alpha_3.casefold()] = code
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(_key(value), code)
    for locale in ("en", "zh_Hans", "zh_Hant"):
        for code, name in Locale.parse(locale).territories.items():
            if code in codes:
                names.setdefault(_key(name), code)
    for word, code in _COUNTRY_EXTRAS.items():
        names[_key(word)] = code
    return alpha2, alpha3, names


@lru_cache(maxsize=4096)
def normalise_nationality(raw: str) -> str:
    """ISO 3166-1 alpha-2 from alpha-2 (``CN``), alpha-3 (``CHN``, as on passports), names in English or Chinese
    (``China``, ``中国``, ``中华人民共和国``, ``中国籍``), or common adjectives (``Chinese``).

    A bare ``NA`` is taken for "not available", never for Namibia (write ``NAM`` or ``Namibia``).
    """
    alpha2, alpha3, names = _country_index()
    text = unicodedata.normalize("NFKC", raw).strip()
    folded = text.casefold()
    if folded in _NATIONALITY_NULLS:
        raise ValueInvalid(_("“NA” is ambiguous; write NAM or Namibia for Namibia, or leave the cell empty."))
    code: str | None = None
    if len(folded) == 2 and folded.isascii() and folded.isalpha():
        code = alpha2.get(folded)
    elif len(folded) == 3 and folded.isascii() and folded.isalpha():
        code = alpha3.get(folded) or names.get(folded)
    if code is None:
        key = _key(text)
        code = names.get(key)
        if code is None and key.endswith("籍"):  # 中国籍, 美国籍
            code = names.get(key[:-1])
    if code is None:
        raise ValueInvalid(
            _("This is not a country; write an ISO code such as CN or CHN, or a name such as China or 中国.")
        )
    return code


def _text(limit: int, *, multiline: bool = False) -> Callable[[str], str]:
    def normalise(raw: str) -> str:
        text = unicodedata.normalize("NFC", raw).translate(_WHITESPACE_TRANSLATE)
        if multiline:
            lines = [_one_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            text = "\n".join(lines).strip("\n")
        else:
            text = _one_line(text)
        if len(text) > limit:
            raise ValueInvalid(format_lazy(_("This is longer than {limit} characters."), limit=limit))
        return text

    return normalise


def _identifier(limit: int) -> Callable[[str], str]:
    def normalise(raw: str) -> str:
        text = _one_line(unicodedata.normalize("NFKC", raw).translate(_WHITESPACE_TRANSLATE))
        if len(text) > limit:
            raise ValueInvalid(format_lazy(_("This is longer than {limit} characters."), limit=limit))
        return text

    return normalise


def _limited_name(limit: int) -> Callable[[str], str]:
    def normalise(raw: str) -> str:
        text = normalise_name(raw)
        if len(text) > limit:
            raise ValueInvalid(format_lazy(_("This is longer than {limit} characters."), limit=limit))
        return text

    return normalise


_NORMALISERS: Final[dict[str, Callable[[str], object]]] = {
    "name_zh": _limited_name(_MAX_LENGTH["name_zh"]),
    "name_latin": _limited_name(_MAX_LENGTH["name_latin"]),
    "family_name": _limited_name(_MAX_LENGTH["family_name"]),
    "given_name": _limited_name(_MAX_LENGTH["given_name"]),
    "other_names": _text(_MAX_LENGTH["other_names"]),
    "sex": normalise_sex,
    "birth_date": parse_birth_date,
    "passport_number": normalise_passport,
    "nationality": normalise_nationality,
    "phone": normalise_phone,
    "email": normalise_email,
    "last_known_location": _text(_MAX_LENGTH["last_known_location"]),
    "status": normalise_status,
    "hospital": _text(_MAX_LENGTH["hospital"]),
    "seat_or_room": _identifier(_MAX_LENGTH["seat_or_room"]),
    "note": _text(_MAX_LENGTH["note"], multiline=True),
    "external_id": _identifier(_MAX_LENGTH["external_id"]),
}
_EMPTY_WORDS: Final[dict[str, frozenset[str]]] = {
    f: _NULLS
    | (frozenset() if f in ("sex", "status") else _UNKNOWNS)
    | (_NATIONALITY_NULLS if f == "nationality" else frozenset())
    for f in FIELDS
}
_LONGEST_EMPTY_WORD: Final = max(len(w) for words in _EMPTY_WORDS.values() for w in words)


# ---------------------------------------------------------------------------------------------------------
# Fingerprint


_NON_DIGIT = re.compile(r"\D+")


def fingerprint(values: Mapping[str, object]) -> str:
    """SHA-256 (hex) of normalised values in canonical form: stable across file format, encoding and row order.

    The canonical form is, for each key in sorted order, ``len:key=len:value;`` (length-prefixed, so no value
    can imitate a separator), after the version tag. Strings are NFKC-normalised, case-folded and their
    whitespace collapsed; phone numbers keep only a leading ``+`` and the digits; dates are ISO; ``True`` is 1.
    """
    parts = [FINGERPRINT_VERSION, ";"]
    for key in sorted(values):
        value = values[key]
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).casefold()
            if key == "phone":
                text = ("+" if text.startswith("+") else "") + _NON_DIGIT.sub("", text)
            else:
                text = " ".join(text.split())
        elif isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(value)
        parts.append(f"{len(key)}:{key}={len(text)}:{text};")
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Parsing rows


_KIND_DEFAULTS: Final[dict[str, dict[str, object]]] = {
    "hospital": {"status": "hospitalised"},
    "morgue": {"status": "unconfirmed", "reported_deceased": True},
}


def _date_order(table: Table, index: int) -> Literal["dmy", "mdy"]:
    """Month first only when some date can only be month first (``03/25/1961``) and none only day first."""
    day_first_seen = month_first_seen = False
    for _line, cells in table.rows:
        m = _DMY_DATE.fullmatch(cells[index].strip())
        if m:
            first, second = int(m[1]), int(m[2])
            day_first_seen |= first > 12 >= second
            month_first_seen |= second > 12 >= first
    return "mdy" if month_first_seen and not day_first_seen else "dmy"


def _validated_plan(table: Table, mapping: Mapping[str, str], kind: str) -> list[tuple[str, str, int]]:
    problems: list[StrOrPromise] = []
    if kind not in LIST_KINDS:
        problems.append(
            format_lazy(_("Unknown list kind “{kind}”; use one of: {kinds}."), kind=kind, kinds=", ".join(LIST_KINDS))
        )
    index = {h: i for i, h in enumerate(table.headers)}
    used: dict[str, str] = {}
    for target, header in mapping.items():
        if target not in FIELDS:
            problems.append(format_lazy(_("Unknown field “{field}”."), field=target))
        if not header:
            continue
        if header not in index:
            problems.append(
                format_lazy(_("The file has no column “{column}” (for {field})."), column=header, field=target)
            )
        elif header in used:
            problems.append(
                format_lazy(
                    _("The column “{column}” is mapped to both {first} and {second}."),
                    column=header,
                    first=used[header],
                    second=target,
                )
            )
        else:
            used[header] = target
    if not any(mapping.get(f) for f in NAME_FIELDS):
        problems.append(_("Map at least one name column (name_zh, name_latin, family_name or given_name)."))
    if problems:
        raise MappingError(problems)
    return [(f, mapping[f], index[mapping[f]]) for f in FIELDS if mapping.get(f)]


def _birth_date_reader(day_first: bool, today: dt.date) -> Callable[[str], object]:
    def read(text: str) -> BirthDate:
        return parse_birth_date(text, day_first=day_first, today=today)

    return read


def _has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def parse_rows(table: Table, mapping: Mapping[str, str], *, kind: str) -> ParsedList:
    """Normalise the rows of ``table`` through ``mapping`` (``{field: header}``; an empty header means unmapped).

    Raises :class:`MappingError` for unknown fields, headers not in the table, a header mapped twice, no name
    column mapped, or an unknown ``kind``. Otherwise every row is either a :class:`ParsedRow` or has one or more
    :class:`RowError` s (its line is then in ``bad_lines``); ``total`` counts the data rows.

    Rules, per field (``-``, ``N/A``, ``无`` … count as empty; so do ``unknown``/``不详`` except for sex/status):

    * names: see :func:`normalise_name`. ``family_name`` + ``given_name`` fill ``name_latin`` as
      ``FAMILY, GIVEN`` (surname-first comma form) when no ``name_latin`` is given, or ``name_zh`` as 张 + 伟
      when both parts are in Chinese characters. A name is kept in the slot of its script when the other slot is
      empty: ``ZHANG WEI`` in a 姓名 column becomes ``name_latin``, 张伟 in a Name column ``name_zh``.
      Every row needs a ``name_zh`` or ``name_latin``.
    * ``sex``: :func:`normalise_sex`; ``birth_date``: :func:`parse_birth_date`, giving ``birth_date`` (a date)
      or ``birth_year`` (and ``birth_month``). ``02/03/1961`` is read day first unless the column has a date
      only month first can explain and none only day first can (``ParsedList.date_order``).
    * ``passport_number``, ``nationality``, ``phone``, ``email``, ``status``: the ``normalise_*`` functions.
    * text (location, hospital, note, other names), ``seat_or_room``, ``external_id``: trimmed, whitespace
      collapsed (the note keeps its line breaks), with length limits.

    Status and the kind of list. ``hospital`` lists give ``hospitalised`` to rows without a status. A
    ``deceased`` status never comes out of a list: a death is recorded only by an officer who has checked it
    (and next of kin are told before anyone else sees it), so a list can report a death but not set it. Every
    row of a ``morgue`` list, and every row whose status column says deceased, gets ``reported_deceased=True``
    and the status ``unconfirmed`` (a morgue row whose status column says something else keeps that status, for
    the officer to see the contradiction). Manifests, hotel, tour and other lists set no status unless a
    status column says so.

    Rows with the same fingerprint as an earlier good row are errors ("same person as line N") on the later line,
    with ``column`` and ``field`` empty.
    """
    plan = _validated_plan(table, mapping, kind)
    birth_index = next((i for f, _h, i in plan if f == "birth_date"), None)
    date_order = _date_order(table, birth_index) if birth_index is not None else "dmy"
    read_birth_date = _birth_date_reader(date_order == "dmy", dt.date.today())
    steps = [(f, h, i, read_birth_date if f == "birth_date" else _NORMALISERS[f], _EMPTY_WORDS[f]) for f, h, i in plan]
    defaults = _KIND_DEFAULTS.get(kind, {})
    name_header = next((h for f, h, _i in plan if f in NAME_FIELDS), "")
    name_field = next((f for f, _h, _i in plan if f in NAME_FIELDS), "")

    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    bad_lines: set[int] = set()
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        values: dict[str, object] = {}
        row_errors: list[RowError] = []
        for target, header, index, normalise, empty_words in steps:
            raw = cells[index] if index < len(cells) else ""
            text = raw.strip()
            if not text or (len(text) <= _LONGEST_EMPTY_WORD and text.casefold() in empty_words):
                continue
            try:
                value = normalise(text)
            except ValueInvalid as exc:
                row_errors.append(RowError(line, header, target, exc.message, raw))
                continue
            if isinstance(value, BirthDate):
                if value.date is not None:
                    values["birth_date"] = value.date
                else:
                    values["birth_year"] = value.year
                    if value.month is not None:
                        values["birth_month"] = value.month
            else:
                values[target] = value
        if not row_errors:
            _settle_names(values)
            if "name_zh" not in values and "name_latin" not in values:
                row_errors.append(RowError(line, name_header, name_field, _("This row has no name."), ""))
        if row_errors:
            errors.extend(row_errors)
            bad_lines.add(line)
            continue
        if values.get("status") == "deceased":
            values["status"] = "unconfirmed"
            values["reported_deceased"] = True
        for key, default in defaults.items():
            values.setdefault(key, default)
        fp = fingerprint(values)
        if fp in seen:
            errors.append(RowError(line, "", "", format_lazy(_("Same person as line {line}."), line=seen[fp]), ""))
            bad_lines.add(line)
            continue
        seen[fp] = line
        rows.append(ParsedRow(line=line, values=values, fingerprint=fp))
    return ParsedList(
        rows=rows, errors=errors, bad_lines=bad_lines, total=len(table.rows), kind=kind, date_order=date_order
    )


def _settle_names(values: dict[str, object]) -> None:
    family = values.get("family_name")
    given = values.get("given_name")
    if (family or given) and "name_latin" not in values:
        parts = [str(p) for p in (family, given) if p]
        if all(_has_han(p) and not any(c.isascii() and c.isalpha() for c in p) for p in parts):
            values.setdefault("name_zh", "".join(parts))
        else:
            values["name_latin"] = ", ".join(parts)
    zh, latin = values.get("name_zh"), values.get("name_latin")
    if isinstance(zh, str) and latin is None and not _has_han(zh):
        values["name_latin"] = values.pop("name_zh")
    elif isinstance(latin, str) and zh is None and _has_han(latin):
        values["name_zh"] = values.pop("name_latin")
