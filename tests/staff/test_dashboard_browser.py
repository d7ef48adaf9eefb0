"""The dashboard and the monthly report in Chromium, at 1366x768 and on a phone, with screenshots for people
to look at; the report prints on A4."""
import os
import shutil

import pytest

from tests.helpers import ROOT
from tests.helpers import pdf_page_size_mm
from tests.helpers import signed_in_page

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")


def shoot(page, artifacts_dir, name, viewport):
    page.set_viewport_size(viewport)
    path = os.path.join(artifacts_dir, name)
    page.screenshot(path=path, full_page=True)
    return path


@pytest.mark.browser
def test_the_camat_reads_a_month_on_the_dashboard_and_prints_its_report(browser, live_server, make_staff,
                                                                        dashboard_rows, artifacts_dir):
    page = signed_in_page(browser, live_server, make_staff("viewer", username="camat"), viewport=LAPTOP)
    page.fill("#month", "2026-11")
    page.press("#month", "Enter")
    page.wait_for_url("**/staff/?month=2026-11")
    assert page.locator(".chart svg").count() == 2
    # Nothing overflows sideways: the page fits the laptop and the phone.
    for viewport in (LAPTOP, PHONE):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shutil.copy(shoot(page, artifacts_dir, "console-dashboard.png", LAPTOP), SCREENSHOTS)
    shoot(page, artifacts_dir, "console-dashboard-phone.png", PHONE)

    page.set_viewport_size(LAPTOP)
    page.click("text=Laporan bulanan >> nth=-1")
    page.wait_for_url("**/staff/report?month=2026-11")
    assert page.locator("h1").inner_text() == "Laporan pelayanan bulan 2026-11"
    shutil.copy(shoot(page, artifacts_dir, "console-report.png", LAPTOP), SCREENSHOTS)
    page.emulate_media(media="print")
    shoot(page, artifacts_dir, "console-report-print.png", {"width": 794, "height": 1123})
    assert page.locator("header.top").is_hidden() and page.locator("form.month-form").is_hidden()
    width, height = pdf_page_size_mm(page.pdf(prefer_css_page_size=True))
    assert (round(width), round(height)) == (210, 297)
