"""The kiosk's screens over HTTP: every screen in both languages, the status flow and its privacy rule, the
subscriptions and suggestions it files, its limits, and bad input answered beside the field."""
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from kiosk import pictures
from office import catalog
from office import citizens
from office.models import Feedback
from office.models import Message
from tests.helpers import new_application
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

SCREENS = ["/kiosk/", "/kiosk/layanan", "/kiosk/layanan/KTP", "/kiosk/cek", "/kiosk/sms", "/kiosk/saran",
           "/kiosk/info"]
PHONE = "+6281234567890"


def text_of(response) -> str:
    """The page's words, tags and repeated spaces removed, for asserting on what a citizen reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def application(app):
    return new_application(name="Budi Santoso", phone="0812-3456-7890",
                           moves=[("VERIFYING", "Bawa KK asli ke loket 2")])


@pytest.mark.parametrize("url", SCREENS)
@pytest.mark.parametrize("lang, hello", [("id", "Mulai lagi"), ("en", "Start again")])
def test_every_screen_answers_in_both_languages_and_is_kept_by_no_cache(client, url, lang, hello):
    response = client.get(url, query_string={"lang": lang})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    if url != "/kiosk/":
        assert hello in text_of(response)


def test_the_chosen_language_is_kept_in_a_cookie_until_changed(client):
    client.get("/kiosk/", query_string={"lang": "en"})
    assert "Check my application" in text_of(client.get("/kiosk/"))
    client.get("/kiosk/", query_string={"lang": "id"})
    assert "Cek permohonan saya" in text_of(client.get("/kiosk/"))


def test_the_kiosk_files_are_cached_by_the_browser_and_the_ping_needs_nothing(client):
    with client.get("/kiosk/static/kiosk.css") as style:
        assert "no-store" not in style.headers.get("Cache-Control", "")
    ping = client.get("/kiosk/ping")
    assert ping.status_code == 204 and ping.headers["Cache-Control"] == "no-store"


def test_every_service_has_its_picture_in_the_sprite(app, client):
    with client.get("/kiosk/static/icons.svg") as response:
        sprite = response.get_data(as_text=True)

    for service in catalog.services():
        assert f'id="{pictures.for_service(service.code)}"' in sprite, service.code


@pytest.mark.parametrize("code", ["NOPE", "ktp'--", "%00", "x" * 300])
def test_an_unknown_service_is_a_kiosk_screen_not_an_error(client, code):
    response = client.get(f"/kiosk/layanan/{code}")
    assert response.status_code == 404 and "Mulai lagi" in text_of(response)


def test_the_status_shows_a_masked_name_and_no_note_without_the_phone(client, application):
    page = text_of(client.post("/kiosk/cek", data={"reference": application.reference}))
    assert "B*** S******" in page and "Budi" not in page
    assert "Sedang diperiksa" in page or "Verifying" in page
    assert "Bawa KK asli" not in page
    assert "Lihat catatan petugas" in page


def test_the_last_four_digits_of_the_applicants_phone_show_the_note(client, application):
    page = text_of(client.post("/kiosk/cek", data={"reference": application.reference, "phone_tail": "7890"}))
    assert "Bawa KK asli ke loket 2" in page and "B*** S******" in page


def test_wrong_digits_keep_the_note_hidden_and_say_so(client, application):
    page = text_of(client.post("/kiosk/cek", data={"reference": application.reference, "phone_tail": "1234"}))
    assert "Bawa KK asli" not in page
    assert "tidak cocok dengan nomor HP pemohon" in page


def test_guessing_the_phone_digits_stops_after_five_tries_an_hour(client, application):
    for guess in ["0000", "1111", "2222", "3333", "4444"]:
        client.post("/kiosk/cek", data={"reference": application.reference, "phone_tail": guess})
    page = text_of(client.post("/kiosk/cek", data={"reference": application.reference, "phone_tail": "7890"}))
    assert "Bawa KK asli" not in page and "Terlalu banyak percobaan" in page
    # The status itself is still shown: only the note is out of reach.
    assert "B*** S******" in page


@pytest.mark.parametrize("typed, message", [
    ("", "10 angka"),
    ("12345", "10 angka"),
    ("abcdefghij", "10 angka"),
    ("１２３４５６７８９０", "10 angka"),  # full-width digits are not ASCII digits
    ("1234567890", "salah ketik"),
])
def test_a_badly_typed_number_is_answered_beside_the_field(client, typed, message):
    page = text_of(client.post("/kiosk/cek", data={"reference": typed}))
    assert message in page and "Nomor permohonan" in page


def test_an_unknown_number_says_so_and_keeps_the_keypad(client):
    from office import references

    body = "123456789"
    page = text_of(client.post("/kiosk/cek", data={"reference": body + references.check_digit(body)}))
    assert "Tidak ada permohonan dengan nomor" in page and "Cari" in page


def test_a_kiosk_gets_many_citizens_worth_of_lookups_but_not_more(client, application, settings):
    settings(STATUS_LOOKUP_LIMIT=2, KIOSK_SHARED_BY=3)
    pages = [text_of(client.post("/kiosk/cek", data={"reference": application.reference})) for _ in range(7)]
    assert all("B*** S******" in page for page in pages[:6])
    assert "Terlalu banyak pengecekan dari kios ini" in pages[6]


def test_the_phone_tail_screen_asks_for_four_digits_of_that_application(client, application):
    page = client.post("/kiosk/cek/catatan", data={"reference": application.reference}).get_data(as_text=True)
    assert f'value="{application.reference}"' in page and 'data-kind="tail"' in page
    # That step only answers a form: its language switch starts again from the first screen, not a 405.
    assert 'href="/kiosk/?lang=en"' in page


def citizen():
    db.session.expire_all()
    return citizens.find(PHONE)


def confirmations():
    return db.session.scalar(select(func.count()).select_from(Message).where(Message.phone == PHONE))


def test_a_phone_typed_at_the_kiosk_is_subscribed_for_its_kelurahan_and_told_by_sms(client):
    menteng = catalog.find_kelurahan("Menteng")
    page = text_of(client.post("/kiosk/sms", data={"kelurahan": menteng.code, "phone": "0812 3456 7890"}))
    assert "SMS konfirmasi sedang dikirim" in page and "Menteng" in page
    assert citizen().subscribed and citizen().kelurahan_id == menteng.id
    assert confirmations() == 1


def test_a_phone_that_said_stop_is_not_subscribed_from_the_kiosk(client):
    citizens.opt_out(PHONE)
    db.session.commit()
    page = text_of(client.post("/kiosk/sms", data={"kelurahan": "all", "phone": "081234567890"}))
    assert "kirim DAFTAR ke 5758 dari HP tersebut" in page
    assert citizen().opted_out and confirmations() == 0


@pytest.mark.parametrize("form, message", [
    ({"kelurahan": "all", "phone": ""}, "Ketik nomor HP Indonesia"),
    ({"kelurahan": "all", "phone": "0536 3222639"}, "Ketik nomor HP Indonesia"),  # a landline gets no SMS
    ({"kelurahan": "all", "phone": "9" * 40}, "Ketik nomor HP Indonesia"),
    ({"kelurahan": "62.71.03.9999", "phone": "081234567890"}, "Pilih salah satu pilihan yang ada"),
])
def test_a_bad_subscription_is_answered_beside_the_field(client, form, message):
    response = client.post("/kiosk/sms", data=form)
    assert response.status_code == 200 and message in text_of(response)
    assert citizen() is None


def test_a_suggestion_from_the_kiosk_lands_in_the_inbox_with_its_ticket(client):
    page = text_of(client.post("/kiosk/saran", data={"category": "aduan", "text": "Antrean terlalu lama.",
                                                     "phone": "0812-3456-7890"}))
    entry = db.session.scalar(select(Feedback))
    assert (entry.category, entry.text, entry.phone, entry.channel) == (
        "aduan", "Antrean terlalu lama.", PHONE, "kiosk")
    assert entry.ticket in page and "Jawabannya dikirim lewat SMS" in page


@pytest.mark.parametrize("form, message", [
    ({"category": "saran", "text": ""}, "Tulis saran atau aduan Anda dulu"),
    ({"category": "saran", "text": "x" * 10_000}, "Paling banyak 1000 karakter"),
    ({"category": "saran", "text": "tolong \x00"}, "Ada karakter yang tidak terbaca"),
    ({"category": "keluhan", "text": "Antrean lama"}, "Pilih salah satu pilihan yang ada"),
    ({"category": "saran", "text": "Antrean lama", "phone": "12"}, "Ketik nomor HP Indonesia"),
])
def test_a_bad_suggestion_is_answered_beside_the_field_and_keeps_the_text(client, form, message):
    page = client.post("/kiosk/saran", data=form).get_data(as_text=True)
    assert message in text_of_html(page)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0
    if form["text"] and "\x00" not in form["text"]:
        assert form["text"][:50] in page


def text_of_html(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_lone_surrogate_in_a_suggestion_is_refused_with_a_reason(client):
    # A browser sends a lone surrogate as the replacement character U+FFFD.
    response = client.post("/kiosk/saran", data={"category": "saran", "text": "rusak \ufffd sekali"})
    assert response.status_code == 200 and "Ada karakter yang tidak terbaca" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_the_raw_bytes_of_a_surrogate_are_never_stored_as_one(client):
    # A hand-made client may send them; they reach the form still percent-encoded, as harmless text.
    body = form_body({"category": "saran", "text": "rusak \ud800 sekali"})
    assert client.post("/kiosk/saran", data=body, content_type=FORM).status_code == 200
    stored = db.session.scalar(select(Feedback.text))
    assert stored is None or not any(0xD800 <= ord(ch) <= 0xDFFF for ch in stored)


def test_the_kiosk_stops_taking_suggestions_past_its_limit(client, settings):
    settings(FEEDBACK_LIMIT=1, KIOSK_SHARED_BY=2)
    pages = [text_of(client.post("/kiosk/saran", data={"category": "saran", "text": f"Saran {n}"}))
             for n in range(3)]
    assert "Terlalu banyak pesan dari kios ini" in pages[2]
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 2


FIELDS = {"/kiosk/cek": ["reference", "phone_tail"], "/kiosk/cek/catatan": ["reference"],
          "/kiosk/sms": ["kelurahan", "phone"], "/kiosk/saran": ["category", "text", "phone"]}


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.sampled_from(sorted(FIELDS)), values=st.lists(texts(max_size=300), min_size=3, max_size=3))
def test_any_form_body_gets_an_answer_never_a_server_error(client, url, values):
    body = form_body(dict(zip(FIELDS[url], values)))
    response = client.post(url, data=body, content_type=FORM)
    assert response.status_code == 200
