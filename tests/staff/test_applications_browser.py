"""The applications pages in a real browser (Debian Chromium): search, open one, change its status with the
live SMS preview, and move a few together; screenshots at 1366x768 and on a 390 px phone."""
import os

import pytest
from playwright.sync_api import expect

from office import lifecycle as lc
from tests.conftest import STAFF_PASSWORD
from tests.helpers import new_application

pytestmark = pytest.mark.browser

NAMES = ["Budi Santoso", "Siti Aminah", "Rahmat Hidayat", "Dewi Lestari", "Yohanes Kristian", "Nur Aisyah",
         "Agus Salim", "Maria Ulfa"]


@pytest.fixture
def office_day(app, make_staff):
    """A morning's register: applications of several services and statuses, and an operator to sign in."""
    made = {}
    for n, name in enumerate(NAMES):
        moves = [lc.VERIFYING, lc.FORWARDED] if n % 2 else []
        made[name] = new_application("KTP" if n % 3 else "KK", name, f"+62812{n:08d}",
                                     ["Menteng", "Palangka", "Bukit Tunggal"][n % 3], moves=moves)
    return made, make_staff("operator")


def sign_in(page, live_server, user):
    page.goto(live_server.url + "/staff/login")
    page.fill("#username", user.username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Dasbor")


def test_search_detail_status_change_with_live_preview_and_bulk(page, live_server, office_day, artifacts_dir):
    made, user = office_day
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, user)
    page.goto(live_server.url + "/staff/applications")
    expect(page.locator("table.applications tbody tr")).to_have_count(len(NAMES))
    page.screenshot(path=os.path.join(artifacts_dir, "applications-list.png"), full_page=True)

    page.fill("#q", "siti")
    page.press("#q", "Enter")
    expect(page.locator("table.applications tbody tr")).to_have_count(1)
    page.click(f"text={made['Siti Aminah'].reference}")
    expect(page.locator("h1")).to_contain_text("Siti Aminah")

    # The script hides the no-script Preview button and asks the server as the clerk chooses and types.
    expect(page.locator("button[name=preview]")).to_be_hidden()
    page.check("input[name=new_status][value=REJECTED]")
    page.fill("#note", "Surat pengantar RT belum ada")
    expect(page.locator("#sms-text")).to_contain_text("Ditolak")
    expect(page.locator("#sms-text")).to_contain_text("Surat pengantar RT belum ada")
    expect(page.locator("#sms-length")).to_contain_text("1 SMS")
    page.screenshot(path=os.path.join(artifacts_dir, "application-detail.png"), full_page=True)
    page.click("button[name=save]")
    expect(page.locator(".notice.success")).to_contain_text("Tersimpan")
    expect(page.locator(".status-now")).to_contain_text("Ditolak")

    # Bulk: the FORWARDED ones arrived from Disdukcapil.
    page.goto(live_server.url + "/staff/applications?status=FORWARDED")
    forwarded = page.locator("input[name=reference]")
    expect(forwarded).to_have_count(3)  # Siti's was among them, and is rejected now
    for n in range(2):
        forwarded.nth(n).check()
    page.select_option("#new_status", "READY")
    page.click("text=Periksa perubahan")
    expect(page.locator(".big-numbers")).to_contain_text("2")
    page.screenshot(path=os.path.join(artifacts_dir, "bulk-confirm.png"), full_page=True)
    page.click("text=Ubah 2 permohonan")
    expect(page.locator(".notice.success")).to_contain_text("2 permohonan diubah")
    expect(page.locator("table.applications tbody tr")).to_have_count(1)


def test_the_list_on_a_phone(page, live_server, office_day, artifacts_dir):
    _made, user = office_day
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, user)
    page.goto(live_server.url + "/staff/applications")
    expect(page.locator("table.applications")).to_be_visible()
    page.screenshot(path=os.path.join(artifacts_dir, "applications-list-390.png"), full_page=True)
    # Nothing but the table itself scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
