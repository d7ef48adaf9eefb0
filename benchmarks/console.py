"""Staff console at 100,000 applications: how long the applications list takes to answer.

Starts its own redis-server on 127.0.0.1 and uses a fresh SQLite database in a temporary folder (or the
PostgreSQL database given with --database-url, which it empties). It inserts --count applications in bulk
(statuses, services and kelurahan mixed, created over the last 400 days), signs an operator in with the
Flask test client and times, through the real app (routing, session, query, template):

  list        the first page, default sort (newest first)
  name        a search for part of a name
  phone       a search for a phone typed as 0812-xxxx-xxxx
  overdue     the overdue filter
  status+svc  a status and a service
  page 1000   page 1000 of the default list

each --runs times after two warm-up requests; it prints the median and the 95th percentile beside the
baseline, a bare `SELECT ... ORDER BY created_at DESC LIMIT 50` on the same table in the same run.

    .venv/bin/python benchmarks/console.py [--count 100000] [--runs 20] [--database-url postgresql://...]

Everything runs on one machine and one thread; the figures are per request, not throughput.
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.redis_server import RedisServer  # noqa: E402

PASSWORD = "bench-password-123"

FIRST = ["Budi", "Siti", "Rahmat", "Dewi", "Yohanes", "Nur", "Agus", "Maria", "Andi", "Rina", "Joko", "Wati",
         "Hendra", "Lestari", "Bayu", "Fitri", "Dedi", "Ratna", "Eko", "Yuli"]
LAST = ["Santoso", "Aminah", "Hidayat", "Lestari", "Kristian", "Aisyah", "Salim", "Ulfa", "Pratama", "Wijaya",
        "Saputra", "Rahayu", "Gunawan", "Kurniawan", "Setiawan", "Handayani", "Nugroho", "Susanti", "Siregar"]
# Roughly what a year's register holds: most applications finished, a tail still open.
STATUS_WEIGHTS = {"COLLECTED": 55, "REJECTED": 5, "READY": 8, "RECEIVED": 8, "VERIFYING": 8, "NEEDS_DOCUMENTS": 4,
                  "PROCESSING": 6, "FORWARDED": 6}
SCENARIOS = [
    ("list", {}),
    ("name", {"q": "santoso"}),
    ("phone", {"q": "0812-0001-2345"}),
    ("overdue", {"overdue": "1"}),
    ("status+svc", {"status": "VERIFYING", "service": "KTP"}),
    ("page 1000", {"page": "1000"}),
]


def seed(count: int) -> float:
    """Insert `count` applications in batches; returns the seconds it took."""
    from sqlalchemy import insert

    from extensions import db
    from office import catalog
    from office import references
    from office.clock import utcnow
    from office.models import Application

    rng = random.Random(7)
    services = [s.id for s in catalog.services()]
    places = [k.id for k in catalog.kelurahan_list()]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    now = utcnow()
    seen: set[str] = set()
    started = time.monotonic()
    for start in range(0, count, 5000):
        rows = []
        for n in range(start, min(start + 5000, count)):
            reference = references.generate()
            while reference in seen:
                reference = references.generate()
            seen.add(reference)
            created = now - timedelta(minutes=rng.randrange(400 * 24 * 60))
            rows.append({"reference": reference, "service_id": rng.choice(services),
                         "kelurahan_id": rng.choice(places),
                         "applicant_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "phone": f"+62812{n:08d}",
                         "status": rng.choices(statuses, weights)[0], "created_by": "bench", "created_at": created,
                         "status_changed_at": created})
        db.session.execute(insert(Application), rows)
    db.session.commit()
    return time.monotonic() - started


def timed(call, runs: int) -> list[float]:
    """Milliseconds of each of `runs` calls, after two warm-up calls."""
    for _ in range(2):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def migrate_from_empty(emptied: bool) -> None:
    """Migrate the app's database; with `emptied`, drop every table first (Alembic's version table too), so a
    PostgreSQL database a benchmark reuses starts from nothing. Call it in an app context."""
    from sqlalchemy import text

    from commands import init_db
    from extensions import db

    if emptied:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    init_db()


@contextmanager
def seeded_app(count: int, database_url: str | None, prefix: str, seed_more=None):
    """A Lekas app with its own redis-server on a fresh database (SQLite in a temporary folder, or the
    PostgreSQL `database_url` emptied), `count` applications, whatever `seed_more()` adds, and the operator
    "bench"; the redis-server and the folder are removed at the end."""
    folder = tempfile.mkdtemp(prefix=prefix)
    redis = RedisServer().start()
    os.environ.update({"DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
                       "REDIS_URL": redis.url, "SECRET_KEY": "benchmark", "SMS_PROVIDER": "simulator",
                       "QUIET_HOURS": "", "CALLBACK_TOKEN": ""})
    try:
        from app import create_app
        from extensions import db
        from office import accounts

        app = create_app({"WTF_CSRF_ENABLED": False})
        with app.app_context():
            migrate_from_empty(bool(database_url))
            print(f"inserted {count:,} applications in {seed(count):.1f} s ({db.engine.dialect.name})")
            if seed_more:
                seed_more()
            accounts.create_user("bench", "Bench Operator", "operator", PASSWORD, actor="bench",
                                 must_change_password=False)
            db.session.commit()
        yield app
    finally:
        redis.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def print_table(results: list[tuple]) -> None:
    """Each scenario's median and 95th percentile beside the first row, the baseline, and its last column."""
    base = statistics.median(results[0][1])
    print()
    print(f"{'scenario':<32} {'median ms':>9} {'p95 ms':>8} {'× baseline':>10}  result")
    for name, samples, *matched in results:
        middle = statistics.median(samples)
        print(f"{name:<32} {middle:>9.1f} {p95(samples):>8.1f} {middle / base:>10.1f}  {''.join(map(str, matched))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="applications to insert")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per scenario")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is emptied)")
    args = parser.parse_args()

    with seeded_app(args.count, args.database_url, "lekas-console-bench-") as app:
        from sqlalchemy import text

        from extensions import db

        def bare():
            db.session.execute(text("SELECT * FROM applications ORDER BY created_at DESC LIMIT 50")).all()
            db.session.rollback()

        with app.app_context():
            results = [("baseline: bare SELECT LIMIT 50", timed(bare, args.runs), "")]
        client = app.test_client()
        client.post("/staff/login", data={"username": "bench", "password": PASSWORD})
        for name, query in SCENARIOS:
            def get(query=query):
                response = client.get("/staff/applications", query_string=query)
                assert response.status_code == 200, response.status_code
                return response

            found = get().get_data(as_text=True)
            matched = found.split('class="result-count" role="status">', 1)[1].split(".", 1)[0].strip()
            results.append((name, timed(get, args.runs), matched))
        print_table(results)


if __name__ == "__main__":
    main()
