"""Importing a register: reading CSV and .xlsx files, guessing the columns, checking each row, and
importing all rows or none."""
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import catalog
from office import imports
from office import lifecycle
from office import references
from office.models import Application
from office.models import AuditLog
from office.models import Message
from office.models import StatusChange
from tests.helpers import new_application
from tests.strategies import texts

HEADER = ["Layanan", "Nama Pemohon", "No. HP", "Kelurahan", "Keterangan"]
ROW = ["KTP", "Budi Santoso", "0812-3456-7890", "Menteng", ""]


def csv_bytes(rows, header=HEADER, delimiter=";", encoding="utf-8") -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return "\r\n".join(lines).encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_of(*rows, header=HEADER) -> imports.Sheet:
    return imports.read_sheet(csv_bytes(rows, header))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def scope_of(name: str) -> int:
    return catalog.find_kelurahan(name).id


@pytest.mark.parametrize("data", [
    pytest.param(csv_bytes([ROW], delimiter=","), id="comma"),
    pytest.param(csv_bytes([ROW], delimiter=";"), id="semicolon"),
    pytest.param(csv_bytes([ROW], delimiter="\t"), id="tab"),
    pytest.param(b"\xef\xbb\xbf" + csv_bytes([ROW]), id="utf8-bom"),
    pytest.param(xlsx_bytes([ROW]), id="xlsx"),
])
def test_every_supported_form_reads_to_the_same_header_and_row(app, data):
    sheet = imports.read_sheet(data)
    assert sheet.header == HEADER
    assert sheet.rows == [(2, ROW[:4])]  # the empty last cell is trimmed like Excel's empty columns


def test_windows_1252_csv_keeps_accented_names():
    sheet = imports.read_sheet(csv_bytes([["KTP", "José Ñoño", "0812-3456-7890", "Menteng", "café"]],
                                         encoding="cp1252"))
    assert sheet.rows[0][1][1] == "José Ñoño" and sheet.rows[0][1][4] == "café"


def test_quoted_semicolons_and_line_breaks_stay_in_their_cell():
    data = b'Layanan;Nama;HP\r\nKTP;"Budi; Jr.\r\nSantoso";081234567890\r\nKK;Siti;081298765432\r\n'
    sheet = imports.read_sheet(data)
    assert sheet.rows == [(2, ["KTP", "Budi; Jr.\r\nSantoso", "081234567890"]), (3, ["KK", "Siti", "081298765432"])]


def test_row_numbers_are_the_spreadsheets_own_with_blank_rows_skipped():
    sheet = imports.read_sheet(b"\r\nLayanan;Nama;HP\r\nKTP;A;081234567890\r\n;;\r\nKK;B;081298765432\r\n")
    assert [number for number, _cells in sheet.rows] == [3, 5]


def test_xlsx_phone_typed_as_a_number_reads_back_as_its_digits(app):
    sheet = imports.read_sheet(xlsx_bytes([["KTP", "Budi", 81234567890, "Menteng"]]))
    assert sheet.rows[0][1][2] == "81234567890"
    checked = imports.check(sheet, imports.guess_mapping(sheet.header), scope=None)
    assert checked.drafts[0][1].phone == "+6281234567890"


def junk_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("data, says", [
    (b"", "The file is empty."),
    (b"  \r\n\r\n", "The file is empty."),
    (b"Layanan;Nama;HP\r\n", "The file has a header row but no rows under it."),
    (bytes(range(256)) * 4, "This is not a CSV or .xlsx file."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV or .xlsx file."),
    (junk_zip(), "This .xlsx file could not be opened."),
    (b"PK\x03\x04" + b"\x00" * 200, "This .xlsx file could not be opened."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "This is an old Excel .xls file."),
    (("Nama\r\n" + "x" * (imports.MAX_CELL + 1)).encode(), "holds more than"),
    ((";".join(["a"] * (imports.MAX_COLUMNS + 1)) + "\r\nb").encode(), "columns"),
    (b'Nama\r\n"' + b"x" * 200_000 + b'"\r\n', "could not be read as CSV"),
])
def test_what_is_not_a_register_is_refused_with_a_clear_message(app, data, says):
    with pytest.raises(imports.SheetRefused) as refused:
        imports.read_sheet(data)
    assert says in refused.value.message


def test_more_rows_than_the_limit_are_refused_and_the_limit_itself_is_read():
    at_limit = csv_bytes([ROW] * imports.MAX_ROWS)
    assert len(imports.read_sheet(at_limit).rows) == imports.MAX_ROWS
    with pytest.raises(imports.SheetRefused) as refused:
        imports.read_sheet(at_limit + b"\r\n" + ";".join(ROW).encode())
    assert refused.value.message.startswith("The file has more than")
    assert refused.value.values == {"count": "20.000"}


@given(st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=3000).map(lambda tail: b"PK\x03\x04" + tail),
    st.lists(st.lists(texts(30), max_size=6), max_size=8).map(
        lambda rows: "\n".join(";".join(row) for row in rows).encode("utf-8", "surrogatepass")),
))
def test_any_bytes_give_a_sheet_or_a_refusal(data):
    try:
        sheet = imports.read_sheet(data)
    except imports.SheetRefused:
        return
    assert sheet.rows and all(isinstance(cell, str) for _n, cells in sheet.rows for cell in cells)


