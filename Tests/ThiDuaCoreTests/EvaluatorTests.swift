import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Evaluation: points, classification, rank, projection")
struct EvaluatorTests {
    let plan = try! PlanLoader.load(yaml: minimalPlan)
    var phase1: Phase { plan.phases[0] }
    let tipsN = Measure.records(.informationSource, filter: [RecordFilter(field: "origin", value: "people")], during: .phase)
    let tipsD = Measure.records(.informationSource, filter: [], during: .phase)
    let accidents = Measure.figure(.trafficAccidents, .sum)

    func unit(_ name: String) -> UnitInfo {
        UnitInfo(code: name, level: .commune, kind: "phường", name: name, validFrom: LocalDate(iso: "2020-01-01")!)
    }

    func facts(_ name: String, n: Double?, d: Double?, now: Double?, before: Double?, beforeWhole: Double? = nil) -> UnitFacts {
        var f = UnitFacts(unit: unit(name))
        f.facts[FactKey(tipsN, .phase)] = FactValue(value: n, basis: Int(n ?? 0))
        f.facts[FactKey(tipsD, .phase)] = FactValue(value: d, basis: Int(d ?? 0))
        f.facts[FactKey(accidents, .phase)] = FactValue(value: now, basis: now == nil ? 0 : 1)
        f.facts[FactKey(accidents, .previousYear)] = FactValue(value: before, basis: before == nil ? 0 : 1)
        f.facts[FactKey(accidents, .previousYearWholePhase)] = FactValue(value: beforeWhole ?? before, basis: 1)
        return f
    }

    var ended: EvaluationWindow { EvaluationWindow(phase: phase1, asOf: LocalDate(iso: "2025-08-20")!) }

