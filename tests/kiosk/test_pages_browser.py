"""The public pages in Chromium with JavaScript off, on a phone and on a laptop: a citizen reads the catalog,
opens a service, checks a status with and without the phone digits and sends a suggestion. Each page is
weighed, kept to its own origin, and checked for text size, target size and contrast."""
import os

import pytest
from sqlalchemy import select

from extensions import db
from office.models import Feedback
from tests.helpers import new_application
from tests.kiosk import audit

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
MAX_PAGE_BYTES = 30_000
MIN_TARGET_PX = 24
MIN_PHONE_TEXT_PX = 14
NOTE = "Bawa fotokopi akta kelahiran"
# Heading levels in document order: a page starts at h1 and never skips a level going down.
HEADING_LEVELS = "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1])"


class Reader:
    """One citizen's browser without JavaScript, and what each page they reach weighs."""

    def __init__(self, browser, live_server, viewport: str, artifacts_dir: str):
        self.context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS[viewport],
                                           device_scale_factor=1)
        self.page = self.context.new_page()
        # A routed page bypasses the HTTP cache, so every page is weighed as a first visit on thin data.
        self.page.route("**/*", lambda route: route.continue_())
        self.traffic = audit.watch(self.page, live_server.url)
        self.url = live_server.url
        self.viewport = viewport
        self.artifacts_dir = artifacts_dir
        self.weights = {}

    def open(self, path: str) -> None:
        self.traffic.clear()
        self.page.goto(self.url + path)

    def submit(self, button: str) -> None:
        self.traffic.clear()
        self.page.click(f"button:has-text('{button}')")
        self.page.wait_for_load_state()

    def check(self, name: str) -> None:
        """The page now shown meets the budget and the WCAG checks; its screenshot is saved as `name`."""
        # Response events reach Python while Playwright runs: wait until the network is quiet and run the
        # measurement before counting, so the stylesheet is counted with the page that loaded it.
        self.page.wait_for_load_state("networkidle")
        measured = audit.measure(self.page)
        self.weights[name] = self.traffic.weight()
        assert self.weights[name] < MAX_PAGE_BYTES, name
        assert self.traffic.foreign() == [], name
        if self.viewport == "phone":
            assert audit.small_texts(measured, MIN_PHONE_TEXT_PX) == [], name
        assert audit.small_targets(measured, MIN_TARGET_PX) == [], name
        assert audit.low_contrast(measured) == [], name
        levels = self.page.evaluate(HEADING_LEVELS)
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (name, levels)
        assert self.page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[self.viewport]["width"], name
        self.page.screenshot(path=os.path.join(self.artifacts_dir, f"public-{name}-{self.viewport}.png"),
                             full_page=self.viewport == "phone")


@pytest.fixture(params=list(VIEWPORTS))
def reader(request, browser, live_server, artifacts_dir, app):
    reader = Reader(browser, live_server, request.param, artifacts_dir)
    yield reader
    print(f"page weights ({request.param}, bytes):", reader.weights)
    reader.context.close()


@pytest.mark.browser
def test_a_citizen_without_javascript_reads_the_catalog_and_a_service(reader):
    page = reader.page
    reader.open("/layanan")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator(".skip").bounding_box()["y"] >= 0  # shown on focus, not left off-screen
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.locator("h2").first.inner_text() == "Kependudukan (diterbitkan Disdukcapil)"
    reader.check("services")

    reader.traffic.clear()
    page.click("text=Perekaman KTP-el")
    assert page.url.endswith("/layanan/KTP")
    assert "SYARAT KTP" in page.inner_text("main")
    reader.check("service")

    reader.open("/kontak")
    assert page.locator("table.standards tbody tr").count() > 5
    reader.check("contact")

    reader.open("/layanan/TIDAKADA")
    assert page.locator("h1").inner_text() == "Layanan tidak ditemukan"
    reader.check("not-found")

    reader.open("/layanan?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    reader.check("services-en")


@pytest.mark.browser
def test_a_citizen_without_javascript_checks_a_status_with_and_without_the_phone_digits(reader):
    application = new_application(moves=["VERIFYING", ("NEEDS_DOCUMENTS", NOTE)])
    page = reader.page
    reader.open("/cek")
    reader.check("status-form")

    page.fill("#reference", "12345abcde")
    reader.submit("Cek status")
    assert page.locator("#reference-error").is_visible()
    assert page.input_value("#reference") == "12345abcde"
    reader.check("status-typo")

    page.fill("#reference", application.reference)
    reader.submit("Cek status")
    card = page.inner_text(".status-card")
    assert "B*** S*****" in card and NOTE not in card
    reader.check("status")

    page.fill("#phone_tail", application.phone[-4:])
    reader.submit("Cek status")
    assert NOTE in page.inner_text(".status-card")
    reader.check("status-note")


@pytest.mark.browser
def test_a_citizen_without_javascript_sends_a_suggestion_and_reads_the_ticket(reader):
    page = reader.page
    reader.open("/saran")
    reader.check("feedback-form")

    page.check("label.choice:has-text('Aduan') input")
    page.fill("#text", "Antrean di loket KTP terlalu lama pada hari Senin.")
    page.fill("#phone", "0812 3456 7890")
    reader.submit("Kirim")
    db.session.rollback()
    ticket = db.session.scalars(select(Feedback.ticket)).one()
    assert page.inner_text(".ticket strong") == ticket
    reader.check("feedback-sent")
