"""The console's spreadsheet pages: upload, column choice, preview, all-or-nothing import, bad rows, and
exports of any list in CSV and .xlsx within the user's kelurahan."""
import csv
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office.models import Application
from office.models import AuditLog
from office.models import Message
from tests.helpers import new_application
from tests.strategies import texts

HEADER = "Layanan;Nama Pemohon;No. HP;Kelurahan;Keterangan\n"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


def upload(client, data: bytes, name: str = "register.csv"):
    return client.post("/staff/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def applications_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Application))


def test_upload_preview_and_confirm_registers_every_row(staff_client):
    client = staff_client("operator")
    response = upload(client, csv_file("KTP;Budi Santoso;0812-3456-7890;Menteng;", "KK;Siti Aminah;081298765432;Palangka;baru"))
    assert response.status_code == 302 and response.location.endswith("/staff/import/preview")
    page = client.get("/staff/import/preview")
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "Budi Santoso" in text
    token = text.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/staff/import/confirm", data={"token": token})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert applications_count() == 2
    result = client.get("/staff/import/done")
    assert result.status_code == 200
