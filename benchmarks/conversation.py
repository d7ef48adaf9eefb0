"""One phone's conversation page among 100,000 applications and 1,000,000 messages: how long the search takes.

Seeds as benchmarks/dashboard.py does (a fresh SQLite database, or the PostgreSQL one given with
--database-url, which it empties), adds --ussd USSD sessions of other phones, then gives one busy phone
--own messages in and out, 5 applications, 5 tickets (one confidential) and 50 USSD sessions; then times
POST /staff/conversations for that phone through the real app, --runs times after two warm-up requests:

  operator       the whole office (the confidential ticket left out)
  kelurahan      a Menteng account (its kelurahan's applications and tickets only)

beside the baseline, a bare `SELECT ... FROM messages WHERE phone = ...` in the same run.

    .venv/bin/python benchmarks/conversation.py [--count 100000] [--messages 1000000] [--own 3000] [--runs 20]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# In place of this folder, whose queue.py would shadow the standard library's for redis-py.
sys.path[0] = ROOT

from benchmarks.console import migrate_from_empty  # noqa: E402
from benchmarks.console import p95  # noqa: E402
from benchmarks.console import seed  # noqa: E402
from benchmarks.console import timed  # noqa: E402
from benchmarks.dashboard import seed_history_and_messages  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

PHONE = "+6281155500001"
PASSWORD = "bench-password-123"


def seed_phone(own: int, ussd: int) -> float:
    """Other phones' USSD sessions, and the busy phone's messages, applications, tickets and sessions."""
    from sqlalchemy import insert

    from extensions import db
    from office import applications
    from office import feedback
    from office.clock import utcnow
    from office.models import Message
    from office.models import UssdSessionEvent

    started = time.monotonic()
    now = utcnow()
    db.session.execute(insert(UssdSessionEvent), [
        {"session_id": f"bench-{n}", "phone": f"+62814{n:08d}", "status": "Success", "hops": 3, "input": "1*2",
         "created_at": now - timedelta(minutes=n)} for n in range(ussd)])
    db.session.execute(insert(UssdSessionEvent), [
        {"session_id": f"own-{n}", "phone": PHONE, "status": "Incomplete", "hops": 2, "input": "2",
         "created_at": now - timedelta(hours=n)} for n in range(50)])
    made = [applications.create_application("KTP", "Budi Santoso", PHONE, place, None, actor="bench")
            for place in ("Menteng", "Menteng", "Palangka", "Bukit Tunggal", "Petuk Katimpun")]
    tickets = [feedback.submit("aduan", f"Aduan nomor {n}", phone=PHONE, channel="sms") for n in range(5)]
    tickets[0].confidential = True
    db.session.flush()
    db.session.execute(insert(Message), [
        {"direction": "in" if n % 3 == 0 else "out", "phone": PHONE, "kind": "incoming" if n % 3 == 0 else "status",
         "text": f"{tickets[n % 5].ticket} pesan {n}" if n % 7 == 0 else f"Pesan nomor {n}", "segments": 1,
         "status": "received" if n % 3 == 0 else "delivered", "priority": "high",
         "application_id": made[n % 5].id if n % 3 else None, "created_at": now - timedelta(minutes=10 * n),
         "updated_at": now} for n in range(own)])
    db.session.commit()
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="applications to insert")
    parser.add_argument("--messages", type=int, default=1_000_000, help="other phones' messages to insert")
    parser.add_argument("--own", type=int, default=3000, help="messages of the phone looked up")
    parser.add_argument("--ussd", type=int, default=100_000, help="other phones' USSD sessions")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per scenario")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is emptied)")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="lekas-conversation-bench-")
    redis = RedisServer().start()
    os.environ.update({"DATABASE_URL": args.database_url or f"sqlite:///{folder}/bench.sqlite3",
                       "REDIS_URL": redis.url, "SECRET_KEY": "benchmark", "SMS_PROVIDER": "simulator",
                       "QUIET_HOURS": "", "CALLBACK_TOKEN": ""})
    try:
        from sqlalchemy import text

        from app import create_app
        from extensions import db
        from office import accounts

        app = create_app({"WTF_CSRF_ENABLED": False})
        with app.app_context():
            migrate_from_empty(bool(args.database_url))
            print(f"inserted {args.count:,} applications in {seed(args.count):.1f} s ({db.engine.dialect.name})")
            print(f"inserted {args.messages:,} messages in {seed_history_and_messages(args.messages):.1f} s")
            print(f"inserted the phone's {args.own:,} messages and {args.ussd:,} USSD sessions in "
                  f"{seed_phone(args.own, args.ussd):.1f} s")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            accounts.create_user("bench", "Bench Operator", "operator", PASSWORD, actor="bench",
                                 must_change_password=False)
            accounts.create_user("lurah", "Bench Lurah", "kelurahan", PASSWORD, actor="bench",
                                 kelurahan="Menteng", must_change_password=False)
            db.session.commit()

            def bare():
                db.session.execute(text("SELECT * FROM messages WHERE phone = :phone ORDER BY created_at DESC"),
                                   {"phone": PHONE}).all()
                db.session.rollback()

            results = [("baseline: the phone's messages", timed(bare, args.runs))]

        for name, user in [("operator", "bench"), ("kelurahan", "lurah")]:
            client = app.test_client()
            client.post("/staff/login", data={"username": user, "password": PASSWORD})

            def look_up(client=client):
                response = client.post("/staff/conversations", data={"phone": PHONE})
                assert response.status_code == 200, response.status_code

            results.append((name, timed(look_up, args.runs)))

        base = statistics.median(results[0][1])
        print()
        print(f"{'scenario':<32} {'median ms':>9} {'p95 ms':>8} {'× baseline':>10}")
        for name, samples in results:
            middle = statistics.median(samples)
            print(f"{name:<32} {middle:>9.1f} {p95(samples):>8.1f} {middle / base:>10.1f}")
    finally:
        redis.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
