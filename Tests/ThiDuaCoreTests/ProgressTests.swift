import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Progress: a target's status and what is left to do")
struct ProgressTests {
    let fromPeople = Measure.records(.informationSource, filter: [RecordFilter(field: "category", value: "social_order"),
                                                                 RecordFilter(field: "origin", value: "people")], during: .phase)
    let allSources = Measure.records(.informationSource, filter: [RecordFilter(field: "category", value: "social_order")], during: .phase)
    let cards = Measure.figure(.under14WithIdCard, .latest)
    let children = Measure.figure(.under14Population, .latest)
    let models = Measure.records(.model, filter: [], during: .activeAtEnd)

    func result(value: Double?, n: Double? = nil, d: Double? = nil, met: Bool = false, atRisk: Bool = false,
                projection: Double? = nil, noData: Bool = false) -> TargetResult {
        TargetResult(targetID: "t", contentID: "c", value: value, numerator: n, denominator: d, baseline: nil,
                     goal: .atLeast(80), attainment: nil, points: 0, maxPoints: 10, met: met, noData: noData,
                     projection: projection, basis: 0, atRisk: atRisk)
    }

    @Test("Status: met, on track, at risk, missed, no data; the phase's end decides on track or missed")
    func status() {
        #expect(TargetStatus(result(value: nil, noData: true), phaseOver: false) == .noData)
        #expect(TargetStatus(result(value: 85, met: true, projection: 85), phaseOver: false) == .met)
        #expect(TargetStatus(result(value: 1, projection: 3), phaseOver: false) == .onTrack)
        #expect(TargetStatus(result(value: 1, projection: 3), phaseOver: true) == .missed)
        #expect(TargetStatus(result(value: 50, atRisk: true, projection: 50), phaseOver: false) == .atRisk)
        #expect(TargetStatus(result(value: 50), phaseOver: false) == .missed)
    }

    @Test("A share whose numerator is among its denominator: each record added raises both")
    func ratioSubset() {
        // 27 of 45 sources from the people (60 %); 80 % needs (0.8·45 − 27) ÷ 0.2 = 45 more: 72 of 90.
        let target = Target(id: "t", name: "t", indicator: .ratio(numerator: fromPeople, denominator: allSources),
                            goal: .atLeast(80), points: 15)
        #expect(Progress.gap(target: target, result: result(value: 60, n: 27, d: 45), population: nil) == .more(45, fromPeople))
        // 35 of 45: (36 − 35) ÷ 0.2 = 5 more, 40 of 50 = 80 %.
        #expect(Progress.gap(target: target, result: result(value: 77.78, n: 35, d: 45), population: nil) == .more(5, fromPeople))
        // Met: nothing to do.
        #expect(Progress.gap(target: target, result: result(value: 80, n: 36, d: 45, met: true), population: nil) == nil)
    }

    @Test("A share of another figure: only the numerator grows")
    func ratioOther() {
        // 900 cards for 1,200 children (75 %); 80 % needs 960: 60 more.
        let target = Target(id: "t", name: "t", indicator: .ratio(numerator: cards, denominator: children),
                            goal: .atLeast(80), points: 10)
        #expect(Progress.gap(target: target, result: result(value: 75, n: 900, d: 1200), population: nil) == .more(60, cards))
        // 80 % of 45 is 36 exactly, not 36.000000000000004 rounded up to 37.
        #expect(Progress.gap(target: target, result: result(value: 0, n: 0, d: 45), population: nil) == .more(36, cards))
    }

    @Test("Counts: the goal minus the value; per thousand residents scaled by the population")
    func counts() {
        let one = Target(id: "t", name: "t", indicator: .count(models, perThousand: false), goal: .atLeast(1), points: 10)
        #expect(Progress.gap(target: one, result: result(value: 0), population: nil) == .more(1, models))
        let rate = Target(id: "t", name: "t", indicator: .count(models, perThousand: true), goal: .atLeast(2), points: 10)
        // 1.5 per thousand in 9,886 residents: 0.5 × 9.886 = 4.943, so 5 more.
        #expect(Progress.gap(target: rate, result: result(value: 1.5), population: 9886) == .more(5, models))
        #expect(Progress.gap(target: rate, result: result(value: 1.5), population: nil) == nil)
        // A ceiling has no "more" to do.
        let ceiling = Target(id: "t", name: "t", indicator: .count(models, perThousand: false), goal: .atMost(3), points: 10)
        #expect(Progress.gap(target: ceiling, result: result(value: 5), population: nil) == nil)
        // No data: nothing to say.
        #expect(Progress.gap(target: one, result: result(value: nil, noData: true), population: nil) == nil)
    }
}
