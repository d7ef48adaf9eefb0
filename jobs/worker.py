"""The RQ worker Lekas runs: RQ's forking worker that keeps periodic housekeeping alive and that comes
back by itself when Redis went away."""
import logging
import signal
import time

from redis.exceptions import RedisError
from rq import Worker

# Imported here, in the worker's own process, so every job process it forks starts with them loaded
# instead of importing the provider SDK and the job modules again for each job.
from jobs import broadcasts  # noqa: F401
from jobs import schedule
from jobs import send  # noqa: F401

log = logging.getLogger(__name__)

RESTART_PAUSE = 2.0


class LekasWorker(Worker):
    """Runs jobs like RQ's Worker; each maintenance pass also makes sure the periodic chains are scheduled."""

    shutdown_requested = False

    def __init__(self, *args, **kwargs):
        # RQ logs each job's description, the call with its arguments; the job id already says what it is
        # (send-42), and an argument could be a phone number.
        super().__init__(*args, log_job_description=False, **kwargs)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            for chain in schedule.CHAINS:
                schedule.ensure(chain)
        except RedisError:
            log.warning("could not check the periodic schedule; trying again at the next maintenance")

    def handle_warm_shutdown_request(self):
        self.shutdown_requested = True
        super().handle_warm_shutdown_request()


def maintenance_options(seconds: int) -> dict:
    """Worker settings so maintenance really runs every `seconds`.

    An idle RQ worker blocks on the queues for worker_ttl - 15 seconds before it looks at maintenance
    again, so worker_ttl follows the interval.
    """
    return {"maintenance_interval": seconds, "worker_ttl": seconds + 15}


def run(make_worker, *, burst: bool, with_scheduler: bool) -> None:
    """Run workers made by `make_worker` one after another until one is asked to stop (SIGTERM/SIGINT).

    RQ's worker quits when Redis disappears in the middle of a job (a Redis restart). Nothing is lost,
    the outbox is in the database, but sending must go on once Redis is back, without waiting for
    someone to restart the process.
    """
    while True:
        worker = None
        try:
            # Inside the try: a new worker names itself in Redis, and Redis may still be down.
            worker = make_worker()
            worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")
        except RedisError:
            log.warning("cannot reach Redis", exc_info=True)
        finally:
            # RQ's handlers point at this worker; a signal during the pause below must stop the process.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if burst or (worker is not None and worker.shutdown_requested):
            return
        log.warning("the worker stopped without being asked to; starting a new one in %.0f s", RESTART_PAUSE)
        time.sleep(RESTART_PAUSE)
