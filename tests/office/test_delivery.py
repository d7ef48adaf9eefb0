"""Delivery reports applied to outbox rows: mapping, ordering, early reports and blacklisting."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from gateway.providers import read_delivery_report
from office import citizens
from office import delivery
from office.clock import utcnow
from office.models import DeliveryReport
from office.models import Message

PHONE = "+6281234567001"


def sent_message(provider_id="ATXid_1", status="sent", phone=PHONE):
    message = Message(direction="out", phone=phone, text="Halo", status=status, kind="reply",
                      provider_id=provider_id, sent_at=utcnow() if status == "sent" else None)
    db.session.add(message)
    db.session.commit()
    return message


def report(status, provider_id="ATXid_1", **fields):
    """Record AT's report as the webhook does: its words read by the gateway, then the domain applies them."""
    reading = read_delivery_report(status, fields.get("failure_reason"))
    result = delivery.record_report(provider_id, status, reading.outcome, opt_out=reading.opt_out, **fields)
    db.session.commit()
    return result


@pytest.mark.parametrize("status, state", [
    ("Sent", "sent"), ("Submitted", "sent"), ("Buffered", "sent"), ("Success", "delivered"),
    ("Failed", "failed"), ("Rejected", "failed"), ("SUCCESS", "delivered"), ("success", "delivered"),
    ("rejected", "failed"), ("bUfFeReD", "sent"), ("Expired", "failed"), ("expired", "failed"),
])
def test_each_at_status_maps_to_an_outbox_state_whatever_its_case(app, status, state):
    message = sent_message(status="sending")
    assert report(status).matched
    assert message.status == state


def test_success_records_when_it_was_delivered(app):
    message = sent_message()
    report("Success")
    assert message.delivered_at is not None and message.failed_at is None


def test_failure_keeps_the_reason_and_time(app):
    message = sent_message()
    report("Failed", failure_reason="UserIsInactive")
    assert (message.status, message.last_error) == ("failed", "UserIsInactive")
    assert message.failed_at is not None


def test_failure_without_a_reason_keeps_the_status_word(app):
    message = sent_message()
    report("Rejected")
    assert message.last_error == "Rejected"


@pytest.mark.parametrize("sequence, final", [
    (["Success", "Sent"], "delivered"),
    (["Success", "Buffered", "Submitted"], "delivered"),
    (["Failed", "Sent"], "failed"),
    (["Failed", "Success"], "failed"),
    (["Success", "Failed"], "delivered"),
    (["Buffered", "Sent", "Success"], "delivered"),
    (["Sent", "Sent", "Success", "Success"], "delivered"),
])
def test_a_message_never_moves_backwards_and_a_final_state_stays(app, sequence, final):
    message = sent_message()
    for status in sequence:
        report(status)
    assert message.status == final


def test_a_late_sent_report_does_not_undo_delivery_times(app):
    message = sent_message()
    report("Success")
    delivered_at = message.delivered_at
    report("Sent")
    assert (message.status, message.delivered_at) == ("delivered", delivered_at)


def test_a_report_moves_a_message_left_unknown_or_sending_forward(app):
    unknown = sent_message("ATXid_u", status="unknown")
    sending = sent_message("ATXid_s", status="sending")
    report("Success", "ATXid_u")
    report("Buffered", "ATXid_s")
    assert (unknown.status, sending.status) == ("delivered", "sent")
    assert sending.sent_at is not None


def test_a_cancelled_message_is_not_revived_by_a_report(app):
    message = sent_message(status="cancelled")
    report("Success")
    assert message.status == "cancelled"


@pytest.mark.parametrize("status", ["AbsentSubscriber", "x" * 40, "Queued", "Pending"])
def test_unknown_status_words_are_stored_verbatim_and_change_nothing(app, status):
    message = sent_message()
    stored = report(status)
    assert stored.matched and stored.status == status[:20]
    assert message.status == "sent"


