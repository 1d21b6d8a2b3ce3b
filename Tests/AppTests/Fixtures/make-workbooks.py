#!/usr/bin/env python3
"""Makes the workbooks the import tests read, the way real programs make them: openpyxl writes each, and
LibreOffice (soffice) or Gnumeric (ssconvert) saves it again where the case is theirs. Run from this folder:
    python3 make-workbooks.py
needs openpyxl, LibreOffice Calc and Gnumeric (Debian: libreoffice-calc-nogui, gnumeric). The files are committed,
so the tests themselves need none of these."""
import datetime, os, shutil, subprocess, sys, tempfile, unicodedata
import openpyxl
from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HEADER = ["village", "full_name", "role", "phone", "joined_on", "left_on"]
here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp()

def resave(name, program):
    """The workbook saved again by LibreOffice or Gnumeric, as a person who opened and saved it would."""
    src = os.path.join(work, name)
    if program == "libreoffice":
        out = os.path.join(work, "lo")
        os.makedirs(out, exist_ok=True)
        subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, src],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, HOME=work))
        shutil.copy(os.path.join(out, name), os.path.join(here, name))
    elif program == "gnumeric":
        subprocess.run(["ssconvert", "--export-type=Gnumeric_Excel:xlsx2", src, os.path.join(here, name)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        shutil.copy(src, os.path.join(here, name))

# 1904: a member who joined 15/07/2024, in a workbook counting days from 1904 (as Excel for Mac did), saved again
# by LibreOffice, which keeps the workbook's date system.
book = openpyxl.Workbook()
book.epoch = CALENDAR_MAC_1904
sheet = book.active
sheet.title = "Thành viên"
sheet.append(HEADER)
sheet.append(["Vàng Danh 3", "Nguyễn Thị Hoa", "tổ viên", "0912000111", datetime.date(2024, 7, 15), None])
sheet.append(["Vàng Danh 3", "Lê Văn Tâm", "tổ viên", None, datetime.date(2025, 1, 2), datetime.date(2025, 6, 30)])
for cell in ("E2", "E3", "F3"):
    sheet[cell].number_format = "DD/MM/YYYY"
book.save(os.path.join(work, "members-1904.xlsx"))
resave("members-1904.xlsx", "libreoffice")

# A hidden first sheet (an old list kept out of sight), then the visible list, then a visible sheet of notes.
book = openpyxl.Workbook()
old = book.active
old.title = "Danh sách cũ"
old.append(HEADER)
old.append(["Vàng Danh 3", "Người Đã Thôi", "tổ viên", None, datetime.date(2020, 1, 1), None])
old.sheet_state = "hidden"
current = book.create_sheet("Danh sách")
current.append(HEADER)
current.append(["Vàng Danh 3", "Phạm Văn Quang", "tổ viên", None, datetime.date(2025, 8, 1), None])
current["E2"].number_format = "DD/MM/YYYY"
notes = book.create_sheet("Ghi chú")
notes.append(["Lập ngày 01/08/2025"])
book.save(os.path.join(work, "members-hidden-first.xlsx"))
resave("members-hidden-first.xlsx", "libreoffice")

# Villages with populations in a number format of two sections with a colour, a decimal that must not become
# thousands, a header coloured across 79 columns, saved again by Gnumeric (which writes every coloured cell).
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "Thôn"
sheet.append(["village", "kind", "code", "population", "households"])
sheet.append(["Tân Lập", "thôn", None, 1234, 300])
sheet.append(["Hồng Hà", "thôn", None, 1234.5, 300])
fill = PatternFill("solid", fgColor="FFFF00")
for column in range(1, 80):
    sheet.cell(row=1, column=column).fill = fill
for row in (2, 3):
    sheet.cell(row=row, column=4).number_format = "#,##0;[Red]-#,##0"
book.save(os.path.join(work, "villages-gnumeric.xlsx"))
resave("villages-gnumeric.xlsx", "gnumeric")

# openpyxl writes formulas without their values (it does not compute): a name that is a formula, a hidden row,
# blank rows between, and a name typed with its marks apart (NFD).
book = openpyxl.Workbook()
sheet = book.active
sheet.append(HEADER)
sheet.append(["Vàng Danh 3", "=UPPER(\"trần văn an\")", "tổ viên", None, "2025-08-01", None])
sheet.append(["Vàng Danh 3", unicodedata.normalize("NFD", "Nguyễn Thị Lụa"), "tổ viên", None, "2025-08-01", None])
sheet.row_dimensions[3].hidden = True
sheet.append([])
sheet.append([])
sheet.append(["Vàng Danh 3", "Đỗ Văn Bình", "tổ viên", None, "2025-13-01", None])
book.save(os.path.join(work, "members-openpyxl-formula.xlsx"))
resave("members-openpyxl-formula.xlsx", "openpyxl")

# Monthly figures with the month as a month cell (a day formatted mm/yyyy) and as the text the pages write
# (05/2025: the demo's old wards 06808 and 06811 still stood then).
book = openpyxl.Workbook()
sheet = book.active
sheet.append(["unit", "month", "under14_population", "under14_with_id_card"])
sheet.append(["06808", datetime.date(2025, 5, 1), 1980, 1900])
sheet.append(["06811", "05/2025", "1.234", 12])
sheet["B2"].number_format = "mm/yyyy"
book.save(os.path.join(work, "figures-month-cells.xlsx"))
resave("figures-month-cells.xlsx", "libreoffice")
print("written to", here)
