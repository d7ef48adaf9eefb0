"""A plain SMS answering the office's recent SMS about an open ticket threads into that ticket, through
POST /sms/incoming; keywords (typos included) keep their meaning, STOP above all, and a closed ticket, an
old or missing staff SMS, or a redelivered message leave things as they were."""
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from gateway.sms import replies
from office import citizens
from office import feedback
from office import inbox
from office.gsm import fits_one_segment
from office.models import Feedback
from office.models import FeedbackEvent
from office.models import Message
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts as any_text

PHONE = "+6281234567002"
HELP = replies.help_text("id", "*123#")


def sms(client, text: str, id: str) -> None:
    data = {"from": PHONE, "to": "5758", "text": text, "id": id, "date": "2026-08-18T08:34:18.445Z"}
    assert client.post("/sms/incoming", data=data).status_code == 200
    db.session.rollback()


def ticket(*, replied: bool = True, text: str = "Lampu jalan di Jl. Tjilik Riwut mati") -> Feedback:
    """A ticket filed from PHONE, answered once by staff unless `replied` is False."""
    item = feedback.submit("aduan", text, phone=PHONE, channel="sms")
    db.session.flush()
    if replied:
        inbox.reply(item, "Terima kasih, lokasinya di sebelah mana?", actor="petugas")
    db.session.commit()
    return item


def citizen_notes(item: Feedback) -> list[str]:
    return list(db.session.scalars(select(FeedbackEvent.note).where(
        FeedbackEvent.feedback_id == item.id, FeedbackEvent.actor == inbox.CITIZEN).order_by(FeedbackEvent.id)))


def last_answer() -> str:
    return db.session.scalar(select(Message.text).where(Message.direction == "out", Message.phone == PHONE)
                             .order_by(Message.id.desc()).limit(1))


def tickets() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


@pytest.fixture(autouse=True)
def codes(settings):
    settings(USSD_CODE="*123#", SMS_SHORTCODE="5758")


def test_a_plain_reply_threads_into_the_ticket_and_is_acknowledged_in_one_segment(client):
    item = ticket()
    sms(client, "Di depan SDN 3 Menteng, pak", "in-1")
    assert citizen_notes(item) == ["Di depan SDN 3 Menteng, pak"]
    assert tickets() == 1
    assert last_answer() == replies.feedback_received("id", item.ticket)
    assert fits_one_segment(last_answer())


def test_the_acknowledgement_is_in_the_phones_language(client):
    item = ticket()
    citizens.set_language(PHONE, "en")
    db.session.commit()
    sms(client, "Near the school", "in-1")
    assert last_answer() == replies.feedback_received("en", item.ticket)


def test_the_ticket_the_office_wrote_about_last_gets_the_reply(client):
    older, newer = ticket(), ticket(text="Sampah menumpuk di pasar")
    inbox.reply(older, "Sudah kami teruskan ke kelurahan.", actor="petugas")
    db.session.commit()
    sms(client, "Baik, terima kasih", "in-1")
    assert citizen_notes(older) == ["Baik, terima kasih"] and citizen_notes(newer) == []


# (what the citizen sends, whether it threads, the answer: "ack", "help", or "other" for a keyword's own)
KEYWORD_CASES = [
    ("Sudah beres, terima kasih", True, "ack"),
    ("  lampunya masih mati  ", True, "ack"),
    ("12345", True, "ack"),  # too short to be a reference number
    ("BANTUAN", False, "help"),
    ("Bantuan dong", False, "help"),
    ("BANTAUN", False, "help"),  # a typo of a keyword is still that keyword
    ("SYARAT KTP", False, "other"),
    ("Syarat akta kelahiran apa?", False, "other"),
    ("STATUS 1234567890", False, "other"),
    ("1234567890", False, "other"),  # a bare reference number is a status check
    ("STOPP", False, "help"),  # a near miss of STOP gets the keyword list, which names STOP
    ("BERHENTl", False, "help"),
    ("STOK lampu habis?", False, "help"),  # one letter from STOP: the list, rather than a guess either way
]


