"""The inbox pages: the list with its filters and counts, an item's moves, confidential phones by role,
an SMS reply that reaches the phone through the simulator, reply templates, and fuzzed forms."""
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from gateway.sms import replies
from office import accounts
from office import citizens
from office import feedback
from office import gsm
from office import inbox
from office.clock import utcnow
from office.models import Feedback
from office.models import Kelurahan
from office.models import Message
from office.models import ReplyTemplate
from tests.strategies import texts

PHONE = "+6281234567890"
SHOWN = "0812-3456-7890"


def new_ticket(category="aduan", text="Jalan berlubang di depan kantor lurah", *, channel="sms", phone=PHONE,
               days_old=0) -> Feedback:
    entry = feedback.submit(category, text, phone=phone, channel=channel)
    entry.created_at = utcnow() - timedelta(days=days_old)
    db.session.commit()
    return entry


def place(name="Menteng") -> int:
    return db.session.scalar(select(Kelurahan.id).where(Kelurahan.name == name))


def english(client, username):
    accounts.get_user(username).language = "en"
    db.session.commit()
    return client


def test_the_list_filters_by_state_category_channel_and_overdue_and_counts_open_and_overdue(staff_client):
    client = english(staff_client("operator"), "operator-user")
    late = new_ticket(days_old=30)
    fresh = new_ticket("saran", "Tambah kursi tunggu", channel="kiosk")
    done = new_ticket("lainnya", "Jam buka kantor?", channel="ussd")
    inbox.move(done, inbox.BUKAN_WEWENANG, actor="t", note="Info umum", referred_to="Website kecamatan")
    db.session.commit()

    page = client.get("/staff/inbox").get_data(as_text=True)
    assert 'id="count-open">2<' in page and 'id="count-overdue">1<' in page
    cases = [
        ({"state": "open"}, {late, fresh}),
        ({"state": "bukan_wewenang"}, {done}),
        ({"category": "saran"}, {fresh}),
        ({"category": "lainnya"}, {done}),
        ({"channel": "ussd"}, {done}),
        ({"overdue": "1"}, {late}),
        ({"overdue": "y"}, {late}),  # the filter form's own checkbox
        ({}, {late, fresh, done}),
    ]
    for args, expected in cases:
        body = client.get("/staff/inbox", query_string=args).get_data(as_text=True)
        assert {t for t in (late, fresh, done) if t.ticket in body} == expected, args
    assert "Request for information" in client.get("/staff/inbox").get_data(as_text=True)


@pytest.mark.parametrize("args", [{"state": "open'"}, {"category": "x"}, {"channel": "fax"}])
def test_a_bad_filter_is_answered_beside_its_field(staff_client, args):
    client = english(staff_client("operator"), "operator-user")
    response = client.get("/staff/inbox", query_string=args)
    assert response.status_code == 400
    assert "Choose a value from the list." in response.get_data(as_text=True)


def test_an_item_page_shows_the_text_deadline_and_only_the_moves_allowed_now(staff_client):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    body = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert item.text in body and "Due by" in body
    assert 'value="diverifikasi"' in body and 'value="duplikat"' in body and 'value="selesai"' not in body


def test_moving_through_the_pages_records_the_steps(staff_client, make_staff):
    client = english(staff_client("operator"), "operator-user")
    lurah = make_staff("kelurahan", kelurahan="Menteng", username="lurah")
    item = new_ticket()
    steps = [
        {"new_state": "diverifikasi", "expected_state": "baru"},
        {"new_state": "didisposisikan", "expected_state": "diverifikasi", "assignee": str(lurah.id)},
        {"new_state": "ditindaklanjuti", "expected_state": "didisposisikan", "note": "Lubang sudah ditambal"},
    ]
    for step in steps:
        response = client.post(f"/staff/inbox/{item.ticket}/move", data=step)
        assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status == inbox.DITINDAKLANJUTI and item.assignee_id == lurah.id and item.kelurahan_id == place()
    body = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert "Lubang sudah ditambal" in body and "Closes by itself on" in body


MOVE_REFUSALS = [
    ({"new_state": "didisposisikan"}, "Choose one staff member or one kelurahan office"),
    ({"new_state": "ditunda", "note": ""}, "Write a note"),
    ({"new_state": "bukan_wewenang", "note": "Bukan kami"}, "Write where the citizen was referred"),
    ({"new_state": "duplikat", "original": "T000001"}, "Write the number of another existing ticket"),
    ({"new_state": "selesai"}, "Choose one of the moves offered"),
]


