"""Sending outbox rows through the SMS provider, each row at most once.

A row is sent only by the job that moves it from `queued` to `sending` in one conditional UPDATE, so
two workers, or a retry racing a re-enqueue, can never both send it. Before that, the job checks that
the row is due (retry backoff, the status collapse window, quiet hours) and that the phone has not
opted out since the row was queued.

Each provider answer is recorded right after the call: accepted -> `sent` with AT's id; permanent
failure -> `failed` (a blacklisted number is also opted out); retryable -> back to `queued` with a
backoff, re-scheduled through RQ's scheduler, until SEND_MAX_ATTEMPTS, then `failed`. A worker that dies
during the call leaves the row in `sending`; the sweeper settles it (never by sending again).

Cancelling a broadcast cancels only its queued rows; rows in a provider call at that moment are not
touched. If that call asks for a retry, the row is cancelled instead, and a job that still finds queued
rows of a cancelled broadcast cancels them rather than sending: nothing goes out after the cancel.
"""
from flask import current_app

from extensions import db
from gateway.sms_provider import from_config as provider_from_config
from jobs import queues
from jobs import throttle
from jobs import timing
from office import broadcasts
from office import citizens
from office import clock
from office import delivery
from office import optout
from office import outbox
from office.models import Broadcast
from office.models import Message
from office.outbox import Kind
from office.outbox import Outcome
from office.outbox import Reason

_PROVIDER_SETTINGS = ("SMS_PROVIDER", "AT_USERNAME", "AT_API_KEY", "AT_SENDER_ID", "AT_API_URL", "SIMULATOR_PORT",
                      "SMS_SHORTCODE", "SMS_CHUNK_SIZE", "SMS_TIMEOUT", "SMS_RATE_LIMIT", "GAMMU_DATABASE_URL",
                      "GAMMU_PHONE_ID", "GAMMU_SEND_RATE")


def provider():
    """The configured SMS provider, built once per process and again only if its settings change.

    The provider splits sends into requests of SMS_CHUNK_SIZE itself, so it must follow that setting:
    a chunk job then makes exactly one request.
    """
    settings = tuple(current_app.config.get(name) for name in _PROVIDER_SETTINGS)
    cached = current_app.extensions.get("sms_provider")
    if cached is None or cached[0] != settings:
        cached = current_app.extensions["sms_provider"] = (settings, provider_from_config(current_app.config))
    return cached[1]


def record(claimed: list[outbox.Claimed], answers: list) -> outbox.Recorded:
    """Store the provider's answers (office.outbox.record), opt out the numbers the telco refuses, commit,
    then apply delivery reports that arrived before the send was recorded (AT can be that quick)."""
    recorded = outbox.record(claimed, answers, max_attempts=current_app.config["SEND_MAX_ATTEMPTS"],
                             retry_delay=timing.backoff)
    for phone in recorded.opt_out:
        optout.stop_all(phone)
    db.session.commit()
    accepted = [a.provider_id for a in answers if a.outcome == Outcome.ACCEPTED and a.provider_id]
    if delivery.apply_early_reports(accepted):
        db.session.commit()
    return recorded


def queue_name(message) -> str:
    """The RQ queue that sends `message` (a row, or any object with its priority)."""
    return queues.HIGH if message.priority == outbox.Priority.HIGH else queues.BULK


def _cancel(message: Message, reason: Reason) -> str:
    outbox.cancel([message.id], reason)
    db.session.commit()
    return outbox.CANCELLED


def send_message(message_id: int) -> str:
    """Send one queued outgoing message if it is due; returns what became of it.

    "skipped" (not queued any more: another job has it or it is settled), "deferred" (re-scheduled for
    later), "cancelled", or the state after the provider call.
    """
    message = db.session.get(Message, message_id)
    if message is None or message.direction != "out" or message.status != outbox.QUEUED:
        return "skipped"
    if message.kind == Kind.STATUS and message.application_id and outbox.is_superseded(message):
        return _cancel(message, Reason.SUPERSEDED)
    broadcast = db.session.get(Broadcast, message.broadcast_id) if message.broadcast_id else None
    if broadcast is not None and broadcast.status == broadcasts.CANCELLED:
        return _cancel(message, Reason.BROADCAST_CANCELLED)
    now = clock.utcnow()
    urgent = broadcast is not None and broadcast.urgent
    due = timing.due_time(message.kind, message.send_after, now, urgent=urgent)
    if timing.worth_scheduling(due, now):
        outbox.hold_until([message.id], due)
        db.session.commit()
        queues.enqueue(queue_name(message), send_message, message.id, at=due,
                       job_id=queues.send_job_id(message.id, queues.at_tag(due)))
        return "deferred"
    timing.sleep_until(due, now)
    if message.kind != Kind.OPTOUT and citizens.is_opted_out(message.phone):
        return _cancel(message, Reason.OPTED_OUT)
    if message.kind == Kind.STATUS and message.application_id:
        outbox.cancel_older_status(message)
        db.session.commit()
    text, phone, link_id, queue = message.text, message.phone, message.link_id, queue_name(message)
    throttle.wait_for(message.segments)
    claimed = outbox.claim([message_id], clock.utcnow())
    if not claimed:
        return "skipped"
    if link_id:
        answers = [provider().send_premium(text, phone, link_id, message_id=message_id)]
    else:
        answers = provider().send(text, [phone], message_ids=[message_id])
    recorded = record(claimed, answers)
    if recorded.retry:
        queues.enqueue(queue, send_message, message_id, at=recorded.retry_at,
                       job_id=queues.send_job_id(message_id, f"a{claimed[0].attempts}"))
    return db.session.get(Message, message_id).status
