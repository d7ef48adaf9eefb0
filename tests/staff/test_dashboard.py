"""The dashboard and the monthly report: figures counted by the test from what it registered, each role's
scope, the month chooser's bad values, and the charts' text alternatives."""
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from extensions import db
from office import lifecycle as lc
from office.models import Feedback
from office.models import UssdSessionEvent
from tests.helpers import new_application
from tests.strategies import texts

# Registered today (the test's own clock): Menteng has 3, Palangka 2, in several statuses.
REGISTERED = [
    ("Menteng", ()), ("Menteng", (lc.VERIFYING,)), ("Menteng", (lc.VERIFYING, lc.PROCESSING, lc.READY)),
    ("Palangka", ()), ("Palangka", (lc.REJECTED,)),
]


@pytest.fixture
def registered(app):
    for n, (kelurahan, moves) in enumerate(REGISTERED):
        steps = [(m, "Berkas tidak lengkap") if m in lc.NOTE_REQUIRED else m for m in moves]
        new_application(kelurahan=kelurahan, phone=f"0812-0000-{n:04d}", moves=steps)
    db.session.add(Feedback(ticket="S00001", category="aduan", text="Antrean lama", channel="sms"))
    db.session.add(UssdSessionEvent(session_id="u1", status="Success", hops=3))
    db.session.commit()


def status_table(page: str) -> dict[str, int]:
    """The month's status table as {label: count}."""
    section = page.split('id="applications-heading"', 1)[1].split("</table>", 1)[0]
    return {label: int(count.replace(".", "").replace(",", "")) for label, count in
            re.findall(r'<td><a href="[^"]*">([^<]+)</a></td>\s*<td class="num">([\d.,]+)</td>', section)}


def expected(kelurahan: str | None) -> dict[str, int]:
    """The statuses the test itself moved its applications to, counted per English label."""
    final = [(moves or (lc.RECEIVED,))[-1] for place, moves in REGISTERED if kelurahan in (None, place)]
    return {lc.LABELS[status]: final.count(status) for status in lc.STATUSES}


@pytest.mark.parametrize(("role", "kelurahan"), [("operator", None), ("viewer", None), ("admin", None),
                                                   ("kelurahan", "Menteng"), ("kelurahan", "Palangka")])
@pytest.mark.parametrize("path", ["/staff/", "/staff/report"])
def test_status_figures_are_the_applications_of_the_accounts_scope(staff_client, registered, role, kelurahan, path):
    client = staff_client(role, kelurahan=kelurahan)
    client.post("/staff/language", data={"language": "en", "next": "/staff/"})
    page = client.get(path).get_data(as_text=True)
    assert status_table(page) == expected(kelurahan)
    assert f"Total</th><td class=\"num\">{sum(expected(kelurahan).values())}</td>" in page


@pytest.mark.parametrize(("role", "kelurahan", "office_wide"), [("operator", None, True),
                                                                 ("kelurahan", "Menteng", False)])
def test_ussd_complaints_and_queue_show_only_to_office_wide_accounts(staff_client, registered, role, kelurahan,
                                                                     office_wide):
    page = staff_client(role, kelurahan=kelurahan).get("/staff/").get_data(as_text=True)
    for heading in ("ussd-heading", "complaints-heading", "queue-heading"):
        assert (f'id="{heading}"' in page) is office_wide


def test_every_chart_has_its_figures_in_a_table_beside_it(staff_client, registered):
    page = staff_client("operator").get("/staff/").get_data(as_text=True)
    charts = re.findall(r'<svg[^>]*aria-hidden="true"', page)
    assert len(charts) == 2 and page.count("<table") >= 3
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_chosen_month_shows_that_month_and_links_its_report(staff_client, registered):
    client = staff_client("operator")
    page = client.get("/staff/?month=2025-03").get_data(as_text=True)
    assert sum(status_table(page).values()) == 0
    assert 'href="/staff/report?month=2025-03"' in page
    report = client.get("/staff/report?month=2025-03").get_data(as_text=True)
    assert "2025-03-01" in report and "2025-03-31" in report and "dashboard.css" in report


@pytest.mark.parametrize("month", ["2026-13", "maret", "1999-01", "2026-1", "x" * 10_000, "\x00"])
@pytest.mark.parametrize("path", ["/staff/", "/staff/report"])
def test_a_bad_month_is_answered_beside_the_field_and_kept(staff_client, registered, path, month):
    client = staff_client("operator")
    client.post("/staff/language", data={"language": "en", "next": "/staff/"})
    response = client.get(path, query_string={"month": month})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="month-error"' in page and "Choose a month, written YYYY-MM." in page
    assert 'aria-invalid="true"' in page
    if month.isprintable():
        assert f'value="{month}"' in page
    assert sum(status_table(page).values()) == len(REGISTERED)  # this month's figures instead


FUZZ = hypothesis_settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture],
                           deadline=None)


@FUZZ
@given(month=st.one_of(texts(), st.just("9" * 10_000), st.just("\x00"), st.sampled_from(["2026-02", "0000-00"])))
def test_the_month_chooser_never_gives_a_server_error(staff_client_once, month):
    query = urlencode({"month": month}, encoding="utf-8", errors="surrogatepass")
    for path in ("/staff/", "/staff/report"):
        assert staff_client_once.get(f"{path}?{query}").status_code == 200


@pytest.fixture
def staff_client_once(staff_client):
    """One signed-in account for all of a property's examples (hypothesis reuses function fixtures)."""
    return staff_client("operator")
