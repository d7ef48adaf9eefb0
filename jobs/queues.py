"""The RQ queues and the one place jobs are put on them.

Replies and status notifications go on `high`, broadcasts on `bulk`, housekeeping on `default`; a worker
always empties `high` first, so a citizen's answer never waits behind a large announcement.

Job ids say what a job is for, so the sweeper can tell which outbox rows Redis still holds work for:
`send-<message id>[-<tag>]` sends one message, `bc-<broadcast id>-<tag>` works on a broadcast.
"""
import logging
import math
import time
from datetime import UTC
from datetime import datetime

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry

import redis_guard
from office import clock

HIGH = "high"
DEFAULT = "default"
BULK = "bulk"
ORDER = (HIGH, DEFAULT, BULK)
RESULT_TTL = 600
# By name, so the queues do not import the job that imports them (RQ resolves it in the worker).
SEND_MESSAGE = "jobs.send.send_message"
FAILURE_TTL = 7 * 24 * 3600

log = logging.getLogger(__name__)


def connection() -> Redis:
    """The Redis client for RQ in jobs and workers (bytes, not decoded strings: RQ stores pickles)."""
    return current_app.extensions["rq_redis"]


def queue(name: str, client: Redis | None = None) -> Queue:
    """Queue `name` on `client`, by default the jobs' and workers' connection()."""
    return Queue(name, connection=connection() if client is None else client)


def send_job_id(message_id: int, tag: str | None = None) -> str:
    return f"send-{message_id}-{tag}" if tag else f"send-{message_id}"


def broadcast_job_id(broadcast_id: int, tag: str) -> str:
    return f"bc-{broadcast_id}-{tag}"


def at_tag(at: datetime) -> str:
    """A job-id tag for work due at naive-UTC `at`, so scheduling the same thing twice is one job."""
    return f"t{int(at.replace(tzinfo=UTC).timestamp())}"


def enqueue_messages(pending: list[tuple[int, str]]) -> bool:
    """Put send jobs for committed outbox rows on their queues; False when Redis did not take them.

    On the request path the calls are guarded (redis_guard): an unreachable Redis costs a request one
    short wait at most. A Redis failure is logged, not raised: the rows are committed, and the outbox
    marks them for a worker to enqueue once Redis answers.
    """
    try:
        with redis_guard.guarded(rq=True) as client, client.pipeline() as pipe:
            for message_id, priority in pending:
                queue(HIGH if priority == "high" else BULK, client).enqueue(
                    SEND_MESSAGE, message_id, job_id=send_job_id(message_id), pipeline=pipe,
                    result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
                )
            pipe.execute()
    except RedisError:
        log.warning("could not enqueue %d messages; a worker enqueues them once Redis answers", len(pending),
                    exc_info=True)
        return False
    return True


def enqueue(name: str, func, *args, job_id: str, at: datetime | None = None,
            real_at: datetime | None = None, client: Redis | None = None, **options) -> bool:
    """Run `func(*args)` on queue `name` under a unique id: now, at naive-UTC `at` on the office clock,
    or at the aware real moment `real_at`; through `client`, by default connection().

    Returns False when Redis still knows a job with that id (waiting, scheduled, running, or finished
    less than result_ttl ago): ids name the work, so asking twice for the same work enqueues it once.
    """
    result_ttl = options.pop("result_ttl", RESULT_TTL)
    if real_at is None and at is not None and at > clock.utcnow():
        real_at = clock.real_time(at)
    if real_at is not None:
        # RQ keeps whole seconds and would start the job up to a second early; round up instead.
        real_at = datetime.fromtimestamp(math.ceil(real_at.timestamp()), UTC)
    target = queue(name, client)
    job = target.create_job(func, args=args, job_id=job_id, result_ttl=result_ttl, failure_ttl=FAILURE_TTL,
                            status=JobStatus.SCHEDULED if real_at else JobStatus.QUEUED, **options)
    try:
        # Queue.enqueue_at ignores unique=True in rq 2.12, so scheduling goes through schedule_job.
        if real_at is not None:
            target.schedule_job(job, real_at, unique=True)
        else:
            target.enqueue_job(job, unique=True)
    except DuplicateJobError:
        return False
    return True


def pending_job_ids(scheduled_within: float) -> set[str]:
    """Ids of jobs waiting in a queue, or scheduled to start within `scheduled_within` real seconds.

    Running jobs are not included. A job scheduled further ahead does not count: after the office
    clock was moved (a drill) or quiet hours were turned off, its rows may be due long before it runs.
    """
    ids: set[str] = set()
    horizon = time.time() + scheduled_within
    for name in ORDER:
        target = queue(name)
        ids.update(target.get_job_ids())
        registry = ScheduledJobRegistry(queue=target)
        ids.update(job_id.decode() for job_id in connection().zrangebyscore(registry.key, "-inf", horizon))
    return ids
