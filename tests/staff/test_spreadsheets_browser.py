"""The import as a clerk does it in Chromium: upload, a bad row shown, the corrected file, the import."""
import os

import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office.models import Application
from tests.conftest import STAFF_PASSWORD

HEADER = "Layanan;Nama Pemohon;No. HP;Kelurahan;Keterangan\r\n"
ROWS = ["KTP;Budi Santoso;0812-3456-7890;Menteng;", "KK;Siti Aminah;081298765432;Palangka;pindahan",
        "SKTM;Rina Wati;0813-5555-1212;Bukit Tunggal;", "KIA;Dedi Kurniawan;085211112222;Petuk Katimpung;"]
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def register(folder, name: str, rows: list[str]) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write((HEADER + "".join(row + "\r\n" for row in rows)).encode("utf-8-sig"))
    return path


@pytest.mark.browser
def test_a_clerk_uploads_sees_the_bad_row_uploads_the_fix_and_imports(live_server, page, make_staff, tmp_path,
                                                                      artifacts_dir):
    user = make_staff("operator")
    page.goto(live_server.url + "/staff/login")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Impor").click()
    page.get_by_label("Berkas spreadsheet").set_input_files(
        register(tmp_path, "register.csv", [*ROWS[:2], "PASPOR;Ani;0812-1111-2222;Menteng;", *ROWS[2:]]))
    page.get_by_role("button", name="Unggah dan periksa").click()

    problems = page.get_by_role("region", name="Baris bermasalah")
    assert problems.get_by_role("row").nth(1).inner_text().split("\t") == [
        "4", "Layanan", "Layanan “PASPOR” tidak dikenal."]
    assert page.get_by_role("button", name="Impor 4 permohonan").count() == 0
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(artifacts_dir, f"import-preview{'' if label == 'desktop' else '-phone'}.png"),
                        full_page=True)
        # Nothing of the page is cut off on a phone: only the tables scroll sideways, inside their frame.
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(SIZES["desktop"])

    page.get_by_role("link", name="Unggah berkas yang sudah diperbaiki").click()
    page.get_by_label("Berkas spreadsheet").set_input_files(register(tmp_path, "register-fixed.csv", ROWS))
    page.get_by_role("button", name="Unggah dan periksa").click()
    sms = page.get_by_label("Kirim SMS berisi nomor permohonan kepada setiap pemohon")
    assert not sms.is_checked()
    assert "4 SMS, sekitar Rp 1.200" in page.get_by_role("region", name="Impor").inner_text()
    page.get_by_role("button", name="Impor 4 permohonan").click()
    page.get_by_text("4 permohonan dari register-fixed.csv telah terdaftar.").wait_for()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Application)) == 4
