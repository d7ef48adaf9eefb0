"""Finding applications: each filter, the search box (reference, name part, phone in any format), sorting,
pages, the overdue rule in working days across weekends and holidays, and the kelurahan scope."""
from datetime import date

import pytest

from extensions import db
from office import catalog
from office import search
from office.errors import DomainError
from office.models import Application
from tests.helpers import new_application


def references(flt: search.Filter, scope=None) -> list[str]:
    return [a.reference for a in db.session.scalars(search.query(flt, scope)).unique()]


def matches(scope=None, **args) -> set[str]:
    return set(references(search.Filter.from_args(args), scope))


def test_each_filter_narrows_to_its_applications(app):
    ktp = new_application("KTP", "Budi Santoso", kelurahan="Menteng")
    kk = new_application("KK", "Siti Aminah", "081298765432", kelurahan="Palangka", moves=["VERIFYING"])
    assert matches(status="VERIFYING") == {kk.reference}
    assert matches(status="verifying") == {kk.reference}
    assert matches(service="KK") == {kk.reference}
    assert matches(kelurahan=catalog.find_kelurahan("Menteng").code) == {ktp.reference}
    assert matches(kelurahan="Palangka") == {kk.reference}
    assert matches(status="VERIFYING", service="KTP") == set()
    assert matches() == {ktp.reference, kk.reference}


@pytest.mark.parametrize("typed", ["0812-3456-7890", "081234567890", "+62 812 3456 7890", "6281234567890",
                                   "(0812) 3456 7890"])
def test_a_phone_in_any_format_finds_its_applications(app, typed):
    mine = new_application(phone="+6281234567890")
    new_application(phone="081298765432")
    assert matches(q=typed) == {mine.reference}


def test_the_last_digits_of_a_phone_find_it_too(app):
    mine = new_application(phone="081234567890")
    new_application(phone="081298765432")
    assert matches(q="7890") == {mine.reference}


def test_a_reference_finds_exactly_its_application_even_typed_in_groups(app):
    wanted, other = new_application(), new_application()
    ref = wanted.reference
    assert matches(q=ref) == {wanted.reference}
    assert matches(q=f"{ref[:3]}-{ref[3:6]} {ref[6:]}") == {wanted.reference}
    assert other.reference not in matches(q=ref)


@pytest.mark.parametrize("typed", ["budi", "SANTOSO", "di San", "Budi Santoso"])
def test_part_of_a_name_finds_it_in_any_case(app, typed):
    budi = new_application(name="Budi Santoso")
    new_application(name="Siti Aminah")
    assert matches(q=typed) == {budi.reference}


def test_search_wildcards_are_taken_literally(app):
    new_application(name="Budi Santoso")
    assert matches(q="%") == set()
    assert matches(q="_") == set()


def test_submitted_dates_are_office_days_inclusive(app, settings):
    # Half an hour either side of the office's midnight: the days are the office's, not UTC's.
    settings(LEKAS_CLOCK="2026-11-30T23:30:00+07:00")
    late = new_application()
    settings(LEKAS_CLOCK="2026-12-01T00:15:00+07:00")
    early = new_application()
    assert matches(created_to="2026-11-30") == {late.reference}
    assert matches(created_from="2026-12-01") == {early.reference}
    assert matches(created_from="2026-11-30", created_to="2026-12-01") == {late.reference, early.reference}


# KK's standard is 1 working day. Friday 14 August 2026, then Saturday, Sunday and Independence Day on
# Monday the 17th: it is due on Tuesday the 18th and overdue from Wednesday the 19th.
@pytest.mark.parametrize("today, overdue", [
    ("2026-08-15T09:00:00+07:00", False),  # Saturday
    ("2026-08-17T09:00:00+07:00", False),  # the holiday
    ("2026-08-18T16:00:00+07:00", False),  # the day it is due
    ("2026-08-19T08:00:00+07:00", True),
])
def test_overdue_counts_working_days_past_weekends_and_holidays(app, settings, today, overdue):
    settings(LEKAS_CLOCK="2026-08-14T10:00:00+07:00")
    kk = new_application("KK")
    settings(LEKAS_CLOCK=today)
    assert search.is_overdue(db.session.get(Application, kk.id)) is overdue
    assert matches(overdue="1") == ({kk.reference} if overdue else set())


