"""Flask apps for benchmarks/ussd.py's baselines: POST /ussd doing nothing, and doing only what any USSD hop that
loads and saves its session must, one MGET and one SET in Redis."""
import os

from flask import Flask
from flask import Response
from flask import request
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

SCREEN = "END Terima kasih."


def create_app() -> Flask:
    """An app answering every POST /ussd with the same fixed screen, reading nothing."""
    app = Flask(__name__)

    @app.post("/ussd")
    def ussd():
        return Response(SCREEN, mimetype="text/plain")

    return app


def create_app_with_redis() -> Flask:
    """The same, after the round trips a hop makes: the session and the phone's language, then the session.

    The client is made as redis_guard makes Lekas's request-path one: short timeouts, no retries.
    """
    app = Flask(__name__)
    redis = Redis.from_url(os.environ["REDIS_URL"], decode_responses=True, socket_timeout=0.15,
                           socket_connect_timeout=0.15, retry=Retry(NoBackoff(), 0))

    @app.post("/ussd")
    def ussd():
        session = "bench:session:" + request.form.get("sessionId", "")
        redis.mget(session, "bench:language:" + request.form.get("phoneNumber", ""))
        with redis.pipeline(transaction=False) as pipe:
            pipe.set(session, SCREEN * 20, ex=200)
            pipe.execute()
        return Response(SCREEN, mimetype="text/plain")

    return app
