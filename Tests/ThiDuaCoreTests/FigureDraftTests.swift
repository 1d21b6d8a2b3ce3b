import Foundation
import Testing
@testable import ThiDuaCore

@Suite("A month's figures: ranges, parts within wholes, unusual values")
struct FigureDraftTests {
    @Test("A part above its whole is wrong on the part; negative or huge values out of range")
    func errors() {
        let r = FigureDraft.check(values: [.under14Population: 2000, .under14WithIdCard: 2100, .eidEligible: 7000,
                                           .eidActivatedLevel2: 7000, .trafficAccidents: -1], previous: [:])
        #expect(r.errors == [.under14WithIdCard: "field.cardsAboveChildren", .trafficAccidents: "field.range"])
        let eid = FigureDraft.check(values: [.eidEligible: 10, .eidActivatedLevel2: 11], previous: [:])
        #expect(eid.errors == [.eidActivatedLevel2: "field.activatedAboveEligible"])
        // Without its whole this month, a part stands alone.
        #expect(FigureDraft.check(values: [.under14WithIdCard: 2100], previous: [:]).errors.isEmpty)
        #expect(FigureDraft.check(values: [.reoffenders: FigureDraft.maximum + 1], previous: [:]).errors == [.reoffenders: "field.range"])
    }

    @Test("Unusual: more than double or under half the median of the last three months, by 10 or more")
    func unusual() {
        // Median of 2, 3, 2 is 2: 40 is unusual, 12 too (10 more, over double), 11 not (9 more).
        #expect(FigureDraft.isUnusual(40, previous: [2, 3, 2]))
        #expect(FigureDraft.isUnusual(12, previous: [2, 3, 2]))
        #expect(!FigureDraft.isUnusual(11, previous: [2, 3, 2]))
        // 2,000 children after 1,980: usual. 900 after 2,000: under half.
        #expect(!FigureDraft.isUnusual(2000, previous: [1980, 1975, 1960]))
        #expect(FigureDraft.isUnusual(900, previous: [2000, 1990, 1985]))
        // Only the latest three count, and their median: 100, 100, 10 → 100.
        #expect(!FigureDraft.isUnusual(100, previous: [100, 10, 100, 5000]))
        // Two months: the mean of the two.
        #expect(FigureDraft.isUnusual(50, previous: [10, 20]))
        // No history: nothing to compare with.
        #expect(!FigureDraft.isUnusual(5000, previous: []))
        let r = FigureDraft.check(values: [.trafficAccidents: 40, .under14Population: 2000], previous: [.trafficAccidents: [2, 3, 2]])
        #expect(r.errors.isEmpty && r.unusual == [.trafficAccidents: "field.unusual"])
    }
}
