"""Fault drills with real worker processes, real Redis and the telco simulator.

Workers run with short grace periods and intervals (FAST) so each drill finishes in seconds; the rules
are the production ones, only the numbers are smaller.
"""
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from jobs import queues
from jobs.broadcasts import enqueue_chunks
from jobs.broadcasts import queued_rows
from office import broadcasts
from office import citizens
from office import outbox
from office.models import Broadcast
from office.models import Message
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import office_time
from tests.helpers import wait_until
from tests.jobs.helpers import clock_offset_to
from tests.jobs.helpers import kill_tree

FAST = {
    "SWEEP_INTERVAL_SECONDS": "1",
    "WORKER_MAINTENANCE_SECONDS": "1",
    "SEND_QUEUED_GRACE_SECONDS": "2",
    "SEND_SENDING_GRACE_SECONDS": "4",  # longer than a provider call may take with SMS_TIMEOUT below
    "SMS_TIMEOUT": "1,1",
    "SEND_RETRY_BASE_SECONDS": "0.3",
    "SEND_RETRY_MAX_SECONDS": "1",
    "SEND_MAX_ATTEMPTS": "8",
    "STATUS_COLLAPSE_SECONDS": "0",
    "SMS_RATE_LIMIT": "0",
}
# For drills where the simulator is slowed down on purpose: calls may take up to 4 s, so 'sending' rows
# are only called stale after 5 s.
SLOW_TELCO = {**FAST, "SMS_TIMEOUT": "1,3", "SEND_SENDING_GRACE_SECONDS": "5"}
PHONE = "+6281234567890"
DONE = (outbox.SENT, outbox.DELIVERED)


def counts(broadcast_id=None):
    db.session.rollback()
    return broadcasts.status_counts(broadcast_id)


def settled(broadcast_id=None):
    """True once every broadcast has fanned out and nothing is queued or being sent."""
    db.session.rollback()
    # Broadcasts first: SQLite reads each SELECT on its own, and a fan-out commits its rows together
    # with the broadcast's new state, so rows seen missing here are seen by the count below.
    waiting = db.session.scalar(select(func.count()).select_from(Broadcast).where(
        Broadcast.status == broadcasts.SCHEDULED))
    now = counts(broadcast_id)
    return waiting == 0 and now["queued"] == 0 and now["sending"] == 0


def finished(broadcast_id):
    db.session.rollback()
    return db.session.get(Broadcast, broadcast_id).status == broadcasts.DONE


def copies(simulator):
    per_phone = {}
    for message in simulator.messages():
        per_phone[message["phone"]] = per_phone.get(message["phone"], 0) + 1
    return per_phone


def broadcast_to_everyone(text="Pengumuman: pelayanan KTP-el dibuka Sabtu."):
    broadcast, _ = broadcasts.create(text, None, {"all": True}, actor="test")
    db.session.commit()
    return broadcast.id


def test_sigkill_mid_broadcast_then_restart_sends_each_recipient_once_and_lists_the_unknown(
        app, settings, simulator, worker):
    phones = add_subscribers(5000)
    simulator.faults(slow_ms=800)  # each bulk request takes a while: the kill lands during one
    first = worker(SMS_CHUNK_SIZE="250", **SLOW_TELCO)
    broadcast_id = broadcast_to_everyone()

    wait_until(lambda: counts(broadcast_id)["sent"] + counts(broadcast_id)["delivered"] >= 1000
               and counts(broadcast_id)["sending"] > 0, timeout=40, message="a chunk in flight after 1000 sent")
    kill_tree(first)
    in_flight = counts(broadcast_id)["sending"]
    simulator.faults(slow_ms=0)
    worker(SMS_CHUNK_SIZE="250", **SLOW_TELCO)
    wait_until(lambda: settled(broadcast_id) and finished(broadcast_id), timeout=40,
               message="every recipient settled")

    final = counts(broadcast_id)
    rows = fresh_messages(broadcast_id=broadcast_id)
    unknown = {m.phone for m in rows if m.status == outbox.UNKNOWN}
    received = copies(simulator)
    assert in_flight > 0 and len(unknown) == in_flight
    assert final["failed"] == final["queued"] == final["cancelled"] == 0
    assert final["sent"] + final["delivered"] + final["unknown"] == 5000
    assert all(received.get(p) == 1 for p in phones if p not in unknown)
    assert all(received.get(p, 0) <= 1 for p in unknown)  # the telco may or may not have taken them
    progress = broadcasts.progress(db.session.get(Broadcast, broadcast_id))
    assert {item.phone for item in progress.unknown} == unknown


