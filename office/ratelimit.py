"""Per-key rate limits in Redis (fixed windows), e.g. status lookups per phone so references cannot be guessed."""
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


def status_lookup(phone: str) -> Verdict:
    """Count one status lookup by `phone` (USSD and SMS share the budget), so references cannot be guessed."""
    config = current_app.config
    return hit("status", phone, config["STATUS_LOOKUP_LIMIT"], config["STATUS_LOOKUP_WINDOW"])


def hit(scope: str, key: str, limit: int, window: int) -> Verdict:
    """Count one attempt for `key` in `scope`; allowed while at most `limit` attempts fall in `window` seconds.

    When Redis cannot be reached the attempt is allowed: a citizen's lookup matters more than the limit.
    """
    name = f"ratelimit:{scope}:{key}"
    client = current_app.extensions["redis"]
    try:
        with client.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = pipe.execute()
    except RedisError:
        return Verdict(True, 0)
    if count <= limit:
        return Verdict(True, 0)
    return Verdict(False, max(int(ttl), 1))
