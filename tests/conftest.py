"""Shared fixtures: a real Redis server, a real database, the app, a live HTTP server, RQ workers
and the telco simulator.

The whole session shares one database and one Redis; every test starts from a clean state (catalog
kept, everything else emptied) so tests stay independent without re-running migrations.
"""
import os
import subprocess
import sys
import tempfile
import threading

import pytest
from flask import g
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings
from rq import SimpleWorker
from sqlalchemy import delete
from sqlalchemy import update
from werkzeug.serving import make_server

from simulator.testing import wait_until_up
from tests import procfile
from tests.helpers import ROOT
from tests.redis_server import RedisServer
from tests.redis_server import free_port

# Fixtures other modules define, shared by name here so no test imports a fixture.
pytest_plugins = ["tests.simulator.fixtures"]

# CI machines are small and shared: judge properties by their results, not by how fast an example ran.
settings.register_profile("lekas", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lekas")

# Tables the catalog load fills once per session; every other table is emptied between tests.
KEPT_TABLES = {"services", "kelurahan", "queue_groups", "queue_counters", "alembic_version"}


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a free port for the whole session."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def own_redis():
    """A redis-server of this test's own, for drills that pause it: the session's shared one is never paused."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def lekas_env(redis_server, tmp_path_factory):
    """The environment every Lekas process of the test session runs with (app, live server, workers)."""
    db_dir = tmp_path_factory.mktemp("db")
    env = {
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{db_dir}/lekas-test.sqlite3",
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "test-secret",
        "SMS_PROVIDER": "simulator",
        "QUIET_HOURS": "",
        "CALLBACK_TOKEN": "",
        "SIMULATOR_PORT": str(free_port()),
        "DEFAULT_LANGUAGE": "id",
    }
    env["AT_API_URL"] = f"http://127.0.0.1:{env['SIMULATOR_PORT']}"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def session_app(lekas_env):
    """One app for the session, with the schema migrated and the catalog loaded."""
    from app import create_app
    from commands import init_db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        init_db()
    yield app
    from extensions import db

    with app.app_context():
        db.engine.dispose()


def _clean(app):
    from extensions import db
    from office.models import QueueCounter

    with app.app_context():
        db.session.rollback()
        # The counters are set up once; only whether they are open (and by whom) changes in a test.
        db.session.execute(update(QueueCounter).values(opened_at=None, staff_id=None))
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                db.session.execute(delete(table))
        db.session.commit()
        app.extensions["redis"].flushdb()


@pytest.fixture
def app(session_app):
    """The app with an app context pushed and a clean database and Redis."""
    _clean(session_app)
    session_app.config.update(CALLBACK_TOKEN=None, QUIET_HOURS="")
    # A test that stopped Redis left the breaker open; the next one starts with Redis trusted again.
    session_app.extensions["redis_breaker"].record(reached=True)
    with session_app.app_context():
        yield session_app
        from extensions import db

        db.session.rollback()


@pytest.fixture
def make_app(lekas_env):
    """Build extra apps with other settings; their database connections are closed after the test."""
    from app import create_app
    from extensions import db

    made = []

    def make(config=None):
        made.append(create_app({"TESTING": True, **(config or {})}))
        return made[-1]

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture
def settings(app, monkeypatch):
    """Change app settings for this test only: settings(SMS_CHUNK_SIZE=3, ...)."""

    def change(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)

    return change


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as a served request does.

    The test's own app context stays pushed, so requests reuse it (and its `g`) instead of pushing their
    own; without this a signed-in user cached by Flask-Login in one request would be seen by the next.
    """

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def redis(app):
    """The app's Redis client (decoded strings)."""
    return app.extensions["redis"]


@pytest.fixture
def api_key(app):
    """A fresh API key's plaintext."""
    from extensions import db
    from office import apikeys

    _key, token = apikeys.create_key("test-agency", actor="test")
    db.session.commit()
    return token


@pytest.fixture
def api(client, api_key):
    """The test client with the API key's Authorization header on every call."""

    class Api:
        def __getattr__(self, method):
            def call(path, **kwargs):
                headers = {"Authorization": f"Bearer {api_key}", **kwargs.pop("headers", {})}
                return getattr(client, method)(path, headers=headers, **kwargs)

            return call

    return Api()


@pytest.fixture
def run_jobs(app):
    """Run every queued RQ job in this process until the queues are empty (a real RQ SimpleWorker)."""
    from jobs.queues import ORDER
    from jobs.queues import queue

    def run():
        worker = SimpleWorker([queue(name) for name in ORDER], connection=app.extensions["rq_redis"])
        worker.work(burst=True)

    return run


class LiveServer:
    def __init__(self, app, port):
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()


@pytest.fixture(scope="session")
def live_server(session_app):
    """Lekas served over real HTTP on a free port (the simulator calls its webhooks here)."""
    server = LiveServer(session_app, free_port())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _simulator_process(live_server, lekas_env):
    from simulator.testing import start_simulator

    with start_simulator(live_server.url, port=int(lekas_env["SIMULATOR_PORT"]),
                         env={"SIMULATOR_DLR_DELAY": "0.2"}) as client:
        yield client


@pytest.fixture
def simulator(app, _simulator_process):
    """The telco simulator, reset for this test, calling Lekas's live server."""
    _simulator_process.reset()
    return _simulator_process


class WorkerProcess:
    """`flask --app app worker` as a real separate process, started and killed by tests."""

    def __init__(self, env, queues=()):
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.queues = list(queues)
        self.process = None
        self.log = tempfile.NamedTemporaryFile(prefix="lekas-worker-", suffix=".log", delete=False)

    def start(self):
        cmd = [sys.executable, "-m", "flask", "--app", "app", "worker", *self.queues]
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def kill(self, sig=9):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def stop(self):
        procfile.stop(self.process, timeout=15)

    def output(self) -> str:
        with open(self.log.name, encoding="utf-8", errors="replace") as fh:
            return fh.read()


@pytest.fixture
def worker(app, lekas_env):
    """Start real worker processes: `worker()` starts one and returns it; all are stopped after the test."""
    started = []

    def start(*queues, **env):
        proc = WorkerProcess({**lekas_env, **env}, queues).start()
        started.append(proc)
        return proc

    yield start
    # Each worker's log is printed at teardown; pytest shows it only when the test failed.
    for proc in started:
        proc.stop()
        print(f"--- worker {proc.process.pid} ---\n{proc.output()[-20000:]}")
        proc.log.close()
        os.unlink(proc.log.name)


@pytest.fixture
def web(app, lekas_env, tmp_path):
    """Serve Lekas the way the Procfile's `web:` line does (gunicorn) on a free port: `web(**env)` starts one
    and returns its URL and process; all are stopped after the test."""
    started = []

    def start(**env):
        port = free_port()
        process = procfile.ProcfileProcess("web", {**lekas_env, **env, "PORT": str(port)},
                                           tmp_path / f"web-{len(started)}.log").start()
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/healthz", timeout=30, process=process.process)
        return url, process

    yield start
    for process in started:
        process.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(config, items):
    # Browser tests need Debian's chromium. CI sets LEKAS_REQUIRE_BROWSER so a missing browser fails there.
    if os.path.exists(CHROMIUM) or os.environ.get("LEKAS_REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no downloaded browser builds)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    """Where tests save screenshots for people to look at (git-ignored)."""
    path = os.path.join(ROOT, "tests", "artifacts")
    os.makedirs(path, exist_ok=True)
    return path


STAFF_PASSWORD = "sandi-rahasia-123"


@pytest.fixture
def make_staff(app):
    """Create console accounts: make_staff("operator"), make_staff("kelurahan", kelurahan="Menteng", username=...).

    The password is STAFF_PASSWORD and it need not be changed first, unless must_change_password=True.
    """
    from extensions import db
    from office import accounts

    def make(role, *, kelurahan=None, username=None, must_change_password=False):
        user = accounts.create_user(username or f"{role}-user", f"{role.title()} Test", role, STAFF_PASSWORD,
                                    kelurahan=kelurahan, actor="test", must_change_password=must_change_password)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """Sign the test client in: login(user) posts the sign-in form and returns the response."""
    def sign_in(user, password=STAFF_PASSWORD):
        return client.post("/staff/login", data={"username": user.username, "password": password})

    return sign_in


@pytest.fixture
def staff_client(client, make_staff, login):
    """The test client signed in with a new account of `role`: staff_client("admin")."""
    def signed_in(role, **options):
        user = make_staff(role, **options)
        response = login(user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return signed_in


# Administration (users, API keys, the audit log)

@pytest.fixture
def admin(staff_client):
    """The test client signed in as "admin-user", an administrator who reads the console in English."""
    from extensions import db
    from office import accounts

    client = staff_client("admin")
    accounts.get_user("admin-user").language = "en"
    db.session.commit()
    return client


# The lobby's screens (the kiosk and the TV display): a server to stop and start under an open page

@pytest.fixture
def restartable(session_app):
    """A server of the test's own on a fixed port, to stop and start again while a screen is open."""
    port = free_port()
    servers = [LiveServer(session_app, port)]

    class Server:
        url = servers[0].url

        def stop(self):
            servers[-1].stop()
            servers[-1]._server.server_close()

        def start(self):
            servers.append(LiveServer(session_app, port))

    yield Server()
    servers[-1].stop()


# Catalog editing: the services table is kept between tests, so a test that edits it puts the file back

@pytest.fixture
def catalog_restored(app):
    """After the test, the catalog exactly as data/services.yaml seeds it, and no USSD snapshot of the edit."""
    yield
    from sqlalchemy import update

    from extensions import db
    from gateway.ussd import snapshot
    from office import catalog
    from office.models import Service
    from office.models import ServiceVersion

    db.session.rollback()
    db.session.execute(delete(ServiceVersion))
    seeded = [entry["code"] for entry in catalog._read("services.yaml")]
    db.session.execute(delete(Service).where(Service.code.not_in(seeded)))
    db.session.execute(update(Service).values(version=0))
    catalog.load_catalog()
    db.session.commit()
    snapshot.forget()


# The dashboard: a known data set of October and November 2026

def _office_utc(day, hour=10):
    """Office-local `hour` on `day` (Palangka Raya, UTC+7) as naive UTC."""
    from datetime import datetime
    from datetime import timedelta

    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=7)


@pytest.fixture
def dashboard_rows(app):
    """Applications, READY changes, messages, feedback and USSD sessions spread over October and November,
    inserted as rows; returns the rows so the tests can count them without the code under test."""
    import random
    from datetime import date
    from datetime import timedelta

    from sqlalchemy import insert

    from extensions import db
    from office import catalog
    from office import lifecycle
    from office import outbox
    from office.models import Application
    from office.models import Feedback
    from office.models import Message
    from office.models import StatusChange
    from office.models import UssdSessionEvent

    rng = random.Random(14)
    services = catalog.services()
    places = catalog.kelurahan_list()
    days = [date(2026, 10, 25) + timedelta(days=n) for n in range(27)]  # up to today, 20 November
    apps, changes, messages = [], [], []
    for n in range(300):
        created = _office_utc(rng.choice(days), rng.choice([0, 8, 12, 16, 23]))  # 0 and 23 local cross UTC midnight
        row = {"id": n + 1, "reference": f"{n:012d}", "service_id": rng.choice(services).id,
               "kelurahan_id": rng.choice(places).id, "applicant_name": "Budi", "phone": f"+62812{n:08d}",
               "status": rng.choice(lifecycle.STATUSES), "created_by": "test", "created_at": created,
               "status_changed_at": created}
        apps.append(row)
        if row["status"] in (lifecycle.READY, lifecycle.COLLECTED):
            ready = created + timedelta(days=rng.randrange(0, 9), hours=rng.randrange(0, 8))
            changes.append({"application_id": row["id"], "from_status": lifecycle.PROCESSING,
                            "to_status": lifecycle.READY, "actor": "test", "created_at": ready})
        for _ in range(rng.randrange(0, 3)):
            status = rng.choice(outbox.OUT_STATES)
            sent = status in (outbox.SENT, outbox.DELIVERED) or (status == outbox.FAILED and rng.random() < .5)
            messages.append({"direction": "out", "phone": row["phone"], "text": "x", "segments": rng.randrange(1, 4),
                             "status": status, "kind": "status", "application_id": row["id"],
                             "created_at": created + timedelta(hours=rng.randrange(0, 30)),
                             "sent_at": created if sent else None})
    # Messages about no application (replies, broadcasts) count for the office, never for a kelurahan.
    third = _office_utc(date(2026, 11, 3))
    messages += [{"direction": "out", "phone": "+6281200000001", "text": "x", "segments": 2, "status": outbox.SENT,
                  "kind": "broadcast", "created_at": third, "sent_at": third},
                 {"direction": "in", "phone": "+6281200000001", "text": "x", "segments": 1, "status": "received",
                  "kind": "incoming", "created_at": third, "sent_at": None}]
    feedback = [{"ticket": f"S{n:05d}", "category": "aduan", "text": "x", "channel": "sms",
                 "status": "baru" if n % 3 else "selesai", "created_at": _office_utc(day)}
                for n, day in enumerate(days)]
    sessions = [{"session_id": f"s{n}", "status": ["Success", "Incomplete", "Failed"][n % 3], "hops": 3,
                 "last_response": "CON Pilih layanan\n1. KTP", "created_at": _office_utc(day)}
                for n, day in enumerate(days)]
    for model, rows in ((Application, apps), (StatusChange, changes), (Message, messages), (Feedback, feedback),
                        (UssdSessionEvent, sessions)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    return {"apps": apps, "changes": changes, "messages": messages, "feedback": feedback, "sessions": sessions}


# Production settings -----------------------------------------------------------------------------------------

@pytest.fixture
def production(monkeypatch):
    """A production environment that starts; each test then breaks or inspects one thing."""
    from config import MIN_CALLBACK_TOKEN
    from config import MIN_SECRET_KEY

    monkeypatch.setenv("LEKAS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * MIN_SECRET_KEY)
    monkeypatch.setenv("CALLBACK_TOKEN", "t" * MIN_CALLBACK_TOKEN)
    monkeypatch.setenv("SMS_PROVIDER", "africastalking")
    monkeypatch.delenv("LEKAS_CLOCK", raising=False)
    return monkeypatch


# The office's modem: a real gammu-smsd on Gammu's fake phone, one per test module, on SQLite, or on a
# database of its own beside the test database when that is PostgreSQL

def _gammu_database(tmp_path) -> str:
    lekas = os.environ.get("TEST_DATABASE_URL") or ""
    if not lekas.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp_path}/smsd.db"
    import psycopg

    base, _, name = lekas.rpartition("/")
    target = f"{name}_gammu"
    with psycopg.connect(lekas, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,)).fetchone():
            connection.execute(f'CREATE DATABASE "{target}"')
    return f"{base}/{target}"


@pytest.fixture(scope="module")
def gammu_daemon(lekas_env, tmp_path_factory):
    """gammu-smsd on the fake phone, its tables created from the installed schema; stopped after the module."""
    from config import SETTINGS
    from gateway.gammu import tables
    from tests.gammu_daemon import GammuDaemon

    root = tmp_path_factory.mktemp("gammu")
    schema_dir = next(s.default for s in SETTINGS if s.name == "GAMMU_SCHEMA_DIR")
    daemon = GammuDaemon(root, _gammu_database(root), schema_dir)
    tables.create_schema(daemon.engine(), schema_dir)
    tables.clear(daemon.engine())
    daemon.start()
    yield daemon
    daemon.stop()
    print(f"--- gammu-smsd ---\n{daemon.log()[-5000:]}")


@pytest.fixture
def gammu(app, settings, gammu_daemon):
    """This test sends and receives through the module's gammu-smsd, at once (no status collapse window, no
    rate limit); the daemon's message tables start empty."""
    from gateway.gammu import tables

    tables.clear(gammu_daemon.engine())
    settings(SMS_PROVIDER="gammu", GAMMU_DATABASE_URL=gammu_daemon.url, GAMMU_PHONE_ID=None,
             STATUS_COLLAPSE_SECONDS=0, SMS_RATE_LIMIT=0, LEKAS_CLOCK=None)
    return gammu_daemon
