"""The Procfiles' lines run the way a process manager runs them: through a shell, from the repository's root,
with this virtualenv's commands (gunicorn, flask, python) first on PATH."""
import os
import signal
import subprocess
import sys

from simulator.testing import wait_until_up
from tests.helpers import ROOT
from tests.processes import kill_tree
from tests.processes import process_tree
from tests.redis_server import free_port


def command(name: str, procfile: str = "Procfile") -> str:
    """The command line of process type `name` (`web`, `worker`, `telco`) in `procfile`."""
    with open(os.path.join(ROOT, procfile), encoding="utf-8") as fh:
        for line in fh:
            kind, _, cmd = line.partition(":")
            if kind.strip() == name:
                return cmd.strip()
    raise LookupError(f"{procfile} has no {name}: line")


LEKAS_APP = "'app:create_app()'"


def loopback_web_line(app_spec: str = LEKAS_APP) -> str:
    """The Procfile's web: line listening on 127.0.0.1 only, serving `app_spec` (Lekas unless told)."""
    line = command("web")
    for old, new in (("--bind 0.0.0.0:", "--bind 127.0.0.1:"), (LEKAS_APP, app_spec)):
        if old not in line:
            raise LookupError(f"the Procfile's web: line no longer has {old}")
        line = line.replace(old, new)
    return line


def stop(process: subprocess.Popen | None, timeout: float) -> None:
    """Stop `process` as a process manager does (SIGTERM), killing it only if it has not stopped in `timeout` s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ProcfileProcess:
    """One Procfile line running as its own process, everything it prints (stdout and stderr) kept in `log_path`.

    `line` runs an edited copy of the Procfile's line instead (a benchmark's, listening on 127.0.0.1 only).
    """

    def __init__(self, name: str, env: dict, log_path, procfile: str = "Procfile", line: str | None = None):
        self.command = line or command(name, procfile)
        bin_dir = os.path.dirname(sys.executable)
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1",
                    "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
        self.log_path = log_path
        self.process = None

    def start(self) -> "ProcfileProcess":
        with open(self.log_path, "ab") as log:
            # `exec` so that the signals below reach gunicorn or flask itself, not the shell.
            self.process = subprocess.Popen(["sh", "-c", f"exec {self.command}"], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        stop(self.process, timeout=20)

    def output(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()


class LoopbackWeb:
    """The Procfile's web line on a free loopback port, as systemd's lekas-web@N runs it behind nginx."""

    def __init__(self, env: dict, folder: str, number: int):
        self.port = free_port()
        self.process = ProcfileProcess("web", {**env, "PORT": str(self.port)},
                                       os.path.join(folder, f"web{number}.log"), line=loopback_web_line())

    def start(self) -> "LoopbackWeb":
        self.process.start()
        wait_until_up(f"http://127.0.0.1:{self.port}/healthz", timeout=30, process=self.process.process)
        return self

    def hang(self) -> None:
        """Freeze gunicorn and its workers (SIGSTOP): connections are still accepted, nothing answers."""
        for pid in process_tree(self.process.process.pid):
            os.kill(pid, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL gunicorn and its workers at once, as a crash does."""
        kill_tree(self.process.process)

    def stop(self) -> None:
        self.process.stop()
