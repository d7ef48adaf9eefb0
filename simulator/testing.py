"""Helpers for tests and scripts: start a simulator, drive it, and stand in for Lekas's webhooks."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import requests
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SimulatorClient:
    """Talks to a running simulator's JSON API; every method raises on an HTTP error."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self._http = requests.Session()

    def _call(self, method: str, path: str, **kwargs):
        answer = self._http.request(method, self.url + path, timeout=30, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def reset(self) -> None:
        """Switch faults off and forget messages, sessions, counters and pending callbacks."""
        self._call("POST", "/api/reset")

    def messages(self, phone: str | None = None) -> list[dict]:
        """What `phone` received, or every message carried."""
        return self._call("GET", "/api/messages", params={"phone": phone} if phone else None)

    def ussd(self, phone: str, input: str | None = None, **extra) -> dict:
        """One USSD step: dial when `input` is None, else answer the open screen."""
        return self._call("POST", "/api/ussd", json={"phone": phone, "input": input, **extra})

    def dial(self, phone: str, *inputs: str) -> list[str]:
        """A whole USSD conversation: dial, send each input, return every screen shown."""
        screens = [self.ussd(phone)["screen"]]
        for user_input in inputs:
            screens.append(self.ussd(phone, user_input)["screen"])
        return screens

    def hang_up(self, phone: str) -> dict:
        """Cancel `phone`'s open USSD session."""
        return self._call("POST", "/api/ussd/end", json={"phone": phone})

    def sms(self, phone: str, text: str) -> dict:
        """Text the short code from `phone`; returns {id, linkId, status_code, ...}."""
        return self._call("POST", "/api/sms", json={"phone": phone, "text": text})

    def faults(self, **settings) -> dict:
        """Change fault switches (see /api/faults); returns them all."""
        return self._call("POST", "/api/faults", json=settings)

    def stats(self) -> dict:
        """The simulator's counters."""
        return self._call("GET", "/api/stats")

    def wait_for_stats(self, timeout: float = 5.0, **expected: int) -> dict:
        """Poll until each named counter equals its expected value, e.g. wait_for_stats(dlr_sent=3).

        :raise TimeoutError: showing the counters as they last were.
        """
        deadline = time.monotonic() + timeout
        while True:
            stats = self.stats()
            if all(stats.get(key, 0) == value for key, value in expected.items()):
                return stats
            if time.monotonic() > deadline:
                raise TimeoutError(f"counters never reached {expected}: {stats}")
            time.sleep(0.02)

    def wait_for_messages(self, phone: str | None, count: int, timeout: float = 5.0) -> list[dict]:
        """Poll until `phone` (or the whole simulator) has received `count` messages; return them.

        :raise TimeoutError: listing what did arrive.
        """
        deadline = time.monotonic() + timeout
        while True:
            received = self.messages(phone)
            if len(received) >= count:
                return received
            if time.monotonic() > deadline:
                raise TimeoutError(f"{phone or 'simulator'} got {len(received)} of {count} messages: "
                                   f"{[m['text'] for m in received]}")
            time.sleep(0.05)


def wait_until_up(url: str, timeout: float = 15.0, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers; fail early if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):
            # A server still booting may take the connection and answer only later.
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered at {url} within {timeout} s")


@contextlib.contextmanager
def start_simulator(app_url: str, *, port: int | None = None,
                    env: dict | None = None) -> Iterator[SimulatorClient]:
    """Run `python -m simulator` calling Lekas at `app_url`; yield a client, stop it on exit.

    `env` adds to (or, with None values, removes from) the inherited environment, e.g.
    {"AT_API_KEY": "k", "SIMULATOR_DLR_DELAY": "0.1"}.
    """
    port = port or free_port()
    child_env = {**os.environ, "SIMULATOR_PORT": str(port), "APP_URL": app_url, "SIMULATOR_HOST": "127.0.0.1"}
    # The child must import this very package, wherever the caller's working directory is.
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, child_env.get("PYTHONPATH")]))
    for key, value in (env or {}).items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = str(value)
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "simulator"], env=child_env,
                                   stdout=subprocess.DEVNULL, stderr=log)
        try:
            try:
                wait_until_up(url + "/api/stats", process=process)
            except (RuntimeError, TimeoutError) as exc:
                log.seek(0)
                raise RuntimeError(f"{exc}; its log:\n{log.read().decode(errors='replace')[-4000:]}") from None
            yield SimulatorClient(url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class CallbackRecorder:
    """A tiny HTTP server standing in for Lekas's webhooks: records every request it gets.

    USSD hops are answered by `ussd_reply(form) -> body` (default: a fixed CON menu).
    Use as a context manager; `url` is its base URL.
    """

    def __init__(self, ussd_reply: Callable[[dict], str] | None = None):
        self._default_reply = ussd_reply or (lambda form: "CON Menu\n1. Yes\n2. No")
        self.ussd_reply = self._default_reply
        self.status = 200
        self.requests: list[dict] = []
        self._by_path: dict[str, list[dict]] = {}
        self._changed = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "CallbackRecorder":
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        record = {"path": request.path, "args": request.args.to_dict(), "form": request.form.to_dict()}
        with self._changed:
            self.requests.append(record)
            self._by_path.setdefault(request.path, []).append(record)
            self._changed.notify_all()
        if request.path == "/ussd":
            response = Response(self.ussd_reply(record["form"]), status=self.status, content_type="text/plain")
        else:
            response = Response("", status=self.status)
        return response(environ, start_response)

    def clear(self) -> None:
        """Forget what was recorded; answer 200 and the default USSD reply again."""
        with self._changed:
            self.requests.clear()
            self._by_path.clear()
        self.status = 200
        self.ussd_reply = self._default_reply

    def received(self, path: str) -> list[dict]:
        """Requests recorded for `path`, oldest first."""
        with self._changed:
            return list(self._by_path.get(path, ()))

    def wait_for(self, path: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Block until `count` requests reached `path`; return them.

        :raise TimeoutError: when they do not arrive in time.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._by_path.get(path, ())) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._by_path.get(path, ()))} of {count} requests reached {path}")
                self._changed.wait(remaining)
            return list(self._by_path[path])
