"""The whole system under a mixed, bounded load, first alone and then while a 50,000-recipient broadcast runs.

    scripts/with-postgres .venv/bin/python benchmarks/system.py [--seconds 60] [--recipients 50000]
        [--send-rate 30] [--no-delivery-reports]

Runs what a production machine runs, each part a real process on 127.0.0.1:

- PostgreSQL: the throwaway cluster of scripts/with-postgres (TEST_DATABASE_URL), emptied and migrated;
- Redis, the telco simulator (its delivery reports come back through nginx, over HTTPS);
- two instances of the Procfile's web line (gunicorn) behind the shipped nginx site (deploy/nginx/lekas.conf,
  with only its ports, certificate and log folder changed, one nginx worker per core);
- two RQ workers of the Procfile's worker line.

Everything the load sends goes through nginx over HTTPS, at fixed rates that do not rise when answers slow
down (an open load: a slow answer cannot hold the next citizen back):

- USSD: `--sessions` new sessions a second, each of 4 hops one second apart (a service's requirements, the
  office's info, or a status lookup after a typo), from 5,000 phones;
- SMS keywords: `--sms` a second (STATUS and CEK of an application, SYARAT KTP, BANTUAN); each is answered
  through the outbox, so the workers send the replies meanwhile;
- the console: two clerks, each opening an application and moving it to "being checked" every 4 s (its SMS
  queued too);
- the kiosk: a lobby queue number taken every 12 s (the kiosk's own limit is 60 in 10 minutes).

After `--warmup` s (not counted) the load runs `--seconds` s alone; then the broadcast is created through the
API and the same load goes on until the telco has every recipient. The broadcast is sent at `--send-rate`
SMS a second (SMS_RATE_LIMIT): a telco's rate sets the pace in production, and the delivery reports coming
back at that rate stay under the webhook limit (200 a second from one address). With
`--no-delivery-reports` the telco sends none, as with the office's modem, whose reports the worker reads from
the SMS daemon's tables: the web instances then carry only the citizens' load. It prints, for each
phase, the answers of each kind (count, errors, rate, p50 and p99 latency), then the broadcast's rate, the
peak memory of a web instance and of a worker (each with what it forked), and every error nginx logged. An
error is any answer but the expected one: a 5xx, a 429, a wrong page or screen, a timeout. At the end it
checks that each recipient got the broadcast exactly once and every reply was sent.
"""
import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.broadcast import TEXT  # noqa: E402
from benchmarks.broadcast import MemoryWatch  # noqa: E402
from benchmarks.broadcast import subscribe  # noqa: E402
from benchmarks.console import migrate_from_empty  # noqa: E402
from simulator.testing import start_simulator  # noqa: E402
from tests import procfile  # noqa: E402
from tests.nginx_server import NginxServer  # noqa: E402
from tests.processes import cpu_seconds  # noqa: E402
from tests.processes import renice  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.redis_server import free_port  # noqa: E402

PHONES = 5000
APPLICATIONS = 2000
WORKER_NICE = 10
CLERK_EVERY, KIOSK_EVERY, THINK = 4.0, 12.0, 1.0
CALLBACK_TOKEN = "benchmark-callback-token-0123456789"
WAITING = ("queued", "sending")
SORRY = "END Maaf, terjadi gangguan"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def citizen_phone(number: int) -> str:
    return f"+62813{number:07d}"


def prepare(env: dict, recipients: int) -> tuple[list[str], str]:
    """Empty and migrate the database; add the demo staff and lobby queue, APPLICATIONS received
    applications and `recipients` subscribers. Returns the applications' references and an API key."""
    os.environ.update(env)

    from app import create_app
    from extensions import db
    from office import apikeys
    from office import applications
    from office import catalog

    app = create_app()
    with app.app_context():
        migrate_from_empty(True)
        seeded = app.test_cli_runner().invoke(args=["seed-demo"])
        assert seeded.exit_code == 0, seeded.output
        service, place = catalog.get_service("KTP"), catalog.find_kelurahan("Menteng")
        drafts = [applications.Draft(service, place, f"Warga {n}", citizen_phone(PHONES + n))
                  for n in range(APPLICATIONS)]
        references = [reference for _id, reference in
                      applications.create_many(drafts, actor="benchmark", notify=False)]
        subscribe(recipients)
        _key, api_key = apikeys.create_key("benchmark", actor="benchmark")
        db.session.commit()
        db.engine.dispose()
    return references, api_key


