"""/ussd and /ussd/events under bad, odd and hostile input, and with Redis or the database gone."""
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from extensions import db
from office import citizens
from office.gsm import analyze
from office.models import Citizen
from office.models import Feedback
from office.models import Message
from office.models import UssdSessionEvent
from tests.helpers import new_application
from tests.strategies import FORM
from tests.strategies import as_received
from tests.strategies import form_body
from tests.strategies import texts as any_text

PHONE = "+6281234567001"
OTHER = "+6281234567002"
REPLY = re.compile(r"^(CON|END) ")


def hop(client, text="", session="S1", phone=PHONE, query=""):
    return client.post("/ussd" + query, data={"sessionId": session, "phoneNumber": phone, "text": text,
                                              "serviceCode": "*384*5758#", "networkCode": "51010"})


def assert_screen(response):
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert REPLY.match(response.text), response.text
    length = analyze(response.text)
    assert length.encoding == "GSM-7" and length.units <= 160, response.text


@pytest.mark.parametrize("missing", ["sessionId", "phoneNumber"])
def test_a_request_without_session_or_phone_is_a_plain_400(client, missing):
    form = {"sessionId": "S1", "phoneNumber": PHONE, "text": ""}
    form.pop(missing)
    response = client.post("/ussd", data=form)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert missing in response.text


def test_a_blank_session_id_counts_as_missing(client):
    assert client.post("/ussd", data={"sessionId": "  ", "phoneNumber": PHONE}).status_code == 400


def test_a_number_that_is_not_a_phone_gets_a_polite_end(client):
    response = hop(client, phone="not a phone")
    assert_screen(response)
    assert response.text.startswith("END Maaf")


@pytest.mark.parametrize("path", ["/ussd", "/ussd/events"])
def test_callbacks_require_the_token_when_one_is_set(client, app, path):
    app.config["CALLBACK_TOKEN"] = "s3cret"
    form = {"sessionId": "S1", "phoneNumber": PHONE, "text": "", "status": "Success"}
    assert client.post(path, data=form).status_code == 403
    assert client.post(path + "?token=wrong", data=form).status_code == 403
    assert client.post(path + "?token=s3cret", data=form).status_code == 200


def test_an_unknown_session_with_input_is_replayed_from_its_text(client):
    response = hop(client, "1*98*0", session="never-seen")
    assert_screen(response)
    assert response.text.startswith("CON Pilih layanan:")


def test_a_retried_hop_gets_the_same_answer_and_acts_once(client):
    first = hop(client, "4*1*Tambah kursi antrean")
    again = hop(client, "4*1*Tambah kursi antrean")
    assert first.text == again.text and first.text.startswith("END ")
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1


def test_saved_state_of_one_phone_is_never_used_for_another(client):
    citizens.set_language(PHONE, "en")
    db.session.commit()
    assert hop(client, "", session="shared").text.startswith("CON Jekan Raya Office")
    # Same session id, other phone, text extending the first one's: it must start its own session.
    assert hop(client, "1", session="shared", phone=OTHER).text.startswith("CON Pilih layanan:")


def test_a_session_keeps_its_saved_state_between_hops(client):
    citizens.set_language(PHONE, "en")
    db.session.commit()
    hop(client, "", session="kept")
    # Another channel switches the phone to Bahasa Indonesia mid-session: this session stays in English.
    citizens.set_language(PHONE, "id")
    db.session.commit()
    assert hop(client, "1", session="kept").text.startswith("CON Choose a service:")


def test_unreadable_saved_state_falls_back_to_replaying(client, redis):
    hop(client, "1", session="broken")
    for key in redis.scan_iter("ussd:session:*"):
        redis.set(key, '{"phone": "+6281234567001", "text": "1", "state": {"lang": "xx"}, "reply": "CON hacked"}')
    response = hop(client, "1*98", session="broken")
    assert_screen(response)
    assert response.text.startswith("CON Pilih layanan:") and "hacked" not in response.text


def test_thousands_of_stars_end_politely(client):
    response = hop(client, "*" * 5000)
    assert_screen(response)
    assert response.text.startswith("END ")


def test_a_10kb_body_gets_a_valid_screen(client):
    response = hop(client, "1*" + "9" * 10_000)
    assert_screen(response)


def test_a_hop_commits_once_whatever_its_screens_changed(client):
    commits = []

    def count(session):
        commits.append(session)

    event.listen(Session, "after_commit", count)
    try:
        # English, then announcements for the first kelurahan: two changes in one hop.
        response = hop(client, "6*2*3*1")
    finally:
        event.remove(Session, "after_commit", count)
    assert response.text.startswith("END Done.")
    assert len(commits) == 1
    citizen = citizens.find(PHONE)
    assert citizen.language == "en" and citizen.subscribed