@pytest.mark.parametrize("data, message", MOVE_REFUSALS)
def test_a_move_missing_what_it_needs_says_so_and_keeps_what_was_typed(staff_client, data, message):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    inbox.move(item, inbox.DIVERIFIKASI, actor="t")
    db.session.commit()
    response = client.post(f"/staff/inbox/{item.ticket}/move",
                           data={"expected_state": "diverifikasi", **data, "referred_to": data.get("referred_to", "")})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    if data.get("original"):
        assert f'value="{data["original"]}"' in body
    assert db.session.scalar(select(Feedback.status).where(Feedback.id == item.id)) == inbox.DIVERIFIKASI


def test_a_move_decided_on_a_stale_page_is_refused_with_the_new_state(staff_client):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    inbox.move(item, inbox.DIVERIFIKASI, actor="someone")
    db.session.commit()
    response = client.post(f"/staff/inbox/{item.ticket}/move", data={"new_state": "duplikat",
                                                                      "expected_state": "baru", "original": "T1"})
    assert response.status_code == 409
    assert "Someone moved this item to Verified" in response.get_data(as_text=True)


# Who sees a confidential complaint's phone: (role, is the assignee) -> sees it.
CONFIDENTIAL = [
    ("admin", False, True),
    ("operator", False, False),
    ("operator", True, True),
    ("kelurahan", True, True),
]


@pytest.mark.parametrize("role, assigned, sees", CONFIDENTIAL)
def test_a_confidential_complaints_phone_shows_only_to_admins_and_the_assignee(staff_client, make_staff, role,
                                                                              assigned, sees):
    client = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None)
    me = accounts.get_user(f"{role}-user")
    someone = make_staff("operator", username="someone")
    item = new_ticket()
    inbox.set_confidential(item, True, actor="t")
    inbox.move(item, inbox.DIVERIFIKASI, actor="t")
    inbox.move(item, inbox.DIDISPOSISIKAN, actor="t", assignee_id=(me if assigned else someone).id)
    if role == "kelurahan":
        item.kelurahan_id = place()
    db.session.commit()
    body = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert (SHOWN in body) == sees
    assert ("0812-3****7890" in body) == (not sees)
    listing = client.get("/staff/inbox").get_data(as_text=True)
    assert SHOWN not in listing  # the list never shows phones


def test_a_phone_that_is_not_confidential_shows_to_every_inbox_user(staff_client):
    client = staff_client("operator")
    item = new_ticket()
    assert SHOWN in client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)


def test_marking_confidential_through_the_page_is_audited(staff_client):
    client = staff_client("operator")
    item = new_ticket()
    assert client.post(f"/staff/inbox/{item.ticket}/confidential", data={"confidential": "y"}).status_code == 302
    db.session.refresh(item)
    assert item.confidential
    assert SHOWN not in client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)


def test_a_kelurahan_account_sees_only_what_was_assigned_to_its_kelurahan(staff_client):
    client = staff_client("kelurahan", kelurahan="Menteng")
    mine, elsewhere, unassigned = new_ticket(), new_ticket(), new_ticket()
    for item, kelurahan in ((mine, "Menteng"), (elsewhere, "Palangka")):
        inbox.move(item, inbox.DIVERIFIKASI, actor="t")
        inbox.move(item, inbox.DIDISPOSISIKAN, actor="t", kelurahan_id=place(kelurahan))
    db.session.commit()
    body = client.get("/staff/inbox").get_data(as_text=True)
    assert mine.ticket in body and elsewhere.ticket not in body and unassigned.ticket not in body
    assert client.get(f"/staff/inbox/{elsewhere.ticket}").status_code == 404
    assert client.get(f"/staff/inbox/{unassigned.ticket}").status_code == 404
    assert client.get(f"/staff/inbox/{mine.ticket}").status_code == 200


def test_a_viewer_has_no_inbox(staff_client):
    assert staff_client("viewer").get("/staff/inbox").status_code == 403


SMS_TEXTS = ["Terima kasih, aduan Anda kami proses.", "Lampu sudah diganti 👍", "x" * 161, "Ya – sudah “beres”…"]


