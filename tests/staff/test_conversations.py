"""The conversation page: who may open it, the POST search, the signed links from the application and inbox
pages (altered, expired, someone else's, out of scope), the audit row, and no phone in a URL or a log."""
import logging
import re
import time
from html import unescape
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from extensions import db
from office import accounts
from office import feedback
from office import inbox
from office.models import AuditLog
from office.models import Feedback
from office.models import StaffUser
from staff import conversations
from tests.helpers import new_application
from tests.strategies import texts

PHONE = "+6281355501234"
SHOWN = "0813-5550-1234"
MASKED = "0813-5****1234"
DIGITS = "81355501234"


def english(client, username):
    accounts.get_user(username).language = "en"
    db.session.commit()
    return client


def search(client, phone=SHOWN):
    return client.post("/staff/conversations", data={"phone": phone})


def link_on(client, path: str) -> str | None:
    """The conversation link a page offers, or None."""
    found = re.search(r'href="([^"]+)" id="conversation-link"', client.get(path).get_data(as_text=True))
    return found and unescape(found.group(1))


def complaint(text="Jalan berlubang di depan kantor lurah", *, confidential=False) -> Feedback:
    item = feedback.submit("aduan", text, phone=PHONE, channel="sms")
    item.confidential = confidential
    db.session.commit()
    return item


@pytest.mark.parametrize("role, allowed", [("admin", True), ("operator", True), ("kelurahan", True),
                                           ("viewer", False)])
def test_the_page_and_its_search_are_for_admins_operators_and_kelurahan_offices(staff_client, role, allowed):
    client = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None)
    expected = 200 if allowed else 403
    assert client.get("/staff/conversations").status_code == expected
    assert search(client).status_code == expected


def test_a_search_shows_the_thread_with_the_phone_masked_for_an_operator(staff_client):
    application = new_application(phone=SHOWN)
    client = english(staff_client("operator"), "operator-user")
    response = search(client, "+62 813-5550-1234")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == "/staff/conversations"
    assert MASKED in page and SHOWN not in page and DIGITS not in page
    assert application.reference in page and 'class="thread"' in page and "<time datetime=" in page
    # The field starts empty for the next number.
    assert re.search(r'<input [^>]*id="phone"[^>]*value=""', page)


def test_an_admin_sees_the_whole_number(staff_client):
    new_application(phone=SHOWN)
    page = search(staff_client("admin")).get_data(as_text=True)
    assert f'id="conversation-phone">{SHOWN}<' in page


@pytest.mark.parametrize("typed", ["12345", "+1 202 555 0100", "0536-3221234", "bukan nomor", "0812" * 8 + "1"])
def test_a_bad_number_is_answered_beside_the_field_and_kept(staff_client, typed):
    client = english(staff_client("operator"), "operator-user")
    response = search(client, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="phone-error"' in page and 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page


def test_the_application_page_links_to_the_conversation_without_the_phone_in_the_url(staff_client):
    application = new_application(phone=SHOWN)
    client = staff_client("operator")
    link = link_on(client, f"/staff/applications/{application.reference}")
    assert link.startswith("/staff/conversations?t=") and DIGITS not in link
    # The token is signed, not secret: even decoded it names the application, not the number.
    assert DIGITS not in conversations._serializer().loads(link.split("t=", 1)[1]).__repr__()
    response = client.get(link)
    assert response.status_code == 200 and application.reference in response.get_data(as_text=True)


def test_the_inbox_item_links_to_the_conversation_and_the_inbox_offers_the_search(staff_client):
    item = complaint()
    client = staff_client("operator")
    link = link_on(client, f"/staff/inbox/{item.ticket}")
    assert DIGITS not in link
    assert item.ticket in client.get(link).get_data(as_text=True)
    assert 'id="conversation-search"' in client.get("/staff/inbox").get_data(as_text=True)


def test_a_viewer_gets_no_link_on_the_application_page(staff_client):
    application = new_application(phone=SHOWN)
    assert link_on(staff_client("viewer"), f"/staff/applications/{application.reference}") is None


def test_an_altered_link_is_refused_with_a_clear_answer(staff_client):
    application = new_application(phone=SHOWN)
    client = english(staff_client("operator"), "operator-user")
    link = link_on(client, f"/staff/applications/{application.reference}")
    altered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    for bad in (altered, "/staff/conversations?t=", "/staff/conversations?t=x.y.z"):
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert "This link is not valid" in response.get_data(as_text=True)


class LongAgo(TimestampSigner):
    """Signs as if it were a little more than a link's lifetime ago."""

    def get_timestamp(self) -> int:
        return int(time.time()) - conversations.LINK_MAX_AGE - 5


def test_an_expired_link_says_so(app, staff_client, monkeypatch):
    application = new_application(phone=SHOWN)
    client = english(staff_client("operator"), "operator-user")
    with monkeypatch.context() as past:
        past.setattr(conversations, "_serializer", lambda: URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt=conversations.LINK_SALT, signer=LongAgo))
        link = link_on(client, f"/staff/applications/{application.reference}")
    response = client.get(link)
    assert response.status_code == 400 and "This link has expired" in response.get_data(as_text=True)