def test_feedback_text_full_of_stars_and_emoji_is_kept(client):
    response = hop(client, "4*3*Antre lama 😡 ** tolong*dibenahi")
    assert_screen(response)
    assert db.session.scalar(select(Feedback.text)) == "Antre lama 😡 ** tolong*dibenahi"


def test_redis_down_still_gives_valid_screens_and_status_answers(app, make_app):
    from tests.redis_server import free_port

    dead = make_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    dead.extensions["redis"] = type(dead.extensions["redis"]).from_url(
        dead.config["REDIS_URL"], decode_responses=True, socket_connect_timeout=0.2, socket_timeout=0.2)
    with dead.app_context():
        reference = new_application("KK", "Siti Rahmawati", OTHER, "Palangka").reference
    client = dead.test_client()
    for text in ("", "1", "1*98"):
        assert_screen(hop(client, text))
    answer = hop(client, f"2*{reference}", session="S2")
    assert_screen(answer)
    assert "S*** R********" in answer.text


def test_a_database_failure_becomes_a_polite_end(app, make_app, tmp_path):
    broken = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = hop(broken.test_client(), "1")
    assert_screen(response)
    assert response.text == "END Maaf, terjadi gangguan. Silakan coba lagi."


inputs = st.sampled_from(["1", "2", "3", "4", "5", "6", "98", "0", "00", "1", "2", "", "9", "x", "😀", "1234567890"])
texts = st.one_of(
    st.lists(inputs, max_size=12).map("*".join),
    any_text(300),
    st.integers(min_value=0, max_value=6000).map(lambda n: "*" * n),
)
fuzz = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(session=st.sampled_from(["A", "B", "C"]), phone=st.sampled_from([PHONE, OTHER, "+254711000111"]), text=texts)
def test_fuzzed_text_always_gets_a_valid_screen(client, session, phone, text):
    form = {"sessionId": session, "phoneNumber": phone, "text": text, "serviceCode": "*384*5758#"}
    assert_screen(client.post("/ussd", data=form_body(form), content_type=FORM))


@fuzz
@given(form=st.dictionaries(st.sampled_from(["sessionId", "phoneNumber", "text", "serviceCode", "networkCode"]),
                            any_text(60)))
def test_fuzzed_fields_get_a_valid_screen_or_a_400(client, form):
    response = client.post("/ussd", data=form_body(form), content_type=FORM)
    if not as_received(form.get("sessionId", "")).strip() or not as_received(form.get("phoneNumber", "")).strip():
        assert response.status_code == 400
    else:
        assert_screen(response)


def test_session_events_are_stored_with_bad_numbers_as_null(client):
    response = client.post("/ussd/events", data={
        "sessionId": "E1", "phoneNumber": PHONE, "status": "Incomplete", "durationInMillis": "lots",
        "hopsCount": "-3", "input": "1*98", "lastAppResponse": "CON Pilih layanan:\n1. ...", "cost": "IDR 100"})
    assert response.status_code == 200
    event = db.session.scalar(select(UssdSessionEvent))
    assert (event.session_id, event.status, event.duration_ms, event.hops, event.input) == (
        "E1", "Incomplete", None, None, "1*98")


def test_a_repeated_session_event_updates_the_stored_one(client):
    form = {"sessionId": "E2", "status": "Failed", "hopsCount": "2", "errorMessage": "timeout"}
    client.post("/ussd/events", data=form)
    client.post("/ussd/events", data={**form, "hopsCount": "3"})
    assert db.session.scalars(select(UssdSessionEvent.hops)).all() == [3]


def test_a_session_event_without_session_id_is_a_400(client):
    assert client.post("/ussd/events", data={"status": "Success"}).status_code == 400


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(st.sampled_from(["sessionId", "phoneNumber", "status", "durationInMillis", "hopsCount",
                                             "input", "lastAppResponse", "errorMessage"]),
                            any_text(300)))
def test_fuzzed_session_events_never_fail(client, form):
    response = client.post("/ussd/events", data=form_body(form), content_type=FORM)
    assert response.status_code == (200 if as_received(form.get("sessionId", "")).strip() else 400)
    db.session.rollback()


def test_no_citizen_row_is_created_just_by_dialling(client):
    hop(client, "1*1")
    assert db.session.scalar(select(func.count()).select_from(Citizen)) == 0


def test_session_state_expires_just_after_ats_180_second_session(client, redis):
    hop(client, "1", session="ttl")
    [key] = redis.keys("ussd:session:*")
    assert 180 < redis.ttl(key) <= 200


def test_checklist_sms_requests_are_limited_per_phone(client):
    answers = [hop(client, "1*1*1", session=f"sms-{n}").text for n in range(6)]
    assert answers[:5] == ["END SMS daftar syarat akan dikirim sebentar lagi."] * 5
    assert answers[5].startswith("END Terlalu sering mencoba")
    queued = db.session.scalars(select(Message.kind).where(Message.phone == PHONE)).all()
    assert queued == ["checklist"] * 5
