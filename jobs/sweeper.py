"""The sweeper: makes sure nothing in the outbox is forgotten, and nothing is sent twice by guessing.

Run periodically (see jobs/schedule.py), in two passes.

The redispatch pass, every REDISPATCH_INTERVAL_SECONDS, enqueues the rows whose enqueue failed after
their commit: the outbox marks them (enqueue_failed_at) when Redis was unreachable. Why marks in the
database and a pass in the worker: the database is the truth, so the rows wait there even if the web
process that wrote them dies; the worker needs Redis anyway and runs the pass as soon as Redis answers
again, so nothing depends on the web remembering what failed or on a request coming after the outage.
Waiting for the housekeeping grace instead would hold a reply for minutes. A marked row has no job,
unless Redis ran the enqueue and only its answer was lost: then it has two, and the claim in jobs.send
lets only one of them send it.

The housekeeping pass:

* re-enqueues rows stuck in `queued` (due for longer than SEND_QUEUED_GRACE_SECONDS, no job in Redis
  waiting for them): a Redis flush or restart, a process that died between commit and enqueue, a job
  that died before claiming;
* marks rows stuck in `sending` longer than SEND_SENDING_GRACE_SECONDS (longer than any provider call
  may take, so their job is gone) `unknown`: the worker died between claiming and recording, so nobody
  knows whether the telco took the message. They are listed for staff and never re-sent: a citizen must
  not get "ready for pickup" twice, and an announcement must not cost twice. A provider answer that
  still arrives later (a slow call outliving the grace period) settles the row as usual. The office's
  modem (gateway.gammu) is the exception: it knows each message by its Lekas id, so such rows are sent
  again and the provider records the message it already has instead of sending it twice;
* marks `sent` rows with no delivery report after DLR_TIMEOUT_HOURS: they stay `sent` (a late report can
  still move them on) with last_error "no delivery report", so figures can show them;
* deletes delivery reports that never matched a message after DLR_UNMATCHED_KEEP_HOURS;
* starts scheduled broadcasts whose fan-out job was lost, and closes broadcasts with nothing left to send;
* closes inbox tickets followed up 10 working days ago that the citizen never answered (office.inbox).
"""
import logging
from datetime import datetime
from datetime import timedelta

from flask import current_app
from rq.job import Job
from sqlalchemy import or_
from sqlalchemy import select

from extensions import db
from gateway.sms_provider import resends_safely
from jobs import broadcasts as broadcast_jobs
from jobs import queues
from jobs.send import queue_name
from jobs.send import send_message
from office import broadcasts
from office import clock
from office import delivery
from office import inbox
from office import outbox
from office.models import Broadcast
from office.models import Message

log = logging.getLogger(__name__)

MAX_REQUEUE = 50_000
# What enqueueing a row again needs (broadcast chunks are sized by text and segments).
_REQUEUE_COLUMNS = (Message.id, Message.broadcast_id, Message.priority, Message.text, Message.segments)


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=current_app.config[name])


def sweep() -> dict:
    """One pass of every check above; returns what each changed."""
    now = clock.utcnow()
    report = settle_stale_sending(now)
    covered_messages, covered_broadcasts = covered_work(current_app.config["SEND_QUEUED_GRACE_SECONDS"])
    report["requeued"] = requeue_stale_queued(now, covered_messages)
    report["broadcasts_started"] = start_lost_broadcasts(now, covered_broadcasts)
    report["no_delivery_report"] = mark_missing_reports(now)
    report["reports_purged"] = delivery.purge_unmatched(timedelta(hours=current_app.config["DLR_UNMATCHED_KEEP_HOURS"]))
    report["tickets_closed"] = inbox.close_unanswered(now)
    db.session.commit()
    sending = list(db.session.scalars(select(Broadcast.id).where(Broadcast.status == broadcasts.SENDING)))
    report["broadcasts_finished"] = 0
    for broadcast_id in sending:
        report["broadcasts_finished"] += broadcasts.finish_if_done(broadcast_id)
        db.session.commit()
    if any(report.values()):
        log.info("sweep: %s", report)
    return report


def settle_stale_sending(now: datetime) -> dict:
    """Rows left in `sending` past the grace period become `unknown`, never sent again; with a provider
    that recognises a message it already took (the office's modem), they are sent again instead."""
    older_than = now - _seconds("SEND_SENDING_GRACE_SECONDS")
    if not resends_safely(current_app.config):
        unknown = outbox.settle_unknown(older_than, now)
        db.session.commit()
        return {"sending_to_unknown": unknown}
    again = outbox.send_again_stale_sending(older_than, now)
    db.session.commit()
    if again:
        rows = db.session.execute(select(*_REQUEUE_COLUMNS).where(Message.id.in_(again))).all()
        _enqueue_again(rows, tag="u" + queues.at_tag(now))
        log.warning("sending %d messages again whose worker stopped during the provider call", len(again))
    return {"sending_again": len(again)}


