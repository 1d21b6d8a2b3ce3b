#!/usr/bin/env python3
"""The review report's PDF checked against the presentation rules of Decree 30/2020/NĐ-CP, Appendix I
(shared/research/decree30-presentation.md), by where pdfminer finds each element, in which font and at what size.

    python3 .ci/report_layout.py REPORT.pdf

Exits 1 with every rule broken. pdfminer.six reads the file as any PDF reader would; nothing of ThiĐua's own code
is used to read it back."""
import re
import sys

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTCurve, LTLine, LTRect, LTTextContainer, LTTextLine
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.psparser import PSLiteral

MM = 72 / 25.4
path = sys.argv[1]
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def lines_of(page):
    """Every text line of a page: its text, box, and the fonts and sizes of its characters."""
    out = []
    def walk(item):
        if isinstance(item, LTTextLine):
            chars = [c for c in item if isinstance(c, LTChar)]
            if chars:
                out.append({"text": item.get_text().strip(), "x0": item.x0, "x1": item.x1, "y0": item.y0, "y1": item.y1,
                            "fonts": {c.fontname.split("+")[-1] for c in chars}, "sizes": {round(c.size, 1) for c in chars},
                            "subset": all("+" in c.fontname for c in chars)})
        elif isinstance(item, LTTextContainer) or hasattr(item, "__iter__"):
            for child in item:
                walk(child)
    for item in page:
        walk(item)
    return out


def rules_of(page):
    """Horizontal strokes (rules), not table borders."""
    return [r for r in page if isinstance(r, (LTLine, LTCurve)) and not isinstance(r, LTRect) and abs(r.y1 - r.y0) < 0.5]


def find(lines, pattern):
    return [l for l in lines if re.search(pattern, l["text"])]


def style(line):
    fonts = line["fonts"]
    return {"bold": all("Bold" in f for f in fonts), "italic": all("Italic" in f for f in fonts),
            "upright": not any("Italic" in f for f in fonts), "regular": all(f.endswith("Regular") for f in fonts)}


def size_in(line, low, high):
    return all(low - 0.05 <= s <= high + 0.05 for s in line["sizes"])


laparams = LAParams(line_margin=0.2, char_margin=3.0, word_margin=0.1)
pages = list(extract_pages(path, laparams=laparams))
check(len(pages) >= 2, f"the report has {len(pages)} page(s); the checks need two")
first, second = lines_of(pages[0]), lines_of(pages[1])
width, height = pages[0].width, pages[0].height
check(abs(width - 595.28) < 1 and abs(height - 841.89) < 1, f"page size {width}×{height}, not A4")
left_edge, right_edge = 30 * MM, width - 15 * MM
middle = (left_edge + right_edge) / 2

# Margins: text within 30 mm on the left, 15–20 mm on the right, 20–25 mm at top and foot (page numbers sit in the
# top margin).
for number, lines in ((1, first), (2, second)):
    body = [l for l in lines if not re.fullmatch(r"\d+", l["text"])]
    check(min(l["x0"] for l in body) >= left_edge - 1, f"page {number}: text left of the 30 mm margin")
    check(max(l["x1"] for l in body) <= width - 15 * MM + 1, f"page {number}: text right of the 15 mm margin")
    check(max(l["y1"] for l in body) <= height - 20 * MM + 1, f"page {number}: text above the 20 mm margin")
    check(min(l["y0"] for l in body) >= 20 * MM - 4, f"page {number}: text below the 20 mm margin")