def test_a_link_shown_to_someone_else_does_not_open(staff_client, client):
    application = new_application(phone=SHOWN)
    link = link_on(staff_client("operator"), f"/staff/applications/{application.reference}")
    client.post("/staff/logout")
    english(staff_client("admin"), "admin-user")
    response = client.get(link)
    assert response.status_code == 400 and "This link is not valid" in response.get_data(as_text=True)


def test_a_signed_link_to_another_kelurahans_application_answers_not_found(app, staff_client):
    elsewhere = new_application(phone=SHOWN, kelurahan="Palangka")
    client = staff_client("kelurahan", kelurahan="Menteng")
    user = accounts.get_user("kelurahan-user")
    with app.test_request_context():
        token = conversations._serializer().dumps({"s": conversations.APPLICATION, "i": elsewhere.id, "u": user.id})
    assert client.get("/staff/conversations", query_string={"t": token}).status_code == 404


def test_every_view_is_audited_with_the_phone_masked(staff_client):
    application = new_application(phone=SHOWN)
    client = staff_client("operator")
    search(client)
    client.get(link_on(client, f"/staff/applications/{application.reference}"))
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "conversation.view")
                              .order_by(AuditLog.id)).all()
    assert [(r.actor, r.detail["source"], r.detail["record"]) for r in rows] == [
        ("operator-user", "search", None), ("operator-user", "application", application.reference)]
    for row in rows:
        assert row.target == "+62813****1234"
        assert DIGITS not in repr((row.target, row.detail, row.before, row.after))


def test_no_phone_reaches_a_url_or_a_log(staff_client, caplog):
    new_application(phone=SHOWN)
    client = staff_client("operator")
    with caplog.at_level(logging.DEBUG):
        response = search(client)
        client.get("/staff/conversations")
    assert response.status_code == 200 and not response.headers.get("Location")
    assert DIGITS not in caplog.text and "5550" not in caplog.text


# Who finds a confidential complaint through the page: its ticket, its text, its link.
@pytest.mark.parametrize("role, sees", [("admin", True), ("operator", False)])
def test_a_confidential_complaint_shows_on_the_page_only_to_who_may_see_its_phone(staff_client, role, sees):
    item = complaint("Ada pungutan liar di loket", confidential=True)
    client = staff_client(role)
    page = search(client).get_data(as_text=True)
    assert (item.ticket in page, "pungutan liar" in page) == (sees, sees)
    assert (link_on(client, f"/staff/inbox/{item.ticket}") is not None) == sees


def test_a_kelurahan_office_sees_only_its_kelurahans_applications(staff_client):
    ours = new_application(phone=SHOWN, kelurahan="Menteng")
    theirs = new_application(phone=SHOWN, kelurahan="Palangka", name="Budi Palangka")
    page = search(staff_client("kelurahan", kelurahan="Menteng")).get_data(as_text=True)
    assert ours.reference in page and theirs.reference not in page


def test_a_ticket_with_a_landline_says_there_is_no_sms(staff_client):
    item = feedback.submit("saran", "Tambah kursi", phone="+625363221234", channel="kiosk")
    db.session.commit()
    inbox.move(item, inbox.DIVERIFIKASI, actor="t")
    db.session.commit()
    client = english(staff_client("admin"), "admin-user")
    response = client.get(link_on(client, f"/staff/inbox/{item.ticket}"))
    assert response.status_code == 404 and "not a mobile number" in response.get_data(as_text=True)


FUZZ = hypothesis_settings(max_examples=40, deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture])


def signed_in_operator(staff_client):
    if db.session.scalar(select(StaffUser).where(StaffUser.username == "operator-user")) is None:
        staff_client("operator")


@FUZZ
@given(phone=texts(max_size=40) | st.just("8" * 10_000) | st.just("0812\x003456") | st.just(""),
       token=texts(max_size=80))
def test_fuzzed_searches_and_links_never_fail_with_a_server_error(staff_client, client, phone, token):
    signed_in_operator(staff_client)
    body = urlencode({"phone": phone}, encoding="utf-8", errors="surrogatepass")
    response = client.post("/staff/conversations", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
    query = urlencode({"t": token}, encoding="utf-8", errors="surrogatepass")
    assert client.get(f"/staff/conversations?{query}").status_code in (200, 400, 404)
