"""API keys for partner agencies: shown once, stored as a SHA-256 hash, each limited to its scopes and,
optionally, to one kelurahan.

Keys are long random tokens, so a fast hash is safe (nothing to brute-force); the short prefix lets a
request find its row without comparing against every key.

This module owns the rule of what a key may do: `may(key, scope)` and `kelurahan_of(key)`; the API asks
them and filters every query by the kelurahan, as the console does for a kelurahan account.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from redis.exceptions import RedisError
from sqlalchemy import case
from sqlalchemy import select
from sqlalchemy import update

import redis_guard
from extensions import db
from office import audit
from office import catalog
from office.clock import utcnow
from office.errors import DomainError
from office.errors import NotFound
from office.i18n import N_
from office.models import ApiKey
from office.models import Application


class Scope(StrEnum):
    READ = "read"  # GET applications and broadcasts
    APPLICATIONS_WRITE = "applications:write"  # register applications, change their status
    BROADCAST = "broadcast"  # preview, create and cancel broadcasts
    MESSAGES_READ = "messages:read"  # the SMS log: phone numbers and texts, so never implied by READ


SCOPE_LABELS = {
    Scope.READ: N_("Read applications and broadcasts"),
    Scope.APPLICATIONS_WRITE: N_("Register applications and change their status"),
    Scope.BROADCAST: N_("Send and cancel broadcasts"),
    Scope.MESSAGES_READ: N_("Read the SMS log"),
}
# A broadcast reaches subscribers of every kelurahan, so a key limited to one cannot send or read them.
NOT_FOR_KELURAHAN = frozenset({Scope.BROADCAST})


class OtherKelurahan(DomainError):
    """A kelurahan key asked to register an application of another kelurahan."""

    code = "other_kelurahan"
    http_status = 403


# Redis hashes by key id: uses not yet added to the row, and the latest use's time (ISO, naive UTC).
USES = "apikeys:uses"
LAST_USED = "apikeys:last_used"
# "api:" + name must fit the 80-character actor columns of history and audit; written out in the message below.
MAX_NAME = 60


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(name, *, scopes=None, kelurahan=None, actor: str) -> tuple[ApiKey, str]:
    """Create a key called `name` in the current transaction, audited as `actor`; return the row and the
    plaintext key (never stored).

    `scopes` are Scope values (None: every scope there is now); `kelurahan` a name or code limiting the key to
    that kelurahan (None or empty: the whole office).

    :raise DomainError: field "name" when the name is empty or longer than MAX_NAME (it becomes "api:<name>"
        in history); field "scopes" when a scope is unknown, none is given, or one is refused with a kelurahan;
        field "kelurahan" when no kelurahan has that name or code.
    """
    name = " ".join(name.replace("\x00", "").split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= MAX_NAME:
        raise DomainError(N_("An API key name is 1 to 60 characters."), code="invalid_name", field="name")
    granted = _clean_scopes(list(Scope) if scopes is None else scopes)
    place = _clean_kelurahan(kelurahan)
    if place is not None and NOT_FOR_KELURAHAN & set(granted):
        raise DomainError(N_("A key limited to one kelurahan cannot send broadcasts: they reach every "
                             "kelurahan."), code="invalid_scopes", field="scopes")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f"lk_{prefix}_{secret}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_hash(token), scopes=granted, kelurahan=place, use_count=0)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "apikey.create", name, after={"name": name, "prefix": prefix, "scopes": granted,
                                                       "kelurahan": place.code if place else None})
    return key, token


def _clean_scopes(values) -> list[str]:
    wanted = set(values) if isinstance(values, (list, tuple, set, frozenset)) else {None}
    if not wanted or not wanted <= set(Scope):
        raise DomainError(N_("Choose at least one of the listed permissions."), code="invalid_scopes",
                          field="scopes")
    return [scope.value for scope in Scope if scope in wanted]


def _clean_kelurahan(value):
    if value is None or value == "":
        return None
    place = catalog.find_kelurahan(value) if isinstance(value, str) else None
    if place is None:
        raise DomainError(N_("No kelurahan has that name or code."), code="unknown_kelurahan", field="kelurahan")
    return place


def scopes_of(key: ApiKey) -> list[Scope]:
    """The scopes `key` holds, in Scope order; a key from before scopes holds every one."""
    if key.scopes is None:
        return list(Scope)
    return [scope for scope in Scope if scope.value in key.scopes]


def may(key: ApiKey, scope: Scope) -> bool:
    """True when `key` may do what `scope` covers."""
    return scope in scopes_of(key) and not (key.kelurahan_id is not None and scope in NOT_FOR_KELURAHAN)


def kelurahan_of(key: ApiKey) -> int | None:
    """The kelurahan id every application and message query of `key` is limited to, or None for all."""
    return key.kelurahan_id


def sees(key: ApiKey, application: Application) -> bool:
    """True when `application` is within `key`'s kelurahan (every application, for an office-wide key)."""
    place = kelurahan_of(key)
    return place is None or application.kelurahan_id == place


def sees_broadcasts(key: ApiKey) -> bool:
    """False for a kelurahan key: a broadcast's recipients and outcomes span every kelurahan."""
    return kelurahan_of(key) is None


