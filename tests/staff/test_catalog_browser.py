"""The catalog pages in Chromium: an administrator edits a service's requirements with the keyboard,
previews the USSD screens and the SMS checklist, is refused a too-long line beside the field, saves, reads
the history's diff and reverts (screenshots at 1366x768 and 390x844 for people to look at)."""
import os

import pytest
from sqlalchemy import select

from extensions import db
from office.models import Service
from tests.helpers import signed_in_page

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LONG_LINE = "Surat keterangan dari ketua RT dan RW setempat yang masih berlaku"
NEW_LINE = "Surat pengantar RT"

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalog_restored")]


def shoot(page, artifacts_dir, name):
    """console-catalog-<name>.png at 1366x768 and console-catalog-<name>-390.png on a phone."""
    for suffix, viewport in (("", DESKTOP), ("-390", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=os.path.join(artifacts_dir, f"console-catalog-{name}{suffix}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_administrator_edits_previews_is_refused_saves_and_reverts(app, live_server, browser, make_staff,
                                                                      artifacts_dir):
    admin = make_staff("admin", username="kepala")
    page = signed_in_page(browser, live_server, admin, viewport=DESKTOP, locale="id-ID")
    ktp = db.session.scalar(select(Service).where(Service.code == "KTP"))

    page.goto(f"{live_server.url}/staff/catalog")
    assert page.locator("#service-KTP").is_visible()
    shoot(page, artifacts_dir, "list")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(DESKTOP)

    page.locator("#service-KTP a[href$='/edit']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/catalog/{ktp.id}/edit")
    requirements_id = page.locator("#requirements_id")
    requirements_id.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n" + LONG_LINE)
    page.locator("#requirements_en").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nA letter from the RT")
    page.locator("button[type=submit].primary").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    error = page.locator("#requirements_id-error")
    assert error.is_visible() and "65" in error.inner_text() and "60" in error.inner_text()
    assert requirements_id.get_attribute("aria-describedby").endswith("requirements_id-error")
    assert LONG_LINE in requirements_id.input_value()  # what was typed is kept
    shoot(page, artifacts_dir, "refused")

    requirements_id.fill(requirements_id.input_value().replace(LONG_LINE, NEW_LINE))
    with page.expect_navigation():
        page.locator("button[name=preview]").click()
    preview = page.locator(".preview[lang=id]")
    assert NEW_LINE in preview.inner_text() and "Muat." in preview.inner_text()
    page.locator("#preview-heading").scroll_into_view_if_needed()
    shoot(page, artifacts_dir, "preview")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(DESKTOP)

    page.locator("button[type=submit].primary").click()
    page.wait_for_url(f"{live_server.url}/staff/catalog/{ktp.id}/history")
    assert page.locator(".notice.success").is_visible()
    assert NEW_LINE in page.locator(".version ins").first.inner_text()
    shoot(page, artifacts_dir, "history")

    page.locator(".version button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/staff/catalog/{ktp.id}/history")
    assert page.locator("h2", has_text="Versi 2").is_visible()
    db.session.expire_all()
    assert NEW_LINE not in db.session.get(Service, ktp.id).requirement_lines("id")
