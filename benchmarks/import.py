"""Spreadsheet import and export: how long 20,000 rows take to read, check and import, and what an export
of 100,000 applications costs in time and memory.

Runs against a fresh SQLite database in a temporary folder, or against PostgreSQL when TEST_DATABASE_URL
is set (scripts/with-postgres sets it), with the catalog loaded and no job queue (committed SMS rows are
not handed to Redis). For each form, CSV (";", Windows-1252 as Indonesian Excel saves it) and .xlsx, it
builds a register of --rows rows and measures:

  read+check   office.imports.read_sheet and check: what the preview page does
  import       office.imports.import_rows and the commit: the rows checked again, then registered
               with their history and audit rows (and, in the "+ SMS" runs, a receipt each)

Then it registers --export-rows applications and times the console's exports (CSV and .xlsx) through
the test client, reading the whole body, with the peak of Python memory during each (tracemalloc, in a
second pass, since tracing slows the code it watches).

    .venv/bin/python benchmarks/import.py [--rows 20000] [--export-rows 100000]
    scripts/with-postgres .venv/bin/python benchmarks/import.py
"""
import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SERVICES = ("KTP", "KK", "SKTM", "KIA", "PINDAH")
PLACES = ("Menteng", "Palangka", "Bukit Tunggal", "Petuk Katimpun")
HEADER = ["Layanan", "Nama Pemohon", "No. HP", "Kelurahan", "Keterangan"]


def register_rows(count: int, offset: int) -> list[list]:
    """`count` good rows whose phones start at `offset`, so runs never see each other as duplicates."""
    return [[SERVICES[n % 5], f"Pemohon Nomor {n:06d} José", f"0812{offset + n:08d}", PLACES[n % 4],
             "berkas lengkap" if n % 3 else ""] for n in range(count)]


def as_csv(rows: list[list]) -> bytes:
    return "\r\n".join(";".join(map(str, row)) for row in [HEADER, *rows]).encode("cp1252")


def as_xlsx(rows: list[list]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(work):
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def bench_import(rows: int) -> list[tuple]:
    from extensions import db
    from office import imports

    results = []
    for number, (form, notify) in enumerate([("CSV", False), ("CSV", True), ("xlsx", False), ("xlsx", True)]):
        build = as_csv if form == "CSV" else as_xlsx
        data = build(register_rows(rows, offset=number * rows))

        def read_and_check():
            sheet = imports.read_sheet(data)
            mapping = imports.guess_mapping(sheet.header)
            return sheet, mapping, imports.check(sheet, mapping, scope=None)

        (sheet, mapping, checked), checking = timed(read_and_check)
        assert checked.ok, checked.problems[:3]

        def run_import():
            result = imports.import_rows(sheet, mapping, scope=None, actor="benchmark", notify=notify,
                                         source=f"register.{form.lower()}")
            db.session.commit()
            return result

        result, importing = timed(run_import)
        assert result.count == rows
        results.append((f"{form}{' + SMS' if notify else ''}", len(data), checking, importing))
    return results


def fill(count: int) -> None:
    """Register `count` applications the fast way, to have something to export."""
    from extensions import db
    from office import applications
    from office import catalog

    services = [catalog.get_service(code) for code in SERVICES]
    places = [catalog.find_kelurahan(name) for name in PLACES]
    chunk = 5000
    for start in range(0, count, chunk):
        drafts = [applications.Draft(service=services[n % 5], kelurahan=places[n % 4],
                                     applicant_name=f"=Warga {n}", phone=f"+62813{n:08d}", note="catatan")
                  for n in range(start, min(start + chunk, count))]
        applications.create_many(drafts, actor="benchmark", notify=False)
        db.session.commit()


def bench_export(app, user) -> list[tuple]:
    from tests.conftest import FreshClient

    app.test_client_class = FreshClient
    client = app.test_client()
    client.post("/staff/login", data={"username": user, "password": "benchmark-password-1"})
    results = []
    for fmt in ("csv", "xlsx"):
        def download():
            response = client.get(f"/staff/applications/export.{fmt}")
            assert response.status_code == 200, response.status_code
            size = sum(len(piece) for piece in response.response)
            response.close()
            return size

        size, seconds = timed(download)
        tracemalloc.start()
        download()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append((fmt, size, seconds, peak))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="lekas-import-bench-")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.update(DATABASE_URL=url, SECRET_KEY="benchmark", REDIS_URL="redis://127.0.0.1:1/0",
                      LEKAS_ENV="test")

    from app import create_app
    from commands import init_db
    from extensions import db
    from office import accounts
    from office import outbox

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        init_db()
        outbox.set_dispatcher(None)
        database = db.engine.dialect.name
        print(f"import of {options.rows:,} rows on {database}")
        print(f"{'form':<12}{'file':>10}{'read+check':>13}{'import':>10}")
        for form, size, checking, importing in bench_import(options.rows):
            print(f"{form:<12}{size / 1e6:>8.1f}MB{checking:>12.2f}s{importing:>9.2f}s")

        accounts.create_user("bench-viewer", "Benchmark", "viewer", "benchmark-password-1", actor="benchmark",
                             must_change_password=False)
        db.session.commit()
        imported = options.rows * 4
        _filled, filling = timed(lambda: fill(max(0, options.export_rows - imported)))
        print(f"\nexport of all {max(options.export_rows, imported):,} applications on {database} "
              f"(the imports and more registered in {filling:.1f}s)")
        print(f"{'format':<8}{'file':>10}{'time':>9}{'peak Python memory':>21}")
        for fmt, size, seconds, peak in bench_export(app, "bench-viewer"):
            print(f"{fmt:<8}{size / 1e6:>8.1f}MB{seconds:>8.2f}s{peak / 1e6:>18.1f} MB")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
