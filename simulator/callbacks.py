"""Calls the simulator makes on Lekas: delivery reports later, USSD and incoming SMS right away."""
import logging
import queue
import threading
import time
from urllib.parse import urlencode

import requests

from simulator.store import Store

log = logging.getLogger(__name__)

# AT gives an application 10 s to accept the connection and 15 s to answer a USSD hop.
USSD_TIMEOUT = (10, 15)
REPORT_TIMEOUT = (5, 10)


class Callbacks:
    """Posts AT-shaped forms to Lekas, with `?token=` appended when a callback token is set.

    Delivery reports wait in a queue served by a few worker threads so the send answer never
    waits for them; `cancel_pending` drops reports still waiting (used on reset).
    """

    def __init__(self, store: Store, app_url: str, token: str | None, delay: float, workers: int):
        self._store = store
        self._app_url = app_url.rstrip("/")
        self._token = token
        self._delay = delay
        self._queue: queue.Queue = queue.Queue()
        self._generation = 0
        self._in_flight = 0
        self._idle = threading.Condition()
        self._local = threading.local()
        for number in range(workers):
            threading.Thread(target=self._work, name=f"callbacks-{number}", daemon=True).start()

    def url(self, path: str) -> str:
        """Lekas's URL for `path`, carrying the callback token if there is one."""
        url = self._app_url + path
        return f"{url}?{urlencode({'token': self._token})}" if self._token else url

    def post(self, path: str, form: dict, timeout=REPORT_TIMEOUT) -> requests.Response:
        """POST `form` to Lekas now and return its answer; connection errors propagate."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session.post(self.url(path), data=form, timeout=timeout)

    def report_later(self, report: dict, copies: int = 1):
        """Send the delivery report `report` to /sms/delivery after the configured delay, `copies` times."""
        due = time.monotonic() + self._delay
        for _ in range(copies):
            self._queue.put((due, self._generation, "/sms/delivery", report))

    def notify(self, path: str, form: dict):
        """Send `form` to `path` in the background, as soon as a worker is free."""
        self._queue.put((0.0, self._generation, path, form))

    def cancel_pending(self, wait: float = 2.0):
        """Forget every callback not yet sent, and give those being sent `wait` seconds to finish.

        Waiting makes a reset a clean cut: nothing from before it reaches Lekas after it returns.
        """
        with self._idle:
            self._generation += 1
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=wait)

    def _work(self):
        while True:
            due, generation, path, form = self._queue.get()
            wait = due - time.monotonic()
            if wait > 0 and generation == self._generation:
                time.sleep(wait)
            with self._idle:
                if generation != self._generation:
                    continue
                self._in_flight += 1
            try:
                self._deliver(path, form)
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._idle.notify_all()

    def _deliver(self, path: str, form: dict):
        kind = "dlr" if path == "/sms/delivery" else "events"
        try:
            answer = self.post(path, form)
        except requests.RequestException as exc:
            self._store.count(f"{kind}_failed")
            # The exception's text names the URL, token included: its kind says enough.
            log.warning("callback %s failed: %s", path, type(exc).__name__)
            return
        if answer.ok:
            self._store.count(f"{kind}_sent")
        else:
            self._store.count(f"{kind}_failed")
            log.warning("callback %s answered HTTP %s", path, answer.status_code)
