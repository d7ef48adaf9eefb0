"""The kiosk in Chromium, by touch, on a portrait and a landscape panel: every flow, the idle reset, the
restart of the server, what each screen weighs, and the size, text and contrast of everything on it.

Every test also checks that the kiosk asked nothing of any other origin.
"""
import pytest
from sqlalchemy import select

from extensions import db
from office import catalog
from office import citizens
from office import references
from office.models import Feedback
from tests.helpers import new_application
from tests.helpers import pdf_page_size_mm
from tests.helpers import pdf_pages
from tests.kiosk.audit import watch
from tests.kiosk.panel import PANELS
from tests.kiosk.panel import Kiosk

pytestmark = pytest.mark.browser

PAGE_BUDGET = 150 * 1024


@pytest.fixture
def application(app):
    return new_application(name="Siti Rahmawati", phone="0812-3456-7890",
                           moves=[("VERIFYING", "Bawa KK asli ke loket 2")])


def test_requirements_by_picture_then_the_checklist_printed_on_the_roll(kiosk):
    kiosk.open().shows("home").check_layout()
    kiosk.photograph("home")
    kiosk.tap(".tile >> text=Persyaratan")
    kiosk.shows("services").check_layout()
    kiosk.photograph("services")
    kiosk.tap('.service >> text=Perekaman KTP-el')
    kiosk.shows("service").check_layout()
    kiosk.photograph("service")
    assert "Kartu Keluarga, KK" in kiosk.text() and "Gratis" in kiosk.text()
    assert kiosk.page.locator("[data-print]").is_visible()
    pdf = kiosk.page.pdf(prefer_css_page_size=True, print_background=True)
    width, _height = pdf_page_size_mm(pdf)
    assert pdf_pages(pdf) == 1 and abs(width - 80) < 1


def test_status_by_keypad_then_the_note_then_done_clears_everything(kiosk, application):
    reference = application.reference
    typo = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    kiosk.choose("Cek permohonan saya", "status")
    kiosk.tap_keys(typo)
    assert kiosk.page.locator(".message").inner_text() == \
        "Nomor itu salah ketik: cocokkan setiap angka dengan tanda terima Anda."
    kiosk.photograph("status")
    assert kiosk.page.get_attribute("#kiosk", "data-screen") == "status"
    kiosk.tap_keys(["back", reference[-1]])
    kiosk.shows("status-result").check_layout()
    kiosk.photograph("status-result")
    shown = kiosk.text()
    assert "S*** R********" in shown and "Siti" not in shown and "Bawa KK asli" not in shown
    kiosk.tap("text=Lihat catatan petugas")
    kiosk.shows("status-tail").check_layout()
    kiosk.photograph("status-tail")
    kiosk.tap_keys("7890")
    kiosk.page.wait_for_selector(".status-card .note")
    assert "Bawa KK asli ke loket 2" in kiosk.text()
    kiosk.photograph("status-note")
    kiosk.tap("main >> text=Selesai")
    kiosk.shows("home")
    html = kiosk.page.content()
    assert reference not in html and "Bawa KK asli" not in html and "S*** R" not in html
    assert kiosk.page.url.endswith("/kiosk/?lang=id")


def test_a_receipt_scanner_types_the_number_and_letters_get_a_clear_message(kiosk, application):
    kiosk.open("/kiosk/cek").shows("status")
    kiosk.page.keyboard.type("abc")
    assert kiosk.page.locator(".message").inner_text() == "Hanya angka 0 sampai 9."
    assert kiosk.page.input_value("#reference") == ""
    # A USB scanner reading the receipt's QR code types its digits and Enter, like a keyboard.
    kiosk.page.keyboard.type(application.reference + "\n")
    kiosk.shows("status-result")
    assert "S*** R********" in kiosk.text()


