"""The RQ worker Lekas runs: RQ's forking worker that also keeps periodic housekeeping alive."""
import logging

from redis.exceptions import RedisError
from rq import Worker

from jobs import schedule

log = logging.getLogger(__name__)


class LekasWorker(Worker):
    """Runs jobs like RQ's Worker; each maintenance pass also makes sure housekeeping is scheduled."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            schedule.ensure()
        except RedisError:
            log.warning("could not check the housekeeping schedule; trying again at the next maintenance")


def maintenance_options(seconds: float) -> dict:
    """Worker settings so maintenance really runs every `seconds`.

    An idle RQ worker blocks on the queues for worker_ttl - 15 seconds before it looks at maintenance
    again, so worker_ttl follows the interval.
    """
    every = max(int(seconds), 1)
    return {"maintenance_interval": every, "worker_ttl": every + 15}
