"""Broadcast audiences, previews, creation, cancellation and progress (the domain side)."""
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import broadcasts
from office import catalog
from office import citizens
from office import clock
from office import outbox
from office.errors import DomainError
from office.errors import NotFound
from office.models import AuditLog
from office.models import Broadcast
from office.models import Message
from tests.helpers import add_subscribers
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import phone

TEXT = "Pelayanan KTP-el hari Sabtu buka pukul 08.00-12.00."


def kelurahan(name):
    return catalog.find_kelurahan(name)


def test_all_subscribers_without_the_opted_out_or_unsubscribed(app):
    add_subscribers(5)
    add_subscribers(2, start=100, opted_out=True)
    citizens.unsubscribe(phone(0))
    db.session.commit()

    summary = broadcasts.preview(TEXT, None, {"all": True})

    assert summary.recipients == 4
    assert summary.by_language == {"id": 4, "en": 0}


def test_kelurahan_audience_reaches_only_subscribers_living_there(app):
    add_subscribers(3, kelurahan_id=kelurahan("Menteng").id)
    add_subscribers(4, start=10, kelurahan_id=kelurahan("Palangka").id)
    add_subscribers(1, start=20)

    assert broadcasts.preview(TEXT, None, {"kelurahan": ["menteng"]}).recipients == 3
    assert broadcasts.preview(TEXT, None, {"kelurahan": ["Menteng", "Palangka", "Menteng"]}).recipients == 7


def test_applicants_of_a_service_in_a_status_counted_once_per_phone(app):
    first = new_application("KTP", "Budi", "0812-3456-7890", "Menteng")
    new_application("KTP", "Budi lagi", "0812-3456-7890", "Menteng")
    new_application("KK", "Siti", "0812-3456-0002", "Menteng")
    stopped = new_application("KTP", "Rina", "0812-3456-0003", "Menteng")
    citizens.opt_out(stopped.phone)
    db.session.commit()

    ktp = broadcasts.preview(TEXT, None, {"service": "KTP"})
    assert (ktp.recipients, ktp.removed_duplicates, ktp.removed_opted_out) == (1, 1, 1)
    assert broadcasts.preview(TEXT, None, {"status": "RECEIVED"}).recipients == 2
    for step in ("VERIFYING", "PROCESSING", "READY"):
        move(first.reference, step)
    ready = broadcasts.preview(TEXT, None, {"service": "KTP", "status": "READY"})
    assert ready.recipients == 1


def test_pasted_numbers_are_cleaned_duplicates_and_opted_out_removed_invalid_reported(app):
    citizens.opt_out("+6281234560009")
    db.session.commit()
    pasted = ["0812-3456-0001", "+62 812 3456 0001", "6281234560002", "12345", "halo", 42, "0812-3456-0009"]

    summary = broadcasts.preview(TEXT, None, {"phones": pasted})

    assert summary.recipients == 2
    assert summary.removed_duplicates == 1 and summary.removed_opted_out == 1
    assert summary.invalid == ["12345", "halo", "42"]


def test_english_speakers_get_the_english_text_and_cost_counts_each_texts_segments(app, settings):
    settings(SMS_COST_PER_SEGMENT=300)
    add_subscribers(3)
    add_subscribers(2, start=10, language="en")
    english = "Office closed on Friday for a public holiday. " * 4  # 2 segments

    summary = broadcasts.preview(TEXT, english, {"all": True})

    assert summary.by_language == {"id": 3, "en": 2}
    assert summary.segments == {"id": 1, "en": 2}
    assert summary.estimated_cost == 3 * 1 * 300 + 2 * 2 * 300
    without_english = broadcasts.preview(TEXT, None, {"all": True})
    assert without_english.by_language == {"id": 5, "en": 0} and without_english.estimated_cost == 5 * 300


@pytest.mark.parametrize("audience, code", [
    ("all", "invalid_audience"),
    ({}, "invalid_audience"),
    ({"all": False}, "invalid_audience"),
    ({"all": True, "kelurahan": ["Menteng"]}, "invalid_audience"),
    ({"kelurahan": []}, "invalid_audience"),
    ({"kelurahan": ["Atlantis"]}, "unknown_kelurahan"),
    ({"kelurahan": [3]}, "unknown_kelurahan"),
    ({"service": "NOPE"}, "unknown_service"),
    ({"service": "KTP", "status": "LOST"}, "unknown_status"),
    ({"phones": "0812"}, "invalid_audience"),
    ({"phones": []}, "invalid_audience"),
])
def test_bad_audiences_are_refused_with_a_clear_code(app, audience, code):
    with pytest.raises(DomainError) as info:
        broadcasts.preview(TEXT, None, audience)
    assert info.value.code == code


def test_texts_must_be_present_and_at_most_six_segments(app):
    for text, text_en, code in [("", None, "missing_field"), (None, None, "missing_field"), (5, None, "invalid_field"),
                                ("x" * 1000, None, "text_too_long"), (TEXT, "y" * 1000, "text_too_long")]:
        with pytest.raises(DomainError) as info:
            broadcasts.preview(text, text_en, {"all": True})
        assert info.value.code == code
    curly = broadcasts.preview("\u201cKantor\u201d buka \u2013 pukul 8", None, {"phones": ["0812-3456-0001"]})
    assert curly.segments["id"] == 1  # typographic quotes are folded to GSM-7, not sent as UCS-2