def covered_work(within: float) -> tuple[set[int], set[int]]:
    """Message ids and broadcast ids (fan-out) that a job in Redis will take care of within `within` seconds."""
    messages, fan_outs, broadcast_jobs_ids = set(), set(), []
    for job_id in queues.pending_job_ids(within):
        kind, _, rest = job_id.partition("-")
        number = rest.partition("-")[0]
        if kind == "send" and number.isdigit():
            messages.add(int(number))
        elif kind == "bc":
            broadcast_jobs_ids.append(job_id)
    for job in Job.fetch_many(broadcast_jobs_ids, connection=queues.connection()):
        if job is None:
            continue
        if job.func_name == f"{broadcast_jobs.__name__}.send_chunk":
            messages.update(job.args[1])
        elif job.func_name == f"{broadcast_jobs.__name__}.fan_out":
            fan_outs.add(job.args[0])
    return messages, fan_outs


def requeue_failed_enqueues(now: datetime) -> int:
    """Enqueue the queued rows whose enqueue failed, without waiting for the grace period; returns how many."""
    rows = db.session.execute(
        select(*_REQUEUE_COLUMNS)
        .where(Message.status == outbox.QUEUED, Message.enqueue_failed_at.is_not(None))
        .order_by(Message.id).limit(MAX_REQUEUE)).all()
    if not rows:
        return 0
    _enqueue_again(rows, tag="r" + queues.at_tag(now))
    # Unmarked only now: a pass that dies before this leaves them marked, and the next one enqueues them.
    outbox.mark_requeued([row.id for row in rows])
    db.session.commit()
    log.warning("enqueued %d queued messages whose enqueue had failed", len(rows))
    return len(rows)


def requeue_stale_queued(now: datetime, covered: set[int]) -> int:
    """Enqueue again the queued rows that are overdue and that no waiting job holds; returns how many."""
    cutoff = now - _seconds("SEND_QUEUED_GRACE_SECONDS")
    rows = db.session.execute(
        select(*_REQUEUE_COLUMNS)
        .where(Message.direction == "out", Message.status == outbox.QUEUED, Message.updated_at < cutoff,
               or_(Message.send_after.is_(None), Message.send_after < cutoff))
        .order_by(Message.id).limit(MAX_REQUEUE)).all()
    lost = [row for row in rows if row.id not in covered]
    if not lost:
        return 0
    # Touched, they count as stale again only if another grace period passes without their new job running;
    # unmarked, the redispatch pass leaves them to that job.
    outbox.mark_requeued([row.id for row in lost], now)
    db.session.commit()
    _enqueue_again(lost, tag="s" + queues.at_tag(now))
    log.warning("re-enqueued %d queued messages that had no job", len(lost))
    return len(lost)


def _enqueue_again(rows, tag: str) -> None:
    """Give queued `rows` new jobs whose ids end in `tag`: one per message, chunks for broadcast rows."""
    by_broadcast: dict[int, list] = {}
    for row in rows:
        if row.broadcast_id is None:
            queues.enqueue(queue_name(row), send_message, row.id,
                           job_id=queues.send_job_id(row.id, tag))
        else:
            by_broadcast.setdefault(row.broadcast_id, []).append(row)
    for broadcast_id, group in by_broadcast.items():
        broadcast_jobs.enqueue_chunks(broadcast_id, group, tag=tag)


def start_lost_broadcasts(now: datetime, covered: set[int]) -> int:
    """Start scheduled broadcasts that are overdue and whose fan-out job is gone."""
    cutoff = now - _seconds("SEND_QUEUED_GRACE_SECONDS")
    started = 0
    for broadcast in db.session.scalars(select(Broadcast).where(
            Broadcast.status == broadcasts.SCHEDULED, Broadcast.send_at < cutoff)):
        if broadcast.id not in covered:
            started += broadcast_jobs.start(broadcast.id, broadcast.send_at,
                                            tag=f"{broadcast_jobs.FAN_OUT_TAG}-s{queues.at_tag(now)}")
    return started


def mark_missing_reports(now: datetime) -> int:
    """Flag `sent` rows whose delivery report never came within DLR_TIMEOUT_HOURS."""
    changed = outbox.flag_missing_reports(now - timedelta(hours=current_app.config["DLR_TIMEOUT_HOURS"]))
    db.session.commit()
    return changed
