"""The SMS provider layer: the real africastalking SDK over real HTTP to the telco simulator."""
import time

import pytest
from africastalking.SMS import SMSService

from gateway.providers import ACCEPTED
from gateway.providers import DEFAULT_TIMEOUT
from gateway.providers import FAILED
from gateway.providers import RETRY
from gateway.providers import AfricasTalkingProvider
from gateway.providers import provider_from_config
from simulator.testing import free_port
from tests.simulator.fixtures import API_KEY  # noqa: F401
from tests.simulator.fixtures import SHORTCODE  # noqa: F401
from tests.simulator.fixtures import USERNAME  # noqa: F401

PHONE = "+6281251000001"  # 0812-5100-0001
OTHER = "+6281349000002"


@pytest.fixture
def provider(telco):
    return AfricasTalkingProvider(USERNAME, API_KEY, sender_id="LEKAS", api_url=telco.url, shortcode=SHORTCODE)


def test_sdk_still_keeps_its_host_in_the_private_attributes_the_override_sets():
    # If this fails after an SDK upgrade, AT_API_URL silently stops working: fix gateway/providers.py.
    service = SMSService("someone", "key")
    assert service._baseUrl == "https://api.africastalking.com/version1"
    assert service._contentUrl == "https://content.africastalking.com/version1"
    assert service._make_url("/messaging") == service._baseUrl + "/messaging"
    assert service._make_url("/messaging", content=True) == service._contentUrl + "/messaging"


def test_api_url_points_bulk_and_premium_sends_at_the_simulator(provider, telco):
    assert provider.service._make_url("/messaging") == telco.url + "/version1/messaging"
    assert provider.service._make_url("/messaging", content=True) == telco.url + "/version1/messaging"

    provider.send("Halo", [PHONE])
    provider.send_premium("Balasan", PHONE, link_id="link-1")

    assert telco.stats()["requests"] == 2
    assert [m["text"] for m in telco.messages(PHONE)] == ["Halo", "Balasan"]


def test_single_send_is_accepted_with_message_id_and_delivery_report_matches(provider, telco, recorder):
    [result] = provider.send("Permohonan Anda sudah siap diambil.", [PHONE])

    assert result.outcome == ACCEPTED
    assert result.phone == PHONE
    assert result.provider_id.startswith("ATXid_")
    assert result.status_code == 101
    assert result.cost == "IDR 300.0000"
    assert result.error is None
    [message] = telco.messages("0812-5100-0001")
    assert message["messageId"] == result.provider_id
    assert message["from"] == "LEKAS"
    [report] = recorder.wait_for("/sms/delivery")
    assert report["form"]["id"] == result.provider_id
    assert report["form"]["status"] == "Success"


def test_bulk_send_is_chunked_and_keeps_recipient_order(telco):
    provider = AfricasTalkingProvider(USERNAME, API_KEY, api_url=telco.url, chunk_size=500)
    phones = [f"+62812{n:08d}" for n in range(1200)]

    results = provider.send("Pengumuman kantor kecamatan", phones)

    assert [r.phone for r in results] == phones
    assert {r.outcome for r in results} == {ACCEPTED}
    assert len({r.provider_id for r in results}) == 1200
    stats = telco.stats()
    assert stats["requests"] == 3
    assert stats["messages"] == 1200


@pytest.mark.parametrize(
    "code, outcome",
    [(401, FAILED), (403, FAILED), (404, FAILED), (406, FAILED), (407, FAILED), (409, FAILED),
     (402, RETRY), (405, RETRY), (500, RETRY), (501, RETRY), (502, RETRY)],
)
def test_each_recipient_status_code_maps_to_its_outcome(provider, telco, code, outcome):
    telco.faults(fail_numbers={PHONE: code})

    failing, fine = provider.send("Halo", [PHONE, OTHER])

    assert (failing.outcome, failing.status_code, failing.provider_id) == (outcome, code, None)
    assert failing.error.startswith(f"{code} ")
    assert fine.outcome == ACCEPTED
    assert [m["phone"] for m in telco.messages()] == [OTHER]


def test_blacklisted_number_reports_at_status_word(provider, telco):
    telco.faults(fail_numbers={PHONE: 406})

    [result] = provider.send("Halo", [PHONE])

    assert result.error == "406 UserInBlacklist"
    assert result.cost == "0"


def test_number_the_sdk_rejects_fails_alone_without_aborting_the_others(provider, telco):
    results = provider.send("Halo", ["08125100001", PHONE, "+62 812", OTHER])

    assert [r.outcome for r in results] == [FAILED, ACCEPTED, FAILED, ACCEPTED]
    assert results[0].error == "invalid phone number"
    assert telco.stats()["messages"] == 2


def test_number_the_telco_rejects_is_invalid_phone_number(provider):
    [result] = provider.send("Halo", ["+1234"])

    assert (result.outcome, result.status_code, result.error) == (FAILED, 403, "403 InvalidPhoneNumber")


def test_same_phone_twice_gets_two_results(provider):
    first, second = provider.send("Halo", [PHONE, PHONE])

    assert first.outcome == second.outcome == ACCEPTED
    assert first.provider_id != second.provider_id


def test_nothing_to_send_makes_no_request(provider, telco):
    assert provider.send("Halo", []) == []
    assert telco.stats()["requests"] == 0


def test_http_500_makes_every_recipient_of_that_chunk_retry(telco):
    provider = AfricasTalkingProvider(USERNAME, API_KEY, api_url=telco.url, chunk_size=2)
    telco.faults(http_500_count=1)

    results = provider.send("Halo", [PHONE, OTHER, "+6285752000003"])

    assert [r.outcome for r in results] == [RETRY, RETRY, ACCEPTED]
    assert results[0].error == "HTTP error: Internal Server Error"