class Recorder:
    """Every answer of the load: its phase (when it was sent), kind, seconds, and whether it was right."""

    def __init__(self):
        self.phase = "warmup"
        self.phases: dict[str, list[float]] = {}  # phase -> [started, ended]
        self.answers: list[tuple[str, str, float, bool, float]] = []  # ... and when it was sent
        self.wrong: Counter = Counter()
        self._lock = threading.Lock()

    def enter(self, phase: str) -> None:
        now = time.monotonic()
        with self._lock:
            if self.phase in self.phases:
                self.phases[self.phase][1] = now
            self.phase = phase
            self.phases[phase] = [now, now]

    def timed(self, kind: str, call) -> None:
        """Run `call()`, which returns (right, what); record its time and, when wrong, what came back."""
        phase, started = self.phase, time.monotonic()
        try:
            right, what = call()
        except requests.RequestException as failed:
            right, what = False, type(failed).__name__
        seconds = time.monotonic() - started
        with self._lock:
            self.answers.append((phase, kind, seconds, right, started))
            if not right:
                self.wrong[(kind, what)] += 1


class Load:
    """The four kinds of traffic, each at its fixed rate, all through nginx's HTTPS address."""

    def __init__(self, base: str, certificate: str, references: list[str], recorder: Recorder, args):
        self.base, self.certificate, self.references, self.recorder = base, certificate, references, recorder
        self.args = args
        self.halt = threading.Event()
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=96)
        self.rng = random.Random(5)
        self.threads: list[threading.Thread] = []

    def http(self) -> requests.Session:
        """This thread's keep-alive connection to nginx."""
        if not hasattr(self.local, "session"):
            self.local.session = self._session()
        return self.local.session

    def _session(self) -> requests.Session:
        session = requests.Session()
        # Only this certificate: the environment's CA bundle (REQUESTS_CA_BUNDLE) would otherwise win over it.
        session.trust_env = False
        session.verify = self.certificate
        # Over HTTPS Flask-WTF wants a same-origin Referer with each form, as a browser sends.
        session.headers["Referer"] = f"{self.base}/"
        return session

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._every, args=(1 / self.args.sessions, self._ussd_session)),
                        threading.Thread(target=self._every, args=(1 / self.args.sms, self._sms)),
                        threading.Thread(target=self._every, args=(KIOSK_EVERY, self._kiosk_ticket))]
        for clerk in range(2):
            share = self.references[clerk::2]
            self.threads.append(threading.Thread(target=self._clerk, args=(clerk, share)))
        for thread in self.threads:
            thread.daemon = True
            thread.start()

    def stop(self) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join(timeout=30)
        self.pool.shutdown(wait=True)

    def _every(self, interval: float, task) -> None:
        """Hand `task` to the pool every `interval` s, on a fixed schedule whatever the answers take."""
        due = time.monotonic()
        while not self.halt.is_set():
            self.pool.submit(task)
            due += interval
            self.halt.wait(max(0.0, due - time.monotonic()))

    def _ussd_session(self) -> None:
        session = f"system-{self.rng.getrandbits(48):x}"
        number = citizen_phone(self.rng.randrange(PHONES))
        reference = self.rng.choice(self.references)
        typo = reference[:-1] + str((int(reference[-1]) + 1) % 10)
        script = self.rng.choice([["1", "98", "2"], ["5", "98", "98"], ["2", typo, reference]])
        for step in range(len(script) + 1):
            form = {"sessionId": session, "phoneNumber": number, "serviceCode": "*384*5758#",
                    "networkCode": "51010", "text": "*".join(script[:step])}

            def hop():
                answer = self.http().post(f"{self.base}/ussd", params={"token": CALLBACK_TOKEN}, data=form,
                                          timeout=15)
                screen = answer.text.split("\n", 1)[0]
                right = answer.status_code == 200 and screen.startswith(("CON ", "END ")) and SORRY not in screen
                return right, f"{answer.status_code} {screen[:40]}"
            self.recorder.timed("USSD hop", hop)
            if self.halt.wait(THINK):
                return

    def _sms(self) -> None:
        reference = self.rng.choice(self.references)
        text = self.rng.choice([f"STATUS {reference}", f"cek {reference}", "SYARAT KTP", "BANTUAN"])
        form = {"from": citizen_phone(self.rng.randrange(PHONES)), "to": "5758", "text": text,
                "date": time.strftime("%Y-%m-%d %H:%M:%S"), "id": f"system-{self.rng.getrandbits(48):x}",
                "linkId": ""}

        def incoming():
            answer = self.http().post(f"{self.base}/sms/incoming", params={"token": CALLBACK_TOKEN}, data=form,
                                      timeout=15)
            return answer.status_code == 200, str(answer.status_code)
        self.recorder.timed("SMS keyword", incoming)

    def _kiosk_ticket(self) -> None:
        def take():
            screen = self.http().get(f"{self.base}/kiosk/antrian", timeout=15)
            token = CSRF.search(screen.text)
            if screen.status_code != 200 or not token:
                return False, f"{screen.status_code} queue screen"
            ticket = self.http().post(f"{self.base}/kiosk/antrian/ambil", timeout=15, data={
                "csrf_token": token.group(1), "group": "A", "priority": "no", "phone": ""})
            return ticket.status_code == 200 and "/antrian/nomor/" in ticket.url, f"{ticket.status_code} ticket"
        self.recorder.timed("kiosk ticket", take)

    def _clerk(self, number: int, references: list[str]) -> None:
        with self._session() as http:
            login = http.get(f"{self.base}/staff/login", timeout=15)
            signed_in = http.post(f"{self.base}/staff/login", timeout=15, data={
                "csrf_token": CSRF.search(login.text).group(1), "username": "petugas", "password": "lekas-demo"})
            assert signed_in.status_code == 200 and "/staff/login" not in signed_in.url, signed_in.status_code
            due = time.monotonic() + number * CLERK_EVERY / 2
            for reference in references:
                if self.halt.wait(max(0.0, due - time.monotonic())):
                    return
                due += CLERK_EVERY
                self.recorder.timed("console change", lambda ref=reference: self._change(http, ref))

    def _change(self, http: requests.Session, reference: str) -> tuple[bool, str]:
        """Open the application's page and move it from RECEIVED to VERIFYING, as a clerk does."""
        page = http.get(f"{self.base}/staff/applications/{reference}", timeout=15)
        token = CSRF.search(page.text)
        if page.status_code != 200 or not token:
            return False, f"{page.status_code} application page"
        moved = http.post(f"{self.base}/staff/applications/{reference}/status", timeout=15, data={
            "csrf_token": token.group(1), "expected_status": "RECEIVED", "new_status": "VERIFYING", "note": ""})
        return moved.status_code == 200 and moved.url.endswith(f"/staff/applications/{reference}"), \
            f"{moved.status_code} status change"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(recorder: Recorder) -> dict[str, dict[str, float]]:
    """Print a table of each phase's answers by kind; returns the USSD figures per phase."""
    grouped: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for phase, kind, seconds, right, _sent in recorder.answers:
        grouped[(phase, kind)].append((seconds, right))
    print(f"\n{'phase':<18} {'kind':<15} {'answers':>8} {'errors':>7} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8}")
    ussd = {}
    for phase in ("alone", "with broadcast"):
        started, ended = recorder.phases[phase]
        for kind in ("USSD hop", "SMS keyword", "console change", "kiosk ticket"):
            samples = grouped.get((phase, kind), [])
            times = [seconds * 1000 for seconds, _right in samples]
            errors = sum(not right for _seconds, right in samples)
            if not times:
                print(f"{phase:<18} {kind:<15} {0:>8}")
                continue
            figures = {"p50": statistics.median(times), "p99": percentile(times, 0.99),
                       "rate": len(times) / (ended - started), "errors": errors}
            if kind == "USSD hop":
                ussd[phase] = figures
            print(f"{phase:<18} {kind:<15} {len(times):>8} {errors:>7} {figures['rate']:>7.1f} "
                  f"{figures['p50']:>8.1f} {figures['p99']:>8.1f}")
    return ussd


