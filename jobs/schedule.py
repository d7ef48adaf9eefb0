"""Periodic housekeeping (the sweeper and reminders) through RQ's scheduler, that survives losing Redis.

Why this shape: `housekeeping()` is an ordinary job that, first thing, schedules its own next run in
RQ's scheduler under an id made from the time slot (`housekeeping-<n>`, n = epoch // interval), as a
unique job. Two chains that meet in the same slot become one, so however many workers start, one
pass runs per interval. What RQ's own Repeat or a job with a fixed id cannot do is come back after a
Redis flush or restart, which loses every scheduled job; so every worker also calls `ensure()` at start
and on each maintenance pass (WORKER_MAINTENANCE_SECONDS), which enqueues a pass at once when no
housekeeping job is waiting, running or due soon. The same check covers RQ's scheduler lock being held
for about a minute by a worker that was killed: passes keep coming from the maintenance check meanwhile.
"""
import logging
import time
from datetime import UTC
from datetime import datetime

from flask import current_app
from rq.registry import ScheduledJobRegistry
from rq.registry import StartedJobRegistry

from jobs import queues
from jobs import reminders
from jobs import sweeper

PREFIX = "housekeeping-"

log = logging.getLogger(__name__)


def interval() -> float:
    return current_app.config["SWEEP_INTERVAL_SECONDS"]


def housekeeping() -> dict:
    """One periodic pass: keep the chain going, sweep the outbox, send due reminders."""
    schedule_next()
    report = sweeper.sweep()
    report["reminders"] = reminders.remind_ready()
    return report


def schedule_next() -> bool:
    """Schedule the pass of the next time slot (nothing if it is already scheduled)."""
    every = interval()
    slot = int(time.time() // every) + 1
    return queues.enqueue(queues.DEFAULT, housekeeping, job_id=f"{PREFIX}{slot}",
                          real_at=datetime.fromtimestamp(slot * every, UTC), result_ttl=int(every * 10) + 60)


def alive() -> bool:
    """True when a housekeeping pass is waiting, running, or scheduled and not overdue."""
    target = queues.queue(queues.DEFAULT)
    if any(job_id.startswith(PREFIX) for job_id in target.get_job_ids()):
        return True
    if any(job_id.startswith(PREFIX) for job_id in StartedJobRegistry(queue=target).get_job_ids(cleanup=False)):
        return True
    overdue = time.time() - 2 * interval() - 5
    scheduled = queues.connection().zrange(ScheduledJobRegistry(queue=target).key, 0, -1, withscores=True)
    return any(job_id.decode().startswith(PREFIX) and when >= overdue for job_id, when in scheduled)


def ensure() -> bool:
    """Start a housekeeping pass now unless one is on its way; True if one was started."""
    if alive():
        return False
    started = queues.enqueue(queues.DEFAULT, housekeeping, job_id=f"{PREFIX}now-{int(time.time())}",
                             result_ttl=int(interval() * 10) + 60)
    if started:
        log.info("housekeeping was not scheduled; started a pass now")
    return started
