"""The send job over real Redis, a real RQ worker (in-process) and the telco simulator."""
from datetime import timedelta

from rq.registry import ScheduledJobRegistry

from extensions import db
from jobs import queues
from jobs import timing
from jobs.send import send_message
from office import citizens
from office import outbox
from office.models import Message
from tests.helpers import fresh_messages
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import office_time

PHONE = "+6281234567890"
OTHER = "+6281349000002"


def queue_reply(phone=PHONE, text="Balasan", kind="reply"):
    message = outbox.queue_sms(phone, text, kind)
    db.session.commit()
    return message.id


def register(phone="0812-3456-7890"):
    return new_application("KTP", "Budi Santoso", phone, "Menteng")


def test_a_reply_is_sent_once_and_keeps_the_telcos_message_id(app, settings, simulator, run_jobs):
    message_id = queue_reply()
    run_jobs()

    [message] = fresh_messages(id=message_id)
    assert message.status in (outbox.SENT, outbox.DELIVERED)
    assert message.attempts == 1 and message.last_error is None
    [received] = simulator.messages(PHONE)
    assert received["messageId"] == message.provider_id and received["text"] == "Balasan"


def test_two_jobs_for_one_message_send_it_once(app, settings, simulator, run_jobs):
    message_id = queue_reply()
    queues.queue(queues.HIGH).enqueue(send_message, message_id, job_id="send-duplicate")
    run_jobs()

    assert len(simulator.messages(PHONE)) == 1
    assert simulator.stats()["requests"] == 1
    assert send_message(message_id) == "skipped"


def test_http_500_is_retried_with_backoff_until_it_goes_through(app, settings, simulator, run_jobs):
    simulator.faults(http_500_count=2)
    message_id = queue_reply()
    run_jobs()

    [message] = fresh_messages(id=message_id)
    assert message.status in (outbox.SENT, outbox.DELIVERED)
    assert message.attempts == 3
    assert message.send_after is not None  # the retry time the backoff chose
    assert len(simulator.messages(PHONE)) == 1


def test_a_retry_waits_in_rqs_scheduler_for_its_backoff(app, settings, simulator, run_jobs):
    settings(SEND_RETRY_BASE_SECONDS=600)
    simulator.faults(http_500_count=1)
    message_id = queue_reply()
    run_jobs()

    [message] = fresh_messages(id=message_id)
    assert message.status == outbox.QUEUED and message.attempts == 1
    assert message.last_error.startswith("HTTP error")
    wait = message.send_after - message.updated_at
    assert timedelta(seconds=300) <= wait <= timedelta(seconds=600)  # equal jitter: half fixed, half random
    scheduled = ScheduledJobRegistry(queue=queues.queue(queues.HIGH))
    assert scheduled.get_job_ids() == [f"send-{message_id}-a1"]
    assert simulator.messages(PHONE) == []


def test_backoff_grows_exponentially_up_to_the_cap(app, settings):
    settings(SEND_RETRY_BASE_SECONDS=60, SEND_RETRY_MAX_SECONDS=1800)
    for attempt, full in [(1, 60), (2, 120), (3, 240), (6, 1800), (12, 1800)]:
        waits = [timing.backoff(attempt).total_seconds() for _ in range(50)]
        assert all(full / 2 <= wait <= full for wait in waits), (attempt, waits)
        assert len(set(waits)) > 1  # jitter


def test_after_the_last_attempt_the_message_fails_with_the_reason(app, settings, simulator, run_jobs):
    settings(SEND_MAX_ATTEMPTS=3)
    simulator.faults(http_500_count=5)
    message_id = queue_reply()
    run_jobs()

    [message] = fresh_messages(id=message_id)
    assert message.status == outbox.FAILED and message.attempts == 3
    assert message.last_error.startswith("gave up after 3 attempts: HTTP error")
    assert simulator.stats()["requests"] == 3


def test_an_invalid_number_fails_at_once_without_retry(app, settings, simulator, run_jobs):
    simulator.faults(fail_numbers={PHONE: 403})
    message_id = queue_reply()
    run_jobs()

    [message] = fresh_messages(id=message_id)
    assert message.status == outbox.FAILED and message.attempts == 1
    assert message.last_error == "403 InvalidPhoneNumber"
    assert simulator.stats()["requests"] == 1
    assert not citizens.is_opted_out(PHONE)


