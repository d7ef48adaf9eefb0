"""The public pages through the Flask client: every page in both languages, the status and feedback flows
with their refusals, bad input answered beside the field, and the language cookie."""
from datetime import datetime

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import references
from office.models import Feedback
from tests.helpers import new_application
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

PAGES = [
    # path, a text the Indonesian page shows, the same on the English page
    ("/layanan", "Kependudukan (diterbitkan Disdukcapil)", "Population records (issued by Disdukcapil)"),
    ("/layanan", "Surat dari kecamatan", "Letters from the sub-district office"),
    ("/layanan/KTP", "SYARAT KTP", "REQ KTP"),
    ("/layanan/ktp", "Perpres 96/2018 Pasal 15", "Perpres 96/2018 Pasal 15"),
    ("/cek", "Nomor permohonan", "Application number"),
    ("/saran", "Saran dan pengaduan", "Suggestions and complaints"),
    ("/kontak", "Jam layanan", "Office hours"),
    ("/kontak", "Standar pelayanan: lama proses", "Service standards: how long"),
]
NOTE = "Bawa fotokopi akta kelahiran"
NOTED = ["VERIFYING", ("NEEDS_DOCUMENTS", NOTE)]
NAV = ["Layanan", "Cek status", "Saran", "Kontak"]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def mobile_tail(application) -> str:
    return application.phone[-4:]


def typo_of(reference: str) -> str:
    """`reference` with its check digit wrong: a typo the form catches before any lookup."""
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


def unused_reference() -> str:
    body = "123456789"
    return body + references.check_digit(body)


def feedback_rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Feedback))


@pytest.mark.parametrize("path, indonesian, english", PAGES)
def test_each_page_is_in_indonesian_by_default_and_in_english_on_request(client, path, indonesian, english):
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert '<html lang="id">' in text_of(page) and indonesian in text_of(page)
    assert all(f">{label}</a>" in text_of(page) for label in NAV)
    assert 'hreflang="en">English</a>' in text_of(page)

    english_page = text_of(client.get(path, query_string={"lang": "en"}))
    assert '<html lang="en">' in english_page and english in english_page
    assert 'hreflang="id">Bahasa Indonesia</a>' in english_page


def test_every_page_names_the_office_has_a_skip_link_and_the_hours_in_its_footer(client):
    for path in {p for p, _id, _en in PAGES}:
        page = text_of(client.get(path))
        assert "Lekas</a> · Kantor Camat Jekan Raya" in page
        assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
        assert "Jam layanan: Sen-Kam 08.00-16.15, Jum 08.00-16.45 WIB" in page
        assert "<script" not in page


def test_the_language_link_keeps_the_page_and_sets_a_cookie_the_next_page_reads(client):
    assert 'href="/layanan/KTP?lang=en"' in text_of(client.get("/layanan/KTP"))
    answer = client.get("/kontak?lang=en")
    assert "lang=en" in answer.headers["Set-Cookie"]
    assert '<html lang="en">' in text_of(client.get("/layanan"))


def test_the_catalog_lists_each_service_with_its_time_and_fee_and_links_to_its_page(client):
    page = text_of(client.get("/layanan"))
    assert '<a href="/layanan/KTP">Perekaman KTP-el</a>' in page
    assert "Gratis" in page and "Rekam sebentar, cetak tergantung blanko" in page
    assert page.index("Kependudukan (diterbitkan Disdukcapil)") < page.index("Surat dari kecamatan")


def test_a_service_page_gives_its_checklist_and_how_to_ask_by_sms_and_ussd(client, app):
    page = text_of(client.get("/layanan/KTP"))
    assert "<li>Kartu Keluarga, KK</li>" in page
    assert f'<strong class="code">{app.config["SMS_SHORTCODE"]}</strong>' in page
    assert app.config["USSD_CODE"] in page


@pytest.mark.parametrize("code", ["NOPE", "KTP%00", "%ED%A0%80", "K%C3%84P", "..", "a" * 300, "KTP'--"])
def test_an_unknown_service_is_a_friendly_404_linking_to_the_catalog(client, code):
    answer = client.get(f"/layanan/{code}")
    assert answer.status_code == 404
    assert "Layanan tidak ditemukan" in text_of(answer)
    assert 'href="/layanan"' in text_of(answer)


