"""The console's spreadsheet pages: upload, column choice, preview, the all-or-nothing import, the bad
rows download, and exports of any list as CSV and .xlsx within the user's kelurahan."""
import csv
import io
import os
import re
import time

import openpyxl
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import imports
from office import lifecycle
from office.models import Application
from office.models import AuditLog
from office.models import Message
from office.roles import PERMISSIONS
from office.roles import Action
from office.roles import Role
from staff import uploads
from tests.conftest import STAFF_PASSWORD
from tests.conftest import FreshClient
from tests.helpers import new_application
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

HEADER = "Layanan;Nama Pemohon;No. HP;Kelurahan;Keterangan\r\n"
GOOD = ("KTP;Budi Santoso;0812-3456-7890;Menteng;", "KK;Siti Aminah;081298765432;Palangka;pindahan")
FUZZ = hypothesis_settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\r\n" for row in rows)).encode()


def upload(client, data: bytes, name: str = "register.csv"):
    # The body is built here: werkzeug's test client would spool a large one to a file it never closes.
    return client.post("/staff/import", data=multipart(data, name), content_type=f"multipart/form-data; "
                                                                                 f"boundary={BOUNDARY}")


BOUNDARY = "lekas-test-boundary-7d1f"


def multipart(data: bytes, name: str, **fields: str) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    quoted = name.replace("\\", "").replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode("utf-8", "surrogatepass") + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def english(client):
    client.post("/staff/language", data={"language": "en", "next": "/staff/"})
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def token_in(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Application)),
            db.session.scalar(select(func.count()).select_from(Message)))


def uploaded_files(app) -> list[str]:
    folder = os.path.join(app.instance_path, "uploads")
    return os.listdir(folder) if os.path.isdir(folder) else []


@pytest.fixture(autouse=True)
def _no_uploads_left(app):
    """The uploads of a test are removed after it: the session's app keeps them in the repository's instance/."""
    before = set(uploaded_files(app))
    yield
    for name in set(uploaded_files(app)) - before:
        os.remove(os.path.join(app.instance_path, "uploads", name))


def test_upload_then_preview_then_confirm_registers_every_row_without_sms(app, staff_client):
    client = english(staff_client("operator"))
    before = set(uploaded_files(app))
    response = upload(client, csv_file(*GOOD))
    assert response.status_code == 302 and response.location.endswith("/staff/import/preview")
    page = text_of(client.get("/staff/import/preview"))
    assert "Budi Santoso" in page and "Siti Aminah" in page
    assert "Import 2 applications" in page and "2 SMS, about Rp 600 (Rp 300 each)" in page
    assert 'name="notify" type="checkbox" value="y"' in page and "checked" not in page.split('name="notify"')[1][:20]
    done = client.post("/staff/import/confirm", data={"token": token_in(page)})
    assert done.status_code == 302 and done.location.endswith("/staff/import/done")
    assert counts() == (2, 0)
    result = text_of(client.get("/staff/import/done"))
    assert "2 applications from register.csv are registered." in result
    assert "No SMS was sent" in result
    # The kept file is gone once imported, and the preview no longer finds it.
    assert set(uploaded_files(app)) == before
    assert client.get("/staff/import/preview").status_code == 302


def test_asking_for_receipts_queues_one_sms_per_applicant(staff_client):
    client = staff_client("operator")
    upload(client, csv_file(*GOOD))
    page = text_of(client.get("/staff/import/preview"))
    client.post("/staff/import/confirm", data={"token": token_in(page), "notify": "y"})
    assert counts() == (2, 2)


