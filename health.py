"""GET /healthz: can the app reach its database and Redis?"""
from flask import Blueprint
from flask import jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import redis_guard
from extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when both the database and Redis answer, 503 otherwise, with each one's state."""
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
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503
