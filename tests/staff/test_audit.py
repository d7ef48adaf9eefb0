"""The audit log page: only administrators read it; it filters by who, action, record and office days,
newest first a page at a time, shows before → after readably, and answers bad filters beside the field."""
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from extensions import db
from office import audit
from office import catalog
from office.models import AuditLog
from tests.helpers import new_application
from tests.helpers import office_time
from tests.strategies import form_body
from tests.strategies import texts

ROW = re.compile(r"<tr>\s*<td data-label=\"When \(office time\)\" class=\"nowrap\">([^<]+)</td>")


def logged(actor, action, target, when, **values):
    db.session.add(AuditLog(actor=actor, action=action, target=target, created_at=office_time(when), **values))
    db.session.commit()


@pytest.fixture
def history(admin):
    """A few days of entries, in office time, besides the sign-in the fixture's administrator made."""
    logged("siti", "application.create", "2612010001", "2025-06-01T08:00:00")
    logged("siti", "status.change", "2612010001", "2025-06-02T09:15:00",
           before={"status": "RECEIVED"}, after={"status": "VERIFYING"})
    logged("admin-user", "user.update", "budi", "2025-06-02T23:30:00",
           before={"role": "operator"}, after={"role": "viewer"})
    logged("admin-user", "user.create", "budi", "2025-06-03T00:10:00", after={"username": "budi"})
    logged("api:Dukcapil", "status.change", "2612010002", "2025-06-04T10:00:00", detail={"note": "lengkap"})
    return admin


def times(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return ROW.findall(response.get_data(as_text=True))


@pytest.mark.parametrize("role", ["operator", "kelurahan", "viewer"])
def test_only_an_administrator_reads_the_audit_log(staff_client, role):
    client = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None)
    assert client.get("/staff/audit").status_code == 403


@pytest.mark.parametrize(("query", "expected"), [
    ({"actor": "siti"}, ["2025-06-02 09:15:00", "2025-06-01 08:00:00"]),
    ({"action": "user.", "until": "2025-12-31"}, ["2025-06-03 00:10:00", "2025-06-02 23:30:00"]),
    ({"action": "status.change", "actor": "api:Dukcapil"}, ["2025-06-04 10:00:00"]),
    ({"target": "2612010001"}, ["2025-06-02 09:15:00", "2025-06-01 08:00:00"]),
    ({"since": "2025-06-02", "until": "2025-06-02"}, ["2025-06-02 23:30:00", "2025-06-02 09:15:00"]),
    ({"since": "2025-06-03", "until": "2025-06-03", "action": "user"}, ["2025-06-03 00:10:00"]),
    ({"until": "2025-06-01"}, ["2025-06-01 08:00:00"]),
    ({"actor": "nobody"}, []),
    ({"action": "%"}, []),  # a prefix, not a pattern
])
def test_the_filters_narrow_the_log_newest_first(history, query, expected):
    assert times(history.get("/staff/audit", query_string=query)) == expected


def test_the_whole_log_is_newest_first_with_before_and_after(history):
    response = history.get("/staff/audit")
    shown = times(response)
    assert shown[2:] == ["2025-06-04 10:00:00", "2025-06-03 00:10:00", "2025-06-02 23:30:00",
                         "2025-06-02 09:15:00", "2025-06-01 08:00:00"]  # after the admin's creation and sign-in
    page = response.get_data(as_text=True)
    assert re.search(r"<dt>role</dt><dd><del>.*?operator</del> <span aria-hidden=\"true\">→</span> "
                     r"<ins>.*?viewer</ins>", page)
    assert "<dt>note</dt><dd>lengkap</dd>" in page
    assert "Entries found: 7" in page


def test_real_changes_show_up_with_who_made_them(admin):
    new_application(actor="admin-user")
    page = admin.get("/staff/audit", query_string={"actor": "admin-user", "action": "application"})
    assert "application." in page.get_data(as_text=True)


def test_pages_of_fifty_carry_the_filter(admin):
    for minute in range(120):
        logged("siti", "status.change", "2612010001", f"2025-06-02T{9 + minute // 60:02d}:{minute % 60:02d}:00")
    first = admin.get("/staff/audit", query_string={"actor": "siti"})
    assert len(times(first)) == 50
    page = first.get_data(as_text=True)
    assert "page 1 of 3" in page
    assert 'rel="next" href="/staff/audit?page=2&amp;actor=siti"' in page
    assert len(times(admin.get("/staff/audit", query_string={"actor": "siti", "page": "3"}))) == 20
    assert times(admin.get("/staff/audit", query_string={"actor": "siti", "page": "99"})) == []
    assert len(times(admin.get("/staff/audit", query_string={"actor": "siti", "page": "-1"}))) == 50


def test_the_domain_pages_match_the_page(history):
    entries, total = audit.entries(action="status.", per_page=1, number=2)
    assert total == 2 and [entry.target for entry in entries] == ["2612010001"]


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"since": "2026-13-45"}, "since", "Write a date as YYYY-MM-DD"),
    ({"until": "yesterday"}, "until", "Write a date as YYYY-MM-DD"),
    ({"since": "2026-12-02", "until": "2026-12-01"}, "until", "The end date is before the start date."),
    ({"actor": "x" * 10_000}, "actor", "This is too long."),
    ({"action": "x" * 41}, "action", "This is too long."),
    ({"target": "x" * 81}, "target", "This is too long."),
])
def test_a_bad_filter_is_answered_beside_its_field_and_kept(history, query, field, message):
    response = history.get("/staff/audit", query_string=query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page
    assert f'value="{query[field]}"' in page


@hypothesis_settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["actor", "action", "target", "since", "until", "page", "other"]),
                             st.one_of(texts(), st.just("\x00"), st.just("9" * 30), st.dates().map(str)), max_size=6))
def test_no_filter_is_a_server_error(admin, query):
    assert admin.get("/staff/audit?" + form_body(query).decode("ascii")).status_code in (200, 400)


def test_a_kelurahan_is_shown_by_its_name(admin):
    place = catalog.find_kelurahan("Menteng")
    logged("admin-user", "user.update", "budi", "2025-06-02T10:00:00", before={"kelurahan_id": None},
           after={"kelurahan_id": place.id})
    page = admin.get("/staff/audit", query_string={"target": "budi"}).get_data(as_text=True)
    assert re.search(rf"<del>.*?—</del> <span aria-hidden=\"true\">→</span> <ins>.*?Menteng \({place.id}\)</ins>",
                     page)
