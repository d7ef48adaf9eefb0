"""Redis on the request path: a time budget per request and a breaker per process.

Webhooks and the API use Redis only as a helper: the USSD session cache, rate limits, duplicate
fingerprints and the job queue. The database is the truth, and each of those callers already has an
answer for "Redis is unreachable". A Redis that is down refuses connections at once; one that is paused
(stopped by a signal, swapping, a stalled host) accepts them and never answers, so every call would
wait out its timeout, and a USSD hop makes several calls. Two rules keep that short:

* The budget: a request waits for Redis REDIS_REQUEST_BUDGET_SECONDS in all. The request-path clients
  time out after that long and never retry, and once a request has used its budget its further calls
  are skipped. A call that starts just before the budget runs out may still wait its whole timeout, so
  a request waits at most about twice the budget.
* The breaker: a call that cannot reach Redis (a timeout, a refused connection) opens this process's
  breaker for REDIS_BREAKER_SECONDS, and meanwhile every call is skipped at once. Then one call goes
  through as a trial while the others keep skipping: if it reaches Redis the breaker closes, if not it
  stays open for another period. A paused Redis thus costs each process one short wait per period.

A skipped call raises Skipped, a RedisError, so the caller's fallback runs as if Redis were down.
Outside a request (worker jobs, commands) `guarded` gives the ordinary clients with neither budget nor
breaker: a job may wait for Redis, nobody is waiting for its answer.
"""
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from redis import Redis
from redis import exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

# Errors that say Redis could not be reached; any other error means it answered.
UNREACHABLE = (exceptions.ConnectionError, exceptions.TimeoutError)

log = logging.getLogger(__name__)


class Skipped(exceptions.RedisError):
    """Redis was not called: the breaker is open or the request has used its budget."""


class Breaker:
    """Open for `seconds` after a failed call, then one trial call at a time; shared by a process's threads."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._retry_at = 0.0  # time.monotonic() at which the next trial may start; 0.0 while closed
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """True when a call may go to Redis now (the breaker is closed, or this call is the trial)."""
        with self._lock:
            if not self._retry_at:
                return True
            now = time.monotonic()
            if now < self._retry_at:
                return False
            # This call is the trial: the others keep skipping until it has an answer.
            self._retry_at = now + self.seconds
            return True

    def record(self, reached: bool) -> None:
        """Close the breaker after a call that reached Redis, open it after one that did not."""
        with self._lock:
            was_open = bool(self._retry_at)
            self._retry_at = 0.0 if reached else time.monotonic() + self.seconds
        if was_open and reached:
            log.info("Redis answers again")
        elif not was_open and not reached:
            log.warning("Redis unreachable; requests skip it for the next %.1f s", self.seconds)


def init_app(app: Flask) -> None:
    """Create the request-path clients (decoded, and bytes for RQ) and the breaker; start each request's budget."""
    budget = app.config["REDIS_REQUEST_BUDGET_SECONDS"]
    quick = {"socket_timeout": budget, "socket_connect_timeout": budget, "retry": Retry(NoBackoff(), 0)}
    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"], decode_responses=True, **quick)
    app.extensions["rq_redis_request"] = Redis.from_url(app.config["REDIS_URL"], **quick)
    app.extensions["redis_breaker"] = Breaker(app.config["REDIS_BREAKER_SECONDS"])
    app.before_request(_start_budget)


def _start_budget() -> None:
    # On g, which a request shares with an app context pushed around it (tests do): reset it per request.
    g.redis_spent = 0.0


@contextmanager
def guarded(rq: bool = False) -> Iterator[Redis]:
    """Make Redis calls in the block with the client for this context: decoded strings, or bytes for RQ.

    In a request the block is charged to the request's budget and its outcome goes to the breaker.

    :raise Skipped: on entering the block, when the breaker is open or the request has used its budget.
    """
    if not has_request_context():
        yield current_app.extensions["rq_redis" if rq else "redis"]
        return
    spent = g.get("redis_spent", 0.0)
    if spent >= current_app.config["REDIS_REQUEST_BUDGET_SECONDS"]:
        raise Skipped("this request has used its Redis budget")
    breaker = current_app.extensions["redis_breaker"]
    if not breaker.admit():
        raise Skipped("Redis was unreachable moments ago")
    started = time.monotonic()
    reached = True
    try:
        yield current_app.extensions["rq_redis_request" if rq else "redis"]
    except UNREACHABLE:
        reached = False
        raise
    finally:
        g.redis_spent = spent + time.monotonic() - started
        breaker.record(reached)