def test_a_status_shows_the_masked_name_and_the_day_of_the_last_change_but_no_note_without_digits(client):
    application = new_application(moves=NOTED)
    page = text_of(client.post("/cek", data={"reference": application.reference}))
    assert application.reference in page and "B*** S*****" in page
    assert datetime.now().strftime("-%Y") in page
    assert NOTE not in page
    assert "ketik 4 angka terakhir" in page


def test_the_right_phone_digits_show_the_staff_note(client):
    application = new_application(moves=NOTED)
    page = text_of(client.post("/cek", data={"reference": application.reference,
                                             "phone_tail": mobile_tail(application)}))
    assert NOTE in page


@pytest.mark.parametrize("note", [None, NOTE])
def test_wrong_digits_say_the_note_stays_hidden_whether_or_not_there_is_one(client, note):
    application = new_application(moves=NOTED if note else ["VERIFYING"])
    page = text_of(client.post("/cek", data={"reference": application.reference, "phone_tail": "0000"}))
    assert "catatan petugas tetap tersembunyi" in page
    assert NOTE not in page


@pytest.mark.parametrize("reference, phone_tail, message", [
    ("12345abcde", "", "Nomor permohonan terdiri dari 10 angka"),
    ("", "", "Nomor permohonan terdiri dari 10 angka"),
    ("1" * 40, "", "Nomor permohonan terdiri dari 10 angka"),
    ("TYPO", "", "salah ketik"),
    ("VALID", "12a4", "Ketik 4 angka terakhir"),
    ("VALID", "1" * 40, "Ketik 4 angka terakhir"),
])
def test_a_bad_reference_or_tail_is_answered_beside_the_field_and_kept(client, reference, phone_tail, message):
    application = new_application()
    reference = {"TYPO": typo_of(application.reference), "VALID": application.reference}.get(reference, reference)
    answer = client.post("/cek", data={"reference": reference, "phone_tail": phone_tail})
    page = text_of(answer)
    assert answer.status_code == 200
    assert 'class="error"' in page and message in page and 'aria-invalid="true"' in page
    assert f'value="{references.clean(reference)}"' in page
    assert "B*** S*****" not in page


def test_an_unknown_number_is_not_found(client):
    page = text_of(client.post("/cek", data={"reference": unused_reference()}))
    assert f"Tidak ada permohonan dengan nomor {unused_reference()}" in page


def test_too_many_lookups_say_when_to_try_again(client, settings):
    settings(STATUS_LOOKUP_LIMIT=1)
    application = new_application()
    client.post("/cek", data={"reference": application.reference})
    page = text_of(client.post("/cek", data={"reference": application.reference}))
    assert "Terlalu banyak pencarian" in page and "menit" in page
    assert "B*** S*****" not in page


def test_the_phone_tail_limit_keeps_the_note_hidden_even_for_the_right_digits(client, settings):
    settings(STATUS_LOOKUP_LIMIT=100)
    application = new_application(moves=NOTED)
    for _ in range(5):
        client.post("/cek", data={"reference": application.reference, "phone_tail": "0000"})
    page = text_of(client.post("/cek", data={"reference": application.reference,
                                             "phone_tail": mobile_tail(application)}))
    assert "Terlalu banyak percobaan" in page and NOTE not in page
    assert "B*** S*****" in page


def test_a_suggestion_is_stored_from_the_web_and_its_ticket_shown(client):
    answer = client.post("/saran", data={"category": "aduan", "text": "  Antrean   terlalu lama ",
                                         "phone": "0812-3456-7890"})
    entry = db.session.scalars(select(Feedback)).one()
    assert (entry.channel, entry.category, entry.text, entry.phone) == (
        "web", "aduan", "Antrean terlalu lama", "+6281234567890")
    page = text_of(answer)
    assert f"<strong>{entry.ticket}</strong>" in page and "Simpan nomor ini" in page
    assert "Jawaban dikirim lewat SMS" in page
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_suggestion_without_a_phone_says_to_ask_at_the_office(client):
    page = text_of(client.post("/saran", data={"category": "saran", "text": "Terima kasih"}))
    assert db.session.scalars(select(Feedback)).one().phone is None
    assert "tanyakan di kantor" in page


