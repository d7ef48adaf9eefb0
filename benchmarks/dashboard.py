"""The dashboard at 100,000 applications and 1,000,000 messages: how long /staff/ and the monthly report take.

Starts its own redis-server and uses a fresh SQLite database in a temporary folder (or the PostgreSQL database
given with --database-url, which it empties). It inserts --count applications as benchmarks/console.py does
(created over the last 400 days), a READY change for each one that is READY or COLLECTED, and --messages
outgoing SMS spread over the same days, most about an application; then times through the real app, each
--runs times after two warm-up requests:

  dashboard          /staff/ for an operator (today and this month, every figure)
  dashboard, kel.    /staff/ for a kelurahan account (its kelurahan only)
  report             /staff/report for last month
  /metrics           what Prometheus reads (messages per state, queue depths, send rate)

beside the baseline, a bare `SELECT status, count(*) FROM applications GROUP BY status` in the same run.

    .venv/bin/python benchmarks/dashboard.py [--count 100000] [--messages 1000000] [--runs 20] [--database-url ...]
"""
import argparse
import os
import random
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.console import PASSWORD  # noqa: E402
from benchmarks.console import print_table  # noqa: E402
from benchmarks.console import seeded_app  # noqa: E402
from benchmarks.console import timed  # noqa: E402

BATCH = 20_000
METRICS_TOKEN = "benchmark-metrics-token-0123456789"
OUT_STATES = ["delivered"] * 80 + ["sent"] * 10 + ["failed"] * 6 + ["unknown"] * 2 + ["queued"] * 2


def seed_history_and_messages(count: int) -> float:
    """READY changes for the finished applications and `count` outgoing messages; returns the seconds."""
    from sqlalchemy import insert
    from sqlalchemy import select

    from extensions import db
    from office.clock import utcnow
    from office.models import Application
    from office.models import Message
    from office.models import StatusChange

    rng = random.Random(14)
    started = time.monotonic()
    apps = db.session.execute(select(Application.id, Application.created_at, Application.status)).all()
    changes = [{"application_id": a.id, "from_status": "PROCESSING", "to_status": "READY", "actor": "bench",
                "created_at": a.created_at + timedelta(days=rng.randrange(0, 20))}
               for a in apps if a.status in ("READY", "COLLECTED")]
    for start in range(0, len(changes), BATCH):
        db.session.execute(insert(StatusChange), changes[start:start + BATCH])
    now = utcnow()
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            status = rng.choice(OUT_STATES)
            created = now - timedelta(minutes=rng.randrange(400 * 24 * 60))
            rows.append({"direction": "out", "phone": f"+62813{n:08d}", "text": "Permohonan Anda siap diambil.",
                         "segments": rng.choice((1, 1, 1, 2)), "status": status, "kind": "status",
                         "priority": "high", "application_id": rng.choice(apps).id if rng.random() < .8 else None,
                         "created_at": created, "updated_at": created,
                         "sent_at": created if status in ("delivered", "sent", "failed") else None})
        db.session.execute(insert(Message), rows)
    db.session.commit()
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="applications to insert")
    parser.add_argument("--messages", type=int, default=1_000_000, help="outgoing messages to insert")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per scenario")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is emptied)")
    args = parser.parse_args()

    def seed_more():
        from sqlalchemy import text

        from extensions import db
        from office import accounts

        print(f"inserted READY history and {args.messages:,} messages in "
              f"{seed_history_and_messages(args.messages):.1f} s")
        db.session.execute(text("ANALYZE"))
        accounts.create_user("lurah", "Bench Lurah", "kelurahan", PASSWORD, actor="bench", kelurahan="Menteng",
                             must_change_password=False)

    os.environ["METRICS_TOKEN"] = METRICS_TOKEN
    with seeded_app(args.count, args.database_url, "lekas-dashboard-bench-", seed_more) as app:
        from sqlalchemy import text

        from extensions import db
        from office import dashboard

        def bare():
            db.session.execute(text("SELECT status, count(*) FROM applications GROUP BY status")).all()
            db.session.rollback()

        with app.app_context():
            today = dashboard.today()
            results = [("baseline: bare GROUP BY status", timed(bare, args.runs))]
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        for name, user, path in [("dashboard", "bench", "/staff/"), ("dashboard, kelurahan", "lurah", "/staff/"),
                                 ("report, last month", "bench", f"/staff/report?month={last_month}"),
                                 ("/metrics", None, "/metrics")]:
            client = app.test_client()
            if user:
                client.post("/staff/login", data={"username": user, "password": PASSWORD})

            def get(client=client, path=path):
                response = client.get(path, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
                assert response.status_code == 200, response.status_code

            results.append((name, timed(get, args.runs)))
        print_table(results)


if __name__ == "__main__":
    main()
