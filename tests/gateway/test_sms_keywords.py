"""Every keyword through the telco simulator: the phone texts the short code, jobs run, the phone's inbox is read."""
import pytest
from sqlalchemy import select

from extensions import db
from office import citizens
from office import lifecycle
from office import ratelimit
from office import references
from office.gsm import analyze
from office.models import Citizen
from office.models import Feedback
from office.models import Message
from tests.helpers import move
from tests.helpers import new_application

PHONE = "+6281234567001"
OTHER = "+6285212345678"


@pytest.fixture
def text(simulator, run_jobs):
    """text(phone, sms) -> the replies the phone received for it (run through the send job)."""

    def send(phone, sms):
        before = len(simulator.messages(phone))
        answer = simulator.sms(phone, sms)
        assert answer["status_code"] == 200
        run_jobs()
        return [m["text"] for m in simulator.messages(phone)[before:]]

    return send


def only(replies):
    assert len(replies) == 1, replies
    return replies[0]


def one_segment(reply):
    assert analyze(reply).segments == 1, reply
    return reply


@pytest.mark.parametrize("sms", ["SYARAT KTP", "Info#ktp-el", "SYARAR rekam ktp"])
def test_syarat_answers_the_checklist_in_indonesian(text, sms):
    reply = only(text(PHONE, sms))
    assert reply.startswith("Syarat Perekaman KTP-el:")
    assert analyze(reply).segments <= 3


@pytest.mark.parametrize("sms", ["REQ KK", "req kartu keluarga", "REQ#kk"])
def test_req_from_a_new_phone_answers_in_english(text, sms):
    reply = only(text(PHONE, sms))
    assert reply.startswith("Requirements New family card, KK:")


def test_syarat_follows_the_phones_chosen_language_over_the_keyword(app, text):
    citizens.set_language(PHONE, "en")
    db.session.commit()
    assert only(text(PHONE, "SYARAT akta lahir")).startswith("Requirements Birth certificate:")


@pytest.mark.parametrize("sms, start", [("SYARAT", "Kirim SYARAT <kode>"), ("INFO bensin", "Kirim SYARAT <kode>"),
                                        ("REQ", "Send REQ <code>"), ("req unicorn licence", "Send REQ <code>")])
def test_syarat_without_a_known_service_lists_the_codes_in_one_sms(text, sms, start):
    reply = one_segment(only(text(PHONE, sms)))
    assert reply.startswith(start)
    assert "KTP, KTPUBAH, KK" in reply and "LEGAL" in reply


@pytest.fixture
def needs_documents(app, run_jobs):
    application = new_application(name="Budi Santoso Wijaya", phone=OTHER, moves=[
        lifecycle.VERIFYING, (lifecycle.NEEDS_DOCUMENTS, "Bawa fotokopi KK yang terbaru")])
    run_jobs()  # the applicant's own status notifications, out of the way of the replies under test
    return application


@pytest.mark.parametrize("template", ["status#{ref}", "Cek {ref}", "STATSU {ref}", "{dashed}",
                                      "status no. {dashed}"])
def test_status_from_the_applicants_own_phone_shows_the_note(text, needs_documents, template):
    ref = needs_documents.reference
    reply = one_segment(only(text(OTHER, template.format(ref=ref, dashed=f"{ref[:3]}-{ref[3:6]}-{ref[6:]}"))))
    assert ref in reply
    assert "Berkas kurang" in reply or "kurang" in reply.lower()
    assert "Bawa fotokopi KK yang terbaru" in reply
    assert "B*** S******" in reply


def test_status_from_another_phone_hides_the_note(text, needs_documents):
    reply = one_segment(only(text(PHONE, f"STATUS {needs_documents.reference}")))
    assert needs_documents.reference in reply
    assert "fotokopi" not in reply
    assert "Budi" not in reply and "B*** S******" in reply


def test_status_in_english_for_a_phone_that_chose_english(app, text, needs_documents):
    citizens.set_language(PHONE, "en")
    db.session.commit()
    reply = one_segment(only(text(PHONE, f"STATUS {needs_documents.reference}")))
    assert "Documents missing" in reply and "Bring the missing documents" in reply


def test_status_with_a_mistyped_check_digit_gets_a_typo_hint(text, needs_documents):
    ref = needs_documents.reference
    wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    reply = one_segment(only(text(PHONE, f"STATUS {wrong}")))
    assert wrong in reply and "salah ketik" in reply


