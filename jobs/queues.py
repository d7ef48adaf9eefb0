"""The RQ queues and the one place jobs are put on them.

Replies and status notifications go on `high`, broadcasts on `bulk`; a worker always empties `high`
first, so a citizen's answer never waits behind a large announcement.
"""
import logging

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

HIGH = "high"
DEFAULT = "default"
BULK = "bulk"
ORDER = (HIGH, DEFAULT, BULK)

log = logging.getLogger(__name__)


def connection() -> Redis:
    """The Redis client for RQ (bytes, not decoded strings: RQ stores pickles)."""
    return current_app.extensions["rq_redis"]


def queue(name: str) -> Queue:
    return Queue(name, connection=connection())


def enqueue_messages(pending: list[tuple[int, str]]) -> None:
    """Put send jobs for committed outbox rows on their queues.

    A Redis failure is logged, not raised: the rows are committed and the sweeper enqueues them later.
    """
    from jobs.send import send_message

    try:
        with connection().pipeline() as pipe:
            for message_id, priority in pending:
                queue(HIGH if priority == "high" else BULK).enqueue(
                    send_message, message_id, job_id=f"send-{message_id}", pipeline=pipe,
                    result_ttl=600, failure_ttl=7 * 24 * 3600,
                )
            pipe.execute()
    except RedisError:
        log.warning("could not enqueue %d messages; the sweeper will retry", len(pending), exc_info=True)
