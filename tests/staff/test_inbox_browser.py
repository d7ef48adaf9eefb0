"""The inbox in Chromium: a clerk finds an overdue complaint, verifies it with the keyboard, sees only the
assignment fields of the move chosen and the SMS it would tell the citizen, and answers by SMS with the
live segment counter; on a phone too."""
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from office import feedback
from office import inbox
from office.clock import utcnow
from office.models import Feedback
from tests.helpers import signed_in_page

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def tickets() -> list[Feedback]:
    made = []
    for category, text, channel, days in [
        ("aduan", "Jalan di depan SDN 4 Menteng berlubang besar, sudah dua bulan belum diperbaiki.", "sms", 9),
        ("saran", "Mohon ditambah kursi di ruang tunggu, banyak lansia berdiri.", "kiosk", 1),
        ("lainnya", "Jam berapa pelayanan KTP buka hari Sabtu?", "ussd", 0),
    ]:
        entry = feedback.submit(category, text, phone="+6281234567890" if channel != "kiosk" else None,
                                channel=channel)
        entry.created_at = utcnow() - timedelta(days=days)
        made.append(entry)
    inbox.set_confidential(made[0], True, actor="test")
    inbox.save_template(None, state=inbox.DIVERIFIKASI, title="Sedang diproses",
                        text="Terima kasih, aduan Anda sudah kami verifikasi dan sedang ditindaklanjuti.",
                        actor="test")
    db.session.commit()
    return made


@pytest.mark.browser
def test_a_clerk_verifies_a_complaint_and_answers_it_by_sms(browser, live_server, make_staff, artifacts_dir):
    clerk = make_staff("operator", username="petugas")
    complaint, _suggestion, _question = tickets()
    page = signed_in_page(browser, live_server, clerk, viewport=LAPTOP)
    page.goto(f"{live_server.url}/staff/inbox")
    assert page.text_content("#count-overdue").strip() == "1"
    page.screenshot(path=os.path.join(artifacts_dir, "console-inbox-list.png"), full_page=True)

    page.click(f"text={complaint.ticket}")
    assert "****" in page.text_content("#phone")  # confidential, and the clerk is not its assignee
    page.focus("input[name=new_state][value=diverifikasi]")
    page.keyboard.press("Space")
    assert page.is_hidden("#assignee") and page.is_hidden("#referred_to")
    # Telling the citizen is on for a verification, and the page shows the SMS it sends: the office's template.
    assert page.is_checked("#notify") and "sudah kami verifikasi" in page.text_content("#notice-preview")
    page.keyboard.press("ArrowDown")  # the next move, Duplikat, shows its own field only
    assert page.is_visible("#original") and page.is_hidden("#referred_to")
    assert not page.is_checked("#notify") and page.is_hidden("#notice-preview")  # its citizen hears of the original
    page.keyboard.press("ArrowUp")
    assert page.is_checked("#notify") and page.is_visible("#notice-preview")
    page.screenshot(path=os.path.join(artifacts_dir, "console-inbox-item-move.png"), full_page=True)
    page.click("#move-form button.primary")
    page.wait_for_selector(".badge.state-diverifikasi")

    page.select_option("#template", label="Sedang diproses")
    page.wait_for_function("() => document.getElementById('text').value.startsWith('Terima kasih')")
    page.fill("#text", "Terima kasih 🙏 aduan Anda kami proses.")
    page.wait_for_function("() => document.getElementById('sms-counter').textContent.includes('UCS-2')")
    page.screenshot(path=os.path.join(artifacts_dir, "console-inbox-item.png"), full_page=True)
    page.click("#reply-form button.primary")
    page.wait_for_selector("text=SMS")
    db.session.rollback()
    assert db.session.scalar(select(Feedback.status).where(Feedback.id == complaint.id)) == inbox.DIVERIFIKASI
    events = inbox.history(db.session.get(Feedback, complaint.id))
    # The move, the SMS telling the citizen of it, then the clerk's own reply.
    assert [e.message_id is not None for e in events] == [False, True, True]


@pytest.mark.browser
def test_the_inbox_reads_on_a_phone(browser, live_server, make_staff, artifacts_dir):
    admin = make_staff("admin", username="kasi")
    complaint, _suggestion, _question = tickets()
    page = signed_in_page(browser, live_server, admin, viewport=PHONE)
    page.goto(f"{live_server.url}/staff/inbox")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=os.path.join(artifacts_dir, "console-inbox-390.png"), full_page=True)
    page.goto(f"{live_server.url}/staff/inbox/{complaint.ticket}")
    assert page.text_content("#phone").strip() == "0812-3456-7890"  # an admin sees a confidential phone
    page.check("input[name=new_state][value=diverifikasi]")
    assert page.is_visible("#notice-preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=os.path.join(artifacts_dir, "console-inbox-item-390.png"), full_page=True)