def test_redis_restart_mid_broadcast_loses_the_queue_and_the_sweeper_still_sends_everyone_once(
        app, settings, simulator, worker, redis_server):
    phones = add_subscribers(2000)
    simulator.faults(slow_ms=1000)
    first = worker(SMS_CHUNK_SIZE="100", **SLOW_TELCO)
    broadcast_id = broadcast_to_everyone()
    wait_until(lambda: counts(broadcast_id)["sent"] + counts(broadcast_id)["delivered"] >= 300
               and counts(broadcast_id)["sending"] > 0, timeout=30, message="a chunk in flight after 300 sent")

    redis_server.stop()  # no persistence: every queued chunk job and the housekeeping chain are gone
    # RQ's worker quits when Redis vanishes under a running job; ours starts a new one by itself.
    wait_until(lambda: "starting a new one" in first.output(), timeout=15, message="the worker noticed")
    redis_server.start()
    assert queues.queue(queues.BULK).count == 0
    simulator.faults(slow_ms=0)
    wait_until(lambda: settled(broadcast_id), timeout=45, message="the sweeper re-enqueued the rest")

    assert copies(simulator) == dict.fromkeys(phones, 1)
    final = counts(broadcast_id)
    assert final["sent"] + final["delivered"] == 2000
    assert first.process.poll() is None


def test_http_500_and_timeouts_are_retried_with_backoff_until_everything_is_delivered(
        app, settings, simulator, worker):
    # The first two requests hang past the client's 1 s timeout (and then fail), the next two get HTTP 500:
    # four failed requests shared by a reply and a broadcast chunk, so one of them needs three attempts.
    simulator.faults(timeout_count=2, timeout_s=2, http_500_count=4)
    broadcast_phones = add_subscribers(10)
    outbox.queue_sms(PHONE, "Balasan", "reply")
    db.session.commit()
    broadcast_to_everyone()
    worker(**FAST)

    wait_until(lambda: settled(), timeout=40, message="everything sent")
    rows = fresh_messages()
    assert {m.status for m in rows} <= set(DONE)
    assert copies(simulator) == dict.fromkeys(broadcast_phones + [PHONE], 1)
    assert max(m.attempts for m in rows) >= 3  # the backoff is visible in the attempts
    assert simulator.stats()["requests_500"] == 4


def test_permanent_failures_are_not_retried_and_a_blacklisted_phone_is_opted_out(app, settings, simulator, worker):
    phones = add_subscribers(5)
    invalid, blacklisted = phones[0], phones[1]
    simulator.faults(fail_numbers={invalid: 403, blacklisted: 406})
    reply = outbox.queue_sms(invalid, "Balasan", "reply").id
    db.session.commit()
    broadcast_id = broadcast_to_everyone()
    worker(**FAST)

    wait_until(lambda: settled(), timeout=30, message="everything settled")
    rows = {(m.phone, m.broadcast_id): m for m in fresh_messages()}
    assert rows[(invalid, None)].id == reply
    for key, error in [((invalid, None), "403 InvalidPhoneNumber"), ((invalid, broadcast_id), "403 InvalidPhoneNumber"),
                       ((blacklisted, broadcast_id), "406 UserInBlacklist")]:
        assert (rows[key].status, rows[key].attempts, rows[key].last_error) == (outbox.FAILED, 1, error)
    assert citizens.is_opted_out(blacklisted) and not citizens.is_opted_out(invalid)
    assert simulator.stats()["requests"] == 2
    assert sorted(copies(simulator)) == sorted(phones[2:])


