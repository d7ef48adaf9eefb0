"""The USSD driver: AT's fields to Lekas's /ussd, sessions per phone, end-of-session notifications."""
import requests

from tests.simulator.fixtures import CALLBACK_TOKEN
from tests.simulator.fixtures import USSD_CODE

PHONE = "+6281251000001"


def menu(form):
    """A small Lekas stand-in: a menu, a question, then the end."""
    return {"": "CON Selamat datang\n1. Cek status\n2. Keluar", "1": "CON Nomor referensi:",
            "2": "END Terima kasih"}.get(form["text"], f"END Status {form['text'].split('*')[-1]}: DIPROSES")


def test_dial_posts_at_fields_with_empty_text_and_shows_the_screen(telco, recorder):
    recorder.ussd_reply = menu

    step = telco.ussd("0812-5100-0001")

    [hop] = recorder.received("/ussd")
    assert hop["args"] == {"token": CALLBACK_TOKEN}
    assert set(hop["form"]) == {"sessionId", "serviceCode", "phoneNumber", "networkCode", "text"}
    assert (hop["form"]["serviceCode"], hop["form"]["phoneNumber"]) == (USSD_CODE, PHONE)
    assert (hop["form"]["networkCode"], hop["form"]["text"]) == ("51010", "")
    assert step == {"screen": "Selamat datang\n1. Cek status\n2. Keluar", "ended": False,
                    "session_id": hop["form"]["sessionId"], "chars": 38, "text": "", "status_code": 200}


def test_inputs_accumulate_with_star_in_one_session_until_end(telco, recorder):
    recorder.ussd_reply = menu

    screens = telco.dial(PHONE, "1", "2024*0001")

    assert screens == ["Selamat datang\n1. Cek status\n2. Keluar", "Nomor referensi:", "Status 0001: DIPROSES"]
    hops = recorder.received("/ussd")
    assert [h["form"]["text"] for h in hops] == ["", "1", "1*2024*0001"]
    assert len({h["form"]["sessionId"] for h in hops}) == 1


def test_end_closes_the_session_and_notifies_success(telco, recorder):
    recorder.ussd_reply = menu
    first = telco.ussd(PHONE)
    last = telco.ussd(PHONE, "2")

    assert (last["screen"], last["ended"]) == ("Terima kasih", True)
    [event] = recorder.wait_for("/ussd/events")
    assert event["args"] == {"token": CALLBACK_TOKEN}
    form = event["form"]
    assert form["sessionId"] == first["session_id"]
    assert (form["status"], form["input"], form["hopsCount"], form["lastAppResponse"]) == (
        "Success", "2", "2", "END Terima kasih")
    assert (form["phoneNumber"], form["serviceCode"], form["networkCode"]) == (PHONE, USSD_CODE, "51010")
    assert form["cost"].startswith("IDR ") and form["durationInMillis"].isdigit()
    assert len(form["date"]) == 19 and "errorMessage" not in form


def test_input_after_end_starts_a_new_session(telco, recorder):
    recorder.ussd_reply = menu
    ended = telco.dial(PHONE, "2")
    assert ended[-1] == "Terima kasih"

    step = telco.ussd(PHONE, "1")

    last = recorder.received("/ussd")[-1]["form"]
    assert last["text"] == "1"
    assert step["session_id"] == last["sessionId"] != recorder.received("/ussd")[0]["form"]["sessionId"]


def test_hang_up_notifies_incomplete(telco, recorder):
    step = telco.ussd(PHONE)

    assert telco.hang_up(PHONE) == {"ended": True, "session_id": step["session_id"]}
    [event] = recorder.wait_for("/ussd/events")
    assert (event["form"]["status"], event["form"]["sessionId"]) == ("Incomplete", step["session_id"])
    assert requests.post(telco.url + "/api/ussd/end", json={"phone": PHONE}).status_code == 409


def test_dialling_again_abandons_the_open_session(telco, recorder):
    old = telco.ussd(PHONE)
    new = telco.ussd(PHONE)

    assert new["session_id"] != old["session_id"]
    [event] = recorder.wait_for("/ussd/events")
    assert (event["form"]["status"], event["form"]["sessionId"]) == ("Incomplete", old["session_id"])


def test_malformed_answer_fails_the_session_like_at(telco, recorder):
    recorder.ussd_reply = lambda form: "Hello without prefix"

    step = telco.ussd(PHONE)

    assert step["ended"] is True
    assert step["screen"] == "Connection problem or invalid MMI code."
    assert "CON or END" in step["error"]
    [event] = recorder.wait_for("/ussd/events")
    assert event["form"]["status"] == "Failed"
    assert "CON or END" in event["form"]["errorMessage"]


def test_http_error_from_lekas_fails_the_session(telco, recorder):
    recorder.status = 403

    step = telco.ussd(PHONE)

    assert (step["ended"], step["status_code"], step["error"]) == (True, 403, "Lekas answered HTTP 403")
    assert recorder.wait_for("/ussd/events")[0]["form"]["status"] == "Failed"


def test_chars_counts_what_the_phone_shows(telco, recorder):
    recorder.ussd_reply = lambda form: "CON " + "x" * 170

    assert telco.ussd(PHONE)["chars"] == 170


def test_session_id_and_text_can_be_forced(telco, recorder):
    telco.ussd(PHONE, None, session_id="ATUid_test", text="1*2")

    [hop] = recorder.received("/ussd")
    assert (hop["form"]["sessionId"], hop["form"]["text"]) == ("ATUid_test", "1*2")


def test_bad_ussd_requests_are_400(telco):
    for body in ({}, {"phone": "abc"}, {"phone": PHONE, "input": 1}, [PHONE]):
        answer = requests.post(telco.url + "/api/ussd", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]
