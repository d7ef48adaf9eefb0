"""USSD hops: what one costs in-process, and /ussd under load beside a bare Flask endpoint.

Starts its own redis-server on a free port and a fresh SQLite database in a temporary folder (the catalog,
one application, and 500 of the 5,000 phones having chosen English), then:

1. In-process, through Flask's test client with the same Redis and database, one after another: the mean
   time of a hop that opens a session, one that navigates from its saved state, and one whose saved state
   is lost, so that its three inputs are replayed.
2. Under load: the Procfile's `web:` line as it stands (gunicorn with gunicorn.conf.py, its workers and
   threads, its access log), on 127.0.0.1 instead of 0.0.0.0, serving Lekas; then the same line serving
   the apps of benchmarks/bare.py: a POST /ussd that does nothing, and one that makes only the two round
   trips to Redis a hop makes (one MGET, one SET), the floor for any hop that loads and saves its
   session. Against each, `wrk` keeps 50 keep-alive connections busy with the hops of
   benchmarks/ussd_hops.lua: 500 sessions picked at random, each restarting for a random phone among
   5,000 after its 4 hops (browse requirements, read the office's info, or look up a status after a
   typo), so many hops meet another phone's or an out-of-order state. After a warm-up run, it prints
   hops/s, p50 and p99 latency, the CPU gunicorn and redis-server used per hop, how the connections
   fell to gunicorn's two workers, and each throughput as a share of the bare endpoint's.

wrk (Debian's `wrk`) runs as one thread on the same 2 cores as the servers: it is C and light, but what
it uses lowers every figure alike, and so does anything else the machine runs meanwhile; the CPU per hop
does not depend on them. Everything started is stopped at the end, or after --timeout seconds.

    .venv/bin/python benchmarks/ussd.py [--seconds 20] [--warmup 10] [--rounds 5] [--timeout 600]
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from simulator.testing import wait_until_up  # noqa: E402
from tests import procfile  # noqa: E402
from tests.processes import cpu_seconds  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.redis_server import free_port  # noqa: E402

HOST = "127.0.0.1"
CONNECTIONS, SESSIONS, PHONES = 50, 500, 5000
ENGLISH_EVERY = 10  # every tenth phone has chosen English
LUA = os.path.join(ROOT, "benchmarks", "ussd_hops.lua")
LEKAS = procfile.LEKAS_APP
ENDPOINTS = (("POST /ussd (Lekas)", LEKAS), ("bare Flask", "'benchmarks.bare:create_app()'"),
             ("bare + MGET + SET", "'benchmarks.bare:create_app_with_redis()'"))


def phone(number: int) -> str:
    """The benchmark's phone `number` (0 to PHONES - 1), as ussd_hops.lua writes it."""
    return f"+62813{number:07d}"


def prepare(env: dict) -> str:
    """Migrate the database, load the catalog, register one application and the English speakers.

    Returns the application's reference.
    """
    os.environ.update(env)
    from app import create_app
    from commands import init_db
    from extensions import db
    from office import applications
    from office import citizens

    app = create_app()
    with app.app_context():
        init_db()
        reference = applications.create_application("KTP", "Budi Santoso", "+6281299990000", "Menteng",
                                                    actor="benchmark").reference
        for number in range(0, PHONES, ENGLISH_EVERY):
            citizens.set_language(phone(number), "en")
        db.session.commit()
        db.engine.dispose()
    return reference


