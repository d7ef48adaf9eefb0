"""Taking a lobby queue number at the kiosk, screen by screen: the groups offered, the priority question, the
optional phone, the ticket stored and shown; bad and tampered answers, the kiosk's limit, and kiosks racing
over real HTTP for the same numbers."""
import threading
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from office import queue
from office import ratelimit
from office.models import QueueTicket
from tests.kiosk.test_kiosk import text_of
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

START, PRIORITY, PHONE_STEP, TAKE = "/kiosk/antrian", "/kiosk/antrian/prioritas", "/kiosk/antrian/sms", \
    "/kiosk/antrian/ambil"


def tickets():
    db.session.expire_all()
    return list(db.session.scalars(select(QueueTicket).order_by(QueueTicket.id)))


def take(client, group="A", priority="no", phone="", lang="id"):
    return client.post(TAKE, data={"group": group, "priority": priority, "phone": phone},
                       query_string={"lang": lang})


@pytest.fixture
def counters_restored(app):
    """Counters changed by a test are set back from data/queue.yaml (the table is kept between tests)."""
    yield
    queue.load_setup()
    db.session.commit()


def test_the_home_screen_offers_the_queue_first(client):
    page = client.get("/kiosk/?lang=id").get_data(as_text=True)
    assert page.index("Nomor antrian") < page.index("Persyaratan")
    assert 'href="/kiosk/antrian"' in page


@pytest.mark.parametrize("lang, question", [("id", "Layanan apa yang Anda perlukan?"),
                                            ("en", "Which service do you need?")])
def test_the_first_screen_asks_in_the_kiosks_language_and_is_kept_by_no_cache(client, lang, question):
    answer = client.get(START, query_string={"lang": lang})
    assert answer.status_code == 200 and question in text_of(answer)
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_groups_show_their_letter_name_and_what_they_cover(client):
    shown = text_of(client.get(START, query_string={"lang": "id"}))
    for letter, name in [("A", "KTP-el dan KIA"), ("B", "KK, pindah, akta"), ("C", "Surat kecamatan"),
                         ("D", "Ambil dokumen, tanya informasi")]:
        assert f"{letter} {name}" in shown
    assert "Kartu Identitas Anak" in shown


def test_a_group_no_counter_serves_is_not_offered_nor_taken(client, counters_restored):
    for counter in queue.counters():
        counter.groups = [letter for letter in counter.groups if letter != "C"]
    db.session.commit()
    assert "Surat kecamatan" not in text_of(client.get(START))
    answer = client.post(PRIORITY, data={"group": "C"})
    assert answer.status_code == 200 and "Pilih salah satu layanan yang tampil" in text_of(answer)
    take(client, group="C")
    assert tickets() == []


def test_each_screen_carries_the_earlier_answers(client):
    priority = client.post(PRIORITY, data={"group": "B"}).get_data(as_text=True)
    assert 'data-screen="queue-priority"' in priority and 'name="group" value="B"' in priority
    assert 'name="priority" value="yes"' in priority and 'name="priority" value="no"' in priority
    phone = client.post(PHONE_STEP, data={"group": "B", "priority": "yes"}).get_data(as_text=True)
    assert 'data-screen="queue-phone"' in phone
    assert phone.count('name="priority" value="yes"') == 2  # the keypad's form and the skip button's
    assert 'data-kind="phone"' in phone and "Lewati" in phone


@pytest.mark.parametrize("url, body, screen, message", [
    (PRIORITY, {"group": "Z"}, "queue-group", "Pilih salah satu layanan yang tampil"),
    (PRIORITY, {}, "queue-group", "Pilih salah satu layanan yang tampil"),
    (PHONE_STEP, {"group": "A", "priority": "maybe"}, "queue-priority", "Sentuh Ya atau Tidak"),
    (PHONE_STEP, {"group": "A"}, "queue-priority", "Sentuh Ya atau Tidak"),
    (TAKE, {"group": "a", "priority": "no"}, "queue-group", "Pilih salah satu layanan yang tampil"),
    (TAKE, {"group": "A", "priority": "YES"}, "queue-priority", "Sentuh Ya atau Tidak"),
    (TAKE, {"group": "A", "priority": "no", "phone": "021 555 1234"}, "queue-phone", "Ketik nomor HP Indonesia"),
    (TAKE, {"group": "A", "priority": "no", "phone": "0812\ud800345"}, "queue-phone", "Ketik nomor HP Indonesia"),
])
def test_a_bad_or_tampered_answer_goes_back_to_its_screen_with_a_reason(client, url, body, screen, message):
    answer = client.post(url, data=form_body(body), content_type=FORM, query_string={"lang": "id"})
    assert answer.status_code == 200
    assert f'data-screen="{screen}"' in answer.get_data(as_text=True) and message in text_of(answer)
    assert tickets() == []


