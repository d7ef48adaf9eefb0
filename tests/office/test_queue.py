"""The lobby queue's rules: numbers per group and day, the fair priority rule, the moves at a counter,
transfers that keep their place, estimates learned from the day, the near-turn SMS, and races."""
import threading
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from office import queue
from office import spoken
from office.errors import DomainError
from office.models import Message
from office.queue import Waiting
from office.queue import choose_next

# 09:00 in Palangka Raya (WIB) on a Tuesday, as naive UTC.
MORNING = datetime(2026, 12, 1, 2, 0)
PHONE = "+6281234567890"


def minutes(n):
    return timedelta(minutes=n)


def waiting(*spec):
    """Waiting tickets from (id, priority, minutes waited) at MORNING."""
    return [Waiting(id, priority, MORNING - minutes(waited)) for id, priority, waited in spec]


@pytest.mark.parametrize("tickets, streak, expected", [
    ([], 0, None),
    ([(1, False, 5), (2, False, 9)], 0, 2),            # oldest first
    ([(1, False, 30), (2, True, 1)], 0, 2),            # priority first
    ([(1, False, 30), (2, True, 1)], 1, 2),            # one priority in a row is not yet a streak
    ([(1, False, 30), (2, True, 1)], 2, 1),            # after two, a normal ticket waiting 30 min goes
    ([(1, False, 15), (2, True, 1)], 2, 2),            # ... but not one waiting less than the maximum
    ([(1, False, 21), (2, True, 1)], 5, 1),
    ([(1, True, 3), (2, True, 8)], 9, 2),              # only priority tickets: oldest priority
    ([(1, False, 25), (2, False, 40), (3, True, 2)], 2, 2),  # the longest-waiting normal one
])
def test_the_fair_priority_rule(tickets, streak, expected):
    chosen = choose_next(waiting(*tickets), streak, MORNING, streak_limit=2, max_normal_wait=minutes(20))
    assert (chosen.id if chosen else None) == expected


def counter(code="1"):
    return queue.get_counter(code)


def take(letter="A", *, priority=False, phone=None, at=MORNING, lang="id"):
    issued = queue.issue(letter, priority=priority, phone=phone, lang=lang, now=at)
    db.session.commit()
    return issued


def test_numbers_run_per_group_and_restart_the_next_office_day(app):
    assert [take("A").ticket.number, take("A").ticket.number, take("C").ticket.number] == ["A001", "A002", "C001"]
    # 23:30 WIB is still today; 00:10 WIB is the next office day.
    assert take("A", at=MORNING + timedelta(hours=14, minutes=30)).ticket.number == "A003"
    assert take("A", at=MORNING + timedelta(hours=15, minutes=10)).ticket.number == "A001"


def test_an_unknown_group_is_refused(app):
    with pytest.raises(DomainError) as refused:
        queue.issue("Z", priority=False, now=MORNING)
    assert refused.value.code == "unknown_group"


def test_people_ahead_count_priority_tickets_before_everyone_else(app):
    take("A")
    take("A")
    assert take("A", priority=True).ahead == 0
    assert take("A").ahead == 3
    assert take("A", priority=True).ahead == 1


def call(code="1", at=MORNING):
    ticket = queue.call_next(counter(code), staff_id=None, now=at)
    db.session.commit()
    return ticket


def test_a_counter_calls_only_its_groups_and_one_ticket_at_a_time(app):
    take("C")
    first = take("A").ticket
    assert call("1").id == first.id  # counter 1 serves A and B, not C
    with pytest.raises(queue.CounterBusy):
        call("1")
    assert queue.at_counter(counter("1"), queue.office_day(MORNING)).status == queue.CALLED


