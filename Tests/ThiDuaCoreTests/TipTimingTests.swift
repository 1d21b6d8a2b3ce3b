import Foundation
import Testing
@testable import ThiDuaCore

@Suite("When tips reach the database, and how long a closed tip is kept")
struct TipTimingTests {
    /// An instant in Vietnam time (UTC+7).
    static func vn(_ day: String, _ hour: Int, _ minute: Int, _ second: Int = 0) -> Date {
        VietnamTime.startOfDay(LocalDate(iso: day)!).addingTimeInterval(TimeInterval(hour * 3600 + minute * 60 + second))
    }

    @Test("Releases fall every interval from each Vietnam midnight, strictly after now; the day's last ends at midnight")
    func releases() {
        func vn(_ d: String, _ h: Int, _ m: Int, _ sec: Int = 0) -> Date { Self.vn(d, h, m, sec) }
        #expect(TipRelease.next(after: vn("2026-12-07", 10, 5), every: 60) == vn("2026-12-07", 11, 0))
        // On a release itself: the next one (what arrives now waits for it).
        #expect(TipRelease.next(after: vn("2026-12-07", 10, 0), every: 60) == vn("2026-12-07", 11, 0))
        #expect(TipRelease.next(after: vn("2026-12-07", 9, 59, 59), every: 60) == vn("2026-12-07", 10, 0))
        // 23:59:30 in Vietnam is 16:59:30 UTC: the next release is Vietnam's midnight, not UTC's.
        #expect(TipRelease.next(after: vn("2026-12-07", 23, 59, 30), every: 60) == vn("2026-12-08", 0, 0))
        #expect(TipRelease.next(after: vn("2026-12-07", 23, 59, 30), every: 60) == Date(timeIntervalSince1970: 1_796_662_800))
        // 45 minutes: …, 22:30, 23:15, midnight; 50 minutes does not divide the day: …, 23:20, then midnight.
        #expect(TipRelease.next(after: vn("2026-12-07", 23, 0), every: 45) == vn("2026-12-07", 23, 15))
        #expect(TipRelease.next(after: vn("2026-12-07", 23, 20), every: 45) == vn("2026-12-08", 0, 0))
        #expect(TipRelease.next(after: vn("2026-12-07", 0, 0), every: 45) == vn("2026-12-07", 0, 45))
        #expect(TipRelease.next(after: vn("2026-12-07", 23, 0), every: 50) == vn("2026-12-07", 23, 20))
        #expect(TipRelease.next(after: vn("2026-12-07", 23, 25), every: 50) == vn("2026-12-08", 0, 0))
        // Once a day (and anything longer is a day); none: at once.
        #expect(TipRelease.next(after: vn("2026-12-07", 0, 0), every: 1440) == vn("2026-12-08", 0, 0))
        #expect(TipRelease.next(after: vn("2026-12-07", 13, 7), every: 5000) == vn("2026-12-08", 0, 0))
        #expect(TipRelease.next(after: vn("2026-12-07", 13, 7), every: 0) == vn("2026-12-07", 13, 7))
        // The last day of February 2028 (a leap year) runs into 29 February.
        #expect(TipRelease.next(after: vn("2028-02-28", 23, 30), every: 60) == vn("2028-02-29", 0, 0))
    }

    @Test("A closed tip loses its contact after 30 days and its content after 730; an open or erased one keeps all")
    func retention() {
        let r = TipRetention.standard
        let closed = LocalDate(iso: "2026-01-10")!
        func step(_ today: String, _ status: TipStatus = .resolved, contact: Bool = true, erased: Bool = false) -> TipRetention.Step {
            r.step(status: status, closedOn: closed, hasContact: contact, erased: erased, today: LocalDate(iso: today)!)
        }
        #expect(step("2026-01-10") == .keep)
        #expect(step("2026-02-08") == .keep)          // 29 days
        #expect(step("2026-02-09") == .eraseContact)  // 30 days
        #expect(step("2026-02-09", .unfounded) == .eraseContact)
        #expect(step("2026-02-09", contact: false) == .keep)
        #expect(step("2028-01-09", contact: false) == .keep)       // 729 days (2026 and 2027 have 365 each)
        #expect(step("2028-01-10", contact: false) == .eraseContent) // 730 days
        #expect(step("2028-01-10") == .eraseContent)
        #expect(step("2030-01-01", erased: true) == .keep)
        // Open (reopened to verify again), or closed on no known day: kept whole.
        #expect(step("2030-01-01", .verifying) == .keep)
        #expect(step("2030-01-01", .new) == .keep)
        #expect(r.step(status: .resolved, closedOn: nil, hasContact: true, erased: false, today: LocalDate(iso: "2030-01-01")!) == .keep)
    }

    @Test("Retention periods from the settings: two whole numbers of days, the contact's no longer than the content's")
    func retentionSetting() {
        #expect(TipRetention("30,730") == .standard)
        #expect(TipRetention(" 7 , 365 ") == TipRetention(contactDays: 7, contentDays: 365))
        #expect(TipRetention("30,30") == TipRetention(contactDays: 30, contentDays: 30))
        for bad in ["", "30", "30,", ",730", "0,730", "40,30", "30,36501", "a,b", "30,730,1", "-1,5", "1.5,30"] {
            #expect(TipRetention(bad) == nil, "\(bad)")
        }
    }
}
