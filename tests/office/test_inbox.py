"""The inbox's state machine, its working-day clock (over weekends and holidays), the automatic close,
races between two staff members, and the intake's retry on a ticket number drawn twice."""
import threading
from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from jobs import sweeper
from office import citizens
from office import feedback
from office import inbox
from office import ticket_notices
from office.errors import Conflict
from office.errors import DomainError
from office.errors import InvalidTransition
from office.gsm import fits_one_segment
from office.models import AuditLog
from office.models import Feedback
from office.models import FeedbackEvent
from office.models import Kelurahan
from office.models import Message


def local(text: str) -> datetime:
    """An office-local time (Asia/Pontianak) as the naive UTC the database stores."""
    moment = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Pontianak"))
    return moment.astimezone(UTC).replace(tzinfo=None)


def new_ticket(category="aduan", *, at: datetime | None = None, phone="+6281234567890") -> Feedback:
    entry = feedback.submit(category, "Lampu jalan di Jl. Tjilik Riwut mati", phone=phone, channel="sms")
    if at is not None:
        entry.created_at = at
    db.session.commit()
    return entry


def menteng() -> int:
    return db.session.scalar(select(Kelurahan.id).where(Kelurahan.name == "Menteng"))


# (state, the move, what it needs) -> refused or allowed
ARGS = {
    inbox.DIDISPOSISIKAN: {"kelurahan_id": "menteng"},
    inbox.DITINDAKLANJUTI: {"note": "Petugas sudah mengganti lampu."},
    inbox.DITUNDA: {"note": "Menunggu alamat lengkap."},
    inbox.BUKAN_WEWENANG: {"note": "Urusan PLN.", "referred_to": "PLN ULP Palangka Raya"},
    inbox.DUPLIKAT: {"original": "other"},
    inbox.DIVERIFIKASI: {},
    inbox.SELESAI: {},
    inbox.BARU: {},
}
PATHS = {
    inbox.BARU: [],
    inbox.DIVERIFIKASI: [inbox.DIVERIFIKASI],
    inbox.DIDISPOSISIKAN: [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN],
    inbox.DITINDAKLANJUTI: [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN, inbox.DITINDAKLANJUTI],
    inbox.DITUNDA: [inbox.DIVERIFIKASI, inbox.DITUNDA],
    inbox.SELESAI: [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN, inbox.DITINDAKLANJUTI, inbox.SELESAI],
    inbox.BUKAN_WEWENANG: [inbox.BUKAN_WEWENANG],
    inbox.DUPLIKAT: [inbox.DUPLIKAT],
}
CASES = [(start, target) for start in inbox.STATES for target in inbox.STATES if target != start]


def move_args(state: str, other: Feedback) -> dict:
    values = dict(ARGS[state])
    if values.get("kelurahan_id") == "menteng":
        values["kelurahan_id"] = menteng()
    if values.get("original") == "other":
        values["original"] = other.ticket
    return values


def walk(item: Feedback, other: Feedback, path: list[str]) -> None:
    for state in path:
        inbox.move(item, state, actor="petugas", **move_args(state, other))
    db.session.commit()


@pytest.mark.parametrize("start, target", CASES, ids=[f"{a}->{b}" for a, b in CASES])
def test_the_move_table_allows_exactly_its_moves(app, start, target):
    other, item = new_ticket(), new_ticket()
    walk(item, other, PATHS[start])
    assert item.status == start
    if inbox.can_move(start, target):
        inbox.move(item, target, actor="petugas", **move_args(target, other))
        db.session.commit()
        assert item.status == target
        assert (item.closed_at is not None) == (target in inbox.FINAL)
    else:
        with pytest.raises(InvalidTransition) as refused:
            inbox.move(item, target, actor="petugas", **move_args(target, other))
        assert refused.value.details["current_status"] == start


def test_every_state_is_reachable_and_every_open_state_can_end(app):
    reachable = {inbox.BARU} | {t for nxt in inbox.MOVES.values() for t in nxt}
    assert reachable == set(inbox.STATES)
    assert inbox.FINAL == {inbox.SELESAI, inbox.BUKAN_WEWENANG, inbox.DUPLIKAT}


