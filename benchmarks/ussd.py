"""USSD under load: concurrent simulated sessions against Lekas served by gunicorn, with baselines.

Starts its own redis-server on a free port and a gunicorn (gthread) serving `app:create_app()` against a
fresh SQLite database in a temporary folder, all on 127.0.0.1, then runs the same number of requests
with the same concurrency against:

  POST /ussd         4-hop sessions: browse requirements, read office info, or look up a status after a typo
  GET  /healthz      the cheapest route that still touches the database and Redis, like a USSD hop does
  GET  /no-such-page Flask's 404: what gunicorn and Flask cost with no I/O at all

and prints requests/s, p50 and p99 latency for each. The difference between /ussd and /healthz is what the
menu itself costs. Everything it started is stopped at the end, or after --timeout seconds.

    .venv/bin/python benchmarks/ussd.py [--clients 20] [--sessions 200] [--workers 2] [--threads 4]

The load generator runs on the same machine, so its own CPU use lowers every figure alike.
"""
import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.redis_server import RedisServer  # noqa: E402
from tests.redis_server import free_port  # noqa: E402

HOST = "127.0.0.1"
# What /ussd answers when a hop fails inside: a valid screen, but an error for the benchmark.
SORRY = "END Maaf, terjadi gangguan"


def conversations(reference: str) -> list[list[str]]:
    """The `text` AT sends on each of the 4 hops of the sessions the benchmark replays, in turn."""
    typo = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    scripts = [["1", "98", "2"], ["5", "98", "98"], ["2", typo, reference]]
    return [["*".join(script[:n]) for n in range(4)] for script in scripts]


def prepare(env: dict) -> str:
    """Migrate the database, load the catalog and register one application; return its reference."""
    os.environ.update(env)
    from app import create_app
    from commands import init_db
    from extensions import db
    from office import applications

    app = create_app()
    with app.app_context():
        init_db()
        reference = applications.create_application("KTP", "Budi Santoso", "+6281299990000", "Menteng",
                                                    actor="benchmark").reference
        db.session.commit()
        db.engine.dispose()
    return reference


def start_gunicorn(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    # The Procfiles' settings file too: without it this gunicorn would take over the user's control socket.
    cmd = [sys.executable, "-m", "gunicorn", "--config", os.path.join(ROOT, "gunicorn.conf.py"),
           "--bind", f"{HOST}:{port}", "--workers", str(workers),
           "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning", "app:create_app()"]
    server = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError("gunicorn did not answer /healthz within 30 s")


class Load:
    """`clients` threads, each with one keep-alive connection, sending `per_client` units of work."""

    def __init__(self, port: int, clients: int, per_client: int):
        self.port, self.clients, self.per_client = port, clients, per_client
        self.latencies: list[float] = []
        self.errors = 0
        self._lock = threading.Lock()

    def run(self, work) -> float:
        """Run `work(connection, client_number, unit_number, timed)` for every unit; return the wall time."""
        def client(number):
            connection = http.client.HTTPConnection(HOST, self.port, timeout=15)
            mine, errors = [], 0

            def timed(method, path, body=None, check=None):
                nonlocal errors
                headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
                started = time.perf_counter()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode()
                mine.append(time.perf_counter() - started)
                if check is not None and not check(response.status, text):
                    errors += 1

            for unit in range(self.per_client):
                work(number, unit, timed)
            connection.close()
            with self._lock:
                self.latencies.extend(mine)
                self.errors += errors

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def ussd_work(scripts):
    def ok(status, text):
        return (status == 200 and text.startswith(("CON ", "END ")) and len(text) <= 160
                and not text.startswith(SORRY))

    def work(client, unit, timed):
        session = f"bench-{client}-{unit}"
        # A phone per session, so the status lookups stay under the per-phone rate limit like real callers.
        phone = f"+62813{client:03d}{unit:04d}"
        for text in scripts[(client + unit) % len(scripts)]:
            form = urlencode({"sessionId": session, "phoneNumber": phone, "serviceCode": "*384*5758#",
                              "networkCode": "51010", "text": text})
            timed("POST", "/ussd", form, ok)
    return work


def get_work(path, expected):
    def work(client, unit, timed):
        for _ in range(4):
            timed("GET", path, check=lambda status, _text: status == expected)
    return work


def report(name: str, load: Load, seconds: float) -> str:
    ordered = sorted(load.latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return (f"{name:<22} {len(ordered):>9} {load.errors:>7} {len(ordered) / seconds:>10.0f} "
            f"{p50:>8.2f} {p99:>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent simulated phones")
    parser.add_argument("--sessions", type=int, default=200, help="4-hop sessions per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="lekas-bench-")
    redis_server = RedisServer().start()
    server = None
    watchdog = threading.Timer(args.timeout, lambda: os._exit(2))
    watchdog.daemon = True
    watchdog.start()
    try:
        env = {"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "REDIS_URL": redis_server.url,
               "SECRET_KEY": "benchmark", "SMS_PROVIDER": "simulator", "QUIET_HOURS": "", "CALLBACK_TOKEN": "",
               "LEKAS_ENV": "development"}
        scripts = conversations(prepare(env))
        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads)
        print(f"gunicorn {args.workers} workers x {args.threads} threads (gthread), SQLite + redis-server, "
              f"{args.clients} clients x {args.sessions} sessions x 4 requests, {os.cpu_count()} CPUs shared "
              f"with the load generator")
        Load(port, args.clients, 5).run(ussd_work(scripts))  # warm-up: imports, connections, caches
        print(f"{'endpoint':<22} {'requests':>9} {'errors':>7} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
        for name, work in [("POST /ussd", ussd_work(scripts)), ("GET /healthz", get_work("/healthz", 200)),
                           ("GET 404 (no I/O)", get_work("/no-such-page", 404))]:
            load = Load(port, args.clients, args.sessions)
            seconds = load.run(work)
            print(report(name, load, seconds), flush=True)
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        redis_server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
