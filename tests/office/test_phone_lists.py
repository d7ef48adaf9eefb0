"""Uploaded phone lists: CSV and .xlsx read into Indonesian mobiles with every bad line reported by number,
the header optional, the 100,000 limit; and the quick path for plainly written mobiles agreeing with a full
parse."""
import io

import openpyxl
import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from office.imports import SheetRefused
from office.phone_lists import MAX_NUMBERS
from office.phone_lists import read_phone_list
from office.phones import plain_mobile

BUDI, SITI = "+6281234567890", "+6281298765432"


def xlsx(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("data, phones, invalid, lines", [
    # Without a header the phone is the first column.
    (b"081234567890\r\n081298765432\r\n", [BUDI, SITI], [], 2),
    (b"081234567890,Budi\n+62 812-9876-5432,Siti\n", [BUDI, SITI], [], 2),
    # A header naming the phone's column: line numbers count it.
    (b"Nama;No. HP\r\nBudi;0812-3456-7890\r\nSiti;6281298765432\r\n", [BUDI, SITI], [], 2),
    (b"nama,telepon\nBudi,abc\n", [], [(2, "abc")], 1),
    (b"Phone Number\n+6281234567890\n", [BUDI], [], 1),
    (b"No,Nama,Nomor\n1,Budi,081234567890\n", [BUDI], [], 1),
    # A first line without any digit is a header even when it names no phone column.
    (b"Daftar penerima\n081234567890\n", [BUDI], [], 1),
    # +62, 62 and 0 forms, and the leading zero Excel drops.
    (b"+6281234567890\n6281234567890\n081234567890\n81234567890\n", [BUDI] * 4, [], 4),
    # Bad lines: letters (phonenumbers would read them as a keypad's digits), too short, a landline, a
    # foreign mobile, the phone cell empty.
    (b"08123abc7890\n0812\n0536 3221 234\n+1 202 555 0143\n,Budi\n081234567890\n",
     [BUDI], [(1, "08123abc7890"), (2, "0812"), (3, "0536 3221 234"), (4, "+1 202 555 0143"), (5, "")], 6),
    # Empty lines are skipped but keep the numbering.
    (b"081234567890\r\n\r\n   \r\n,,\r\nsalah\r\n", [BUDI], [(5, "salah")], 2),
    # A BOM, a semicolon separator, Windows-1252 text.
    (b"\xef\xbb\xbfHP;Nama\r\n081234567890;Budi\r\n", [BUDI], [], 1),
    ("HP;Nama\r\n081234567890;José\r\n".encode("cp1252"), [BUDI], [], 1),
    (b"HP\tNama\n081234567890\tBudi\n", [BUDI], [], 1),
    # A long value is quoted, not whole.
    (b"HP\n" + b"9" * 100 + b"\n", [], [(2, "9" * 40)], 1),
], ids=["plain", "comma", "header", "header-bad", "english", "nomor", "wordy-header", "forms", "bad-lines",
        "empty-lines", "bom-semicolon", "cp1252", "tab", "long"])
def test_a_csv_list_is_read_into_mobiles_and_bad_lines(data, phones, invalid, lines):
    read = read_phone_list(data)
    assert (read.phones, read.invalid, read.lines) == (phones, invalid, lines)


def test_duplicates_stay_in_the_list_for_the_audience_to_count():
    assert read_phone_list(b"081234567890\n+6281234567890\n").phones == [BUDI, BUDI]


def test_an_xlsx_list_reads_numbers_excel_stored_as_floats_and_integers():
    read = read_phone_list(xlsx(["Nama", "HP"], ["Budi", 6.2812345678e11], ["Siti", 81298765432],
                                ["Ani", "0812-3456-7890"], [None, None], ["Joko", "nol delapan"]))
    assert read.phones == ["+628123456780", SITI, BUDI]
    assert read.invalid == [(6, "nol delapan")] and read.lines == 4 and read.header


def test_an_xlsx_list_without_header_reads_its_first_column():
    read = read_phone_list(xlsx([81234567890, "Budi"], ["081298765432", "Siti"]))
    assert read.phones == [BUDI, SITI] and not read.header


@pytest.mark.parametrize("data, says", [
    (b"", "The file is empty."),
    (b" \r\n\r\n", "The file is empty."),
    (b"Nama;HP\r\n", "The file holds no phone numbers."),
    (b"PK\x03\x04broken", "This .xlsx file could not be opened. Save it again from Excel."),
    (b"\xd0\xcf\x11\xe0xls", "This is an old Excel .xls file. In Excel choose Save As, then .xlsx or CSV."),
    (b"081234567890\x00\r\n", "This is not a CSV or .xlsx file. Save the register from Excel as .xlsx or CSV."),
    (b'"081234567890\r\n' + b"x" * 200_000, "The file could not be read as CSV near row %(row)s. Save it again "
                                             "from Excel."),
    (b"0" * (8 * 1024 * 1024 + 1), "The file is larger than %(size)s MB."),
])
def test_a_file_that_is_not_a_list_is_refused_with_the_reason(data, says):
    with pytest.raises(SheetRefused) as refused:
        read_phone_list(data)
    assert refused.value.message == says


def test_100000_numbers_are_read_and_100001_refused():
    lines = [f"0812{n:08d}" for n in range(MAX_NUMBERS)]
    assert len(read_phone_list(("HP\n" + "\n".join(lines)).encode()).phones) == MAX_NUMBERS
    with pytest.raises(SheetRefused) as refused:
        read_phone_list("\n".join([*lines, "081234567890"]).encode())
    assert refused.value.message == "The file has more than %(count)s numbers. Split it into smaller files."
    assert refused.value.values == {"count": "100.000"}


def full_parse(raw: str) -> str | None:
    """What phonenumbers says of `raw` as an Indonesian mobile, the slow way: E.164, or None."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return None
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if (not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "ID"
            or phonenumbers.number_type(number) not in mobile):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


written = st.builds(lambda prefix, head, digits, gap: prefix + head + gap.join([digits[:4], digits[4:]]),
                    st.sampled_from(["", "0", "+62", "+62 ", "(0", "0-", "+620", "00"]),
                    st.sampled_from(["8", "80", "81", "85", "88", "89", "2", ""]),
                    st.text("0123456789", min_size=4, max_size=13), st.sampled_from(["", " ", "-", "."]))


@given(raw=written)
def test_the_quick_path_never_disagrees_with_a_full_parse(raw):
    quick = plain_mobile(raw)
    # "62..." without a plus is ours to read as +62 (office.phones); phonenumbers reads it as national.
    assert quick is None or quick == full_parse(raw if raw.startswith(("+", "0", "(", "8")) else "+" + raw)


@pytest.mark.parametrize("raw", ["081234567890", "0812-3456-7890", "+62 812 3456 7890", "6281234567890",
                                 "81234567890", "(0812) 3456 7890", "0895.1234.5678"])
def test_the_usual_ways_of_writing_a_mobile_take_the_quick_path(raw):
    assert plain_mobile(raw) == full_parse("+62" + raw.translate(str.maketrans("", "", " -.()")).lstrip("+")
                                           .removeprefix("62").removeprefix("0"))
