"""Sending broadcasts: chunks, bulk requests, languages, cancelling, quiet hours and the rate limit."""
import time

from rq.registry import ScheduledJobRegistry

from extensions import db
from jobs import queues
from jobs.broadcasts import send_chunk
from office import broadcasts
from office import citizens
from office import outbox
from office.models import Broadcast
from office.models import Message
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import office_time

TEXT = "Besok Sabtu kantor buka 08.00-12.00 untuk perekaman KTP-el."
ENGLISH = "Tomorrow (Saturday) the office opens 08.00-12.00 for KTP-el recording."


def create(audience=None, **options):
    broadcast, _ = broadcasts.create(TEXT, options.pop("text_en", None), audience or {"all": True},
                                     actor="test", **options)
    db.session.commit()
    return broadcast.id


def run_one(queue_name):
    """Run the first job waiting on `queue_name` in this process."""
    job = queues.queue(queue_name).dequeue_any([queues.queue(queue_name)], None,
                                               connection=queues.connection())[0]
    return job.perform()


def copies_per_phone(simulator):
    counts = {}
    for message in simulator.messages():
        counts[message["phone"]] = counts.get(message["phone"], 0) + 1
    return counts


def test_each_recipient_gets_one_copy_in_bulk_requests_of_the_chunk_size(app, settings, simulator, run_jobs):
    settings(SMS_CHUNK_SIZE=4)
    indonesian = add_subscribers(10)
    english = add_subscribers(3, start=100, language="en")
    broadcast_id = create(text_en=ENGLISH)
    run_jobs()

    assert copies_per_phone(simulator) == dict.fromkeys(indonesian + english, 1)
    assert {m["text"] for p in english for m in simulator.messages(p)} == {ENGLISH}
    assert simulator.stats()["requests"] == 4  # 4 + 4 + 2 in Bahasa Indonesia, 3 in English
    broadcast = db.session.get(Broadcast, broadcast_id)
    db.session.refresh(broadcast)
    assert broadcast.status == broadcasts.DONE and broadcast.finished_at is not None
    assert broadcast.recipients == 13


def test_a_reply_goes_ahead_of_a_running_broadcast(app, settings, simulator, run_jobs):
    settings(SMS_CHUNK_SIZE=2)
    add_subscribers(6)
    create()
    run_one(queues.BULK)  # the fan-out: chunk jobs now wait on the bulk queue
    outbox.queue_sms("+6281234567890", "Balasan untuk Anda", "reply")
    db.session.commit()
    run_jobs()

    assert simulator.messages()[0]["text"] == "Balasan untuk Anda"
    assert len(simulator.messages()) == 7


def test_cancelling_stops_the_chunks_not_yet_sent(app, settings, simulator, run_jobs):
    settings(SMS_CHUNK_SIZE=2)
    add_subscribers(6)
    broadcast_id = create()
    run_one(queues.BULK)  # fan-out
    run_one(queues.BULK)  # first chunk: two recipients
    broadcasts.cancel(broadcast_id, actor="test")
    db.session.commit()
    run_jobs()

    assert len(simulator.messages()) == 2
    counts = broadcasts.status_counts(broadcast_id)
    assert counts["cancelled"] == 4 and counts["sent"] + counts["delivered"] == 2


def test_a_phone_opting_out_after_fan_out_is_skipped(app, settings, simulator, run_jobs):
    phones = add_subscribers(3)
    broadcast_id = create()
    run_one(queues.BULK)  # rows written, chunk waiting
    citizens.opt_out(phones[1])
    db.session.commit()
    run_jobs()

    assert simulator.messages(phones[1]) == []
    assert len(simulator.messages()) == 2
    [stopped] = fresh_messages(phone=phones[1], broadcast_id=broadcast_id)
    assert stopped.status == outbox.CANCELLED and stopped.last_error == "opted out"


def test_permanent_failures_in_a_bulk_request_are_not_retried_and_blacklisted_phones_opt_out(
        app, settings, simulator, run_jobs):
    phones = add_subscribers(4)
    simulator.faults(fail_numbers={phones[0]: 403, phones[1]: 406})
    broadcast_id = create()
    run_jobs()

    rows = {m.phone: m for m in fresh_messages(broadcast_id=broadcast_id)}
    assert rows[phones[0]].status == outbox.FAILED and rows[phones[0]].last_error == "403 InvalidPhoneNumber"
    assert rows[phones[1]].status == outbox.FAILED and rows[phones[1]].last_error == "406 UserInBlacklist"
    assert all(row.attempts == 1 for row in rows.values())
    assert citizens.is_opted_out(phones[1]) and not citizens.is_opted_out(phones[0])
    assert simulator.stats()["requests"] == 1 and len(simulator.messages()) == 2


