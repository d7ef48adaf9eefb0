"""Broadcast throughput: fan-out time, messages per second with one and two workers, worker memory.

Starts its own redis-server, the telco simulator and `flask --app app worker` processes on 127.0.0.1,
against a fresh SQLite database in a temporary folder, with the rate limit off (SMS_RATE_LIMIT=0). It
subscribes 100,000 citizens in one insert, then for each scenario creates a broadcast the way the API
does and measures:

  fan-out   the fan-out job: resolving the audience, writing one outbox row per recipient, enqueueing
            one chunk job per SMS_CHUNK_SIZE recipients (from its start to its end, and from the
            create call to its end)
  send      recipients per second from the end of the fan-out until the simulator holds them all
  memory    peak resident memory: the worker process itself, the largest process it forked (a job, or
            RQ's scheduler), and the largest sum over the worker's whole process tree (sampled every
            0.1 s from /proc)

Scenarios: 10,000 and 100,000 recipients with one and with two workers, in bulk requests of
SMS_CHUNK_SIZE (500); then 2,000 recipients in bulk against 2,000 with SMS_CHUNK_SIZE=1, one request
(and one job) per message, with one worker. The simulator drops delivery reports (dlr_drop=1) so the
figures are about sending, not about recording reports. Everything it started is stopped at the end, or
after --timeout seconds.

    .venv/bin/python benchmarks/broadcast.py [--sizes 10000,100000] [--per-message 2000] [--timeout 1800]

Everything runs on one machine: the simulator, Redis, SQLite and the workers share its cores.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from simulator.testing import start_simulator  # noqa: E402
from tests.processes import process_tree  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.redis_server import free_port  # noqa: E402

TOTAL_SUBSCRIBERS = 100_000
TEXT = "Pengumuman Kec. Jekan Raya: perekaman KTP-el keliling hari Sabtu 08.00-12.00 di kantor kelurahan."


def subscribe(count: int) -> None:
    """Subscribe `count` citizens (+62812 and eight digits) in one insert, in the caller's transaction: the
    first 2,000 in Bukit Tunggal, the next 10,000 in Menteng, the rest in Palangka (audiences of each size)."""
    from sqlalchemy import insert

    from extensions import db
    from office import catalog
    from office.clock import utcnow
    from office.models import Citizen

    places = {place.name: place.id for place in catalog.kelurahan_list()}
    now = utcnow()

    def place_of(n):
        return places["Bukit Tunggal"] if n < 2000 else places["Menteng"] if n < 12000 else places["Palangka"]

    db.session.execute(insert(Citizen), [
        {"phone": f"+62812{n:08d}", "language": "id", "subscribed": True, "subscribed_at": now,
         "kelurahan_id": place_of(n), "created_at": now} for n in range(count)])


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB; zeros once it is gone."""
    values = {"VmRSS:": 0, "VmHWM:": 0}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                name = line.split(None, 1)[0]
                if name in values:
                    values[name] = int(line.split()[1])
    except OSError:
        pass
    return values["VmRSS:"], values["VmHWM:"]


