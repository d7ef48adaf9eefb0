"""Lobby queue: how close the learned wait estimates come to the waits citizens really had.

Replays --days synthetic office days (Monday to Friday) through the real queue code (office/queue.py) on a
fresh SQLite database, on a simulated clock in steps of --step seconds:

  arrivals    a morning peak (most walk-ins between 08:00 and 10:30 WIB), a quieter afternoon, doors close at
              14:30; 15% priority; groups A 35%, B 30%, C 20%, D 15%
  service     minutes drawn from a log-normal around each group's own mean (A 7, B 13, C 4.5, D 2), which
              differ from the office's assumed figures (8, 10, 6, 3) that the first morning starts from
  counters    Loket 1 from 08:30, Loket 2 from 08:00, Loket 3 from 08:00 to 11:30 and again from 13:00
  no-shows    7% of called citizens never come; the counter waits 2 minutes, then marks them

Each ticket's estimate is the one `queue.issue` gave when it was taken; its real wait is from taking the
ticket to being called. Beside it, in the same run, the naive estimate other queue systems use: people ahead
x 10 minutes / counters open. It prints the mean absolute error (minutes) of both, per day and overall, and
the share of tickets whose estimate was within 5 minutes.

    .venv/bin/python benchmarks/queue_wait.py [--days 5] [--seed 7] [--step 30]
"""
import argparse
import math
import os
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.redis_server import RedisServer  # noqa: E402

WIB = timedelta(hours=7)
GROUP_SHARE = {"A": 0.35, "B": 0.30, "C": 0.20, "D": 0.15}
MEAN_MINUTES = {"A": 7.0, "B": 13.0, "C": 4.5, "D": 2.0}
SPREAD = 0.45  # sigma of the log-normal service time
PRIORITY_SHARE = 0.15
NO_SHOW_SHARE = 0.07
NO_SHOW_WAIT = timedelta(minutes=2)
# Walk-ins per hour, by local hour.
ARRIVALS = {8: 26, 9: 24, 10: 18, 11: 10, 12: 6, 13: 8, 14: 5}
# When each counter is open, local time (hours, minutes).
SHIFTS = {"1": [((8, 30), (15, 30))], "2": [((8, 0), (15, 30))], "3": [((8, 0), (11, 30)), ((13, 0), (15, 30))]}
NAIVE_MINUTES = 10


@dataclass
class Desk:
    """What the simulation knows about one counter: when its current step ends and what comes then."""

    code: str
    busy_until: datetime | None = None
    then: str | None = None  # "start", "finish" or "no_show"
    service: timedelta = timedelta()