def test_every_single_wrong_digit_is_caught_as_the_last_digit_is_typed(kiosk):
    body = "314159265"
    right = body + references.check_digit(body)
    kiosk.open("/kiosk/cek").shows("status")
    for position in range(len(right)):
        wrong = right[:position] + str((int(right[position]) + 3) % 10) + right[position + 1:]
        assert not references.is_valid(wrong)
        kiosk.page.keyboard.type(wrong)
        assert kiosk.page.locator(".message").inner_text().startswith("Nomor itu salah ketik"), wrong
        for _ in wrong:
            kiosk.page.keyboard.press("Backspace")
    kiosk.page.keyboard.type(right)
    kiosk.shows("status")  # a right number with no application: looked up, and said so
    kiosk.page.wait_for_selector("text=Tidak ada permohonan dengan nomor")


def test_a_phone_subscribes_to_its_kelurahan_by_touch(app, kiosk):
    kiosk.choose("Info lewat SMS", "subscribe")
    kiosk.tap(".choice >> text=Menteng")
    kiosk.tap_keys("081234567890")
    kiosk.photograph("subscribe")
    kiosk.tap(".key-done")
    kiosk.shows("subscribed").check_layout()
    kiosk.photograph("subscribed")
    assert "SMS konfirmasi sedang dikirim" in kiosk.text()
    db.session.expire_all()
    citizen = citizens.find("+6281234567890")
    assert citizen.subscribed and citizen.kelurahan_id == catalog.find_kelurahan("Menteng").id


def test_a_complaint_typed_and_picked_by_touch_lands_in_the_inbox(app, kiosk):
    kiosk.choose("Kotak saran", "feedback")
    kiosk.tap(".choice >> text=Aduan")
    kiosk.tap("text=Antrean terlalu lama.")
    for key in [" ", "shift", "k", "u", "r", "s", "i"]:
        kiosk.page.locator(f'.keyboard button[data-key="{key}"]').tap()
    kiosk.photograph("feedback")
    kiosk.tap(".footer-bar >> text=Kirim")
    kiosk.shows("feedback-done").check_layout()
    kiosk.photograph("feedback-done")
    entry = db.session.scalar(select(Feedback))
    assert (entry.category, entry.text, entry.channel) == ("aduan", "Antrean terlalu lama. Kursi", "kiosk")
    assert entry.ticket in kiosk.text()


def test_a_suggestion_too_long_for_the_box_is_answered_beside_the_field(app, kiosk):
    kiosk.open("/kiosk/saran").shows("feedback")
    kiosk.page.evaluate("document.querySelector('textarea').removeAttribute('maxlength')")
    kiosk.page.fill("textarea", "panjang " * 1250)
    kiosk.tap(".footer-bar >> text=Kirim")
    kiosk.page.wait_for_selector("text=Paling banyak 1000 karakter. Mohon persingkat sedikit.")
    assert db.session.scalar(select(Feedback)) is None


def test_office_hours_contacts_and_service_standards(kiosk):
    kiosk.choose("Info kantor", "info")
    kiosk.photograph("info")
    shown = kiosk.text()
    assert "Sen-Kam 08.00-16.15" in shown and "Standar pelayanan" in shown and "1500537" in shown


def test_the_language_switch_and_back_to_bahasa_indonesia_for_the_next_citizen(kiosk):
    kiosk.open().shows("home")
    kiosk.tap(".bar >> text=English")
    kiosk.page.wait_for_selector("html[lang=en]")
    assert "Check my application" in kiosk.text()
    kiosk.check_layout()
    kiosk.photograph("home-english")
    kiosk.tap(".tile >> text=What to bring")
    kiosk.shows("services")
    kiosk.tap(".footer-bar >> text=Start again")
    kiosk.shows("home")
    kiosk.page.wait_for_selector("html[lang=id]")