def test_a_blacklisted_number_fails_and_is_opted_out_with_its_queue_cancelled(app, settings, simulator, run_jobs):
    simulator.faults(fail_numbers={PHONE: 406})
    first = queue_reply(text="Satu")
    run_jobs()
    later = queue_reply(text="Dua")  # queued after the blacklist answer: must not be sent either
    run_jobs()

    messages = {m.id: m for m in fresh_messages(phone=PHONE)}
    assert messages[first].status == outbox.FAILED and messages[first].last_error == "406 UserInBlacklist"
    assert messages[later].status == outbox.CANCELLED and messages[later].last_error == "opted out"
    assert citizens.is_opted_out(PHONE)
    assert simulator.stats()["requests"] == 1


def test_opting_out_after_queueing_means_nothing_is_sent(app, settings, simulator, run_jobs):
    message_id = queue_reply(kind="status")
    citizens.opt_out(PHONE)
    db.session.commit()
    run_jobs()

    [message] = fresh_messages(id=message_id)
    assert message.status == outbox.CANCELLED and message.last_error == "opted out"
    assert simulator.messages(PHONE) == []


def test_the_stop_confirmation_still_reaches_a_phone_that_just_opted_out(app, settings, simulator, run_jobs):
    citizens.opt_out(PHONE)
    queue_reply(text="Anda berhenti berlangganan.", kind="optout")
    run_jobs()

    assert [m["text"] for m in simulator.messages(PHONE)] == ["Anda berhenti berlangganan."]


def test_quick_status_changes_collapse_into_one_sms_about_the_latest(app, settings, simulator, run_jobs):
    settings(STATUS_COLLAPSE_SECONDS=600)
    application = register()
    move(application.reference, "VERIFYING")
    move(application.reference, "PROCESSING")
    run_jobs()  # every notification now waits for the window to close
    assert simulator.messages(PHONE) == []

    settings(LEKAS_CLOCK="+601")  # the window is over
    send_all_due(run_jobs)

    rows = fresh_messages(application_id=application.id)
    assert [m.status for m in rows][:2] == [outbox.CANCELLED, outbox.CANCELLED]
    assert rows[2].status in (outbox.SENT, outbox.DELIVERED)
    [received] = simulator.messages(PHONE)
    assert received["text"] == rows[2].text and "diproses" in received["text"].lower()


def test_a_newer_status_notification_cancels_an_older_one_waiting_for_a_retry(app, settings, simulator, run_jobs):
    settings(SEND_RETRY_BASE_SECONDS=600)
    simulator.faults(http_500_count=1)
    application = register()
    run_jobs()  # the receipt SMS failed once and waits for its retry
    move(application.reference, "VERIFYING")
    run_jobs()

    receipt, change = fresh_messages(application_id=application.id)
    assert receipt.status == outbox.CANCELLED and receipt.last_error.startswith("superseded")
    assert change.status in (outbox.SENT, outbox.DELIVERED)
    assert len(simulator.messages(PHONE)) == 1


def test_status_changes_at_22_wait_for_7_while_replies_go_at_once(app, settings, simulator, run_jobs):
    settings(QUIET_HOURS="21:00-07:00", LEKAS_CLOCK="2026-11-30T22:00:00+07:00")
    application = register()
    reply_id = queue_reply(phone=OTHER, text="Syarat KTP: ...")
    run_jobs()

    [receipt] = fresh_messages(application_id=application.id)
    assert receipt.status == outbox.QUEUED and receipt.attempts == 0
    assert receipt.send_after == office_time("2026-12-01T07:00:00")
    [reply] = fresh_messages(id=reply_id)
    assert reply.status in (outbox.SENT, outbox.DELIVERED)
    assert simulator.messages(PHONE) == [] and len(simulator.messages(OTHER)) == 1
    [job_id] = ScheduledJobRegistry(queue=queues.queue(queues.HIGH)).get_job_ids()
    assert job_id.startswith(f"send-{receipt.id}-t")


def send_all_due(run_jobs):
    """Run what RQ's scheduler would start once the (moved) clock says it is due."""
    for name in queues.ORDER:
        target = queues.queue(name)
        registry = ScheduledJobRegistry(queue=target)
        for job_id in registry.get_job_ids():
            registry.remove(job_id)
            target.enqueue_job(target.fetch_job(job_id))
    run_jobs()


def test_a_message_sent_by_another_job_in_the_meantime_is_left_alone(app, settings, simulator):
    message_id = queue_reply()
    db.session.get(Message, message_id).status = outbox.SENT
    db.session.commit()

    assert send_message(message_id) == "skipped"
    assert simulator.stats().get("requests", 0) == 0