@pytest.mark.parametrize("sms", ["STATUS", "STATUS 12345678", "status saya mana", "1234567"])
def test_status_without_a_ten_digit_number_explains_the_format(text, sms):
    reply = one_segment(only(text(PHONE, sms)))
    assert "10 angka" in reply and "STATUS 1234567890" in reply


def test_status_of_an_unknown_reference_says_so(text):
    unknown = "123456789" + references.check_digit("123456789")
    reply = one_segment(only(text(PHONE, f"STATUS {unknown}")))
    assert reply.startswith(f"Tidak ada pengajuan dengan nomor {unknown}")


def test_status_lookups_are_limited_per_phone(text, needs_documents):
    for _ in range(5):
        assert needs_documents.reference in only(text(PHONE, f"STATUS {needs_documents.reference}"))
    reply = one_segment(only(text(PHONE, f"STATUS {needs_documents.reference}")))
    assert reply.startswith("Terlalu banyak permintaan") and needs_documents.reference not in reply
    # Said once: further refusals in the window cost no SMS.
    assert text(PHONE, f"STATUS {needs_documents.reference}") == []
    # Another phone has its own allowance.
    assert needs_documents.reference in only(text(OTHER, f"STATUS {needs_documents.reference}"))


def test_status_lookups_share_the_allowance_of_ussd_lookups(app, text, needs_documents):
    for _ in range(app.config.get("STATUS_LOOKUP_LIMIT", 5)):
        ratelimit.hit("status", PHONE, 5, 600)  # what each USSD status lookup counts
    assert only(text(PHONE, f"STATUS {needs_documents.reference}")).startswith("Terlalu banyak permintaan")


def test_mistyped_references_do_not_use_up_the_lookup_allowance(app, text, needs_documents):
    ref = needs_documents.reference
    wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    for _ in range(app.config["STATUS_LOOKUP_LIMIT"]):
        assert "salah ketik" in only(text(PHONE, f"STATUS {wrong}"))
    assert "10 angka" in only(text(PHONE, "STATUS 12345"))
    assert ref in only(text(PHONE, f"STATUS {ref}"))


def test_every_status_attempt_counts_against_a_higher_cap(app, text, needs_documents, settings):
    settings(STATUS_ATTEMPT_LIMIT=8)
    ref = needs_documents.reference
    wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    for _ in range(8):
        assert "salah ketik" in only(text(PHONE, f"STATUS {wrong}"))
    assert only(text(PHONE, f"STATUS {wrong}")).startswith("Terlalu banyak permintaan")
    assert text(PHONE, f"STATUS {ref}") == []  # brute force stays bounded, and costs no more SMS


def _citizen(phone):
    db.session.rollback()
    return db.session.scalar(select(Citizen).where(Citizen.phone == phone))


@pytest.mark.parametrize("sms", ["DAFTAR Menteng", "daftar#menteng", "DAFTAT menteng", "Daftar, Kel. Menteng"])
def test_daftar_with_a_kelurahan_subscribes_to_it(text, sms):
    reply = one_segment(only(text(PHONE, sms)))
    assert "Kel. Menteng" in reply and "STOP" in reply
    citizen = _citizen(PHONE)
    assert citizen.subscribed and citizen.kelurahan.name == "Menteng" and citizen.language == "id"


def test_join_from_a_new_phone_subscribes_and_keeps_english(text):
    reply = one_segment(only(text(PHONE, "JOIN")))
    assert reply.startswith("You are subscribed to Jekan Raya office announcements.")
    citizen = _citizen(PHONE)
    assert citizen.subscribed and citizen.kelurahan is None and citizen.language == "en"


def test_daftar_with_an_unknown_kelurahan_subscribes_and_lists_the_names(text):
    reply = one_segment(only(text(PHONE, "DAFTAR Kampung Sebelah")))
    assert "Palangka, Menteng, Bukit Tunggal, Petuk Katimpun" in reply
    assert _citizen(PHONE).subscribed


@pytest.mark.parametrize("sms", ["stop", "Berhenti!", "unreg#", " STOP."])
def test_stop_opts_out_with_one_last_sms(text, sms):
    reply = one_segment(only(text(PHONE, sms)))
    assert reply.startswith("Anda tidak akan menerima SMS lagi") and "DAFTAR" in reply
    assert _citizen(PHONE).opted_out
    # Nothing more, not even an answer to a question, and no second goodbye.
    assert text(PHONE, "BANTUAN") == []
    assert text(PHONE, "STOP") == []


