"""The dashboard's figures on a known data set, each equal to a count the test makes itself from the rows it
inserted, for the whole office and for one kelurahan."""
import statistics
from collections import Counter
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from office import catalog
from office import dashboard
from office import lifecycle
from office import outbox
from office.dashboard import Period
from office.errors import DomainError

# Friday 20 November 2026, 10:00 in Palangka Raya (UTC+7).
NOW = "2026-11-20T10:00:00+07:00"
NOVEMBER = Period.month(2026, 11)
TODAY = Period.day(date(2026, 11, 20))
COST = 300


def local_day(instant: datetime) -> date:
    return (instant + timedelta(hours=7)).date()


@pytest.fixture
def known(app, settings, dashboard_rows):
    """The dashboard's data set (see conftest) seen on Friday 20 November 2026."""
    settings(LEKAS_CLOCK=NOW, SMS_COST_PER_SEGMENT=COST)
    return dashboard_rows


def within(instant: datetime, period: Period) -> bool:
    return period.first <= local_day(instant) <= period.last


SCOPES = ["office", "Menteng"]


def scope_id(name: str) -> int | None:
    return None if name == "office" else catalog.find_kelurahan(name).id


@pytest.mark.parametrize("period", [NOVEMBER, TODAY], ids=["month", "today"])
@pytest.mark.parametrize("scope", SCOPES)
def test_applications_by_status_and_per_day_equal_the_rows_submitted_in_the_period(known, period, scope):
    rows = [a for a in known["apps"] if within(a["created_at"], period)
            and (scope_id(scope) is None or a["kelurahan_id"] == scope_id(scope))]
    expected = Counter(a["status"] for a in rows)
    assert dashboard.applications_by_status(period, scope_id(scope)) == {s: expected[s] for s in lifecycle.STATUSES}
    per_day = Counter(local_day(a["created_at"]) for a in rows)
    assert dashboard.applications_per_day(period, scope_id(scope)) == {d: per_day[d] for d in period.days}
    assert sum(expected.values()) > 0


@pytest.mark.parametrize("period", [NOVEMBER, TODAY], ids=["month", "today"])
@pytest.mark.parametrize("scope", SCOPES)
def test_message_figures_and_cost_equal_the_outgoing_rows_of_the_period(known, period, scope):
    by_app = {a["id"]: a for a in known["apps"]}
    rows = [m for m in known["messages"] if m["direction"] == "out" and within(m["created_at"], period)
            and (scope_id(scope) is None
                 or (m.get("application_id") and by_app[m["application_id"]]["kelurahan_id"] == scope_id(scope)))]
    segments = sum(m["segments"] for m in rows if m["sent_at"])
    assert dashboard.messages(period, scope_id(scope)) == dashboard.Messages(
        sent=sum(1 for m in rows if m["sent_at"]), delivered=sum(1 for m in rows if m["status"] == outbox.DELIVERED),
        failed=sum(1 for m in rows if m["status"] == outbox.FAILED), segments=segments, cost=segments * COST)


@pytest.mark.parametrize("scope", SCOPES)
def test_median_days_to_ready_per_service_over_the_applications_ready_in_the_month(known, scope):
    by_app = {a["id"]: a for a in known["apps"]}
    spans = {}
    for change in known["changes"]:
        application = by_app[change["application_id"]]
        if within(change["created_at"], NOVEMBER) and scope_id(scope) in (None, application["kelurahan_id"]):
            start, end = local_day(application["created_at"]), local_day(change["created_at"])
            # Weekdays after the start up to the end: November 2026 has no public holiday.
            days = sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)
            spans.setdefault(application["service_id"], []).append(days)
    codes = {s.id: s.code for s in catalog.services()}
    expected = {codes[sid]: statistics.median(values) for sid, values in spans.items()}
    assert dashboard.median_days_to_ready(NOVEMBER, scope_id(scope)) == expected
    assert list(dashboard.median_days_to_ready(NOVEMBER, scope_id(scope))) == [
        s.code for s in catalog.services() if s.code in expected]


@pytest.mark.parametrize(("start", "end", "days"), [
    (date(2026, 11, 20), date(2026, 11, 20), 0),  # the same day
    (date(2026, 11, 20), date(2026, 11, 23), 1),  # Friday to Monday
    (date(2026, 11, 16), date(2026, 11, 20), 4),
    (date(2026, 12, 23), date(2026, 12, 28), 1),  # Christmas and its cuti bersama are closed days
])
def test_working_days_between_skips_weekends_and_holidays(start, end, days):
    assert dashboard.working_days_between(start, end) == days


def test_overdue_is_the_console_overdue_filter_up_to_the_end_of_the_period(known):
    from office import search

    assert dashboard.overdue(NOVEMBER, None) == search.count(search.Filter(overdue=True), None) > 0
    assert dashboard.overdue(Period.month(2026, 9), None) == 0


def test_complaints_open_and_past_three_working_days(known):
    rows = [f for f in known["feedback"] if f["status"] == "baru"]
    # 17 November is three working days before today: anything received before it is late.
    late = [f for f in rows if local_day(f["created_at"]) < date(2026, 11, 17)]
    assert dashboard.complaints(NOVEMBER, None) == dashboard.Complaints(open=len(rows), overdue=len(late))
    assert dashboard.complaints(NOVEMBER, scope_id("Menteng")) is None


def test_ussd_figures_count_the_sessions_of_the_period_only(known):
    rows = [s for s in known["sessions"] if within(s["created_at"], NOVEMBER)]
    summary = dashboard.ussd(NOVEMBER, None)
    assert summary.sessions == len(rows)
    assert summary.by_status == dict(Counter(s["status"] for s in rows))
    assert summary.drop_off == [("Pilih layanan", sum(1 for s in rows if s["status"] == "Incomplete"))]
    assert dashboard.ussd(NOVEMBER, scope_id("Menteng")) is None


def test_figures_of_an_empty_office_are_zero_not_errors(app):
    result = dashboard.figures(NOVEMBER, None)
    assert result.submitted == 0 and result.overdue == 0 and result.days_to_ready == {}
    assert result.messages == dashboard.Messages(0, 0, 0, 0, 0)
    assert result.queue.overall.served == 0


@pytest.mark.parametrize(("text", "period"), [
    ("2026-11", Period(date(2026, 11, 1), date(2026, 11, 30))),
    ("2026-12", Period(date(2026, 12, 1), date(2026, 12, 31))),
    ("2028-02", Period(date(2028, 2, 1), date(2028, 2, 29))),
])
def test_a_month_is_read_from_year_and_month(text, period):
    assert Period.parse_month(text) == period


@pytest.mark.parametrize("text", ["", "2026", "2026-13", "2026-00", "1999-12", "2026-1", "x-y", "2026-11-01",
                                  "+2026-11", "٢٠٢٦-١١"])
def test_anything_but_a_month_is_refused(text):
    with pytest.raises(DomainError):
        Period.parse_month(text)