# Quốc hiệu: upper case, 12–13 pt, bold, in the right half; Tiêu ngữ under it, 13–14 pt bold, a rule as long as it.
nation = find(first, r"^CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM$")
check(len(nation) == 1, "the national name is not on one line of its own")
motto = find(first, r"^Độc lập - Tự do - Hạnh phúc$")
check(len(motto) == 1, "the motto is not on one line of its own")
if nation and motto:
    n, m = nation[0], motto[0]
    check(style(n)["bold"] and size_in(n, 12, 13), f"national name: {n['fonts']} {n['sizes']}, not bold 12–13 pt")
    check(style(m)["bold"] and size_in(m, 13, 14), f"motto: {m['fonts']} {m['sizes']}, not bold 13–14 pt")
    check(n["x0"] > middle - 60, "the national name is not in the heading's right column")
    check(m["y1"] < n["y0"] + 1, "the motto is not under the national name")
    under = [r for r in rules_of(pages[0]) if m["y0"] - 8 < r.y0 < m["y0"]]
    check(len(under) == 1, f"{len(under)} rules under the motto, not one")
    if under:
        r = under[0]
        check(abs((r.x1 - r.x0) - (m["x1"] - m["x0"])) < 3, f"the motto's rule is {r.x1 - r.x0:.1f} pt, the motto {m['x1'] - m['x0']:.1f} pt")
        check(abs((r.x0 + r.x1) / 2 - (m["x0"] + m["x1"]) / 2) < 2, "the motto's rule is not centred under it")

# The parent body upright, the issuing body bold under it, a rule of a third to a half of its line under its last line.
parent = find(first, r"^UBND THÀNH PHỐ UÔNG BÍ$")
check(len(parent) == 1 and not style(parent[0])["bold"] and size_in(parent[0], 12, 13), "the parent body is not upright, 12–13 pt, on its line")
issuer = [l for l in first if l["x1"] < middle + 20 and l["y0"] > height - 70 * MM and style(l)["bold"]]
check(len(issuer) >= 1, "no issuing body in bold in the heading's left column")
if issuer:
    last = min(issuer, key=lambda l: l["y0"])
    widest = max(l["x1"] - l["x0"] for l in issuer)
    check(all(size_in(l, 12, 13) for l in issuer), "the issuing body is not 12–13 pt")
    under = [r for r in rules_of(pages[0]) if last["y0"] - 9 < r.y0 < last["y0"] and r.x1 < middle + 20]
    check(len(under) == 1, f"{len(under)} rules under the issuing body's last line, not one")
    if under:
        share = (under[0].x1 - under[0].x0) / widest
        check(0.32 <= share <= 0.5, f"the issuing body's rule is {share:.2f} of its line, not a third to a half")
        check(under[0].y0 < last["y0"] + 0.1, "the issuing body's rule crosses its last line")

# The number upright and the place and date in italic, on one row; the date written as the decree writes it.
number = find(first, r"^Số: ")
date = find(first, r"ngày .* tháng .* năm")
check(len(number) == 1 and style(number[0])["upright"] and size_in(number[0], 13, 13), "the number is not upright at 13 pt")
check(len(date) == 1 and style(date[0])["italic"] and size_in(date[0], 13, 14), "the place and date are not in italic at 13–14 pt")
if number and date:
    check(abs(number[0]["y0"] - date[0]["y0"]) < 1.5, "the number and the date are not on one row")
    check(re.search(r"ngày (\d{2}|…) tháng (0[12]|[3-9]|1[0-2]|…) năm", date[0]["text"]) is not None, f"the date line reads “{date[0]['text']}”")

# "BÁO CÁO" and its title bold, centred, a short rule under the title.
kind = find(first, r"^BÁO CÁO$")
check(len(kind) == 1, "no BÁO CÁO on a line of its own")
if kind:
    k = kind[0]
    check(style(k)["bold"] and size_in(k, 13, 14), "BÁO CÁO is not bold at 13–14 pt")
    check(abs((k["x0"] + k["x1"]) / 2 - middle) < 2, "BÁO CÁO is not centred")
    title = [l for l in first if l["y1"] < k["y0"] + 1 and l["y0"] > k["y0"] - 70 and style(l)["bold"] and l is not k]
    check(len(title) >= 1 and all(size_in(l, 13, 14) for l in title), "the title is not bold at 13–14 pt under BÁO CÁO")
    if title:
        bottom = min(title, key=lambda l: l["y0"])
        under = [r for r in rules_of(pages[0]) if bottom["y0"] - 10 < r.y0 < bottom["y0"]]
        check(len(under) == 1 and abs((under[0].x0 + under[0].x1) / 2 - middle) < 2, "no short centred rule under the title")

