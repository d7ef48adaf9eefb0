"""POST /sms/delivery: AT's delivery reports, posted directly and end to end through the simulator."""
import pytest
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import citizens
from office import delivery
from office.clock import utcnow
from office.models import DeliveryReport
from office.models import Message
from tests.helpers import wait_until

PHONE = "+6281234567001"


def sent_message(provider_id="ATXid_1"):
    message = Message(direction="out", phone=PHONE, text="Halo", status="sent", kind="reply",
                      provider_id=provider_id, sent_at=utcnow())
    db.session.add(message)
    db.session.commit()
    return message


def dlr(client, **fields):
    data = {"id": "ATXid_1", "status": "Success", "phoneNumber": PHONE, "networkCode": "51010", **fields}
    return client.post("/sms/delivery", data={k: v for k, v in data.items() if v is not None})


def reports_for(*provider_ids):
    # Filtered by id: a report from an earlier test's simulator traffic may still land during this one.
    db.session.rollback()
    return db.session.scalars(select(DeliveryReport).where(DeliveryReport.provider_id.in_(provider_ids))).all()


def status_of(message_id):
    db.session.rollback()
    return db.session.get(Message, message_id).status


def test_a_report_updates_the_message_by_provider_id(client):
    message = sent_message()
    assert dlr(client, status="Success").status_code == 200
    assert status_of(message.id) == "delivered"


def test_a_failure_report_keeps_the_reason(client):
    message = sent_message()
    assert dlr(client, status="Failed", failureReason="UserIsInactive").status_code == 200
    db.session.rollback()
    stored = db.session.get(Message, message.id)
    assert (stored.status, stored.last_error) == ("failed", "UserIsInactive")


@pytest.mark.parametrize("status, state", [
    ("Sent", "sent"), ("Submitted", "sent"), ("Buffered", "sent"), ("Success", "delivered"), ("Failed", "failed"),
    ("Rejected", "failed"), ("SUCCESS", "delivered"), ("failed", "failed"), ("Expired", "failed"),
])
def test_each_posted_status_maps_to_its_state(client, status, state):
    message = sent_message()
    db.session.execute(update(Message).where(Message.id == message.id).values(status="sending"))
    db.session.commit()
    assert dlr(client, status=status).status_code == 200
    assert status_of(message.id) == state


@pytest.mark.parametrize("sequence, final", [
    (["Success", "Sent"], "delivered"), (["Failed", "Buffered", "Success"], "failed"),
    (["Buffered", "Submitted", "Success"], "delivered"), (["Success", "Success"], "delivered"),
])
def test_posted_reports_never_move_a_message_backwards(client, sequence, final):
    message = sent_message()
    for status in sequence:
        assert dlr(client, status=status).status_code == 200
    assert status_of(message.id) == final


def test_a_report_for_an_unknown_id_is_kept_and_matched_when_the_send_is_recorded(client):
    assert dlr(client, id="ATXid_early", status="Success").status_code == 200
    (kept,) = reports_for("ATXid_early")
    assert (kept.provider_id, kept.matched) == ("ATXid_early", False)
    message = sent_message("ATXid_early")
    delivery.apply_pending(message)  # what the send job does after storing the provider id
    db.session.commit()
    assert status_of(message.id) == "delivered"


@pytest.mark.parametrize("reason", ["UserInBlackList", "userinblacklist"])
def test_a_blacklist_report_opts_the_phone_out(client, reason):
    sent_message()
    dlr(client, status="Failed", failureReason=reason)
    db.session.rollback()
    assert citizens.is_opted_out(PHONE)


@pytest.mark.parametrize("fields", [{"id": None}, {"status": None}, {"id": "", "status": "Success"},
                                    {"status": "  "}, {"id": "x" * 81}])
def test_a_report_without_id_or_status_is_a_400(client, fields):
    assert dlr(client, **fields).status_code == 400
    assert reports_for("ATXid_1", "", "x" * 81) == []


@pytest.mark.parametrize("fields", [{"phoneNumber": None, "networkCode": None}, {"phoneNumber": "garbage"},
                                    {"status": "Expired"}, {"failureReason": "y" * 500, "status": "Failed"},
                                    {"networkCode": "6" * 50}, {"status": "Sukses 😀"}])
def test_odd_but_well_formed_reports_are_accepted(client, fields):
    sent_message()
    assert dlr(client, **fields).status_code == 200


def test_end_to_end_the_simulators_report_marks_the_reply_delivered(simulator, run_jobs):
    simulator.sms(PHONE, "BANTUAN")
    run_jobs()
    (received,) = simulator.messages(PHONE)

    def reply():
        db.session.rollback()
        return db.session.scalar(select(Message).where(Message.direction == "out", Message.status == "delivered"))

    delivered = wait_until(reply, timeout=10, message="the delivery report")
    assert delivered.provider_id == received["messageId"] and delivered.delivered_at is not None


def test_end_to_end_a_blacklist_report_fails_the_message_and_opts_out(simulator, run_jobs):
    simulator.faults(dlr_fail=1.0, dlr_fail_reason="UserInBlackList")
    simulator.sms(PHONE, "BANTUAN")
    run_jobs()

    def failed():
        db.session.rollback()
        return db.session.scalar(select(Message).where(Message.direction == "out", Message.status == "failed"))

    message = wait_until(failed, timeout=10, message="the failure report")
    assert message.last_error == "UserInBlackList"
    assert citizens.is_opted_out(PHONE)


def test_end_to_end_duplicate_reports_are_all_kept_and_change_nothing_more(simulator, run_jobs):
    simulator.faults(dlr_duplicate=1.0)
    simulator.sms(PHONE, "BANTUAN")
    run_jobs()
    (received,) = simulator.messages(PHONE)

    def both_reports():
        reports = reports_for(received["messageId"])
        return reports if len(reports) == 2 else None

    reports = wait_until(both_reports, timeout=10, message="two copies of the report")
    assert all(r.matched for r in reports)
    assert db.session.scalar(select(Message.status).where(Message.provider_id == received["messageId"])) == \
        "delivered"