@pytest.mark.parametrize("text", SMS_TEXTS)
def test_the_counter_gives_office_gsm_figures_for_what_would_be_sent(staff_client, text):
    client = staff_client("operator")
    data = client.get("/staff/inbox/sms-length", query_string={"text": text}).get_json()
    expected = gsm.analyze(gsm.to_gsm(text))
    assert (data["characters"], data["segments"], data["encoding"]) == (expected.units, expected.segments,
                                                                        expected.encoding)


def test_a_reply_reaches_the_citizens_phone_through_the_simulator(staff_client, simulator, run_jobs):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    response = client.post(f"/staff/inbox/{item.ticket}/reply", data={"text": "Terima kasih, sedang kami proses."})
    assert response.status_code == 302, response.get_data(as_text=True)
    run_jobs()
    assert [m["text"] for m in simulator.messages(PHONE)] == ["Terima kasih, sedang kami proses."]
    body = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert "SMS reply" in body and "Terima kasih, sedang kami proses." in body


def test_a_ticket_without_a_phone_offers_no_reply(staff_client):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket(channel="kiosk", phone=None)
    assert "cannot be answered by SMS" in client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    response = client.post(f"/staff/inbox/{item.ticket}/reply", data={"text": "Halo"})
    assert response.status_code == 400


def test_a_template_of_the_items_state_fills_the_reply(staff_client):
    client = english(staff_client("operator"), "operator-user")
    inbox.save_template(None, state="baru", title="Diterima", text="Aduan Anda kami terima.", actor="t")
    inbox.save_template(None, state="selesai", title="Selesai", text="Aduan Anda selesai.", actor="t")
    db.session.commit()
    item = new_ticket()
    page = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert "Diterima" in page and ">Selesai<" not in page
    [template] = db.session.scalars(select(ReplyTemplate).where(ReplyTemplate.state == "baru"))
    used = client.post(f"/staff/inbox/{item.ticket}/reply", data={"template": str(template.id), "use_template": "1"})
    assert "Aduan Anda kami terima.</textarea>" in used.get_data(as_text=True)


# The fixtures are the test's, shared by its examples: the first example signs in and files the ticket.
FUZZ = hypothesis_settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


def post_form(client, path: str, data: dict):
    """Post `data` as a browser would, lone surrogates included (the test client's own encoder refuses them)."""
    return client.post(path, data=urlencode(data, encoding="utf-8", errors="surrogatepass"),
                       content_type="application/x-www-form-urlencoded")


def verified_ticket(staff_client) -> Feedback:
    """The one ticket a fuzz test posts to, with an operator signed in on the test's client."""
    item = db.session.scalar(select(Feedback))
    if item is None:
        staff_client("operator")
        item = new_ticket()
        inbox.move(item, inbox.DIVERIFIKASI, actor="t")
        db.session.commit()
    return item


@FUZZ
@given(note=texts(max_size=60) | st.just("x" * 10_000) | st.just("a\x00b"),
       original=texts(max_size=20), referred=texts(max_size=40) | st.just("y" * 10_000))
def test_fuzzed_move_forms_never_fail_with_a_server_error(staff_client, client, note, original, referred):
    item = verified_ticket(staff_client)
    for state in ("ditunda", "bukan_wewenang", "duplikat", "didisposisikan"):
        response = post_form(client, f"/staff/inbox/{item.ticket}/move",
                             {"new_state": state, "expected_state": item.status, "note": note, "original": original,
                              "referred_to": referred, "assignee": note[:5], "kelurahan": original[:5],
                              "notify": original[:3]})
        assert response.status_code < 500
        db.session.rollback()


@FUZZ
@given(text=texts(max_size=200) | st.just("z" * 10_000), template=texts(max_size=8))
def test_fuzzed_replies_never_fail_with_a_server_error(staff_client, client, text, template):
    item = verified_ticket(staff_client)
    for extra in ({}, {"preview": "1"}, {"use_template": "1"}):
        response = post_form(client, f"/staff/inbox/{item.ticket}/reply", {"text": text, "template": template, **extra})
        assert response.status_code < 500
        db.session.rollback()
    query = urlencode({"text": text}, encoding="utf-8", errors="surrogatepass")
    assert client.get(f"/staff/inbox/sms-length?{query}").status_code == 200


