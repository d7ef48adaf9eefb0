"""Status changes racing over real HTTP: exactly one of two moves from the same status wins."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from extensions import db
from office.models import Application
from office.models import Message
from office.models import StatusChange
from tests.helpers import new_application

TRIES = 12


def race(url, api_key, bodies):
    """POST every body to `url` at the same moment, one thread each; return the responses in order."""
    barrier = threading.Barrier(len(bodies))

    def post(body):
        barrier.wait()
        return requests.post(url, json=body, headers={"Authorization": f"Bearer {api_key}"}, timeout=30)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def fresh_application():
    application = new_application("KTP", "Budi Santoso", "081234560011", "Palangka")
    return application.reference


def history(reference):
    db.session.rollback()  # see what the server's threads committed
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    moves = db.session.scalars(select(StatusChange).where(StatusChange.application_id == application.id,
                                                          StatusChange.from_status.is_not(None))
                               .order_by(StatusChange.id)).all()
    notices = db.session.scalars(select(Message).where(Message.application_id == application.id,
                                                       Message.kind == "status")).all()
    return application, moves, notices


@pytest.mark.parametrize(("first", "second", "winners"), [
    # Run one after the other both are legal (RECEIVED -> VERIFYING -> REJECTED); from the same status, one.
    ({"status": "REJECTED", "note": "KK tidak cocok"}, {"status": "VERIFYING"}, {1, 2}),
    ({"status": "VERIFYING"}, {"status": "VERIFYING"}, {1}),
])
def test_racing_moves_never_both_leave_the_same_status(app, live_server, api_key, first, second, winners):
    for _ in range(TRIES):
        reference = fresh_application()
        url = f"{live_server.url}/api/v1/applications/{reference}/status"
        answers = race(url, api_key, [first, second])
        assert {r.status_code for r in answers} <= {200, 409}, [r.text for r in answers]
        won = [r.json() for r in answers if r.status_code == 200]
        lost = [r.json()["error"] for r in answers if r.status_code == 409]
        application, moves, notices = history(reference)
        chain = [(m.from_status, m.to_status) for m in moves]
        assert len(won) in winners and len(moves) == len(won)
        # Every move starts where the one before it ended: no two moves out of RECEIVED.
        assert [before for before, _ in chain] == ["RECEIVED", *[after for _, after in chain[:-1]]], chain
        assert application.status == chain[-1][1]
        assert len(notices) == 1 + len(moves)  # the receipt, and one notice per move that happened
        for refusal in lost:
            assert refusal["code"] in ("conflict", "illegal_transition")
            assert refusal["current_status"] in {after for _, after in chain}


def test_an_illegal_move_says_which_status_it_found(api):
    reference = fresh_application()
    answer = api.post(f"/api/v1/applications/{reference}/status", json={"status": "COLLECTED"})
    assert answer.status_code == 409
    assert answer.get_json()["error"] == {
        "code": "illegal_transition", "current_status": "RECEIVED",
        "message": "An application in RECEIVED cannot move to COLLECTED."}


def test_two_racing_cancels_of_one_broadcast_both_answer_cancelled(app, live_server, api_key):
    from tests.helpers import add_subscribers

    add_subscribers(2)
    headers = {"Authorization": f"Bearer {api_key}"}
    for _ in range(TRIES):
        created = requests.post(f"{live_server.url}/api/v1/broadcasts", headers=headers, timeout=30,
                                json={"text": "Kantor tutup Jumat.", "audience": {"all": True}}).json()
        answers = race(f"{live_server.url}/api/v1/broadcasts/{created['id']}/cancel", api_key, [None, None])
        assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
        assert {r.json()["status"] for r in answers} == {"cancelled"}
