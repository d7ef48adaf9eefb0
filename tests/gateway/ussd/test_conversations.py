"""Whole USSD conversations, driven through the telco simulator against the live app, in both languages."""
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from extensions import db
from gateway.ussd import snapshot
from office import catalog
from office import checklist
from office import citizens
from office import ussd_stats
from office.models import Citizen
from office.models import Feedback
from office.models import Message
from office.models import UssdSessionEvent
from office.references import check_digit
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import wait_until

PHONE = "+6281234567001"
OTHER = "+6281234567002"
LANGS = ("id", "en")
WORDS = {
    "id": {"menu": "Kantor Camat Jekan Raya", "services": "Pilih layanan:", "sms": "Kirim via SMS",
           "queued": "SMS daftar syarat akan dikirim", "invalid": "Pilihan tidak ada.", "more": "98 Lagi",
           "received": "Diterima", "next": "Berkas Anda akan segera kami periksa.", "typo": "Nomor salah ketik",
           "ticket": "Nomor tiket Anda", "hours": "Jam: Sen-Kam", "stopped": "Pengumuman dihentikan",
           "missing": "Berkas kurang", "ask": "Ketik nomor permohonan"},
    "en": {"menu": "Jekan Raya Office", "services": "Choose a service:", "sms": "Send by SMS",
           "queued": "The checklist will come to you by SMS", "invalid": "Invalid choice.", "more": "98 More",
           "received": "Received", "next": "We will check your documents soon.", "typo": "That number has a typo",
           "ticket": "Your ticket number is", "hours": "Hours: Mon-Thu", "stopped": "No more announcements",
           "missing": "Documents missing", "ask": "Type your application number"},
}


@pytest.fixture(autouse=True)
def fresh_catalog(app):
    """The menu reads the catalog as it is now, not as an earlier test left it."""
    snapshot.forget()


def speaks(phone, lang):
    citizens.set_language(phone, lang)
    db.session.commit()


def walk(simulator, phone, *inputs):
    """Dial and answer each input; return the simulator's step results (screen, ended, ...)."""
    steps = [simulator.ussd(phone)]
    for value in inputs:
        steps.append(simulator.ussd(phone, value))
    return steps


def pages_until_end(simulator, phone, first):
    """Press 98 until the session ends; return every page's screen."""
    screens, step = [first["screen"]], first
    while not step["ended"]:
        assert "98" in step["screen"]
        step = simulator.ussd(phone, "98")
        screens.append(step["screen"])
    return screens


def application(phone=PHONE, name="Budi Santoso"):
    return new_application(name=name, phone=phone)


def day_of(app_row):
    return app_row.status_changed_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(
        ZoneInfo("Asia/Pontianak")).strftime("%d-%m-%Y")


