"""Lists of applications as CSV and .xlsx files, written as they are read so a large list never sits in
memory whole.

A cell that starts like a formula (= + - @, or a tab or carriage return before one) is made plain text,
so a name typed as "=HYPERLINK(...)" at the counter can never run in the spreadsheet of whoever exports
it: in CSV with a leading apostrophe, in .xlsx as a string cell with Excel's quote prefix.
"""
import csv
import io
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from functools import cache

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from extensions import db
from office import audit
from office import clock
from office import lifecycle
from office import phones
from office import search
from office import working_days
from office.i18n import N_
from office.i18n import pick
from office.i18n import t

COLUMNS = (
    N_("Reference"), N_("Service code"), N_("Service name"), N_("Applicant"), N_("Phone"), N_("Kelurahan"),
    N_("Status code"), N_("Status"), N_("Note"), N_("Created"), N_("Last change"), N_("Overdue"),
)
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M"
_READ_CHUNK = 1000
_WRITE_CHUNK = 500


def header(lang: str) -> list[str]:
    """The column names in `lang`; the import recognises them, so an export can be fixed and imported again."""
    return [t(lang, name) for name in COLUMNS]


def rows(flt: search.Filter, scope: int | None, lang: str) -> Iterator[list]:
    """The applications matching `flt` within `scope`, in the list's order, one list of cells each.

    Times are office-local datetimes; everything else is text.
    """
    today = clock.local(clock.utcnow()).date()
    yes, no = t(lang, "Yes"), t(lang, "No")

    @cache
    def overdue_until(days: int):
        return working_days.latest_start_overdue(days, today)

    labels = {status: t(lang, label) for status, label in lifecycle.LABELS.items()}
    result = db.session.scalars(search.query(flt, scope).execution_options(yield_per=_READ_CHUNK))
    for application in result:
        created = clock.local(application.created_at)
        service = application.service
        overdue = application.status in lifecycle.OPEN and created.date() <= overdue_until(service.processing_days)
        yield [application.reference, service.code, pick(service.name, lang), application.applicant_name,
               phones.local_format(application.phone), application.kelurahan.name, application.status,
               labels[application.status],
               application.note or "", created.replace(tzinfo=None),
               clock.local(application.status_changed_at).replace(tzinfo=None), yes if overdue else no]


def record(actor: str, flt: search.Filter, scope: int | None, fmt: str) -> int:
    """Audit an export of `flt` within `scope` (who, which filter, how many rows) in the current
    transaction; returns the number of rows."""
    rows_count = search.count(flt, scope)
    audit.record(actor, "applications.export", fmt, filter=flt.args(), kelurahan_scope=scope, rows=rows_count)
    return rows_count


def guard(value: str) -> str:
    """`value` as CSV text that a spreadsheet shows and never evaluates."""
    return "'" + value if value.startswith(DANGEROUS) else value


def _csv_cell(value) -> str:
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    return guard("" if value is None else str(value))


def csv_chunks(head: list[str], body: Iterable[list], delimiter: str = ",") -> Iterator[str]:
    """A CSV file in pieces: a UTF-8 BOM (so Excel reads the names right), the header, then `body`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_csv_cell(cell) for cell in head])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(body, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if count % _WRITE_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(head: list[str], body: Iterable[list], fh, title: str) -> None:
    """An .xlsx file of `head` and `body` into the binary file `fh`; openpyxl's write-only mode keeps
    rows on disk, not in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, cell) for cell in head])
    for row in body:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    workbook.save(fh)


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    text = "" if value is None else str(value)
    cell = WriteOnlyCell(sheet, text)
    # openpyxl would store "=..." as a formula; a string cell is only ever shown.
    cell.data_type = "s"
    if text.startswith(DANGEROUS):
        cell.quotePrefix = True
    return cell