def test_timeout_makes_the_chunk_retry_within_the_configured_timeout(telco):
    provider = provider_from_config({"SMS_PROVIDER": "simulator", "AT_API_URL": telco.url, "AT_USERNAME": USERNAME,
                                     "AT_API_KEY": API_KEY, "SMS_TIMEOUT": (1.0, 0.3)})
    telco.faults(timeout_count=1, timeout_s=1.5)

    started = time.monotonic()
    [result] = provider.send("Halo", [PHONE])

    assert (result.outcome, result.error) == (RETRY, "timeout")
    assert time.monotonic() - started < 1.2
    [after] = provider.send("Halo lagi", [PHONE])
    assert after.outcome == ACCEPTED


def test_connection_refused_makes_every_recipient_retry():
    provider = AfricasTalkingProvider(USERNAME, API_KEY, api_url=f"http://127.0.0.1:{free_port()}")

    results = provider.send("Halo", [PHONE, OTHER])

    assert [r.outcome for r in results] == [RETRY, RETRY]
    assert results[0].error.startswith("connection error")


def test_json_served_with_a_charset_is_still_read(provider, telco):
    telco.faults(quirk="text_content_type")
    assert isinstance(provider.service.send("Halo", [OTHER]), str)  # what the SDK hands back

    [result] = provider.send("Halo", [PHONE])

    assert result.outcome == ACCEPTED
    assert result.provider_id.startswith("ATXid_")


def test_body_that_is_not_json_makes_recipients_retry(provider, telco):
    telco.faults(quirk="html_body")

    [result] = provider.send("Halo", [PHONE])

    assert result.outcome == RETRY
    assert result.error.startswith("unexpected response: <html>")


def test_message_id_none_is_stored_as_no_id(provider, telco):
    telco.faults(quirk="message_id_none")

    [result] = provider.send("Halo", [PHONE])

    assert (result.outcome, result.provider_id) == (ACCEPTED, None)


@pytest.mark.parametrize("reason, outcome", [("InvalidSenderId", RETRY), ("InsufficientBalance", RETRY),
                                             ("SomethingNew", RETRY), ("UserInBlacklist", FAILED)])
def test_empty_recipients_give_every_phone_the_reason_in_message(provider, telco, reason, outcome):
    telco.faults(quirk=f"empty_recipients:{reason}")

    results = provider.send("Halo", [PHONE, OTHER])

    assert [(r.outcome, r.error) for r in results] == [(outcome, reason)] * 2


def test_recipient_missing_from_the_answer_retries(provider, telco):
    telco.faults(quirk="missing_recipient")

    first, last = provider.send("Halo", [PHONE, OTHER])

    assert first.outcome == ACCEPTED
    assert (last.outcome, last.error) == (RETRY, "missing from answer")


def test_wrong_api_key_retries_with_auth_error(telco):
    provider = AfricasTalkingProvider(USERNAME, "wrong-key", api_url=telco.url)

    [result] = provider.send("Halo", [PHONE])

    assert (result.outcome, result.error) == (RETRY, "auth: The supplied authentication is invalid")
    assert telco.messages() == []


def test_plain_text_401_from_the_telco_retries_with_auth_error(provider, telco):
    telco.faults(quirk="auth_401")

    result = provider.send_premium("Halo", PHONE, link_id="abc")

    assert (result.outcome, result.error) == (RETRY, "auth: The supplied authentication is invalid")


def test_send_premium_carries_link_id_keyword_and_short_code(provider, telco, recorder):
    result = provider.send_premium("Status permohonan: DIPROSES", PHONE, link_id="link-42", keyword="CEK")

    assert result.outcome == ACCEPTED
    [message] = telco.messages(PHONE)
    assert (message["linkId"], message["keyword"], message["from"]) == ("link-42", "CEK", SHORTCODE)
    [report] = recorder.wait_for("/sms/delivery")
    assert report["form"]["id"] == result.provider_id


def test_send_premium_maps_failures_and_invalid_numbers(provider, telco):
    telco.faults(fail_numbers={PHONE: 406})

    assert provider.send_premium("Halo", PHONE, link_id="x").outcome == FAILED
    assert provider.send_premium("Halo", "0812", link_id="x").error == "invalid phone number"


def test_simulator_provider_defaults_to_local_simulator_and_placeholder_credentials():
    provider = provider_from_config({"SMS_PROVIDER": "simulator", "SIMULATOR_PORT": 5999})

    assert provider.service._baseUrl == "http://127.0.0.1:5999/version1"
    assert provider.service._username == "sandbox"
    assert provider.service._api_key == "simulator-key"
    assert (provider.chunk_size, provider.timeout, provider.sender_id) == (500, DEFAULT_TIMEOUT, None)


def test_africastalking_provider_keeps_real_hosts_unless_api_url_is_set():
    provider = provider_from_config({"SMS_PROVIDER": "africastalking", "AT_USERNAME": "kecamatan",
                                     "AT_API_KEY": "k", "AT_SENDER_ID": "JEKANRAYA", "SMS_CHUNK_SIZE": 100,
                                     "SMS_TIMEOUT": 5.0})

    assert provider.service._baseUrl == "https://api.africastalking.com/version1"
    assert (provider.sender_id, provider.chunk_size, provider.timeout) == ("JEKANRAYA", 100, 5.0)


@pytest.mark.parametrize("config", [
    {"SMS_PROVIDER": "africastalking", "AT_USERNAME": "kecamatan"},
    {"SMS_PROVIDER": "carrier-pigeon"},
    {"SMS_PROVIDER": "simulator", "SMS_CHUNK_SIZE": 0},
])
def test_unusable_config_is_refused(config):
    with pytest.raises(ValueError):
        provider_from_config(config)
