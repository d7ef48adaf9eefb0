"""The modems' state from the daemon's `phones` table (one row per daemon, refreshed every StatusFrequency)."""
from flask import current_app
from sqlalchemy import DateTime
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import type_coerce
from sqlalchemy.exc import SQLAlchemyError

from gateway.gammu import tables
from office import clock
from office.modem import ModemState
from office.modem import Unreachable
from office.modem import is_stale
from office.modem import mask_imei


def read() -> list[ModemState] | None:
    """The modems of every daemon sharing the database, ordered by PhoneID; None unless SMS_PROVIDER=gammu.

    :raise Unreachable: when the daemon's database does not answer.
    """
    if current_app.config.get("SMS_PROVIDER") != "gammu":
        return None
    phones = tables.phones
    try:
        engine = tables.engine()
        # The daemon stamps rows with the database's own clock (UTC in SQLite, the server's local time in
        # PostgreSQL): their age is measured on that clock, not Lekas's.
        db_now = func.localtimestamp() if engine.dialect.name == "postgresql" else func.datetime("now")
        with engine.connect() as connection:
            rows = connection.execute(select(phones, type_coerce(db_now, DateTime).label("db_now"))
                                      .order_by(phones.c.ID, phones.c.IMEI)).all()
    except (SQLAlchemyError, RuntimeError) as exc:
        raise Unreachable(str(exc)[:200]) from exc
    now = clock.utcnow()
    return [_state(row, now) for row in rows]


def _state(row, now) -> ModemState:
    last_seen = now - (row.db_now - row.UpdatedInDB) if row.UpdatedInDB and row.db_now else None
    return ModemState(
        phone_id=row.ID or "", imei=mask_imei(row.IMEI), network=row.NetName or row.NetCode,
        signal=_percent(row.Signal), battery=_percent(row.Battery), sent=row.Sent or 0, received=row.Received or 0,
        last_seen=last_seen, stale=is_stale(last_seen, now))


def _percent(value) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None