def test_an_admin_keeps_the_reply_templates_and_an_operator_may_not(staff_client, client, make_staff, login):
    english(staff_client("admin"), "admin-user")
    response = client.post("/staff/inbox/templates", data={"state": "baru", "title": "Diterima",
                                                           "text": "Aduan Anda kami terima."})
    assert response.status_code == 302
    [template] = inbox.templates()
    response = client.post(f"/staff/inbox/templates/{template.id}",
                           data={"state": "diverifikasi", "title": "Dicek", "text": "x" * (inbox.MAX_REPLY + 1)})
    assert response.status_code == 400 and "Write a reply of at most 480 characters" in response.get_data(as_text=True)
    response = client.post(f"/staff/inbox/templates/{template.id}",
                           data={"state": "diverifikasi", "title": "Dicek", "text": "Sedang kami cek."})
    assert response.status_code == 302
    db.session.refresh(template)
    assert (template.state, template.title, template.text) == ("diverifikasi", "Dicek", "Sedang kami cek.")
    login(make_staff("operator"))
    assert client.get("/staff/inbox/templates").status_code == 403


# Telling the citizen of a move: "Kabari pelapor lewat SMS".
def sms_to(phone=PHONE) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Message.text).where(Message.direction == "out", Message.phone == phone)
                                   .order_by(Message.id)))


def test_the_move_form_offers_to_tell_the_citizen_checked_with_the_text_it_would_send(staff_client):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    body = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert '<input checked id="notify" name="notify" type="checkbox"' in body
    assert "Tell the citizen by SMS" in body
    assert inbox.notice_text(item, inbox.DIVERIFIKASI) in body  # the preview's text, in the citizen's language


@pytest.mark.parametrize(("notify", "expected"), [({"notify": "y"}, 1), ({}, 0)])
def test_the_checkbox_queues_exactly_one_sms_and_unchecked_none(staff_client, notify, expected):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    response = client.post(f"/staff/inbox/{item.ticket}/move",
                           data={"new_state": "diverifikasi", "expected_state": "baru", **notify})
    assert response.status_code == 302
    assert sms_to() == [inbox.notice_text(item, inbox.DIVERIFIKASI)] * expected
    flashed = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert ("the citizen is told by SMS" in flashed) is bool(expected)


@pytest.mark.parametrize(("phone", "stopped", "says"), [
    (None, False, "without a phone number, so the citizen is not told"),
    (PHONE, True, "has stopped our SMS (STOP)"),
])
def test_no_sms_for_a_ticket_without_a_phone_or_with_a_phone_that_said_stop(staff_client, phone, stopped, says):
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket(channel="kiosk" if phone is None else "sms", phone=phone)
    if stopped:
        citizens.opt_out(phone)
        db.session.commit()
    body = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert says in body and 'name="notify"' not in body
    response = client.post(f"/staff/inbox/{item.ticket}/move",
                           data={"new_state": "diverifikasi", "expected_state": "baru", "notify": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.direction == "out")) == 0


def test_a_citizens_plain_sms_reply_joins_the_ticket_and_the_close_reaches_the_phone(staff_client, simulator,
                                                                                      run_jobs):
    """The whole round through the simulator: staff ask, the citizen answers with a plain SMS, the answer
    shows in the ticket's history, staff close with "tell the citizen" and the notice reaches the phone."""
    client = english(staff_client("operator"), "operator-user")
    item = new_ticket()
    for state, note in ((inbox.DIVERIFIKASI, None), (inbox.DIDISPOSISIKAN, None),
                        (inbox.DITINDAKLANJUTI, "Lubang sudah ditambal")):
        inbox.move(item, state, actor="t", note=note, kelurahan_id=place())
    db.session.commit()
    asked = client.post(f"/staff/inbox/{item.ticket}/reply", data={"text": "Apakah jalannya sudah baik?"})
    assert asked.status_code == 302
    run_jobs()
    simulator.wait_for_messages(PHONE, 1)

    simulator.sms(PHONE, "Sudah bagus, terima kasih pak")
    run_jobs()
    received = simulator.wait_for_messages(PHONE, 2)
    assert received[-1]["text"] == replies.feedback_received("id", item.ticket)
    page = client.get(f"/staff/inbox/{item.ticket}").get_data(as_text=True)
    assert "Sudah bagus, terima kasih pak" in page and "the citizen answered" in page

    closed = client.post(f"/staff/inbox/{item.ticket}/move",
                         data={"new_state": "selesai", "expected_state": "ditindaklanjuti", "notify": "y"})
    assert closed.status_code == 302
    run_jobs()
    received = simulator.wait_for_messages(PHONE, 3)
    assert received[-1]["text"] == inbox.notice_text(item, inbox.SELESAI)
    assert [m["text"] for m in received].count(received[-1]["text"]) == 1
