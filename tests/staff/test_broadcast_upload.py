"""A broadcast to an uploaded phone list: upload and preview, the confirm sending to exactly what the preview
counted, invalid lines listed and downloadable, too-big files and lost uploads answered, roles, fuzzing."""
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
from office import broadcasts
from office.models import Broadcast
from office.roles import PERMISSIONS
from office.roles import Action
from office.roles import Role
from staff import uploads
from tests.conftest import STAFF_PASSWORD
from tests.conftest import FreshClient
from tests.helpers import add_subscribers
from tests.staff.test_spreadsheets import _no_uploads_left  # noqa: F401  (autouse: each test's uploads removed)
from tests.staff.test_spreadsheets import uploaded_files
from tests.strategies import texts

TEXT = "Besok Sabtu kantor buka 08.00-12.00 untuk perekaman KTP-el."
FIELDS = {"text": TEXT, "text_en": "", "audience": "upload"}
BOUNDARY = "lekas-broadcast-upload-boundary"
FUZZ = hypothesis_settings(max_examples=30, deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture])


def multipart(fields: dict, data: bytes | None, name: str = "daftar.csv") -> bytes:
    """A multipart body built here: werkzeug's test client would spool a large one to a file it never closes."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    if data is not None:
        quoted = name.replace("\\", "").replace('"', "").replace("\r", "").replace("\n", "")
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="phone_file"; filename="{quoted}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode("utf-8", "surrogatepass")
                     + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post(client, fields: dict, data: bytes | None = None, name: str = "daftar.csv"):
    return client.post("/staff/broadcasts/new", data=multipart(fields, data, name),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


def page_of(response) -> str:
    return response.get_data(as_text=True)


def figure(page: str, name: str) -> str:
    return re.search(rf'data-preview="{name}">([^<]*)<', page).group(1)


def preview(client, data: bytes, name: str = "daftar.csv", **fields):
    """Upload `data` for a preview; returns the page and the fields that confirm it."""
    response = post(client, {**FIELDS, **fields, "preview": "1"}, data, name)
    assert response.status_code == 200, page_of(response)
    page = page_of(response)
    fingerprint = page.split('name="previewed" type="hidden" value="')[1].split('"')[0]
    return page, {**FIELDS, **fields, "previewed": fingerprint, "confirm": "1"}


def csv_list(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode()


def broadcast_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Broadcast))


@pytest.fixture
def operator(staff_client):
    client = staff_client("operator")
    client.post("/staff/language", data={"language": "en", "next": "/staff/"})
    return client


def test_the_preview_counts_lines_invalid_opted_out_duplicates_and_cost_and_creates_nothing(app, operator):
    subscribers = add_subscribers(2, start=10)
    opted_out = add_subscribers(1, start=20, opted_out=True)
    data = csv_list("Nama;No. HP", "Budi;0812-3456-7890", "Siti;0812-3456-7890", "Ani;12345",
                    f"Dewi;{opted_out[0]}", *(f"Warga;{phone}" for phone in subscribers), "Joko;")
    page, _form = preview(operator, data)
    assert figure(page, "lines") == "7"
    assert figure(page, "invalid") == "2"
    assert figure(page, "duplicates") == "1"
    assert figure(page, "opted-out") == "1"
    assert figure(page, "recipients") == "3"
    assert figure(page, "cost") == "Rp 900"  # 3 recipients x 1 segment x Rp 300
    assert "<td>4</td><td>12345</td>" in page and "<td>8</td><td><span" in page
    assert "Using daftar.csv." in page
    assert broadcast_count() == 0


def test_confirming_sends_exactly_what_the_preview_counted_to_the_simulator(app, operator, simulator, run_jobs):
    opted_out = add_subscribers(2, start=30, opted_out=True)
    numbers = [f"0813{n:08d}" for n in range(12)]
    data = csv_list(*numbers, numbers[0], numbers[1], *opted_out, "bukan nomor")
    page, form = preview(operator, data)
    assert figure(page, "recipients") == "12"
    # The confirm carries no file: the kept one is read again.
    created = post(operator, form)
    assert created.status_code == 302, page_of(created)
    run_jobs()

    broadcast = db.session.scalars(select(Broadcast)).one()
    db.session.refresh(broadcast)
    assert broadcast.status == broadcasts.DONE
    assert len(simulator.messages()) == 12 == broadcast.recipients
    assert sorted(m["phone"] for m in simulator.messages()) == sorted("+62" + n[1:] for n in numbers)


def test_the_kept_file_is_deleted_once_the_broadcast_is_created(app, operator):
    before = set(uploaded_files(app))
    _page, form = preview(operator, csv_list("081234567890"))
    assert len(set(uploaded_files(app)) - before) == 1
    assert post(operator, form).status_code == 302
    assert set(uploaded_files(app)) == before


def test_an_xlsx_list_with_numbers_as_excel_stores_them_is_read(app, operator):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["Telepon", "Nama"], [6.28123456789e11, "Budi"], [81298765432, "Siti"], ["0812 1111 2222", "Ani"]):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    page, _form = preview(operator, buffer.getvalue(), "daftar.xlsx")
    assert figure(page, "lines") == "3" and figure(page, "recipients") == "3" and figure(page, "invalid") == "0"


def test_a_new_file_on_the_confirm_is_shown_as_a_new_preview_instead_of_sent(app, operator):
    _page, form = preview(operator, csv_list("081234567890"))
    response = post(operator, form, csv_list("081234567890", "081234567891"))
    assert response.status_code == 200 and figure(page_of(response), "recipients") == "2"
    assert broadcast_count() == 0


def test_only_fifty_invalid_lines_are_listed_and_the_download_holds_them_all(app, operator):
    data = csv_list("HP;Nama", "081234567890;Budi", *(f"salah{n};Warga" for n in range(60)))
    page, _form = preview(operator, data)
    assert figure(page, "invalid") == "60"
    assert page.count("<td>salah") == 50
    assert figure(page, "invalid-rest") == "And 10 more lines."
    download = operator.get("/staff/broadcasts/upload/invalid.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Line", "Value"] and rows[1] == ["3", "salah0"] and len(rows) == 61


@pytest.mark.parametrize("data, name, says", [
    (b"", "daftar.csv", "The file is empty."),
    (b"   \r\n", "daftar.csv", "The file is empty."),
    (b"Nama;HP\r\n", "daftar.csv", "The file holds no phone numbers."),
    (b"PK\x03\x04 not really a zip", "daftar.xlsx", "This .xlsx file could not be opened."),
    (b"\xd0\xcf\x11\xe0 old excel", "daftar.xls", "This is an old Excel .xls file."),
    (b"0812\x00\x01binary", "daftar.csv", "This is not a CSV or .xlsx file."),
])
def test_a_file_that_is_not_a_phone_list_is_refused_beside_the_field(app, operator, data, name, says):
    before = set(uploaded_files(app))
    response = post(operator, {**FIELDS, "preview": "1"}, data, name)
    assert response.status_code == 400
    assert re.search(r'id="phone_file-error" role="alert">' + re.escape(says), page_of(response))
    assert TEXT in page_of(response)  # what was typed is kept
    assert set(uploaded_files(app)) == before and broadcast_count() == 0


def test_a_list_without_any_valid_number_says_so_and_lists_its_lines(app, operator):
    response = post(operator, {**FIELDS, "preview": "1"}, csv_list("HP", "0812", "nol delapan"))
    assert response.status_code == 400
    page = page_of(response)
    assert re.search(r'id="phone_file-error" role="alert">No line of the file holds an Indonesian mobile', page)
    assert "<td>2</td><td>0812</td>" in page and "<td>3</td><td>nol delapan</td>" in page
    assert 'name="confirm"' not in page and broadcast_count() == 0


def test_a_list_of_100001_numbers_is_refused_with_the_reason(app, operator):
    data = csv_list(*(f"0812{n:08d}" for n in range(100_001)))
    response = post(operator, {**FIELDS, "preview": "1"}, data)
    assert response.status_code == 400
    assert "The file has more than 100.000 numbers." in page_of(response)
    assert broadcast_count() == 0


def test_a_list_above_the_app_wide_limit_is_read_and_one_above_eight_megabytes_is_refused(app, operator):
    data = csv_list(*(f"0812{n:08d};Warga dengan nama yang agak panjang sekali" for n in range(20_000)))
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    page, _form = preview(operator, data)
    assert figure(page, "recipients") == "20000"
    too_big = post(operator, {**FIELDS, "preview": "1"}, data * 10)
    assert too_big.status_code == 302
    answer = operator.get(too_big.location)
    assert answer.status_code == 400
    assert re.search(r'id="phone_file-error" role="alert">The file is larger than 8 MB.', page_of(answer))
    assert broadcast_count() == 0


def test_a_confirm_whose_kept_file_is_gone_says_so_and_sends_nothing(app, operator):
    _page, form = preview(operator, csv_list("081234567890"))
    for name in uploaded_files(app):
        path = os.path.join(app.instance_path, "uploads", name)
        old = time.time() - uploads.KEEP_SECONDS - 5
        os.utime(path, (old, old))
    response = post(operator, form)
    assert response.status_code == 400
    assert "The uploaded list is no longer here" in page_of(response)
    assert TEXT in page_of(response)
    assert broadcast_count() == 0
    assert operator.get("/staff/broadcasts/upload/invalid.csv").status_code == 302


def test_an_upload_audience_without_any_file_asks_for_one(app, operator):
    response = post(operator, {**FIELDS, "preview": "1"})
    assert response.status_code == 400
    assert re.search(r'id="phone_file-error" role="alert">Choose a CSV or .xlsx file.', page_of(response))


def test_the_kept_list_belongs_to_the_user_who_uploaded_it(app, operator, staff_client):
    _page, form = preview(operator, csv_list("081234567890"))
    other = staff_client("admin")
    response = post(other, form)
    assert response.status_code == 400 and broadcast_count() == 0


def test_the_composer_checks_its_own_csrf_token_since_it_is_exempt_from_the_app_wide_check(make_app, make_staff):
    app = make_app({"WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshClient
    with app.app_context():
        user = make_staff("operator")
        client = app.test_client()
        token_of = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
        token = token_of.search(page_of(client.get("/staff/login"))).group(1)
        client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD, "csrf_token": token})
        refused = post(client, {**FIELDS, "preview": "1"}, csv_list("081234567890"))
        assert refused.status_code == 400 and 'data-preview="recipients"' not in page_of(refused)
        token = token_of.search(page_of(client.get("/staff/broadcasts/new"))).group(1)
        accepted = post(client, {**FIELDS, "preview": "1", "csrf_token": token}, csv_list("081234567890"))
        assert accepted.status_code == 200 and 'data-preview="recipients">1<' in page_of(accepted)


@pytest.mark.parametrize("role", list(Role))
def test_uploading_a_list_follows_the_role_table(app, staff_client, role):
    client = staff_client(role, kelurahan="Menteng" if role == Role.KELURAHAN else None)
    response = post(client, {**FIELDS, "preview": "1"}, csv_list("081234567890"))
    allowed = Action.BROADCAST in PERMISSIONS[role]
    assert response.status_code == (200 if allowed else 403)
    assert client.get("/staff/broadcasts/upload/invalid.csv").status_code == (200 if allowed else 403)


@FUZZ
@given(data=st.binary(max_size=3000), name=st.sampled_from(["daftar.csv", "daftar.xlsx", "x"]))
def test_any_uploaded_bytes_get_an_answer_never_a_server_error(operator, data, name):
    response = post(operator, {**FIELDS, "preview": "1"}, data, name)
    assert response.status_code in (200, 400)


@FUZZ
@given(lines=st.lists(st.lists(texts(max_size=300), min_size=1, max_size=4), min_size=1, max_size=5),
       field=texts(max_size=10_000))
def test_any_list_content_and_field_values_get_an_answer_never_a_server_error(operator, lines, field):
    data = "\r\n".join(";".join(line) for line in lines).encode("utf-8", "surrogatepass")
    response = post(operator, {**FIELDS, "text": field.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
                               "preview": "1"}, data)
    assert response.status_code in (200, 400)


@FUZZ
@given(xlsx_cells=st.lists(st.one_of(texts(max_size=50), st.floats(allow_nan=False), st.integers()),
                           min_size=1, max_size=8))
def test_any_xlsx_cells_get_an_answer_never_a_server_error(operator, xlsx_cells):
    workbook = openpyxl.Workbook()
    for value in xlsx_cells:
        cell = value if not isinstance(value, str) else re.sub(r"[\x00-\x1f\ud800-\udfff]", "", value)
        workbook.active.append([cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = post(operator, {**FIELDS, "preview": "1"}, buffer.getvalue(), "daftar.xlsx")
    assert response.status_code in (200, 400)
