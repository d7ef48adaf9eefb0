"""The phone page in real headless Chromium: dial, answer a menu, read and send SMS, set a fault."""
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.simulator.fixtures import API_KEY
from tests.simulator.fixtures import SHORTCODE
from tests.simulator.fixtures import USERNAME

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = "+6281349000002"  # the page's 0813-4900-0002 preset


def lekas_menu(form):
    return {
        "": "CON Lekas - Kec. Jekan Raya\n1. Cek status permohonan\n2. Jadwal layanan",
        "1": "CON Masukkan nomor referensi:",
    }.get(form["text"], "END Permohonan 20240001 sedang DIPROSES.")


@pytest.mark.browser
def test_phone_page_dials_answers_a_menu_and_reads_sms(telco, recorder, page):
    recorder.ussd_reply = lekas_menu
    page.goto(telco.url + "/")
    page.click("button.chip[data-number='0813-4900-0002']")

    page.click("#dial")
    expect(page.locator("#ussd-screen")).to_contain_text("1. Cek status permohonan")
    menu_chars = len(lekas_menu({"text": ""})) - len("CON ")
    expect(page.locator("#ussd-chars")).to_contain_text(f"{menu_chars} karakter")
    page.fill("#ussd-input", "1")
    page.click("#ussd-send")
    expect(page.locator("#ussd-screen")).to_have_text("Masukkan nomor referensi:")
    page.fill("#ussd-input", "20240001")
    page.keyboard.press("Enter")
    expect(page.locator("#ussd-screen")).to_have_text("Permohonan 20240001 sedang DIPROSES.")
    expect(page.locator("#ussd-input")).to_be_hidden()
    assert [hop["form"]["text"] for hop in recorder.received("/ussd")] == ["", "1", "1*20240001"]
    assert {hop["form"]["phoneNumber"] for hop in recorder.received("/ussd")} == {PHONE}
    page.click("#ussd-ok")
    expect(page.locator("#ussd")).to_be_hidden()

    requests.post(telco.url + "/version1/messaging", headers={"apiKey": API_KEY}, timeout=10,
                  data={"username": USERNAME, "to": PHONE, "from": SHORTCODE,
                        "message": "Lekas: permohonan 20240001 sudah SIAP diambil di kantor kecamatan."})
    expect(page.locator("#banner")).to_contain_text("SIAP diambil")
    expect(page.locator("#unread")).to_have_text("1")
    page.click("#banner")  # tapping the notification opens the messages
    expect(page.locator(".bubble.in")).to_contain_text("sudah SIAP diambil")
    expect(page.locator("#unread")).to_be_hidden()

    page.fill("#sms-text", "TERIMA KASIH")
    expect(page.locator("#sms-counter")).to_have_text("12 karakter · 1 SMS")
    page.click("#sms-send")
    expect(page.locator(".bubble.out")).to_contain_text("terkirim")
    [incoming] = recorder.received("/sms/incoming")
    assert (incoming["form"]["from"], incoming["form"]["text"]) == (PHONE, "TERIMA KASIH")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "simulator-phone-page.png"), full_page=True)


@pytest.mark.browser
def test_phone_page_sets_faults(telco, page):
    page.goto(telco.url + "/")

    page.fill("input[name=http_500]", "25")
    page.select_option("select[name=quirk]", "html_body")
    page.click("#faults button[type=submit]")

    expect(page.locator("#faults-status")).to_contain_text("Faults applied")
    faults = requests.get(telco.url + "/api/faults", timeout=10).json()
    assert (faults["http_500"], faults["quirk"]) == (0.25, "html_body")
