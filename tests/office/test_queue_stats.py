"""The queue's figures from tickets with known timestamps: counts, medians and 90th percentiles of waits and
services, per group, counter and staff member, for a day and a run of days."""
import itertools
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from office import queue
from office import queue_stats
from office.models import QueueTicket
from office.queue_stats import Figures
from office.queue_stats import percentile

DAY = date(2026, 11, 24)
# 08:00 in Palangka Raya on DAY, as naive UTC.
OPENING = datetime(2026, 11, 24, 1, 0)
# Numbers are never compared here; each ticket only needs one of its own.
SEQ = itertools.count(1)


def at(minutes):
    return None if minutes is None else OPENING + timedelta(minutes=minutes)


def ticket(letter, status, queued, called=None, started=None, finished=None, *, counter=None, staff=None,
           transferred_at=None, day=DAY):
    """A ticket row of group `letter` with its moments in minutes after opening."""
    seq = next(SEQ)
    row = QueueTicket(day=day, group_id=queue.get_group(letter).id, seq=seq, number=f"{letter}{seq:03d}",
                      priority=False, status=status, language="id", calls=1 if called is not None else 0,
                      notified=0, queued_at=at(queued), issued_at=at(transferred_at if transferred_at else queued),
                      called_at=at(called), started_at=at(started), finished_at=at(finished),
                      counter_id=queue.get_counter(counter).id if counter else None, staff_id=staff)
    db.session.add(row)
    return row


@pytest.mark.parametrize("values, fraction, expected", [
    ([], 0.9, None),
    ([7], 0.9, 7),
    ([5, 10, 15], 0.9, 14),         # between the 2nd and 3rd, 80% of the way
    ([5, 10, 15], 0.5, 10),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),
    ([10, 1, 5], 0.0, 1),            # in any order
])
def test_percentile_interpolates_between_the_nearest_values(values, fraction, expected):
    got = percentile(values, fraction)
    assert got is None if expected is None else got == pytest.approx(expected)


DONE, NO_SHOW, CANCELLED, TRANSFERRED, ISSUED = (queue.DONE, queue.NO_SHOW, queue.CANCELLED, queue.TRANSFERRED,
                                                 queue.ISSUED)


@pytest.mark.parametrize("tickets, expected", [
    ([], Figures()),
    # waits 5, 10, 15; services 4, 6, 8
    ([("A", DONE, 0, 5, 6, 10), ("A", DONE, 0, 10, 10, 16), ("A", DONE, 0, 15, 15, 23)],
     Figures(served=3, wait_median=10, wait_p90=14, service_median=6, service_p90=7.6)),
    # a no-show waited too; a cancelled and a still waiting ticket have no wait yet
    ([("A", NO_SHOW, 0, 20, None, 25), ("A", CANCELLED, 0, None, None, 9), ("A", ISSUED, 3)],
     Figures(no_shows=1, cancelled=1, wait_median=20, wait_p90=20)),
    # a transfer: 4 min waited in A, 5 min served there (not a service done), then 2 min waited in B after it
    ([("A", TRANSFERRED, 0, 4, 4, 9), ("B", DONE, 0, 11, 11, 14, {"transferred_at": 9})],
     Figures(served=1, transferred=1, wait_median=3, wait_p90=3.8, service_median=3, service_p90=3)),
    # finished straight from the call: the domain sets started_at to the call
    ([("C", DONE, 0, 2, 2, 3)], Figures(served=1, wait_median=2, wait_p90=2, service_median=1, service_p90=1)),
], ids=["nothing", "three-served", "no-show-cancelled-waiting", "transfer", "no-start"])
def test_the_day_figures_from_known_timestamps(app, tickets, expected):
    for letter, status, *moments in tickets:
        options = moments.pop() if moments and isinstance(moments[-1], dict) else {}
        ticket(letter, status, *moments, **options)
    db.session.flush()
    assert queue_stats.day_stats(DAY).overall == expected


def test_figures_split_by_group_counter_and_staff_member(app, make_staff):
    ani, budi = make_staff("operator", username="ani"), make_staff("operator", username="budi")
    ticket("A", DONE, 0, 10, 10, 20, counter="1", staff=ani.id)
    ticket("A", DONE, 0, 20, 20, 24, counter="2", staff=budi.id)
    ticket("C", DONE, 0, 6, 6, 12, counter="3", staff=budi.id)
    ticket("C", NO_SHOW, 0, 30, None, 32, counter="3", staff=budi.id)
    ticket("D", CANCELLED, 0, None, None, 5)
    db.session.flush()
    stats = queue_stats.day_stats(DAY)
    assert {k: (f.served, f.no_shows, f.cancelled, f.wait_median, f.service_median) for k, f in stats.groups.items()} \
        == {"A": (2, 0, 0, 15, 7), "C": (1, 1, 0, 18, 6), "D": (0, 0, 1, None, None)}
    assert list(stats.groups) == ["A", "C", "D"]
    assert {k: (f.served, f.no_shows, f.service_median) for k, f in stats.counters.items()} \
        == {"1": (1, 0, 10), "2": (1, 0, 4), "3": (1, 1, 6)}
    assert {k: (f.served, f.no_shows, f.wait_median) for k, f in stats.staff.items()} \
        == {"ani": (1, 0, 10), "budi": (2, 1, 20)}
    assert (stats.overall.served, stats.overall.no_shows, stats.overall.cancelled) == (3, 1, 1)


def test_a_day_counts_only_its_own_tickets_and_a_range_counts_every_day_in_it(app):
    ticket("A", DONE, 0, 10, 10, 14, day=DAY - timedelta(days=1))
    ticket("A", DONE, 0, 20, 20, 30)
    ticket("A", DONE, 0, 30, 30, 31, day=DAY + timedelta(days=1))
    db.session.flush()
    assert queue_stats.day_stats(DAY).overall.wait_median == 20
    week = queue_stats.range_stats(DAY - timedelta(days=1), DAY)
    assert (week.overall.served, week.overall.wait_median, week.since, week.until) == (2, 15, DAY - timedelta(days=1),
                                                                                         DAY)