MISSING = [
    (inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN, {}, "assignee"),
    (inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN, {"kelurahan_id": 999999}, "assignee"),
    (inbox.BARU, inbox.BUKAN_WEWENANG, {"note": "bukan kami"}, "referred_to"),
    (inbox.BARU, inbox.DUPLIKAT, {"original": "T000000"}, "original"),
    (inbox.DIVERIFIKASI, inbox.DITUNDA, {"note": "   "}, "note"),
    (inbox.DIVERIFIKASI, inbox.DITUNDA, {"note": "x" * (inbox.MAX_NOTE + 1)}, "note"),
    (inbox.DIVERIFIKASI, inbox.DITUNDA, {"note": "ada\x00nul"}, "note"),
]


@pytest.mark.parametrize("start, target, args, field", MISSING)
def test_a_move_without_what_it_needs_is_refused_naming_the_field(app, start, target, args, field):
    other, item = new_ticket(), new_ticket()
    walk(item, other, PATHS[start])
    with pytest.raises(DomainError) as refused:
        inbox.move(item, target, actor="petugas", **args)
    assert refused.value.details["field"] == field
    assert item.status == start


def test_a_duplicate_cannot_point_at_itself(app):
    item = new_ticket()
    with pytest.raises(DomainError):
        inbox.move(item, inbox.DUPLIKAT, actor="petugas", original=item.ticket)


def test_each_move_leaves_an_event_and_an_audit_entry(app):
    item = new_ticket()
    inbox.move(item, inbox.DIVERIFIKASI, actor="petugas", note="Sudah dicek")
    inbox.move(item, inbox.DIDISPOSISIKAN, actor="petugas", kelurahan_id=menteng())
    db.session.commit()
    events = [(e.from_state, e.to_state, e.actor, e.note) for e in inbox.history(item)]
    assert events == [("baru", "diverifikasi", "petugas", "Sudah dicek"),
                      ("diverifikasi", "didisposisikan", "petugas", None)]
    audits = db.session.scalars(select(AuditLog).where(AuditLog.target == item.ticket).order_by(AuditLog.id)).all()
    assert [(a.action, a.before["status"], a.after["status"]) for a in audits] == [
        ("feedback.state", "baru", "diverifikasi"), ("feedback.state", "diverifikasi", "didisposisikan")]
    assert item.kelurahan_id == menteng()


def test_a_decision_taken_on_a_stale_page_is_refused(app):
    item = new_ticket()
    inbox.move(item, inbox.DIVERIFIKASI, actor="a")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        inbox.move(item, inbox.DUPLIKAT, actor="b", expected_state=inbox.BARU, original="T1")
    assert refused.value.details["current_status"] == inbox.DIVERIFIKASI


