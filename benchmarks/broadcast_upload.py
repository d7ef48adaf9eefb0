"""The broadcast composer's preview for an uploaded phone list: how long 100,000 numbers take, CSV and .xlsx.

Runs against a fresh SQLite database in a temporary folder, or against PostgreSQL when TEST_DATABASE_URL
is set (scripts/with-postgres sets it), with no job queue. The list has --numbers lines ("No;Nama;No. HP",
";" as Indonesian Excel saves CSV): 3 % of its numbers belong to citizens who opted out, 2 % of its lines
repeat an earlier number and 0.5 % hold no valid number; a fifth of the numbers belong to subscribers
(whose language is looked up). For each form it measures, best of --repeat:

  read file      every line read as the preview reads it (office.imports.read_records for CSV,
                 office.xlsx_rows for .xlsx): the baseline of only reading the file
  pasted         office.broadcasts.preview of the same numbers as {"phones": [...]} (what the API does
                 with a pasted list), already read: the baseline of the checks without the file
  preview        office.phone_lists.read_phone_list and office.broadcasts.preview: what the composer's
                 preview does (parse, normalize, opt-out and duplicate removal, cost)
  create+fan-out office.broadcasts.create from the read list, then materialize (one outbox row per
                 recipient) and the commit: what confirming costs, the worker's part included

    .venv/bin/python benchmarks/broadcast_upload.py [--numbers 100000] [--repeat 3]
    scripts/with-postgres .venv/bin/python benchmarks/broadcast_upload.py
"""
import argparse
import io
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# In place of this folder, whose queue.py would hide the standard library's from redis.
sys.path[0] = ROOT

TEXT = "Pengumuman Kec. Jekan Raya: perekaman KTP-el keliling hari Sabtu 08.00-12.00 di kantor kelurahan."
HEADER = ["No", "Nama", "No. HP"]


def phone(n: int) -> str:
    return f"0812{n:08d}"


def list_rows(count: int) -> list[list[str]]:
    """`count` lines: every 50th repeats the line before it, every 200th holds a word instead of a number."""
    rows = []
    for n in range(count):
        if n % 200 == 199:
            number = "tidak ada"
        elif n % 50 == 49:
            number = rows[-1][2]
        else:
            number = phone(n)
        rows.append([str(n + 1), f"Warga {n:06d}", number])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    return "\r\n".join(";".join(row) for row in [HEADER, *rows]).encode("cp1252")


def as_xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_citizens(count: int) -> None:
    """Every 5th number of the list a subscriber, every 33rd one who opted out."""
    from sqlalchemy import insert

    from extensions import db
    from office.clock import utcnow
    from office.models import Citizen
    from office.phones import normalize_mobile

    now = utcnow()
    rows = [{"phone": normalize_mobile(phone(n)), "language": "en" if n % 10 == 0 else "id",
             "subscribed": n % 33 != 0, "subscribed_at": now, "opted_out_at": now if n % 33 == 0 else None,
             "created_at": now} for n in range(count) if n % 5 == 0 or n % 33 == 0]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Citizen), rows[start:start + 5000])
    db.session.commit()


def best(work, repeat: int):
    """The work's result and its fastest time over `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return result, min(times)


def drain(data: bytes, quick_xlsx: bool = True) -> int:
    from office.imports import read_records
    from office.xlsx_rows import xlsx_rows

    records = xlsx_rows(data) if quick_xlsx and data.startswith(b"PK") else read_records(data)[0]
    return sum(1 for _ in records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="lekas-upload-bench-")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.update(DATABASE_URL=url, SECRET_KEY="benchmark", REDIS_URL="redis://127.0.0.1:1/0",
                      LEKAS_ENV="test")

    from app import create_app
    from commands import init_db
    from extensions import db
    from office import broadcasts
    from office import outbox
    from office.phone_lists import MAX_NUMBERS
    from office.phone_lists import read_phone_list

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        init_db()
        outbox.set_dispatcher(None)
        add_citizens(options.numbers)
        rows = list_rows(options.numbers)
        print(f"preview of {options.numbers:,} uploaded numbers on {db.engine.dialect.name}, best of {options.repeat}")
        print(f"{'form':<6}{'file':>9}{'read file':>11}{'pasted':>9}{'preview':>9}{'create+fan-out':>16}"
              f"{'recipients':>12}{'opted out':>11}{'duplicates':>12}{'invalid':>9}")
        for form, data in (("CSV", as_csv(rows)), ("xlsx", as_xlsx(rows))):
            _lines, reading = best(lambda data=data: drain(data), options.repeat)
            pasted_numbers = read_phone_list(data).phones
            _pasted, pasting = best(lambda numbers=pasted_numbers: broadcasts.preview(
                TEXT, None, {"phones": numbers}, max_phones=MAX_NUMBERS), options.repeat)

            def previewing(data=data):
                phones = read_phone_list(data)
                return phones, broadcasts.preview(TEXT, None, {"phones": phones.phones}, max_phones=MAX_NUMBERS)

            (phones, summary), preview_time = best(previewing, options.repeat)

            def confirming(numbers=phones.phones):
                broadcast, _summary = broadcasts.create(TEXT, None, {"phones": numbers}, actor="benchmark",
                                                        max_phones=MAX_NUMBERS)
                written = broadcasts.materialize(broadcast.id)
                db.session.commit()
                return written

            written, confirm_time = best(confirming, 1)
            assert written == summary.recipients
            print(f"{form:<6}{len(data) / 1e6:>7.1f}MB{reading:>10.2f}s{pasting:>8.2f}s{preview_time:>8.2f}s"
                  f"{confirm_time:>15.2f}s{summary.recipients:>12,}{summary.removed_opted_out:>11,}"
                  f"{summary.removed_duplicates:>12,}{len(phones.invalid):>9,}")
        xlsx = as_xlsx(rows)
        _lines, openpyxl_time = best(lambda: drain(xlsx, quick_xlsx=False), 1)
        print(f"(the same .xlsx read by openpyxl's read-only mode, as office.imports does: {openpyxl_time:.2f}s)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