def test_finished_applications_are_never_overdue(app, settings):
    settings(LEKAS_CLOCK="2026-08-03T10:00:00+07:00")
    done = new_application("KK", moves=["VERIFYING", ("REJECTED", "Berkas palsu")])
    open_one = new_application("KK")
    settings(LEKAS_CLOCK="2026-09-01T10:00:00+07:00")
    assert matches(overdue="1") == {open_one.reference}
    assert not search.is_overdue(db.session.get(Application, done.id))


def test_a_kelurahan_scope_never_shows_another_kelurahan(app):
    menteng = catalog.find_kelurahan("Menteng")
    mine = new_application(name="Budi Santoso", kelurahan="Menteng")
    theirs = new_application(name="Budi Santoso", phone="081298765432", kelurahan="Palangka")
    assert matches(scope=menteng.id) == {mine.reference}
    assert matches(scope=menteng.id, q="Budi") == {mine.reference}
    assert matches(scope=menteng.id, q=theirs.reference) == set()
    assert matches(scope=menteng.id, kelurahan="Palangka") == set()
    assert search.count(search.Filter(), menteng.id) == 1


@pytest.mark.parametrize("sort, key, descending", [
    ("name", lambda a: a.applicant_name, False),
    ("-name", lambda a: a.applicant_name, True),
    ("reference", lambda a: a.reference, False),
    ("-created", lambda a: a.id, True),
    ("created", lambda a: a.id, False),
])
def test_sorting_by_each_column(app, sort, key, descending):
    made = [new_application(name=name) for name in ("Citra", "Andi", "Budi")]
    expected = [a.reference for a in sorted(made, key=key, reverse=descending)]
    assert references(search.Filter.from_args({"sort": sort})) == expected


def test_pages_do_not_overlap_and_count_everything(app):
    made = {new_application().reference for _ in range(5)}
    flt = search.Filter()
    pages = [search.page(flt, None, number, per_page=2) for number in (1, 2, 3)]
    seen = [a.reference for p in pages for a in p.items]
    assert len(seen) == len(set(seen)) == 5 and set(seen) == made
    assert pages[0].total == 5 and pages[0].pages == 3


def test_a_page_past_the_end_is_the_last_page(app):
    for _ in range(5):
        new_application()
    beyond = search.page(search.Filter(), None, 99, per_page=2)
    assert (beyond.number, len(beyond.items)) == (3, 1)
    assert search.page(search.Filter(q="nobody at all"), None, 7).number == 1


def test_part_of_a_phone_as_the_console_writes_it_finds_the_application(app):
    budi = new_application(phone="0812-3456-7890")
    for typed in ("0812-3456", "812-3456", "3456-7890", "62812345"):
        assert [a.reference for a in search.page(search.Filter(q=typed), None).items] == [budi.reference], typed


@pytest.mark.parametrize("args, field", [
    ({"q": "x" * (search.MAX_QUERY + 1)}, "q"),
    ({"status": "LOST"}, "status"),
    ({"service": "NOPE"}, "service"),
    ({"kelurahan": "Atlantis Raya Selatan"}, "kelurahan"),
    ({"created_from": "30-11-2026"}, "created_from"),
    ({"created_to": "0001-01-01"}, "created_to"),
    ({"created_from": "2026-12-02", "created_to": "2026-12-01"}, "created_to"),
    ({"sort": "phone"}, "sort"),
])
def test_a_value_that_cannot_mean_anything_is_refused_naming_its_field(app, args, field):
    with pytest.raises(DomainError) as refused:
        search.Filter.from_args(args)
    assert refused.value.details["field"] == field


def test_filter_args_round_trip(app):
    flt = search.Filter.from_args({"q": "Budi", "status": "READY", "overdue": "1", "created_from": "2026-11-01",
                                   "sort": "name"})
    assert search.Filter.from_args(flt.args()) == flt
    assert flt.args(sort=search.DEFAULT_SORT) == {"q": "Budi", "status": "READY", "overdue": "1",
                                                  "created_from": "2026-11-01"}
    assert search.Filter.from_args({"created_from": "2026-11-01"}).created_from == date(2026, 11, 1)