def test_two_staff_moving_the_same_item_at_once_exactly_one_wins(app):
    """Both read "baru"; the guarded UPDATE lets one through and the other finds the new state."""
    ticket = new_ticket().ticket
    db.session.remove()
    barrier, outcomes = threading.Barrier(2), []

    def act(target, extra):
        with app.app_context():
            item = inbox.get(ticket)
            barrier.wait()
            try:
                inbox.move(item, target, actor=target, **extra)
                db.session.commit()
                outcomes.append(target)
            except Conflict as lost:
                db.session.rollback()
                outcomes.append(("lost", lost.details["current_status"]))

    threads = [threading.Thread(target=act, args=(inbox.DIVERIFIKASI, {})),
               threading.Thread(target=act, args=(inbox.BUKAN_WEWENANG, {"note": "PLN", "referred_to": "PLN"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and len(outcomes) == 2
    item = inbox.get(ticket)
    assert item.status == winners[0]
    assert db.session.scalar(select(FeedbackEvent.to_state).where(FeedbackEvent.feedback_id == item.id)) == winners[0]


# The clock. 24 and 25 December 2026 (Thursday, Friday) are a cuti bersama and Christmas.
def test_verify_deadline_skips_christmas_and_the_weekend(app):
    item = new_ticket(at=local("2026-12-22T10:00"))  # Tuesday
    assert inbox.due(item).isoformat() == "2026-12-29"
    assert not inbox.is_overdue(item, now=local("2026-12-29T16:00"))
    assert inbox.is_overdue(item, now=local("2026-12-30T08:00"))
    assert inbox.counts(None, now=local("2026-12-28T09:00")) == {"open": 1, "overdue": 0}
    assert inbox.counts(None, now=local("2026-12-30T08:00")) == {"open": 1, "overdue": 1}


def test_the_follow_up_clock_starts_at_assignment_and_the_verify_one_stops(app):
    item = new_ticket(at=local("2026-12-17T09:00"))  # Thursday
    inbox.move(item, inbox.DIVERIFIKASI, actor="a", now=local("2026-12-18T09:00"))
    assert inbox.due(item) is None and not inbox.is_overdue(item, now=local("2027-01-30T09:00"))
    inbox.move(item, inbox.DIDISPOSISIKAN, actor="a", kelurahan_id=menteng(), now=local("2026-12-21T09:00"))
    db.session.commit()
    # Monday 21: 22, 23, (24, 25 closed, weekend), 28, 29, 30.
    assert inbox.due(item).isoformat() == "2026-12-30"
    def flagged(at: str) -> list[str]:
        return list(db.session.scalars(select(Feedback.ticket).where(inbox.overdue_condition(local(at)))))

    assert flagged("2026-12-30T15:00") == []
    assert flagged("2026-12-31T09:00") == [item.ticket]


def test_an_unanswered_follow_up_closes_itself_ten_working_days_later(app):
    """Friday 14 August 2026; Monday 17 (Independence Day) and Tuesday 25 (the Prophet's Birthday) are
    closed, so the tenth working day is Tuesday 1 September."""
    item = new_ticket(at=local("2026-08-10T09:00"))
    walk(item, item, [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN])
    inbox.move(item, inbox.DITINDAKLANJUTI, actor="a", note="Sudah diperbaiki", now=local("2026-08-14T11:00"))
    db.session.commit()
    assert inbox.closes_on(item).isoformat() == "2026-09-01"
    assert inbox.close_unanswered(now=local("2026-08-31T17:00")) == 0
    assert inbox.close_unanswered(now=local("2026-09-01T07:30")) == 1
    db.session.commit()
    assert item.status == inbox.SELESAI and item.closed_at is not None
    assert inbox.history(item)[-1].actor == inbox.SYSTEM
    assert inbox.close_unanswered(now=local("2026-09-02T07:30")) == 0


def test_the_sweep_reads_the_office_clock_when_given_no_time(app, settings):
    item = new_ticket(at=local("2026-08-10T09:00"))
    walk(item, item, [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN])
    inbox.move(item, inbox.DITINDAKLANJUTI, actor="a", note="Sudah", now=local("2026-08-14T11:00"))
    db.session.commit()
    settings(LEKAS_CLOCK="2026-08-31T17:00:00+07:00")
    assert inbox.close_unanswered() == 0
    settings(LEKAS_CLOCK="2026-09-01T08:00:00+07:00")
    assert inbox.close_unanswered() == 1


def test_a_kelurahan_sees_only_what_was_assigned_to_it(app):
    mine, other = new_ticket(), new_ticket()
    walk(mine, mine, [inbox.DIVERIFIKASI])
    inbox.move(mine, inbox.DIDISPOSISIKAN, actor="a", kelurahan_id=menteng())
    db.session.commit()
    assert [i.ticket for i in db.session.scalars(inbox.query(inbox.Filter(), menteng()))] == [mine.ticket]
    with pytest.raises(DomainError):
        inbox.get(other.ticket, menteng())


def test_a_ticket_number_drawn_twice_is_drawn_again_without_losing_the_transaction(app, monkeypatch):
    first = new_ticket()
    # The draw itself is the one thing made predictable: the number already taken, twice, then a free one.
    taken = int(first.ticket[1:]) - 100000
    draws = iter([taken, taken, 455555])
    monkeypatch.setattr(feedback.secrets, "randbelow", lambda _bound: next(draws))
    entry = feedback.submit("saran", "Tambah kursi ruang tunggu", phone=None, channel="kiosk")
    db.session.commit()
    assert entry.ticket == "T555555"
    assert db.session.scalar(select(Feedback.status).where(Feedback.ticket == first.ticket)) == inbox.BARU


def test_the_workers_sweep_closes_unanswered_tickets(app, settings):
    item = new_ticket(at=local("2026-08-10T09:00"))
    walk(item, item, [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN])
    inbox.move(item, inbox.DITINDAKLANJUTI, actor="a", note="Sudah", now=local("2026-08-14T11:00"))
    db.session.commit()
    settings(LEKAS_CLOCK="2026-09-01T08:00:00+07:00")
    assert sweeper.sweep()["tickets_closed"] == 1
    assert db.session.scalar(select(Feedback.status).where(Feedback.id == item.id)) == inbox.SELESAI


def test_a_citizen_adds_to_a_ticket_by_starting_with_its_number(app):
    item = new_ticket()
    walk(item, item, [inbox.DIVERIFIKASI])
    inbox.move(item, inbox.DITUNDA, actor="a", note="Alamat lengkapnya di mana?")
    db.session.commit()
    assert inbox.thread_reply("+6281234567890", f"{item.ticket.lower()}: Jl. Tjilik Riwut km 5") == item
    assert inbox.history(item)[-2].note == "Jl. Tjilik Riwut km 5"
    assert item.status == inbox.DIVERIFIKASI  # the information it waited for came
    # Another phone, an unknown number, or a number with nothing after it: not a thread.
    assert inbox.thread_reply("+6281399999999", f"{item.ticket} halo") is None
    assert inbox.thread_reply("+6281234567890", "T000000 halo") is None
    assert inbox.thread_reply("+6281234567890", f"{item.ticket}") is None


def test_a_follow_up_the_citizen_answered_does_not_close_by_itself(app):
    item = new_ticket(at=local("2026-08-10T09:00"))
    walk(item, item, [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN])
    inbox.move(item, inbox.DITINDAKLANJUTI, actor="a", note="Sudah", now=local("2026-08-14T11:00"))
    inbox.thread_reply("+6281234567890", f"{item.ticket} lampunya masih mati", now=local("2026-08-18T10:00"))
    db.session.commit()
    assert inbox.close_unanswered(now=local("2026-09-02T08:00")) == 0
    assert item.status == inbox.DITINDAKLANJUTI


# A citizen's answer and the auto-close clock: the 10 working days run from the office's last word.
def followed_up_on_14_august() -> Feedback:
    item = new_ticket(at=local("2026-08-10T09:00"))
    walk(item, item, [inbox.DIVERIFIKASI, inbox.DIDISPOSISIKAN])
    inbox.move(item, inbox.DITINDAKLANJUTI, actor="a", note="Sudah diperbaiki", now=local("2026-08-14T11:00"))
    db.session.commit()
    return item


def test_a_citizens_plain_answer_stops_the_clock_and_the_offices_next_sms_starts_it_again(app, settings):
    item = followed_up_on_14_august()
    settings(LEKAS_CLOCK="2026-08-18T10:00:00+07:00")
    inbox.reply(item, "Mohon dicek kembali, apakah lampu sudah menyala?", actor="a")
    # The office's SMS on Tuesday 18 is its last word: ten working days from then, not from the 14th.
    assert inbox.closes_on(item).isoformat() == "2026-09-02"
    assert inbox.thread_plain_reply("+6281234567890", "Masih mati pak") == item
    db.session.commit()
    assert inbox.closes_on(item) is None
    assert inbox.close_unanswered(now=local("2026-09-10T08:00")) == 0
    # Thursday 20 August: the office answers again, and the citizen has ten working days from then
    # (25 August is closed): 21, 24, 26, 27, 28, 31 August, 1, 2, 3, 4 September.
    settings(LEKAS_CLOCK="2026-08-20T14:00:00+07:00")
    inbox.reply(item, "Petugas sudah mengganti lampunya kemarin.", actor="a")
    db.session.commit()
    assert inbox.closes_on(item).isoformat() == "2026-09-04"
    assert inbox.close_unanswered(now=local("2026-09-03T17:00")) == 0
    assert inbox.close_unanswered(now=local("2026-09-04T07:30")) == 1
    db.session.commit()
    assert item.status == inbox.SELESAI


def test_a_plain_sms_answers_only_an_open_ticket_the_office_wrote_about_within_ten_working_days(app, settings):
    silent, item = new_ticket(), new_ticket()
    settings(LEKAS_CLOCK="2026-08-13T10:00:00+07:00")
    inbox.reply(item, "Lokasinya di mana?", actor="a")
    db.session.commit()
    assert inbox.answered_ticket("+6281234567890", now=local("2026-08-31T16:00")) == item
    assert inbox.answered_ticket("+6281234567890", now=local("2026-09-01T08:00")) is None
    assert inbox.answered_ticket("+6281399999999", now=local("2026-08-14T08:00")) is None
    assert inbox.thread_plain_reply("+6281234567890", "   ", now=local("2026-08-14T08:00")) is None
    inbox.move(item, inbox.BUKAN_WEWENANG, actor="a", note="PLN", referred_to="PLN")
    db.session.commit()
    assert inbox.answered_ticket("+6281234567890", now=local("2026-08-14T08:00")) is None
    assert silent.status == inbox.BARU


def sent_to(phone="+6281234567890") -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.direction == "out", Message.phone == phone)
                                   .order_by(Message.id)))


def test_the_sweeps_close_tells_the_citizen_once_after_the_quiet_hours(app, settings):
    item = followed_up_on_14_august()
    settings(QUIET_HOURS="21:00-07:00")
    assert inbox.close_unanswered(now=local("2026-09-01T00:30")) == 1
    db.session.commit()
    [message] = sent_to()
    assert message.text == ticket_notices.auto_closed("id", item.ticket)
    assert message.send_after == local("2026-09-01T07:00")
    assert inbox.history(item)[-1].message_id == message.id
    assert inbox.close_unanswered(now=local("2026-09-02T08:00")) == 0
    assert len(sent_to()) == 1


def test_the_sweep_closes_an_opted_out_citizens_ticket_without_an_sms(app):
    item = followed_up_on_14_august()
    citizens.opt_out(item.phone)
    assert inbox.close_unanswered(now=local("2026-09-01T08:00")) == 1
    assert sent_to() == []


def test_a_move_with_notify_sends_the_states_template_with_the_ticket_number(app):
    inbox.save_template(None, state=inbox.DIVERIFIKASI, title="Diverifikasi",
                        text="Laporan {ticket} kami terima {tanpa} kurung.", actor="admin")
    item = new_ticket()
    inbox.move(item, inbox.DIVERIFIKASI, actor="a", notify=True)
    db.session.commit()
    assert [m.text for m in sent_to()] == [f"Laporan {item.ticket} kami terima {{tanpa}} kurung."]
    # Without a template, the built-in text, with the referral filled in.
    inbox.move(item, inbox.BUKAN_WEWENANG, actor="a", note="Urusan PLN", referred_to="PLN ULP Palangka Raya",
               notify=True)
    assert sent_to()[-1].text == ticket_notices.built_in(
        inbox.BUKAN_WEWENANG, "id", {"ticket": item.ticket, "referred_to": "PLN ULP Palangka Raya"})
    assert "PLN ULP Palangka Raya" in sent_to()[-1].text


def test_nothing_is_sent_for_a_move_without_notify_a_phone_or_a_phone_that_opted_out(app):
    quiet = new_ticket()
    inbox.move(quiet, inbox.DIVERIFIKASI, actor="a")
    kiosk = feedback.submit("saran", "Tambah kursi", phone=None, channel="kiosk")
    inbox.move(kiosk, inbox.DIVERIFIKASI, actor="a", notify=True)
    stopped = new_ticket(phone="+6281377777777")
    citizens.opt_out(stopped.phone)
    inbox.move(stopped, inbox.DIVERIFIKASI, actor="a", notify=True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("state", sorted(ticket_notices.NOTICES))
def test_every_built_in_notice_fits_one_gsm_segment(app, lang, state):
    assert state in inbox.STATES
    values = {"ticket": "T999999", "original": "T999999", "referred_to": "Dinas Pekerjaan Umum dan Penataan Ruang "
              "Kota Palangka Raya, Jl. Tjilik Riwut km 5,5 (bagian pengaduan masyarakat, lantai dua) " + "x" * 30}
    text = ticket_notices.built_in(state, lang, values)
    assert "T999999" in text and fits_one_segment(text), (len(text), text)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_auto_close_notice_fits_one_gsm_segment(app, lang):
    text = ticket_notices.auto_closed(lang, "T999999")
    assert fits_one_segment(text), (len(text), text)
