"""Per-key rate limits in Redis (fixed windows): status lookups per phone or address so references cannot
be guessed, feedback so the inbox cannot be flooded, subscriptions typed for others so no phone is pestered.

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


def status_lookup(key: str, shared_by: int = 1) -> Verdict:
    """Count one lookup of a well-formed reference by `key`: a phone (USSD and SMS share the budget) or an
    address (the web, a kiosk). A key that `shared_by` people use, such as a lobby kiosk, gets that many
    times the budget.

    A reference refused for its format or check digit never reaches the database and is not counted here.
    """
    config = current_app.config
    return hit("status", key, config["STATUS_LOOKUP_LIMIT"] * shared_by, config["STATUS_LOOKUP_WINDOW"])


def status_attempt(phone: str) -> Verdict:
    """Count one status request by `phone`, typos included, against a higher cap that bounds brute force."""
    config = current_app.config
    return hit("status_attempt", phone, config["STATUS_ATTEMPT_LIMIT"], config["STATUS_LOOKUP_WINDOW"])


def feedback(key: str, shared_by: int = 1) -> Verdict:
    """Count one suggestion or complaint from `key`, a phone (USSD and SMS share the budget) or an address
    used by `shared_by` people."""
    config = current_app.config
    return hit("feedback", key, config["FEEDBACK_LIMIT"] * shared_by, config["FEEDBACK_WINDOW"])


# Someone who has a reference but not the applicant's phone has 10,000 possible endings to try: a few an hour
# per application keeps the staff's note out of reach of guessing.
PHONE_TAIL_LIMIT = 5
PHONE_TAIL_WINDOW = 3600


def phone_tail(reference: str) -> Verdict:
    """Count one try at the last digits of the phone of the application `reference`, from anywhere."""
    return hit("phone_tail", reference, PHONE_TAIL_LIMIT, PHONE_TAIL_WINDOW)


# Each subscription typed for a phone costs one confirmation SMS to it, so both the address typing and the
# phone receiving are bounded.
SUBSCRIBE_LIMIT = 5
SUBSCRIBE_WINDOW = 3600
CONFIRMATIONS_PER_PHONE = 3
CONFIRMATION_WINDOW = 86400


def subscription(key: str, shared_by: int = 1) -> Verdict:
    """Count one subscription typed from the address `key` (the web, a kiosk used by `shared_by` people)."""
    return hit("subscribe", key, SUBSCRIBE_LIMIT * shared_by, SUBSCRIBE_WINDOW)


def confirmation_sms(phone: str) -> Verdict:
    """Count one subscription confirmation SMS to `phone`, typed for it by someone else."""
    return hit("subscribe_phone", phone, CONFIRMATIONS_PER_PHONE, CONFIRMATION_WINDOW)


# A lobby kiosk hands out one ticket per citizen, so its budget is already the kiosk's, not a person's: 60 in
# ten minutes is a ticket every ten seconds, more than the office's three counters can call in a morning
# peak, yet it stops a child (or a script) pressing out the whole day's numbers.
QUEUE_TICKET_LIMIT = 60
QUEUE_TICKET_WINDOW = 600


def queue_ticket(key: str) -> Verdict:
    """Count one lobby queue ticket taken from the address `key` (a kiosk)."""
    return hit("queue_ticket", key, QUEUE_TICKET_LIMIT, QUEUE_TICKET_WINDOW)


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
