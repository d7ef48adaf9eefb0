"""Opt-out is absolute: after STOP or AT's opt-out callback nothing reaches the phone until it subscribes again."""
import pytest
from sqlalchemy import select

from extensions import db
from office import outbox
from office.models import Citizen
from office.models import Message
from tests.helpers import new_application

PHONE = "+6281234567001"


@pytest.fixture(autouse=True)
def status_notifications_go_at_once(app, settings):
    # Status SMS normally wait a while so quick successive changes collapse into one; here the send job
    # must try them at once, so the opt-out check at send time is what stops them.
    settings(STATUS_COLLAPSE_SECONDS=0)


def stop_by_sms(simulator, client):
    simulator.sms(PHONE, "STOP")


def stop_by_at_callback(simulator, client):
    assert client.post("/sms/optout", data={"senderId": "KECJEKANRAYA", "phoneNumber": "081234567001"}).status_code \
        == 200


def queue_announcement_and_status_notification():
    outbox.queue_sms(PHONE, "Pengumuman: kantor tutup Senin.", "broadcast", priority="bulk")
    db.session.commit()
    new_application(name="Siti Aminah", phone=PHONE, kelurahan="Palangka")


def outgoing():
    db.session.rollback()
    return db.session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id)).all()


def citizen():
    db.session.rollback()
    return db.session.scalar(select(Citizen).where(Citizen.phone == PHONE))


@pytest.mark.parametrize("stop", [stop_by_sms, stop_by_at_callback])
def test_nothing_queued_after_an_opt_out_is_sent(simulator, client, run_jobs, stop):
    stop(simulator, client)
    run_jobs()
    goodbye = [m["text"] for m in simulator.messages(PHONE)]
    queue_announcement_and_status_notification()
    run_jobs()
    assert [m["text"] for m in simulator.messages(PHONE)] == goodbye
    assert citizen().opted_out and not citizen().subscribed
    assert [m.status for m in outgoing() if m.kind in ("broadcast", "status")] == ["cancelled", "cancelled"]


@pytest.mark.parametrize("stop", [stop_by_sms, stop_by_at_callback])
def test_messages_queued_before_the_opt_out_are_cancelled_not_sent(simulator, client, run_jobs, stop):
    queue_announcement_and_status_notification()
    stop(simulator, client)
    run_jobs()
    received = [m["text"] for m in simulator.messages(PHONE)]
    assert not any("Pengumuman" in text or "KTP" in text for text in received)
    assert {m.status for m in outgoing() if m.kind in ("broadcast", "status")} == {"cancelled"}


def test_stop_by_sms_is_confirmed_once_and_the_at_callback_sends_nothing(simulator, client, run_jobs):
    stop_by_at_callback(simulator, client)
    run_jobs()
    assert simulator.messages(PHONE) == []
    simulator.sms(PHONE, "STOP")  # already opted out: the last SMS is not repeated
    run_jobs()
    assert simulator.messages(PHONE) == []
    assert [m.kind for m in outgoing()] == []


def test_subscribing_again_lifts_the_opt_out(simulator, client, run_jobs):
    stop_by_at_callback(simulator, client)
    simulator.sms(PHONE, "DAFTAR Palangka")
    run_jobs()
    assert "terdaftar" in simulator.messages(PHONE)[-1]["text"]
    queue_announcement_and_status_notification()
    run_jobs()
    texts = [m["text"] for m in simulator.messages(PHONE)]
    assert any("Pengumuman" in text for text in texts) and any("KTP-el" in text for text in texts)


def test_at_optout_callback_needs_a_phone_number(client):
    assert client.post("/sms/optout", data={"senderId": "X"}).status_code == 400
    assert client.post("/sms/optout", data={"senderId": "X", "phoneNumber": "not a number"}).status_code == 200
    assert client.post("/sms/optout", data={"phoneNumber": PHONE}).status_code == 200
    assert citizen().opted_out