# The body: 13–14 pt, justified, the first line indented 1–1.27 cm.
body = find(first, r"^Đợt 1 \(")
check(len(body) == 1, "no body paragraph found")
if body:
    indent = (body[0]["x0"] - left_edge) / MM
    check(10 - 0.3 <= indent <= 12.7 + 0.3, f"the body's first line is indented {indent:.1f} mm, not 10–12.7")
    check(size_in(body[0], 13, 14) and style(body[0])["regular"], "the body is not upright at 13–14 pt")
    follow = [l for l in first if body[0]["y0"] - 20 < l["y0"] < body[0]["y0"] - 5 and abs(l["x0"] - left_edge) < 1]
    check(len(follow) >= 1, "the body's second line does not start at the margin")

# Page numbers: none on page 1; from page 2, centred in the top margin, upright, 13–14 pt.
top_margin = height - 20 * MM
check(not [l for l in first if l["y0"] > top_margin], "page 1 has text in its top margin (a page number?)")
numbers = [l for l in second if l["y0"] > top_margin]
check(len(numbers) == 1 and numbers[0]["text"] == "2", f"page 2's top margin holds {[l['text'] for l in numbers]}, not “2”")
if numbers:
    p = numbers[0]
    check(abs((p["x0"] + p["x1"]) / 2 - width / 2) < 2, "the page number is not centred")
    check(style(p)["regular"] and size_in(p, 13, 14), "the page number is not upright at 13–14 pt")

# Dates in tables never broken inside the number.
everything = [l for page in pages for l in lines_of(page)]
days = [m.group(0) for l in everything for m in re.finditer(r"\b\d{2}/\d{2}/\d*", l["text"])]
broken = [d for d in days if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", d)]
check(days and not broken, f"days broken inside the number: {broken[:5]} (of {len(days)})")

# "Nơi nhận:" bold italic at 12 pt, its list at 11.
recipients = find(everything, r"^Nơi nhận:")
check(len(recipients) == 1, "no “Nơi nhận:”")
if recipients:
    r = recipients[0]
    check(style(r)["bold"] and style(r)["italic"] and size_in(r, 12, 12), f"“Nơi nhận:” is {r['fonts']} {r['sizes']}, not bold italic 12 pt")
    listed = [l for l in everything if l["text"].startswith("- ") and l["x0"] < middle]
    check(listed and all(size_in(l, 11, 11) for l in listed), "the recipients are not at 11 pt")

# Fonts embedded as subsets; the file small; a title and a language.
check(all(l["subset"] for l in everything), "a font is not embedded as a subset")
with open(path, "rb") as f:
    data = f.read()
    check(len(data) < 120_000, f"the PDF is {len(data)} bytes")
    document = PDFDocument(PDFParser(open(path, "rb")))
    info = document.info[0] if document.info else {}
    title = info.get("Title", b"")
    title = title.decode("utf-16") if title.startswith(b"\xfe\xff") else title.decode("latin-1")
    check(title.startswith("Báo cáo "), f"the PDF's title is “{title}”")
    lang = document.catalog.get("Lang")
    check(lang in (b"vi-VN", "vi-VN") or (isinstance(lang, PSLiteral) and lang.name == "vi-VN"), f"the PDF's language is {lang!r}")

if problems:
    print("The report's PDF breaks the presentation rules of Decree 30/2020:")
    for p in problems:
        print(" -", p)
    sys.exit(1)
print(f"report layout: {len(pages)} pages, every checked rule of Decree 30/2020 Appendix I holds ({len(data)} bytes)")