def test_a_bad_row_is_listed_with_its_number_and_reason_and_nothing_can_be_imported(staff_client):
    client = english(staff_client("operator"))
    upload(client, csv_file(GOOD[0], "PASPOR;Ani;0812-1111-2222;Menteng;", GOOD[1],
                            "KTP;Budi Santoso;+62 812 3456 7890;Menteng;"))
    response = client.get("/staff/import/preview")
    page = text_of(response)
    assert response.status_code == 200
    assert re.search(r'<td class="num">3</td><td>Service</td><td>Unknown service “PASPOR”.</td>', page)
    assert re.search(r'<td class="num">5</td><td>Applicant name</td><td>The same applicant, phone and service as '
                     r'row 2.</td>', page)
    assert "2 rows have problems" in page and "/staff/import/confirm" not in page
    # Posting the confirmation anyway imports nothing.
    refused = client.post("/staff/import/confirm", data={"token": token_in(page)}, follow_redirects=True)
    assert "Nothing was imported" in text_of(refused)
    assert counts() == (0, 0)


def test_the_bad_rows_download_holds_each_bad_row_with_its_reasons_in_the_files_own_form(staff_client):
    client = english(staff_client("operator"))
    upload(client, csv_file(GOOD[0], "KTP;;12345;Mars;"))
    response = client.get("/staff/import/bad-rows.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == ["Row", "Problem", "Layanan", "Nama Pemohon", "No. HP", "Kelurahan", "Keterangan"]
    assert len(rows) == 2 and rows[1][0] == "3" and rows[1][2:] == ["KTP", "", "12345", "Mars"]
    assert rows[1][1].split(" | ") == ["Applicant name: The applicant's name is missing.",
                                       "Mobile phone: “12345” is not an Indonesian mobile number (08... or +62 8...).",
                                       "Kelurahan: Unknown kelurahan “Mars”."]


def test_columns_the_guess_missed_are_chosen_by_the_clerk_and_checked_again(staff_client):
    client = english(staff_client("operator"))
    upload(client, csv_file("Menteng;KTP;Budi Santoso;0812-3456-7890", header="Wilayah;Urusan;Siapa;Kontak\r\n"))
    page = text_of(client.get("/staff/import/preview"))
    assert page.count("Choose the column that holds this.") == 4 and "/staff/import/confirm" not in page
    twice = client.post("/staff/import/preview", data={"service": "1", "applicant_name": "1", "phone": "3",
                                                       "kelurahan": "0", "note": ""})
    assert twice.status_code == 400 and "This column is already chosen for “Service”." in text_of(twice)
    chosen = client.post("/staff/import/preview", data={"service": "1", "applicant_name": "2", "phone": "3",
                                                        "kelurahan": "0", "note": ""})
    assert chosen.status_code == 302
    page = text_of(client.get("/staff/import/preview"))
    assert "Import 1 applications" in page
    client.post("/staff/import/confirm", data={"token": token_in(page)})
    assert db.session.scalar(select(Application.applicant_name)) == "Budi Santoso"


def test_a_kelurahan_account_cannot_import_into_another_kelurahan(staff_client):
    client = english(staff_client("kelurahan", kelurahan="Menteng"))
    upload(client, csv_file(*GOOD))
    page = text_of(client.get("/staff/import/preview"))
    assert "Palangka is not your kelurahan." in page and "/staff/import/confirm" not in page
    client.post("/staff/import/confirm", data={"token": token_in(page)})
    assert counts() == (0, 0)


def test_a_kelurahan_accounts_register_without_kelurahan_column_goes_to_its_own(staff_client):
    client = staff_client("kelurahan", kelurahan="Bukit Tunggal")
    upload(client, csv_file("KTP;Budi;081234567890", header="Layanan;Nama;HP\r\n"))
    page = text_of(client.get("/staff/import/preview"))
    client.post("/staff/import/confirm", data={"token": token_in(page)})
    assert db.session.scalar(select(Application).where(Application.applicant_name == "Budi")).kelurahan.name == \
        "Bukit Tunggal"


def test_an_xlsx_register_imports_like_a_csv(staff_client):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Kode layanan", "Nama pemohon", "Nomor HP", "Kelurahan"])
    workbook.active.append(["SKTM", "Rina", 81234567890, "Petuk Katimpung"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = staff_client("operator")
    assert upload(client, buffer.getvalue(), "register.xlsx").status_code == 302
    client.post("/staff/import/confirm", data={"token": token_in(text_of(client.get("/staff/import/preview")))})
    stored = db.session.scalar(select(Application))
    assert (stored.service.code, stored.phone, stored.kelurahan.name) == ("SKTM", "+6281234567890", "Petuk Katimpun")


def junk_zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


@pytest.mark.parametrize("data, name, says", [
    (os.urandom(4000), "register.csv", "This is not a CSV or .xlsx file."),
    (b"", "register.csv", "The file is empty."),
    (junk_zip(), "register.xlsx", "This .xlsx file could not be opened."),
    (b"Layanan;Nama;HP\r\n", "register.csv", "The file has a header row but no rows under it."),
])
def test_a_file_that_is_not_a_register_is_refused_beside_the_field(app, staff_client, data, name, says):
    client = english(staff_client("operator"))
    before = set(uploaded_files(app))
    response = upload(client, data, name)
    assert response.status_code == 400
    assert re.search(r'<p class="error" id="file-error" role="alert">' + re.escape(says), text_of(response))
    assert set(uploaded_files(app)) == before


def test_a_register_above_the_app_wide_limit_is_accepted_and_one_above_eight_megabytes_is_refused(staff_client):
    client = english(staff_client("operator"))
    rows = [f"KTP;Pemohon nomor {n:05d} dengan nama yang cukup panjang;0812{n:08d};Menteng;" for n in range(9000)]
    big = csv_file(*rows)
    assert 512 * 1024 < len(big) < imports.MAX_BYTES
    assert upload(client, big).status_code == 302
    too_big = upload(client, big * 14)
    assert too_big.status_code == 302
    page = client.get(too_big.location)
    assert re.search(r'id="file-error" role="alert">The file is larger than 8 MB.', text_of(page))


def test_the_upload_belongs_to_the_user_who_made_it(app, staff_client, make_staff):
    client = staff_client("operator")
    upload(client, csv_file(*GOOD))
    other = app.test_client()
    other.post("/staff/login", data={"username": make_staff("admin").username, "password": STAFF_PASSWORD})
    assert other.get("/staff/import/preview").status_code == 302
    # Signing in again in the same browser starts without the other account's upload.
    client.post("/staff/login", data={"username": "admin-user", "password": STAFF_PASSWORD})
    assert client.get("/staff/import/preview").status_code == 302


def test_an_upload_older_than_an_hour_is_gone_and_swept(app, staff_client):
    client = english(staff_client("operator"))
    before = set(uploaded_files(app))
    upload(client, csv_file(*GOOD))
    (name,) = set(uploaded_files(app)) - before
    path = os.path.join(app.instance_path, "uploads", name)
    old = time.time() - uploads.KEEP_SECONDS - 5
    os.utime(path, (old, old))
    response = client.get("/staff/import/preview", follow_redirects=True)
    assert "Upload it again" in text_of(response)
    upload(client, csv_file(*GOOD))
    assert not os.path.exists(path)


def test_a_confirmation_from_an_older_preview_imports_nothing(staff_client):
    client = english(staff_client("operator"))
    upload(client, csv_file(*GOOD))
    stale = token_in(text_of(client.get("/staff/import/preview")))
    upload(client, csv_file(GOOD[0]))
    response = client.post("/staff/import/confirm", data={"token": stale}, follow_redirects=True)
    assert "belongs to another upload" in text_of(response)
    assert counts() == (0, 0)


def test_cancelling_deletes_the_kept_file(app, staff_client):
    client = staff_client("operator")
    before = set(uploaded_files(app))
    upload(client, csv_file(*GOOD))
    page = text_of(client.get("/staff/import/preview"))
    client.post("/staff/import/cancel", data={"token": token_in(page)})
    assert set(uploaded_files(app)) == before and counts() == (0, 0)


def test_the_upload_form_checks_its_own_csrf_token(make_app, make_staff):
    app = make_app({"WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshClient
    with app.app_context():
        user = make_staff("operator")
        client = app.test_client()
        form = text_of(client.get("/staff/login"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD, "csrf_token": token})
        refused = upload(client, csv_file(*GOOD))
        assert refused.status_code == 400
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          text_of(client.get("/staff/import"))).group(1)
        accepted = client.post("/staff/import", data=multipart(csv_file(*GOOD), "r.csv", csrf_token=token),
                               content_type=f"multipart/form-data; boundary={BOUNDARY}")
        assert accepted.status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_import_and_export_follow_the_role_table(staff_client, role):
    client = staff_client(role, kelurahan="Menteng" if role == Role.KELURAHAN else None)
    expected = {True: 200, False: 403}
    assert client.get("/staff/import").status_code == expected[Action.IMPORT in PERMISSIONS[role]]
    assert client.get("/staff/applications/export.csv").status_code == expected[Action.EXPORT in PERMISSIONS[role]]
    assert client.get("/staff/applications/export.xlsx").status_code == expected[Action.EXPORT in PERMISSIONS[role]]


@pytest.fixture
def uploaded(staff_client):
    """An operator's client with a register uploaded and waiting for its preview."""
    client = staff_client("operator")
    upload(client, csv_file(*GOOD))
    return client


@FUZZ
@given(fields=st.fixed_dictionaries({name: texts(max_size=10_000) for name in imports.FIELDS}))
def test_any_column_choice_gets_an_answer_never_a_server_error(uploaded, fields):
    client = uploaded
    response = client.post("/staff/import/preview", data=form_body(fields), content_type=FORM)
    assert response.status_code in (200, 302, 400)


@FUZZ
@given(token=texts(max_size=10_000), notify=texts(max_size=100))
def test_any_confirmation_gets_an_answer_never_a_server_error(uploaded, token, notify):
    client = uploaded
    response = client.post("/staff/import/confirm", data=form_body({"token": token, "notify": notify}),
                           content_type=FORM)
    assert response.status_code == 302
    assert counts()[0] == 0


@FUZZ
@given(rows=st.lists(st.lists(texts(max_size=300), min_size=1, max_size=6), min_size=1, max_size=5),
       name=texts(max_size=300))
def test_any_uploaded_content_gets_an_answer_never_a_server_error(uploaded, rows, name):
    client = uploaded
    data = "\r\n".join(";".join(row) for row in rows).encode("utf-8", "surrogatepass")
    response = upload(client, data, name)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert client.get("/staff/import/preview").status_code in (200, 302)


# Exports


def exported_csv(client, query: str = "") -> list[list[str]]:
    response = client.get("/staff/applications/export.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def exported_xlsx(client, query: str = "") -> list[tuple]:
    response = client.get("/staff/applications/export.xlsx" + query)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [tuple(cell.value for cell in row) for row in workbook.active.iter_rows()]


def test_the_csv_export_holds_every_column_of_the_filtered_list(staff_client):
    client = english(staff_client("operator"))
    ready = new_application("KTP", "Budi Santoso", "0812-3456-7890", "Menteng",
                            moves=[lifecycle.VERIFYING, lifecycle.PROCESSING, lifecycle.READY])
    new_application("KK", "Siti Aminah", "081298765432", "Palangka", note="pindahan")
    rows = exported_csv(client, "?status=READY")
    assert rows[0] == ["Reference", "Service code", "Service name", "Applicant", "Phone", "Kelurahan", "Status code",
                       "Status", "Note", "Created", "Last change", "Overdue"]
    (row,) = rows[1:]
    assert row[:9] == [ready.reference, "KTP", row[2], "Budi Santoso", "0812-3456-7890", "Menteng", "READY",
                       "Ready for pickup", ""]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[9]) and row[11] == "No"
    assert [r[3] for r in exported_csv(client)[1:]] == ["Siti Aminah", "Budi Santoso"]


def test_the_xlsx_export_holds_the_same_rows_with_real_times(staff_client):
    client = english(staff_client("operator"))
    first = new_application("KTP", "Budi Santoso")
    new_application("KK", "Siti Aminah", "081298765432", note="pindahan")
    rows = exported_xlsx(client, "?sort=created")
    assert rows[0][0] == "Reference" and len(rows) == 3
    assert rows[1][:8] == (first.reference, "KTP", rows[1][2], "Budi Santoso", "0812-3456-7890", "Menteng",
                           "RECEIVED", "Received")
    assert rows[2][8] == "pindahan" and rows[1][9].year >= 2026


def test_a_kelurahan_account_exports_only_its_own_kelurahan(staff_client):
    mine = new_application("KTP", "Warga Menteng", kelurahan="Menteng")
    theirs = new_application("KTP", "Warga Palangka", "081298765432", kelurahan="Palangka")
    client = staff_client("kelurahan", kelurahan="Menteng")
    assert [row[0] for row in exported_csv(client)[1:]] == [mine.reference]
    assert [row[0] for row in exported_xlsx(client)[1:]] == [mine.reference]
    # Naming the other kelurahan's application reaches nothing; naming the other kelurahan is set aside,
    # as on the list, leaving the account's own.
    assert exported_csv(client, f"?q={theirs.reference}")[1:] == []
    assert [row[0] for row in exported_csv(client, "?kelurahan=Palangka")[1:]] == [mine.reference]


def test_the_viewer_exports_the_whole_office(staff_client):
    new_application("KTP", kelurahan="Menteng")
    new_application("KTP", phone="081298765432", kelurahan="Palangka")
    assert len(exported_csv(staff_client("viewer"))) == 3


def test_cells_that_look_like_formulas_are_exported_as_text(staff_client):
    new_application("KTP", '=HYPERLINK("http://evil.example","klik")', note="@SUM(A1:A9)")
    new_application("KK", "-2+3", "081298765432", note="+cmd|' /C calc'!A0")
    client = staff_client("operator")
    rows = exported_csv(client, "?sort=created")[1:]
    assert [(r[3], r[8]) for r in rows] == [("'=HYPERLINK(\"http://evil.example\",\"klik\")", "'@SUM(A1:A9)"),
                                            ("'-2+3", "'+cmd|' /C calc'!A0")]
    response = client.get("/staff/applications/export.xlsx?sort=created")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    cell = sheet["D2"]
    assert cell.value == '=HYPERLINK("http://evil.example","klik")' and cell.data_type == "s" and cell.quotePrefix
    assert sheet["I3"].data_type == "s" and sheet["I3"].quotePrefix


def test_an_export_is_audited_with_its_filter_and_row_count(staff_client):
    new_application("KTP")
    client = staff_client("kelurahan", kelurahan="Menteng")
    exported_csv(client, "?status=RECEIVED&q=Budi")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "applications.export"))
    assert (entry.actor, entry.target) == ("kelurahan-user", "csv")
    assert entry.detail["filter"] == {"q": "Budi", "status": "RECEIVED"} and entry.detail["rows"] == 1
    assert entry.detail["kelurahan_scope"] is not None


def test_an_export_with_a_bad_filter_is_refused_with_a_page(staff_client):
    client = staff_client("operator")
    assert client.get("/staff/applications/export.csv?status=NOPE").status_code == 400
    assert client.get("/staff/applications/export.pdf").status_code == 404


def test_an_export_fixed_in_excel_imports_again(staff_client):
    new_application("KTP", "Budi Santoso", moves=[(lifecycle.REJECTED, "foto buram")])
    client = english(staff_client("operator"))
    response = client.get("/staff/applications/export.csv")
    assert upload(client, response.get_data(), "export.csv").status_code == 302
    page = text_of(client.get("/staff/import/preview"))
    assert "Import 1 applications" in page
