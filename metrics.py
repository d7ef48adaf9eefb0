"""GET /metrics: Lekas's figures in Prometheus' text format, for whoever watches the office's machines.

Read with `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN set the page does not exist.
Besides what each process measures as it works (office.telemetry), every read asks the database and Redis
for what is true across all machines at once: messages per state, the jobs waiting on each
queue, and how many SMS were handed to the provider in the last five minutes.
"""
import hmac
import os
from datetime import timedelta

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

import redis_guard
from extensions import db
from jobs import queues
from office import outbox
from office.clock import utcnow
from office.models import Message

bp = Blueprint("metrics", __name__)

SEND_RATE_WINDOW = timedelta(minutes=5)
# A message is sent within days of being queued (a scheduled broadcast at most); bounding created_at lets
# the send-rate count use the (status, created_at) index instead of reading every message ever sent.
_SENT_WITHIN = timedelta(days=7)


@bp.get("/metrics")
def metrics():
    """Every figure, for a reader that shows the METRICS_TOKEN."""
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        abort(401)
    registry = CollectorRegistry()
    registry.register(_LiveFigures())
    measured = generate_latest(_measured_registry())
    return Response(measured + generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _measured_registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class _LiveFigures(Collector):
    """What the database and Redis say now; a part that cannot be reached says so instead of failing."""

    def collect(self):
        up = GaugeMetricFamily("lekas_dependency_up", "1 when /metrics could read it.", labels=["dependency"])
        try:
            yield from _database_figures()
            up.add_metric(["database"], 1)
        except SQLAlchemyError:
            db.session.rollback()
            up.add_metric(["database"], 0)
        try:
            yield from _queue_figures()
            up.add_metric(["redis"], 1)
        except RedisError:
            up.add_metric(["redis"], 0)
        yield up


def _database_figures():
    # By state alone, which its index answers without reading the table; incoming rows are all "received".
    counts = db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    messages = GaugeMetricFamily("lekas_messages", "SMS rows by state: received (incoming), and the outbox's.",
                                 labels=["state"])
    for state, count in counts:
        messages.add_metric([state], count)
    now = utcnow()
    handed_over = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.status.in_((outbox.SENT, outbox.DELIVERED, outbox.FAILED)),
        Message.created_at >= now - _SENT_WITHIN, Message.sent_at >= now - SEND_RATE_WINDOW))
    rate = GaugeMetricFamily("lekas_sms_send_rate_per_minute",
                             "SMS handed to the provider per minute, averaged over the last five minutes.")
    rate.add_metric([], handed_over / (SEND_RATE_WINDOW.total_seconds() / 60))
    db.session.rollback()
    return [messages, rate]


def _queue_figures():
    waiting = GaugeMetricFamily("lekas_queue_jobs", "Jobs waiting on each RQ queue.", labels=["queue"])
    failed = GaugeMetricFamily("lekas_queue_failed_jobs", "Jobs in each RQ queue's failed registry.",
                               labels=["queue"])
    with redis_guard.guarded(rq=True) as redis:
        for name in queues.ORDER:
            queue = queues.queue(name, redis)
            waiting.add_metric([name], queue.count)
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
    return [waiting, failed]