def test_asking_whether_ktp_stock_is_out_gets_help_and_keeps_the_ready_notice(app, text, run_jobs, simulator,
                                                                               settings):
    settings(STATUS_COLLAPSE_SECONDS=0)
    application = new_application(phone=PHONE)
    run_jobs()  # the receipt
    reply = only(text(PHONE, "STOK KTP habis?"))
    assert "STOP" in reply and "SYARAT" in reply  # the keyword list, not a goodbye
    assert not citizens.is_opted_out(PHONE)
    for step in (lifecycle.VERIFYING, lifecycle.PROCESSING, lifecycle.READY):
        move(application.reference, step)
    run_jobs()
    last = simulator.messages(PHONE)[-1]["text"]
    assert application.reference in last and "Siap diambil" in last, last


def test_daftar_after_stop_lifts_the_opt_out(text):
    only(text(PHONE, "STOP"))
    assert "terdaftar" in only(text(PHONE, "DAFTAR"))
    citizen = _citizen(PHONE)
    assert citizen.subscribed and not citizen.opted_out
    assert "SYARAT" in only(text(PHONE, "BANTUAN"))


@pytest.mark.parametrize("sms, category", [("SARAN antrean terlalu lama", "saran"),
                                           ("aduan#petugas loket 2 tidak ada", "aduan"),
                                           ("Sarn: tambah kursi tunggu", "saran"),
                                           ("FEEDBACK the queue is long", "lainnya")])
def test_feedback_keywords_file_a_ticket_for_the_staff_inbox(text, sms, category):
    reply = one_segment(only(text(PHONE, sms)))
    db.session.rollback()
    entry = db.session.scalar(select(Feedback))
    assert (entry.category, entry.phone, entry.channel) == (category, PHONE, "sms")
    assert entry.text and entry.text in sms
    assert entry.ticket in reply


def test_feedback_without_text_asks_for_it_and_files_nothing(text):
    assert "SARAN antrean" in only(text(PHONE, "SARAN"))
    assert "FEEDBACK the queue" in only(text(OTHER, "FEEDBACK"))
    db.session.rollback()
    assert db.session.scalar(select(Feedback)) is None


@pytest.mark.parametrize("sms", ["BAHASA EN", "lang english", "BAHASE inggris"])
def test_bahasa_en_switches_replies_to_english(text, sms):
    assert only(text(PHONE, sms)).startswith("SMS replies will now be in English")
    assert _citizen(PHONE).language == "en"
    assert only(text(PHONE, "BANTUAN")).startswith("Jekan Raya office SMS: REQ")


def test_lang_id_switches_back_to_indonesian(text):
    only(text(PHONE, "LANG EN"))
    assert only(text(PHONE, "LANG ID")).startswith("Balasan SMS sekarang dalam Bahasa Indonesia")
    assert only(text(PHONE, "HELP")).startswith("SMS Kec. Jekan Raya: SYARAT")


def test_bahasa_without_a_known_language_explains_the_choice(text):
    assert "BAHASA ID" in only(text(PHONE, "BAHASA jawa"))
    assert _citizen(PHONE) is None


@pytest.mark.parametrize("sms", ["BANTUAN", "menu?", "BANTUNA", "halo pak", "?"])
def test_help_and_anything_unknown_get_the_keyword_list_with_the_ussd_code(app, text, sms):
    reply = one_segment(only(text(PHONE, sms)))
    assert reply.startswith("SMS Kec. Jekan Raya: SYARAT")
    assert app.config["USSD_CODE"] in reply


@pytest.mark.parametrize("sms", ["HELP", "help me", "HELPP"])
def test_english_help_from_a_new_phone_answers_in_english(app, text, sms):
    reply = one_segment(only(text(PHONE, sms)))
    assert reply.startswith("Jekan Raya office SMS: REQ") and app.config["USSD_CODE"] in reply


def test_replies_go_back_with_the_incoming_link_id(simulator, run_jobs):
    sent = simulator.sms(PHONE, "BANTUAN")
    run_jobs()
    (received,) = simulator.messages(PHONE)
    assert sent["linkId"] and received["linkId"] == sent["linkId"]
    db.session.rollback()
    incoming, reply = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert (incoming.direction, incoming.status, incoming.external_id, incoming.link_id) == (
        "in", "received", sent["id"], sent["linkId"])
    assert (reply.direction, reply.kind, reply.in_reply_to_id, reply.link_id) == (
        "out", "reply", incoming.id, sent["linkId"])
    assert reply.status in ("sent", "delivered") and reply.provider_id == received["messageId"]
