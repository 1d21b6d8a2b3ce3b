import Foundation
import Testing
@testable import ThiDuaCore

/// A plan whose targets have a per-commune count goal, an upper bound, a rate per 1,000, a declared baseline and
/// an all-or-nothing ratio: every way a roll-up can go wrong.
private let rollUpPlan = """
format: 1
id: rollup-plan
theme: Thử tổng hợp
organiser: {name: Ban Chỉ đạo thử}
total_points: 50
phases:
  - {id: p1, name: Đợt 1, start: 2025-01-01, end: 2025-06-30}
contents:
  - id: c1
    number: 1
    name: Tổng hợp
    targets:
      - id: models
        name: Mỗi xã ít nhất 1 mô hình
        indicator: {count: {records: model, during: active_at_end}}
        goal: {at_least: 1}
        points: 10
      - id: racing
        name: Đua xe không quá 60 vụ mỗi xã
        indicator: {count: {figure: illegal_racing, aggregate: sum}}
        goal: {at_most: 60}
        points: 10
      - id: cards
        name: Thẻ căn cước trẻ dưới 14 tuổi
        indicator:
          ratio:
            numerator: {figure: under14_with_id_card, aggregate: latest}
            denominator: {figure: under14_population, aggregate: latest}
        goal: {at_least: 90}
        points: 10
        scoring: all_or_nothing
      - id: propaganda
        name: Buổi tuyên truyền trên 1.000 dân
        indicator: {count: {records: propaganda, per_thousand: true}}
        goal: {at_least: 2}
        points: 10
      - id: accidents
        name: Giảm tai nạn so với mức nền
        indicator:
          change: {figure: traffic_accidents, aggregate: sum, baseline: {declared: 10}}
        goal: {decrease: true}
        points: 10
classification:
  - {id: all, name: Tất cả, min_points: 0}
"""

@Suite("Roll-ups: what a province's row rests on")
struct RollUpTests {
    let plan = try! PlanLoader.load(yaml: rollUpPlan)
    var window: EvaluationWindow { EvaluationWindow(phase: plan.phases[0], asOf: LocalDate(iso: "2025-06-30")!) }
    let models = Measure.records(.model, filter: [], during: .activeAtEnd)
    let racing = Measure.figure(.illegalRacing, .sum)
    let cardsN = Measure.figure(.under14WithIdCard, .latest)
    let cardsD = Measure.figure(.under14Population, .latest)
    let propaganda = Measure.records(.propaganda, filter: [], during: .phase)
    let accidents = Measure.figure(.trafficAccidents, .sum)
    let province = UnitInfo(code: "P", level: .province, kind: "tỉnh", name: "P", validFrom: LocalDate(iso: "2020-01-01")!)

    func commune(_ name: String, population: Int?, models m: Double, racing r: Double?, cards: (Double?, Double?),
                 propaganda p: Double, accidents a: Double?) -> UnitFacts {
        var f = UnitFacts(unit: UnitInfo(code: name, level: .commune, kind: "xã", name: name,
                                         validFrom: LocalDate(iso: "2020-01-01")!), population: population)
        f.facts[FactKey(models, .phase)] = FactValue(value: m, basis: Int(m))
        f.facts[FactKey(racing, .phase)] = FactValue(value: r, basis: r == nil ? 0 : 6)
        f.facts[FactKey(cardsN, .phase)] = FactValue(value: cards.0, basis: cards.0 == nil ? 0 : 1)
        f.facts[FactKey(cardsD, .phase)] = FactValue(value: cards.1, basis: cards.1 == nil ? 0 : 1)
        f.facts[FactKey(propaganda, .phase)] = FactValue(value: p, basis: Int(p))
        f.facts[FactKey(accidents, .phase)] = FactValue(value: a, basis: a == nil ? 0 : 6)
        return f
    }

    /// A: 1 model, 50 races, 90 of 100 cards, 4 sessions for 1,000 people, 6 accidents.
    /// B: no model, 70 races, 150 of 200 cards, 3 sessions for 3,000 people, 12 accidents.
    /// C: 2 models, racing never reported, cards never reported (no under-14 population), 5 sessions and no
    ///    population figure, accidents never reported.
    var communes: [UnitFacts] {
        [commune("A", population: 1000, models: 1, racing: 50, cards: (90, 100), propaganda: 4, accidents: 6),
         commune("B", population: 3000, models: 0, racing: 70, cards: (150, 200), propaganda: 3, accidents: 12),
         commune("C", population: nil, models: 2, racing: nil, cards: (40, nil), propaganda: 5, accidents: nil)]
    }