def test_a_typed_phone_is_kept_when_it_is_wrong(client):
    answer = client.post(TAKE, data={"group": "A", "priority": "no", "phone": "12345"})
    assert 'value="12345"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("url", [PRIORITY, PHONE_STEP, TAKE])
def test_a_screen_of_the_middle_asked_for_by_get_starts_again(client, url):
    answer = client.get(url, query_string={"lang": "en"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/kiosk/antrian?lang=en"


def test_the_ticket_is_stored_with_priority_phone_and_language_and_shown(client):
    answer = take(client, group="A", priority="yes", phone="0812-3456-7890", lang="en")
    assert answer.status_code == 302
    [ticket] = tickets()
    assert (ticket.number, ticket.priority, ticket.phone, ticket.language, ticket.status) == \
        ("A001", True, "+6281234567890", "en", queue.ISSUED)
    shown = text_of(client.get(answer.headers["Location"]))
    assert "A001" in shown and "Priority" in shown and "+62812****7890" in shown
    assert "People ahead of you 0" in shown and f"about {ticket.estimate_minutes} min" in shown
    assert "Please wait to be called." in shown and 'data-print' in client.get(answer.headers["Location"]).text


def test_numbers_run_on_and_the_people_ahead_grow(client):
    for _ in range(3):
        take(client, group="B")
    assert [t.number for t in tickets()] == ["B001", "B002", "B003"]
    last = tickets()[-1]
    shown = text_of(client.get(f"/kiosk/antrian/nomor/{last.id}", query_string={"lang": "id"}))
    assert "Antrian di depan Anda 2" in shown and "Harap menunggu panggilan." in shown


def test_a_skipped_phone_stores_none(client):
    take(client, group="D", priority="no", phone="")
    assert [(t.number, t.phone, t.priority) for t in tickets()] == [("D001", None, False)]


def test_an_unknown_or_old_ticket_is_a_kiosk_screen_not_an_error(client):
    answer = client.get("/kiosk/antrian/nomor/999999")
    assert answer.status_code == 404 and 'data-screen="not-found"' in answer.get_data(as_text=True)


def test_the_kiosk_stops_handing_out_numbers_past_its_limit(client, redis):
    redis.set("ratelimit:queue_ticket:addr:127.0.0.1", ratelimit.QUEUE_TICKET_LIMIT - 1)
    assert take(client).status_code == 302
    refused = take(client)
    assert refused.status_code == 429
    assert "Kios ini baru saja memberikan banyak nomor" in text_of(refused)
    assert [t.number for t in tickets()] == ["A001"]


def post(url, body):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.url


def test_kiosks_racing_over_http_never_get_the_same_number(app, live_server):
    shown, errors = [], []

    def kiosk():
        try:
            for _ in range(5):
                shown.append(post(live_server.url + TAKE, {"group": "C", "priority": "no"}))
        except Exception as exc:  # noqa: BLE001 - a failure is what this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=kiosk) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = [t.number for t in tickets()]
    assert sorted(numbers) == [f"C{n:03d}" for n in range(1, 31)]
    assert len(set(shown)) == 30  # each kiosk was shown a ticket of its own


ANSWERS = ["group", "priority", "phone"]


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.sampled_from([PRIORITY, PHONE_STEP, TAKE]),
       values=st.lists(st.one_of(texts(max_size=300), st.sampled_from(["A", "B", "yes", "no", "0812345678901"]),
                                 st.just("9" * 10_000)), min_size=3, max_size=3))
def test_any_answer_gets_a_screen_never_a_server_error(client, url, values):
    answer = client.post(url, data=form_body(dict(zip(ANSWERS, values))), content_type=FORM)
    assert answer.status_code in (200, 302, 429)
