"""Sending a broadcast: fan out to chunk jobs, and send each chunk with one bulk request per text.

Every recipient has its own outbox row, so "exactly once per recipient" holds just as for a single
message: a chunk job claims its queued rows atomically, sends them in one provider call (AT takes many
recipients per request for one text), and records each recipient's answer. Rows that must be retried
come back as a new chunk job at their backoff time; rows held by quiet hours as one at the window's end.
"""
from collections import defaultdict
from datetime import datetime
from itertools import groupby

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select

import redis_guard
from extensions import db
from jobs import queues
from jobs import throttle
from jobs import timing
from jobs.send import provider
from jobs.send import record
from office import broadcasts
from office import citizens
from office import clock
from office import outbox
from office.models import Broadcast
from office.models import Message

FAN_OUT_TAG = "fanout"
# RQ's default of 180 s is too short for a rate-limited chunk; a killed chunk leaves rows for the sweeper.
MIN_CHUNK_TIMEOUT = 300


def start(broadcast_id: int, send_at: datetime, tag: str = FAN_OUT_TAG) -> bool:
    """Schedule the fan-out of a broadcast at its send time (now if due); `tag` names the job.

    Returns False when Redis cannot be reached; the sweeper starts the broadcast later in that case.
    """
    try:
        with redis_guard.guarded(rq=True) as client:
            queues.enqueue(queues.BULK, fan_out, broadcast_id, at=send_at,
                           job_id=queues.broadcast_job_id(broadcast_id, tag), client=client)
    except RedisError:
        current_app.logger.warning("could not schedule broadcast %s; the sweeper will start it", broadcast_id)
        return False
    return True


def start_committed(created: list[tuple[int, datetime]]) -> None:
    """Start the broadcasts a committed transaction created, given as (id, send time) pairs."""
    for broadcast_id, send_at in created:
        start(broadcast_id, send_at)


def fan_out(broadcast_id: int) -> int:
    """Write the broadcast's outbox rows and enqueue one job per chunk; returns how many rows were written."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != broadcasts.SCHEDULED:
        # Written already or cancelled: a stale job (the sweeper started it, or the clock moved) has nothing
        # to do, and must not sleep until a send time the clock may now put hours away.
        return 0
    now = clock.utcnow()
    if timing.worth_scheduling(broadcast.send_at, now):
        # Started early (the send time was moved, say): wait for the requested time.
        tag = f"{FAN_OUT_TAG}-{queues.at_tag(broadcast.send_at)}"
        queues.enqueue(queues.BULK, fan_out, broadcast_id, at=broadcast.send_at,
                       job_id=queues.broadcast_job_id(broadcast_id, tag))
        return 0
    timing.sleep_until(broadcast.send_at, now)
    written = broadcasts.materialize(broadcast_id)
    db.session.commit()
    if written:
        enqueue_chunks(broadcast_id, queued_rows(broadcast_id), tag="c")
    return written


def queued_rows(broadcast_id: int):
    """(id, text, segments) of the broadcast's queued rows."""
    return db.session.execute(select(Message.id, Message.text, Message.segments).where(
        Message.broadcast_id == broadcast_id, Message.status == outbox.QUEUED)).all()


def chunk_timeout(segments: int, size: int) -> int:
    """A job timeout long enough for a chunk to wait out the rate limit."""
    rate = throttle.rate()
    return MIN_CHUNK_TIMEOUT + (int(2 * size * segments / rate) if rate else 0)


def enqueue_chunks(broadcast_id: int, rows, *, tag: str, at: datetime | None = None) -> int:
    """Split rows (with .id, .text, .segments) into chunk jobs of SMS_CHUNK_SIZE, identical texts together.

    Returns how many jobs were enqueued.
    """
    size = current_app.config["SMS_CHUNK_SIZE"]
    by_text = defaultdict(list)
    for row in rows:
        by_text[(row.text, row.segments)].append(row.id)
    jobs = 0
    for (_text, segments), ids in by_text.items():
        ids.sort()
        for start in range(0, len(ids), size):
            chunk = ids[start:start + size]
            queues.enqueue(queues.BULK, send_chunk, broadcast_id, chunk, at=at,
                           job_id=queues.broadcast_job_id(broadcast_id, f"{chunk[0]}-{tag}"),
                           timeout=chunk_timeout(segments, len(chunk)))
            jobs += 1
    return jobs


def send_chunk(broadcast_id: int, message_ids: list[int]) -> dict:
    """Send the still-queued rows among `message_ids`; returns counts of what happened to them."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    outcome = {"settled": 0, "deferred": 0, "cancelled": 0, "retry": 0, "skipped": 0}
    if broadcast is None:
        return outcome
    if broadcast.status == broadcasts.CANCELLED:
        # record() cancels a retry of a cancelled broadcast, but one recorded while the cancel was being
        # committed can still be queued here.
        outcome["cancelled"] = outbox.cancel(message_ids, outbox.Reason.BROADCAST_CANCELLED)
        db.session.commit()
        outcome["skipped"] = len(message_ids) - outcome["cancelled"]
        return outcome
    rows = db.session.execute(
        select(Message.id, Message.phone, Message.text, Message.segments, Message.kind, Message.send_after)
        .where(Message.id.in_(message_ids), Message.status == outbox.QUEUED).order_by(Message.id)).all()
    outcome["skipped"] = len(message_ids) - len(rows)
    now = clock.utcnow()
    later, ready, soonest = defaultdict(list), [], now
    for row in rows:
        due = timing.due_time(row.kind, row.send_after, now, urgent=broadcast.urgent)
        if timing.worth_scheduling(due, now):
            later[due].append(row)
        else:
            ready.append(row)
            soonest = max(soonest, due)
    for due, held in later.items():
        outbox.hold_until([row.id for row in held], due)
        db.session.commit()
        enqueue_chunks(broadcast_id, held, tag=queues.at_tag(due), at=due)
        outcome["deferred"] += len(held)
    timing.sleep_until(soonest, now)
    stopped = citizens.opted_out_among({row.phone for row in ready})
    if stopped:
        outcome["cancelled"] = outbox.cancel([row.id for row in ready if row.phone in stopped],
                                             outbox.Reason.OPTED_OUT)
        db.session.commit()
        ready = [row for row in ready if row.phone not in stopped]
    chunk_size = current_app.config["SMS_CHUNK_SIZE"]
    for text, group in groupby(sorted(ready, key=lambda row: (row.text, row.id)), key=lambda row: row.text):
        group = list(group)
        size = throttle.batch_size(group[0].segments, chunk_size)
        for start in range(0, len(group), size):
            batch = group[start:start + size]
            throttle.wait_for(len(batch) * batch[0].segments)
            claimed = outbox.claim([row.id for row in batch], clock.utcnow())
            if not claimed:
                outcome["skipped"] += len(batch)
                continue
            recorded = record(claimed, provider().send(text, [row.phone for row in claimed],
                                                       message_ids=[row.id for row in claimed]))
            outcome["settled"] += len(claimed) - len(recorded.retry)
            outcome["retry"] += len(recorded.retry)
            if recorded.retry:
                retrying = set(recorded.retry)
                attempt = max(row.attempts for row in claimed)
                again = [row for row in batch if row.id in retrying]
                enqueue_chunks(broadcast_id, again, tag=f"a{attempt}", at=recorded.retry_at)
    broadcasts.finish_if_done(broadcast_id)
    db.session.commit()
    return outcome
