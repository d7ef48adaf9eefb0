"""The TV display in Chromium at 1920x1080: a call shows within a second, a call-again shows again and is
spoken, the page rides out a server restart without reloading, and it reads from across the room (sizes,
contrast, nothing scrolls, nothing from another origin, light enough)."""
import os
import shutil
import time

import pytest

from extensions import db
from office import queue
from office import queue_board
from tests.helpers import ROOT
from tests.helpers import signed_in_page
from tests.kiosk.audit import low_contrast
from tests.kiosk.audit import measure
from tests.kiosk.audit import small_texts
from tests.kiosk.audit import watch

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}
# A new call must be on the screen within this long of the counter's commit (issue 13).
SHOWN_WITHIN_S = 1.0
# Numbers read from five metres and more; every other text from a few metres.
CALLED_PX, TEXT_PX = 120, 26
PAGE_BUDGET = 150 * 1024
SHOWS = "n => [...document.querySelectorAll('.counter .number')].some(el => el.textContent === n)"
CALL_ID = "code => document.querySelector(`.counter[data-code='${code}']`).dataset.callId || ''"


class Display:
    """The display page in a 1920x1080 Chromium window."""

    def __init__(self, browser, url):
        self.context = browser.new_context(viewport=TV)
        self.page = self.context.new_page()
        self.url = url
        self.traffic = watch(self.page, url)
        self.loads = []
        self.page.on("load", lambda _page: self.loads.append(1))

    def open(self):
        self.page.goto(self.url + "/kiosk/display")
        self.page.wait_for_function("() => document.querySelector('#display').dataset.version")
        return self

    def wait_for_number(self, number, timeout=10_000):
        self.page.wait_for_function(SHOWS, arg=number, timeout=timeout)

    def font_sizes(self, selector):
        return self.page.eval_on_selector_all(selector,
                                              "els => els.map(el => parseFloat(getComputedStyle(el).fontSize))")

    def call_id(self, code):
        return self.page.evaluate(CALL_ID, code)


@pytest.fixture
def display(browser, live_server, app):
    shown = Display(browser, live_server.url)
    yield shown
    assert shown.traffic.foreign() == []
    shown.context.close()


def call(code, *letters, priority=False):
    """Take a ticket of each of `letters` and call the next one to counter `code`, in one commit."""
    for letter in letters:
        queue.issue(letter, priority=priority)
    ticket = queue.call_next(queue.get_counter(code), staff_id=None)
    db.session.commit()
    return ticket


def test_a_call_shows_on_the_display_within_a_second(display, capsys):
    display.open()
    queue.issue("A", priority=False)
    queue.call_next(queue.get_counter("2"), staff_id=None)
    started = time.monotonic()
    db.session.commit()
    display.wait_for_number("A001", timeout=5_000)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\ndisplay shows a new call {elapsed * 1000:.0f} ms after the commit")
    assert elapsed < SHOWN_WITHIN_S
    row = display.page.locator(".counter[data-code='2']")
    assert "fresh" in row.get_attribute("class") and "Dipanggil" in row.inner_text()
    assert display.font_sizes(".counter[data-code='2'] .number") >= [CALLED_PX]
    assert display.page.inner_text("#spoken") == "Nomor A001, silakan ke Loket 2"
    # Chromium started without --autoplay-policy=no-user-gesture-required: silent, and it says so.
    display.page.wait_for_selector(".sound-off", state="visible")


def test_a_key_pressed_at_the_counter_panel_shows_on_the_display_within_a_second(display, browser, live_server,
                                                                                make_staff, capsys):
    clerk = make_staff("operator", username="loket2")
    queue.issue("B", priority=False)
    db.session.commit()
    panel = signed_in_page(browser, live_server, clerk, viewport={"width": 1366, "height": 768})
    panel.goto(f"{live_server.url}/staff/counter")
    panel.select_option("#counter", "2")
    panel.click(".counter-choose button")
    panel.wait_for_selector("h1:text('Loket 2')")
    display.open()
    started = time.monotonic()
    panel.keyboard.press("n")  # Panggil berikutnya
    display.wait_for_number("B001", timeout=5_000)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\ndisplay shows the counter panel's call {elapsed * 1000:.0f} ms after the key press")
    assert elapsed < SHOWN_WITHIN_S + 0.5  # the key press's own request and page load come on top
    panel.context.close()


