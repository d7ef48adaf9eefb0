"""The conversation page in Chromium: a clerk follows the link from an application, reads the thread (the
citizen left, the office right, each delivery state in words), searches another number with the keyboard
alone, and the page reads on a 390 px phone; the URL never holds the number."""
import os
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from office import citizens
from office import inbox
from office import outbox
from office import ussd_stats
from office.clock import utcnow
from office.models import Feedback
from office.models import Message
from office.models import UssdSessionEvent
from tests.helpers import new_application
from tests.helpers import signed_in_page

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")
LAPTOP = {"width": 1366, "height": 768}
PHONE_SCREEN = {"width": 390, "height": 844}
PHONE = "+6281355501234"
DIGITS = "81355501234"


def conversation(client):
    """A week of one citizen's messages: an application and its SMS in every delivery state, a question by
    SMS, a complaint answered, a USSD session, an announcement."""
    application = new_application(phone=PHONE, name="Siti Rahmawati")
    application.created_at = utcnow() - timedelta(days=6)
    citizens.subscribe(PHONE)
    for n, text in enumerate(["STATUS " + application.reference, "ADUAN Lampu jalan di Jl. Menteng 3 mati"]):
        client.post("/sms/incoming", data={"from": PHONE, "to": "5758", "text": text, "id": f"browser-{n}"})
    item = db.session.scalar(select(Feedback).where(Feedback.phone == PHONE))
    inbox.move(item, inbox.DIVERIFIKASI, actor="petugas")
    inbox.reply(item, "Terima kasih, laporan lampu jalan sudah kami teruskan ke kelurahan.", actor="petugas")
    outbox.queue_sms(PHONE, "Kantor Camat Jekan Raya tutup 17 Agustus. Pelayanan buka lagi 18 Agustus.",
                     outbox.Kind.BROADCAST, priority=outbox.Priority.BULK)
    ussd_stats.record_event("browser-ussd", status="Success", phone=PHONE, hops=3, input="1*2",
                            last_response="END Persyaratan dikirim lewat SMS")
    db.session.flush()
    # Spread over the week as it happened: hours before now, in the order the rows were written.
    rows = db.session.scalars(select(Message).where(Message.phone == PHONE).order_by(Message.id)).all()
    for message, hours in zip(rows, [150, 126, 126, 75, 75, 27, 3], strict=True):
        message.created_at = utcnow() - timedelta(hours=hours, minutes=-len(message.text) % 7)
    item.created_at = rows[3].created_at
    for event in inbox.history(item):
        event.created_at = utcnow() - timedelta(hours=50 if event.message_id is None else 27)
    db.session.scalar(select(UssdSessionEvent)).created_at = utcnow() - timedelta(hours=1)
    states = [outbox.DELIVERED, outbox.DELIVERED, outbox.FAILED, outbox.SENT, outbox.UNKNOWN]
    for message, state in zip([m for m in rows if m.direction == "out"], states, strict=True):
        message.status = state
        message.sent_at = None if state == outbox.UNKNOWN else message.created_at
    db.session.commit()
    return application


@pytest.mark.browser
def test_a_clerk_follows_the_link_reads_the_thread_and_searches_by_keyboard(browser, live_server, make_staff,
                                                                           client, artifacts_dir):
    clerk = make_staff("operator", username="petugas")
    application = conversation(client)
    page = signed_in_page(browser, live_server, clerk, viewport=LAPTOP)
    page.goto(f"{live_server.url}/staff/applications/{application.reference}")
    page.click("#conversation-link")
    page.wait_for_selector("ol.thread")
    assert DIGITS not in page.url
    assert "****" in page.text_content("#conversation-phone")
    states = {state.strip() for state in page.locator(".delivery .word").all_text_contents()}
    assert {"Sampai di HP pemohon", "Gagal terkirim", "Tidak diketahui: tanyakan ke operator seluler"} <= states
    # The citizen's messages sit left, the office's right.
    incoming = page.locator(".entry.in").first.bounding_box()
    outgoing = page.locator(".entry.out").first.bounding_box()
    assert incoming["x"] < outgoing["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    path = os.path.join(artifacts_dir, "console-conversation.png")
    page.screenshot(path=path, full_page=True)
    shutil.copy(path, os.path.join(SCREENSHOTS, "console-conversation.png"))

    page.focus("#phone")
    page.keyboard.type("0812 0000 0000")
    page.keyboard.press("Enter")
    page.wait_for_selector("#nothing")
    assert DIGITS not in page.url and "81200000000" not in page.url


@pytest.mark.browser
def test_the_conversation_reads_on_a_phone(browser, live_server, make_staff, client, artifacts_dir):
    clerk = make_staff("admin", username="kasi")
    conversation(client)
    page = signed_in_page(browser, live_server, clerk, viewport=PHONE_SCREEN)
    page.goto(f"{live_server.url}/staff/conversations")
    page.fill("#phone", "0813-5550-1234")
    page.click("#conversation-search button")
    page.wait_for_selector("ol.thread")
    assert page.text_content("#conversation-phone").strip() == "0813-5550-1234"  # an admin sees it whole
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
    page.screenshot(path=os.path.join(artifacts_dir, "console-conversation-390.png"), full_page=True)