    @Test("Each target over the communes with data for it, worked by hand")
    func handWorked() {
        let r = Evaluator.rollUp(plan: plan, window: window, unit: province, communes: communes)
        let t = Dictionary(uniqueKeysWithValues: r.targets.map { ($0.targetID, $0) })
        // Models: 3 models over 3 communes against 1 each = 3: met, though B has none; 2 of 3 met alone.
        #expect(t["models"]?.value == 3)
        #expect(t["models"]?.met == true)
        #expect(t["models"]?.communes == CommuneCount(total: 3, counted: 3, met: 2))
        // Racing: A and B reported, 120 against 60 × 2 = 120: met. C adds nothing.
        #expect(t["racing"]?.value == 120)
        #expect(t["racing"]?.met == true)
        #expect(t["racing"]?.communes == CommuneCount(total: 3, counted: 2, met: 1))
        // Cards: C's 40 cards with no population would lift the share; it adds to neither side: 240 / 300 = 80 %.
        #expect(t["cards"]?.numerator == 240)
        #expect(t["cards"]?.denominator == 300)
        #expect(t["cards"]?.value == 80)
        #expect(t["cards"]?.communes == CommuneCount(total: 3, counted: 2, met: 1))
        // All or nothing: 80 % of a 90 % goal earns 0, not 8.89.
        #expect(t["cards"]?.points == 0)
        // Sessions per 1,000: (4 + 3) / 4,000 × 1,000 = 1.75; C has no population, so its 5 sessions do not count.
        #expect(t["propaganda"]?.value == 1.75)
        #expect(t["propaganda"]?.communes == CommuneCount(total: 3, counted: 2, met: 1))
        // Accidents: 18 against the declared 10 per commune × 2 communes = 20: a decrease, met.
        #expect(t["accidents"]?.value == 18)
        #expect(t["accidents"]?.baseline == 20)
        #expect(t["accidents"]?.met == true)
        #expect(t["accidents"]?.communes == CommuneCount(total: 3, counted: 2, met: 1))
        // The goal shown is the plan's, per commune.
        #expect(t["racing"]?.goal == .atMost(60))
    }

    @Test("A province of one commune is that commune")
    func single() {
        let one = [communes[1]]
        let r = Evaluator.rollUp(plan: plan, window: window, unit: province, communes: one)
        let alone = Evaluator.evaluateUnit(plan: plan, window: window, facts: one[0])
        #expect(r.targets.map(\.value) == alone.targets.map(\.value))
        #expect(r.targets.map(\.points) == alone.targets.map(\.points))
        #expect(r.total == alone.total)
    }

    @Test("No communes: every target without data")
    func empty() {
        let r = Evaluator.rollUp(plan: plan, window: window, unit: province, communes: [])
        #expect(r.targets.allSatisfy { $0.noData || $0.value == 0 })
        #expect(r.targets.allSatisfy { $0.communes?.total == 0 })
    }

    @Test("Property: every roll-up is the sum of what its counted communes contribute", arguments: 0..<30)
    func sums(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        func maybe(_ range: ClosedRange<Int>) -> Double? {
            Int.random(in: 0..<4, using: &rng) == 0 ? nil : Double(Int.random(in: range, using: &rng))
        }
        let list = (0..<Int.random(in: 1...12, using: &rng)).map { i in
            commune("X\(i)", population: Bool.random(using: &rng) ? Int.random(in: 500...20_000, using: &rng) : nil,
                    models: Double(Int.random(in: 0...3, using: &rng)), racing: maybe(0...90),
                    cards: (maybe(0...500), maybe(1...600)), propaganda: Double(Int.random(in: 0...30, using: &rng)),
                    accidents: maybe(0...20))
        }
        let r = Evaluator.rollUp(plan: plan, window: window, unit: province, communes: list)
        for (i, target) in plan.targets.enumerated() {
            let alone = list.map { Evaluator.evaluateTarget(target, contentID: "c1", plan: plan, window: window, facts: $0) }
            let counted = alone.indices.filter { !alone[$0].noData }
            let result = r.targets[i]
            #expect(result.communes?.counted == counted.count)
            #expect(result.communes?.met == counted.filter { alone[$0].met }.count)
            for key in target.factKeys {
                let sum = counted.compactMap { list[$0].fact(key.measure, key.window).value }.reduce(0, +)
                let expected: Double? = counted.isEmpty ? nil : sum
                switch target.indicator {
                case .ratio(let n, let d):
                    if key.measure == n, !counted.isEmpty { #expect(result.numerator == expected) }
                    if key.measure == d, !counted.isEmpty { #expect(result.denominator == expected) }
                case .count(_, let perThousand):
                    let people = counted.compactMap { list[$0].population }.reduce(0, +)
                    if !counted.isEmpty {
                        let v = perThousand ? sum / Double(people) * 1000 : sum
                        #expect(abs((result.value ?? -1) - v) < 1e-9)
                    }
                case .change:
                    if !counted.isEmpty {
                        #expect(result.value == expected)
                        #expect(result.baseline == 10 * Double(counted.count))
                    }
                }
            }
        }
    }
}