def windowed_p99(recorder: Recorder, phase: str, seconds: float) -> list[float]:
    """USSD p99 (ms) of each whole window of `seconds` in `phase`: a long phase has more rare slow hops than
    a short one, so phases of different lengths are compared window by window."""
    began, ended = recorder.phases[phase]
    windows = defaultdict(list)
    for answer_phase, kind, taken, _right, sent in recorder.answers:
        if answer_phase == phase and kind == "USSD hop" and sent < began + (ended - began) // seconds * seconds:
            windows[int((sent - began) // seconds)].append(taken * 1000)
    return [percentile(times, 0.99) for _window, times in sorted(windows.items())]


def nginx_errors(log_path: str) -> Counter:
    """(path, status) of every answer nginx logged with a status of 429 or 5xx."""
    found = Counter()
    with open(log_path) as file:
        for line in file:
            request, status = re.search(r'"(\S+ \S+) [^"]*" (\d{3}) ', line).groups()
            if status == "429" or status.startswith("5"):
                found[(request, status)] += 1
    return found


def settled(app, broadcast_id: int) -> dict:
    """How many of the broadcast's rows are settled (sent, delivered, failed, unknown or cancelled), how many
    other outgoing rows still wait (queued or sending), and each state's count, read fresh."""
    from sqlalchemy import func
    from sqlalchemy import select

    from extensions import db
    from office import broadcasts
    from office.models import Message

    with app.app_context():
        counts = broadcasts.status_counts(broadcast_id)
        others = Counter(dict(db.session.execute(select(Message.status, func.count()).where(
            Message.direction == "out", Message.broadcast_id.is_(None)).group_by(Message.status)).all()))
        db.session.rollback()
    return {"broadcast": sum(n for state, n in counts.items() if state not in WAITING),
            "others waiting": sum(others[state] for state in WAITING), "counts": counts, "others": dict(others)}


def listening_pid(port: int) -> int:
    """The pid of the process listening on the loopback `port`."""
    listing = subprocess.run(["ss", "-ltnpH", f"( sport = :{port} )"], capture_output=True, text=True,
                             check=True).stdout
    return int(re.search(r"pid=(\d+)", listing).group(1))


def own_cpu_seconds() -> float:
    """CPU used so far by this process's own threads (the load), not by the servers it started."""
    user, system, *_ = os.times()
    return user + system


class CpuMeter:
    """CPU seconds of each part of the system, read at the start and end of each phase."""

    def __init__(self, parts: dict[str, list[int]]):
        self.parts = parts
        self.readings: dict[str, tuple[float, dict[str, float]]] = {}

    def read(self, name: str) -> None:
        used = {part: cpu_seconds(pids) for part, pids in self.parts.items()}
        used["load generator"] = own_cpu_seconds()
        self.readings[name] = (time.monotonic(), used)

    def print_between(self, phases: list[tuple[str, str, str]]) -> None:
        """For each (label, first reading, last reading), the cores each part kept busy on average."""
        print(f"\n{'cores busy':<18}" + "".join(f"{part:>15}" for part in [*self.parts, "load generator"]))
        for label, first, last in phases:
            (began, before), (ended, after) = self.readings[first], self.readings[last]
            print(f"{label:<18}" + "".join(f"{(after[part] - before[part]) / (ended - began):>15.2f}"
                                          for part in after))


def _out_of_time(signum, frame):
    raise TimeoutError("the benchmark ran out of time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="the load alone, measured")
    parser.add_argument("--warmup", type=float, default=15, help="the load alone before that, not counted")
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--send-rate", type=float, default=30, help="SMS_RATE_LIMIT of the workers, SMS/s")
    parser.add_argument("--sessions", type=float, default=8, help="new USSD sessions a second (4 hops each)")
    parser.add_argument("--sms", type=float, default=2, help="SMS keywords a second")
    parser.add_argument("--no-delivery-reports", action="store_true",
                        help="the telco sends no delivery reports (to tell their cost from the sending's)")
    parser.add_argument("--timeout", type=int, default=2400, help="stop everything after this many seconds")
    args = parser.parse_args()
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        raise SystemExit("run it on PostgreSQL: scripts/with-postgres .venv/bin/python benchmarks/system.py")
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx-light)")
    for name in ("WEB_CONCURRENCY", "WEB_THREADS"):  # the Procfile's own workers and threads
        os.environ.pop(name, None)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(args.timeout)

    folder = tempfile.mkdtemp(prefix="lekas-system-")
    redis_server = RedisServer().start()
    simulator_port = free_port()
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_server.url, "SECRET_KEY": "benchmark",
           "SMS_PROVIDER": "simulator", "AT_API_URL": f"http://127.0.0.1:{simulator_port}", "QUIET_HOURS": "",
           "CALLBACK_TOKEN": CALLBACK_TOKEN, "PROXY_HOPS": "1", "LEKAS_ENV": "development",
           "SMS_RATE_LIMIT": f"{args.send_rate:g}", "DEFAULT_LANGUAGE": "id"}
    webs, workers, nginx, load = [], [], None, None
    try:
        started = time.monotonic()
        references, api_key = prepare(env, args.recipients)
        print(f"prepared {APPLICATIONS:,} applications and {args.recipients:,} subscribers on PostgreSQL "
              f"in {time.monotonic() - started:.0f} s")
        webs = [procfile.LoopbackWeb(env, folder, number).start() for number in (1, 2)]
        nginx = NginxServer(folder, [web.port for web in webs], workers="auto").configure().start()
        # As deploy/systemd/lekas-worker@.service runs them: below the web instances, so sending waits a
        # moment while a citizen's hop is answered.
        worker_line = f"nice -n {WORKER_NICE} {procfile.command('worker')}"
        workers = [procfile.ProcfileProcess("worker", env, os.path.join(folder, f"worker{n}.log"),
                                            line=worker_line).start() for n in (1, 2)]
        web_memory = MemoryWatch([web.process.process.pid for web in webs])
        worker_memory = MemoryWatch([worker.process.pid for worker in workers])
        with start_simulator(nginx.https, port=simulator_port,
                             env={"REQUESTS_CA_BUNDLE": nginx.certificate, "CALLBACK_TOKEN": CALLBACK_TOKEN,
                                  "SIMULATOR_DLR_DELAY": "1"}) as simulator:
            from app import create_app

            # The simulator stands for the telco's own servers, not for a part of this machine's load.
            simulator_pid = listening_pid(simulator_port)
            renice(simulator_pid, 19)
            with open(os.path.join(os.environ["TEST_PG_DATA"], "postmaster.pid")) as file:
                postgres = int(file.readline())
            meter = CpuMeter({"web (2)": [web.process.process.pid for web in webs],
                              "workers (2)": [worker.process.pid for worker in workers],
                              "PostgreSQL": [postgres], "Redis": [redis_server.process.pid],
                              "nginx": [nginx.pid()], "simulator": [simulator_pid]})
            if args.no_delivery_reports:
                simulator.faults(dlr_drop=1.0)
            app = create_app()
            recorder = Recorder()
            load = Load(nginx.https, nginx.certificate, references, recorder, args)
            web_memory.start()
            worker_memory.start()
            load.start()
            print(f"{procfile.loopback_web_line()}  x2, behind nginx; 2 x `{procfile.command('worker')}`")
            print(f"load: {args.sessions:g} USSD sessions/s (4 hops), {args.sms:g} SMS keywords/s, "
                  f"2 clerks (a change every {CLERK_EVERY:g} s each), a kiosk ticket every {KIOSK_EVERY:g} s")
            time.sleep(args.warmup)
            recorder.enter("alone")
            meter.read("alone")
            time.sleep(args.seconds)
            recorder.enter("with broadcast")
            meter.read("with broadcast")
            created = requests.post(f"{nginx.https}/api/v1/broadcasts", verify=nginx.certificate, timeout=60,
                                    headers={"Authorization": f"Bearer {api_key}"},
                                    json={"text": TEXT, "audience": {"all": True}})
            assert created.status_code == 201, created.text
            broadcast_id, sent_from = created.json()["id"], time.monotonic()
            assert created.json()["recipients"] == args.recipients, created.json()
            while settled(app, broadcast_id)["broadcast"] < args.recipients:
                time.sleep(1)
            sending_took = time.monotonic() - sent_from
            recorder.enter("after")
            meter.read("after")
            load.stop()
            load = None
            deadline = time.monotonic() + 120
            while settled(app, broadcast_id)["others waiting"] and time.monotonic() < deadline:
                time.sleep(1)  # the last replies
            time.sleep(3)  # and their delivery reports
            web_memory.stop()
            worker_memory.stop()
            ussd = report(recorder)
            meter.print_between([("alone", "alone", "with broadcast"), ("with broadcast", "with broadcast", "after")])
            final = settled(app, broadcast_id)
            carried = Counter(m["phone"] for m in simulator.messages() if m["text"] == TEXT)

        print(f"\nbroadcast: {args.recipients:,} recipients sent in {sending_took:.0f} s "
              f"({args.recipients / sending_took:.0f} SMS/s, SMS_RATE_LIMIT={args.send_rate:g})")
        print(f"peak memory: a web instance {web_memory.tree_peak / 1024:.0f} MB (gunicorn and its 2 workers), "
              f"a worker {worker_memory.tree_peak / 1024:.0f} MB (with its job process)")
        alone, loaded = ussd["alone"]["p99"], ussd["with broadcast"]["p99"]
        print(f"USSD p99 with the broadcast / alone: {loaded:.1f} / {alone:.1f} ms = {loaded / alone:.2f}x "
              f"(goal: at most 1.5x)")
        windows = windowed_p99(recorder, "with broadcast", args.seconds)
        if windows:
            middle = statistics.median(windows)
            print(f"USSD p99 of each {args.seconds:g} s during the broadcast: median {middle:.1f} ms "
                  f"({middle / alone:.2f}x), worst {max(windows):.1f} ms, of {len(windows)}")
        print(f"outgoing rows of the broadcast: {final['counts']}; the others: {final['others']}")
        print(f"the telco carried the broadcast to {len(carried):,} phones, "
              f"{sum(n > 1 for n in carried.values())} of them more than once")
        errors = nginx_errors(nginx.log)
        print("nginx answered 429 or 5xx: " + (", ".join(f"{path} {status} x{n}" for (path, status), n in
                                                         errors.items()) or "never"))
        if recorder.wrong:
            print("wrong answers: " + ", ".join(f"{kind} {what} x{n}" for (kind, what), n in recorder.wrong.items()))
        return 0
    finally:
        signal.alarm(0)
        if load is not None:
            load.stop()
        for worker in workers:
            worker.stop()
        if nginx is not None:
            nginx.stop()
        for web in webs:
            web.stop()
        redis_server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
