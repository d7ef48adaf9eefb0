"""Helpers for the job drills: clock offsets every process shares, killing workers as a crash does."""
from datetime import UTC
from datetime import datetime

from tests import processes


def clock_offset_to(target: datetime) -> str:
    """A LEKAS_CLOCK offset that makes every process's clock read naive-UTC `target` now."""
    return f"{(target.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds():+.3f}"


def kill_tree(worker) -> None:
    """SIGKILL a worker with its job process and scheduler at once, as a crash or OOM kill of a container does."""
    processes.kill_tree(worker.process)
