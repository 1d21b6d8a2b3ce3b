import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Cells of imported files: every value as the person saw it, or refused")
struct SheetCellTests {
    func count(_ text: String) -> Result<Int?, CellIssue> { CellValue.count(.text(text), maximum: 10_000_000) }
    func key(_ result: Result<Int?, CellIssue>) -> String? {
        if case .failure(let issue) = result { return issue.key }
        return nil
    }

    @Test("A decimal is never taken for thousands; thousands need three digits a group")
    func decimalsAndThousands() throws {
        // Seen stored as 12345 and 845 before: now refused as fractions.
        #expect(key(count("1234.5")) == "import.notWhole")
        #expect(key(count("84.5")) == "import.notWhole")
        #expect(key(count("84,5")) == "import.notWhole")
        #expect(key(count("1.234,5")) == "import.notWhole")
        #expect(key(count("1,2345")) == "import.notWhole")
        // Thousands as Vietnam (and the US) write them.
        #expect(try count("1.234").get() == 1234)
        #expect(try count("1,234").get() == 1234)
        #expect(try count("1.234.567").get() == 1_234_567)
        #expect(try count("12 345").get() == 12345)
        #expect(try count("12\u{00A0}345").get() == 12345)
        #expect(try count("1234").get() == 1234)
        #expect(try count(" 0 ").get() == 0)
        // A decimal whose fraction is zero is the whole number it shows.
        #expect(try count("1234,00").get() == 1234)
        #expect(try count("1,234.00").get() == 1234)
        // Neither thousands nor one decimal: refused, with how to write it.
        #expect(key(count("1234.567")) == "import.numberAmbiguous")
        #expect(key(count("12.34.56")) == "import.numberAmbiguous")
        #expect(key(count("1.234,567.8")) == "import.numberAmbiguous")
        #expect(key(count("1 23")) == "import.numberAmbiguous")
        // Not numbers at all.
        for text in ["-5", "+5", "５", "1..2", "1.", ".5", "hai", "1e3", "(5)"] { #expect(key(count(text)) == "import.value", "\(text)") }
        #expect(try count("").get() == nil && CellValue.count(.empty, maximum: 1).map { $0 } == .success(nil))
        #expect(key(count("10000001")) == "import.value")
    }

    @Test("Number cells: whole at a spreadsheet's 15 digits, a fraction refused, a day or a time is not a count")
    func numberCells() throws {
        #expect(try CellValue.count(.number(1234), maximum: 9999).get() == 1234)
        #expect(try CellValue.count(.number(12.000000000000002), maximum: 99).get() == 12)
        #expect(key(CellValue.count(.number(1234.5), maximum: 9999)) == "import.notWhole")
        #expect(key(CellValue.count(.number(-1), maximum: 9999)) == "import.value")
        #expect(key(CellValue.count(.number(1e20), maximum: 9999)) == "import.value")
        #expect(key(CellValue.count(.day(LocalDate(iso: "1903-05-18")!), maximum: 9999)) == "import.value")
        #expect(key(CellValue.count(.shown(0.5, .time), maximum: 9999)) == "import.value")
        #expect(key(CellValue.count(.formulaWithoutValue, maximum: 9999)) == "import.formulaNoValue")
        #expect(key(CellValue.count(.error("#REF!"), maximum: 9999)) == "import.cellError")
        #expect(CellValue.text(.number(912_345_678)) == .success("912345678"))
        #expect(CellValue.plainText(.number(1234.5)) == "1234.5" && CellValue.plainText(.day(LocalDate(iso: "2024-07-15")!)) == "15/07/2024")
    }

    @Test("Number formats read as spreadsheets read them: sections, colours, locales, quoted text, elapsed time")
    func formats() {
        let cases: [(String, NumberFormat.Kind)] = [
            ("General", .general), ("0", .number), ("#,##0", .number), ("#,##0;[Red]-#,##0", .number), ("[Red]0", .number),
            ("[Blue]#,##0;[Red](#,##0)", .number), ("#,##0 \"người\"", .number), ("_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)", .number),
            ("[$₫-42A]#,##0", .number), ("[<=9999999]###-####;(###) ###-####", .number), ("# ?/?", .number),
            ("dd/mm/yyyy", .day), ("[$-42A]dd/mm/yyyy;@", .day), ("d/m/yyyy h:mm", .day), ("mm/yyyy", .day), ("mmm-yy", .day),
            ("yyyy\\-mm\\-dd", .day), ("\"Ngày\" d", .day), ("mm-dd-yy", .day), ("[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy", .day),
            ("h:mm", .time), ("[h]:mm:ss", .time), ("mm:ss", .time), ("h:mm AM/PM", .time),
            ("0.00E+00", .scientific), ("##0.0E+0", .scientific), ("0%", .percent), ("0.00%", .percent), ("@", .text),
        ]
        for (code, kind) in cases { #expect(NumberFormat.kind(of: code) == kind, "\(code)") }
        #expect(NumberFormat.builtin(14) == "mm-dd-yy" && NumberFormat.builtin(164) == nil)
        #expect((0...49).compactMap(NumberFormat.builtin).count == 42)
    }

    @Test("Days in both date systems: 15/07/2024 is 45488 from 1900 and 44026 from 1904; Lotus's 29/02/1900 refused")
    func dateSystems() {
        let day = LocalDate(iso: "2024-07-15")!
        #expect(DateSystem.from1900.day(serial: 45488) == day && DateSystem.from1900.serial(of: day) == 45488)
        #expect(DateSystem.from1904.day(serial: 44026) == day && DateSystem.from1904.serial(of: day) == 44026)
        #expect(DateSystem.from1900.day(serial: 45488.75) == day)
        #expect(DateSystem.from1900.day(serial: 1) == LocalDate(iso: "1900-01-01"))
        #expect(DateSystem.from1900.day(serial: 59) == LocalDate(iso: "1900-02-28"))
        #expect(DateSystem.from1900.day(serial: 60) == nil)
        #expect(DateSystem.from1900.day(serial: 61) == LocalDate(iso: "1900-03-01"))
        #expect(DateSystem.from1904.day(serial: 0) == LocalDate(iso: "1904-01-01"))
        #expect(DateSystem.from1900.day(serial: -1) == nil && DateSystem.from1900.day(serial: 3_000_000) == nil)
        #expect(DateSystem(date1904: "true") == .from1904 && DateSystem(date1904: "1") == .from1904)
        #expect(DateSystem(date1904: "false") == .from1900 && DateSystem(date1904: nil) == .from1900)
        // The cell as a workbook writes it.
        #expect(SheetCell(type: "n", value: "44026", formula: false, format: "dd/mm/yyyy", system: .from1904) == .day(day))
        #expect(SheetCell(type: nil, value: "45488", formula: false, format: "dd/mm/yyyy", system: .from1900) == .day(day))
        #expect(SheetCell(type: nil, value: "45488", formula: false, format: "General", system: .from1900) == .number(45488))
        #expect(SheetCell(type: nil, value: "1234", formula: false, format: "#,##0;[Red]-#,##0", system: .from1900) == .number(1234))
        #expect(SheetCell(type: nil, value: "60", formula: false, format: "dd/mm/yyyy", system: .from1900) == .error("########"))
        #expect(SheetCell(type: nil, value: nil, formula: true, format: nil, system: .from1900) == .formulaWithoutValue)
        #expect(SheetCell(type: "str", value: "AN", formula: true, format: nil, system: .from1900) == .text("AN"))
        #expect(SheetCell(type: "e", value: "#N/A", formula: true, format: nil, system: .from1900) == .error("#N/A"))
        #expect(SheetCell(type: "b", value: "0", formula: false, format: nil, system: .from1900) == .boolean(false))
        #expect(SheetCell(type: "d", value: "2024-07-15T00:00:00", formula: false, format: nil, system: .from1900) == .day(day))
        #expect(SheetCell(type: nil, value: "0.5", formula: false, format: "h:mm", system: .from1900) == .shown(0.5, .time))
    }

    @Test("Text days follow the file's evident order; one that could be either is refused when nothing settles it")
    func dayOrder() throws {
        func day(_ text: String, _ order: DayOrder) -> Result<LocalDate?, CellIssue> { CellValue.day(.text(text), order: order) }
        #expect(DayOrder.evident(in: [.text("08/05/2024"), .text("25/12/2024")]) == .dayFirst)
        #expect(DayOrder.evident(in: [.text("08/05/2024"), .text("12/25/2024")]) == .monthFirst)
        #expect(DayOrder.evident(in: [.text("08/05/2024"), .day(LocalDate(iso: "2024-12-25")!)]) == .unknown)
        #expect(DayOrder.evident(in: [.text("25/12/2024"), .text("12/25/2024")]) == .conflicting)
        #expect(try day("08/05/2024", .dayFirst).get() == LocalDate(iso: "2024-05-08"))
        #expect(try day("08/05/2024", .monthFirst).get() == LocalDate(iso: "2024-08-05"))
        let refused = day("08/05/2024", .unknown)
        #expect(refused == .failure(CellIssue("import.dayAmbiguous", ["value": "08/05/2024", "dayFirst": "08/05/2024", "monthFirst": "05/08/2024",
                                                                        "iso": "2024-05-08"])))
        #expect(try day("05/05/2024", .unknown).get() == LocalDate(iso: "2024-05-05"))
        #expect(try day("25/12/2024", .unknown).get() == LocalDate(iso: "2024-12-25"))
        #expect(try day("15.07.2024", .unknown).get() == LocalDate(iso: "2024-07-15"))
        #expect(try day("2024-05-08", .monthFirst).get() == LocalDate(iso: "2024-05-08"))
        #expect(try CellValue.day(.day(LocalDate(iso: "2024-05-08")!), order: .monthFirst).get() == LocalDate(iso: "2024-05-08"))
        for text in ["31/02/2025", "08/05/24", "2024/05/08", "8 tháng 5"] {
            if case .failure(let issue) = day(text, .dayFirst) { #expect(issue.key == "import.date") } else { Issue.record("\(text) read") }
        }
        if case .failure(let issue) = CellValue.day(.number(45488), order: .dayFirst) { #expect(issue.key == "import.date") }
        else { Issue.record("a number read as a day") }
    }

    @Test("Months as the pages write them (07/2025), as stored (2025-07) and as month cells")
    func months() throws {
        #expect(try CellValue.month(.text("07/2025")).get() == Month(year: 2025, month: 7))
        #expect(try CellValue.month(.text("7/2025")).get() == Month(year: 2025, month: 7))
        #expect(try CellValue.month(.text("2025-07")).get() == Month(year: 2025, month: 7))
        #expect(try CellValue.month(.day(LocalDate(iso: "2025-07-01")!)).get() == Month(year: 2025, month: 7))
        for text in ["13/2025", "2025-7", "07/25", "tháng 7"] {
            if case .failure(let issue) = CellValue.month(.text(text)) { #expect(issue.key == "import.month") } else { Issue.record("\(text) read") }
        }
    }

    @Test("Escapes in a workbook's text, NFC, and formula-like text guarded on the way out and back")
    func textCells() {
        #expect(XMLText.unescaped("Dòng 1_x000D_Dòng 2") == "Dòng 1\rDòng 2")
        #expect(XMLText.unescaped("_x005F_x000D_") == "_x000D_")
        #expect(XMLText.unescaped("Nguy_x1EC5_n") == "Nguyễn")
        #expect(XMLText.unescaped("_x00_ and _xZZZZ_") == "_x00_ and _xZZZZ_")
        let nfd = "Nguyễn Thị Lụa".decomposedStringWithCanonicalMapping
        #expect(nfd.unicodeScalars.count > "Nguyễn Thị Lụa".unicodeScalars.count)
        guard case .text(let stored) = SheetCell.typed(nfd) else { Issue.record("not text"); return }
        #expect(Array(stored.unicodeScalars) == Array("Nguyễn Thị Lụa".precomposedStringWithCanonicalMapping.unicodeScalars))
        #expect(FormulaText.guarded("=HYPERLINK(\"http://x\",\"y\")") == "'=HYPERLINK(\"http://x\",\"y\")")
        for text in ["+84", "-1", "@SUM(A1)", "\tx", "\rx"] { #expect(FormulaText.guarded(text) == "'" + text) }
        #expect(FormulaText.guarded("Nguyễn Văn A") == "Nguyễn Văn A" && FormulaText.guarded("'=x") == "''=x" && FormulaText.guarded("'abc") == "'abc")
        #expect(CellValue.plainText(.text("'=HYPERLINK(1)")) == "=HYPERLINK(1)" && CellValue.plainText(.text("'abc")) == "'abc")
    }

    @Test("CSV rows keep the line they begin on; a line of empty cells is no row")
    func csvLines() {
        let sheet = ImportSheet.csv("a,b\n\n,\n1,2\n\"x\ny\",3\n,,,,\n4,5")
        #expect(sheet.rows.map(\.line) == [1, 4, 5, 8])
        #expect(sheet.rows.map { $0.cells.map(CellValue.plainText) } == [["a", "b"], ["1", "2"], ["x\ny", "3"], ["4", "5"]])
        #expect(ImportSheet.csv("a\r\nb\r\n\r\nc").rows.map(\.line) == [1, 2, 4])
    }

    // MARK: The property: exactly what the cell shows, or refused

    enum Outcome: Equatable { case value(String), refused }

    struct Case {
        var cell: SheetCell
        /// What a spreadsheet shows the person, read as the import reads that column; nil: any refusal is right.
        var meant: String?
        var column: Column
    }

    enum Column { case count, day, text }

    static let numberFormats = ["General", "0", "#,##0", "#,##0;[Red]-#,##0", "[$-42A]#,##0", "0_);(0)", "#,##0 \"người\"", "[Blue]0;[Red]-0"]
    static let dayFormats = ["dd/mm/yyyy", "d/m/yyyy", "[$-42A]dd/mm/yyyy;@", "mm-dd-yy", "d-mmm-yy", "yyyy-mm-dd", "dd/mm/yyyy hh:mm",
                             "mmm d, yyyy", "[$-1010000]d/m/yyyy;@", "dddd, dd mmmm yyyy"]

    /// Encodes text as a workbook stores it (`XMLText`'s inverse): characters XML cannot carry as `_xHHHH_`, an
    /// underscore that would read as an escape as `_x005F_`.
    static func escaped(_ text: String) -> String {
        var out = ""
        let scalars = Array(text.unicodeScalars)
        for (i, s) in scalars.enumerated() {
            if s.value < 0x20 && s != "\t" && s != "\n" { out += String(format: "_x%04X_", s.value); continue }
            if s == "_", i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_",
               String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 6)])).allSatisfy(\.isHexDigit) {
                out += "_x005F_"
                continue
            }
            out.unicodeScalars.append(s)
        }
        return out
    }

    static func generate(_ g: inout SeededGenerator) -> Case {
        func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &g)] }
        let system: DateSystem = Bool.random(using: &g) ? .from1900 : .from1904
        switch Int.random(in: 0..<12, using: &g) {
        case 0: // a whole number in a number cell of any number format
            let n = Int.random(in: 0...5_000_000, using: &g)
            return Case(cell: SheetCell(type: "n", value: String(n), formula: false, format: pick(numberFormats), system: system), meant: String(n), column: .count)
        case 1: // the same as text, grouped by thousands one way or another
            let n = Int.random(in: 0...5_000_000, using: &g)
            let mark = pick([".", ",", " ", "\u{00A0}", ""])
            var digits = Array(String(n)), groups: [String] = []
            while digits.count > 3 { groups.insert(String(digits.suffix(3)), at: 0); digits.removeLast(3) }
            groups.insert(String(digits), at: 0)
            return Case(cell: .typed(groups.joined(separator: mark)), meant: String(n), column: .count)
        case 2: // a fraction, as a number or as text with a decimal point or comma: never a count
            let n = Int.random(in: 0...99_999, using: &g), f = Int.random(in: 1...99, using: &g)
            let fraction = String(format: "%02d", f).replacingOccurrences(of: "0$", with: "", options: .regularExpression)
            if Bool.random(using: &g) {
                return Case(cell: SheetCell(type: "n", value: "\(n).\(fraction)", formula: false, format: pick(numberFormats), system: system), meant: nil, column: .count)
            }
            return Case(cell: .typed("\(n)\(pick([".", ","]))\(fraction)"), meant: nil, column: .count)
        case 3, 4: // a day in a date cell of any day format, in either date system, perhaps with a time of day
            let day = LocalDate(iso: "1950-01-01")!.adding(days: Int.random(in: 0..<30_000, using: &g))
            let time = Bool.random(using: &g) ? Double(Int.random(in: 1..<1000, using: &g)) / 1000 : 0
            let serial = Double(system.serial(of: day)) + time
            return Case(cell: SheetCell(type: "n", value: String(serial), formula: false, format: pick(dayFormats), system: system),
                        meant: day.iso, column: .day)
        case 5: // a day as text the one way only it can be read
            let day = LocalDate(iso: "1950-01-01")!.adding(days: Int.random(in: 0..<30_000, using: &g))
            let text = pick([day.iso, day.display, String(format: "%d/%d/%04d", day.day, day.month, day.year)])
            let ambiguous = text != day.iso && day.day <= 12 && day.day != day.month
            return Case(cell: .typed(text), meant: ambiguous ? nil : day.iso, column: .day)
        case 6: // a serial number shown as a number: the person sees a number, not a day
            let n = Int.random(in: 1...60_000, using: &g)
            return Case(cell: SheetCell(type: "n", value: String(n), formula: false, format: pick(numberFormats), system: system), meant: nil, column: .day)
        case 7: // a formula whose value was never saved
            return Case(cell: SheetCell(type: pick([nil, "str", "n"]), value: nil, formula: true, format: pick(numberFormats + dayFormats), system: system),
                        meant: nil, column: pick([.count, .day, .text]))
        case 8: // a formula with its value saved
            let n = Int.random(in: 0...9999, using: &g)
            return Case(cell: SheetCell(type: nil, value: String(n), formula: true, format: "General", system: system), meant: String(n), column: .count)
        case 9: // an error value
            return Case(cell: SheetCell(type: "e", value: pick(["#N/A", "#REF!", "#DIV/0!", "#VALUE!"]), formula: true, format: nil, system: system),
                        meant: nil, column: pick([.count, .day, .text]))
        case 10: // a day as a count, or a time as a day: what the person sees is not the column's kind
            let n = Double(Int.random(in: 1...50_000, using: &g))
            return Bool.random(using: &g)
                ? Case(cell: SheetCell(type: "n", value: String(n), formula: false, format: pick(dayFormats), system: system), meant: nil, column: .count)
                : Case(cell: SheetCell(type: "n", value: String(n / 100_000), formula: false, format: pick(["h:mm", "[h]:mm:ss", "0%", "0.00E+00"]),
                                       system: system), meant: nil, column: .day)
        default: // text with characters a workbook escapes, in NFC or not
            let alphabet = Array("aăâđêôơưAĐ _x0D5F\r\t-ệữ") + ["_x000D_", "_x005F_"].flatMap { Array($0) }
            let text = String((0..<Int.random(in: 1...24, using: &g)).map { _ in pick(alphabet) })
            let stored = Bool.random(using: &g) ? text.decomposedStringWithCanonicalMapping : text
            let meant = FormulaText.unguarded(text.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespaces))
            return Case(cell: SheetCell(type: "s", value: XMLText.unescaped(escaped(stored)), formula: false, format: nil, system: system),
                        meant: meant.isEmpty ? "" : meant, column: .text)
        }
    }

    static func read(_ c: Case) -> Outcome {
        switch c.column {
        case .count:
            guard case .success(let n) = CellValue.count(c.cell, maximum: 10_000_000) else { return .refused }
            return .value(n.map(String.init) ?? "")
        case .day:
            // The file's order is not known: a day written as text either reads one way only or is refused.
            guard case .success(let d) = CellValue.day(c.cell, order: .unknown) else { return .refused }
            return .value(d?.iso ?? "")
        case .text:
            guard case .success(let s) = CellValue.text(c.cell) else { return .refused }
            return .value(s ?? "")
        }
    }

    @Test("Property: 20,000 generated cells read as exactly what they show, or refused; never a third thing")
    func property() {
        var g = SeededGenerator(seed: 20_260_612)
        var read = 0, refused = 0
        for i in 0..<20_000 {
            let c = Self.generate(&g)
            let outcome = Self.read(c)
            if let meant = c.meant {
                #expect(outcome == .value(meant), "case \(i): \(c.cell) as \(c.column)")
                read += 1
            } else {
                #expect(outcome == .refused, "case \(i): \(c.cell) as \(c.column) read as \(outcome)")
                refused += 1
            }
        }
        // Both sides of the property were exercised.
        #expect(read > 10_000 && refused > 4_000)
    }
}
