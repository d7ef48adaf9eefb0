"""Everything the simulator remembers, in memory, behind one lock."""
import threading
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from simulator.faults import Faults


def utc_now() -> str:
    """Current time as AT writes it in callbacks: ISO 8601, milliseconds, Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class RequestFaults:
    """What the faults decided for one send request."""

    hang_s: float = 0.0
    slow_s: float = 0.0
    http_500: bool = False


class Store:
    """Messages carried, each phone's inbox and outgoing texts, counters and the fault switches."""

    def __init__(self):
        self._lock = threading.Lock()
        self.epoch = 0  # bumped by reset, so a request that outlived one can tell
        self._clear()

    def _clear(self):
        self.faults = Faults()
        self._messages: list[dict] = []
        self._inbox: dict[str, list[dict]] = defaultdict(list)
        self._sent: dict[str, list[dict]] = defaultdict(list)
        self._stats: Counter = Counter()

    def reset(self):
        """Forget every message and counter and switch every fault off."""
        with self._lock:
            self._clear()
            self.epoch += 1

    def set_faults(self, changes: dict) -> Faults:
        """Apply `changes` to the fault switches (see Faults.updated) and return the result."""
        with self._lock:
            self.faults = self.faults.updated(changes)
            return self.faults

    def take_request_faults(self) -> RequestFaults:
        """Decide this send request's hang, delay and HTTP 500, using up one-shot counters."""
        with self._lock:
            faults = self.faults
            hang = http_500 = False
            changes = {}
            if faults.timeout_count:
                hang = True
                changes["timeout_count"] = faults.timeout_count - 1
            if faults.http_500_count:
                http_500 = True
                changes["http_500_count"] = faults.http_500_count - 1
            elif Faults.chance(faults.http_500):
                http_500 = True
            if changes:
                self.faults = faults.updated(changes)
        return RequestFaults(
            hang_s=faults.timeout_s if hang else 0.0,
            slow_s=faults.slow_ms / 1000,
            http_500=http_500,
        )

    def add_messages(self, carried: list[dict]):
        """Record messages the telco took; those with status Success land in their phone's inbox."""
        with self._lock:
            self._messages.extend(carried)
            for message in carried:
                if message["status"] == "Success":
                    self._inbox[message["phone"]].append(message)

    def messages(self, phone: str | None = None) -> list[dict]:
        """What `phone` received, oldest first; without a phone every message carried."""
        with self._lock:
            return list(self._inbox.get(phone, ())) if phone else list(self._messages)

    def add_sent(self, message: dict):
        """Record a text a phone sent to the short code."""
        with self._lock:
            self._sent[message["phone"]].append(message)

    def sent(self, phone: str) -> list[dict]:
        """Texts `phone` sent to the short code, oldest first."""
        with self._lock:
            return list(self._sent.get(phone, ()))

    def count(self, key: str, amount: int = 1):
        """Add to one of the counters /api/stats shows."""
        with self._lock:
            self._stats[key] += amount

    def stats(self) -> dict:
        """Snapshot of the counters."""
        with self._lock:
            return dict(self._stats)
