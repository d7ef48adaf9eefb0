"""USSD session state in Redis, keyed by AT's sessionId and kept a little longer than AT's 180 s session.

Redis is a cache here, not the truth: a session is a function of its inputs (gateway.ussd.engine), so a lost
or unreadable entry only means replaying the inputs. Every failure reads as "nothing saved".

A hop makes one round trip to load (the session and the phone's cached language, office.language_cache)
and one to save (the session, and the language when the hop had to read it from the database).
"""
import hashlib
import json
import logging
from collections.abc import Container
from dataclasses import dataclass

from redis.exceptions import RedisError

import redis_guard
from gateway.ussd.engine import State
from office import language_cache

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


@dataclass(frozen=True)
class Loaded:
    """What a hop finds in Redis: the session's last hop, and the phone's cached language."""

    saved: Saved | None
    language: str | None  # as office.language_cache holds it; None when it is not cached or Redis failed


def load(session_id: str, phone: str, screens: Container[str]) -> Loaded:
    """The saved hop of `session_id` and `phone`'s cached language, in one round trip.

    The saved hop is None when there is none, it belongs to another phone, it names a screen not among
    `screens` (the menu's), or Redis fails.
    """
    try:
        with redis_guard.guarded() as redis:
            raw, language = redis.mget(_key(session_id), language_cache.key(phone))
    except RedisError:
        log.warning("USSD session cache unreachable; replaying inputs", exc_info=True)
        return Loaded(None, None)
    return Loaded(_saved(raw, phone, screens), language)


def _saved(raw: str | None, phone: str, screens: Container[str]) -> Saved | None:
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


def save(session_id: str, phone: str, text: str, state: State, reply: str, language: str | None = None) -> None:
    """Remember this hop for the next one, and cache `language` for the phone when it was read from the database.

    A Redis failure is logged and otherwise ignored.
    """
    data = json.dumps({"phone": phone, "text": text, "state": state.to_json(), "reply": reply})
    try:
        with redis_guard.guarded() as redis, redis.pipeline(transaction=False) as pipe:
            pipe.set(_key(session_id), data, ex=TTL_SECONDS)
            if language is not None:
                language_cache.fill(pipe, phone, language)
            pipe.execute()
    except RedisError:
        log.warning("USSD session cache unreachable; state not saved", exc_info=True)
