"""The counter panel through HTTP: choosing a counter, every move and its audit entry, refused moves answered
on the panel, the waiting line, who may use it, bad input, and counters pressing Call next at once."""
import threading

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import queue
from office.models import AuditLog
from office.models import QueueTicket
from tests.conftest import STAFF_PASSWORD
from tests.strategies import form_body
from tests.strategies import texts

MOVES = ["call", "recall", "start", "finish", "no-show", "transfer", "cancel", "close"]


def take(letter="A", priority=False):
    ticket = queue.issue(letter, priority=priority).ticket
    db.session.commit()
    return ticket


def fresh(ticket_id) -> QueueTicket:
    db.session.rollback()
    return db.session.get(QueueTicket, ticket_id)


def audit_trail() -> list[tuple[str, str]]:
    db.session.rollback()
    return [(e.action, e.target) for e in db.session.scalars(
        select(AuditLog).where(AuditLog.action.startswith("queue.")).order_by(AuditLog.id))]


def page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def clerk(staff_client):
    """An operator signed in, reading the console in English, at counter 1 (groups A and B)."""
    client = staff_client("operator")
    client.post("/staff/language", data={"language": "en", "next": "/staff/counter"})
    assert client.post("/staff/counter/choose", data={"counter": "1"}).status_code == 303
    return client


def press(client, move, **data):
    """Press a button of the panel and follow it back to the panel."""
    return client.post(f"/staff/counter/{move}", data=data, follow_redirects=True)


def test_choosing_a_counter_opens_it_in_the_clerks_name_and_the_session_keeps_it(clerk):
    counter = queue.get_counter("1")
    db.session.refresh(counter)
    assert counter.is_open and counter.staff_id is not None
    assert ("queue.open", "Loket 1") in audit_trail()
    answer = page_text(clerk.get("/staff/counter"))
    assert "<h1>Loket 1</h1>" in answer and "Call next" in answer


def test_without_a_counter_the_page_asks_for_one_and_moves_say_so(staff_client):
    client = staff_client("operator")
    assert 'name="counter"' in page_text(client.get("/staff/counter"))
    assert "Pilih loket Anda dulu." in page_text(press(client, "call"))


def test_call_again_start_finish_each_move_the_ticket_and_leave_an_audit_entry(clerk):
    first = take("A")
    answer = page_text(press(clerk, "call"))
    assert 'id="ticket-number">A001<' in answer and "1×" in answer
    assert "2×" in page_text(press(clerk, "recall"))
    assert fresh(first.id).calls == 2
    assert "Being served" in page_text(press(clerk, "start"))
    assert fresh(first.id).status == queue.SERVING
    answer = page_text(press(clerk, "finish"))
    assert fresh(first.id).status == queue.DONE and "No ticket at this counter" in answer
    assert audit_trail()[1:] == [("queue.call", "A001"), ("queue.call_again", "A001"), ("queue.start", "A001"),
                                 ("queue.finish", "A001")]


def test_no_show_ends_the_call_and_transfer_sends_the_ticket_to_another_group_in_its_place(clerk):
    absent, moved = take("A"), take("A")
    later_in_b = take("B")
    press(clerk, "call")
    press(clerk, "no-show")
    assert fresh(absent.id).status == queue.NO_SHOW
    press(clerk, "call")
    press(clerk, "start")
    press(clerk, "transfer", group="B")
    assert fresh(moved.id).status == queue.TRANSFERRED
    copy = db.session.scalar(select(QueueTicket).where(QueueTicket.transferred_from_id == moved.id))
    assert (copy.number, copy.group.letter, copy.status) == ("A002", "B", queue.ISSUED)
    assert copy.queued_at < fresh(later_in_b.id).queued_at  # so it is called before B001
    assert [a for a, _t in audit_trail()] == ["queue.open", "queue.call", "queue.no_show", "queue.call", "queue.start",
                                             "queue.transfer"]


def test_a_citizen_who_left_is_cancelled_from_the_line(clerk):
    gone, staying = take("A"), take("A")
    answer = page_text(press(clerk, "cancel", ticket=str(gone.id)))
    assert "Ticket A001 cancelled." in answer
    assert fresh(gone.id).status == queue.CANCELLED and fresh(staying.id).status == queue.ISSUED
    assert "Ticket A001 is no longer waiting." in page_text(press(clerk, "cancel", ticket=str(gone.id)))
    assert ("queue.cancel", "A001") in audit_trail()


@pytest.mark.parametrize("setup, move, data, message", [
    ([], "start", {}, "No ticket is called to this counter. Call the next one first."),
    ([], "finish", {}, "No ticket is called to this counter."),
    ([], "recall", {}, "No ticket is called to this counter."),
    ([], "transfer", {"group": "B"}, "No ticket is called to this counter."),
    ([], "call", {}, "Nobody is waiting for this counter"),
    (["call"], "call", {}, "This counter still has a ticket."),
    (["call", "start"], "recall", {}, "Ticket A001 was moved on a moment ago (now: Being served)."),
    (["call", "start"], "no-show", {}, "Ticket A001 was moved on a moment ago (now: Being served)."),
    (["call"], "transfer", {"group": "A"}, "The ticket is already in that group."),
    (["call"], "transfer", {"group": "Z"}, "Choose the group to transfer the ticket to."),
    (["call"], "close", {}, "This counter still has a ticket."),
    ([], "cancel", {"ticket": "999999999"}, "That ticket is not in the line."),
])
def test_a_refused_move_is_answered_on_the_panel_and_changes_nothing(clerk, setup, move, data, message):
    waiting = take("A") if move != "call" or setup else None
    for earlier in setup:
        press(clerk, earlier)
    before = audit_trail()
    response = press(clerk, move, **data)
    assert response.status_code == 200 and message in page_text(response)
    assert audit_trail() == before
    if waiting:
        assert fresh(waiting.id).status == {(): queue.ISSUED, ("call",): queue.CALLED,
                                            ("call", "start"): queue.SERVING}[tuple(setup)]


