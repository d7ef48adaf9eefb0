"""A reply written while Redis was paused goes out as soon as Redis answers again: a drill with a real
redis-server under SIGSTOP, Lekas under gunicorn, a real worker and the telco simulator.

The worker runs with production's grace period and intervals: the sweeper would wait out its 300 s grace,
so only the redispatch pass can send the reply in time.
"""
import time

import requests

from office import outbox
from tests.helpers import fresh_messages
from tests.helpers import wait_until
from tests.jobs.helpers import kill_tree

PHONE = "+6281234567001"
# What the issue asks: rows whose enqueue failed are sent within 30 s of Redis coming back.
IN_TIME = 30


def test_a_reply_written_while_redis_was_paused_goes_out_soon_after_even_though_the_web_died(
        api_key, own_redis, web, worker, simulator):
    server, process = web(REDIS_URL=own_redis.url)
    worker(REDIS_URL=own_redis.url, STATUS_COLLAPSE_SECONDS="0")  # the receipt goes at once, for a clean start
    new = {"service": "KTP", "applicant_name": "Budi Santoso", "phone": PHONE, "kelurahan": "Menteng"}
    reference = requests.post(server + "/api/v1/applications", json=new, timeout=30,
                              headers={"Authorization": f"Bearer {api_key}"}).json()["reference"]
    simulator.wait_for_messages(PHONE, 1, timeout=20)

    own_redis.pause()
    try:
        answer = requests.post(server + "/sms/incoming", timeout=30,
                               data={"from": PHONE, "to": "5758", "text": f"STATUS {reference}"})
        assert answer.status_code == 200
        [reply] = fresh_messages(kind="reply")
        assert reply.status == outbox.QUEUED and reply.enqueue_failed_at is not None
        kill_tree(process)  # the process that wrote the reply is gone: the database alone has to say it is owed
    finally:
        own_redis.resume()
    back = time.monotonic()

    receipt, sent = simulator.wait_for_messages(PHONE, 2, timeout=IN_TIME)
    assert time.monotonic() - back < IN_TIME
    assert sent["text"] == reply.text
    wait_until(lambda: fresh_messages(id=reply.id)[0].status in (outbox.SENT, outbox.DELIVERED), timeout=10,
               message="the send recorded")
    assert len(simulator.messages(PHONE)) == 2  # once
