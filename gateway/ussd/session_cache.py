"""USSD session state in Redis, keyed by AT's sessionId and kept a little longer than AT's 180 s session.

Redis is a cache here, not the truth: a session is a function of its inputs (gateway.ussd.engine), so a lost
or unreadable entry only means replaying the inputs. Every failure reads as "nothing saved".
"""
import hashlib
import json
import logging
from collections.abc import Container
from dataclasses import dataclass

from redis.exceptions import RedisError

import redis_guard
from gateway.ussd.engine import State

TTL_SECONDS = 200
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saved:
    """What the last hop of a session left: the inputs it had seen, the state after them, its reply."""

    text: str
    state: State
    reply: str


def _key(session_id: str) -> str:
    # Hashed: a session id is whatever the caller sent, of any length.
    return "ussd:session:" + hashlib.sha256(session_id.encode()).hexdigest()


def load(session_id: str, phone: str, screens: Container[str]) -> Saved | None:
    """The saved hop of `session_id`, or None when there is none, it belongs to another phone, or Redis fails.

    A saved state that names a screen not among `screens` (the menu's) reads as none too.
    """
    try:
        with redis_guard.guarded() as redis:
            raw = redis.get(_key(session_id))
    except RedisError:
        log.warning("USSD session cache unreachable; replaying inputs", exc_info=True)
        return None
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if data["phone"] != phone:
            return None
        state = State.from_json(data["state"], screens)
        return Saved(text=str(data["text"]), state=state, reply=str(data["reply"]))
    except (ValueError, KeyError, TypeError):
        return None


def save(session_id: str, phone: str, text: str, state: State, reply: str) -> None:
    """Remember this hop for the next one; a Redis failure is logged and otherwise ignored."""
    data = json.dumps({"phone": phone, "text": text, "state": state.to_json(), "reply": reply})
    try:
        with redis_guard.guarded() as redis:
            redis.set(_key(session_id), data, ex=TTL_SECONDS)
    except RedisError:
        log.warning("USSD session cache unreachable; state not saved", exc_info=True)