def keys() -> list[ApiKey]:
    """Every key, the ones still in use first, newest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def get_key(key_id) -> ApiKey:
    """The key with id `key_id`. :raise NotFound: when there is none."""
    key = db.session.get(ApiKey, key_id) if isinstance(key_id, int) else None
    if key is None:
        raise NotFound(f"No API key {key_id!r}.")
    return key


def find_key(text: str) -> ApiKey:
    """The key whose id or prefix (with or without "lk_") is `text`, as an operator types it.

    :raise NotFound: when none is.
    """
    text = text.strip()
    prefix = text.removeprefix("lk_").split("_", 1)[0]
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if key is None and text.isdigit() and len(text) < 10:
        key = db.session.get(ApiKey, int(text))
    if key is None:
        raise NotFound(f"No API key has the id or prefix {text!r}.")
    return key


def revoke(key: ApiKey, *, actor: str) -> bool:
    """Stop `key` from working, audited as `actor`. False, and nothing written, when it was already revoked
    (two admins revoking at once: exactly one of them does it)."""
    now = utcnow()
    table = ApiKey.__table__
    done = db.session.execute(
        update(table).where(table.c.id == key.id, table.c.revoked_at.is_(None)).values(revoked_at=now)
    ).rowcount
    db.session.expire(key)
    if done:
        audit.record(actor, "apikey.revoke", key.name, before={"revoked_at": None},
                     after={"revoked_at": now.isoformat() + "Z"}, prefix=key.prefix)
    return bool(done)


def prefix_of(token: str) -> str | None:
    """The public prefix a token of the form lk_<prefix>_<secret> names, or None for any other text."""
    parts = token.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "lk" and parts[1] else None


def verify(token: str) -> ApiKey | None:
    """The active key matching `token`, or None; a match counts as one use of the key (see fold_uses)."""
    prefix = prefix_of(token)
    if prefix is None:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))
    if key is None or not hmac.compare_digest(key.key_hash, _hash(token)):
        return None
    _count_use(key)
    return key


def _count_use(key: ApiKey) -> None:
    # A write of the key's row per request halved the API's throughput for four threads sharing a key, on SQLite
    # and PostgreSQL alike (benchmarks/api_keys.py): every request wrote the same row. Redis counts instead,
    # and fold_uses adds the counts to the rows in the worker's housekeeping.
    now = utcnow()
    try:
        with redis_guard.guarded() as redis, redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(USES, str(key.id), 1)
            pipe.hset(LAST_USED, str(key.id), now.isoformat())
            pipe.execute()
    except RedisError:
        # Redis unreachable: the row itself counts this use, slower but nothing is lost. (A timeout after Redis
        # did count it counts it twice: a count errs high, never low.)
        _add_uses(key.id, 1, now)


def _add_uses(key_id: int, count: int, last_used: datetime | None) -> None:
    # One atomic UPDATE: concurrent writers each add theirs, and an older time never replaces a newer one.
    table = ApiKey.__table__
    values = {"use_count": table.c.use_count + count}
    if last_used is not None:
        values["last_used_at"] = case((table.c.last_used_at.is_(None), last_used),
                                      (table.c.last_used_at < last_used, last_used), else_=table.c.last_used_at)
    db.session.execute(update(table).where(table.c.id == key_id).values(**values))


def _counted() -> tuple[dict[int, int], dict[int, datetime]]:
    """The uses counted in Redis and not folded yet, and each key's latest use there; empty without Redis."""
    try:
        with redis_guard.guarded() as redis, redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(USES)
            pipe.hgetall(LAST_USED)
            uses, last = pipe.execute()
    except RedisError:
        return {}, {}
    return ({int(key_id): int(count) for key_id, count in uses.items()},
            {int(key_id): datetime.fromisoformat(moment) for key_id, moment in last.items()})


def fold_uses() -> int:
    """Add the uses counted in Redis to the keys' rows, and commit; returns how many uses were added.

    It commits itself because the counts leave Redis only once the rows hold them (_TAKE_OFF subtracts what
    was added): uses counted meanwhile stay for the next fold, and a fold that fails leaves them all there. A
    worker killed between the commit and that step counts those uses twice, never loses one.
    """
    uses, last = _counted()
    if not uses and not last:
        return 0
    existing = set(db.session.scalars(select(ApiKey.id).where(ApiKey.id.in_(set(uses) | set(last)))))
    for key_id in existing:
        _add_uses(key_id, uses.get(key_id, 0), last.get(key_id))
    db.session.commit()
    with redis_guard.guarded() as redis, redis.pipeline(transaction=False) as pipe:
        for key_id, count in uses.items():
            pipe.eval(_TAKE_OFF, 1, USES, str(key_id), count)
        for key_id, moment in last.items():
            # Only the time folded: a newer one written meanwhile stays for the next fold.
            pipe.eval(_FORGET_IF_SAME, 1, LAST_USED, str(key_id), moment.isoformat())
        pipe.execute()
    return sum(uses.values())


_TAKE_OFF = ("if redis.call('HINCRBY', KEYS[1], ARGV[1], -ARGV[2]) <= 0 then "
             "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0")
_FORGET_IF_SAME = ("if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
                   "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0")


@dataclass(frozen=True)
class Usage:
    count: int
    last_used_at: datetime | None


def usage(keys: list[ApiKey]) -> dict[int, Usage]:
    """Each key's uses and latest use by id: its row's plus what Redis has counted and not folded yet."""
    uses, last = _counted()
    result = {}
    for key in keys:
        moments = [moment for moment in (key.last_used_at, last.get(key.id)) if moment is not None]
        result[key.id] = Usage(key.use_count + uses.get(key.id, 0), max(moments) if moments else None)
    return result