@pytest.mark.parametrize("form, message", [
    ({"category": "saran", "text": ""}, "Tulis saran atau aduan Anda"),
    ({"category": "saran", "text": "x" * 10_000}, "Paling banyak 1000 karakter"),
    ({"category": "saran", "text": "ada\x00nul"}, "karakter yang tidak terbaca"),
    ({"category": "pujian", "text": "Bagus"}, "Pilih salah satu pilihan yang ada"),
    ({"category": "saran", "text": "Bagus", "phone": "1" * 40}, "Ketik nomor HP Indonesia"),
    ({"category": "saran", "text": "Bagus", "phone": "+4420 7946 0958"}, "Ketik nomor HP Indonesia"),
])
def test_a_bad_suggestion_is_answered_beside_the_field_keeps_the_text_and_stores_nothing(client, form, message):
    answer = client.post("/saran", data=form)
    page = text_of(answer)
    assert answer.status_code == 200
    assert message in page and 'class="error"' in page
    assert form.get("phone", "") in page
    assert feedback_rows() == 0


def test_a_surrogate_in_the_body_reaches_the_form_as_its_escaped_bytes_never_as_a_500(client):
    # Werkzeug keeps bytes that are not UTF-8 as their %XX escapes: readable text, nothing to refuse.
    answer = client.post("/saran", data=b"category=saran&text=a%ED%A0%80b", content_type=FORM)
    assert answer.status_code == 200
    assert db.session.scalars(select(Feedback)).one().text == "a%ED%A0%80b"
    answer = client.post("/cek", data=b"reference=12%ED%A0%80", content_type=FORM)
    assert answer.status_code == 200 and 'aria-invalid="true"' in text_of(answer)


def test_too_many_suggestions_say_when_to_try_again_and_keep_the_text(client, settings):
    settings(FEEDBACK_LIMIT=1)
    client.post("/saran", data={"category": "saran", "text": "Pertama"})
    page = text_of(client.post("/saran", data={"category": "saran", "text": "Kedua kali"}))
    assert "Terlalu banyak pesan" in page and "menit" in page
    assert "Kedua kali" in page
    assert feedback_rows() == 1


def test_a_stale_form_with_csrf_on_is_sent_back_to_the_page_with_a_message(make_app):
    strict = make_app({"WTF_CSRF_ENABLED": True})
    with strict.test_client() as client:
        for path in ("/cek", "/saran"):
            answer = client.post(path, data={"reference": "1234567890", "text": "Halo"})
            assert answer.status_code == 302 and answer.headers["Location"] == path
            page = text_of(client.get(path))
            assert "Halaman tadi terbuka terlalu lama" in page


FUZZ = hypothesis_settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIELDS = st.sampled_from(["reference", "phone_tail", "category", "text", "phone", "csrf_token", "lang"])


@FUZZ
@given(st.dictionaries(FIELDS, texts(max_size=300), max_size=5))
def test_any_status_form_body_is_answered_without_a_server_error(client, form):
    answer = client.post("/cek", data=form_body(form), content_type=FORM)
    assert answer.status_code < 500


@FUZZ
@given(st.dictionaries(FIELDS, st.one_of(texts(max_size=300), st.just("x" * 10_000)), max_size=5))
def test_any_feedback_form_body_is_answered_without_a_server_error_and_bad_ones_store_nothing(client, form):
    before = feedback_rows()
    answer = client.post("/saran", data=form_body(form), content_type=FORM)
    assert answer.status_code < 500
    if 'class="error"' in text_of(answer):
        assert feedback_rows() == before


def test_the_landing_page_links_to_the_four_public_pages(client):
    page = text_of(client.get("/"))
    for path, label in [("/layanan", "Layanan dan persyaratan"), ("/cek", "Cek status permohonan"),
                        ("/saran", "Kirim saran atau pengaduan"), ("/kontak", "Jam layanan dan kontak")]:
        assert f'<a href="{path}">{label}</a>' in page