def test_a_phone_that_opts_out_between_queueing_and_sending_gets_nothing(app, settings, simulator, worker):
    phones = add_subscribers(3)
    application = new_application("KTP", "Budi", phones[0], "Menteng")
    outbox.queue_sms(phones[0], "Balasan", "reply")
    db.session.commit()
    broadcast_id = broadcast_to_everyone()
    assert broadcasts.materialize(broadcast_id) == 3
    db.session.commit()
    enqueue_chunks(broadcast_id, queued_rows(broadcast_id), tag="c")
    citizens.opt_out(phones[0])  # after every message to it was queued
    db.session.commit()
    worker(**FAST)

    wait_until(lambda: settled(), timeout=30, message="everything settled")
    assert sorted(copies(simulator)) == sorted(phones[1:])
    stopped = fresh_messages(phone=phones[0])
    assert len(stopped) == 3 and {(m.status, m.last_error) for m in stopped} == {(outbox.CANCELLED, "opted out")}
    assert {m.kind for m in stopped} == {"status", "reply", "broadcast"} and stopped[0].application_id == application.id


def test_a_status_change_at_22_is_sent_at_7_office_time(app, settings, simulator, worker):
    night = clock_offset_to(office_time("2026-11-30T22:00:00"))
    settings(QUIET_HOURS="21:00-07:00", LEKAS_CLOCK=night)
    evening = worker(**{**FAST, "QUIET_HOURS": "21:00-07:00", "LEKAS_CLOCK": night})
    application = new_application("KTP", "Budi", PHONE, "Menteng")
    move(application.reference, "VERIFYING")

    seven = office_time("2026-12-01T07:00:00")
    wait_until(lambda: [m.send_after for m in fresh_messages(application_id=application.id)
                        if m.status == outbox.QUEUED] == [seven], timeout=20, message="held until 07:00")
    assert simulator.messages(PHONE) == []
    evening.stop()

    morning = clock_offset_to(office_time("2026-12-01T07:00:03"))
    settings(LEKAS_CLOCK=morning)
    worker(**{**FAST, "QUIET_HOURS": "21:00-07:00", "LEKAS_CLOCK": morning})
    [received] = simulator.wait_for_messages(PHONE, 1, timeout=20)
    wait_until(lambda: settled(), timeout=10, message="the send recorded")

    receipt, change = fresh_messages(application_id=application.id)
    assert receipt.status == outbox.CANCELLED  # superseded: only the newest status is sent
    assert change.status in DONE and change.sent_at >= seven
    assert received["text"] == change.text and "diperiksa" in change.text.lower()
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.status == outbox.QUEUED)) == 0


def test_a_notification_held_by_quiet_hours_goes_out_by_rqs_scheduler_when_they_end(
        app, settings, simulator, worker):
    # Seconds before quiet hours end, with room for a loaded machine to start the worker first.
    offset = clock_offset_to(office_time("2026-12-01T06:59:45"))
    settings(QUIET_HOURS="21:00-07:00", LEKAS_CLOCK=offset)
    worker(**{**FAST, "QUIET_HOURS": "21:00-07:00", "LEKAS_CLOCK": offset,
              "SEND_QUEUED_GRACE_SECONDS": "600"})  # no sweeper help: only the scheduled job may send it
    new_application("KTP", "Budi", PHONE, "Menteng")

    [received] = simulator.wait_for_messages(PHONE, 1, timeout=40)
    wait_until(lambda: settled(), timeout=10, message="the send recorded")
    [receipt] = fresh_messages(phone=PHONE)
    assert receipt.send_after == office_time("2026-12-01T07:00:00")
    assert receipt.sent_at >= receipt.send_after and receipt.attempts == 1
    assert received["text"] == receipt.text


def test_a_broadcast_cancelled_while_its_request_fails_sends_no_retry(app, settings, simulator, worker):
    # The chunk's request is in flight when staff cancel (its rows are `sending`, so the cancel cannot
    # touch them); the telco then answers HTTP 500, which would normally put the rows back for a retry.
    add_subscribers(3)
    simulator.faults(slow_ms=1500, http_500_count=1)
    worker(**SLOW_TELCO)
    broadcast_id = broadcast_to_everyone()
    wait_until(lambda: counts(broadcast_id)["sending"] == 3, timeout=20, message="the chunk's request in flight")
    broadcasts.cancel(broadcast_id, actor="test")
    db.session.commit()
    simulator.faults(slow_ms=0)

    wait_until(lambda: settled(broadcast_id), timeout=20, message="nothing queued or being sent")
    rows = fresh_messages(broadcast_id=broadcast_id)
    assert {(m.status, m.last_error) for m in rows} == {(outbox.CANCELLED, "broadcast cancelled")}
    assert simulator.messages() == []
    assert simulator.stats()["requests"] == simulator.stats()["requests_500"] == 1