@pytest.mark.parametrize(("text", "threads", "answer"), KEYWORD_CASES)
def test_a_keyword_or_its_typo_wins_over_threading(client, text, threads, answer):
    item = ticket()
    sms(client, text, "in-1")
    assert citizen_notes(item) == ([" ".join(text.split())] if threads else [])
    ack = replies.feedback_received("id", item.ticket)
    assert {"ack": last_answer() == ack, "help": last_answer() == HELP,
            "other": last_answer() not in (ack, HELP)}[answer], last_answer()
    assert tickets() == 1


def test_stop_stays_absolute(client):
    item = ticket()
    sms(client, "STOP", "in-1")
    assert citizen_notes(item) == []
    assert citizens.is_opted_out(PHONE)
    assert last_answer() == replies.opted_out("id", "5758")
    # Opted out, a plain answer is still recorded on the ticket, and nothing is sent back.
    sms(client, "Lokasinya di depan pasar", "in-2")
    assert citizen_notes(item) == ["Lokasinya di depan pasar"]
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.direction == "out", Message.phone == PHONE, Message.in_reply_to_id.is_not(None))) == 1


def test_a_closed_ticket_is_not_threaded(client):
    item = ticket()
    inbox.move(item, inbox.BUKAN_WEWENANG, actor="petugas", note="Urusan PLN", referred_to="PLN ULP Palangka Raya")
    db.session.commit()
    sms(client, "Sudah saya hubungi PLN", "in-1")
    assert citizen_notes(item) == []
    assert last_answer() == HELP


def test_without_a_staff_sms_the_answer_is_todays(client):
    item = ticket(replied=False)
    sms(client, "Halo, bagaimana laporan saya?", "in-1")
    assert citizen_notes(item) == [] and last_answer() == HELP


def test_a_staff_sms_older_than_ten_working_days_is_not_answered_by_a_plain_sms(client, settings):
    """Thursday 13 August 2026; 17 (Independence Day) and 25 (the Prophet's Birthday) are closed, so the
    tenth working day is Monday 31 August."""
    settings(LEKAS_CLOCK="2026-08-13T10:00:00+07:00")
    item = ticket()
    settings(LEKAS_CLOCK="2026-08-31T16:00:00+07:00")
    sms(client, "Masih belum diperbaiki", "in-1")
    assert citizen_notes(item) == ["Masih belum diperbaiki"]
    settings(LEKAS_CLOCK="2026-09-01T08:00:00+07:00")
    sms(client, "Halo?", "in-2")
    assert citizen_notes(item) == ["Masih belum diperbaiki"] and last_answer() == HELP


def test_a_ticket_on_hold_goes_back_to_be_checked_when_the_citizen_answers(client):
    item = ticket(replied=False)
    inbox.move(item, inbox.DIVERIFIKASI, actor="petugas")
    inbox.move(item, inbox.DITUNDA, actor="petugas", note="Alamat belum jelas", notify=True)
    db.session.commit()
    sms(client, "Jl. Tjilik Riwut km 5, depan masjid", "in-1")
    assert db.session.get(Feedback, item.id).status == inbox.DIVERIFIKASI


def test_the_same_message_delivered_twice_threads_once(client):
    item = ticket()
    for _ in range(2):
        sms(client, "Di depan SDN 3 Menteng", "in-1")
    assert citizen_notes(item) == ["Di depan SDN 3 Menteng"]
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.direction == "out", Message.in_reply_to_id.is_not(None))) == 1



def answered_ticket_once() -> Feedback:
    """The one ticket the fuzz test's examples answer: filed and replied to by the first example."""
    return db.session.scalar(select(Feedback)) or ticket()


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=any_text(200) | st.just("x" * 10_000) | st.just("a\x00b") | st.just("😀" * 700), id=st.uuids())
def test_fuzzed_plain_replies_never_fail_and_every_answer_is_one_gsm_segment(client, text, id):
    item = answered_ticket_once()
    response = client.post("/sms/incoming", data=form_body({"from": PHONE, "text": text, "id": str(id)}),
                           content_type=FORM)
    assert response.status_code == 200
    db.session.rollback()
    answers = db.session.scalars(select(Message.text).where(Message.direction == "out")).all()
    assert all(fits_one_segment(answer) for answer in answers)
    assert db.session.get(Feedback, item.id).status == inbox.BARU
