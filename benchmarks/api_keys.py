"""What counting each API key's use costs on the API's hot path.

Every API request checks its key and counts one use of it. This times `GET /api/v1/services` through the real
app (Flask's test client) counting three ways: in Redis (one pipelined HINCRBY and HSET, folded into the row by
the worker's housekeeping: what ships), by an atomic `UPDATE api_keys SET use_count = use_count + 1,
last_used_at = ...` committed with the request (what the code did before, less the count: it wrote
last_used_at per request), and not at all (the key still looked up and checked). Per mode: the median and 95th
percentile of --runs requests one at a time, then --threads threads sharing one key, --runs requests in all
(requests per second), which is where a write per request hurts: every request then writes the same row.
The modes take turns for --rounds rounds.

    .venv/bin/python benchmarks/api_keys.py [--runs 1000] [--threads 4] [--rounds 3] [--database-url ...]

SQLite in a temporary folder unless --database-url names a PostgreSQL database (it is emptied).
"""
import argparse
import os
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.console import p95  # noqa: E402
from benchmarks.console import seeded_app  # noqa: E402
from benchmarks.console import timed  # noqa: E402


def throughput(app, headers: dict, threads: int, runs: int) -> float:
    """Requests per second of `threads` threads each sending `runs` requests with the same key."""
    start = threading.Barrier(threads + 1)

    def send():
        client = app.test_client()
        start.wait()
        for _ in range(runs):
            assert client.get("/api/v1/services", headers=headers).status_code == 200

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return threads * runs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="requests per mode and round (the threads share them)")
    parser.add_argument("--threads", type=int, default=4, help="threads sending at once")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the modes")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is emptied)")
    args = parser.parse_args()

    with seeded_app(0, args.database_url, "lekas-apikeys-bench-") as app:
        from extensions import db
        from office import apikeys

        with app.app_context():
            key, token = apikeys.create_key("bench", actor="bench")
            db.session.commit()
            key_id = key.id
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()

        def get():
            assert client.get("/api/v1/services", headers=headers).status_code == 200

        def in_the_row(key):
            apikeys._add_uses(key.id, 1, apikeys.utcnow())  # noqa: SLF001

        modes = {"in Redis (as shipped)": apikeys._count_use, "UPDATE of the row": in_the_row,  # noqa: SLF001
                 "not counted": lambda _key: None}
        samples = {label: [] for label in modes}
        rates = {label: [] for label in modes}
        # Rounds interleave the modes, so that load from elsewhere on the machine falls on each alike.
        for _ in range(args.rounds):
            for label, count in modes.items():
                apikeys._count_use = count  # noqa: SLF001
                samples[label] += timed(get, args.runs)
                rates[label].append(throughput(app, headers, args.threads, args.runs // args.threads))
        apikeys._count_use = modes["in Redis (as shipped)"]  # noqa: SLF001
        with app.app_context():
            uses = apikeys.usage([apikeys.get_key(key_id)])[key_id].count
            dialect = db.engine.dialect.name
        print(f"\nGET /api/v1/services, {dialect}: {args.rounds} rounds of {args.runs} requests per mode, one at a "
              f"time, then {args.threads} threads at once; the key counted {uses:,} uses")
        print(f"{'counting':<24} {'median ms':>9} {'p95 ms':>8} {'req/s, threads':>15}")
        for label in modes:
            print(f"{label:<24} {statistics.median(samples[label]):>9.2f} {p95(samples[label]):>8.2f} "
                  f"{statistics.median(rates[label]):>15.0f}")


if __name__ == "__main__":
    main()
