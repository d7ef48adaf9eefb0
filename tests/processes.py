"""Process trees from Linux's /proc: what a server or worker and everything it forked are, and killing them all
at once as a crash does."""
import os
import signal
import subprocess


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, parents before children."""
    found = [pid]
    for current in found:
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    found.extend(int(child) for child in fh.read().split())
            except OSError:
                continue
    return found


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL `process` with everything it forked at once, as a crash or the OOM killer of a container does."""
    for pid in reversed(process_tree(process.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)
