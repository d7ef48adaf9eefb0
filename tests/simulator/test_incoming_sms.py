"""A citizen texts the short code: AT's incoming-message form reaches Lekas's /sms/incoming."""
import re

import requests

from tests.simulator.fixtures import CALLBACK_TOKEN
from tests.simulator.fixtures import SHORTCODE

PHONE = "+6285752000003"


def test_sms_posts_at_incoming_fields_with_token(telco, recorder):
    sent = telco.sms("0857-5200-0003", "CEK 20240001")

    [incoming] = recorder.received("/sms/incoming")
    assert incoming["args"] == {"token": CALLBACK_TOKEN}
    form = incoming["form"]
    assert set(form) == {"from", "to", "text", "date", "id", "linkId", "networkCode"}
    assert (form["from"], form["to"], form["text"], form["networkCode"]) == (PHONE, SHORTCODE, "CEK 20240001",
                                                                             "51001")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", form["date"])
    assert (sent["id"], sent["linkId"], sent["status_code"]) == (form["id"], form["linkId"], 200)


def test_each_sms_gets_a_new_id_and_link_id(telco, recorder):
    first, second = telco.sms(PHONE, "a"), telco.sms(PHONE, "b")

    assert first["id"] != second["id"]
    assert first["linkId"] != second["linkId"]


def test_sent_texts_are_listed_with_lekas_answer(telco, recorder):
    recorder.status = 403
    telco.sms(PHONE, "DAFTAR")

    [sent] = requests.get(telco.url + "/api/sms", params={"phone": "085752000003"}).json()
    assert (sent["text"], sent["status_code"]) == ("DAFTAR", 403)


def test_bad_sms_requests_are_400(telco):
    for body in ({"phone": PHONE}, {"phone": PHONE, "text": ""}, {"text": "hi"}, {"phone": PHONE, "text": 5},
                 {"phone": PHONE, "text": "x" * 1601}):
        answer = requests.post(telco.url + "/api/sms", json=body)
        assert answer.status_code == 400, body
    assert requests.get(telco.url + "/api/messages", params={"phone": "hello"}).status_code == 400
