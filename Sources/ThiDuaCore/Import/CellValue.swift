import Foundation

/// Why a cell's value was refused: a message key and its arguments (the column is added by the import).
public struct CellIssue: Error, Equatable, Sendable {
    public var key: String
    public var arguments: [String: String]

    public init(_ key: String, _ arguments: [String: String] = [:]) {
        self.key = key
        self.arguments = arguments
    }
}

/// The order of a file's days written as text (`08/05/2024`): day first, as Vietnam writes, or month first, as a
/// spreadsheet with US settings writes. Told from the days that can be read only one way; nil when none can.
public enum DayOrder: Sendable, Equatable {
    case dayFirst, monthFirst, unknown, conflicting

    /// The order the text days among the cells show: `25/08/2024` can only be day first, `08/25/2024` only
    /// month first.
    public static func evident(in cells: [SheetCell]) -> DayOrder {
        var dayFirst = false, monthFirst = false
        for case .text(let text) in cells {
            guard let (a, b, _) = CellValue.slashed(text.trimmingCharacters(in: .whitespaces)) else { continue }
            if a > 12 && b <= 12 { dayFirst = true }
            if b > 12 && a <= 12 { monthFirst = true }
        }
        switch (dayFirst, monthFirst) {
        case (true, false): return .dayFirst
        case (false, true): return .monthFirst
        case (true, true): return .conflicting
        case (false, false): return .unknown
        }
    }
}

/// A cell's value read as an import needs it: exactly what the person saw in the cell, or refused with the reason.
/// Never a third thing: a decimal is not taken for thousands, a day is not read in the wrong order.
public enum CellValue {
    /// A cell's text as shown: text as typed (trimmed, and with the apostrophe ThiĐua's own files put before
    /// formula-like text taken off), a whole number without a decimal point, a day as dd/MM/yyyy.
    public static func plainText(_ cell: SheetCell) -> String {
        switch cell {
        case .empty, .formulaWithoutValue: return ""
        case .text(let s): return FormulaText.unguarded(s.trimmingCharacters(in: .whitespaces))
        case .number(let n), .shown(let n, _): return shownNumber(n)
        case .day(let d): return d.display
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        case .error(let e): return e
        }
    }

    /// Text for a field of text (names, codes, phones): nil when the cell is empty. A number cell gives its digits
    /// (a phone whose first 0 the spreadsheet dropped is mended by the phone's own rule).
    public static func text(_ cell: SheetCell) -> Result<String?, CellIssue> {
        switch cell {
        case .formulaWithoutValue: return .failure(CellIssue("import.formulaNoValue"))
        case .error(let e): return .failure(CellIssue("import.cellError", ["value": e]))
        default:
            let s = plainText(cell)
            return .success(s.isEmpty ? nil : s)
        }
    }

    /// A number as a spreadsheet shows it at its 15 significant digits, the precision it keeps: `12` for
    /// 12.000000000000002, `1234.5`.
    static func shownNumber(_ n: Double) -> String {
        let rounded = Double(String(format: "%.15g", n)) ?? n
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(format: "%.15g", rounded)
    }

    /// A count (people, households, cards): a whole number from 0 to `maximum`; nil when the cell is empty.
    /// Text may group thousands by `.`, `,` or a space, three digits a group (`1.234`, `1,234`, `12 345`); a
    /// decimal point with digits other than three after it (`1234.5`, `84,5`) is a fraction, and refused as one.
    public static func count(_ cell: SheetCell, maximum: Int) -> Result<Int?, CellIssue> {
        let n: Int
        switch cell {
        case .empty: return .success(nil)
        case .formulaWithoutValue: return .failure(CellIssue("import.formulaNoValue"))
        case .error(let e): return .failure(CellIssue("import.cellError", ["value": e]))
        case .number(let x):
            let shown = Double(String(format: "%.15g", x)) ?? x
            guard shown == shown.rounded() else { return .failure(CellIssue("import.notWhole", ["value": shownNumber(x)])) }
            guard shown >= 0, shown <= Double(maximum) else { return .failure(CellIssue("import.value", ["value": shownNumber(x)])) }
            n = Int(shown)
        case .text(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .success(nil) }
            switch wholeNumber(text) {
            case .failure(let issue): return .failure(issue)
            case .success(let value):
                guard value <= maximum else { return .failure(CellIssue("import.value", ["value": text])) }
                n = value
            }
        case .day, .shown, .boolean:
            return .failure(CellIssue("import.value", ["value": plainText(cell)]))
        }
        return .success(n)
    }

