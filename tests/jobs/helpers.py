"""Helpers for the job drills: clock offsets every process shares, killing workers as a crash does."""
import os
import signal
from datetime import UTC
from datetime import datetime


def clock_offset_to(target: datetime) -> str:
    """A LEKAS_CLOCK offset that makes every process's clock read naive-UTC `target` now."""
    return f"{(target.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds():+.3f}"


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    found = [pid]
    for current in found:
        for task in os.listdir(f"/proc/{current}/task") if os.path.isdir(f"/proc/{current}/task") else ():
            try:
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    found.extend(int(child) for child in fh.read().split())
            except OSError:
                continue
    return found


def kill_tree(worker) -> None:
    """SIGKILL a worker with its job process and scheduler at once, as a crash or OOM kill of a container does."""
    pids = process_tree(worker.process.pid)
    for pid in reversed(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.process.wait(timeout=10)