def test_closing_the_counter_forgets_it_and_it_no_longer_counts_as_open(clerk):
    answer = page_text(press(clerk, "close"))
    assert "Loket 1 is closed." in answer and 'name="counter"' in answer
    counter = queue.get_counter("1")
    db.session.refresh(counter)
    assert not counter.is_open
    assert audit_trail()[-1] == ("queue.close", "Loket 1")


def test_the_line_lists_the_counters_groups_in_calling_order_with_priority_first(clerk):
    take("A")
    take("C")  # counter 1 does not serve C
    take("B", priority=True)
    take("A")
    line = page_text(clerk.get("/staff/counter/line"))
    numbers = [n for n in ("B001", "A001", "A002", "C001") if n in line]
    assert numbers == ["B001", "A001", "A002"]
    assert [line.index(n) for n in numbers] == sorted(line.index(n) for n in numbers)
    assert "Priority" in line


def test_the_line_fragment_is_empty_without_a_counter(staff_client):
    assert staff_client("admin").get("/staff/counter/line").status_code == 204


def test_the_panel_shows_todays_figures_and_the_figures_page_lists_them_per_group_counter_and_staff(clerk):
    take("A")
    press(clerk, "call")
    press(clerk, "finish")
    assert "Served" in page_text(clerk.get("/staff/counter"))
    answer = page_text(clerk.get("/staff/counter/stats"))
    for heading in ("Whole office", "By group", "By counter", "By staff member"):
        assert heading in answer
    assert "operator-user" in answer and "A · KTP-el and child ID" in answer


@pytest.mark.parametrize("role, kelurahan", [("viewer", None), ("kelurahan", "Menteng")])
@pytest.mark.parametrize("path, method", [("/staff/counter", "GET"), ("/staff/counter/line", "GET"),
                                          ("/staff/counter/stats", "GET"), ("/staff/counter/choose", "POST")]
                         + [(f"/staff/counter/{move}", "POST") for move in MOVES])
def test_viewer_and_kelurahan_accounts_may_not_serve_the_queue(staff_client, role, kelurahan, path, method):
    client = staff_client(role, kelurahan=kelurahan)
    assert client.open(path, method=method, data={"counter": "1"}).status_code == 403


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(texts(), st.just("\x00"), st.just("x" * 10_000)))
def test_any_value_in_any_field_is_answered_without_a_server_error(clerk, value):
    for move, field in [("choose", "counter"), ("transfer", "group"), ("cancel", "ticket"), ("call", "x")]:
        answer = clerk.post(f"/staff/counter/{move}", data=form_body({field: value}),
                            content_type="application/x-www-form-urlencoded")
        assert answer.status_code < 500
    for digits in ("0", "-1", "99999999999", "1e9", "9" * 10_000):
        assert clerk.post("/staff/counter/cancel", data={"ticket": digits}).status_code < 500
    press(clerk, "finish")  # a fuzzed "call" may have called a ticket: leave the counter free


# --- Counters pressing Call next at once, over real HTTP -------------------------------------------------

def signed_in_session(live_server, username, counter) -> requests.Session:
    http = requests.Session()
    answer = http.post(f"{live_server.url}/staff/login", data={"username": username, "password": STAFF_PASSWORD},
                       allow_redirects=False)
    assert answer.status_code == 302, answer.text
    assert http.post(f"{live_server.url}/staff/counter/choose", data={"counter": counter},
                     allow_redirects=False).status_code == 303
    return http


ROUNDS = 12
PRESSES = 3  # tabs (or double clicks) per counter pressing at the same moment


def test_two_counters_pressing_call_next_at_once_never_get_the_same_ticket_nor_two_each(live_server, make_staff):
    for _ in range(2 * ROUNDS + 3):
        take("A")
    make_staff("operator", username="ani")
    make_staff("operator", username="budi")
    tabs = [(code, signed_in_session(live_server, user, code)) for code, user in (("1", "ani"), ("2", "budi"))
            for _ in range(PRESSES)]
    failures = []
    for _round in range(ROUNDS):
        start = threading.Barrier(len(tabs))

        def press_call(http):
            start.wait()
            answer = http.post(f"{live_server.url}/staff/counter/call", allow_redirects=False)
            if answer.status_code != 303:
                failures.append(answer.status_code)

        threads = [threading.Thread(target=press_call, args=(http,)) for _code, http in tabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.session.rollback()
        at_counters = db.session.execute(select(QueueTicket.counter_id, func.count()).where(
            QueueTicket.status == queue.CALLED).group_by(QueueTicket.counter_id).order_by(QueueTicket.counter_id)).all()
        assert [count for _counter, count in at_counters] == [1, 1], at_counters
        for code, http in tabs[::PRESSES]:
            assert http.post(f"{live_server.url}/staff/counter/finish", allow_redirects=False).status_code == 303
    assert failures == []
    db.session.rollback()
    done = db.session.execute(select(QueueTicket.id, QueueTicket.calls).where(QueueTicket.status == queue.DONE)
                              .order_by(QueueTicket.id)).all()
    assert len(done) == 2 * ROUNDS and {calls for _id, calls in done} == {1}
    calls = db.session.scalars(select(AuditLog.detail).where(AuditLog.action == "queue.call")).all()
    assert sorted(d["ticket_id"] for d in calls) == [id for id, _calls in done]
