"""Taking a lobby queue number in Chromium by touch, on the portrait and the landscape panel: every screen
measured, the ticket printed on the 80 mm roll, and nothing of it left once the citizen is done or gone."""
import os
import shutil

import pytest
from sqlalchemy import select

from extensions import db
from office import queue
from office.models import QueueTicket
from tests.helpers import pdf_page_size_mm
from tests.helpers import pdf_pages
from tests.kiosk.panel import PANELS
from tests.kiosk.panel import SCREENSHOTS

pytestmark = pytest.mark.browser

# Portrait says yes to priority and types a phone; landscape says no and skips the SMS.
ANSWERS = {"portrait": ("Ya", "081234567890"), "landscape": ("Tidak", None)}


def test_a_number_taken_by_touch_then_printed_then_done_clears_it(app, kiosk, artifacts_dir):
    priority, phone = ANSWERS[kiosk.panel]
    kiosk.open().shows("home").check_layout()
    kiosk.choose("Nomor antrian", "queue-group")
    kiosk.photograph("queue-group", docs="queue-kiosk-group")
    kiosk.tap(".queue-group >> text=KTP-el dan KIA")
    kiosk.shows("queue-priority").check_layout()
    kiosk.photograph("queue-priority", docs="queue-kiosk-priority")
    kiosk.tap(f".queue-answers >> text={priority}")
    kiosk.shows("queue-phone").check_layout()
    if phone:
        kiosk.tap_keys(phone)
        kiosk.photograph("queue-phone", docs="queue-kiosk-phone")
        kiosk.tap(".key-done")
    else:
        kiosk.photograph("queue-phone")
        kiosk.tap("text=Lewati")
    kiosk.shows("queue-ticket").check_layout()
    kiosk.photograph("queue-ticket", docs="queue-kiosk-ticket")

    ticket = db.session.scalar(select(QueueTicket))
    assert (ticket.number, ticket.priority, ticket.phone, ticket.language) == \
        ("A001", priority == "Ya", "+6281234567890" if phone else None, "id")
    shown = kiosk.text()
    assert "A001" in shown and "Antrian di depan Anda\n0" in shown.replace("\t", "\n")
    assert f"sekitar {ticket.estimate_minutes} menit" in shown

    assert kiosk.page.locator("[data-print]").is_visible()
    pdf = kiosk.page.pdf(prefer_css_page_size=True, print_background=True)
    with open(os.path.join(artifacts_dir, f"queue-ticket-{kiosk.panel}.pdf"), "wb") as fh:
        fh.write(pdf)
    width, _height = pdf_page_size_mm(pdf)
    assert pdf_pages(pdf) == 1 and abs(width - 80) < 1
    photograph_the_roll(kiosk, artifacts_dir)

    kiosk.tap("main >> text=Selesai")
    kiosk.shows("home")
    html = kiosk.page.content()
    assert "A001" not in html and "KTP-el dan KIA" not in html and "7890" not in html
    assert kiosk.page.url.endswith("/kiosk/?lang=id")


def photograph_the_roll(kiosk, artifacts_dir):
    """The printed ticket as the 80 mm roll shows it (302 CSS px), for people to look at."""
    kiosk.page.emulate_media(media="print")
    kiosk.page.set_viewport_size({"width": 302, "height": 600})
    path = os.path.join(artifacts_dir, f"kiosk-queue-printed-{kiosk.panel}.png")
    kiosk.page.screenshot(path=path, full_page=True)
    if kiosk.panel == "portrait":
        shutil.copy(path, os.path.join(SCREENSHOTS, "queue-kiosk-printed.png"))
    kiosk.page.emulate_media(media="screen")
    kiosk.page.set_viewport_size(PANELS[kiosk.panel])


def test_a_ticket_left_on_screen_is_cleared_by_the_idle_reset(app, kiosk):
    issued = queue.issue("B", priority=False)
    db.session.commit()
    kiosk.page.clock.install()
    kiosk.open(f"/kiosk/antrian/nomor/{issued.ticket.id}?lang=id").shows("queue-ticket")
    kiosk.page.clock.run_for(66_000)
    kiosk.shows("home")
    assert "B001" not in kiosk.page.content()
