"""The quick .xlsx row reader: the same cells as openpyxl for any sheet openpyxl writes, shared strings and
rich text as Excel writes them, empty rows kept in place, and damaged files refused."""
import io
import re
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from office.imports import SheetRefused
from office.imports import read_records
from office.xlsx_rows import xlsx_rows

# What a cell of openpyxl's can hold: XML has no place for control characters or lone surrogates.
cell_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30)
cell = st.one_of(st.none(), cell_text, st.integers(-10**15, 10**15),
                 st.floats(allow_nan=False, allow_infinity=False), st.just(6.28123456789e11))


def trimmed(rows) -> list[list[str]]:
    """Rows without trailing empty cells, and without the empty rows after the last one holding anything."""
    rows = [list(row) for row in rows]
    for row in rows:
        while row and not row[-1]:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


@settings(max_examples=60, deadline=None)
@given(sheet=st.dictionaries(st.tuples(st.integers(1, 12), st.integers(1, 6)), cell, max_size=30))
def test_any_sheet_openpyxl_writes_reads_as_openpyxl_reads_it(sheet):
    workbook = openpyxl.Workbook()
    for (row, column), value in sorted(sheet.items()):
        workbook.active.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    records, _delimiter = read_records(data)
    assert trimmed(xlsx_rows(data)) == trimmed(records)


def excel_file(sheet_xml: str, shared: str, target: str = "worksheets/sheet1.xml") -> bytes:
    """A workbook as Excel lays it out: shared strings, the sheet found through the workbook's relations."""
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    relations = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook {main} {relations}><sheets>'
                                            f'<sheet name="Daftar" sheetId="1" r:id="rId7"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId1" Target="styles.xml"/>'
                         f'<Relationship Id="rId7" Target="{target}"/></Relationships>')
        archive.writestr("xl/sharedStrings.xml", f"<sst {main}>{shared}</sst>")
        archive.writestr(target.lstrip("/") if target.startswith("/") else "xl/" + target,
                         f"<worksheet {main}><sheetData>{sheet_xml}</sheetData></worksheet>")
    return buffer.getvalue()


SHARED = ('<si><t>No. HP</t></si><si><r><t>08123</t></r><r><rPr><b/></rPr><t>4567890</t></r>'
          '<rPh><t>phonetic</t></rPh></si><si><t xml:space="preserve"> Budi </t></si>')


@pytest.mark.parametrize("target", ["worksheets/sheet1.xml", "/xl/worksheets/daftar.xml"])
def test_excels_shared_strings_rich_text_and_gaps_are_read_in_place(target):
    sheet = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="3"><c r="B3" t="s"><v>2</v></c><c r="A3" t="s"><v>1</v></c></row>'
             '<row r="4"><c t="n"><v>6.28123456789E11</v></c><c><v>81298765432</v></c><c r="ZZ4"><v>1</v></c></row>'
             '<row><c r="A5" t="str"><v>0812-1111-2222</v></c>'
             '<c r="C5" t="inlineStr"><is><t>catatan</t></is></c></row>')
    assert list(xlsx_rows(excel_file(sheet, SHARED, target))) == [
        ["No. HP"], [], ["081234567890", "Budi"], ["628123456789", "81298765432"], ["0812-1111-2222", "", "catatan"]]


@pytest.mark.parametrize("data", [
    b"PK\x03\x04 not a zip",
    excel_file('<row r="1"><c t="s"><v>9</v></c></row>', SHARED),  # a shared string that is not there
    excel_file('<row r="2"></row><row r="1"></row>', SHARED),  # rows out of order
    excel_file("<row><c><v>1</v></c>", SHARED),  # cut short
    excel_file('<row r="1"><c><v>satu</v></c></row>', SHARED),  # a number that is not one
], ids=["not-zip", "missing-string", "out-of-order", "cut-short", "bad-number"])
def test_a_damaged_workbook_is_refused(data):
    with pytest.raises(SheetRefused):
        list(xlsx_rows(data))


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(SheetRefused):
        list(xlsx_rows(buffer.getvalue()))


def test_a_workbook_without_sheets_is_refused():
    data = excel_file("", SHARED)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            body = source.read(name)
            archive.writestr(name, re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", body) if name.endswith(
                "workbook.xml") else body)
    with pytest.raises(SheetRefused):
        list(xlsx_rows(buffer.getvalue()))