@pytest.mark.parametrize("header, expected", [
    (["Layanan", "Nama Pemohon", "No. HP", "Kelurahan", "Keterangan"],
     {"service": 0, "applicant_name": 1, "phone": 2, "kelurahan": 3, "note": 4}),
    (["Service code", "Applicant", "Phone", "Kelurahan", "Note"],
     {"service": 0, "applicant_name": 1, "phone": 2, "kelurahan": 3, "note": 4}),
    (["NO", "NAMA", "KODE LAYANAN", "TELEPON", "DESA", "CATATAN"],
     {"service": 2, "applicant_name": 1, "phone": 3, "kelurahan": 4, "note": 5}),
    (["Nama layanan", "Nama", "Nomor HP/WA"],
     {"service": 0, "applicant_name": 1, "phone": 2, "kelurahan": None, "note": None}),
    (["hp", "kel", "ket", "pemohon", "jenis layanan"],
     {"service": 4, "applicant_name": 3, "phone": 0, "kelurahan": 1, "note": 2}),
    (["Tanggal", "Berkas", "Petugas"],
     {"service": None, "applicant_name": None, "phone": None, "kelurahan": None, "note": None}),
    # The console's own export: fixed rows go back in.
    (["Nomor permohonan", "Kode layanan", "Nama layanan", "Pemohon", "No. HP", "Kelurahan", "Kode status",
      "Status", "Catatan"], {"service": 1, "applicant_name": 3, "phone": 4, "kelurahan": 5, "note": 8}),
])
def test_columns_are_guessed_from_bahasa_and_english_header_names(header, expected):
    assert imports.guess_mapping(header) == expected


def test_a_field_without_its_column_is_named_and_nothing_is_checked(app):
    sheet = sheet_of(ROW, header=["Layanan", "Nama", "Alamat", "Kelurahan", "Keterangan"])
    mapping = imports.guess_mapping(sheet.header)
    assert imports.missing_columns(mapping, scoped=False) == ["phone"]
    with pytest.raises(imports.DomainError) as refused:
        imports.check(sheet, mapping, scope=None)
    assert refused.value.details["fields"] == ["phone"]


def problems_of(*rows, scope=None):
    sheet = sheet_of(*rows)
    checked = imports.check(sheet, imports.guess_mapping(sheet.header), scope=scope)
    return [(p.row, p.field, p.message % p.values if p.values else p.message) for p in checked.problems]


@pytest.mark.parametrize("row, field, says", [
    (["", "Budi", "081234567890", "Menteng"], "service", "The service is missing."),
    (["PASPOR", "Budi", "081234567890", "Menteng"], "service", "Unknown service “PASPOR”."),
    (["KTP", "", "081234567890", "Menteng"], "applicant_name", "The applicant's name is missing."),
    (["KTP", "B" * 121, "081234567890", "Menteng"], "applicant_name", "longer than 120 characters"),
    (["KTP", "Budi", "", "Menteng"], "phone", "The mobile phone number is missing."),
    (["KTP", "Budi", "0536-3222639", "Menteng"], "phone", "“0536-3222639” is not an Indonesian mobile number"),
    (["KTP", "Budi", "+60 12-345 6789", "Menteng"], "phone", "is not an Indonesian mobile number"),
    (["KTP", "Budi", "hubungi RT", "Menteng"], "phone", "is not an Indonesian mobile number"),
    (["KTP", "Budi", "081234567890", ""], "kelurahan", "The kelurahan is missing."),
    (["KTP", "Budi", "081234567890", "Kuala Kurun"], "kelurahan", "Unknown kelurahan “Kuala Kurun”."),
    (["KTP", "Budi", "081234567890", "Menteng", "n" * 501], "note", "The note is longer than 500 characters."),
])
def test_each_kind_of_bad_row_is_named_with_its_row_number_and_field(app, row, field, says):
    ((number, found_field, message),) = problems_of(ROW, row)
    assert number == 3 and found_field == field and says in message


def test_services_and_kelurahan_are_found_by_code_name_or_close_spelling(app):
    sheet = sheet_of(["ktp", "A", "081234567890", "menteng"], ["Kartu Keluarga", "B", "081234567891", "62.71.03.1001"],
                     ["KK", "C", "081234567892", "Petuk Katimpung"])
    checked = imports.check(sheet, imports.guess_mapping(sheet.header), scope=None)
    assert checked.ok
    assert [(d.service.code, d.kelurahan.name) for _n, d in checked.drafts] == [
        ("KTP", "Menteng"), ("KK", "Palangka"), ("KK", "Petuk Katimpun")]


def test_one_row_can_have_several_problems_and_all_are_listed(app):
    assert [field for _n, field, _m in problems_of(["PASPOR", "", "123", "Mars"])] == [
        "service", "applicant_name", "phone", "kelurahan"]