def test_the_moves_at_a_counter_stamp_each_step(app):
    ticket = take("A").ticket
    call("1", at=MORNING + minutes(5))
    queue.start(counter("1"), now=MORNING + minutes(6))
    queue.finish(counter("1"), now=MORNING + minutes(14))
    db.session.commit()
    db.session.refresh(ticket)
    assert ticket.status == queue.DONE
    assert (ticket.called_at, ticket.started_at, ticket.finished_at) == (
        MORNING + minutes(5), MORNING + minutes(6), MORNING + minutes(14))
    assert queue.at_counter(counter("1"), queue.office_day(MORNING)) is None


def test_a_no_show_frees_the_counter_and_a_finished_ticket_cannot_be_moved_again(app):
    take("A")
    call("1")
    ticket = queue.no_show(counter("1"), now=MORNING + minutes(3))
    db.session.commit()
    assert ticket.status == queue.NO_SHOW
    with pytest.raises(DomainError) as refused:
        queue.start(counter("1"))
    assert refused.value.code == "no_ticket"


def test_call_again_counts_the_calls(app):
    take("A")
    call("1")
    assert queue.call_again(counter("1"), now=MORNING).calls == 2


def test_a_transfer_keeps_the_number_and_the_original_place(app):
    early = take("A", at=MORNING).ticket
    later_b = take("B", at=MORNING + minutes(10)).ticket
    call("1", at=MORNING + minutes(12))
    moved = queue.transfer(counter("1"), "B", now=MORNING + minutes(13))
    db.session.commit()
    assert (moved.number, moved.group.letter, moved.status, moved.queued_at) == ("A001", "B", queue.ISSUED, MORNING)
    db.session.refresh(early)
    assert early.status == queue.TRANSFERRED
    # It waited since 09:00, so it comes before the B ticket taken at 09:10.
    assert call("2", at=MORNING + minutes(14)).id == moved.id
    assert later_b.status == queue.ISSUED


def test_a_steady_flow_of_priority_tickets_still_lets_a_long_wait_through(app, settings):
    settings(QUEUE_PRIORITY_STREAK=2, QUEUE_MAX_NORMAL_WAIT=20)
    normal = take("A", at=MORNING).ticket
    for n in range(4):
        take("A", priority=True, at=MORNING + minutes(1 + n))
    called = []
    for n in range(5):
        at = MORNING + minutes(25 + n)
        called.append(call("1", at=at))
        queue.finish(counter("1"), now=at)
        db.session.commit()
    assert [t.priority for t in called] == [True, True, False, True, True]
    assert called[2].id == normal.id


def test_the_estimate_learns_the_groups_service_time_from_the_day(app):
    group = queue.get_group("C")
    assert queue.service_minutes(group, MORNING) == group.default_minutes
    for n, length in enumerate([2, 3, 4, 30]):
        take("C", at=MORNING + minutes(n * 40))
        call("3", at=MORNING + minutes(n * 40))
        queue.finish(counter("3"), now=MORNING + minutes(n * 40 + length))
        db.session.commit()
    # The median shrugs off the one 30-minute case.
    assert queue.service_minutes(group, MORNING + minutes(200)) == 3.5


def test_the_estimate_counts_the_work_of_the_groups_sharing_the_counters(app):
    group = queue.get_group("C")
    # Before any counter opens, C counts on Loket 3, which also serves D (with Loket 2, so half of D's work).
    assert queue.estimate_minutes(group, 2, MORNING) == 12  # 2 x 6 min
    for _ in range(3):
        take("D")
    assert queue.estimate_minutes(group, 2, MORNING) == 17  # + 3 x 3 min x 1/2, rounded up
    # A priority ticket waits only for the other groups' priority tickets.
    assert queue.estimate_minutes(group, 0, MORNING, priority=True) == 0


def test_the_estimate_adds_half_a_service_when_every_counter_of_the_group_is_busy(app):
    take("C")
    call("3")
    assert queue.estimate_minutes(queue.get_group("C"), 0, MORNING) == 3  # half of 6 min


