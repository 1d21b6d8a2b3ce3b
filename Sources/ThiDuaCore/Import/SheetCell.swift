import Foundation

/// A cell of a file brought to an import, as the person saw it in their spreadsheet: text, a number, a day, or
/// something the imports refuse with its row and column (a formula whose value was never saved, an error).
public enum SheetCell: Equatable, Sendable {
    case empty
    /// Text as typed (a CSV field, a workbook's text cell), in Unicode NFC.
    case text(String)
    /// A number shown as a number.
    case number(Double)
    /// A number shown as a day (a date format), in the workbook's own date system.
    case day(LocalDate)
    /// A number shown otherwise than as a plain number or a day: a time, a percentage, in scientific notation.
    case shown(Double, NumberFormat.Kind)
    case boolean(Bool)
    /// A formula with no value saved with it (a workbook written by a program that does not compute).
    case formulaWithoutValue
    /// An error value (`#N/A`, `#REF!`), or a day outside the calendar (shown `########`).
    case error(String)

    /// Text in NFC, whatever the keyboard typed (Vietnamese keyboards may send a letter and its marks apart).
    public static func typed(_ text: String) -> SheetCell {
        text.isEmpty ? .empty : .text(text.precomposedStringWithCanonicalMapping)
    }

    /// Whether the cell holds nothing a person would see (empty, or only spaces).
    public var isBlank: Bool {
        switch self {
        case .empty: true
        case .text(let s): s.allSatisfy(\.isWhitespace)
        default: false
        }
    }

    /// A cell of an Office Open XML worksheet, from what the file says of it: its type attribute (`t`), its saved
    /// value (`<v>`, or an inline string's text), whether it has a formula (`<f>`), its number format's code and
    /// the workbook's date system.
    public init(type: String?, value: String?, formula: Bool, format: String?, system: DateSystem) {
        guard let value else {
            self = formula ? .formulaWithoutValue : .empty
            return
        }
        switch type ?? "n" {
        case "s", "inlineStr", "str":
            self = .typed(value)
        case "b":
            self = .boolean(value.trimmingCharacters(in: .whitespaces) == "1")
        case "e":
            self = .error(value)
        case "d":
            // ISO 8601 dates (the strict form of the format): the day part is what a person sees.
            self = LocalDate(iso: String(value.prefix(10))).map(SheetCell.day) ?? .error(value)
        default:
            guard let n = Double(value.trimmingCharacters(in: .whitespaces)), n.isFinite else {
                self = formula ? .formulaWithoutValue : .error(value)
                return
            }
            switch NumberFormat.kind(of: format ?? "General") {
            case .general, .number, .text: self = .number(n)
            case .day: self = system.day(serial: n).map(SheetCell.day) ?? .error("########")
            case let kind: self = .shown(n, kind)
            }
        }
    }
}

/// How a workbook counts days: from 1900 (Excel for Windows, and most files) or from 1904 (Excel for Mac before
/// 2011; LibreOffice and Excel can still save so, in `<workbookPr date1904="1"/>`).
public enum DateSystem: Sendable, Equatable {
    case from1900, from1904

    /// The workbook's attribute value (`1`, `true`, absent).
    public init(date1904 attribute: String?) {
        self = ["1", "true"].contains(attribute?.lowercased() ?? "") ? .from1904 : .from1900
    }

    /// The day a serial number shows, its time of day dropped; nil outside what spreadsheets show as a day.
    public func day(serial: Double) -> LocalDate? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        let whole = Int(serial.rounded(.down))
        switch self {
        case .from1904:
            return LocalDate(year: 1904, month: 1, day: 1)?.adding(days: whole)
        case .from1900:
            // Day 1 is 01/01/1900; Lotus 1-2-3's mistake, copied by Excel, counts a 29/02/1900 as day 60, which
            // no calendar has: refused rather than shown as a neighbour.
            if whole == 0 || whole == 60 { return nil }
            let base = LocalDate(year: 1899, month: 12, day: whole < 60 ? 31 : 30)
            return base?.adding(days: whole)
        }
    }

    /// The serial number of a day: what a workbook in this system stores for it.
    public func serial(of day: LocalDate) -> Int {
        switch self {
        case .from1904: return LocalDate(year: 1904, month: 1, day: 1).map { $0.daysInclusive(to: day) - 1 } ?? 0
        case .from1900:
            let days = LocalDate(year: 1899, month: 12, day: 30).map { $0.daysInclusive(to: day) - 1 } ?? 0
            return days < 61 ? days - 1 : days
        }
    }
}

/// Spreadsheet number formats, read as spreadsheets read them: the first section of the code (the one for
/// positive numbers), without its quoted text, escaped characters, spacing and fill characters and bracketed
/// colours, conditions and locales, decides whether a number shows as a day, a time or a number.
public enum NumberFormat {
    public enum Kind: String, Sendable, Equatable {
        case general, number, day, time, percent, scientific, text
    }

