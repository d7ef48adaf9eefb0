"""A real gammu-smsd on Gammu's built-in fake phone, for tests: started on a database, stopped at the end.

The fake phone (gateway.gammu.fake_phone) never fails a send and writes the text nowhere, so tests read
the daemon's tables instead.
"""
import shutil
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select

from gateway.gammu import fake_phone
from gateway.gammu import tables

PHONE_ID = "modem1"


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

    def engine(self):
        return tables.engine_for(self.url)

    def start(self) -> "GammuDaemon":
        binary = shutil.which("gammu-smsd")
        if binary is None:
            raise RuntimeError("gammu-smsd is not installed (Debian: apt-get install gammu-smsd libdbd-sqlite3)")
        tables.create_schema(self.engine(), self.schema_dir)
        fake_phone.prepare(self.root, self.url, phone_id=PHONE_ID)
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

    def receive(self, sender: str, text: str, *, unicode: bool = False) -> None:
        """The fake phone receives `text` from `sender` (one SMS)."""
        fake_phone.receive(self.device, sender, text, unicode=unicode)

    def status_report(self, recipient: str, word: str) -> None:
        """The network's delivery report (Delivered, Failed, Pending, Unknown) for the last message sent to
        `recipient`."""
        fake_phone.status_report(self.device, recipient, word)
