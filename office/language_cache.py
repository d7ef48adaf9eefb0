"""Each phone's language, cached in Redis, so that a channel can learn it without reading the database.

A USSD hop with no saved state (a new session, or one Redis lost) must know the phone's language before it
shows anything; without this cache that is the only database read of a hop that only navigates. The
channel fetches the cached value in the same round trip as its session, and on a miss reads the database
and fills the cache when it saves the session. Three rules keep the cache true to the citizens table:

* Every committed insert of a citizen and change of a citizen's language is written to the cache, whoever
  made it (a USSD choice, SMS BAHASA, the first SMS of a new phone): a mapper event notes the change and
  office.after_commit hands it on once the transaction is stored, so a rolled-back change is never cached.
* A fill never overwrites: it is a SET NX, a change a plain SET. A reader that read the database before a
  change committed thus leaves the change in place, whichever of the two reaches Redis first.
* Entries last TTL_SECONDS. That bounds how long a value stays stale when Redis could not be written after
  a change (it was unreachable just then), or after a change rolled back only by a savepoint, which the
  after-commit seam still hands on (no savepoint touches citizens today).

"" stands for a phone the office has no record of: its reader takes DEFAULT_LANGUAGE.
"""
import logging

from redis.client import Pipeline
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy import inspect

import redis_guard
from office import after_commit
from office import citizens
from office.i18n import language
from office.models import Citizen

KIND = "phone_language"
TTL_SECONDS = 24 * 3600
UNKNOWN_PHONE = ""

log = logging.getLogger(__name__)


def key(phone: str) -> str:
    """The Redis key of `phone`'s cached language."""
    return "language:" + phone


def from_database(phone: str) -> str:
    """What the cache holds for `phone`, read from the citizens table: its language, or UNKNOWN_PHONE."""
    citizen = citizens.find(phone)
    return citizen.language if citizen is not None else UNKNOWN_PHONE


def resolve(cached: str, default: str) -> str:
    """The language a cached value stands for."""
    return language(cached or default)


def fill(pipe: Pipeline, phone: str, value: str) -> None:
    """Add to `pipe` the caching of `value`, read from the database, unless a change was cached meanwhile."""
    pipe.set(key(phone), value, ex=TTL_SECONDS, nx=True)


def store(changes: list[tuple[str, str]]) -> None:
    """Cache the languages of a committed transaction's (phone, language) changes, the last one per phone."""
    try:
        with redis_guard.guarded() as redis, redis.pipeline(transaction=False) as pipe:
            for phone, lang in dict(changes).items():
                pipe.set(key(phone), lang, ex=TTL_SECONDS)
            pipe.execute()
    except RedisError:
        log.warning("could not cache %d phone languages; they are read again within a day", len(changes))


@event.listens_for(Citizen, "after_insert")
@event.listens_for(Citizen, "after_update")
def _written(mapper, connection, citizen: Citizen) -> None:
    # At flush time, when both the phone and the change are known; cached only once the transaction commits.
    if inspect(citizen).attrs.language.history.has_changes():
        after_commit.later(KIND, (citizen.phone, citizen.language))