def test_the_same_applicant_phone_and_service_twice_in_the_file_is_a_duplicate(app):
    problems = problems_of(ROW, ["ktp", "budi  SANTOSO", "+62 812 3456 7890", "Menteng"],
                           ["KK", "Budi Santoso", "081234567890", "Menteng"])
    assert problems == [(3, "applicant_name", "The same applicant, phone and service as row 2.")]


def test_an_open_application_for_the_same_phone_and_service_is_a_duplicate_but_a_finished_one_is_not(app):
    open_one = new_application("KTP", phone="081234567890")
    new_application("KK", phone="081234567890", moves=[(lifecycle.REJECTED, "tidak lengkap")])
    problems = problems_of(["KTP", "Budi", "081234567890", "Menteng"], ["KK", "Budi", "081234567890", "Menteng"])
    assert problems == [(2, "phone", f"This phone already has an open application for this service: "
                                     f"{open_one.reference}.")]


def test_a_kelurahan_account_may_not_import_rows_of_another_kelurahan(app):
    problems = problems_of(ROW, ["KK", "Siti", "081298765432", "Palangka"], scope=scope_of("Menteng"))
    assert problems == [(3, "kelurahan", "Palangka is not your kelurahan.")]


def test_a_kelurahan_accounts_rows_without_kelurahan_are_its_own(app):
    sheet = sheet_of(["KTP", "Budi", "081234567890"], header=["Layanan", "Nama", "HP"])
    mapping = imports.guess_mapping(sheet.header)
    assert imports.missing_columns(mapping, scoped=False) == ["kelurahan"]
    checked = imports.check(sheet, mapping, scope=scope_of("Bukit Tunggal"))
    assert checked.ok and checked.drafts[0][1].kelurahan.name == "Bukit Tunggal"


def test_another_kelurahans_open_application_is_a_duplicate_without_showing_its_reference(app):
    theirs = new_application("KTP", phone="081234567890", kelurahan="Palangka")
    ((_row, _field, message),) = problems_of(ROW, scope=scope_of("Menteng"))
    assert theirs.reference not in message and "another office" in message


def import_sheet(sheet, *, scope=None, notify=False):
    return imports.import_rows(sheet, imports.guess_mapping(sheet.header), scope=scope, actor="clerk",
                               notify=notify, source="register.csv")


def test_one_bad_row_imports_nothing_and_queues_no_message(app):
    rows = [["KTP", f"Pemohon {n}", f"0812{n:08d}", "Menteng"] for n in range(50)]
    rows[37][2] = "12345"
    with pytest.raises(imports.RowsRefused) as refused:
        import_sheet(sheet_of(*rows), notify=True)
    db.session.commit()
    assert refused.value.checked.bad_rows == [39]
    assert (count(Application), count(Message), count(StatusChange), count(AuditLog)) == (0, 0, 0, 0)


def test_an_import_registers_every_row_with_history_audit_and_no_sms_unless_asked(app):
    rows = [["KTP", f"Pemohon {n}", f"0812{n:08d}", "Menteng", "berkas lengkap"] for n in range(1500)]
    result = import_sheet(sheet_of(*rows))
    db.session.commit()
    assert result.count == 1500 and len(set(result.references)) == 1500
    assert all(references.is_valid(ref) for ref in result.references)
    stored = db.session.scalars(select(Application).order_by(Application.id)).all()
    assert [a.applicant_name for a in stored] == [f"Pemohon {n}" for n in range(1500)]
    assert {(a.status, a.note, a.created_by, a.kelurahan.name) for a in stored} == {
        (lifecycle.RECEIVED, "berkas lengkap", "clerk", "Menteng")}
    assert count(StatusChange) == 1500 and count(Message) == 0
    actions = db.session.execute(select(AuditLog.action, func.count()).group_by(AuditLog.action)
                                 .order_by(AuditLog.action)).all()
    assert actions == [("application.create", 1500), ("applications.import", 1)]
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "applications.import"))
    assert summary.after == {"count": 1500, "notified": False} and summary.target == "register.csv"


def test_an_import_asked_to_notify_queues_one_receipt_per_applicant_in_their_language(app):
    from office import citizens

    citizens.set_language("+6281200000001", "en")
    db.session.commit()
    result = import_sheet(sheet_of(*[["KTP", f"Pemohon {n}", f"0812{n:08d}", "Menteng"] for n in range(3)]),
                          notify=True)
    db.session.commit()
    messages = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.phone for m in messages] == ["+6281200000000", "+6281200000001", "+6281200000002"]
    assert all(ref in m.text and m.segments == 1 and m.priority == "bulk" for ref, m in
               zip(result.references, messages, strict=True))
    assert "Check status" in messages[1].text and "Check status" not in messages[0].text


def test_an_import_checks_the_rows_again_when_it_runs(app):
    sheet = sheet_of(ROW)
    assert imports.check(sheet, imports.guess_mapping(sheet.header), scope=None).ok
    new_application("KTP", phone="081234567890")  # registered at the counter meanwhile
    with pytest.raises(imports.RowsRefused):
        import_sheet(sheet)


def test_sms_cost_is_one_segment_per_receipt():
    assert imports.receipt_cost(20_000, 300) == 6_000_000
