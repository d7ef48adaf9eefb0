"""The API keys page in a real browser: an administrator makes a kelurahan key with chosen permissions using
the keyboard, it works against the API, and the list shows its permissions, kelurahan and uses (screenshots
at 1366x768 and 390x844 for people to look at)."""
import os

import pytest
import requests

from extensions import db
from office.models import ApiKey
from tests.helpers import sign_in

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_an_administrator_makes_a_kelurahan_key_with_chosen_permissions(app, live_server, page, make_staff,
                                                                        artifacts_dir):
    make_staff("admin", username="kepala")
    db.session.execute(ApiKey.__table__.insert().values(name="Dinas lama", prefix="0ld0ld00", key_hash="x" * 64))
    db.session.commit()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "kepala")

    page.goto(f"{live_server.url}/staff/api-keys")
    page.fill("#name", "Kelurahan Menteng")
    page.press("#name", "Tab")  # into the permissions, in order, each toggled with the space bar
    assert page.evaluate("document.activeElement.value") == "read"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # applications:write off
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # messages:read on
    page.select_option("#kelurahan", label="Menteng")
    page.set_viewport_size(PHONE)
    page.screenshot(path=os.path.join(artifacts_dir, "api-keys-form-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.click("button[type=submit].primary")
    token = page.locator("#secret").input_value()
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{live_server.url}/api/v1/messages", headers=headers, timeout=10).status_code == 200
    refused = requests.post(f"{live_server.url}/api/v1/applications", headers=headers, json={}, timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["scope"] == "applications:write"

    page.goto(f"{live_server.url}/staff/api-keys")
    row = page.locator("tr", has_text="Kelurahan Menteng")
    assert row.locator("td[data-label=Kelurahan]").inner_text() == "Menteng"
    # The console speaks Bahasa Indonesia to this administrator.
    assert row.locator("td.num").inner_text() == "2"
    assert row.locator(".scope-list li").all_inner_texts() == ["Membaca permohonan dan siaran SMS",
                                                               "Membaca catatan SMS"]
    assert page.locator("tr", has_text="Dinas lama").locator("td[data-label=Izin]").inner_text() == (
        "Semua (kunci dari sebelum ada pengaturan izin)")
    page.screenshot(path=os.path.join(artifacts_dir, "api-keys.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=os.path.join(artifacts_dir, "api-keys-phone.png"), full_page=True)