@dataclass
class Day:
    learned: list = field(default_factory=list)  # (estimate, actual) minutes
    naive: list = field(default_factory=list)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local WIB time of `day` as the naive UTC the database holds."""
    return datetime(day.year, day.month, day.day, hour, minute) - WIB


def arrivals(day: date, rng: random.Random) -> list[tuple[datetime, str, bool]]:
    """Walk-ins of `day`: (time, group letter, priority), in time order."""
    walkins = []
    for hour, rate in ARRIVALS.items():
        moment = at(day, hour)
        end = at(day, hour + 1) if hour < 14 else at(day, 14, 30)
        while True:
            moment += timedelta(hours=rng.expovariate(rate))
            if moment >= end:
                break
            group = rng.choices(list(GROUP_SHARE), weights=list(GROUP_SHARE.values()))[0]
            walkins.append((moment, group, rng.random() < PRIORITY_SHARE))
    return walkins


def is_open(code: str, day: date, now: datetime) -> bool:
    return any(at(day, *start) <= now < at(day, *end) for start, end in SHIFTS[code])


def service_time(group: str, rng: random.Random) -> timedelta:
    mean = MEAN_MINUTES[group]
    minutes = rng.lognormvariate(math.log(mean) - SPREAD ** 2 / 2, SPREAD)
    return timedelta(minutes=max(minutes, 0.5))


def replay(day: date, rng: random.Random, step: timedelta) -> Day:
    """One office day through the queue; returns each ticket's estimates beside its real wait."""
    from extensions import db
    from office import queue

    walkins = arrivals(day, rng)
    desks = {c.code: Desk(c.code) for c in queue.counters()}
    issued = {}  # ticket id -> (learned estimate, naive estimate)
    now = at(day, 7, 55)
    while now < at(day, 17, 0):
        while walkins and walkins[0][0] <= now:
            moment, group, priority = walkins.pop(0)
            ticket = queue.issue(group, priority=priority, now=moment)
            open_now = sum(1 for c in queue.counters() if c.is_open) or 1
            issued[ticket.ticket.id] = (ticket.estimate, ticket.ahead * NAIVE_MINUTES / open_now)
        for code, desk in desks.items():
            counter = queue.get_counter(code)
            if desk.busy_until and now >= desk.busy_until:
                step_now = desk.busy_until
                if desk.then == "start":
                    queue.start(counter, step_now)
                    desk.busy_until, desk.then = step_now + desk.service, "finish"
                    continue
                (queue.finish if desk.then == "finish" else queue.no_show)(counter, step_now)
                desk.busy_until = desk.then = None
            if desk.busy_until:
                continue
            if not is_open(code, day, now):
                if counter.is_open:
                    queue.close_counter(counter, now)
                continue
            ticket = queue.call_next(counter, staff_id=None, now=now)
            if ticket is None:
                continue
            if rng.random() < NO_SHOW_SHARE:
                desk.busy_until, desk.then = now + NO_SHOW_WAIT, "no_show"
            else:
                desk.service = service_time(ticket.group.letter, rng)
                desk.busy_until, desk.then = now + timedelta(seconds=rng.uniform(20, 60)), "start"
        db.session.commit()
        now += step
    result = Day()
    from office.models import QueueTicket

    for ticket in db.session.query(QueueTicket).filter(QueueTicket.day == day, QueueTicket.called_at.is_not(None)):
        learned, naive = issued[ticket.id]
        actual = (ticket.called_at - ticket.queued_at).total_seconds() / 60
        result.learned.append((learned, actual))
        result.naive.append((naive, actual))
    return result


def mae(pairs) -> float:
    return statistics.fmean(abs(estimate - actual) for estimate, actual in pairs)


def within(pairs, minutes: float = 5) -> float:
    return 100 * sum(abs(estimate - actual) <= minutes for estimate, actual in pairs) / len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=5, help="office days to replay (Monday to Friday)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the synthetic days")
    parser.add_argument("--step", type=int, default=30, help="seconds per step of the simulated clock")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="lekas-queue-bench-")
    redis = RedisServer().start()
    os.environ.update({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "REDIS_URL": redis.url,
                       "SECRET_KEY": "benchmark", "SMS_PROVIDER": "simulator", "QUIET_HOURS": "",
                       "CALLBACK_TOKEN": ""})
    try:
        from app import create_app
        from commands import init_db

        app = create_app()
        rng = random.Random(args.seed)
        first = date(2026, 11, 2)  # a Monday
        days = [first + timedelta(days=n + 2 * (n // 5)) for n in range(args.days)]
        rows, everything = [], Day()
        with app.app_context():
            init_db()
            for day in days:
                replayed = replay(day, rng, timedelta(seconds=args.step))
                everything.learned += replayed.learned
                everything.naive += replayed.naive
                rows.append((day.strftime("%a %d %b"), replayed))
        print(f"\nLobby queue estimates, {len(everything.learned)} tickets called over {len(days)} days "
              f"(seed {args.seed}):\n")
        print(f"  {'day':<12} {'tickets':>7} {'mean wait':>10} {'learned MAE':>12} {'naive MAE':>10} "
              f"{'learned <=5 min':>16} {'naive <=5 min':>14}")
        for name, replayed in [*rows, ("all days", everything)]:
            waits = statistics.fmean(actual for _, actual in replayed.learned)
            print(f"  {name:<12} {len(replayed.learned):>7} {waits:>9.1f}m {mae(replayed.learned):>11.1f}m "
                  f"{mae(replayed.naive):>9.1f}m {within(replayed.learned):>15.0f}% {within(replayed.naive):>13.0f}%")
        print("\n  naive = people ahead x 10 min / counters open, the estimate other queue systems give")
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
