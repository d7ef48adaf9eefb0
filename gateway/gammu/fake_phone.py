"""Gammu's built-in fake phone (the "dummy" driver), for development and tests: it keeps its state in a
directory, and a message file dropped into its `sms/1/` folder is an SMS it receives. A send never fails
and its text is written nowhere; the daemon's `sentitems` is where a sent message shows.

The file format is Gammu's SMS backup format; texts are UTF-16BE in hex. Files are written under another
name and renamed into place, because the daemon reads (and deletes) every file it finds there.
"""
import itertools
import os
from datetime import UTC
from datetime import datetime
from pathlib import Path

from gateway.gammu import smsdrc

SMSC = "+6281100000"
# The fake phone answers every send with message reference 255; a status report names it.
MESSAGE_REFERENCE = 255
_counter = itertools.count(1)


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _drop(device: Path, lines: list[str]) -> Path:
    inbox = Path(device) / "sms" / "1"
    inbox.mkdir(parents=True, exist_ok=True)
    staging = Path(device) / f".incoming-{os.getpid()}-{next(_counter)}"
    staging.write_text("\n".join(["[SMSBackup000]", *lines, ""]), encoding="utf-8")
    for number in range(1, 10001):
        target = inbox / str(number)
        if not target.exists():
            staging.rename(target)
            return target
    raise RuntimeError(f"{inbox} is full: is gammu-smsd running?")


def _now() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}"


def receive(device: Path, sender: str, text: str, *, unicode: bool = False) -> Path:
    """The fake phone in `device` receives one SMS with `text` from `sender`."""
    return _drop(device, [f'SMSC = "{SMSC}"', "State = UnRead", "PDU = Deliver", f'Number = "{sender}"',
                          f"Coding = {'Unicode' if unicode else 'Default'}", "Folder = 1", f"DateTime = {_now()}",
                          f"Text00 = {_hex(text)}"])


def status_report(device: Path, recipient: str, word: str) -> Path:
    """The network's delivery report for the last message sent to `recipient`: Delivered, Failed, Pending or
    Unknown (with several messages waiting for a report from one number, the daemon picks which)."""
    return _drop(device, ['SMSC = "123456"', "State = UnRead", "PDU = Status_Report", f'Number = "{recipient}"',
                          f"MessageReference = {MESSAGE_REFERENCE}", "Coding = Default", "Folder = 1",
                          f"DateTime = {_now()}", f"Text00 = {_hex(word)}"])


def prepare(root: Path, url: str, *, phone_id: str = "modem1") -> Path:
    """Make `root` ready for gammu-smsd on the fake phone and the database at `url`: the phone's directory
    and the configuration (root/smsdrc, from deploy/gammu/smsdrc.fake-phone); returns that file's path."""
    root = Path(root).resolve()
    (root / "phone").mkdir(parents=True, exist_ok=True)
    path = root / "smsdrc"
    path.write_text(smsdrc.render(url, device=str(root / "phone"), logfile=str(root / "smsd.log"),
                                  phone_id=phone_id), encoding="utf-8")
    return path
