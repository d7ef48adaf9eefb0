"""POST /sms/incoming: validation, storage of the incoming row, and redeliveries that change nothing."""
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office.models import Citizen
from office.models import Feedback
from office.models import FeedbackEvent
from office.models import Message

PHONE = "+6281234567001"


def form(text="BANTUAN", **extra):
    return {"from": PHONE, "to": "5758", "text": text, "date": "2026-03-19T08:34:18.445Z", "id": "ATid-1",
            "linkId": "link-1", "networkCode": "51010", **extra}


def rows(direction=None):
    db.session.rollback()
    query = select(Message).order_by(Message.id)
    if direction:
        query = query.where(Message.direction == direction)
    return db.session.scalars(query).all()


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_incoming_sms_is_stored_and_answered_through_the_outbox(client):
    response = client.post("/sms/incoming", data=form("BANTUAN"))
    assert response.status_code == 200
    incoming, reply = rows()
    assert (incoming.direction, incoming.phone, incoming.text, incoming.status, incoming.kind) == (
        "in", PHONE, "BANTUAN", "received", "incoming")
    assert (incoming.external_id, incoming.link_id) == ("ATid-1", "link-1")
    # Queued, not sent inline: the webhook never waits for the telco.
    assert (reply.direction, reply.status, reply.kind, reply.link_id, reply.in_reply_to_id) == (
        "out", "queued", "reply", "link-1", incoming.id)


def test_the_same_id_delivered_twice_creates_one_reply_and_one_ticket(client):
    for _ in range(2):
        assert client.post("/sms/incoming", data=form("SARAN antrean terlalu lama")).status_code == 200
    assert len(rows("in")) == 1
    assert len(rows("out")) == 1
    assert count(Feedback) == 1


def test_a_redelivered_subscription_or_stop_changes_nothing_the_second_time(client):
    client.post("/sms/incoming", data=form("DAFTAR Menteng", id="A"))
    first = db.session.scalar(select(Citizen.subscribed_at))
    client.post("/sms/incoming", data=form("DAFTAR Menteng", id="A"))
    assert db.session.scalar(select(Citizen.subscribed_at)) == first
    client.post("/sms/incoming", data=form("STOP", id="B"))
    client.post("/sms/incoming", data=form("STOP", id="B"))
    assert [m.kind for m in rows("out")] == ["reply", "optout"]


def test_duplicates_arriving_at_the_same_moment_are_answered_once(app, live_server):
    def post(_):
        return requests.post(live_server.url + "/sms/incoming", data=form("SARAN kursi kurang"), timeout=10).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(post, range(4))) == {200}
    assert len(rows("in")) == 1 and len(rows("out")) == 1 and count(Feedback) == 1


def test_the_simulators_double_delivery_is_ignored(simulator, run_jobs):
    simulator.faults(incoming_duplicate=1.0)
    sent = simulator.sms(PHONE, "ADUAN lampu jalan mati")
    assert sent["copies"] == 2
    run_jobs()
    assert len(simulator.messages(PHONE)) == 1
    assert count(Feedback) == 1
    assert [m.external_id for m in rows("in")] == [sent["id"]]


def test_without_an_id_the_same_text_from_the_same_phone_is_taken_as_a_redelivery(client):
    without_id = {k: v for k, v in form("SARAN parkir sempit").items() if k != "id"}
    client.post("/sms/incoming", data=without_id)
    client.post("/sms/incoming", data=without_id)
    client.post("/sms/incoming", data={**without_id, "text": "SARAN parkir sempit sekali"})
    assert len(rows("in")) == 2 and count(Feedback) == 2


def test_a_message_without_a_link_id_is_answered_by_the_normal_send(client):
    client.post("/sms/incoming", data={k: v for k, v in form("MENU").items() if k != "linkId"})
    incoming, reply = rows()
    assert incoming.link_id is None and reply.link_id is None


def test_missing_from_or_text_is_a_400(client):
    for missing in ("from", "text"):
        data = {k: v for k, v in form().items() if k != missing}
        response = client.post("/sms/incoming", data=data)
        assert response.status_code == 400
        assert missing in response.get_data(as_text=True)
    assert client.post("/sms/incoming", json=form()).status_code == 400
    assert rows() == []


def test_empty_text_gets_the_help_list(client):
    assert client.post("/sms/incoming", data=form("")).status_code == 200
    incoming, reply = rows()
    assert incoming.text == "" and reply.text.startswith("SMS Kec. Jekan Raya")


def test_a_sender_that_is_not_a_phone_number_is_acknowledged_and_ignored(client):
    for sender in ("", "abc", "12", "+1", "AFRICASTKNG", "+62" + "9" * 30):
        assert client.post("/sms/incoming", data=form(**{"from": sender})).status_code == 200
    assert rows() == []


def test_odd_phone_formats_are_normalised(client):
    for number, message_id in (("081234567001", "x1"), ("6281234567001", "x2"), ("+62 812-3456-7001", "x3")):
        client.post("/sms/incoming", data=form(**{"from": number, "id": message_id}))
    assert {m.phone for m in rows()} == {PHONE}


def test_long_and_non_latin_texts_are_stored_whole_and_counted(client):
    long_text = "SARAN " + "antrean " * 250
    client.post("/sms/incoming", data=form(long_text, id="long"))
    client.post("/sms/incoming", data=form("مرحبا 😀 你好", id="uni"))
    long_row, uni_row = rows("in")
    assert long_row.text == long_text and long_row.segments > 1
    assert uni_row.encoding == "UCS-2"
    feedback = db.session.scalar(select(Feedback))
    assert len(feedback.text) == 1000  # the staff inbox keeps the first 1000 characters


def test_callback_token_is_required_when_configured(app, client):
    app.config["CALLBACK_TOKEN"] = "s3cret"
    assert client.post("/sms/incoming", data=form()).status_code == 403
    assert client.post("/sms/incoming?token=nope", data=form()).status_code == 403
    assert client.post("/sms/incoming?token=s3cret", data=form()).status_code == 200
    assert len(rows("in")) == 1


def test_without_redis_the_message_is_still_stored_and_answered_later(app, client, redis_server):
    redis_server.stop()
    try:
        for n, text in enumerate(["STATUS 1234567890", "SARAN ruang tunggu panas"]):
            assert client.post("/sms/incoming", data=form(text, id=f"r{n}")).status_code == 200
    finally:
        redis_server.start()
    # The replies wait in the outbox as queued rows; the sweeper enqueues them once Redis is back.
    assert [(m.direction, m.status) for m in rows()] == [("in", "received"), ("out", "queued")] * 2
    assert count(Feedback) == 1


def test_saran_with_a_ticket_number_threads_into_that_ticket(client):
    assert client.post("/sms/incoming", data=form("ADUAN lampu jalan mati", id="ATid-1")).status_code == 200
    db.session.rollback()
    ticket = db.session.scalar(select(Feedback.ticket))
    follow_up = form(f"SARAN {ticket} masih mati sampai sekarang", id="ATid-2")
    assert client.post("/sms/incoming", data=follow_up).status_code == 200
    assert count(Feedback) == 1
    event = db.session.scalar(select(FeedbackEvent).where(FeedbackEvent.actor == "citizen"))
    assert event.note == "masih mati sampai sekarang"
    assert ticket in rows("out")[-1].text
