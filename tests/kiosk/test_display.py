"""The TV display's board and its endpoints: what each counter shows, the last five calls, the waiting per
group with its estimate, the version that changes only with the board, and the audio route."""
import hashlib
from datetime import datetime
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from extensions import db
from office import queue
from office import queue_board
from tests.strategies import texts

# 09:00 in Palangka Raya (WIB) on a Tuesday, as naive UTC.
MORNING = datetime(2026, 12, 1, 2, 0)
MORNING_WIB = "2026-12-01T09:00:00+07:00"


def take(letter, *, priority=False, at=MORNING):
    """Take a ticket of group `letter` (at 09:00 by default; None is now)."""
    ticket = queue.issue(letter, priority=priority, now=at).ticket
    db.session.commit()
    return ticket


def call(code, at):
    ticket = queue.call_next(queue.get_counter(code), staff_id=None, now=at)
    db.session.commit()
    return ticket


def at(minutes):
    return MORNING + timedelta(minutes=minutes)


def test_each_counter_shows_its_ticket_or_none_and_whether_it_is_open(app):
    take("A"), take("C")
    call("1", at(1))
    queue.start(queue.get_counter("1"), now=at(2))
    call("3", at(3))
    db.session.commit()
    board = queue_board.board(at(4))
    shown = {c.code: (c.open, c.call and (c.call.number, c.call.status, c.call.calls, c.call.counter))
             for c in board.counters}
    assert shown == {"1": (True, ("A001", "serving", 1, "Loket 1")), "2": (False, None),
                     "3": (True, ("C001", "called", 1, "Loket 3"))}


def test_the_last_five_calls_come_newest_first(app):
    for _ in range(7):
        take("A")
    for minute in range(1, 8):
        if minute > 1:
            queue.finish(queue.get_counter("1"), now=at(minute - 0.5))
        call("1", at(minute))
    board = queue_board.board(at(10))
    assert [c.number for c in board.recent] == ["A007", "A006", "A005", "A004", "A003"]
    assert [c.called_at for c in board.recent] == [at(m) for m in (7, 6, 5, 4, 3)]


def test_each_group_shows_how_many_wait_and_the_estimate_of_a_ticket_taken_now(app):
    for letter in "AAABD":
        take(letter)
    board = queue_board.board(at(1))
    waiting = {g.letter: g.waiting for g in board.groups}
    assert waiting == {"A": 3, "B": 1, "C": 0, "D": 1}
    for group in board.groups:
        assert group.estimate == queue.estimate_minutes(queue.get_group(group.letter), group.waiting, at(1))
    assert {g.letter: g.name["id"] for g in board.groups}["A"] == "KTP-el dan KIA"
    assert all(g.name["en"] for g in board.groups)


def test_the_version_changes_on_a_call_and_a_call_again_and_not_otherwise(app, settings):
    settings(LEKAS_CLOCK=MORNING_WIB)  # call-again has no time of its own: it calls on the office clock's day
    take("A")
    before = queue_board.board(at(1)).version
    assert queue_board.board(at(1)).version == before
    assert queue_board.board(at(2)).version == before, "time passing alone changes nothing shown"
    first = call("1", at(2))
    called = queue_board.board(at(3))
    assert called.version != before
    queue.call_again(queue.get_counter("1"))
    db.session.commit()
    again = queue_board.board(at(4))
    assert again.version != called.version
    assert again.counters[0].call.call_id == f"{first.id}.2" != called.counters[0].call.call_id == f"{first.id}.1"
    # The same sentence, so the same audio.
    assert again.counters[0].call.audio_key == called.counters[0].call.audio_key


def test_a_call_carries_the_key_of_its_announcement(app):
    take("A")
    ticket = call("2", at(1))
    text = "Nomor antrian A satu, silakan ke loket dua"
    assert queue.announcement(ticket) == text
    shown = queue_board.board(at(2)).counters[1].call
    assert shown.audio_key == hashlib.sha256(text.encode()).hexdigest()


# --- The endpoints ---------------------------------------------------------------------------------------

def test_the_state_is_the_board_as_json_never_stored(client, app):
    take("B", at=None)
    take("A", at=None)
    call("1", None)  # the oldest of A and B: B001
    response = client.get("/kiosk/display/state")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    state = response.get_json()
    assert set(state) == {"version", "counters", "recent", "groups"}
    first = state["counters"][0]
    assert first["code"] == "1" and first["name"] == "Loket 1" and first["open"] is True
    assert set(first["call"]) == {"number", "counter", "status", "calls", "called_at", "time", "call_id", "audio"}
    assert first["call"]["audio"].endswith(".wav") and first["call"]["status"] == "called"
    assert state["recent"][0]["number"] == first["call"]["number"]
    assert [(g["letter"], g["waiting"]) for g in state["groups"]] == [("A", 1), ("B", 0), ("C", 0), ("D", 0)]
    assert all(isinstance(g["estimate"], int) for g in state["groups"])


def test_an_unchanged_board_answers_204_and_a_changed_one_the_new_state(client, app):
    version = client.get("/kiosk/display/state").get_json()["version"]
    unchanged = client.get(f"/kiosk/display/state?since={version}")
    assert (unchanged.status_code, unchanged.data, unchanged.headers["Cache-Control"]) == (204, b"", "no-store")
    take("A", at=None)
    changed = client.get(f"/kiosk/display/state?since={version}")
    assert changed.status_code == 200 and changed.get_json()["version"] != version


def test_the_page_shows_the_board_in_bahasa_indonesia(client, app):
    take("A", at=None)
    call("1", None)
    page = client.get("/kiosk/display").get_data(as_text=True)
    for text in ("Kantor Camat Jekan Raya", "Sedang dipanggil", "Terakhir dipanggil", "A001", "Loket 1",
                 "display.js", "display.css"):
        assert text in page
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


@pytest.mark.parametrize("key", ["0" * 63, "G" * 64, "../" + "a" * 61, "A" * 64])
def test_the_audio_route_refuses_anything_but_a_hex_key(client, key):
    assert client.get(f"/kiosk/display/audio/{key}.wav").status_code == 404


def test_the_audio_route_serves_a_rendered_file_and_404s_a_missing_one(client, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    key = "ab" * 32
    assert client.get(f"/kiosk/display/audio/{key}.wav").status_code == 404
    (tmp_path / "announcements").mkdir()
    (tmp_path / "announcements" / f"{key}.wav").write_bytes(b"RIFF....WAVE")
    with client.get(f"/kiosk/display/audio/{key}.wav") as served:
        assert (served.status_code, served.mimetype, served.data) == (200, "audio/wav", b"RIFF....WAVE")


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(texts(max_size=300), st.just("x" * 10_000), st.just("\x00")))
def test_any_since_or_audio_key_gets_an_answer_never_a_server_error(client, value):
    quoted = quote(value, safe="", errors="surrogatepass")
    assert client.get(f"/kiosk/display/state?since={quoted}").status_code in (200, 204)
    with client.get(f"/kiosk/display/audio/{quoted}.wav") as audio:
        # A key with a slash makes a path with "//", which the router answers with a redirect to the single slash.
        assert audio.status_code in (404, 308)
