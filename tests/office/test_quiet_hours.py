"""Quiet hours: which moments fall in the window, when it ends, and which messages wait."""
from datetime import datetime

import pytest

from office import quiet_hours
from office.quiet_hours import Window
from tests.helpers import office_time


@pytest.mark.parametrize("local, end", [
    ("2026-11-30T21:00:00", "2026-12-01T07:00:00"),
    ("2026-11-30T22:00:00", "2026-12-01T07:00:00"),
    ("2026-12-01T00:00:00", "2026-12-01T07:00:00"),
    ("2026-12-01T06:59:59", "2026-12-01T07:00:00"),
    ("2026-12-01T07:00:00", None),
    ("2026-11-30T20:59:59", None),
    ("2026-11-30T12:00:00", None),
])
def test_a_window_across_midnight_ends_at_the_next_morning(app, local, end):
    expected = office_time(end) if end else None
    assert quiet_hours.window_end(office_time(local), "21:00-07:00") == expected


def test_a_window_within_one_day_ends_the_same_day(app):
    assert quiet_hours.window_end(office_time("2026-11-30T12:30:00"), "12:00-13:00") == office_time(
        "2026-11-30T13:00:00")
    assert quiet_hours.window_end(office_time("2026-11-30T13:00:00"), "12:00-13:00") is None
    assert quiet_hours.window_end(office_time("2026-11-30T23:30:00"), "12:00-13:00") is None


def test_the_window_is_read_in_office_time_not_utc(app, settings):
    # 14:30 UTC is 21:30 in Palangka Raya (UTC+7) but only 17:30 in Moscow.
    moment = datetime(2026, 11, 30, 14, 30)
    assert quiet_hours.window_end(moment, "21:00-07:00") == datetime(2026, 12, 1, 0, 0)
    settings(OFFICE_TZ="Europe/Moscow")
    assert quiet_hours.window_end(moment, "21:00-07:00") is None


def test_empty_setting_turns_quiet_hours_off(app):
    assert quiet_hours.parse("") is None and quiet_hours.parse(None) is None
    assert quiet_hours.window_end(office_time("2026-11-30T23:00:00"), "  ") is None


@pytest.mark.parametrize("spec", ["21-07", "21:00", "21:00-07", "9:00-9:00", "25:00-07:00", "ab:cd-07:00",
                                  "21:00-07:00-08:00"])
def test_a_malformed_window_is_refused_with_the_expected_form(spec):
    with pytest.raises(ValueError, match="QUIET_HOURS"):
        quiet_hours.parse(spec)


def test_parsed_window_keeps_its_hours():
    assert quiet_hours.parse(" 21:30 - 06:45 ") == Window(datetime(1, 1, 1, 21, 30).time(),
                                                           datetime(1, 1, 1, 6, 45).time())


def test_only_notifications_the_citizen_did_not_ask_for_are_held():
    for kind in ("status", "reminder", "broadcast"):
        assert quiet_hours.is_held(kind)
    for kind in ("reply", "checklist", "optout"):
        assert not quiet_hours.is_held(kind)
    assert not quiet_hours.is_held("broadcast", urgent=True)