def test_the_near_turn_sms_goes_once_and_the_call_makes_two_at_most(app):
    texted = take("A", phone=PHONE).ticket
    for _ in range(5):
        take("A")
    db.session.refresh(texted)
    assert texted.notified == 0  # nobody called yet: no SMS at issue time

    take("A")  # makes sure the queue moves below
    call("1")  # the first ticket (the texted one) is called: one "called" SMS
    queue.finish(counter("1"), now=MORNING)
    db.session.commit()
    sms = sent()
    assert len(sms) == 1 and "A001" in sms[0].text and "Loket 1" in sms[0].text


def sent():
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.phone == PHONE).order_by(Message.id)))


def test_a_ticket_gets_the_near_sms_when_three_or_fewer_are_ahead_then_the_call(app, settings):
    settings(QUEUE_NOTIFY_AHEAD=3)
    for _ in range(5):
        take("A")
    texted = take("A", phone=PHONE, lang="en").ticket  # 5 ahead
    for n in range(4):
        call("1", at=MORNING + minutes(n))
        queue.finish(counter("1"), now=MORNING + minutes(n))
        db.session.commit()
    # After the second call 3 were ahead: one SMS, in English; later calls add nothing.
    [near] = sent()
    assert near.kind == "queue" and near.text.startswith("Lobby queue A006: 3 ahead of you")
    while call("1").id != texted.id:
        queue.finish(counter("1"), now=MORNING)
        db.session.commit()
    assert [m.text for m in sent()][1] == "Lobby queue A006: your number is called. Please go to Loket 1 now."
    assert len(sent()) == 2
    db.session.refresh(texted)
    assert texted.notified == 2


def test_two_kiosks_never_hand_out_the_same_number(app):
    numbers, errors = [], []

    def kiosk():
        with app.app_context():
            try:
                for _ in range(10):
                    numbers.append(queue.issue("A", priority=False).ticket.number)
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - a failure is what this test looks for
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=kiosk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 41)]


def test_two_counters_never_call_the_same_ticket(app):
    for _ in range(30):
        take("A", at=queue_now())
    called, errors = [], []

    def counter_loop(code):
        with app.app_context():
            try:
                while True:
                    ticket = queue.call_next(queue.get_counter(code), staff_id=None)
                    db.session.commit()
                    if ticket is None:
                        return
                    called.append(ticket.id)
                    queue.finish(queue.get_counter(code))
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - a failure is what this test looks for
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=counter_loop, args=(code,)) for code in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(called) == 30 and len(set(called)) == 30


def queue_now():
    from office.clock import utcnow

    return utcnow()


@pytest.mark.parametrize("n, words", [
    (0, "nol"), (1, "satu"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"), (19, "sembilan belas"),
    (20, "dua puluh"), (21, "dua puluh satu"), (100, "seratus"), (101, "seratus satu"),
    (115, "seratus lima belas"), (250, "dua ratus lima puluh"), (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"), (2024, "dua ribu dua puluh empat"),
])
def test_numbers_are_said_in_bahasa_indonesia(n, words):
    assert spoken.number_words(n) == words


def test_a_call_is_said_with_its_letter_number_and_counter():
    assert spoken.queue_call("A", 12, "2") == "Nomor antrian A dua belas, silakan ke loket dua"
    assert spoken.queue_call("C", 7, "B") == "Nomor antrian C tujuh, silakan ke loket B"


def test_every_ticket_state_has_a_label():
    assert set(queue.LABELS) == {queue.ISSUED, queue.CALLED, queue.SERVING, queue.DONE, queue.NO_SHOW,
                                 queue.CANCELLED, queue.TRANSFERRED}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_both_queue_sms_fit_one_gsm7_segment_with_the_longest_values(app, lang):
    from office.gsm import analyze
    from office.i18n import t

    texts = [t(lang, "Lobby queue {number}: {ahead} ahead of you, about {minutes} min. Please come back to the "
                     "waiting room.", number="D999", ahead=3, minutes=999),
             t(lang, "Lobby queue {number}: your number is called. Please go to {counter} now.", number="D999",
               counter="x" * 40)]
    for text in texts:
        length = analyze(text)
        assert (length.encoding, length.segments) == ("GSM-7", 1), text
