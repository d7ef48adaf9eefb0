"""The Lekas web application: create_app() builds it for gunicorn, the flask CLI, workers and tests."""
import logging
import os

from flask import Flask
from flask import Response
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from redis import Redis
from sqlalchemy.exc import DataError
from sqlalchemy.exc import OperationalError

import config
import redis_guard
import web_security
from extensions import babel
from extensions import csrf
from extensions import db
from extensions import limiter
from extensions import login_manager
from extensions import migrate
from office import i18n


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the Lekas app.

    :param test_config: settings that override the environment (tests use this).
    """
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_env(app.instance_path))
    if test_config:
        app.config.update(test_config)
    config.check_production(app.config)
    web_security.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"), render_as_batch=True)
    # Pages read the same catalogs as the SMS and USSD channels.
    babel.init_app(app, locale_selector=_page_locale, default_domain=i18n.DOMAIN,
                   default_translation_directories=i18n.TRANSLATIONS_DIR)
    csrf.init_app(app)
    login_manager.init_app(app)
    _init_redis(app)
    _init_limiter(app)

    from gateway.gammu import status as modem_status
    from jobs import announcements
    from jobs import broadcasts as broadcast_jobs
    from jobs import queues
    from office import after_commit
    from office import broadcasts
    from office import language_cache
    from office import models  # noqa: F401  (tables must be known to Alembic and create_all)
    from office import modem
    from office import outbox
    from office import queue

    # The domain hands committed work to the jobs through these seams; it never imports the job layer.
    outbox.set_dispatcher(queues.enqueue_messages)
    after_commit.set_handler(broadcasts.STARTED, broadcast_jobs.start_committed)
    after_commit.set_handler(queue.ANNOUNCE, announcements.render_committed)
    # And languages to the cache the channels read them from.
    after_commit.set_handler(language_cache.KIND, language_cache.store)
    # The office's modems, read from the daemon's tables when SMS_PROVIDER=gammu.
    modem.set_reader(modem_status.read)

    import api
    import gateway
    import health
    import home
    import kiosk
    import metrics
    import staff

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(gateway.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(kiosk.public)
    app.register_blueprint(staff.bp)
    csrf.exempt(gateway.bp)
    csrf.exempt(api.bp)

    import backups
    import commands
    import translate

    backups.init_app(app)
    commands.init_app(app)
    translate.init_app(app)
    app.register_error_handler(DataError, _invalid_data)
    app.register_error_handler(OperationalError, _database_unavailable)
    return app


log = logging.getLogger(__name__)
# How long a client is asked to wait before trying again when the database cannot be reached.
RETRY_AFTER_SECONDS = "30"


def _database_unavailable(exc: OperationalError):
    # The database is stopped, restarting or out of disk: nothing of the request was stored, and the same
    # request later will work. A 503 says so; a 500 would call it a bug. The webhooks answer their own 503s.
    log.warning("database unavailable for %s: %s", request.path, type(exc.orig).__name__)
    try:
        db.session.rollback()
    except OperationalError:
        pass  # the connection is gone; the pool replaces it
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "unavailable", "message": "The database is not answering. Try again."}), \
            503, headers
    # A page of its own, shown as to someone signed out: loading the account would ask the database again.
    g._login_user = login_manager.anonymous_user()
    return render_template("unavailable.html"), 503, headers


def _invalid_data(exc: DataError):
    # The database refused a value (a NUL byte, a number out of range): the input was bad, not the server.
    db.session.rollback()
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "invalid_input", "message": "A value in the request cannot be stored."}), 400
    return Response("Invalid input.\n", status=400, mimetype="text/plain")


def _init_redis(app: Flask) -> None:
    # Jobs and workers may wait for Redis: their client has long timeouts. Requests may not: theirs come
    # from redis_guard, with the request's budget as timeout.
    app.extensions["rq_redis"] = Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
    redis_guard.init_app(app)


def _init_limiter(app: Flask) -> None:
    # Counters in the same Redis, within a request's Redis budget. When Redis cannot answer, the limit is
    # skipped rather than the request refused: staff can still sign in, each account's lockout still holds.
    budget = app.config["REDIS_REQUEST_BUDGET_SECONDS"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": budget, "socket_connect_timeout": budget})
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "lekas-limit")
    limiter.init_app(app)


def _page_locale() -> str:
    # A signed-in staff member reads the console in their own language (the staff blueprint sets it).
    if "page_language" in g:
        return g.page_language
    # Checked here because Flask-Babel parses what this returns: "?lang=zz!" would otherwise be a 500.
    return i18n.language(request.args.get("lang") or request.cookies.get("lang"))