def in_process(rounds: int) -> dict[str, float]:
    """Mean milliseconds of each kind of hop, through the test client of an app in this process."""
    from app import create_app

    client = create_app().test_client()
    kinds = {"opens a session": [], "navigates from its saved state": [], "replays a lost state": []}

    def hop(kind, session, number, text):
        form = urlencode({"sessionId": session, "phoneNumber": phone(number), "serviceCode": "*384*5758#",
                          "networkCode": "51010", "text": text})
        started = time.perf_counter()
        response = client.post("/ussd", data=form, content_type="application/x-www-form-urlencoded")
        kinds[kind].append(time.perf_counter() - started)
        assert response.text.startswith(("CON ", "END ")), response.text

    # The first round warms the catalog snapshot and Redis's connections; it is not counted.
    for round_number in range(rounds + 1):
        for number in range(0, PHONES, PHONES // 200):
            session = f"in-process-{round_number}-{number}"
            hop("opens a session", session, number, "")
            hop("navigates from its saved state", session, number, "1")
            hop("navigates from its saved state", session, number, "1*98")
            hop("replays a lost state", session + "-lost", number, "1*98*2")
        if round_number == 0:
            for times in kinds.values():
                times.clear()
    return {kind: statistics.fmean(times) * 1000 for kind, times in kinds.items()}


@contextmanager
def serving(app_spec: str, env: dict, folder: str):
    """Run the web line for `app_spec` on a free port; yield its port and the pid of its gunicorn master;
    stop it as a process manager would."""
    port = free_port()
    process = procfile.ProcfileProcess("web", {**env, "PORT": str(port)}, os.path.join(folder, "web.log"),
                                       line=procfile.loopback_web_line(app_spec)).start()
    try:
        wait_until_up(f"http://{HOST}:{port}/", timeout=30, process=process.process)
        yield port, process.process.pid
    finally:
        process.stop()


def hammer(port: int, seconds: float, reference: str, servers: list[int]) -> dict[str, float]:
    """One wrk run of ussd_hops.lua against `port`; returns what its last line reports, and the CPU the
    `servers` (pids) used per hop."""
    cmd = ["wrk", "--threads", "1", "--connections", str(CONNECTIONS), "--duration", f"{seconds:g}s",
           "--timeout", "15s", "--script", LUA, f"http://{HOST}:{port}", "--", str(SESSIONS), str(PHONES),
           reference]
    cpu_before = cpu_seconds(servers)
    wrk = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    time.sleep(min(2.0, seconds / 2))
    split = connections_per_process(port)
    output, _ = wrk.communicate(timeout=seconds + 60)
    if wrk.returncode:
        raise RuntimeError(f"wrk exited with code {wrk.returncode}")
    cpu = cpu_seconds(servers) - cpu_before
    fields = next(line for line in output.splitlines() if line.startswith("hops ")).split()[1:]
    hops, duration_us, errors, p50_us, p99_us, bad = (int(value) for value in fields)
    return {"hops": hops, "rate": hops / (duration_us / 1e6), "errors": errors + bad,
            "p50": p50_us / 1000, "p99": p99_us / 1000, "cpu": cpu / hops * 1000, "split": split}


def connections_per_process(port: int) -> str:
    """How many of the connections to `port` each server process holds, as "fewest/.../most"."""
    listing = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, check=True).stdout
    return "/".join(str(n) for n in sorted(Counter(re.findall(r"pid=(\d+)", listing)).values()))


def _out_of_time(signum, frame):
    raise TimeoutError("the benchmark ran out of time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=10, help="length of the unmeasured run before each")
    parser.add_argument("--rounds", type=int, default=5, help="in-process: rounds of 200 sessions")
    parser.add_argument("--timeout", type=int, default=600, help="stop everything after this many seconds")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    # The Procfile's own defaults for workers and threads, not this shell's.
    for name in ("WEB_CONCURRENCY", "WEB_THREADS"):
        os.environ.pop(name, None)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(args.timeout)
    folder = tempfile.mkdtemp(prefix="lekas-bench-")
    redis_server = RedisServer().start()
    try:
        env = {"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "REDIS_URL": redis_server.url,
               "SECRET_KEY": "benchmark", "SMS_PROVIDER": "simulator", "QUIET_HOURS": "", "CALLBACK_TOKEN": "",
               "LEKAS_ENV": "development"}
        reference = prepare(env)
        print(f"In-process, one hop at a time (mean of {args.rounds * 200} each):")
        for kind, ms in in_process(args.rounds).items():
            print(f"  a hop that {kind:<32} {ms:6.2f} ms")
        print(f"\n{procfile.loopback_web_line()}\n{CONNECTIONS} connections (wrk, 1 thread), {SESSIONS} sessions, "
              f"{PHONES} phones, {args.seconds:g} s after {args.warmup:g} s of warm-up, {os.cpu_count()} CPUs shared")
        print(f"{'endpoint':<20} {'hops':>8} {'errors':>7} {'hops/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'CPU ms/hop':>10} {'per worker':>10}")
        results = []
        for name, app_spec in ENDPOINTS:
            with serving(app_spec, env, folder) as (port, gunicorn):
                servers = [gunicorn, redis_server.process.pid]
                hammer(port, args.warmup, reference, servers)
                result = hammer(port, args.seconds, reference, servers)
            results.append((name, result))
            print(f"{name:<20} {result['hops']:>8} {result['errors']:>7} {result['rate']:>8.0f} "
                  f"{result['p50']:>8.1f} {result['p99']:>8.1f} {result['cpu']:>10.2f} {result['split']:>10}",
                  flush=True)
        bare = results[1][1]["rate"]
        print("throughput as a share of the bare endpoint's: "
              + ", ".join(f"{name} {result['rate'] / bare:.2f}x" for name, result in results))
        return 0
    finally:
        signal.alarm(0)
        redis_server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
