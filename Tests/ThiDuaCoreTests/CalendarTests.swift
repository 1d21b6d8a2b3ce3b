import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Calendar: local days and Vietnam time")
struct CalendarTests {
    @Test("A day as an administrative document writes it: a zero before days under 10 and months 1 and 2 only")
    func administrativeDay() {
        #expect(LocalDate(iso: "2024-09-18")!.administrative == "ngày 18 tháng 9 năm 2024")
        #expect(LocalDate(iso: "2025-02-05")!.administrative == "ngày 05 tháng 02 năm 2025")
        #expect(LocalDate(iso: "2025-01-10")!.administrative == "ngày 10 tháng 01 năm 2025")
        #expect(LocalDate(iso: "2025-03-01")!.administrative == "ngày 01 tháng 3 năm 2025")
        #expect(LocalDate(iso: "2025-12-31")!.administrative == "ngày 31 tháng 12 năm 2025")
        var prose = ReportProse()
        prose.place = "Uông Bí"
        prose.issuedOn = LocalDate(iso: "2024-09-18")
        #expect(prose.placeAndDate == "Uông Bí, ngày 18 tháng 9 năm 2024")
    }

    @Test("ISO dates parse only when they are real days")
    func parsing() {
        #expect(LocalDate(iso: "2025-02-03") == LocalDate(year: 2025, month: 2, day: 3))
        #expect(LocalDate(iso: "2024-02-29") != nil)
        for bad in ["2025-02-29", "2025-13-01", "2025-00-10", "2025-1-1", "19/08/2024", "", "2025-02-3x", "２０２５-01-01"] {
            #expect(LocalDate(iso: bad) == nil, "\(bad) must not parse")
        }
    }

    @Test("Shown as dd/MM/yyyy, stored as YYYY-MM-DD")
    func formats() {
        let d = LocalDate(year: 2024, month: 8, day: 19)!
        #expect(d.display == "19/08/2024")
        #expect(d.iso == "2024-08-19")
    }

    @Test("Day numbers round-trip and count both ends of a span")
    func dayNumbers() {
        #expect(LocalDate(year: 1970, month: 1, day: 1)!.dayNumber == 0)
        #expect(LocalDate(year: 2025, month: 7, day: 1)!.dayNumber == 20_270)
        for n in [-1000, 0, 20_000, 20_270, 30_000] {
            #expect(LocalDate(dayNumber: n).dayNumber == n)
        }
        // Phase 1 of the seed: 19/08/2024 to 03/02/2025 is 169 days; phase 2 is 197.
        #expect(DateSpan(start: LocalDate(iso: "2024-08-19")!, end: LocalDate(iso: "2025-02-03")!).dayCount == 169)
        #expect(DateSpan(start: LocalDate(iso: "2025-02-04")!, end: LocalDate(iso: "2025-08-19")!).dayCount == 197)
    }

    @Test("One year earlier keeps the day; 29 February falls back to the 28th")
    func yearEarlier() {
        #expect(LocalDate(iso: "2025-08-19")!.oneYearEarlier == LocalDate(iso: "2024-08-19"))
        #expect(LocalDate(iso: "2024-02-29")!.oneYearEarlier == LocalDate(iso: "2023-02-28"))
    }

    @Test("The Vietnam day turns at 17:00 UTC")
    func vietnamBoundaries() {
        // 03/02/2025 23:30 in Vietnam is 16:30 UTC: still the last day of phase 1.
        let lastEvening = Date(timeIntervalSince1970: 1_738_600_200) // 2025-02-03T16:30:00Z
        #expect(VietnamTime.localDate(of: lastEvening) == LocalDate(iso: "2025-02-03"))
        #expect(VietnamTime.display(lastEvening) == "03/02/2025 23:30")
        // 04/02/2025 00:30 in Vietnam is 17:30 UTC on the 3rd: already phase 2.
        let nextMorning = Date(timeIntervalSince1970: 1_738_603_800) // 2025-02-03T17:30:00Z
        #expect(VietnamTime.localDate(of: nextMorning) == LocalDate(iso: "2025-02-04"))
        #expect(VietnamTime.display(nextMorning) == "04/02/2025 00:30")
        #expect(VietnamTime.startOfDay(LocalDate(iso: "2025-02-04")!) == Date(timeIntervalSince1970: 1_738_602_000))
        // Before 1970, too.
        #expect(VietnamTime.localDate(of: Date(timeIntervalSince1970: -3600)) == LocalDate(iso: "1970-01-01"))
        #expect(VietnamTime.localDate(of: Date(timeIntervalSince1970: -26_000)) == LocalDate(iso: "1969-12-31"))
    }
}