    /// Text as a whole number, by the rules of `count`.
    static func wholeNumber(_ text: String) -> Result<Int, CellIssue> {
        let notNumber = CellIssue("import.value", ["value": text])
        let spaces: Set<Character> = [" ", "\u{00A0}", "\u{202F}"]
        let separators: Set<Character> = spaces.union([".", ","] as Set<Character>)
        guard text.allSatisfy({ ($0.isASCII && $0.isNumber) || separators.contains($0) }),
              let first = text.first, first.isNumber, let last = text.last, last.isNumber else { return .failure(notNumber) }
        // The separators in order, each as its kind (every space is one kind).
        var groups: [String] = [""]
        var marks: [Character] = []
        for c in text {
            if separators.contains(c) {
                guard !groups[groups.count - 1].isEmpty else { return .failure(notNumber) }
                marks.append(spaces.contains(c) ? " " : c)
                groups.append("")
            } else {
                groups[groups.count - 1].append(c)
            }
        }
        func thousands(_ gs: [String]) -> Bool { (1...3).contains(gs[0].count) && gs.dropFirst().allSatisfy { $0.count == 3 } }
        func value(_ gs: [String]) -> Int? { Int(gs.joined()) }
        let ambiguous = CellIssue("import.numberAmbiguous", ["value": text])
        if marks.isEmpty { return value(groups).map { .success($0) } ?? .failure(notNumber) }
        let kinds = Set(marks)
        if kinds.count == 1 {
            if thousands(groups) { return value(groups).map { .success($0) } ?? .failure(notNumber) }
            // One point or comma, not three digits after it: a decimal. Three digits after a point that does not
            // group thousands (`1234.567`) could be either.
            if marks.count == 1, marks[0] != " ", groups[1].count != 3 { return decimal(whole: groups[0], fraction: groups[1], text: text) }
            return .failure(ambiguous)
        }
        // Thousands by one mark, then a decimal by another (`1.234,5`, `1,234.00`).
        let lastMark = marks[marks.count - 1]
        let before = Array(marks.dropLast())
        if lastMark != " ", !before.contains(lastMark), Set(before).count == 1, thousands(Array(groups.dropLast())) {
            return decimal(whole: groups.dropLast().joined(), fraction: groups[groups.count - 1], text: text)
        }
        return .failure(ambiguous)
    }

    /// A decimal's value when it is whole (`1234,00`); a fraction refused.
    static func decimal(whole: String, fraction: String, text: String) -> Result<Int, CellIssue> {
        guard fraction.allSatisfy({ $0 == "0" }) else { return .failure(CellIssue("import.notWhole", ["value": text])) }
        return Int(whole).map { .success($0) } ?? .failure(CellIssue("import.value", ["value": text]))
    }

    /// The three numbers of `08/05/2024`, `08-05-2024` or `08.05.2024` (a four-digit year last).
    static func slashed(_ text: String) -> (Int, Int, Int)? {
        for mark in ["/", "-", "."] as [Character] {
            let parts = text.split(separator: mark, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            guard parts[2].count == 4, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count),
                  parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                  let a = Int(parts[0]), let b = Int(parts[1]), let y = Int(parts[2]) else { return nil }
            return (a, b, y)
        }
        return nil
    }

    /// A day: a day cell as it shows, or text as `2024-07-15` or `15/07/2024` (also with `-` or `.`). A text day
    /// whose order cannot be told (both numbers up to 12, and different) follows the file's evident order, and
    /// is refused when the file has none.
    public static func day(_ cell: SheetCell, order: DayOrder) -> Result<LocalDate?, CellIssue> {
        switch cell {
        case .empty: return .success(nil)
        case .day(let d): return .success(d)
        case .formulaWithoutValue: return .failure(CellIssue("import.formulaNoValue"))
        case .error(let e): return .failure(CellIssue("import.cellError", ["value": e]))
        case .text(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .success(nil) }
            if let iso = LocalDate(iso: text) { return .success(iso) }
            guard let (a, b, y) = slashed(text) else { return .failure(CellIssue("import.date", ["value": text])) }
            let dayFirst = LocalDate(year: y, month: b, day: a), monthFirst = LocalDate(year: y, month: a, day: b)
            switch (dayFirst, monthFirst) {
            case (nil, nil): return .failure(CellIssue("import.date", ["value": text]))
            // Only one reading is a day: that is the one meant.
            case (let d?, nil): return .success(d)
            case (nil, let m?): return .success(m)
            case (let d?, let m?):
                if d == m { return .success(d) }
                switch order {
                case .dayFirst: return .success(d)
                case .monthFirst: return .success(m)
                case .unknown, .conflicting:
                    return .failure(CellIssue("import.dayAmbiguous", ["value": text, "dayFirst": d.display, "monthFirst": m.display,
                                                                      "iso": d.iso]))
                }
            }
        case .number, .shown, .boolean:
            return .failure(CellIssue("import.date", ["value": plainText(cell)]))
        }
    }

    /// A month: a day cell's month (a cell formatted `mm/yyyy` holds the first of its month), or text as
    /// `2025-07` or as the pages write it, `07/2025` (`7/2025`).
    public static func month(_ cell: SheetCell) -> Result<Month?, CellIssue> {
        switch cell {
        case .empty: return .success(nil)
        case .day(let d): return .success(Month(d))
        case .formulaWithoutValue: return .failure(CellIssue("import.formulaNoValue"))
        case .error(let e): return .failure(CellIssue("import.cellError", ["value": e]))
        case .text(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .success(nil) }
            if let m = Month(text: text) { return .success(m) }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 4,
               parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
               let m = Int(parts[0]), let y = Int(parts[1]), let month = Month(year: y, month: m) {
                return .success(month)
            }
            return .failure(CellIssue("import.month", ["value": text]))
        case .number, .shown, .boolean:
            return .failure(CellIssue("import.month", ["value": plainText(cell)]))
        }
    }
}
