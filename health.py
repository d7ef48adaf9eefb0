"""GET /healthz: can the app reach its database and Redis? With the office's modem, how is it?"""
from flask import Blueprint
from flask import jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import redis_guard
from extensions import db
from office import modem

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when both the database and Redis answer, 503 otherwise, with each one's state.

    With SMS_PROVIDER=gammu, `modem` says how the daemons' modems are: "ok" when one reported within the
    last two minutes, "stale" when none did, "unavailable" when the daemon's database does not answer; and
    `modems` lists each (IMEI masked). A stale modem does not make the app unhealthy (the web answers and
    the outbox keeps every message), so it does not change the status code; monitor `modem` on its own.
    """
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        checks["database"] = "unavailable"
    try:
        with redis_guard.guarded() as redis:
            redis.ping()
        checks["redis"] = "ok"
    except RedisError:
        checks["redis"] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks, **_modem()), 200 if healthy else 503


def _modem() -> dict:
    try:
        states = modem.states()
    except modem.Unreachable:
        return {"modem": "unavailable", "modems": []}
    if states is None:
        return {}
    return {"modem": "ok" if any(not state.stale for state in states) else "stale",
            "modems": [state.as_dict() for state in states]}
