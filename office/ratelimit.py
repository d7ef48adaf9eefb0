"""Per-key rate limits in Redis (fixed windows): status lookups per phone so references cannot be guessed,
feedback per phone so the inbox cannot be flooded.

A refusal must not cost the office an SMS each time: `Verdict.first_refusal` is true only for the first
refused attempt of a window, so a channel that answers by SMS says "too many" once and then stays quiet.
"""
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError

import redis_guard


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)
    first_refusal: bool = False  # the first attempt of this window to be refused


def status_lookup(phone: str) -> Verdict:
    """Count one lookup of a well-formed reference by `phone` (USSD and SMS share the budget).

    A reference refused for its format or check digit never reaches the database and is not counted here.
    """
    config = current_app.config
    return hit("status", phone, config["STATUS_LOOKUP_LIMIT"], config["STATUS_LOOKUP_WINDOW"])


def status_attempt(phone: str) -> Verdict:
    """Count one status request by `phone`, typos included, against a higher cap that bounds brute force."""
    config = current_app.config
    return hit("status_attempt", phone, config["STATUS_ATTEMPT_LIMIT"], config["STATUS_LOOKUP_WINDOW"])


def feedback(phone: str) -> Verdict:
    """Count one suggestion or complaint from `phone` (USSD and SMS share the budget)."""
    config = current_app.config
    return hit("feedback", phone, config["FEEDBACK_LIMIT"], config["FEEDBACK_WINDOW"])


def hit(scope: str, key: str, limit: int, window: int) -> Verdict:
    """Count one attempt for `key` in `scope`; allowed while at most `limit` attempts fall in `window` seconds.

    When Redis cannot be reached the attempt is allowed: a citizen's lookup matters more than the limit.
    """
    name = f"ratelimit:{scope}:{key}"
    try:
        with redis_guard.guarded() as redis, redis.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = pipe.execute()
    except RedisError:
        return Verdict(True, 0)
    if count <= limit:
        return Verdict(True, 0)
    return Verdict(False, max(int(ttl), 1), first_refusal=count == limit + 1)
