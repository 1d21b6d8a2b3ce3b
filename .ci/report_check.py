"""The review report's files are real: the XLSX read back with openpyxl (numbers as numbers, days as dates, the
Vietnamese text intact, widths and a frozen header) and converted by LibreOffice to CSV, both equal to the JSON
export's values; each CSV export equal to its table; the PDF's text, as pdftotext reads it, in Vietnamese.

usage: report_check.py WORK  (WORK holds report.xlsx, report.json, report-<table>.csv, lo/*.csv, report.txt)"""
import csv
import datetime
import glob
import json
import math
import os
import sys

import openpyxl

work = sys.argv[1]
with open(os.path.join(work, "report.json"), encoding="utf-8") as f:
    report = json.load(f)
tables = report["tables"]
assert [t["table"] for t in tables] == ["ranking", "targets", "units", "exemplars"], [t["table"] for t in tables]
assert all(t["rows"] for t in tables), "a table of the demo report is empty"


def same(expected, got, where):
    """A JSON value against a cell: numbers to 1e-9, days as yyyy-mm-dd."""
    if expected is None:
        assert got in (None, ""), f"{where}: expected nothing, got {got!r}"
    elif isinstance(expected, (int, float)):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{where}: {got!r} is not a number"
        assert math.isclose(expected, got, abs_tol=1e-9), f"{where}: {expected} != {got}"
    elif isinstance(got, datetime.datetime):
        assert got.date().isoformat() == expected, f"{where}: {expected} != {got}"
    else:
        assert got == expected, f"{where}: {expected!r} != {got!r}"


book = openpyxl.load_workbook(os.path.join(work, "report.xlsx"))
assert [ws.title for ws in book.worksheets] == [t["title"] for t in tables]
for table, ws in zip(tables, book.worksheets):
    assert ws.freeze_panes == "A2", f"{ws.title}: header not frozen"
    assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width > 5 for i in range(len(table["columns"])))
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == table["columns"], f"{ws.title}: header {rows[0]}"
    assert len(rows) - 1 == len(table["rows"]), f"{ws.title}: {len(rows) - 1} rows, JSON has {len(table['rows'])}"
    for r, (want, got) in enumerate(zip(table["rows"], rows[1:]), start=2):
        for c, (e, g) in enumerate(zip(want, got)):
            same(e, g, f"{ws.title}!{openpyxl.utils.get_column_letter(c + 1)}{r}")
    # Days are date cells, not text.
    if table["table"] == "exemplars":
        assert all(isinstance(row[0], datetime.datetime) for row in rows[1:])

# LibreOffice's CSV of each sheet: the same values (numbers as it prints them, days as dd/mm/yyyy).
for table in tables:
    path = os.path.join(work, "lo", f"report-{table['title']}.csv")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == table["columns"], f"{path}: header {rows[0]}"
    assert len(rows) - 1 == len(table["rows"]), f"{path}: {len(rows) - 1} rows"
    for want, got in zip(table["rows"], rows[1:]):
        for e, g in zip(want, got):
            if e is None:
                assert g == "", (path, e, g)
            elif isinstance(e, (int, float)):
                assert math.isclose(float(g), e, abs_tol=1e-9), (path, e, g)
            elif len(e) == 10 and e[4] == "-" and e[7] == "-":
                assert g == f"{e[8:10]}/{e[5:7]}/{e[0:4]}", (path, e, g)
            else:
                assert g == e, (path, e, g)

# The CSV exports: UTF-8 with a byte-order mark, the JSON's values as text.
for table in tables:
    with open(os.path.join(work, f"report-{table['table']}.csv"), encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == table["columns"]
    for want, got in zip(table["rows"], rows[1:]):
        for e, g in zip(want, got):
            if isinstance(e, (int, float)):
                assert math.isclose(float(g), e, abs_tol=1e-9), (e, g)
            else:
                assert g == (e or ""), (e, g)

# The PDF, as text.
with open(os.path.join(work, "report.txt"), encoding="utf-8") as f:
    text = " ".join(f.read().split())
for phrase in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "Sơ kết Đợt 1",
               "KẾT QUẢ THỰC HIỆN CÁC NỘI DUNG, CHỈ TIÊU", "XẾP HẠNG THI ĐUA", "TẬP THỂ, CÁ NHÂN ĐIỂN HÌNH", "phường Vàng Danh",
               "Nơi nhận:"]:
    assert phrase in text, f"the PDF lacks “{phrase}”"
first = tables[0]["rows"][0]
assert first[3] in text, f"the PDF lacks the first ranked unit {first[3]}"
print(f"report files agree: {sum(len(t['rows']) for t in tables)} rows in {len(tables)} tables; XLSX, LibreOffice, CSV, PDF")
