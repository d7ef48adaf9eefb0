"""The simulator's copy of AT's SMS send API, spoken to over plain HTTP."""
import concurrent.futures

import requests

from tests.simulator.fixtures import API_KEY
from tests.simulator.fixtures import USERNAME

PHONE = "+6281251000001"


def send(telco, to, message="Halo", key=API_KEY, **form):
    return requests.post(telco.url + "/version1/messaging", headers={"apiKey": key, "Accept": "application/json"},
                         data={"username": USERNAME, "to": to, "message": message, **form}, timeout=10)


def test_send_answers_201_with_exact_json_content_type_and_at_shape(telco):
    answer = send(telco, f"{PHONE},+6285752000003", message="a" * 161, **{"from": "LEKAS", "bulkSMSMode": "1"})

    assert answer.status_code == 201
    assert answer.headers["Content-Type"] == "application/json"
    data = answer.json()["SMSMessageData"]
    assert data["Message"] == "Sent to 2/2 Total Cost: IDR 1200.0000"
    first = data["Recipients"][0]
    assert set(first) == {"statusCode", "number", "status", "cost", "messageId", "messageParts"}
    assert (first["statusCode"], first["number"], first["status"]) == (101, PHONE, "Success")
    assert (first["cost"], first["messageParts"]) == ("IDR 600.0000", 2)
    assert first["messageId"].startswith("ATXid_") and len(first["messageId"]) == 6 + 32


def test_accepted_message_lands_in_the_phone_inbox_under_any_number_form(telco):
    message_id = send(telco, PHONE, message="Surat Anda siap", **{"from": "LEKAS", "linkId": "l-1"}).json()[
        "SMSMessageData"]["Recipients"][0]["messageId"]

    for form in ("081251000001", "6281251000001", "+6281251000001", "0812-5100-0001"):
        [message] = telco.messages(form)
        assert message["messageId"] == message_id
    assert message["text"] == "Surat Anda siap"
    assert (message["phone"], message["from"], message["linkId"], message["segments"]) == (PHONE, "LEKAS", "l-1", 1)
    assert telco.messages("+6285752000003") == []


def test_messages_without_phone_lists_every_message_carried(telco):
    send(telco, f"{PHONE},+6285752000003", message="Satu")
    send(telco, PHONE, message="Dua")

    assert [(m["phone"], m["text"]) for m in telco.messages()] == [
        (PHONE, "Satu"), ("+6285752000003", "Satu"), (PHONE, "Dua")]


def test_invalid_number_is_403_with_message_id_none(telco):
    recipients = send(telco, f"+1234,{PHONE}").json()["SMSMessageData"]["Recipients"]

    assert recipients[0] == {"statusCode": 403, "number": "+1234", "status": "InvalidPhoneNumber",
                             "cost": "0", "messageId": "None"}
    assert recipients[1]["statusCode"] == 101


def test_missing_or_wrong_api_key_or_username_is_401_plain_text(telco):
    for answer in (send(telco, PHONE, key=""), send(telco, PHONE, key="nope"),
                   requests.post(telco.url + "/version1/messaging", headers={"apiKey": API_KEY},
                                 data={"username": "someone-else", "to": PHONE, "message": "x"})):
        assert answer.status_code == 401
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert answer.text == "The supplied authentication is invalid"
    assert telco.messages() == []


def test_missing_form_fields_are_400_not_500(telco):
    answer = requests.post(telco.url + "/version1/messaging", headers={"apiKey": API_KEY},
                           data={"username": USERNAME}, timeout=10)
    assert answer.status_code == 400
    assert "to" in answer.text
    assert send(telco, " , ").status_code == 400


def test_concurrent_bulk_sends_are_all_counted_and_ids_unique(telco):
    def bulk(batch):
        phones = ",".join(f"+62813{batch:03d}{n:05d}" for n in range(200))
        return send(telco, phones, message=f"batch {batch}").json()["SMSMessageData"]["Recipients"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = [r for batch in pool.map(bulk, range(16)) for r in batch]

    assert len({r["messageId"] for r in answers}) == 3200
    stats = telco.stats()
    assert (stats["requests"], stats["messages"]) == (16, 3200)
    assert len(telco.messages()) == 3200
