"""Periodic work through RQ's scheduler, that survives losing Redis: chains of passes.

* housekeeping, every SWEEP_INTERVAL_SECONDS: the sweeper and the reminders;
* modem, every GAMMU_POLL_SECONDS, only with SMS_PROVIDER=gammu: what the office's modem received and
  sent (jobs.gammu);
* redispatch, every REDISPATCH_INTERVAL_SECONDS (short): enqueue the outbox rows whose enqueue failed
  while Redis was unreachable (jobs.sweeper.requeue_failed_enqueues). A pass is an RQ job, so it cannot
  run while Redis is away, and the pass that fell due meanwhile runs as soon as Redis answers again.

Why this shape: a pass is an ordinary job that, first thing, schedules its own next run in RQ's
scheduler under an id made from the time slot (`housekeeping-<n>`, n = epoch // interval), as a
unique job. Two chains of the same kind that meet in the same slot become one, so however many workers
start, one pass runs per interval. What RQ's own Repeat or a job with a fixed id cannot do is come back
after a Redis flush or restart, which loses every scheduled job; so every worker also calls `ensure()`
for each chain at start and on each maintenance pass (WORKER_MAINTENANCE_SECONDS), which enqueues a
pass at once when none is waiting, running or due soon. The same check covers RQ's scheduler lock being
held for about a minute by a worker that was killed: passes keep coming from the maintenance check
meanwhile.
"""
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import current_app
from rq.registry import ScheduledJobRegistry
from rq.registry import StartedJobRegistry

from jobs import gammu
from jobs import queues
from jobs import reminders
from jobs import sweeper
from office import apikeys
from office import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chain:
    """Periodic work: `job` runs on `queue` every `setting` seconds, as jobs named `<prefix><slot>`."""

    prefix: str
    queue: str
    setting: str
    job: Callable[[], object]
    # Whether the chain runs at all with the app's settings (None: always).
    wanted: Callable[[], bool] | None = None


def housekeeping() -> dict:
    """One housekeeping pass: keep the chain going, sweep the outbox, send due reminders, add the API keys'
    counted uses to their rows."""
    schedule_next(HOUSEKEEPING)
    report = sweeper.sweep()
    report["reminders"] = reminders.remind_ready()
    report["api_key_uses"] = apikeys.fold_uses()
    return report


def redispatch() -> int:
    """One redispatch pass: keep the chain going, enqueue the rows whose enqueue failed; returns how many."""
    schedule_next(REDISPATCH)
    return sweeper.requeue_failed_enqueues(clock.utcnow())


def modem() -> dict:
    """One pass over the office's modem (jobs.gammu): keep the chain going, read its inbox and sentitems."""
    if not _uses_modem():
        return {}  # a pass scheduled before the provider was changed; the chain ends here
    schedule_next(MODEM)
    return gammu.poll()


def _uses_modem() -> bool:
    return current_app.config["SMS_PROVIDER"] == "gammu"


HOUSEKEEPING = Chain("housekeeping-", queues.DEFAULT, "SWEEP_INTERVAL_SECONDS", housekeeping)
# On `high`, with the replies it sends: a worker takes it before any broadcast.
REDISPATCH = Chain("redispatch-", queues.HIGH, "REDISPATCH_INTERVAL_SECONDS", redispatch)
# On `high` too: a citizen's SMS to the modem is answered before any broadcast is sent.
MODEM = Chain("modem-", queues.HIGH, "GAMMU_POLL_SECONDS", modem, wanted=_uses_modem)
CHAINS = (HOUSEKEEPING, REDISPATCH, MODEM)


def interval(chain: Chain) -> float:
    return current_app.config[chain.setting]


def _result_ttl(chain: Chain) -> int:
    return int(interval(chain) * 10) + 60


def schedule_next(chain: Chain) -> bool:
    """Schedule the pass of the next time slot (nothing if it is already scheduled)."""
    every = interval(chain)
    slot = int(time.time() // every) + 1
    return queues.enqueue(chain.queue, chain.job, job_id=f"{chain.prefix}{slot}",
                          real_at=datetime.fromtimestamp(slot * every, UTC), result_ttl=_result_ttl(chain))


def alive(chain: Chain) -> bool:
    """True when a pass of `chain` is waiting, running, or scheduled and not overdue."""
    target = queues.queue(chain.queue)
    if any(job_id.startswith(chain.prefix) for job_id in target.get_job_ids()):
        return True
    if any(job_id.startswith(chain.prefix)
           for job_id in StartedJobRegistry(queue=target).get_job_ids(cleanup=False)):
        return True
    overdue = time.time() - 2 * interval(chain) - 5
    scheduled = queues.connection().zrange(ScheduledJobRegistry(queue=target).key, 0, -1, withscores=True)
    return any(job_id.decode().startswith(chain.prefix) and when >= overdue for job_id, when in scheduled)


def ensure(chain: Chain) -> bool:
    """Start a pass of `chain` now unless one is on its way (or the settings do not want it); True if one
    was started."""
    if (chain.wanted is not None and not chain.wanted()) or alive(chain):
        return False
    started = queues.enqueue(chain.queue, chain.job, job_id=f"{chain.prefix}now-{int(time.time())}",
                             result_ttl=_result_ttl(chain))
    if started:
        log.info("%s was not scheduled; started a pass now", chain.prefix.rstrip("-"))
    return started
