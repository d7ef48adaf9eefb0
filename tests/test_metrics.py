"""GET /metrics: only for the token's holder, in Prometheus' format, with figures equal to what the database
and Redis hold, and each process's measurements of USSD hops, webhook refusals and delivery-report lag."""
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from jobs.queues import HIGH
from jobs.queues import queue
from office import outbox
from office.clock import utcnow
from office.models import Message
from office.outbox import Kind
from tests.helpers import phone

TOKEN = "m" * 32


@pytest.fixture
def read_metrics(client, settings):
    """Read /metrics with the token: {(name, labels as a sorted tuple): value}."""
    settings(METRICS_TOKEN=TOKEN)

    def read():
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200 and answer.mimetype == "text/plain"
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(answer.text) for sample in family.samples}
    return read


def test_without_a_token_configured_there_is_no_metrics_page(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}x", "Bearer "])
def test_a_reader_without_the_token_is_refused(client, settings, header):
    settings(METRICS_TOKEN=TOKEN)
    headers = {"Authorization": header} if header else {}
    assert client.get("/metrics", headers=headers).status_code == 401


def test_message_counts_queue_depth_and_send_rate_equal_what_the_database_and_redis_hold(read_metrics, app):
    for n in range(3):
        outbox.queue_sms(phone(n), "Kantor buka besok", Kind.BROADCAST)
    db.session.commit()
    sent = outbox.queue_sms(phone(9), "Berkas Anda siap", Kind.STATUS)
    sent.status, sent.sent_at = outbox.SENT, utcnow() - timedelta(minutes=1)
    long_ago = outbox.queue_sms(phone(8), "Lama", Kind.STATUS)
    long_ago.status, long_ago.sent_at = outbox.DELIVERED, utcnow() - timedelta(hours=1)
    db.session.commit()
    figures = read_metrics()
    for state, count in db.session.execute(select(Message.status, func.count()).group_by(Message.status)):
        assert figures[("lekas_messages", (("state", state),))] == count
    assert figures[("lekas_messages", (("state", "queued"),))] >= 3
    with app.app_context():
        assert figures[("lekas_queue_jobs", (("queue", HIGH),))] == queue(HIGH).count
    assert figures[("lekas_sms_send_rate_per_minute", ())] == pytest.approx(1 / 5)
    assert figures[("lekas_dependency_up", (("dependency", "database"),))] == 1
    assert figures[("lekas_dependency_up", (("dependency", "redis"),))] == 1


def test_each_ussd_hop_is_timed(read_metrics, client):
    before = read_metrics().get(("lekas_ussd_hop_seconds_count", ()), 0)
    client.post("/ussd", data={"sessionId": "metrics-1", "phoneNumber": phone(1), "text": ""})
    assert read_metrics()[("lekas_ussd_hop_seconds_count", ())] == before + 1


def test_a_refused_webhook_request_is_counted_by_webhook_and_status(read_metrics, client):
    key = ("lekas_webhook_refusals_total", (("status", "400"), ("webhook", "gateway.incoming_sms")))
    before = read_metrics().get(key, 0)
    assert client.post("/sms/incoming", data={}).status_code == 400
    assert read_metrics()[key] == before + 1


def test_a_delivery_report_records_how_long_it_came_after_the_send(read_metrics):
    key = ("lekas_delivery_report_lag_seconds_count", (("outcome", "delivered"),))
    before = read_metrics().get(key, 0)
    message = outbox.queue_sms(phone(2), "Berkas Anda siap", Kind.STATUS)
    message.status, message.sent_at = outbox.SENT, utcnow() - timedelta(seconds=40)
    assert outbox.apply_report(message, outbox.DELIVERED, None)
    db.session.commit()
    figures = read_metrics()
    assert figures[key] == before + 1
    assert figures[("lekas_delivery_report_lag_seconds_bucket", (("le", "60.0"), ("outcome", "delivered")))] \
        >= figures[("lekas_delivery_report_lag_seconds_bucket", (("le", "15.0"), ("outcome", "delivered")))] + 1


def test_with_redis_unreachable_the_page_still_answers_and_says_so(make_app):
    from tests.redis_server import free_port

    app = make_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "METRICS_TOKEN": TOKEN})
    app.extensions["rq_redis"] = type(app.extensions["rq_redis"]).from_url(
        app.config["REDIS_URL"], socket_connect_timeout=0.5)
    answer = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert 'lekas_dependency_up{dependency="redis"} 0.0' in answer.text
    assert 'lekas_dependency_up{dependency="database"} 1.0' in answer.text
