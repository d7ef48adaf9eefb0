"""Script and SQL payloads typed into every kind of entry (console forms, kiosk and public forms, the API, the
SMS and USSD webhooks): never a server error, stored exactly as typed, and shown escaped on every page that
shows them, so no page runs what a citizen or a partner wrote."""
import pytest
from markupsafe import escape
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office.models import Application
from office.models import Feedback
from tests.helpers import new_application
from tests.helpers import phone

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)//",
    "</textarea><script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}",
]
SQL = [
    "' OR '1'='1",
    "Robert'); DROP TABLE applications;--",
    '" OR ""="',
    "%' OR 1=1 --",
    "1 UNION SELECT password_hash FROM staff_users",
]
PAYLOADS = XSS + SQL


def shown_safely(html: str, payload: str) -> bool:
    """True unless `payload`, markup characters and all, reached the page unescaped."""
    return not (any(c in payload for c in "<>\"'&") and payload in html)


def in_name(payload: str) -> str:
    """The payload inside a plausible name (a name field may refuse some characters: that is an answer too)."""
    return f"Budi {payload}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_console_intake_and_search_store_payloads_as_typed_and_show_them_escaped(staff_client, payload):
    clerk = staff_client("operator")
    answer = clerk.post("/staff/intake", data={"service": "KTP", "applicant_name": in_name(payload),
                                               "phone": "0812 3456 7890", "kelurahan": "62.71.03.1002",
                                               "note": payload})
    assert answer.status_code in (302, 400)
    assert shown_safely(answer.get_data(as_text=True), payload)
    if answer.status_code == 302:
        stored = db.session.scalar(select(Application).order_by(Application.id.desc()))
        assert stored.note == payload
        detail = clerk.get(f"/staff/applications/{stored.reference}").get_data(as_text=True)
        assert shown_safely(detail, payload) and str(escape(payload)) in detail
    search = clerk.get("/staff/applications", query_string={"q": payload})
    assert search.status_code == 200 and shown_safely(search.get_data(as_text=True), payload)
    assert db.session.scalar(select(func.count()).select_from(Application)) <= 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_api_stores_payloads_as_typed_and_the_console_shows_them_escaped(api, staff_client, payload):
    made = api.post("/api/v1/applications", json={"service": "KTP", "applicant_name": in_name(payload),
                                                  "phone": phone(4), "kelurahan": "Menteng", "note": payload})
    assert made.status_code in (201, 400, 422)
    if made.status_code == 201:
        reference = made.get_json()["reference"]
        assert api.get(f"/api/v1/applications/{reference}").get_json()["note"] == payload
        page = staff_client("operator").get(f"/staff/applications/{reference}").get_data(as_text=True)
        assert shown_safely(page, payload)
    listed = api.get("/api/v1/applications", query_string={"q": payload, "status": payload})
    assert listed.status_code in (200, 400, 422)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_suggestions_from_the_web_the_kiosk_and_sms_reach_the_inbox_escaped(client, staff_client, payload):
    web = client.post("/saran", data={"category": "aduan", "text": payload, "phone": ""})
    assert web.status_code in (200, 400) and shown_safely(web.get_data(as_text=True), payload)
    sms = client.post("/sms/incoming", data={"from": phone(6), "to": "5758", "text": f"ADUAN lampu {payload}",
                                             "date": "2026-12-01T08:00:00Z", "id": f"inj-{hash(payload)}",
                                             "linkId": "l-1"})
    assert sms.status_code == 200
    tickets = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
    assert tickets and all(payload in ticket.text for ticket in tickets)
    operator = staff_client("operator")
    inbox = operator.get("/staff/inbox").get_data(as_text=True)
    assert shown_safely(inbox, payload)
    for ticket in tickets:
        item = operator.get(f"/staff/inbox/{ticket.ticket}").get_data(as_text=True)
        assert shown_safely(item, payload) and str(escape(payload)) in item


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lookups_echo_what_was_typed_escaped(client, payload):
    for answer in (client.post("/cek", data={"reference": payload, "phone_tail": payload}),
                   client.get("/cek", query_string={"ref": payload}),
                   client.get(f"/layanan/{payload}"),
                   client.post("/kiosk/status", data={"reference": payload})):
        assert answer.status_code < 500
        assert shown_safely(answer.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_ussd_and_sms_answer_payloads_with_a_plain_screen(client, payload):
    hop = client.post("/ussd", data={"sessionId": f"inj-{hash(payload)}", "phoneNumber": phone(8),
                                     "text": f"1*{payload}"})
    assert hop.status_code == 200 and hop.text.startswith(("CON ", "END "))
    sms = client.post("/sms/incoming", data={"from": phone(8), "to": "5758", "text": f"STATUS {payload}",
                                             "date": "2026-12-01T08:00:00Z", "id": f"inj-s-{hash(payload)}"})
    assert sms.status_code == 200


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_status_note_and_a_broadcast_text_are_shown_escaped(staff_client, payload):
    application = new_application()
    operator = staff_client("operator")
    moved = operator.post(f"/staff/applications/{application.reference}/status",
                          data={"new_status": "VERIFYING", "expected_status": "RECEIVED", "note": payload})
    assert moved.status_code == 302
    page = operator.get(f"/staff/applications/{application.reference}").get_data(as_text=True)
    assert shown_safely(page, payload) and str(escape(payload)) in page
    preview = operator.post("/staff/broadcasts/new", data={"text": payload, "text_en": payload,
                                                           "audience": "all", "when": "now", "preview": "1"})
    assert preview.status_code in (200, 400) and shown_safely(preview.get_data(as_text=True), payload)


def test_after_every_payload_the_tables_are_all_still_there(app):
    from sqlalchemy import inspect

    assert {"applications", "messages", "feedback", "staff_users"} <= set(inspect(db.engine).get_table_names())
