import Foundation

/// A calendar month, the period of a reported figure (`2025-07`).
public struct Month: Hashable, Comparable, Sendable, Codable {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM` only.
    public init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), parts.allSatisfy({ $0.allSatisfy(\.isASCII) }) else { return nil }
        self.init(year: y, month: m)
    }

    public init(_ date: LocalDate) {
        year = date.year
        month = date.month
    }

    public var text: String { String(format: "%04d-%02d", year, month) }
    /// As pages write it: `07/2025`.
    public var display: String { String(format: "%02d/%04d", month, year) }
    public var firstDay: LocalDate { LocalDate(year: year, month: month, day: 1)! }
    public var lastDay: LocalDate { LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))! }

    /// The day that decides which phase a month's figure belongs to: a month counts in the span holding its 15th,
    /// so a month split by a phase boundary counts once, in the phase that has most of it.
    public var decidingDay: LocalDate { LocalDate(year: year, month: month, day: 15)! }

    /// The months whose figures count in a span.
    public static func counted(in span: DateSpan) -> [Month] {
        Month(span.start).through(Month(span.end)).filter { span.contains($0.decidingDay) }
    }

    /// The month `n` months later (earlier when negative).
    public func adding(months n: Int) -> Month {
        let index = year * 12 + (month - 1) + n
        return Month(year: index / 12, month: index % 12 + 1) ?? self
    }

    /// The month before and after; at the calendar's ends (0001-01, 9999-12) the month itself.
    public var previous: Month { adding(months: -1) }
    public var next: Month { adding(months: 1) }

    /// This month and every one after it up to `last` (none when `last` is before it). Counted by index, so that
    /// it ends at the calendar's last month too.
    public func through(_ last: Month) -> [Month] {
        let first = year * 12 + month - 1, end = last.year * 12 + last.month - 1
        guard first <= end else { return [] }
        return (first...end).compactMap { Month(year: $0 / 12, month: $0 % 12 + 1) }
    }

    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// How to read a span of days from monthly totals and as few single days as possible: the months to take whole,
/// the days to add from the records (where a month is mostly outside the span) and the days to take away (where
/// a taken month is mostly inside it). Phase 2 of the seed, 04/02–19/08/2025, is February to August whole, less
/// 01–03/02 and 20–31/08: 15 single days instead of 197.
public struct MonthCover: Equatable, Sendable {
    public var months: [Month] = []
    public var add: [DateSpan] = []
    public var subtract: [DateSpan] = []

    public init(span: DateSpan) {
        for m in Month(span.start).through(Month(span.end)) {
            let inside = DateSpan(start: max(span.start, m.firstDay), end: min(span.end, m.lastDay))
            let length = m.firstDay.daysInclusive(to: m.lastDay)
            if inside.dayCount * 2 > length {
                months.append(m)
                if m.firstDay < inside.start { subtract.append(DateSpan(start: m.firstDay, end: inside.start.adding(days: -1))) }
                if inside.end < m.lastDay { subtract.append(DateSpan(start: inside.end.adding(days: 1), end: m.lastDay)) }
            } else {
                add.append(inside)
            }
        }
    }
}
