"""The request path's Redis budget and breaker (redis_guard), against a real redis-server paused with SIGSTOP:
it accepts connections and answers nothing, the way a stalled Redis does."""
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy import select

import redis_guard
from extensions import db
from office import outbox
from office.models import Application
from office.models import Message
from tests.helpers import fresh_messages
from tests.helpers import phone
from tests.helpers import wait_until

# What the issue asks of every answer while Redis is paused (Africa's Talking gives up after 15 s).
GOAL = 1.0
APPLICANT = "+6281234567001"


def attempt() -> str:
    """One GET through the guard in the current request: 'ok', 'timeout' or 'skipped'."""
    try:
        with redis_guard.guarded() as redis:
            redis.get("probe")
    except redis_guard.Skipped:
        return "skipped"
    except RedisTimeout:
        return "timeout"
    return "ok"


def attempt_in_request(app) -> str:
    with app.test_request_context():
        return attempt()


def first_call_through(app) -> str:
    """Wait until the breaker lets a call through; return that call's outcome."""
    return wait_until(lambda: None if (outcome := attempt_in_request(app)) == "skipped" else outcome,
                      timeout=10, message="the breaker to let a trial through")


def test_a_paused_redis_costs_one_short_wait_then_calls_skip_it_until_a_trial_reaches_it(make_app, own_redis):
    app = make_app({"REDIS_URL": own_redis.url, "REDIS_BREAKER_SECONDS": 1})
    own_redis.pause()
    started = time.monotonic()
    assert attempt_in_request(app) == "timeout"
    waited = time.monotonic() - started
    assert attempt_in_request(app) == "skipped"  # the breaker is open: Redis is not even asked

    assert first_call_through(app) == "timeout"  # the trial, with Redis still paused: open again
    assert attempt_in_request(app) == "skipped"
    own_redis.resume()
    assert first_call_through(app) == "ok"
    assert attempt_in_request(app) == "ok"  # closed
    # One wait of the request budget (0.15 s), not a 2 s socket timeout with retries.
    assert waited < GOAL


def test_a_request_that_has_used_its_budget_skips_redis_and_the_next_request_has_a_whole_one(make_app, own_redis):
    # A breaker period of 0 lets every call through, so only the budget can skip one.
    app = make_app({"REDIS_URL": own_redis.url, "REDIS_BREAKER_SECONDS": 0})
    own_redis.pause()
    with app.test_request_context():
        assert attempt() == "timeout"
        assert attempt() == "skipped"
    assert attempt_in_request(app) == "timeout"


def test_outside_a_request_calls_wait_for_redis_and_leave_the_breaker_closed(make_app, own_redis):
    app = make_app({"REDIS_URL": own_redis.url})
    own_redis.pause()
    threading.Timer(0.5, own_redis.resume).start()  # well past the request budget, well within the jobs' timeout
    with app.app_context(), redis_guard.guarded(rq=True) as client:
        assert client.ping()
    assert attempt_in_request(app) == "ok"


def timed(method, url, path, **kwargs) -> tuple[float, requests.Response]:
    """One HTTP request; returns the seconds the answer took and the answer."""
    started = time.monotonic()
    response = requests.request(method, url + path, timeout=30, **kwargs)
    return time.monotonic() - started, response


def ussd_form(session, number, text):
    return {"sessionId": session, "phoneNumber": number, "serviceCode": "*384*5758#", "networkCode": "51010",
            "text": text}


def sessions(reference):
    """24 two-hop sessions as AT sends them (`text` holds every input so far): browse the requirements,
    ask for a checklist by SMS, look up a status."""
    scripts = [("", "1*1"), ("1", "1*1*1"), ("2", f"2*{reference}")]
    return [(f"paused-{n}", phone(n), scripts[n % 3]) for n in range(24)]


def walk(url, session):
    name, number, texts = session
    return [(number, text, *timed("POST", url, "/ussd", data=ussd_form(name, number, text))) for text in texts]


def test_with_redis_paused_ussd_sms_and_api_answer_within_a_second_and_everything_goes_out_after(
        client, api_key, own_redis, web, simulator, worker):
    server, _process = web(REDIS_URL=own_redis.url)
    # Production's grace and intervals, so what was queued meanwhile goes out by the redispatch pass; status
    # notifications are not held back to collapse, so they go out within the test too.
    worker(REDIS_URL=own_redis.url, STATUS_COLLAPSE_SECONDS="0")
    auth = {"Authorization": f"Bearer {api_key}"}
    new = {"service": "KTP", "applicant_name": "Budi Santoso", "phone": APPLICANT, "kelurahan": "Menteng"}
    reference = requests.post(server + "/api/v1/applications", json=new, headers=auth, timeout=30).json()["reference"]
    simulator.wait_for_messages(APPLICANT, 1, timeout=20)  # the receipt, while Redis is well
    drill = sessions(reference)
    # The right screens, from the session's app and its healthy Redis (the checklist hop would send an SMS).
    expected = {(number, text): client.post("/ussd", data=ussd_form("healthy-" + name, number, text)).text
                for name, number, texts in drill for text in texts if text != "1*1*1"}

    own_redis.pause()
    try:
        with ThreadPoolExecutor(len(drill)) as pool:
            hops = [hop for hops in pool.map(lambda session: walk(server, session), drill) for hop in hops]
        status_sms = {"from": APPLICANT, "to": "5758", "text": f"STATUS {reference}"}
        others = [
            timed("POST", server, "/sms/incoming", data=status_sms),
            timed("POST", server, "/api/v1/applications", json={**new, "phone": phone(99)}, headers=auth),
            timed("POST", server, f"/api/v1/applications/{reference}/status", json={"status": "VERIFYING"},
                  headers=auth),
            timed("GET", server, "/healthz"),
        ]
    finally:
        own_redis.resume()

    slowest = max(seconds for _number, _text, seconds, _answer in hops)
    assert slowest < GOAL, f"slowest USSD hop {slowest:.2f} s"
    for number, text, _seconds, answer in hops:
        assert answer.status_code == 200
        if text == "1*1*1":
            assert answer.text.startswith("END SMS daftar syarat akan dikirim")
        else:
            assert answer.text == expected[(number, text)]
    assert [(seconds < GOAL, response.status_code) for seconds, response in others] == [
        (True, 200), (True, 201), (True, 200), (True, 503)]

    checklists = {number for number, text, _seconds, _answer in hops if text == "1*1*1"}
    owed = Counter({APPLICANT: 3, phone(99): 1, **dict.fromkeys(checklists, 1)})  # receipt, reply, status
    def received():
        return Counter(m["phone"] for m in simulator.messages())

    wait_until(lambda: received() == owed, timeout=30, message="everything queued during the pause to be sent")
    wait_until(lambda: all(m.status in (outbox.SENT, outbox.DELIVERED) for m in fresh_messages()), timeout=10,
               message="every send recorded")
    assert received() == owed  # once each
    assert len(fresh_messages(kind="checklist")) == len(checklists) == 8
    db.session.rollback()
    assert len(db.session.scalars(select(Application)).all()) == 2
    assert db.session.scalar(select(Message.text).where(Message.direction == "in")) == f"STATUS {reference}"