def test_every_report_is_stored_even_duplicates(app):
    sent_message()
    for _ in range(3):
        report("Success", phone="081234567001", network_code="51010")
    reports = db.session.scalars(select(DeliveryReport).where(DeliveryReport.provider_id == "ATXid_1")).all()
    assert len(reports) == 3
    assert {(r.phone, r.network_code, r.matched) for r in reports} == {(PHONE, "51010", True)}


def test_a_report_for_an_unknown_id_is_kept_and_applied_when_the_send_is_recorded(app):
    early = report("Success", "ATXid_early")
    assert not early.matched
    message = sent_message("ATXid_early", status="sending")
    assert delivery.apply_pending(message) == 1
    db.session.commit()
    assert message.status == "delivered" and early.matched
    assert delivery.apply_pending(message) == 0


def test_early_reports_are_applied_in_the_order_they_came(app):
    report("Buffered", "ATXid_early")
    report("Failed", "ATXid_early", failure_reason="DeliveryFailure")
    report("Sent", "ATXid_early")
    message = sent_message("ATXid_early", status="sending")
    assert delivery.apply_pending(message) == 3
    assert (message.status, message.last_error) == ("failed", "DeliveryFailure")


def test_apply_pending_leaves_other_messages_reports_alone(app):
    other = report("Success", "ATXid_other")
    message = sent_message("ATXid_mine", status="sending")
    assert delivery.apply_pending(message) == 0
    assert not other.matched and message.status == "sending"


def test_a_message_without_a_provider_id_has_nothing_pending(app):
    message = sent_message(provider_id=None, status="queued")
    assert delivery.apply_pending(message) == 0


def test_old_unmatched_reports_are_purged_and_matched_or_recent_ones_kept(app):
    sent_message()
    matched = report("Success")
    old = report("Success", "ATXid_gone")
    recent = report("Success", "ATXid_later")
    old.received_at = utcnow() - timedelta(days=4)
    matched.received_at = utcnow() - timedelta(days=4)
    db.session.commit()
    assert delivery.purge_unmatched(timedelta(days=3)) == 1
    db.session.commit()
    ours = select(DeliveryReport.provider_id).where(
        DeliveryReport.provider_id.in_(["ATXid_1", "ATXid_gone", "ATXid_later"]))
    assert set(db.session.scalars(ours)) == {"ATXid_1", recent.provider_id}


@pytest.mark.parametrize("reason", ["UserInBlackList", "UserInBlacklist", "userinblacklist", "USERINBLACKLIST"])
def test_a_blacklist_report_opts_the_phone_out(app, reason):
    message = sent_message()
    report("Failed", failure_reason=reason, phone=PHONE)
    assert message.status == "failed"
    assert citizens.is_opted_out(PHONE)


def test_a_blacklist_report_for_an_unknown_id_opts_out_the_phone_it_names(app):
    report("Failed", "ATXid_unknown", failure_reason="UserInBlackList", phone="0812-3456-7001")
    assert citizens.is_opted_out(PHONE)


def test_a_blacklist_report_without_a_usable_phone_opts_out_when_matched_later(app):
    report("Failed", "ATXid_late", failure_reason="UserInBlackList", phone="garbage")
    assert not citizens.is_opted_out(PHONE)
    message = sent_message("ATXid_late", status="sending")
    delivery.apply_pending(message)
    assert citizens.is_opted_out(PHONE)


def test_a_blacklist_report_cancels_what_is_still_queued_for_the_phone(app):
    sent_message()
    waiting = Message(direction="out", phone=PHONE, text="Pengumuman", status="queued", kind="broadcast")
    db.session.add(waiting)
    db.session.commit()
    report("Failed", failure_reason="UserInBlackList")
    assert waiting.status == "cancelled"


def test_other_failure_reasons_do_not_opt_out(app):
    sent_message()
    report("Failed", failure_reason="UserIsInactive", phone=PHONE)
    assert not citizens.is_opted_out(PHONE)
