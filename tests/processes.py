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


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU used so far by the processes `pids` and their descendants, all their threads, and
    by the children they have already reaped (an RQ worker's finished job processes)."""
    ticks = 0
    for pid in {member for root in pids for member in process_tree(root)}:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                # Fields after the command's closing parenthesis start at the third: utime, stime, cutime and
                # cstime are the 14th to 17th.
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile: its parent counts it once reaped
        ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def renice(pid: int, niceness: int) -> None:
    """Set the niceness of every thread of `pid` (Linux keeps one per thread)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        os.setpriority(os.PRIO_PROCESS, int(task), niceness)


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL `process` with everything it forked at once, as a crash or the OOM killer of a container does."""
    for pid in reversed(process_tree(process.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)
