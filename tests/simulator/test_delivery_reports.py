"""Delivery reports: AT-shaped, delayed, to Lekas's /sms/delivery with the callback token."""
import time

import requests

from simulator.testing import CallbackRecorder
from simulator.testing import start_simulator
from tests.simulator.fixtures import API_KEY
from tests.simulator.fixtures import CALLBACK_TOKEN
from tests.simulator.fixtures import USERNAME

PHONE = "+6281251000001"


def send(telco, to=PHONE, text="Halo", **form):
    answer = requests.post(telco.url + "/version1/messaging", headers={"apiKey": API_KEY},
                           data={"username": USERNAME, "to": to, "message": text, **form}, timeout=10)
    return [r["messageId"] for r in answer.json()["SMSMessageData"]["Recipients"]]


def test_report_reaches_delivery_callback_with_token_and_at_fields(telco, recorder):
    [message_id] = send(telco)

    [report] = recorder.wait_for("/sms/delivery")

    assert report["args"] == {"token": CALLBACK_TOKEN}
    assert report["form"] == {"id": message_id, "status": "Success", "phoneNumber": PHONE, "networkCode": "51010"}
    telco.wait_for_stats(dlr_sent=1)


def test_premium_report_carries_retry_count(telco, recorder):
    send(telco, linkId="link-9", keyword="CEK", bulkSMSMode="0")

    [report] = recorder.wait_for("/sms/delivery")

    assert report["form"]["retryCount"] == "0"


def test_failed_delivery_reports_failure_reason_and_misses_the_inbox(telco, recorder):
    telco.faults(dlr_fail=1.0, dlr_fail_reason="UserInBlackList")
    [message_id] = send(telco)

    [report] = recorder.wait_for("/sms/delivery")

    assert report["form"]["status"] == "Failed"
    assert report["form"]["failureReason"] == "UserInBlackList"
    assert telco.messages(PHONE) == []
    assert [m["status"] for m in telco.messages()] == ["Failed"]


def test_dropped_reports_never_arrive(telco, recorder):
    telco.faults(dlr_drop=1.0)
    send(telco, text="dropped")
    telco.faults(dlr_drop=0.0)
    [kept] = send(telco, text="kept")

    # A dropped report is never queued (the count says it was dropped at the send), so once the
    # later message's report is in, nothing else can come.
    recorder.wait_for("/sms/delivery")

    assert [r["form"]["id"] for r in recorder.received("/sms/delivery")] == [kept]
    assert telco.stats()["dlr_dropped"] == 1


def test_duplicated_reports_arrive_twice_identical(telco, recorder):
    telco.faults(dlr_duplicate=1.0)
    send(telco)

    first, second = recorder.wait_for("/sms/delivery", 2)

    assert first["form"] == second["form"]


def test_report_lekas_refuses_is_counted_as_failed(telco, recorder):
    recorder.status = 500
    send(telco)
    recorder.wait_for("/sms/delivery")

    assert telco.wait_for_stats(dlr_failed=1)["dlr_sent"] == 0


def test_report_to_unreachable_lekas_is_counted_as_failed():
    with CallbackRecorder() as gone:
        url = gone.url  # a port that stops answering once the recorder closes
    with start_simulator(url, env={"SIMULATOR_DLR_DELAY": "0", "AT_API_KEY": API_KEY, "AT_USERNAME": None}) as sim:
        send(sim)

        sim.wait_for_stats(dlr_failed=1)


def test_send_answers_before_the_report_is_due():
    with CallbackRecorder() as lekas, start_simulator(lekas.url, env={"SIMULATOR_DLR_DELAY": "1.0",
                                                                     "AT_API_KEY": None, "CALLBACK_TOKEN": None,
                                                                     "AT_USERNAME": None}) as sim:
        started = time.monotonic()
        send(sim)
        answered = time.monotonic() - started
        assert lekas.received("/sms/delivery") == []

        [report] = lekas.wait_for("/sms/delivery", timeout=5)
        arrived = time.monotonic() - started

    assert answered < 0.5
    assert arrived >= 1.0
    assert report["args"] == {}  # no token configured, none appended


def test_reset_cancels_reports_still_waiting():
    with CallbackRecorder() as lekas, start_simulator(lekas.url, env={"SIMULATOR_DLR_DELAY": "0.5",
                                                                     "AT_API_KEY": None,
                                                                     "AT_USERNAME": None}) as sim:
        send(sim)
        sim.reset()
        [kept] = send(sim)

        # The cancelled report was due before `kept`'s: had it survived the reset, it would be in first.
        lekas.wait_for("/sms/delivery")

        assert [r["form"]["id"] for r in lekas.received("/sms/delivery")] == [kept]
