"""Drill: the disk under the SQLite database full (a small tmpfs, mounted for the test; needs root).

A USSD hop, an SMS webhook and a console intake that must write get a clear answer, no 500 and nothing
half-written; once space is freed the same requests succeed and the messages queued before are still there.
"""
import os
import shutil
import subprocess
import tempfile

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from tests.conftest import STAFF_PASSWORD

TMPFS_SIZE = "8m"  # room for the migrated schema and the catalog, then filled up on purpose
INTAKE = {"service": "KTP", "applicant_name": "Siti Aminah", "phone": "0812-3456-7001", "kelurahan": "62.71.03.1002",
          "note": ""}  # Menteng
SMS = {"from": "+6281234567002", "to": "5758", "text": "STATUS", "id": "ATXid_full_1"}
API_APPLICATION = {"service": "KTP", "applicant_name": "Budi Santoso", "phone": "+6281234567004",
                   "kelurahan": "Menteng"}
USSD = {"sessionId": "full-1", "phoneNumber": "+6281234567003", "serviceCode": "*384*5758#", "text": "1*1*1"}


@pytest.fixture
def small_disk():
    """A folder on a tmpfs of TMPFS_SIZE; skipped where mounting is not allowed."""
    folder = tempfile.mkdtemp(prefix="lekas-full-")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", folder],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", folder], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def fill(folder: str) -> str:
    """Write a file until the disk refuses another byte; returns its path."""
    path = os.path.join(folder, "filler")
    with open(path, "wb", buffering=0) as fh:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                continue
    return path


def test_a_full_disk_answers_politely_writes_nothing_half_and_everything_works_once_space_is_freed(
        make_app, small_disk):
    from commands import init_db
    from extensions import db
    from office import accounts
    from office import apikeys
    from office import applications
    from office.models import Application
    from office.models import Message

    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{small_disk}/lekas.sqlite3", "WTF_CSRF_ENABLED": False,
                    "QUIET_HOURS": ""})
    with app.app_context():
        init_db()
        accounts.create_user("petugas-full", "Petugas", "operator", STAFF_PASSWORD, actor="test",
                             must_change_password=False)
        queued = applications.create_application("KTP", "Budi", "0812-3456-7000", "Menteng", None, actor="test")
        _key, token = apikeys.create_key("drill-agency", actor="test")
        db.session.commit()
        reference = queued.reference
    client = app.test_client()
    assert client.post("/staff/login", data={"username": "petugas-full", "password": STAFF_PASSWORD}).status_code == 302

    def counts():
        with app.app_context():
            return (db.session.scalar(select(func.count()).select_from(Application)),
                    db.session.scalar(select(func.count()).select_from(Message)))

    before = counts()
    filler = fill(small_disk)
    full = [client.post("/ussd", data=USSD), client.post("/sms/incoming", data=SMS),
            client.post("/staff/intake", data=INTAKE)]
    api = client.post("/api/v1/applications", json=API_APPLICATION, headers={"Authorization": f"Bearer {token}"})
    during = counts()
    os.unlink(filler)
    freed = [client.post("/ussd", data={**USSD, "sessionId": "full-2"}), client.post("/sms/incoming", data=SMS),
             client.post("/staff/intake", data=INTAKE)]

    assert [answer.status_code for answer in full] == [200, 503, 503]
    assert full[0].text == "END Maaf, terjadi gangguan. Silakan coba lagi."
    intake_page = full[2].get_data(as_text=True)
    assert "Siti Aminah" in intake_page and "belum tersimpan" in intake_page  # what was typed is kept
    assert (api.status_code, api.json["error"]["code"], api.headers["Retry-After"]) == (503, "unavailable", "30")
    assert during == before  # nothing half-written
    assert [answer.status_code for answer in freed] == [200, 200, 302]
    assert freed[0].text.startswith("END SMS daftar syarat akan dikirim")
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        rows = db.session.execute(select(Message.direction, Message.kind, Message.status).order_by(Message.id)).all()
        assert rows[0] == ("out", "status", "queued")  # queued before the disk filled, still waiting for a worker
        assert sorted(kind for _direction, kind, _status in rows) == sorted(
            ["status", "checklist", "incoming", "reply", "status"])
        names = db.session.scalars(select(Application.applicant_name).order_by(Application.id)).all()
        assert names == ["Budi", "Siti Aminah"]
        assert db.session.scalar(select(Application.reference).order_by(Application.id)) == reference
    assert counts() == (before[0] + 1, before[1] + 4)
