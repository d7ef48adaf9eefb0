"""The display's spoken calls: the real espeak-ng renders each sentence once, the WAV is speech (measured
with sox), a call enqueues its rendering after commit, and a Redis that is down never fails the call."""
import os
import re
import subprocess

import pytest

from extensions import db
from jobs import announcements
from office import queue
from office.queue_board import audio_key
from office.queue_board import audio_path
from tests.redis_server import free_port

SENTENCE = "Nomor antrian A dua belas, silakan ke loket dua"
# espeak's speech peaks near 0.7 of full scale; a silent or broken file stays far below this RMS.
MIN_RMS = 0.02


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    """An instance folder of this test's own, so every render starts with an empty cache."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def sox_stat(path: str) -> dict:
    """`sox <file> -n stat` as numbers: "RMS amplitude", "Length (seconds)", ..."""
    report = subprocess.run(["sox", path, "-n", "stat"], capture_output=True, text=True, timeout=30).stderr
    rows = re.findall(r"^([^:\n]+):\s+(-?[\d.]+)\s*$", report, re.M)
    return {" ".join(name.split()): float(value) for name, value in rows}


def call_one(letter="A"):
    queue.issue(letter, priority=False)
    ticket = queue.call_next(queue.get_counter("2"), staff_id=None)
    db.session.commit()
    return ticket


def test_espeak_renders_an_announcement_that_is_speech_of_a_sensible_length(instance, capsys):
    path = announcements.render(SENTENCE)
    assert path == audio_path(audio_key(SENTENCE)) and path.startswith(str(instance))
    with open(path, "rb") as fh:
        assert fh.read(12)[8:] == b"WAVE"
    stat = sox_stat(path)
    with capsys.disabled():
        print(f"\nannouncement: {stat['Length (seconds)']:.2f} s, RMS amplitude {stat['RMS amplitude']:.3f}")
    assert stat["RMS amplitude"] > MIN_RMS
    assert 1.5 <= stat["Length (seconds)"] <= 8
    assert os.listdir(instance / "announcements") == [os.path.basename(path)], "no partial file is left"


def test_a_second_render_of_the_same_sentence_is_a_cache_hit(instance):
    path = announcements.render(SENTENCE)
    written = os.stat(path).st_mtime_ns
    os.utime(path, ns=(written - 10**9, written - 10**9))
    assert announcements.render(SENTENCE) == path
    assert os.stat(path).st_mtime_ns == written - 10**9, "the file was not written again"


def test_a_call_renders_its_announcement_through_the_worker(instance, run_jobs):
    ticket = call_one()
    path = audio_path(audio_key(queue.announcement(ticket)))
    assert not os.path.exists(path)
    run_jobs()
    assert sox_stat(path)["RMS amplitude"] > MIN_RMS


def test_a_call_again_finds_its_sentence_rendered_and_enqueues_nothing(instance, run_jobs, app):
    call_one()
    run_jobs()
    queue.call_again(queue.get_counter("2"))
    db.session.commit()
    assert announcements.queues.queue(announcements.queues.HIGH).count == 0


def test_a_rolled_back_call_enqueues_nothing(instance, app):
    queue.issue("A", priority=False)
    queue.call_next(queue.get_counter("1"), staff_id=None)
    db.session.rollback()
    assert announcements.queues.queue(announcements.queues.HIGH).count == 0


def test_a_call_stands_when_redis_is_down_and_the_display_stays_silent(app, make_app, caplog):
    dead = make_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with dead.test_request_context("/staff/counter"):
        queue.issue("A", priority=False)
        ticket = queue.call_next(queue.get_counter("1"), staff_id=None)
        db.session.commit()
        assert db.session.get(type(ticket), ticket.id).status == queue.CALLED
    assert "could not enqueue 1 announcements" in caplog.text