@Suite("Month cover: whole months from totals, single days at the edges")
struct MonthCoverTests {
    func span(_ a: String, _ b: String) -> DateSpan { DateSpan(start: LocalDate(iso: a)!, end: LocalDate(iso: b)!) }
    func months(_ texts: String...) -> [Month] { texts.map { Month(text: $0)! } }

    @Test("Phase 2 of the seed: February to August, less 01–03/02 and 20–31/08")
    func phase2() {
        let c = MonthCover(span: span("2025-02-04", "2025-08-19"))
        #expect(c.months == months("2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"))
        #expect(c.add == [])
        #expect(c.subtract == [span("2025-02-01", "2025-02-03"), span("2025-08-20", "2025-08-31")])
    }

    @Test("Phase 1: 13 days of August 2024 and 3 of February 2025 are read as days; September to January whole")
    func phase1() {
        let c = MonthCover(span: span("2024-08-19", "2025-02-03"))
        #expect(c.months == months("2024-09", "2024-10", "2024-11", "2024-12", "2025-01"))
        #expect(c.add == [span("2024-08-19", "2024-08-31"), span("2025-02-01", "2025-02-03")])
        #expect(c.subtract == [])
    }

    @Test("Inside one month; exactly half a month is read as days; leap February")
    func edges() {
        let within = MonthCover(span: span("2025-03-10", "2025-03-20"))
        #expect(within.months == [] && within.add == [span("2025-03-10", "2025-03-20")] && within.subtract == [])
        let inner = MonthCover(span: span("2025-03-02", "2025-03-30"))
        #expect(inner.months == months("2025-03"))
        #expect(inner.subtract == [span("2025-03-01", "2025-03-01"), span("2025-03-31", "2025-03-31")])
        // 14 of February 2025's 28 days: not more than half, so read as days.
        #expect(MonthCover(span: span("2025-02-01", "2025-02-14")).add == [span("2025-02-01", "2025-02-14")])
        // 15 of February 2024's 29: the month less 16–29/02.
        let leap = MonthCover(span: span("2024-02-01", "2024-02-15"))
        #expect(leap.months == months("2024-02"))
        #expect(leap.subtract == [span("2024-02-16", "2024-02-29")])
        // A single day.
        let one = MonthCover(span: span("2025-12-31", "2025-12-31"))
        #expect(one.months == [] && one.add == [span("2025-12-31", "2025-12-31")] && one.subtract == [])
    }
}

@Suite("Months at the calendar's ends")
struct MonthEndsTests {
    @Test("Stepping and spans stop at 0001-01 and 9999-12 instead of failing")
    func ends() throws {
        let first = try #require(Month(text: "0001-01")), last = try #require(Month(text: "9999-12"))
        #expect(first.previous == first)
        #expect(last.next == last)
        #expect(try #require(Month(text: "9999-10")).through(last).map(\.text) == ["9999-10", "9999-11", "9999-12"])
        #expect(try #require(Month(text: "2025-11")).through(try #require(Month(text: "2026-02"))).map(\.display)
                == ["11/2025", "12/2025", "01/2026", "02/2026"])
        #expect(last.through(first).isEmpty)
        #expect(Month.counted(in: DateSpan(start: LocalDate(iso: "9999-11-20")!, end: LocalDate(iso: "9999-12-31")!)).map(\.text) == ["9999-12"])
    }
}
