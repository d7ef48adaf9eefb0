"""The counter panel in Chromium, keyboard only: choose a counter, call next, start, finish, no-show and
transfer with the shortcut keys; the panel fits a 1366x768 screen and works on a phone."""
import os

import pytest
from sqlalchemy import select

from extensions import db
from office import queue
from office.models import QueueTicket
from tests.helpers import signed_in_page

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def statuses() -> dict[str, str]:
    db.session.rollback()
    return {f"{t.number}/{t.group.letter}": t.status
            for t in db.session.scalars(select(QueueTicket).order_by(QueueTicket.id))}


def signed_in_panel(browser, live_server, user, viewport):
    page = signed_in_page(browser, live_server, user, viewport=viewport)
    page.goto(f"{live_server.url}/staff/counter")
    return page


def shows(page, number):
    page.wait_for_function(f"() => document.getElementById('ticket-number').textContent.trim() === '{number}'")
    keys_ready(page)


def keys_ready(page):
    """Wait until the page's deferred counter.js has run: a key pressed while the page is still being parsed
    (its heading already shown) reaches no handler."""
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.browser
def test_a_clerk_serves_the_queue_with_the_keyboard_alone(browser, live_server, make_staff, artifacts_dir):
    clerk = make_staff("operator", username="loket1")
    for letter, priority in [("A", False), ("A", False), ("B", True), ("A", False), ("B", False), ("A", True)]:
        queue.issue(letter, priority=priority)
    db.session.commit()
    page = signed_in_panel(browser, live_server, clerk, LAPTOP)
    keys = page.keyboard
    # Loket 1 is the first choice, focused once the page has settled.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'counter'")
    keys.press("Tab")
    keys.press("Enter")
    page.wait_for_selector("h1:text('Loket 1')")
    keys_ready(page)

    keys.press("n")  # priority first: B001
    shows(page, "B001")
    keys.press("m")
    page.wait_for_selector(".badge.queue-serving")
    keys_ready(page)
    keys.press("s")
    shows(page, "—")
    keys.press("n")  # the other priority ticket, A004
    shows(page, "A004")
    keys.press("t")
    shows(page, "—")
    keys.press("n")  # then the oldest normal ticket, A001
    shows(page, "A001")
    keys.press("a")
    assert page.evaluate("document.activeElement.id") == "group"
    # Typing in a field is typing, not a shortcut: "n" picks nothing here and calls nobody.
    keys.press("n")
    assert page.evaluate("document.activeElement.id") == "group"
    page.screenshot(path=os.path.join(artifacts_dir, "queue-counter.png"))
    keys.press("Enter")  # to B, the first other group
    shows(page, "—")
    assert statuses() == {"A001/A": queue.TRANSFERRED, "A002/A": queue.ISSUED, "B001/B": queue.DONE,
                          "A003/A": queue.ISSUED, "B002/B": queue.ISSUED, "A004/A": queue.NO_SHOW,
                          "A001/B": queue.ISSUED}
    # At 1366x768 the whole panel is on the screen.
    assert page.evaluate("document.documentElement.scrollHeight") <= LAPTOP["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]


@pytest.mark.browser
def test_the_panel_works_on_a_phone_and_its_line_refreshes_by_itself(browser, live_server, make_staff,
                                                                       artifacts_dir):
    clerk = make_staff("operator", username="loket2")
    queue.issue("A", priority=False)
    db.session.commit()
    page = signed_in_panel(browser, live_server, clerk, PHONE)
    page.select_option("#counter", "2")
    page.click("button.primary")
    page.click("button[data-key=n]")
    shows(page, "A001")
    queue.issue("D", priority=True)
    db.session.commit()
    page.wait_for_function("() => document.getElementById('line').textContent.includes('D001')", timeout=15_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=os.path.join(artifacts_dir, "queue-counter-390.png"), full_page=True)


@pytest.mark.browser
def test_the_days_figures_page_fits_a_laptop(browser, live_server, make_staff, artifacts_dir):
    clerk = make_staff("operator", username="loket3")
    counter = queue.get_counter("3")
    for letter in ("C", "C", "D"):
        queue.issue(letter, priority=False)
    for _ in range(2):
        queue.call_next(counter, staff_id=clerk.id)
        queue.finish(counter)
    db.session.commit()
    page = signed_in_panel(browser, live_server, clerk, LAPTOP)
    page.goto(f"{live_server.url}/staff/counter/stats")
    assert page.locator("th[scope=row]", has_text="Loket 3").count() == 1
    # No table needs scrolling sideways.
    assert page.evaluate("[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)")
    page.screenshot(path=os.path.join(artifacts_dir, "queue-figures.png"), full_page=True)
