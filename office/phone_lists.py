"""Phone lists uploaded as a broadcast's audience: a CSV or .xlsx file read into the Indonesian mobile
numbers it holds, every line without one reported with its line number and what it held.

The phone is in the column whose header names it (HP, Telepon, Phone, Nomor, ...), else in the first
column. A header row is optional: the first line is one when it names such a column or holds no digit
at all. Line numbers are the file's own, a header being line 1, so a clerk finds the line in Excel.
Messages are msgids (marked N_) with their values beside them, as office.imports gives them.
"""
import re
from dataclasses import dataclass

from office.i18n import N_
from office.imports import SheetRefused
from office.imports import read_records
from office.phones import InvalidPhone
from office.phones import normalize_mobile
from office.xlsx_rows import xlsx_rows

MAX_NUMBERS = 100_000
# 100,000 numbers with a name beside each fit easily; a list is never a whole register.
MAX_BYTES = 8 * 1024 * 1024
# What a report quotes of a bad line: enough to recognise it.
QUOTE = 40
# Header words for the phone's column, the surer first: "Nomor" alone may also head a row number.
_LETTERS = re.compile(r"[A-Za-z]")
_HEADER_WORDS = ({"hp", "telepon", "telp", "phone", "handphone", "ponsel", "mobile", "wa", "whatsapp"}, {"nomor"})


@dataclass(frozen=True)
class PhoneList:
    """An uploaded list as read."""

    lines: int  # lines holding anything, a header not counted
    phones: list[str]  # every valid number as E.164, in file order, duplicates kept
    invalid: list[tuple[int, str]]  # (line number, what its phone cell held) for lines without a valid number
    column: int  # index of the column the phones were read from
    header: bool
    delimiter: str  # of a CSV, for giving its bad lines back in the same form; "," for .xlsx


def read_phone_list(data: bytes) -> PhoneList:
    """Read an uploaded CSV (UTF-8 with or without BOM, else Windows-1252; "," ";" or tab) or .xlsx list.

    :raise SheetRefused: when it is neither, is empty, is larger than MAX_BYTES or holds more than
        MAX_NUMBERS lines.
    """
    if not data.strip():
        raise SheetRefused(N_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise SheetRefused(N_("The file is larger than %(size)s MB."), size=MAX_BYTES // (1024 * 1024))
    if data.startswith(b"PK\x03\x04"):
        return _collect(xlsx_rows(data), ",")
    return _collect(*read_records(data))


def _collect(records, delimiter: str) -> PhoneList:
    lines, phones, invalid = 0, [], []
    column, header, first = 0, False, True
    for number, cells in enumerate(records, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if first:
            first = False
            named = _phone_column(cells)
            if named is not None or not any(ch.isdigit() for cell in cells for ch in cell):
                column, header = named or 0, True
                continue
        lines += 1
        if lines > MAX_NUMBERS:
            raise SheetRefused(N_("The file has more than %(count)s numbers. Split it into smaller files."),
                               count=f"{MAX_NUMBERS:,}".replace(",", "."))
        value = cells[column].strip() if column < len(cells) else ""
        phone = _mobile(value)
        if phone:
            phones.append(phone)
        else:
            invalid.append((number, value[:QUOTE]))
    if not lines:
        raise SheetRefused(N_("The file holds no phone numbers."))
    return PhoneList(lines, phones, invalid, column, header, delimiter)


def _mobile(value: str) -> str | None:
    # phonenumbers reads letters as a keypad's digits; in a list they are a typing slip or a note.
    if _LETTERS.search(value):
        return None
    try:
        return normalize_mobile(value)
    except InvalidPhone:
        return None


def _phone_column(cells: list[str]) -> int | None:
    names = [set(re.sub(r"[^0-9a-z]+", " ", cell.lower()).split()) for cell in cells]
    for words in _HEADER_WORDS:
        for index, name in enumerate(names):
            if name & words:
                return index
    return None