    @Test("The plan asks for each quantity it needs once")
    func factKeys() {
        #expect(plan.factKeys == [FactKey(tipsN, .phase), FactKey(tipsD, .phase), FactKey(accidents, .phase),
                                  FactKey(accidents, .previousYear), FactKey(accidents, .previousYearWholePhase)])
    }

    @Test("Scores by goal, worked by hand")
    func scores() {
        #expect(Evaluator.score(value: 80, baseline: nil, goal: .atLeast(80)) == (true, 1))
        #expect(Evaluator.score(value: 50, baseline: nil, goal: .atLeast(80)) == (false, 0.625))
        #expect(Evaluator.score(value: 0, baseline: nil, goal: .atLeast(0)) == (true, 1))
        #expect(Evaluator.score(value: 5, baseline: nil, goal: .atMost(4)) == (false, 0.8))
        #expect(Evaluator.score(value: 4, baseline: nil, goal: .atMost(4)) == (true, 1))
        #expect(Evaluator.score(value: 3, baseline: 4, goal: .decrease(byPercent: nil)) == (true, 1))
        #expect(Evaluator.score(value: 4, baseline: 4, goal: .decrease(byPercent: nil)) == (false, 0))
        #expect(Evaluator.score(value: 0, baseline: 0, goal: .decrease(byPercent: nil)) == (true, 1))
        #expect(Evaluator.score(value: 1, baseline: 0, goal: .decrease(byPercent: nil)) == (false, 0))
        // Decrease by 20% from 10: full at 8 or below, none at 10 or above, half at 9.
        #expect(Evaluator.score(value: 8, baseline: 10, goal: .decrease(byPercent: 20)) == (true, 1))
        #expect(Evaluator.score(value: 9, baseline: 10, goal: .decrease(byPercent: 20)) == (false, 0.5))
        #expect(Evaluator.score(value: 11, baseline: 10, goal: .decrease(byPercent: 20)) == (false, 0))
        #expect(Evaluator.score(value: 3, baseline: nil, goal: .decrease(byPercent: nil)) == (false, 0))
    }

    @Test("Values, points and totals of a finished phase")
    func finishedPhase() {
        let a = Evaluator.evaluateUnit(plan: plan, window: ended, facts: facts("A", n: 4, d: 5, now: 2, before: 3))
        #expect(a.targets.map(\.value) == [80, 2])
        #expect(a.targets.map(\.points) == [20, 10])
        #expect(a.targets.map(\.met) == [true, true])
        #expect(a.targets[1].baseline == 3)
        #expect(a.total == 30)
        #expect(a.classification?.id == "good")
        #expect(a.targets.map(\.atRisk) == [false, false])
        let b = Evaluator.evaluateUnit(plan: plan, window: ended, facts: facts("B", n: 1, d: 2, now: 3, before: 3))
        #expect(b.targets.map(\.value) == [50, 3])
        #expect(b.targets.map(\.points) == [12.5, 0])
        #expect(b.total == 12.5)
        #expect(b.classification?.id == "rest")
    }

    @Test("No data is not zero: a zero denominator or an unreported figure earns the missing-data points")
    func noData() {
        let c = Evaluator.evaluateUnit(plan: plan, window: ended, facts: facts("C", n: 0, d: 0, now: nil, before: 1))
        #expect(c.targets.map(\.noData) == [true, true])
        #expect(c.targets.map(\.value) == [nil, nil])
        #expect(c.targets.map(\.points) == [0, 0])
        #expect(c.reportingCompleteness == 0)
        var generous = plan
        generous.missingDataPoints = 3
        let g = Evaluator.evaluateUnit(plan: generous, window: ended, facts: facts("C", n: 0, d: 0, now: nil, before: 1))
        #expect(g.targets.map(\.points) == [3, 3])
        let half = Evaluator.evaluateUnit(plan: plan, window: ended, facts: facts("D", n: 0, d: 3, now: nil, before: nil))
        #expect(half.targets[0].value == 0)
        #expect(half.reportingCompleteness == 0.5)
    }

    @Test("All-or-nothing scoring gives nothing below the goal")
    func allOrNothing() {
        var strict = plan
        strict.contents[0].targets[0].scoring = .allOrNothing
        let b = Evaluator.evaluateUnit(plan: strict, window: ended, facts: facts("B", n: 1, d: 2, now: 3, before: 3))
        #expect(b.targets[0].points == 0)
    }

    @Test("Equal totals share a rank; within a tie, more targets met first, then the name")
    func ranking() {
        let units = [
            facts("E", n: 1, d: 2, now: 3, before: 3), // 12.5, 0 met
            facts("A", n: 4, d: 5, now: 2, before: 3), // 30
            facts("D", n: 0, d: 0, now: nil, before: nil), // 0
            facts("B", n: 1, d: 2, now: 3, before: 3), // 12.5
            facts("C", n: 5, d: 5, now: 9, before: 3), // 20, 1 met
        ]
        let ranked = Evaluator.evaluate(plan: plan, window: ended, units: units)
        #expect(ranked.map(\.unit.name) == ["A", "C", "B", "E", "D"])
        #expect(ranked.map(\.rank) == [1, 2, 3, 3, 5])
        #expect(ranked.map(\.total) == [30, 20, 12.5, 12.5, 0])
    }

    @Test("Evaluated again for the units whose facts changed: the same as everyone afresh, ranks moved for all")
    func reevaluate() {
        let units = [
            facts("E", n: 1, d: 2, now: 3, before: 3), // 12.5
            facts("A", n: 4, d: 5, now: 2, before: 3), // 30
            facts("D", n: 0, d: 0, now: nil, before: nil), // 0
            facts("B", n: 1, d: 2, now: 3, before: 3), // 12.5
            facts("C", n: 5, d: 5, now: 9, before: 3), // 20
        ]
        let before = Evaluator.evaluate(plan: plan, window: ended, units: units)
        // D's tips come in (5 of 5 from the people, accidents down from 3 to 2): 30 points, tied with A, named after
        // it. E's tips are all from the people now: 20 points, tied with C (one target met each), named after it.
        var d = facts("D", n: 5, d: 5, now: 2, before: 3)
        d.unit = units[2].unit
        var e = facts("E", n: 2, d: 2, now: 3, before: 3)
        e.unit = units[0].unit
        let after = Evaluator.reevaluate(plan: plan, window: ended, previous: before, changed: [d, e])
        let afresh = Evaluator.evaluate(plan: plan, window: ended, units: [e, units[1], d, units[3], units[4]])
        #expect(after == afresh)
        #expect(after.map(\.unit.name) == ["A", "D", "C", "E", "B"])
        #expect(after.map(\.rank) == [1, 1, 3, 3, 5])
        #expect(after.map(\.total) == [30, 30, 20, 20, 12.5])
        #expect(Evaluator.reevaluate(plan: plan, window: ended, previous: before, changed: []) == before)
    }

    @Test("Within a tie the name decides, as the formula says, even where the codes run the other way")
    func tieByNameNotCode() {
        var bSon = facts("x", n: 1, d: 2, now: 3, before: 3)
        bSon.unit = UnitInfo(code: "06814", level: .commune, kind: "phường", name: "Bắc Sơn", validFrom: LocalDate(iso: "2020-01-01")!)
        var anLac = facts("y", n: 1, d: 2, now: 3, before: 3)
        anLac.unit = UnitInfo(code: "06899", level: .commune, kind: "xã", name: "An Lạc", validFrom: LocalDate(iso: "2020-01-01")!)
        let ranked = Evaluator.evaluate(plan: plan, window: ended, units: [bSon, anLac])
        #expect(ranked.map(\.unit.name) == ["An Lạc", "Bắc Sơn"])
        #expect(ranked.map(\.rank) == [1, 1])
    }

    @Test("Bands: the highest floor reached, the lowest below every floor")
    func classification() {
        let bands = plan.classification
        #expect(Evaluator.classify(20, bands: bands)?.id == "good")
        #expect(Evaluator.classify(19.99, bands: bands)?.id == "rest")
        #expect(Evaluator.classify(-5, bands: bands)?.id == "rest")
    }

    @Test("Criteria count the reviewed score once given, capped at their points; adjustments add and subtract")
    func criteriaAndAdjustments() throws {
        let seed = try PlanLoader.load(yaml: try shippedPlanYAML())
        var f = UnitFacts(unit: unit("A"))
        f.assessments = ["tuyen-truyen-luat": Assessment(selfScore: 8, reviewedScore: 6),
                         "phoi-hop": Assessment(selfScore: 99, reviewedScore: nil)]
        f.adjustments = ["thanh-tich-dot-xuat": 9, "vu-viec-nghiem-trong": 4]
        let r = Evaluator.evaluateUnit(plan: seed, window: EvaluationWindow(phase: seed.phases[0], asOf: LocalDate(iso: "2026-01-01")!), facts: f)
        #expect(r.criteriaPoints == 13) // 6 reviewed + 7 (self 99 capped at 7)
        #expect(seed.criteria[1].accepts(score: 7))
        #expect(!seed.criteria[1].accepts(score: 7.5))
        #expect(!seed.criteria[1].accepts(score: -1))
        #expect(seed.adjustments[0].accepts(points: 5))
        #expect(!seed.adjustments[0].accepts(points: .nan))
        #expect(r.adjustmentPoints == 1) // +5 (9 capped at 5) − 4
    }

    @Test("A running phase: counts project by their run rate, ratios as they stand, the baseline of the whole phase")
    func projection() {
        // Phase 1 has 169 days; on 2024-10-18 62 days have passed.
        let window = EvaluationWindow(phase: phase1, asOf: LocalDate(iso: "2024-10-18")!)
        #expect(window.elapsedDays == 61)
        #expect(!window.isOver)
        #expect(window.span == DateSpan(start: LocalDate(iso: "2024-08-19")!, end: LocalDate(iso: "2024-10-18")!))
        #expect(window.previousYearSpan == DateSpan(start: LocalDate(iso: "2023-08-19")!, end: LocalDate(iso: "2023-10-18")!))
        let r = Evaluator.evaluateUnit(plan: plan, window: window,
                                       facts: facts("A", n: 3, d: 5, now: 2, before: 3, beforeWhole: 5))
        #expect(r.targets[0].projection == 60)
        #expect(r.targets[0].atRisk)
        #expect(r.targets[0].basis == 5)
        // 2 accidents in 61 days → 2 × 169 / 61 = 5.54 by the end, against 5 a year earlier: at risk.
        #expect(r.targets[1].projection == 5.54)
        #expect(r.targets[1].met)
        #expect(r.targets[1].atRisk)
        let before = EvaluationWindow(phase: phase1, asOf: LocalDate(iso: "2024-08-01")!)
        #expect(before.elapsedDays == 0)
        #expect(before.span == nil)
        let notStarted = Evaluator.evaluateUnit(plan: plan, window: before, facts: facts("A", n: 0, d: 0, now: 0, before: 0))
        #expect(notStarted.targets.allSatisfy { $0.projection == nil && !$0.atRisk })
    }

    @Test("Roll-up recomputes ratios from sums, never averages percentages")
    func rollUp() {
        let a = facts("A", n: 4, d: 5, now: 2, before: 3)
        let b = facts("B", n: 1, d: 5, now: nil, before: 1)
        let province = UnitInfo(code: "P", level: .province, kind: "tỉnh", name: "P", validFrom: LocalDate(iso: "2020-01-01")!)
        let r = Evaluator.rollUp(plan: plan, window: ended, unit: province, communes: [a, b])
        #expect(r.targets[0].numerator == 5)
        #expect(r.targets[0].denominator == 10)
        #expect(r.targets[0].value == 50) // not (80 + 20) / 2
        // B reported no accidents this year: it adds to neither side, so A's 2 stand against A's 3, not 3 + 1.
        #expect(r.targets[1].value == 2)
        #expect(r.targets[1].baseline == 3)
        #expect(r.targets[1].communes == CommuneCount(total: 2, counted: 1, met: 1))
        #expect(r.rank == nil)
    }

    @Test("Property: one more tip from the people never lowers the ratio", arguments: 0..<20)
    func moreTipsNeverLower(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let d = Double(Int.random(in: 1...500, using: &rng))
        let n = Double(Int.random(in: 0...Int(d), using: &rng))
        let before = Evaluator.evaluateUnit(plan: plan, window: ended, facts: facts("A", n: n, d: d, now: 1, before: 2))
        let after = Evaluator.evaluateUnit(plan: plan, window: ended, facts: facts("A", n: n + 1, d: d + 1, now: 1, before: 2))
        #expect(after.targets[0].value! >= before.targets[0].value!)
        #expect(after.targets[0].points >= before.targets[0].points)
        #expect(after.total >= before.total)
    }

    @Test("Per 1,000 residents: a fair count; no population, no data")
    func perThousand() throws {
        let yaml = minimalPlan.replacingOccurrences(
            of: "ratio:\n            numerator: {records: information_source, where: {origin: people}}\n            denominator: {records: information_source}",
            with: "count: {records: propaganda, per_thousand: true}").replacingOccurrences(of: "goal: {at_least: 80}", with: "goal: {at_least: 2}")
        let p = try PlanLoader.load(yaml: yaml)
        let m = Measure.records(.propaganda, filter: [], during: .phase)
        var f = UnitFacts(unit: unit("A"), population: 4000)
        f.facts[FactKey(m, .phase)] = FactValue(value: 6, basis: 6)
        let r = Evaluator.evaluateUnit(plan: p, window: ended, facts: f)
        // 6 sessions for 4,000 residents = 1.5 per 1,000, against a goal of 2: 0.75 × 20 = 15.
        #expect(r.targets[0].value == 1.5)
        #expect(r.targets[0].points == 15)
        f.population = nil
        #expect(Evaluator.evaluateUnit(plan: p, window: ended, facts: f).targets[0].noData)
        #expect(problems(yaml.replacingOccurrences(of: "per_thousand: true", with: "per_thousand: often")).map(\.key) == ["plan.notBoolean"])
    }

    @Test("A declared baseline is for the whole phase; while it runs, its share of the days passed")
    func declaredBaseline() throws {
        let p = try PlanLoader.load(yaml: minimalPlan.replacingOccurrences(of: "baseline: previous_year", with: "baseline: {declared: 169}"))
        var f = facts("A", n: 1, d: 1, now: 30, before: nil)
        f.facts[FactKey(accidents, .phase)] = FactValue(value: 30, basis: 3)
        let running = EvaluationWindow(phase: phase1, asOf: LocalDate(iso: "2024-10-18")!) // 61 of 169 days
        let r = Evaluator.evaluateUnit(plan: p, window: running, facts: f)
        #expect(r.targets[1].baseline == 61)
        #expect(r.targets[1].met)
        // 30 in 61 days → 83.11 by the end, under the declared 169: not at risk.
        #expect(r.targets[1].projection == 83.11)
        #expect(!r.targets[1].atRisk)
        let done = Evaluator.evaluateUnit(plan: p, window: ended, facts: f)
        #expect(done.targets[1].baseline == 169)
    }

    @Test("Months count in the phase that holds their 15th")
    func months() {
        let p1 = DateSpan(start: LocalDate(iso: "2024-08-19")!, end: LocalDate(iso: "2025-02-03")!)
        let p2 = DateSpan(start: LocalDate(iso: "2025-02-04")!, end: LocalDate(iso: "2025-08-19")!)
        #expect(Month.counted(in: p1).map(\.text) == ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01"])
        #expect(Month.counted(in: p2).map(\.text) == ["2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"])
        #expect(Month(text: "2025-13") == nil)
        #expect(Month(text: "2025-7") == nil)
        #expect(Month(text: "2025-07")?.lastDay == LocalDate(iso: "2025-07-31"))
    }
}