class MemoryWatch(threading.Thread):
    """Samples each worker's process tree until stopped: peak of the worker, of a job process, of the tree."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.worker_peak = self.job_peak = self.tree_peak = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.wait(0.1):
            for pid in self.pids:
                tree = process_tree(pid)
                samples = {member: memory_kb(member) for member in tree}
                self.worker_peak = max(self.worker_peak, samples[pid][1])
                children = [hwm for member, (_rss, hwm) in samples.items() if member != pid]
                self.job_peak = max([self.job_peak, *children])
                self.tree_peak = max(self.tree_peak, sum(rss for rss, _hwm in samples.values()))

    def stop(self):
        self._halt.set()
        self.join()


class Bench:
    """The processes and the app of one benchmark run."""

    def __init__(self, folder: str, timeout: float):
        self.folder = folder
        self.deadline = time.monotonic() + timeout
        self.redis = RedisServer().start()
        self.simulator_port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "REDIS_URL": self.redis.url,
            "SECRET_KEY": "benchmark",
            "SMS_PROVIDER": "simulator",
            "SIMULATOR_PORT": str(self.simulator_port),
            "AT_API_URL": f"http://127.0.0.1:{self.simulator_port}",
            "QUIET_HOURS": "",
            "SMS_RATE_LIMIT": "0",
            "CALLBACK_TOKEN": "",
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(self.env)
        from app import create_app

        self.app = create_app()
        self.workers: list[subprocess.Popen] = []
        self.started = 0

    def prepare(self) -> None:
        """Migrate, load the catalog, subscribe TOTAL_SUBSCRIBERS citizens in three kelurahan."""
        from commands import init_db
        from extensions import db

        with self.app.app_context():
            init_db()
            started = time.monotonic()
            subscribe(TOTAL_SUBSCRIBERS)
            db.session.commit()
            print(f"subscribed {TOTAL_SUBSCRIBERS:,} citizens in {time.monotonic() - started:.1f} s")
            db.engine.dispose()

    def start_workers(self, count: int, chunk_size: int) -> None:
        env = {**self.env, "SMS_CHUNK_SIZE": str(chunk_size)}
        for _ in range(count):
            self.started += 1
            log = open(os.path.join(self.folder, f"worker-{self.started}.log"), "wb")
            self.workers.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT))
            log.close()
        time.sleep(2.0)  # let them import, connect and start listening

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in reversed(process_tree(process.pid)):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                process.wait()
        self.workers = []

    def reset(self, simulator) -> None:
        """Forget the previous scenario's queues and simulator inbox.

        Its outbox rows stay (all settled): deleting 100,000 messages takes SQLite minutes, because the
        self-referencing in_reply_to_id foreign key has no index and is checked row by row.
        """
        self.app.extensions["redis"].flushdb()
        simulator.reset()
        simulator.faults(dlr_drop=1.0)

    def scenario(self, simulator, *, recipients: int, workers: int, chunk_size: int) -> dict:
        """One broadcast of `recipients` with `workers` workers; returns its figures."""
        from rq.job import Job

        from extensions import db
        from office import broadcasts

        audience = {2000: {"kelurahan": ["Bukit Tunggal"]}, 10_000: {"kelurahan": ["Menteng"]},
                    TOTAL_SUBSCRIBERS: {"all": True}}[recipients]
        self.reset(simulator)
        self.start_workers(workers, chunk_size)
        watch = MemoryWatch([process.pid for process in self.workers])
        watch.start()
        try:
            with self.app.app_context():
                created = time.monotonic()
                broadcast, preview = broadcasts.create(TEXT, None, audience, actor="benchmark")
                assert preview.recipients == recipients, preview
                fan_out = None
                while fan_out is None or fan_out.ended_at is None:
                    self._check_deadline()
                    time.sleep(0.05)
                    fan_out = Job.fetch(f"bc-{broadcast.id}-fanout", connection=self.app.extensions["rq_redis"])
                fanned = time.monotonic()
                while simulator.stats().get("messages", 0) < recipients:
                    self._check_deadline()
                    time.sleep(0.1)
                done = time.monotonic()
                requests = simulator.stats()["requests"]
                db.session.rollback()
                counts = broadcasts.status_counts(broadcast.id)
                db.engine.dispose()
        finally:
            watch.stop()
            self.stop_workers()
        return {
            "recipients": recipients, "workers": workers, "chunk": chunk_size, "requests": requests,
            "fan_out_job_s": (fan_out.ended_at - fan_out.started_at).total_seconds(),
            "fan_out_s": fanned - created,
            "send_s": done - fanned,
            "per_second": recipients / (done - fanned),
            "worker_mb": watch.worker_peak / 1024, "job_mb": watch.job_peak / 1024, "tree_mb": watch.tree_peak / 1024,
            "sent": counts["sent"] + counts["delivered"],
        }

    def _check_deadline(self):
        if time.monotonic() > self.deadline:
            raise TimeoutError("benchmark ran past --timeout")

    def close(self):
        self.stop_workers()
        self.redis.cleanup()


def report(rows: list[dict]) -> None:
    print()
    print(f"{'recipients':>10} {'workers':>7} {'chunk':>5} {'requests':>8} {'fan-out job':>11} {'create→chunks':>13} "
          f"{'send':>8} {'msg/s':>7} {'worker MB':>9} {'child MB':>8} {'tree MB':>7}")
    for row in rows:
        print(f"{row['recipients']:>10,} {row['workers']:>7} {row['chunk']:>5} {row['requests']:>8,} "
              f"{row['fan_out_job_s']:>10.1f}s {row['fan_out_s']:>12.1f}s {row['send_s']:>7.1f}s "
              f"{row['per_second']:>7,.0f} {row['worker_mb']:>9.0f} {row['job_mb']:>8.0f} {row['tree_mb']:>7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=f"10000,{TOTAL_SUBSCRIBERS}",
                        help="bulk broadcast sizes, from 2000, 10000 and 100000")
    parser.add_argument("--per-message", type=int, default=2000, choices=(0, 2000),
                        help="size of the bulk vs one-request-per-message comparison (0 = skip)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]

    # SIGTERM (from `timeout`, say) unwinds like Ctrl+C, so the processes started here are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    folder = tempfile.mkdtemp(prefix="lekas-bench-")
    bench = Bench(folder, args.timeout)
    rows = []
    try:
        bench.prepare()
        with start_simulator(f"http://127.0.0.1:{free_port()}", port=bench.simulator_port,
                             env={"SIMULATOR_DLR_DELAY": "0"}) as simulator:
            for size in sizes:
                for workers in (1, 2):
                    rows.append(bench.scenario(simulator, recipients=size, workers=workers, chunk_size=500))
                    report(rows[-1:])
            if args.per_message:
                for chunk in (500, 1):
                    rows.append(bench.scenario(simulator, recipients=args.per_message, workers=1, chunk_size=chunk))
                    report(rows[-1:])
        report(rows)
    finally:
        bench.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