def test_idle_asks_then_clears_what_was_typed_and_shown(kiosk, application):
    kiosk.page.clock.install()
    kiosk.open("/kiosk/cek").shows("status")
    kiosk.tap_keys(application.reference[:6])
    kiosk.page.clock.run_for(44_000)
    assert kiosk.page.locator(".idle").is_hidden()
    kiosk.page.clock.run_for(2_000)
    assert kiosk.page.locator(".idle").is_visible()
    assert "Masih di sini?" in kiosk.text()
    kiosk.check_layout()
    kiosk.photograph("idle")
    # One touch within the countdown keeps everything.
    kiosk.tap("[data-stay]")
    assert kiosk.page.locator(".idle").is_hidden()
    assert kiosk.page.input_value("#reference") == application.reference[:6]
    kiosk.page.clock.run_for(46_000)
    assert kiosk.page.locator(".idle").is_visible()
    kiosk.page.clock.run_for(20_000)
    kiosk.shows("home")
    assert application.reference[:6] not in kiosk.page.content()


def test_a_status_left_on_screen_is_cleared_too(kiosk, application):
    kiosk.page.clock.install()
    kiosk.open("/kiosk/cek").shows("status")
    kiosk.page.keyboard.type(application.reference + "\n")
    kiosk.shows("status-result")
    kiosk.page.clock.run_for(66_000)
    kiosk.shows("home")
    assert "S*** R" not in kiosk.page.content()


def test_the_home_screen_in_bahasa_indonesia_waits_without_asking(kiosk):
    kiosk.page.clock.install()
    kiosk.open().shows("home")
    kiosk.page.clock.run_for(120_000)
    assert kiosk.page.locator(".idle").is_hidden()


def test_a_server_restart_shows_reconnecting_and_recovers_without_reloading(browser, restartable, artifacts_dir):
    context = browser.new_context(viewport=PANELS["portrait"], has_touch=True)
    kiosk = Kiosk(context.new_page(), "portrait", restartable.url, artifacts_dir)
    loads = []
    kiosk.page.on("load", lambda _page: loads.append(1))
    kiosk.open().shows("home")
    restartable.stop()
    kiosk.tap(".tile >> text=Persyaratan")
    kiosk.page.wait_for_selector(".reconnecting:not([hidden])")
    assert "Sedang menyambung kembali" in kiosk.text()
    kiosk.check_layout()
    kiosk.photograph("reconnecting")
    restartable.start()
    kiosk.shows("services")
    assert kiosk.page.locator(".reconnecting").is_hidden()
    assert loads == [1]
    assert kiosk.traffic.foreign() == []
    context.close()


SCREENS = ["/kiosk/", "/kiosk/layanan", "/kiosk/layanan/KK", "/kiosk/cek", "/kiosk/sms", "/kiosk/saran",
           "/kiosk/info"]


def test_every_screen_weighs_under_150_kb_before_the_cache(browser, live_server, capsys):
    weights = {}
    for path in SCREENS:
        context = browser.new_context(viewport=PANELS["portrait"], has_touch=True)
        page = context.new_page()
        traffic = watch(page, live_server.url)
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        weights[path] = traffic.weight()
        assert traffic.foreign() == []
        context.close()
    with capsys.disabled():
        print("\nkiosk screen weights (bytes, nothing cached):", weights)
    assert max(weights.values()) < PAGE_BUDGET, weights


def test_no_zoom_pull_or_long_press_can_trap_the_next_citizen(kiosk):
    kiosk.open().shows("home")
    traps = kiosk.page.evaluate("""() => {
      const menu = new MouseEvent("contextmenu", {bubbles: true, cancelable: true});
      document.querySelector(".tile").dispatchEvent(menu);
      return {viewport: document.querySelector("meta[name=viewport]").content,
              touch: getComputedStyle(document.documentElement).touchAction,
              overscroll: getComputedStyle(document.documentElement).overscrollBehaviorY,
              select: getComputedStyle(document.body).userSelect,
              menu: menu.defaultPrevented}
    }""")
    assert "user-scalable=no" in traps["viewport"] and "maximum-scale=1" in traps["viewport"]
    assert traps == {**traps, "touch": "pan-y", "overscroll": "none", "select": "none", "menu": True}
