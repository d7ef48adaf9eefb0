"""The telco webhooks' limits: a flood from one address is turned away, token guessing is stopped after a few
tries, and neither touches another address or a caller with the right token."""
import gateway
from tests.helpers import phone

HOP = {"sessionId": "limit-1", "phoneNumber": phone(5), "text": ""}
END = {"sessionId": "limit-1", "phoneNumber": phone(5), "status": "Success"}
OTHER_ADDRESS = {"REMOTE_ADDR": "10.0.0.7"}


def test_more_requests_than_the_limit_from_one_address_are_refused_and_others_carry_on(client, settings):
    settings(WEBHOOK_RATE_LIMIT="3 per minute")
    answers = [client.post("/ussd/events", data=END).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.post("/ussd/events", data=END, environ_base=OTHER_ADDRESS).status_code == 200
    # The USSD hop itself is left out: AT is its only caller, and a hop's Redis round trips are counted.
    assert client.post("/ussd", data=HOP).status_code == 200


def test_wrong_tokens_are_stopped_after_a_few_tries(app, client, settings):
    settings(CALLBACK_TOKEN="the-right-token-0123456789")
    tries = int(gateway.BAD_TOKEN_LIMIT.split()[0])
    assert {client.post("/sms/delivery?token=guess", data={}).status_code for _ in range(tries)} == {403}
    assert client.post("/sms/delivery?token=guess", data={}).status_code == 429
    # The telco, with the right token, from its own address, is not affected.
    assert client.post("/ussd?token=the-right-token-0123456789", data=HOP,
                       environ_base=OTHER_ADDRESS).status_code == 200


def test_right_tokens_never_count_against_the_guessing_limit(client, settings):
    settings(CALLBACK_TOKEN="the-right-token-0123456789")
    tries = int(gateway.BAD_TOKEN_LIMIT.split()[0])
    for _ in range(tries + 5):
        assert client.post("/ussd?token=the-right-token-0123456789", data=HOP).status_code == 200