def test_a_call_again_shows_again_and_both_calls_are_spoken(display, app, tmp_path, monkeypatch, run_jobs):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    display.open()
    # The user gesture a TV started with --autoplay-policy=no-user-gesture-required does without.
    display.page.mouse.click(10, 10)
    ticket = call("1", "B")
    display.wait_for_number("B001")
    first = display.call_id("1")
    run_jobs()  # the worker renders the sentence while the display waits for it
    display.page.wait_for_function("id => document.querySelector('#display').dataset.spoken === id", arg=first,
                                   timeout=15_000)
    queue.call_again(queue.get_counter("1"))
    db.session.commit()
    display.page.wait_for_function(f"() => ({CALL_ID})('1') !== {first!r}", timeout=5_000)
    again = display.call_id("1")
    assert (first, again) == (f"{ticket.id}.1", f"{ticket.id}.2")
    # The same sentence: the cached file, spoken again without another render.
    display.page.wait_for_function("id => document.querySelector('#display').dataset.spoken === id", arg=again,
                                   timeout=15_000)
    audio = [url for url in display.traffic.requests if "/kiosk/display/audio/" in url]
    assert len(set(audio)) == 1


def test_without_its_audio_a_call_still_shows_and_stays_silent(display, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # nothing rendered there, nor will be
    display.open()
    display.page.mouse.click(10, 10)
    call("3", "C")
    display.wait_for_number("C001")
    display.page.wait_for_function("() => document.querySelector('#display').dataset.spoken?.endsWith('silent')",
                                   timeout=30_000)


def test_a_server_restart_shows_reconnecting_and_recovers_without_reloading(browser, restartable, app,
                                                                           artifacts_dir):
    display = Display(browser, restartable.url).open()
    call("1", "A")
    display.wait_for_number("A001")
    restartable.stop()
    display.page.wait_for_selector(".reconnecting:not([hidden])", timeout=10_000)
    assert "menyambung kembali" in display.page.inner_text(".top")
    assert display.page.locator(".counter[data-code='1'] .number").inner_text() == "A001", "the last board stays"
    display.page.screenshot(path=os.path.join(artifacts_dir, "queue-display-reconnecting.png"))
    queue.finish(queue.get_counter("1"))
    call("1", "B")
    restartable.start()
    display.wait_for_number("B001", timeout=15_000)
    assert display.page.locator(".reconnecting").is_hidden()
    assert display.loads == [1]
    assert display.traffic.foreign() == []
    display.context.close()


def demo_calls():
    """A busy morning: a ticket served at counter 1, fresh calls at 2 and 3, people waiting in every group."""
    for letter in "AAABBC":
        queue.issue(letter, priority=False)
    queue.issue("D", priority=True)
    db.session.commit()
    for code in ("1", "3", "2", "1"):
        if code == "1" and queue.at_counter(queue.get_counter("1")):
            queue.finish(queue.get_counter("1"))
        call(code)
    queue.start(queue.get_counter("1"))
    for letter in "AAAABBBCCD":
        queue.issue(letter, priority=False)
    db.session.commit()


def test_the_display_reads_from_across_the_room(display, artifacts_dir, capsys):
    display.open()
    demo_calls()
    display.page.wait_for_function("v => document.querySelector('#display').dataset.version === v",
                                   arg=queue_board.board().version, timeout=10_000)
    display.page.wait_for_function("() => document.querySelector('.clock .time').textContent !== '--.--'")
    measured = measure(display.page)
    assert small_texts(measured, TEXT_PX) == []
    assert low_contrast(measured) == []
    assert min(display.font_sizes(".counter .number")) >= CALLED_PX
    size = display.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size == [TV["width"], TV["height"]], "the display scrolls"
    overflowing = display.page.evaluate("""() => [...document.querySelectorAll('#display *')]
        .filter(el => { const r = el.getBoundingClientRect(); return r.bottom > innerHeight || r.right > innerWidth; })
        .map(el => el.className)""")
    assert overflowing == []
    # As on the TV, where Chromium is started with the sound allowed.
    display.page.mouse.click(10, 10)
    display.page.wait_for_selector(".sound-off", state="hidden")
    path = os.path.join(artifacts_dir, "queue-display.png")
    display.page.screenshot(path=path)
    shutil.copy(path, os.path.join(ROOT, "docs", "screenshots", "queue-display.png"))
    # A smaller TV shows the same board, scaled to fit.
    display.page.set_viewport_size({"width": 1366, "height": 768})
    display.page.wait_for_function("() => document.querySelector('#display').getBoundingClientRect().width <= 1366")
    box = display.page.eval_on_selector("#display", "el => el.getBoundingClientRect().toJSON()")
    assert 1364 <= box["width"] <= 1366 and 767 <= box["height"] <= 768
    display.page.screenshot(path=os.path.join(artifacts_dir, "queue-display-1366x768.png"))


def test_the_display_weighs_under_150_kb_before_the_cache(browser, live_server, app, capsys):
    display = Display(browser, live_server.url).open()
    display.page.wait_for_load_state("networkidle")
    weight = display.traffic.weight()
    with capsys.disabled():
        print(f"\nqueue display weight: {weight} bytes, nothing cached")
    assert weight < PAGE_BUDGET
    assert display.traffic.foreign() == []
    display.context.close()
