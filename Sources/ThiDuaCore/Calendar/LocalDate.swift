import Foundation

/// A calendar day with no time of day, as written in plans and records ("2025-02-03").
///
/// Stored as `YYYY-MM-DD` text so that the same column sorts and compares alike on SQLite and PostgreSQL.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Fails on anything that is not a real calendar day (2025-02-29, 2025-13-01, "19/8/2024").
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses the ISO form `YYYY-MM-DD`, and only that.
    public init?(iso text: String) {
        // Read byte by byte: the unit graph of the nation parses some 400,000 of these at each read.
        let utf8 = text.utf8
        guard let parsed = utf8.withContiguousStorageIfAvailable({ Self.parse($0) }) ?? Self.parse(Array(utf8)) else { return nil }
        self.init(year: parsed.0, month: parsed.1, day: parsed.2)
    }

    private static func parse<C: RandomAccessCollection>(_ b: C) -> (Int, Int, Int)? where C.Element == UInt8, C.Index == Int {
        guard b.count == 10, b[b.startIndex + 4] == UInt8(ascii: "-"), b[b.startIndex + 7] == UInt8(ascii: "-") else { return nil }
        func number(_ from: Int, _ to: Int) -> Int? {
            var n = 0
            for i in (b.startIndex + from)..<(b.startIndex + to) {
                let c = b[i]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                n = n * 10 + Int(c - UInt8(ascii: "0"))
            }
            return n
        }
        guard let y = number(0, 4), let m = number(5, 7), let d = number(8, 10) else { return nil }
        return (y, m, d)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// `2025-02-03`: the storage and API form.
    public var iso: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The day as an administrative document writes it (Decree 30/2020, Appendix I): "ngày 05 tháng 02 năm 2025",
    /// "ngày 18 tháng 9 năm 2024" — a zero before days under 10 and the months January and February only.
    public var administrative: String {
        "ngày \(day < 10 ? "0" : "")\(day) tháng \(month < 3 ? "0" : "")\(month) năm \(year)"
    }

    /// `03/02/2025`: the form shown to users.
    public var display: String {
        String(format: "%02d/%02d/%04d", day, month, year)
    }

    public var description: String { iso }

    /// Days since 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.year = y
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// The same day one year earlier; 29 February falls back to 28 February.
    public var oneYearEarlier: LocalDate {
        LocalDate(year: year - 1, month: month, day: day)
            ?? LocalDate(year: year - 1, month: month, day: day - 1)!
    }

    /// Days from `self` to `other`, counting both ends (a one-day range is 1).
    public func daysInclusive(to other: LocalDate) -> Int { other.dayNumber - dayNumber + 1 }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.dayNumber < b.dayNumber }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a date YYYY-MM-DD: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}

/// Vietnam keeps one offset, UTC+7, all year (no daylight saving since 1975), so the conversion is exact
/// without a time-zone database.
public enum VietnamTime {
    public static let secondsFromUTC = 7 * 3600
    public static let identifier = "Asia/Ho_Chi_Minh"

    /// The local calendar day in Vietnam at an instant.
    public static func localDate(of instant: Date) -> LocalDate {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + secondsFromUTC
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return LocalDate(dayNumber: days)
    }

    /// The first instant of a local day (00:00 in Vietnam), in UTC.
    public static func startOfDay(_ date: LocalDate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(date.dayNumber * 86_400 - secondsFromUTC))
    }

    /// `dd/MM/yyyy HH:mm` in Vietnam time: how instants are shown.
    public static func display(_ instant: Date) -> String {
        let local = localDate(of: instant)
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + secondsFromUTC
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        return local.display + String(format: " %02d:%02d", secondOfDay / 3600, (secondOfDay % 3600) / 60)
    }
}

/// An inclusive range of local days.
public struct DateSpan: Hashable, Sendable, Codable {
    public let start: LocalDate
    public let end: LocalDate

    public init(start: LocalDate, end: LocalDate) {
        self.start = start
        self.end = end
    }

    public func contains(_ date: LocalDate) -> Bool { start <= date && date <= end }
    public func overlaps(_ other: DateSpan) -> Bool { start <= other.end && other.start <= end }
    public var dayCount: Int { start.daysInclusive(to: end) }
}
