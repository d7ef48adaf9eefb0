"""A real gammu-smsd on Gammu's built-in fake phone, for tests: started on a database, stopped at the end.

The fake phone ("dummy" driver) keeps its state in a directory: a message file dropped into `sms/1/`
is an SMS it receives; a send never fails and its text is written nowhere, so tests read the daemon's
tables instead.
"""
import os
import shutil
import signal
import subprocess
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select

from gateway.gammu import smsdrc
from gateway.gammu import tables

PHONE_ID = "modem1"
SMSC = "+6281100000"


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


class GammuDaemon:
    """`gammu-smsd -c <smsdrc> -p <pidfile>` on the fake phone in `root`, with its tables at `url`."""

    def __init__(self, root: Path, url: str, schema_dir: str):
        self.root = Path(root)
        self.url = url
        self.schema_dir = schema_dir
        self.device = self.root / "phone"
        self.rc = self.root / "smsdrc"
        self.pidfile = self.root / "smsd.pid"
        self.logfile = self.root / "smsd.log"
        self.process = None
        self._files = 0

    def engine(self):
        return tables.engine_for(self.url)

    def start(self) -> "GammuDaemon":
        binary = shutil.which("gammu-smsd")
        if binary is None:
            raise RuntimeError("gammu-smsd is not installed (Debian: apt-get install gammu-smsd libdbd-sqlite3)")
        self.device.mkdir(parents=True, exist_ok=True)
        tables.create_schema(self.engine(), self.schema_dir)
        self.rc.write_text(smsdrc.render(self.url, device=str(self.device), logfile=str(self.logfile),
                                         phone_id=PHONE_ID))
        self.process = subprocess.Popen([binary, "-c", str(self.rc), "-p", str(self.pidfile)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self.connected():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gammu-smsd did not start:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        return self

    def connected(self) -> bool:
        """True once the daemon has written its phone's row (it is connected to the fake phone)."""
        with self.engine().connect() as connection:
            return bool(connection.scalar(select(func.count()).select_from(tables.phones)))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def _drop(self, lines: list[str]) -> None:
        """Write a message file under another name, then rename it into `sms/1/`: the daemon must never
        read half a file (it deletes each file it has read)."""
        self._files += 1
        inbox = self.device / "sms" / "1"
        inbox.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"incoming-{self._files}.tmp"
        staging.write_text("\n".join(["[SMSBackup000]", *lines, ""]), encoding="utf-8")
        number = 1 + (os.getpid() + self._files) % 9999
        while (inbox / str(number)).exists():
            number = 1 + number % 9999
        staging.rename(inbox / str(number))

    def receive(self, sender: str, text: str, *, unicode: bool = False) -> None:
        """The fake phone receives `text` from `sender` (one SMS)."""
        self._drop([f'SMSC = "{SMSC}"', "State = UnRead", "PDU = Deliver", f'Number = "{sender}"',
                    f"Coding = {'Unicode' if unicode else 'Default'}", "Folder = 1",
                    f"DateTime = {datetime.now(UTC):%Y%m%dT%H%M%S}", f"Text00 = {_hex(text)}"])

    def status_report(self, recipient: str, word: str) -> None:
        """The network's delivery report for the last message sent to `recipient`: Delivered, Failed,
        Pending or Unknown (the fake phone's message reference is always 255)."""
        self._drop(['SMSC = "123456"', "State = UnRead", "PDU = Status_Report", f'Number = "{recipient}"',
                    "MessageReference = 255", "Coding = Default", "Folder = 1",
                    f"DateTime = {datetime.now(UTC):%Y%m%dT%H%M%S}", f"Text00 = {_hex(word)}"])
