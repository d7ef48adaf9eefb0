"""The controllable office clock (LEKAS_CLOCK): real, shifted or frozen, the same in every process."""
import subprocess
import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from office import clock
from tests.helpers import ROOT


def test_without_override_the_clock_is_real_time(app, settings):
    settings(LEKAS_CLOCK=None)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)
    assert clock.utcnow().tzinfo is None


def test_a_frozen_instant_stands_still_and_a_naive_one_is_office_time(app, settings):
    settings(LEKAS_CLOCK="2026-11-30T22:00:00")
    assert clock.now() == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert clock.utcnow() == clock.utcnow() == datetime(2026, 11, 30, 15, 0)
    assert clock.local(clock.utcnow()).hour == 22


def test_an_offset_shifts_a_running_clock(app, settings):
    settings(LEKAS_CLOCK="+3600")
    shifted = clock.now() - datetime.now(UTC)
    assert timedelta(minutes=59, seconds=59) < shifted <= timedelta(hours=1)
    settings(LEKAS_CLOCK="-90.5")
    assert clock.now() < datetime.now(UTC) - timedelta(seconds=90)


def test_real_time_says_when_the_real_world_reaches_a_clock_instant(app, settings):
    settings(LEKAS_CLOCK="+32400")
    in_ten_minutes = clock.utcnow() + timedelta(minutes=10)
    expected = datetime.now(UTC) + timedelta(minutes=10)
    assert abs(clock.real_time(in_ten_minutes) - expected) < timedelta(seconds=1)


def test_a_bad_value_is_refused_with_the_accepted_forms(app, settings):
    settings(LEKAS_CLOCK="tomorrow")
    with pytest.raises(ValueError, match="LEKAS_CLOCK"):
        clock.now()


@pytest.mark.parametrize("value", ["nan", "+inf", "-1e12"])
def test_an_offset_the_clock_could_not_add_is_refused(value):
    with pytest.raises(ValueError, match="LEKAS_CLOCK"):
        clock.parse_override(value)


def test_a_separate_process_reads_the_same_clock_from_its_environment(tmp_path):
    code = "from office import clock; print(clock.local(clock.utcnow()).strftime('%H:%M'))"
    env = {"PATH": "/usr/bin:/bin", "LEKAS_CLOCK": "2026-11-30T22:00:00+07:00", "OFFICE_TZ": "Asia/Pontianak"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "22:00"