def test_creating_writes_no_messages_until_the_fan_out_job_runs(app):
    add_subscribers(3)
    broadcast, summary = broadcasts.create(TEXT, None, {"all": True}, actor="staff:ana")
    db.session.commit()

    assert summary.recipients == 3 and broadcast.status == broadcasts.SCHEDULED
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.target == str(broadcast.id))) == "broadcast.create"


def test_an_empty_audience_is_refused_rather_than_sent_to_nobody(app):
    with pytest.raises(DomainError) as info:
        broadcasts.create(TEXT, None, {"all": True}, actor="t")
    assert info.value.code == "empty_audience"
    assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 0


def test_send_at_is_office_time_without_offset_and_past_times_mean_now(app, settings):
    settings(LEKAS_CLOCK="2026-11-30T10:00:00+07:00")
    assert broadcasts.parse_send_at("2026-11-30T15:30:00") == clock.utcnow() + timedelta(hours=5, minutes=30)
    assert broadcasts.parse_send_at("2026-11-30T08:30:00Z") == clock.utcnow() + timedelta(hours=5, minutes=30)
    assert broadcasts.parse_send_at("2026-11-29T15:30:00+07:00") is None
    assert broadcasts.parse_send_at(None) is None
    for bad in ("tomorrow", "2027-06-01T08:00:00+07:00", 20261130):
        with pytest.raises(DomainError) as info:
            broadcasts.parse_send_at(bad)
        assert info.value.code == "invalid_send_at"


def test_materializing_twice_writes_each_recipient_once(app):
    add_subscribers(4)
    add_subscribers(1, start=10, language="en")
    broadcast, _ = broadcasts.create(TEXT, "Saturday opening 08.00-12.00.", {"all": True}, actor="t")
    db.session.commit()

    assert broadcasts.materialize(broadcast.id) == 5
    db.session.commit()
    assert broadcasts.materialize(broadcast.id) == 0
    db.session.commit()

    rows = db.session.scalars(select(Message).where(Message.broadcast_id == broadcast.id)).all()
    assert len(rows) == len({row.phone for row in rows}) == 5
    assert {row.text for row in rows if row.phone == phone(10)} == {"Saturday opening 08.00-12.00."}
    assert all(row.kind == "broadcast" and row.priority == "bulk" and row.status == "queued" for row in rows)
    assert db.session.get(Broadcast, broadcast.id).status == broadcasts.SENDING


def test_cancelling_cancels_queued_rows_keeps_sent_ones_and_is_idempotent(app):
    add_subscribers(4)
    broadcast, _ = broadcasts.create(TEXT, None, {"all": True}, actor="t")
    db.session.commit()
    broadcasts.materialize(broadcast.id)
    db.session.commit()
    first = db.session.scalars(select(Message).where(Message.broadcast_id == broadcast.id)).first()
    first.status = outbox.SENT
    db.session.commit()

    cancelled = broadcasts.cancel(broadcast.id, actor="t")
    db.session.commit()

    assert cancelled.status == broadcasts.CANCELLED and cancelled.cancelled_at is not None
    counts = broadcasts.status_counts(broadcast.id)
    assert counts["sent"] == 1 and counts["cancelled"] == 3 and counts["queued"] == 0
    assert broadcasts.cancel(broadcast.id, actor="t").status == broadcasts.CANCELLED
    db.session.commit()


def test_a_finished_broadcast_cannot_be_cancelled_and_an_unknown_one_is_not_found(app):
    add_subscribers(1)
    broadcast, _ = broadcasts.create(TEXT, None, {"all": True}, actor="t")
    db.session.commit()
    broadcasts.materialize(broadcast.id)
    db.session.commit()
    db.session.execute(Message.__table__.update().values(status=outbox.SENT))
    db.session.commit()
    assert broadcasts.finish_if_done(broadcast.id)

    with pytest.raises(broadcasts.NotCancellable):
        broadcasts.cancel(broadcast.id, actor="t")
    with pytest.raises(NotFound):
        broadcasts.get(broadcast.id + 1)
    with pytest.raises(NotFound):
        broadcasts.get("abc")


def test_progress_counts_every_state_and_lists_unknown_outcomes(app):
    add_subscribers(4)
    broadcast, _ = broadcasts.create(TEXT, None, {"all": True}, actor="t")
    db.session.commit()
    broadcasts.materialize(broadcast.id)
    db.session.commit()
    rows = db.session.scalars(select(Message).where(Message.broadcast_id == broadcast.id).order_by(Message.id)).all()
    rows[0].status, rows[0].last_error = outbox.UNKNOWN, "outcome unknown"
    rows[1].status, rows[1].last_error = outbox.SENT, outbox.Reason.NO_REPORT
    rows[2].status, rows[2].attempts = outbox.DELIVERED, 3
    db.session.commit()

    progress = broadcasts.progress(db.session.get(Broadcast, broadcast.id))

    assert progress.counts == {"queued": 1, "sending": 0, "sent": 1, "delivered": 1, "failed": 0,
                                  "unknown": 1, "cancelled": 0}
    assert progress.no_delivery_report == 1 and progress.retried == 1
    assert [(item.phone, item.error) for item in progress.unknown] == [(rows[0].phone, "outcome unknown")]
    assert broadcasts.unknown_outcomes()[0].id == rows[0].id
