"""Registering applications from an office's own register: a CSV or .xlsx file is read, its columns are
matched to an application's fields, every row is checked, and then all rows are imported or none.

Messages are msgids (marked N_) with their values beside them: the console shows them translated.
Row numbers are the spreadsheet's own (the header is row 1), so a clerk finds the row in Excel.
"""
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

import openpyxl
from sqlalchemy import select

from extensions import db
from office import applications
from office import audit
from office import catalog
from office import lifecycle
from office.applications import Draft
from office.errors import DomainError
from office.i18n import N_
from office.models import Application
from office.models import Kelurahan
from office.phones import normalize_mobile

MAX_BYTES = 8 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CELL = 1_000
# What a problem quotes of a cell: enough to recognise it, never a whole paragraph.
QUOTE = 40

FIELDS = ("service", "applicant_name", "phone", "kelurahan", "note")
LABELS = {
    "service": N_("Service"),
    "applicant_name": N_("Applicant name"),
    "phone": N_("Mobile phone"),
    "kelurahan": N_("Kelurahan"),
    "note": N_("Note"),
}
REQUIRED = ("service", "applicant_name", "phone")

# Header names offices write, after lower-casing and turning punctuation into spaces ("No. HP" -> "no hp").
_HEADERS = {
    "service": ("layanan", "jenis layanan", "kode layanan", "nama layanan", "jenis permohonan", "service",
                "service code", "service name"),
    "applicant_name": ("nama", "nama pemohon", "pemohon", "nama lengkap", "applicant", "applicant name", "name",
                       "full name"),
    "phone": ("hp", "no hp", "nomor hp", "no hp wa", "telepon", "no telepon", "nomor telepon", "telp", "no telp",
              "handphone", "phone", "phone number", "mobile", "mobile phone", "wa", "no wa"),
    "kelurahan": ("kelurahan", "kel", "desa", "kelurahan desa", "village"),
    "note": ("catatan", "keterangan", "ket", "note", "notes"),
}
# Failing an exact name, a header containing one of these words; services first, so "Nama layanan" is one.
_WORDS = {
    "service": ("layanan", "service", "permohonan"),
    "phone": ("hp", "telepon", "telp", "phone", "mobile", "wa", "whatsapp", "handphone"),
    "kelurahan": ("kelurahan", "desa", "village"),
    "note": ("catatan", "keterangan", "note", "notes"),
    "applicant_name": ("nama", "name", "pemohon", "applicant"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SheetRefused(DomainError):
    """The file cannot be read as a register; `message` says why, with `values` to fill in."""

    code = "bad_sheet"

    def __init__(self, message: str, **values):
        super().__init__(message, **values)
        self.values = values


@dataclass(frozen=True)
class Sheet:
    """A register as read: its header and its non-empty rows as (spreadsheet row number, cells)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str  # of a CSV, for giving bad rows back in the same form; "," for .xlsx


def read_sheet(data: bytes) -> Sheet:
    """Read a CSV (UTF-8 with or without BOM, else Windows-1252; "," ";" or tab) or an .xlsx file.

    :raise SheetRefused: when it is neither, is empty, or is past MAX_ROWS, MAX_COLUMNS or MAX_CELL.
    """
    if not data.strip():
        raise SheetRefused(N_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise SheetRefused(N_("The file is larger than %(size)s MB."), size=MAX_BYTES // (1024 * 1024))
    return _collect(*read_records(data))


def read_records(data: bytes):
    """The rows of a CSV or .xlsx file as lists of cell texts, lazily, and the CSV's delimiter ("," for .xlsx).

    :raise SheetRefused: when it is neither (also while the rows are being read).
    """
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_records(data), ","
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetRefused(N_("This is an old Excel .xls file. In Excel choose Save As, then .xlsx or CSV."))
    text = _decode(data)
    delimiter = _delimiter(text)
    return _csv_records(text, delimiter), delimiter


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the Windows code page; Latin-1 reads the five bytes it leaves out.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    # No register holds control characters; a file that does is something else renamed to .csv.
    if _CONTROL.search(text):
        raise SheetRefused(N_("This is not a CSV or .xlsx file. Save the register from Excel as .xlsx or CSV."))
    return text


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Indonesian Excel writes ";" (the comma is the decimal mark there); the header shows which one is used.
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_records(text: str, delimiter: str):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error:
        raise SheetRefused(N_("The file could not be read as CSV near row %(row)s. Save it again from Excel."),
                           row=reader.line_num) from None


def _xlsx_records(data: bytes):
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # openpyxl raises whatever its zip and XML readers meet in a damaged file (KeyError, ValueError, ...).
    except Exception:
        raise SheetRefused(N_("This .xlsx file could not be opened. Save it again from Excel.")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetRefused(N_("The file is empty."))
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell_text(value) for value in values]
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
            raise SheetRefused(N_("This .xlsx file could not be opened. Save it again from Excel.")) from None
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A phone typed into Excel becomes a number: 81234567890.0 must read back as its digits.
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _collect(records, delimiter: str) -> Sheet:
    header, rows = None, []
    for number, cells in enumerate(records, start=1):
        while cells and not cells[-1].strip():
            cells = cells[:-1]
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise SheetRefused(N_("Row %(row)s has more than %(count)s columns."), row=number, count=MAX_COLUMNS)
        for column, cell in enumerate(cells):
            if len(cell) > MAX_CELL:
                raise SheetRefused(N_("Row %(row)s, column %(column)s holds more than %(count)s characters."),
                                   row=number, column=column_letter(column), count=MAX_CELL)
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        if len(rows) == MAX_ROWS:
            raise SheetRefused(N_("The file has more than %(count)s rows. Split it into smaller files."),
                               count=f"{MAX_ROWS:,}".replace(",", "."))
        rows.append((number, [cell.strip() for cell in cells]))
    if header is None:
        raise SheetRefused(N_("The file is empty."))
    if not rows:
        raise SheetRefused(N_("The file has a header row but no rows under it."))
    return Sheet(header=header, rows=rows, delimiter=delimiter)


def column_letter(index: int) -> str:
    """The spreadsheet's name of a column: 0 -> A, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _words(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """Which column (index into `header`) holds each field, guessed from the names; None when none does."""
    names = [_words(h) for h in header]
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    used: set[int] = set()
    for fld in FIELDS:
        for index, name in enumerate(names):
            if index not in used and name in _HEADERS[fld]:
                mapping[fld] = index
                used.add(index)
                break
    for fld, words in _WORDS.items():
        if mapping[fld] is not None:
            continue
        for index, name in enumerate(names):
            if index not in used and set(name.split()) & set(words):
                mapping[fld] = index
                used.add(index)
                break
    return mapping


def missing_columns(mapping: dict[str, int | None], scoped: bool) -> list[str]:
    """The fields that must have a column and have none; a kelurahan account's rows default to its own."""
    needed = REQUIRED if scoped else (*REQUIRED, "kelurahan")
    return [fld for fld in needed if mapping.get(fld) is None]


@dataclass(frozen=True)
class Problem:
    """What is wrong with one row: `message` is a msgid, `values` fill it in."""

    row: int
    field: str
    message: str
    values: dict = field(default_factory=dict)


@dataclass
class Checked:
    """Every row of a sheet checked: the good ones as drafts, the bad ones as problems."""

    total: int
    drafts: list[tuple[int, Draft]]
    problems: list[Problem]

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.drafts)


def _quote(value: str) -> str:
    return value if len(value) <= QUOTE else value[:QUOTE - 3] + "..."


class _Resolver:
    """Services and kelurahan by what a register writes, looked up once per distinct spelling."""

    def __init__(self):
        self._services: dict[str, object] = {}
        self._places: dict[str, object] = {}

    def service(self, text: str):
        if text not in self._services:
            self._services[text] = catalog.get_service(text) or catalog.find_service(text)
        return self._services[text]

    def kelurahan(self, text: str):
        if text not in self._places:
            self._places[text] = catalog.find_kelurahan(text)
        return self._places[text]


def check(sheet: Sheet, mapping: dict[str, int | None], *, scope: int | None) -> Checked:
    """Check every row of `sheet` read through `mapping`, for a user limited to kelurahan `scope` (or None).

    A row is bad when its service, name, phone or kelurahan is missing or unknown, its kelurahan is not
    the user's own, it repeats an earlier row (same name, phone and service), or the same phone already has
    an open application for that service.

    :raise DomainError: "missing_columns" when a required field has no column (see missing_columns).
    """
    missing = missing_columns(mapping, scope is not None)
    if missing:
        raise DomainError("Some fields have no column.", code="missing_columns", fields=missing)
    resolve = _Resolver()
    own = db.session.get(Kelurahan, scope) if scope is not None else None
    drafts, problems = [], []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in sheet.rows:
        def cell(fld: str) -> str:
            index = mapping.get(fld)
            return cells[index] if index is not None and index < len(cells) else ""

        found = []
        service = _service(resolve, cell("service"), number, found)
        name = _checked(applications.clean_name, cell("applicant_name"), number, "applicant_name", found)
        phone = _phone(cell("phone"), number, found)
        place = _place(resolve, cell("kelurahan"), own, number, found)
        note = _checked(applications.clean_note, cell("note"), number, "note", found)
        if not found:
            key = (" ".join(name.casefold().split()), phone, service.code)
            if key in seen:
                found.append(Problem(number, "applicant_name", N_("The same applicant, phone and service as row "
                                                                  "%(row)s."), {"row": seen[key]}))
            else:
                seen[key] = number
        if found:
            problems.extend(found)
        else:
            drafts.append((number, Draft(service=service, kelurahan=place, applicant_name=name, phone=phone,
                                         note=note)))
    problems.extend(_already_open(drafts, scope))
    bad = {p.row for p in problems}
    return Checked(total=len(sheet.rows), drafts=[(n, d) for n, d in drafts if n not in bad],
                   problems=sorted(problems, key=lambda p: (p.row, FIELDS.index(p.field))))


def _service(resolve: _Resolver, text: str, number: int, found: list):
    if not text:
        found.append(Problem(number, "service", N_("The service is missing.")))
        return None
    service = resolve.service(text)
    if service is None:
        found.append(Problem(number, "service", N_("Unknown service “%(value)s”."), {"value": _quote(text)}))
    return service


_FIELD_MESSAGES = {
    ("applicant_name", "missing_field"): N_("The applicant's name is missing."),
    ("applicant_name", "field_too_long"): N_("The applicant's name is longer than %(count)s characters."),
    ("note", "field_too_long"): N_("The note is longer than %(count)s characters."),
}
_LIMITS = {"applicant_name": applications.MAX_NAME, "note": applications.MAX_NOTE}


def _checked(clean, text: str, number: int, fld: str, found: list):
    try:
        return clean(text)
    except DomainError as exc:
        found.append(Problem(number, fld, _FIELD_MESSAGES[fld, exc.code], {"count": _LIMITS[fld]}))
        return None


def _phone(text: str, number: int, found: list):
    if not text:
        found.append(Problem(number, "phone", N_("The mobile phone number is missing.")))
        return None
    try:
        return normalize_mobile(text)
    except DomainError:
        found.append(Problem(number, "phone", N_("“%(value)s” is not an Indonesian mobile number (08... or "
                                                 "+62 8...)."), {"value": _quote(text)}))
        return None


def _place(resolve: _Resolver, text: str, own, number: int, found: list):
    if not text:
        if own is not None:
            return own
        found.append(Problem(number, "kelurahan", N_("The kelurahan is missing.")))
        return None
    place = resolve.kelurahan(text)
    if place is None:
        found.append(Problem(number, "kelurahan", N_("Unknown kelurahan “%(value)s”."), {"value": _quote(text)}))
    elif own is not None and place.id != own.id:
        found.append(Problem(number, "kelurahan", N_("%(value)s is not your kelurahan."), {"value": place.name}))
    return place


def _already_open(drafts: list[tuple[int, Draft]], scope: int | None) -> list[Problem]:
    """Rows whose phone already has an open application for the same service."""
    wanted = {(d.phone, d.service.id): number for number, d in drafts}
    phones = sorted({phone for phone, _service in wanted})
    problems = []
    for start in range(0, len(phones), 1000):
        # By phone alone, unsorted, the status filtered here: right after a large import PostgreSQL's
        # statistics still say the table is small, and a status condition or an ORDER BY lured it into
        # walking the whole table for each thousand phones.
        rows = db.session.execute(
            select(Application.phone, Application.service_id, Application.reference, Application.kelurahan_id,
                   Application.status)
            .where(Application.phone.in_(phones[start:start + 1000])))
        for phone, service_id, reference, kelurahan_id, status in rows:
            number = wanted.pop((phone, service_id), None) if status in lifecycle.OPEN else None
            if number is None:
                continue
            if scope is None or kelurahan_id == scope:
                problems.append(Problem(number, "phone", N_("This phone already has an open application for "
                                                            "this service: %(reference)s."),
                                        {"reference": reference}))
            else:
                # Another kelurahan's application stays out of sight: not even its reference is shown.
                problems.append(Problem(number, "phone", N_("This phone already has an open application for "
                                                            "this service at another office.")))
    return problems


class RowsRefused(DomainError):
    """An import refused because some rows are bad; `checked` holds them."""

    code = "bad_rows"

    def __init__(self, checked: Checked):
        super().__init__(f"{len(checked.bad_rows)} rows are bad.")
        self.checked = checked


@dataclass(frozen=True)
class Imported:
    count: int
    references: list[str]
    notified: bool


def import_rows(sheet: Sheet, mapping: dict[str, int | None], *, scope: int | None, actor: str, notify: bool,
                source: str) -> Imported:
    """Check `sheet` again and register every row in the caller's transaction, or none.

    With `notify`, each applicant is texted a receipt with their reference. One audit entry records the
    import (`source` names the file); each application has its own creation entry pointing to it.

    :raise RowsRefused: when any row is bad, or none is left; nothing is written then.
    """
    checked = check(sheet, mapping, scope=scope)
    if not checked.ok:
        raise RowsRefused(checked)
    drafts = [d for _number, d in checked.drafts]
    created = applications.create_many(drafts, actor=actor, notify=notify, source=source[:120])
    audit.record(actor, "applications.import", source, after={"count": len(created), "notified": notify},
                 first=created[0][1], last=created[-1][1])
    return Imported(count=len(created), references=[ref for _id, ref in created], notified=notify)


def receipt_cost(count: int, cost_per_segment: int) -> int:
    """What texting `count` receipts costs in rupiah: a receipt is always one segment (office.notifications)."""
    return count * cost_per_segment
