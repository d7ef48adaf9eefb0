"""The office's own GSM modems (SMS_PROVIDER=gammu), as the console and /healthz show them.

The domain reads no gateway: the app installs the function that reads the modems (set_reader), as it
installs the outbox's dispatcher.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

# A daemon that has not written its status for this long is taken as stopped or cut off from its modem.
STALE_AFTER = timedelta(minutes=2)


class Unreachable(Exception):
    """The daemons' database did not answer."""


@dataclass(frozen=True)
class ModemState:
    """One modem as its daemon last reported it; the IMEI is masked, the rest as the daemon wrote it."""

    phone_id: str
    imei: str
    network: str | None
    signal: int | None  # percent; None when the modem does not say
    battery: int | None
    sent: int
    received: int
    last_seen: datetime | None  # naive UTC
    stale: bool

    def as_dict(self) -> dict:
        return {"phone_id": self.phone_id, "imei": self.imei, "network": self.network, "signal": self.signal,
                "battery": self.battery, "sent": self.sent, "received": self.received,
                "last_seen": self.last_seen.isoformat() + "Z" if self.last_seen else None,
                "state": "stale" if self.stale else "ok"}


_reader: Callable[[], list[ModemState] | None] | None = None


def set_reader(reader: Callable[[], list[ModemState] | None] | None) -> None:
    """Install the function that reads the modems (None when the office sends through no modem)."""
    global _reader
    _reader = reader


def states() -> list[ModemState] | None:
    """Every modem the daemons report, or None when the office does not send through a modem.

    :raise Unreachable: when the daemons' database does not answer.
    """
    return _reader() if _reader is not None else None


def mask_imei(imei: str) -> str:
    """An IMEI with all but its last four digits hidden: it identifies the device and is nobody's business."""
    imei = imei or ""
    return "*" * max(len(imei) - 4, 0) + imei[-4:]


def is_stale(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is None or now - last_seen > STALE_AFTER