    /// The codes of the built-in formats a workbook names by number alone (ECMA-376, part 1, 18.8.30); 27–36 and
    /// 50–58 are the East Asian days.
    public static func builtin(_ id: Int) -> String? {
        switch id {
        case 0: "General"
        case 1: "0"
        case 2: "0.00"
        case 3: "#,##0"
        case 4: "#,##0.00"
        case 5...8: "#,##0;-#,##0"
        case 9: "0%"
        case 10: "0.00%"
        case 11: "0.00E+00"
        case 12: "# ?/?"
        case 13: "# ??/??"
        case 14: "mm-dd-yy"
        case 15: "d-mmm-yy"
        case 16: "d-mmm"
        case 17: "mmm-yy"
        case 18: "h:mm AM/PM"
        case 19: "h:mm:ss AM/PM"
        case 20: "h:mm"
        case 21: "h:mm:ss"
        case 22: "m/d/yy h:mm"
        case 27...36, 50...58: "yyyy/mm/dd"
        case 37: "#,##0 ;(#,##0)"
        case 38: "#,##0 ;[Red](#,##0)"
        case 39: "#,##0.00;(#,##0.00)"
        case 40: "#,##0.00;[Red](#,##0.00)"
        case 45: "mm:ss"
        case 46: "[h]:mm:ss"
        case 47: "mmss.0"
        case 48: "##0.0E+0"
        case 49: "@"
        default: nil
        }
    }

    public static func kind(of code: String) -> Kind {
        let chars = Array(code)
        var i = 0
        var bare = ""
        var elapsed = false
        // The first section only: `;` outside quotes and brackets ends it.
        scan: while i < chars.count {
            let c = chars[i]
            switch c {
            case ";": break scan
            case "\"":
                i += 1
                while i < chars.count && chars[i] != "\"" { i += 1 }
            case "\\", "_", "*":
                i += 1 // the next character is shown or spaced, not read
            case "[":
                var inside = ""
                i += 1
                while i < chars.count && chars[i] != "]" { inside.append(chars[i]); i += 1 }
                // [h], [mm], [ss]: elapsed time; anything else is a colour, a condition or a locale.
                let lower = inside.lowercased()
                if !lower.isEmpty, lower.allSatisfy({ "hms".contains($0) }) { elapsed = true }
            default:
                bare.append(c)
            }
            i += 1
        }
        let lower = bare.lowercased()
        if lower.trimmingCharacters(in: .whitespaces) == "general" || lower.isEmpty && !elapsed { return .general }
        if lower.contains("@") { return .text }
        let letters = Array(lower)
        let hasDay = lower.contains("y") || lower.contains("d") || lower.contains("b") || lower.contains("g")
            || letters.indices.contains { index in
                // `e` is a year (era) unless it is the exponent of `0.00E+00`.
                letters[index] == "e" && !(index + 1 < letters.count && "+-".contains(letters[index + 1]))
            }
        let hasTime = elapsed || lower.contains("h") || lower.contains("s") || lower.contains("am/pm") || lower.contains("a/p")
        if hasDay { return .day }
        if hasTime { return .time }
        // Months alone (`mmm`, `mm`) show a day's month.
        if lower.contains("m") { return .day }
        if lower.contains("e+") || lower.contains("e-") { return .scientific }
        if lower.contains("%") { return .percent }
        return .number
    }
}

/// Text as Office Open XML stores it: `_xHHHH_` stands for a character XML cannot carry (`_x000D_` a carriage
/// return), and `_x005F_` for an underscore that would otherwise start such an escape.
public enum XMLText {
    public static func unescaped(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let chars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            if chars[i] == "_", i + 6 < chars.count, chars[i + 1] == "x", chars[i + 6] == "_" {
                let hex = String(String.UnicodeScalarView(chars[(i + 2)..<(i + 6)]))
                if hex.allSatisfy(\.isHexDigit), let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                    out.append(scalar)
                    i += 7
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return String(out)
    }
}

/// Text that a spreadsheet would take for a formula when it opens a CSV file (OWASP's CSV injection): it begins
/// with `=`, `+`, `-`, `@`, a tab or a carriage return. ThiĐua's files write such text after an apostrophe, and
/// read the apostrophe away again, so a value goes out harmless and comes back as it was.
public enum FormulaText {
    static let starters: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// Whether the text needs the apostrophe: it begins like a formula, or it is itself such text behind an
    /// apostrophe (so that reading back takes off exactly the one added).
    public static func needsGuard(_ text: String) -> Bool {
        guard let first = text.first else { return false }
        if starters.contains(first) { return true }
        return first == "'" && needsGuard(String(text.dropFirst()))
    }

    public static func guarded(_ text: String) -> String { needsGuard(text) ? "'" + text : text }

    public static func unguarded(_ text: String) -> String {
        text.first == "'" && needsGuard(String(text.dropFirst())) ? String(text.dropFirst()) : text
    }
}
