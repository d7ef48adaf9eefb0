"""Broadcasts in a real browser: the live SMS counter counts as office.gsm does, a typographic character is
replaced in one click, and an operator previews, confirms and follows a broadcast to the end (screenshots
at 1366x768 and on a 390 px phone, the README's copied to docs/screenshots)."""
import os
import shutil

import pytest

from office.gsm import analyze
from tests.conftest import ROOT
from tests.helpers import add_subscribers
from tests.helpers import signed_in_page

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")

TEXTS = [
    "",
    "Kantor buka",
    "x" * 160,
    "x" * 161,
    "x" * 306,
    "x" * 307,
    "€" * 80,  # extension characters count twice: 160 septets, one segment
    "€" * 81,
    "x" * 152 + "€" + "x" * 10,  # the escaped € does not fit at the end of a part and starts the next
    "Kantor \u201cbuka\u201d",  # curly quotes: UCS-2
    "é" * 70,  # é is GSM-7
    "\u4e00" * 70,
    "\u4e00" * 71,
    "😀" * 35,  # a surrogate pair is two UTF-16 units
    "😀" * 36,
    "x" * 66 + "😀" + "x" * 10,  # a pair is never cut across two parts
    "Tab\there\u00a0and\u2026",
    "line\nbreak\r\n{[~]}|\\^",
]


def shoot(page, artifacts_dir, name, readme=False):
    """name.png at 1366x768 and name-phone.png at 390x844; the desktop one also to docs/screenshots."""
    for suffix, viewport in (("", DESKTOP), ("-phone", PHONE)):
        page.set_viewport_size(viewport)
        path = os.path.join(artifacts_dir, f"console-broadcast-{name}{suffix}.png")
        page.screenshot(path=path, full_page=True)
        if readme:
            shutil.copy(path, os.path.join(SCREENSHOTS, f"console-broadcast-{name}{suffix}.png"))
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_the_live_counter_counts_each_text_as_the_server_does(app, browser, live_server, make_staff):
    page = signed_in_page(browser, live_server, make_staff("operator"), viewport=DESKTOP)
    page.goto(f"{live_server.url}/staff/broadcasts/new")
    for text in TEXTS:
        expected = analyze(text)
        counted = page.evaluate("text => window.lekasSmsLength(text)", text)
        assert (counted["encoding"], counted["units"], counted["segments"], counted["perSegment"]) == (
            expected.encoding, expected.units, expected.segments, expected.per_segment), text
    page.fill("#text", "x" * 161)
    counter = page.locator("#text-counter")
    assert counter.locator("[data-figure=segments]").inner_text() == "2"
    assert counter.locator("[data-figure=left]").inner_text() == "145"  # 153 - 8 in the second part


@pytest.mark.browser
def test_an_operator_replaces_a_curly_quote_previews_confirms_and_follows_the_broadcast(
        app, browser, live_server, make_staff, simulator, run_jobs, artifacts_dir):
    add_subscribers(12)
    add_subscribers(3, start=100, language="en")
    page = signed_in_page(browser, live_server, make_staff("operator"), viewport=DESKTOP)
    page.goto(f"{live_server.url}/staff/broadcasts/new")
    page.fill("#text", "Besok Sabtu kantor buka 08.00\u201312.00 untuk perekaman \u201cKTP-el\u201d.")
    page.fill("#text_en", "Tomorrow (Saturday) the office opens 08.00-12.00 for KTP-el recording.")
    counter = page.locator("#text-counter")
    assert counter.locator("[data-figure=encoding]").inner_text() == "UCS-2"
    assert counter.locator(".ucs2-chars li").count() == 3
    shoot(page, artifacts_dir, "compose", readme=True)

    for _ in range(3):
        counter.locator("button.replace").first.click()
    assert counter.locator("[data-figure=encoding]").inner_text() == "GSM-7"
    assert counter.locator(".ucs2-chars").is_hidden()
    assert page.locator("#service").is_hidden()  # only the chosen audience's fields show
    page.check("input[name=audience][value=kelurahan]")
    assert page.locator("#kelurahan").is_visible()
    page.check("input[name=audience][value=all]")
    page.click("button[name=preview]")
    assert page.locator("[data-preview=recipients]").inner_text() == "15"
    shoot(page, artifacts_dir, "preview", readme=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=confirm]")
    page.wait_for_url(f"{live_server.url}/staff/broadcasts/*")
    assert page.locator(".bar").is_visible()
    run_jobs()
    # The page refreshes its figures and reloads itself once the broadcast is done.
    page.locator("[data-status]", has_text="Selesai").wait_for(timeout=15_000)
    assert page.locator("[data-count=percent]").inner_text() == "100"
    assert len(simulator.messages()) == 15
    shoot(page, artifacts_dir, "progress", readme=True)

    page.goto(f"{live_server.url}/staff/broadcasts")
    shoot(page, artifacts_dir, "list", readme=True)
