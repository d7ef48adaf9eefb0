"""Send latency through gammu-smsd: from the moment Lekas's provider has queued a message in the daemon's
outbox to the moment the daemon has recorded it SendingOK in sentitems.

Runs the real daemon (Debian's gammu-smsd) on Gammu's fake phone with the development timings of
deploy/gammu/smsdrc.fake-phone (commtimeout 1, receivefrequency 1, loopsleep 1), on a fresh SQLite
database (or --database-url, e.g. a PostgreSQL database of its own). Two runs of --count messages:

  one by one  each message queued only after the previous one is in sentitems: the latency a citizen's
              reply sees when the modem is idle
  burst       all queued at once, as a broadcast chunk does: how long the last waits, and the drain rate

Sentitems is polled every 20 ms, so figures are within ~20 ms. The fake phone takes no time to "send";
a real modem does (see the README: 3-10 s per SMS, 6-20 SMS a minute).

    .venv/bin/python benchmarks/gammu.py [--count 50] [--database-url URL]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# benchmarks/queue.py would hide the standard library's queue module (redis imports it): this folder leaves
# the path, the repository's root joins it.
sys.path[:] = [ROOT] + [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import commands  # noqa: E402,F401  (SQLite pragmas, WAL and a busy timeout, on every engine, as Lekas runs)
from config import SETTINGS  # noqa: E402
from gateway.gammu import tables  # noqa: E402
from gateway.gammu.provider import GammuProvider  # noqa: E402
from tests.gammu_daemon import GammuDaemon  # noqa: E402

TEXT = "Permohonan KTP-el Anda (3179193046) sudah siap diambil di Kantor Camat Jekan Raya."
POLL = 0.02


def sent(engine, creators: set[str]) -> dict[str, float]:
    """The CreatorIDs among `creators` the daemon has sent, with the moment this poll saw them."""
    with engine.connect() as connection:
        rows = connection.execute(tables.sentitems.select().with_only_columns(tables.sentitems.c.CreatorID)
                                  .where(tables.sentitems.c.CreatorID.in_(creators),
                                         tables.sentitems.c.Status.in_(("SendingOK", "SendingOKNoReport")))).all()
    now = time.monotonic()
    return {row.CreatorID: now for row in rows}


def wait_all(engine, queued: dict[str, float], timeout: float) -> dict[str, float]:
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(queued):
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(seen)} of {len(queued)} messages reached sentitems in {timeout} s")
        for creator, at in sent(engine, set(queued) - set(seen)).items():
            seen.setdefault(creator, at)
        time.sleep(POLL)
    return {creator: seen[creator] - queued[creator] for creator in queued}


def queue(provider: GammuProvider, message_id: int) -> float:
    while True:
        [result] = provider.send(TEXT, [f"+62812{message_id:08d}"], message_ids=[message_id])
        if result.outcome == "accepted":
            return time.monotonic()
        time.sleep(0.05)  # the daemon held the SQLite file: the send job would retry too


def figures(name: str, latencies: list[float], wall: float | None = None) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    line = (f"{name:<11} n={len(ordered)}  p50 {statistics.median(ordered):.2f} s  p95 {p95:.2f} s  "
            f"max {ordered[-1]:.2f} s")
    if wall:
        line += f"  drained in {wall:.1f} s ({len(ordered) / wall * 60:.0f} SMS/min)"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="lekas-gammu-bench-")
    url = args.database_url or f"sqlite:///{root}/smsd.db"
    schema_dir = next(setting.default for setting in SETTINGS if setting.name == "GAMMU_SCHEMA_DIR")
    daemon = GammuDaemon(root, url, schema_dir).start()
    try:
        tables.clear(daemon.engine())
        provider = GammuProvider(url)
        one_by_one = []
        for n in range(1, args.count + 1):
            at = queue(provider, n)
            one_by_one += wait_all(daemon.engine(), {f"lekas:{n}": at}, timeout=60).values()
        start = time.monotonic()
        burst = {f"lekas:{n}": queue(provider, n) for n in range(10_001, 10_001 + args.count)}
        waits = wait_all(daemon.engine(), burst, timeout=30 + 5 * args.count)
        wall = time.monotonic() - start
        print(f"gammu-smsd {daemon.process.pid} on the fake phone, {url.split(':')[0]}, {args.count} messages each")
        print(figures("one by one", one_by_one))
        print(figures("burst", list(waits.values()), wall))
    finally:
        daemon.stop()


if __name__ == "__main__":
    main()