@pytest.mark.parametrize("lang", LANGS)
def test_requirements_menu_shows_a_service_in_pages_and_sends_its_checklist_by_sms(lang, simulator, run_jobs):
    speaks(PHONE, lang)
    first = catalog.services()[0]
    steps = walk(simulator, PHONE, "1", "1")
    assert steps[0]["screen"].startswith(WORDS[lang]["menu"])
    assert steps[1]["screen"].startswith(WORDS[lang]["services"])
    assert f"1. {first.name[lang]}" in steps[1]["screen"]
    detail = steps[2]["screen"]
    assert detail.startswith(first.name[lang]) and f"1. {WORDS[lang]['sms']}" in detail
    # Requirements carry a dash, so "1." on this screen is only the SMS action.
    requirement_lines = [line for line in detail.splitlines() if line.startswith("- ")]
    assert requirement_lines and [line for line in detail.splitlines() if line.startswith("1.")] == [
        f"1. {WORDS[lang]['sms']}"]
    assert not steps[2]["ended"]
    second_page = simulator.ussd(PHONE, "98")["screen"]
    assert second_page != detail and WORDS[lang]["sms"] in second_page

    done = simulator.ussd(PHONE, "1")
    assert done["ended"] and done["screen"].startswith(WORDS[lang]["queued"])
    db.session.rollback()
    queued = db.session.scalars(select(Message).where(Message.phone == PHONE)).all()
    assert [(m.kind, m.status) for m in queued] == [("checklist", "queued")]
    run_jobs()
    inbox = simulator.wait_for_messages(PHONE, 1)
    assert inbox[0]["text"] == checklist.checklist_sms(first, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_status_lookup_answers_service_masked_name_label_date_and_next_step(lang, simulator):
    speaks(OTHER, lang)
    row = application()
    steps = walk(simulator, OTHER, "2", row.reference)
    assert steps[1]["screen"].startswith(WORDS[lang]["ask"])
    answer = steps[2]
    assert answer["ended"]
    assert answer["screen"].splitlines() == [
        row.service.name[lang],
        {"id": "Nama", "en": "Name"}[lang] + ": B*** S******",
        f"Status: {WORDS[lang]['received']}, {day_of(row)}",
        WORDS[lang]["next"],
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_a_mistyped_reference_is_caught_at_once_and_can_be_retyped(lang, simulator):
    speaks(PHONE, lang)
    row = application()
    typo = row.reference[:-1] + str((int(row.reference[-1]) + 1) % 10)
    steps = walk(simulator, PHONE, "2", typo)
    assert steps[2]["screen"].startswith(WORDS[lang]["typo"]) and not steps[2]["ended"]
    short = simulator.ussd(PHONE, "12345")
    assert "10" in short["screen"] and not short["ended"]
    retyped = simulator.ussd(PHONE, row.reference)
    assert retyped["ended"] and WORDS[lang]["received"] in retyped["screen"]


def test_notes_are_shown_only_to_the_applicants_own_phone(simulator):
    row = application()
    move(row.reference, "VERIFYING")
    move(row.reference, "NEEDS_DOCUMENTS", "Fotokopi akta kelahiran belum ada")
    own = pages_until_end(simulator, PHONE, walk(simulator, PHONE, "2", row.reference)[-1])
    stranger = pages_until_end(simulator, OTHER, walk(simulator, OTHER, "2", row.reference)[-1])
    assert "Fotokopi akta kelahiran belum ada" in " ".join(" ".join(own).split())
    assert WORDS["id"]["missing"] in " ".join(stranger)
    assert "Fotokopi" not in " ".join(stranger) and "Ket:" not in " ".join(stranger)
    assert "Budi" not in " ".join(own + stranger)


def test_fast_dial_goes_straight_to_the_status_answer(simulator):
    row = application()
    step = simulator.ussd(OTHER, None, text=f"2*{row.reference}")
    assert step["ended"] and step["text"] == f"2*{row.reference}"
    assert "B*** S******" in step["screen"] and WORDS["id"]["received"] in step["screen"]


def test_fast_dial_into_a_service_then_continue_the_session(simulator):
    first = catalog.services()[0]
    step = simulator.ussd(PHONE, None, text="1*1")
    assert step["screen"].startswith(first.name["id"]) and not step["ended"]
    assert simulator.ussd(PHONE, "0")["screen"].startswith(WORDS["id"]["services"])


def test_status_lookups_are_rate_limited_per_phone(simulator, app, settings):
    settings(STATUS_LOOKUP_LIMIT=2)
    settings(STATUS_LOOKUP_WINDOW=600)
    row = application()
    typo = row.reference[:-1] + str((int(row.reference[-1]) + 1) % 10)
    # Mistyped numbers never reach the database and reveal nothing, so they do not count.
    assert not simulator.ussd(PHONE, None, text=f"2*{typo}*{typo}*{typo}")["ended"]
    for _ in range(2):
        assert "B*** S******" in simulator.ussd(PHONE, None, text=f"2*{row.reference}")["screen"]
    limited = simulator.ussd(PHONE, None, text=f"2*{row.reference}")
    assert limited["ended"]
    assert limited["screen"] == "Terlalu sering mencoba. Silakan coba lagi dalam 10 menit."
    assert "B*** S******" in simulator.ussd(OTHER, None, text=f"2*{row.reference}")["screen"]


def test_every_status_attempt_counts_against_a_higher_cap(simulator, app, settings):
    settings(STATUS_ATTEMPT_LIMIT=3)
    row = application()
    typo = row.reference[:-1] + str((int(row.reference[-1]) + 1) % 10)
    steps = walk(simulator, PHONE, "2", typo, typo, typo, row.reference)
    assert not steps[4]["ended"]  # the third typo is still answered with a hint
    assert steps[5]["ended"] and steps[5]["screen"].startswith("Terlalu sering mencoba")


def test_unknown_reference_lets_the_citizen_try_again(simulator):
    body = "123456789"
    steps = walk(simulator, PHONE, "2", body + check_digit(body))
    assert steps[-1]["screen"].startswith("Nomor tidak ditemukan") and not steps[-1]["ended"]


@pytest.mark.parametrize("lang", LANGS)
def test_subscribe_to_a_kelurahan_then_to_all_then_stop(lang, simulator):
    speaks(PHONE, lang)
    menteng = catalog.find_kelurahan("Menteng")
    steps = walk(simulator, PHONE, "3")
    options = steps[1]["screen"].splitlines()
    assert "2. Menteng" in options
    done = simulator.ussd(PHONE, "2")
    assert done["ended"] and "Menteng" in done["screen"]
    db.session.rollback()
    citizen = citizens.find(PHONE)
    assert citizen.subscribed and citizen.kelurahan_id == menteng.id

    assert walk(simulator, PHONE, "3", "5")[-1]["ended"]
    db.session.rollback()
    citizen = citizens.find(PHONE)
    assert citizen.subscribed and citizen.kelurahan_id is None

    stop = walk(simulator, PHONE, "3", "6")[-1]
    assert stop["ended"] and WORDS[lang]["stopped"] in stop["screen"]
    db.session.rollback()
    assert not citizens.find(PHONE).subscribed


@pytest.mark.parametrize("lang", LANGS)
def test_feedback_takes_a_category_then_free_text_and_gives_a_ticket(lang, simulator):
    speaks(PHONE, lang)
    steps = walk(simulator, PHONE, "4", "2")
    assert not steps[-1]["ended"]
    # A "*" typed inside the text reaches us as AT's input separator; the text step keeps it as typed.
    done = simulator.ussd(PHONE, "Lampu jalan mati*depan kantor")
    assert done["ended"] and WORDS[lang]["ticket"] in done["screen"]
    db.session.rollback()
    entry = db.session.scalar(select(Feedback))
    assert (entry.category, entry.text, entry.phone, entry.channel) == (
        "aduan", "Lampu jalan mati*depan kantor", PHONE, "ussd")
    assert entry.ticket in done["screen"]


def test_feedback_asks_again_when_the_text_is_empty(simulator):
    steps = walk(simulator, PHONE, "4", "1", "   ")
    assert steps[-1]["screen"].startswith("Pesan masih kosong") and not steps[-1]["ended"]
    assert simulator.ussd(PHONE, "Tambah jam buka")["ended"]


@pytest.mark.parametrize("lang", LANGS)
def test_office_info_is_paged_and_ends_with_the_contacts(lang, simulator):
    speaks(PHONE, lang)
    first = walk(simulator, PHONE, "5")[-1]
    assert WORDS[lang]["more"] in first["screen"]
    pages = pages_until_end(simulator, PHONE, first)
    whole = "\n".join(pages)
    assert WORDS[lang]["hours"] in whole and "1500537" in whole and "(0536) 3222639" in whole


def test_language_choice_is_remembered_for_the_phone(simulator):
    switched = walk(simulator, PHONE, "6", "2")[-1]
    assert switched["screen"].startswith("Language changed.") and "1. Requirements" in switched["screen"]
    assert walk(simulator, PHONE)[0]["screen"].startswith("Jekan Raya Office")
    back = walk(simulator, PHONE, "6", "1")[-1]
    assert back["screen"].startswith("Bahasa diganti.")
    db.session.rollback()
    assert citizens.language_of(PHONE) == "id"


def test_back_home_and_paging_through_the_service_list(simulator):
    steps = walk(simulator, PHONE, "1", "98")
    page1, page2 = steps[1]["screen"], steps[2]["screen"]
    assert page1 != page2 and page2.startswith(WORDS["id"]["services"])
    first_on_page2 = re.search(r"^1\. (.+)$", page2, re.M).group(1)
    detail = simulator.ussd(PHONE, "1")["screen"]
    assert detail.startswith(first_on_page2)
    assert simulator.ussd(PHONE, "0")["screen"] == page2
    assert simulator.ussd(PHONE, "0")["screen"] == page1
    assert simulator.ussd(PHONE, "0")["screen"] == steps[0]["screen"]
    walk(simulator, PHONE, "1", "98", "2", "98")
    assert simulator.ussd(PHONE, "00")["screen"] == steps[0]["screen"]


def test_an_invalid_choice_shows_the_same_screen_with_a_hint(simulator):
    steps = walk(simulator, PHONE, "1", "9")
    again = steps[-1]
    assert not again["ended"]
    assert again["screen"].splitlines()[0] == WORDS["id"]["invalid"]
    assert again["screen"].splitlines()[1:] == steps[1]["screen"].splitlines()[1:]
    assert simulator.ussd(PHONE, "1")["screen"].startswith(catalog.services()[0].name["id"])


def test_end_of_session_notifications_are_stored_for_completion_and_drop_off(simulator):
    walk(simulator, PHONE, "3", "1")
    walk(simulator, OTHER, "1")
    simulator.hang_up(OTHER)

    def stored():
        db.session.rollback()
        return db.session.scalars(select(UssdSessionEvent).order_by(UssdSessionEvent.id)).all()

    events = wait_until(lambda: len(stored()) == 2 and stored(), message="two session events")
    by_phone = {e.phone: e for e in events}
    assert (by_phone[PHONE].status, by_phone[PHONE].hops, by_phone[PHONE].input) == ("Success", 3, "3*1")
    assert by_phone[PHONE].last_response.startswith("END ")
    assert by_phone[OTHER].status == "Incomplete"
    assert by_phone[OTHER].last_response.startswith("CON Pilih layanan:")
    assert by_phone[OTHER].duration_ms is not None
    stats = ussd_stats.summary()
    assert stats.by_status == {"Success": 1, "Incomplete": 1}
    assert stats.drop_off == [("Pilih layanan:", 1)]


def test_sessions_do_not_share_state_between_phones(simulator):
    walk(simulator, PHONE, "6", "2")
    walk(simulator, PHONE, "1")
    assert simulator.ussd(OTHER)["screen"].startswith("Kantor Camat Jekan Raya")
    assert simulator.ussd(PHONE, "98")["screen"].startswith("Choose a service:")
    assert simulator.ussd(OTHER, "1")["screen"].startswith("Pilih layanan:")
    db.session.rollback()
    assert db.session.scalar(select(Citizen).where(Citizen.phone == OTHER)) is None
