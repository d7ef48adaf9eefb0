"""Counter intake in Chromium: keyboard only, with and without JavaScript, then the receipt on screen, in
print and as the QR code a phone reads."""
import os
import re
import subprocess
import time

import pytest
from sqlalchemy import select

from extensions import db
from office import catalog
from office.models import Application
from tests.helpers import pdf_page_size_mm
from tests.helpers import pdf_pages
from tests.helpers import signed_in_page

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# 80 mm and A6 (105 mm) at the 96 CSS pixels per inch print preview uses.
ROLL_PX, A6_PX = 302, 397


@pytest.fixture
def clerk(app, make_staff):
    return make_staff("operator", username="loket1")


def registered() -> list[Application]:
    db.session.rollback()
    return list(db.session.scalars(select(Application).order_by(Application.id)))


@pytest.mark.browser
def test_a_clerk_registers_keyboard_only_and_gets_a_printable_receipt(browser, live_server, clerk, artifacts_dir):
    page = signed_in_page(browser, live_server, clerk, viewport=LAPTOP, device_scale_factor=2)
    page.goto(f"{live_server.url}/staff/intake")
    keys = page.keyboard
    assert page.evaluate("document.activeElement.id") == "service-search"

    started = time.monotonic()
    keys.type("rekam ktp")
    keys.press("Enter")  # picks KTP, the first match, and goes on to its checklist
    keys.press("Tab")
    keys.press("Space")  # the second requirement, the family card, is still missing
    keys.press("Tab")
    keys.press("Tab")
    keys.type("Siti Rahmawati")
    keys.press("Tab")
    keys.type("0812-3456-7890")
    keys.press("Tab")
    keys.type("Menteng")
    keys.press("Tab")
    keys.type("Fotokopi KK menyusul")
    filled = time.monotonic() - started
    page.screenshot(path=os.path.join(artifacts_dir, "intake-form.png"), full_page=True)
    submitted = time.monotonic()
    keys.press("Enter")
    page.wait_for_selector(".receipt-paper")
    seconds = filled + time.monotonic() - submitted
    print(f"\nintake, first keystroke to receipt shown: {seconds:.2f} s")
    assert seconds < 30

    [application] = registered()
    assert (application.service.code, application.applicant_name, application.phone, application.kelurahan.name,
            application.note) == ("KTP", "Siti Rahmawati", "+6281234567890", "Menteng", "Fotokopi KK menyusul")
    assert application.missing_requirements == [catalog.get_service("KTP").requirements[1]]
    assert page.url.endswith(f"/staff/applications/{application.reference}/receipt")
    # Ready to print: the Print button has the focus, so Enter prints.
    page.wait_for_function("() => document.activeElement.textContent === 'Cetak'")

    qr = os.path.join(artifacts_dir, "receipt-qr.png")
    page.locator(".receipt-paper div.qr").screenshot(path=qr)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", qr], capture_output=True, text=True, timeout=30)
    assert decoded.stdout.strip() == application.reference

    page.emulate_media(media="print")
    page.set_viewport_size({"width": ROLL_PX, "height": 1200})
    assert not page.locator("header.top").is_visible() and not page.locator(".receipt-tools").is_visible()
    page.screenshot(path=os.path.join(artifacts_dir, "receipt-80mm.png"), full_page=True)
    roll = page.pdf(prefer_css_page_size=True)
    assert round(pdf_page_size_mm(roll)[0]) == 80 and pdf_pages(roll) == 1

    page.emulate_media(media="screen")
    page.set_viewport_size(LAPTOP)
    page.get_by_role("link", name="Lembar A6").focus()
    keys.press("Enter")
    page.wait_for_url(re.compile(r"paper=a6"))
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A6_PX, "height": 600})
    page.screenshot(path=os.path.join(artifacts_dir, "receipt-a6.png"), full_page=True)
    sheet = page.pdf(prefer_css_page_size=True)
    assert tuple(round(side) for side in pdf_page_size_mm(sheet)) == (105, 148) and pdf_pages(sheet) == 1

    # The paper is remembered: the next receipt prints on A6 too, until the clerk switches back.
    page.goto(f"{live_server.url}/staff/applications/{application.reference}/receipt")
    assert "paper-a6" in page.locator("body").get_attribute("class")

    page.emulate_media(media="screen")
    page.locator(".receipt-tools").get_by_role("link", name="Permohonan baru").focus()
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/intake")
    page.wait_for_function("() => document.activeElement.id === 'service-search'")
    assert page.input_value("#applicant_name") == ""
    page.context.close()


@pytest.mark.browser
def test_without_javascript_the_list_and_the_checklist_work_from_the_keyboard(browser, live_server, clerk):
    page = signed_in_page(browser, live_server, clerk, viewport=LAPTOP, java_script_enabled=False)
    page.goto(f"{live_server.url}/staff/intake")
    assert not page.locator("#service-search").is_visible()
    assert not page.locator("#checklist-LAHIR").is_visible()
    keys = page.keyboard
    assert page.evaluate("document.activeElement.id") == "service"
    keys.type("LAH")  # a closed list jumps to the option its typed start names: "LAHIR · Akta kelahiran"
    assert page.input_value("#service") == "LAHIR"
    assert page.locator("#checklist-LAHIR").is_visible() and not page.locator("#checklist-KTP").is_visible()
    keys.press("Tab")
    keys.press("Space")
    for _ in catalog.get_service("LAHIR").requirements:
        keys.press("Tab")
    keys.type("Budi Santoso")
    keys.press("Tab")
    keys.type("+62 813 1111 2222")
    keys.press("Tab")
    keys.type("Bukit")
    keys.press("Tab")  # a list does not send its form on Enter without the script; the note box does
    keys.press("Enter")
    page.wait_for_selector(".receipt-paper")

    [application] = registered()
    assert (application.service.code, application.kelurahan.name) == ("LAHIR", "Bukit Tunggal")
    assert application.missing_requirements == [catalog.get_service("LAHIR").requirements[0]]
    page.context.close()


@pytest.mark.browser
def test_a_refused_phone_is_shown_beside_the_field_and_the_clerk_can_fix_it(browser, live_server, clerk):
    page = signed_in_page(browser, live_server, clerk, viewport=LAPTOP)
    page.goto(f"{live_server.url}/staff/intake")
    keys = page.keyboard
    keys.type("legalisasi")
    keys.press("Enter")
    for _ in catalog.get_service("LEGAL").requirements:
        keys.press("Tab")
    keys.type("Ani")
    keys.press("Tab")
    keys.type("0536 3222639")
    keys.press("Tab")
    keys.type("Palangka")
    keys.press("Enter")  # from the kelurahan list
    page.wait_for_selector("#phone-error")
    assert page.inner_text("#phone-error") == "Hanya nomor HP Indonesia (08...)."
    page.wait_for_function("() => document.activeElement.id === 'phone'")  # the field in error takes the focus
    assert page.input_value("#applicant_name") == "Ani" and page.input_value("#service") == "LEGAL"
    page.fill("#phone", "081355556666")
    keys.press("Enter")
    page.wait_for_selector(".receipt-paper")
    assert [a.phone for a in registered()] == ["+6281355556666"]
    page.context.close()


@pytest.mark.browser
def test_intake_on_a_phone_fits_the_screen(browser, live_server, clerk, artifacts_dir):
    page = signed_in_page(browser, live_server, clerk, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                          has_touch=True)
    page.goto(f"{live_server.url}/staff/intake")
    page.keyboard.type("kk")
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=os.path.join(artifacts_dir, "intake-phone.png"), full_page=True)
    page.context.close()
