"""Fault switches set through /api/faults, each observed from outside."""
import time

import pytest
import requests

from tests.simulator.fixtures import API_KEY
from tests.simulator.fixtures import USERNAME

PHONE = "+6281251000001"


def post(telco, to=PHONE, timeout=10):
    return requests.post(telco.url + "/version1/messaging", headers={"apiKey": API_KEY},
                         data={"username": USERNAME, "to": to, "message": "Halo"}, timeout=timeout)


def codes(answer):
    return [r["statusCode"] for r in answer.json()["SMSMessageData"]["Recipients"]]


def test_faults_start_off_and_get_returns_what_was_set(telco):
    assert requests.get(telco.url + "/api/faults").json()["fail_share"] == 0.0

    telco.faults(slow_ms=5, fail_numbers={"0812-5100-0001": 406})

    current = requests.get(telco.url + "/api/faults").json()
    assert (current["slow_ms"], current["fail_numbers"]) == (5, {PHONE: 406})


def test_fail_share_fails_that_share_of_numbers_with_chosen_codes_the_same_way_each_time(telco):
    telco.faults(fail_share=0.5, fail_codes=[406, 409])
    phones = ",".join(f"+62812{n:08d}" for n in range(400))

    first, again = codes(post(telco, phones)), codes(post(telco, phones))

    assert first == again
    failed = [code for code in first if code != 101]
    assert 140 < len(failed) < 260
    assert set(failed) == {406, 409}
    assert telco.stats()["recipients_failed"] == 2 * len(failed)


def test_fail_numbers_fail_only_those_numbers(telco):
    telco.faults(fail_numbers={PHONE: 407})

    assert codes(post(telco, f"{PHONE},+6285752000003")) == [407, 101]


def test_http_500_share_answers_500_text(telco):
    telco.faults(http_500=1.0)

    answer = post(telco)

    assert (answer.status_code, answer.text) == (500, "Internal Server Error")
    assert telco.messages() == []


def test_http_500_count_fails_exactly_the_next_requests(telco):
    telco.faults(http_500_count=2)

    assert [post(telco).status_code for _ in range(3)] == [500, 500, 201]
    assert telco.stats()["messages"] == 1


def test_slow_ms_delays_every_answer(telco):
    telco.faults(slow_ms=300)

    started = time.monotonic()
    assert post(telco).status_code == 201
    assert time.monotonic() - started >= 0.3


def test_timeout_count_hangs_the_next_request_past_the_client_timeout_then_answers(telco):
    telco.faults(timeout_count=1, timeout_s=1.0)

    with pytest.raises(requests.Timeout):
        post(telco, timeout=0.3)
    # The hung request still completes on the telco side, as a real one would.
    telco.wait_for_messages(PHONE, 1, timeout=3)
    assert post(telco, timeout=0.5).status_code == 201


def test_incoming_duplicate_delivers_the_same_message_twice(telco, recorder):
    telco.faults(incoming_duplicate=1.0)

    sent = telco.sms("081251000001", "CEK 123")

    first, second = recorder.wait_for("/sms/incoming", 2)
    assert first["form"] == second["form"]
    assert first["form"]["id"] == sent["id"]
    assert sent["copies"] == 2


@pytest.mark.parametrize("quirk, content_type", [("text_content_type", "application/json; charset=utf-8"),
                                                  ("html_body", "text/html")])
def test_content_type_quirks(telco, quirk, content_type):
    telco.faults(quirk=quirk)

    answer = post(telco)

    assert answer.headers["Content-Type"] == content_type


def test_empty_recipients_quirk_puts_the_reason_in_message(telco):
    telco.faults(quirk="empty_recipients:InvalidSenderId")

    assert post(telco).json() == {"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}
    assert telco.messages() == []


def test_auth_401_quirk_refuses_even_the_right_key(telco):
    telco.faults(quirk="auth_401")

    answer = post(telco)

    assert (answer.status_code, answer.text) == (401, "The supplied authentication is invalid")


def test_message_id_none_quirk_hides_ids_and_sends_no_reports(telco, recorder):
    telco.faults(quirk="message_id_none")

    [recipient] = post(telco).json()["SMSMessageData"]["Recipients"]

    assert (recipient["statusCode"], recipient["messageId"]) == (101, "None")
    # A marker: the next message's report is queued after any the first send could have queued.
    telco.faults(quirk=None)
    [marker] = post(telco).json()["SMSMessageData"]["Recipients"]
    [report] = recorder.wait_for("/sms/delivery")
    assert report["form"]["id"] == marker["messageId"]


def test_missing_recipient_quirk_delivers_but_leaves_the_last_out(telco):
    telco.faults(quirk="missing_recipient")

    answer = post(telco, f"{PHONE},+6285752000003")

    assert [r["number"] for r in answer.json()["SMSMessageData"]["Recipients"]] == [PHONE]
    assert len(telco.messages()) == 2


def test_reset_switches_faults_off_and_forgets_messages(telco):
    telco.faults(http_500_count=5, quirk="html_body")
    telco.reset()
    post(telco)
    telco.reset()

    assert requests.get(telco.url + "/api/faults").json()["http_500_count"] == 0
    assert telco.messages() == []
    assert telco.stats()["requests"] == 0


@pytest.mark.parametrize("body", [
    {"fail_share": 1.5},
    {"fail_share": "half"},
    {"fail_codes": [101]},
    {"fail_codes": []},
    {"fail_numbers": {"not-a-number": 406}},
    {"slow_ms": -1},
    {"timeout_count": True},
    {"quirk": "teapot"},
    {"fly": True},
    ["fail_share", 1],
])
def test_unusable_fault_settings_are_400_and_change_nothing(telco, body):
    answer = requests.post(telco.url + "/api/faults", json=body)

    assert answer.status_code == 400
    assert answer.json()["error"]
    assert requests.get(telco.url + "/api/faults").json()["fail_share"] == 0.0


def test_body_that_is_not_json_is_400(telco):
    answer = requests.post(telco.url + "/api/faults", data="fail_share=1",
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
