"""USSD session events: stored once per session, summarised as completion and drop-off."""
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from office import ussd_stats
from office.clock import utcnow
from office.models import UssdSessionEvent


def event(session_id, status, last_response="CON Kantor Camat Jekan Raya\n1. Syarat layanan", hops=2):
    ussd_stats.record_event(session_id, status=status, phone="+6281234567001", hops=hops, duration_ms=1000,
                            input="1", last_response=last_response)


def test_summary_counts_sessions_by_status_and_the_completion_rate(app):
    for n in range(3):
        event(f"s{n}", "Success", "END Berhasil.", hops=3)
    event("i1", "Incomplete", hops=1)
    db.session.commit()
    stats = ussd_stats.summary()
    assert stats.sessions == 4
    assert stats.by_status == {"Success": 3, "Incomplete": 1}
    assert stats.completion_rate == 0.75
    assert stats.average_hops == 2.5


def test_drop_off_names_the_screens_incomplete_sessions_were_left_on_most_common_first(app):
    event("a", "Incomplete", "CON Pilih layanan:\n1. Perekaman KTP-el\n98 Lagi, 0 Kembali")
    event("b", "Incomplete", "CON Pilih layanan:\n1. Surat pindah, SKPWNI\n98 Lagi, 0 Kembali")
    event("c", "Incomplete", "CON Ketik nomor permohonan (10 angka):\n0 Kembali")
    event("d", "Success", "END Pilih layanan:")
    event("e", "Incomplete", None)
    db.session.commit()
    assert ussd_stats.summary().drop_off == [
        ("Pilih layanan:", 2), ("-", 1), ("Ketik nomor permohonan (10 angka):", 1)]


def test_summary_since_leaves_older_sessions_out(app):
    event("old", "Failed")
    db.session.flush()
    db.session.scalar(select(UssdSessionEvent)).created_at = utcnow() - timedelta(days=8)
    event("new", "Success")
    db.session.commit()
    stats = ussd_stats.summary(since=utcnow() - timedelta(days=7))
    assert stats.by_status == {"Success": 1} and stats.completion_rate == 1.0


def test_an_empty_summary_has_no_rate_to_divide_by(app):
    stats = ussd_stats.summary()
    assert (stats.sessions, stats.completion_rate, stats.average_hops, stats.drop_off) == (0, 0.0, None, [])


def test_a_repeated_notification_updates_the_session_instead_of_counting_it_twice(app):
    event("same", "Incomplete")
    event("same", "Success", "END Terima kasih.")
    db.session.commit()
    assert ussd_stats.summary().by_status == {"Success": 1}


def test_overlong_fields_are_cut_to_their_columns(app):
    stored = ussd_stats.record_event("x" * 500, status="S" * 50, phone="9" * 40)
    assert (len(stored.session_id), len(stored.status), len(stored.phone)) == (120, 20, 20)
    assert ussd_stats.record_event("y", status="").status == "Unknown"