def test_a_failed_bulk_request_is_retried_for_every_recipient_once(app, settings, simulator, run_jobs):
    phones = add_subscribers(5)
    simulator.faults(http_500_count=2)
    broadcast_id = create()
    run_jobs()

    assert copies_per_phone(simulator) == dict.fromkeys(phones, 1)
    assert {m.attempts for m in fresh_messages(broadcast_id=broadcast_id)} == {3}
    assert broadcasts.progress(db.session.get(Broadcast, broadcast_id)).retried == 5


def test_at_22_a_broadcast_waits_for_7_unless_it_is_urgent(app, settings, simulator, run_jobs):
    settings(QUIET_HOURS="21:00-07:00", LEKAS_CLOCK="2026-11-30T22:00:00+07:00")
    phones = add_subscribers(3)
    calm = create()
    urgent = create(urgent=True)
    run_jobs()

    assert copies_per_phone(simulator) == dict.fromkeys(phones, 1)  # the urgent one only
    held = fresh_messages(broadcast_id=calm)
    assert {(m.status, m.send_after) for m in held} == {(outbox.QUEUED, office_time("2026-12-01T07:00:00"))}
    assert {m.status for m in fresh_messages(broadcast_id=urgent)} <= {outbox.SENT, outbox.DELIVERED}
    assert ScheduledJobRegistry(queue=queues.queue(queues.BULK)).count == 1


def test_a_scheduled_broadcast_waits_in_rqs_scheduler_without_rows(app, settings, simulator, run_jobs):
    settings(LEKAS_CLOCK="2026-11-30T10:00:00+07:00")
    add_subscribers(2)
    broadcast_id = create(send_at="2026-11-30T15:00:00+07:00")
    run_jobs()

    assert fresh_messages(broadcast_id=broadcast_id) == []
    [job_id] = ScheduledJobRegistry(queue=queues.queue(queues.BULK)).get_job_ids()
    assert job_id == f"bc-{broadcast_id}-fanout"
    assert db.session.get(Broadcast, broadcast_id).send_at == office_time("2026-11-30T15:00:00")


def test_the_rate_limit_spreads_requests_over_time_counting_segments(app, settings, simulator, run_jobs):
    settings(SMS_RATE_LIMIT=6)
    add_subscribers(12)
    two_parts = TEXT + " " + "Bawa fotokopi KK dan surat pengantar dari kelurahan masing-masing. " * 2
    broadcasts.create(two_parts, None, {"all": True}, actor="test")
    db.session.commit()
    started = time.monotonic()
    run_jobs()
    elapsed = time.monotonic() - started

    # 12 recipients x 2 segments at 6 segments/s: requests of 3 recipients, one per second.
    assert simulator.stats()["requests"] == 4
    assert elapsed >= 3.0
    assert len(simulator.messages()) == 12


def test_a_chunk_whose_rows_were_already_sent_sends_nothing(app, settings, simulator, run_jobs):
    add_subscribers(3)
    broadcast_id = create()
    run_jobs()
    ids = [m.id for m in fresh_messages(broadcast_id=broadcast_id)]

    assert send_chunk(broadcast_id, ids)["skipped"] == 3
    assert len(simulator.messages()) == 3


def test_a_chunk_of_a_cancelled_broadcast_cancels_its_queued_rows_instead_of_sending(app, settings, simulator):
    add_subscribers(3)
    broadcast_id = create()
    broadcasts.materialize(broadcast_id)
    db.session.commit()
    broadcasts.cancel(broadcast_id, actor="test")
    db.session.commit()
    # Rows back in `queued` after the cancel: a retry recorded at the same moment as the cancel did it.
    ids = [m.id for m in fresh_messages(broadcast_id=broadcast_id)]
    db.session.execute(Message.__table__.update().where(Message.id.in_(ids)).values(status=outbox.QUEUED))
    db.session.commit()

    assert send_chunk(broadcast_id, ids)["cancelled"] == 3
    assert simulator.messages() == []
    rows = fresh_messages(broadcast_id=broadcast_id)
    assert {(m.status, m.last_error) for m in rows} == {(outbox.CANCELLED, "broadcast cancelled")}


def test_a_single_message_of_a_cancelled_broadcast_is_cancelled_not_sent(app, settings, simulator, run_jobs):
    [phone] = add_subscribers(1)
    broadcast_id = create()
    broadcasts.cancel(broadcast_id, actor="test")
    db.session.commit()
    message = outbox.queue_sms(phone, TEXT, outbox.Kind.BROADCAST, priority=outbox.Priority.BULK,
                               broadcast_id=broadcast_id)
    db.session.commit()
    run_jobs()

    assert simulator.messages() == []
    [row] = fresh_messages(id=message.id)
    assert (row.status, row.last_error) == (outbox.CANCELLED, "broadcast cancelled")
