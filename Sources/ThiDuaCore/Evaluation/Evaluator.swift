import Foundation

/// The days a set of results is read over.
public struct EvaluationWindow: Hashable, Sendable, Codable {
    public let phase: Phase
    /// The day the results are read as of (clamped into the phase).
    public let asOf: LocalDate
    /// Days of the phase that have passed, both ends counted (0 before it starts).
    public let elapsedDays: Int
    public let phaseDays: Int

    public init(phase: Phase, asOf: LocalDate) {
        self.phase = phase
        self.phaseDays = phase.span.dayCount
        if asOf < phase.start {
            self.asOf = phase.start
            self.elapsedDays = 0
        } else {
            self.asOf = min(asOf, phase.end)
            self.elapsedDays = phase.start.daysInclusive(to: self.asOf)
        }
    }

    public var isOver: Bool { elapsedDays == phaseDays }

    /// The months the phase has touched up to the day of the results (none before it starts): those a commune
    /// submits for approval.
    public var monthsSoFar: [Month] {
        hasStarted ? Month(phase.start).through(Month(asOf)) : []
    }
    public var hasStarted: Bool { elapsedDays > 0 }

    /// The days that count now: the phase so far.
    public var span: DateSpan? { hasStarted ? DateSpan(start: phase.start, end: asOf) : nil }
    public var previousYearSpan: DateSpan? { span.map { DateSpan(start: $0.start.oneYearEarlier, end: $0.end.oneYearEarlier) } }
    public var previousYearWholePhase: DateSpan { DateSpan(start: phase.start.oneYearEarlier, end: phase.end.oneYearEarlier) }

    public func span(for window: FactWindow) -> DateSpan? {
        switch window {
        case .phase: span
        case .previousYear: previousYearSpan
        case .previousYearWholePhase: previousYearWholePhase
        }
    }
}

public struct TargetResult: Hashable, Sendable, Codable {
    public var targetID: String
    public var contentID: String
    /// The indicator's value: a count, a count per 1,000 residents, a percentage, or the measure against its baseline.
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    public var baseline: Double?
    public var goal: Goal
    /// Earned points ÷ the target's points, 0 to 1.
    public var attainment: Double?
    public var points: Double
    public var maxPoints: Double
    public var met: Bool
    public var noData: Bool
    /// Where the value is heading by the phase's last day.
    public var projection: Double?
    /// How many records or reported months the value rests on.
    public var basis: Int
    /// The projection misses the goal while the phase is still running.
    public var atRisk: Bool
    /// For a roll-up: how many communes it rests on and how many of them met the target alone.
    public var communes: CommuneCount? = nil
}

/// A roll-up target's communes: `counted` of `total` had data for it (the roll-up rests on those alone), `met` of
/// them met the goal on their own.
public struct CommuneCount: Hashable, Sendable, Codable {
    public var total: Int
    public var counted: Int
    public var met: Int

    public init(total: Int, counted: Int, met: Int) {
        self.total = total
        self.counted = counted
        self.met = met
    }
}

public struct UnitResult: Hashable, Sendable, Codable {
    public var unit: UnitInfo
    public var targets: [TargetResult]
    public var targetPoints: Double
    public var criteriaPoints: Double
    public var adjustmentPoints: Double
    public var total: Double
    public var classification: ClassificationBand?
    /// 1 for the highest total; equal totals share a rank. Nil for a roll-up.
    public var rank: Int?
    public var targetsMet: Int
    /// Targets with data ÷ all targets.
    public var reportingCompleteness: Double
}

/// Turns measured facts into values, points, a classification, a rank and a projection.
public enum Evaluator {
    /// Totals are compared to the hundredth of a point, so that sums of fractions do not split a tie.
    public static func rounded(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    public static func evaluate(plan: Plan, window: EvaluationWindow, units: [UnitFacts]) -> [UnitResult] {
        let results = units.map { evaluateUnit(plan: plan, window: window, facts: $0) }
        return rank(results)
    }

    /// Results with some units' facts changed since: those units evaluated again, the rest as they were, everyone
    /// ranked again. The same as evaluating everyone afresh, for the cost of the changed units.
    public static func reevaluate(plan: Plan, window: EvaluationWindow, previous: [UnitResult], changed: [UnitFacts]) -> [UnitResult] {
        var fresh: [UUID: UnitResult] = [:]
        for facts in changed { fresh[facts.unit.id] = evaluateUnit(plan: plan, window: window, facts: facts) }
        return rank(previous.map { fresh[$0.unit.id] ?? $0 })
    }

    /// Ranks by total; equal totals share a rank. Within a tie the order is: more targets met, then the unit's name.
    public static func rank(_ results: [UnitResult]) -> [UnitResult] {
        let ordered = results.sorted { a, b in
            let (ta, tb) = (rounded(a.total), rounded(b.total))
            if ta != tb { return ta > tb }
            if a.targetsMet != b.targetsMet { return a.targetsMet > b.targetsMet }
            // By name, as the published formula says; the code only breaks a tie of names.
            let byName = UnitGraph.naturalCompare(a.unit.name, b.unit.name)
            return byName != 0 ? byName < 0 : UnitGraph.naturalOrder(a.unit, b.unit)
        }
        var ranked = ordered
        for i in ranked.indices {
            if i > 0 && rounded(ranked[i].total) == rounded(ranked[i - 1].total) {
                ranked[i].rank = ranked[i - 1].rank
            } else {
                ranked[i].rank = i + 1
            }
        }
        return ranked
    }

    public static func evaluateUnit(plan: Plan, window: EvaluationWindow, facts: UnitFacts) -> UnitResult {
        var targets: [TargetResult] = []
        for content in plan.contents {
            for target in content.targets {
                targets.append(evaluateTarget(target, contentID: content.id, plan: plan, window: window, facts: facts))
            }
        }
        let targetPoints = targets.reduce(0) { $0 + $1.points }
        let criteriaPoints = plan.criteria.reduce(0.0) { sum, criterion in
            let a = facts.assessments[criterion.id]
            let score = a?.reviewedScore ?? a?.selfScore ?? 0
            return sum + min(max(score, 0), criterion.points)
        }
        let adjustmentPoints = plan.adjustments.reduce(0.0) { sum, item in
            let given = min(max(facts.adjustments[item.id] ?? 0, 0), item.maxPoints)
            return sum + (item.kind == .bonus ? given : -given)
        }
        let total = rounded(targetPoints + criteriaPoints + adjustmentPoints)
        let withData = targets.filter { !$0.noData }.count
        return UnitResult(
            unit: facts.unit, targets: targets, targetPoints: rounded(targetPoints), criteriaPoints: rounded(criteriaPoints),
            adjustmentPoints: rounded(adjustmentPoints), total: total,
            classification: classify(total, bands: plan.classification), rank: nil,
            targetsMet: targets.filter(\.met).count,
            reportingCompleteness: targets.isEmpty ? 1 : Double(withData) / Double(targets.count))
    }

    /// The highest band whose floor the total reaches; the lowest band for a total below every floor.
    public static func classify(_ total: Double, bands: [ClassificationBand]) -> ClassificationBand? {
        let sorted = bands.sorted { $0.minPoints > $1.minPoints }
        return sorted.first { total >= $0.minPoints } ?? sorted.last
    }

    /// How far through the phase the value has come: the factor that projects a flow to the phase's end.
    static func runRate(_ window: EvaluationWindow) -> Double? {
        window.hasStarted ? Double(window.phaseDays) / Double(window.elapsedDays) : nil
    }

    /// Whether a measure accumulates over the phase (so it projects by its run rate) or is a level (as it stands).
    static func accumulates(_ m: Measure) -> Bool {
        switch m {
        case .records(_, _, let during): during == .phase
        case .figure(_, let aggregate): aggregate == .sum
        }
    }

    public static func evaluateTarget(_ target: Target, contentID: String, plan: Plan, window: EvaluationWindow,
                                      facts: UnitFacts) -> TargetResult {
        var r = TargetResult(targetID: target.id, contentID: contentID, value: nil, numerator: nil, denominator: nil,
                             baseline: nil, goal: target.goal, attainment: nil, points: plan.missingDataPoints,
                             maxPoints: target.points, met: false, noData: true, projection: nil, basis: 0, atRisk: false)
        r.points = min(plan.missingDataPoints, target.points)
        var projectedValue: Double?
        var projectedBaseline: Double?
        switch target.indicator {
        case let .count(m, perThousand):
            let f = facts.fact(m, .phase)
            r.basis = f.basis
            guard var v = f.value else { return r }
            if perThousand {
                guard let pop = facts.population, pop > 0 else { return r }
                v = v / Double(pop) * 1000
            }
            r.value = v
            if accumulates(m) { projectedValue = runRate(window).map { v * $0 } } else { projectedValue = v }
        case let .ratio(n, d):
            let (fn, fd) = (facts.fact(n, .phase), facts.fact(d, .phase))
            r.numerator = fn.value
            r.denominator = fd.value
            r.basis = fd.basis
            guard let nv = fn.value, let dv = fd.value, dv > 0 else { return r }
            r.value = nv / dv * 100
            projectedValue = r.value
        case let .change(m, baseline):
            let f = facts.fact(m, .phase)
            r.basis = f.basis
            let base: Double?
            switch baseline {
            case .previousYear:
                base = facts.fact(m, .previousYear).value
                projectedBaseline = facts.fact(m, .previousYearWholePhase).value
            case .declared(let whole):
                // A declared baseline is for the whole phase; so far, its share of the days that have passed.
                base = window.hasStarted ? whole * Double(window.elapsedDays) / Double(window.phaseDays) : nil
                projectedBaseline = whole
            }
            r.baseline = base
            guard let v = f.value, base != nil else { return r }
            r.value = v
            projectedValue = accumulates(m) ? runRate(window).map { v * $0 } : v
        }
        guard let value = r.value, window.hasStarted else { return r }
        r.noData = false
        let (met, fraction) = score(value: value, baseline: r.baseline, goal: target.goal)
        let earned = met || target.scoring == .proportional ? fraction : 0
        r.met = met
        r.attainment = earned
        r.points = rounded(earned * target.points)
        if let projectedValue {
            r.projection = rounded(projectedValue)
            if !window.isOver {
                let (projectedMet, _) = score(value: projectedValue, baseline: projectedBaseline ?? r.baseline, goal: target.goal)
                r.atRisk = !projectedMet
            }
        }
        return r
    }

    /// Whether a value meets its goal, and the share of the points it earns.
    ///
    /// At least: full when met, else value ÷ goal. At most: full when met, else goal ÷ value. Decrease: full at or
    /// below the goal, nothing at or above the baseline, linear between; a baseline of 0 is met only by 0.
    public static func score(value: Double, baseline: Double?, goal: Goal) -> (met: Bool, fraction: Double) {
        switch goal {
        case .atLeast(let g):
            if value >= g { return (true, 1) }
            return (false, g > 0 ? max(0, value / g) : 1)
        case .atMost(let g):
            if value <= g { return (true, 1) }
            return (false, value > 0 ? g / value : 0)
        case .decrease(let percent):
            guard let b = baseline else { return (false, 0) }
            if b <= 0 { return value <= 0 ? (true, 1) : (false, 0) }
            guard let p = percent else { return value < b ? (true, 1) : (false, 0) }
            let g = b * (1 - p / 100)
            if value <= g { return (true, 1) }
            if value >= b { return (false, 0) }
            return (false, (b - value) / (b - g))
        }
    }

    /// A higher unit's result from its communes' facts, target by target, over the communes that have data for
    /// it (a commune without a denominator, a population or a reported figure adds to neither side):
    /// - counts and sums add up; ratios and rates are recomputed from the sums (never an average of percentages);
    /// - a goal set per commune on a count ("at least 1 model") is held against the goal times the communes counted,
    ///   and so is a declared baseline;
    /// - each target says on how many communes it rests and how many of them met it alone.
    /// Criteria and adjustments belong to communes, so a roll-up has none.
    public static func rollUp(plan: Plan, window: EvaluationWindow, unit: UnitInfo, communes: [UnitFacts]) -> UnitResult {
        let alone = communes.map { evaluateUnit(plan: plan, window: window, facts: $0) }
        var targets: [TargetResult] = []
        var index = 0
        for content in plan.contents {
            for target in content.targets {
                let i = index
                index += 1
                let withData = communes.indices.filter { !alone[$0].targets[i].noData }
                let sum = contribution(of: withData.map { communes[$0] }, to: target, unit: unit)
                var r = evaluateTarget(scaled(target, by: withData.count), contentID: content.id, plan: plan,
                                       window: window, facts: sum)
                r.goal = target.goal
                r.communes = CommuneCount(total: communes.count, counted: withData.count,
                                          met: withData.filter { alone[$0].targets[i].met }.count)
                targets.append(r)
            }
        }
        let targetPoints = targets.reduce(0) { $0 + $1.points }
        let withData = targets.filter { !$0.noData }.count
        return UnitResult(
            unit: unit, targets: targets, targetPoints: rounded(targetPoints), criteriaPoints: 0, adjustmentPoints: 0,
            total: rounded(targetPoints), classification: classify(rounded(targetPoints), bands: plan.classification),
            rank: nil, targetsMet: targets.filter(\.met).count,
            reportingCompleteness: targets.isEmpty ? 1 : Double(withData) / Double(targets.count))
    }

    /// What some communes add to one target of a roll-up: the facts it reads, summed, and their residents.
    public static func contribution(of communes: [UnitFacts], to target: Target, unit: UnitInfo) -> UnitFacts {
        var sum = UnitFacts(unit: unit)
        let keys = Set(target.factKeys)
        for c in communes {
            for key in keys {
                let f = c.fact(key.measure, key.window)
                let mine = sum.facts[key]
                let value: Double? = switch (mine?.value, f.value) {
                case (nil, nil): nil
                case let (a?, nil): a
                case let (nil, b?): b
                case let (a?, b?): a + b
                }
                sum.facts[key] = FactValue(value: value, basis: (mine?.basis ?? 0) + f.basis)
            }
            if case .count(_, true) = target.indicator, let p = c.population { sum.population = (sum.population ?? 0) + p }
        }
        return sum
    }

    /// A target as it applies to `n` communes together: a goal on a count, and a declared baseline, times `n`.
    static func scaled(_ target: Target, by n: Int) -> Target {
        var t = target
        let k = Double(max(n, 1))
        switch target.indicator {
        case .count(_, false), .change:
            switch target.goal {
            case .atLeast(let g): t.goal = .atLeast(g * k)
            case .atMost(let g): t.goal = .atMost(g * k)
            case .decrease: break
            }
        case .count(_, true), .ratio: break
        }
        if case let .change(m, .declared(b)) = target.indicator { t.indicator = .change(m, baseline: .declared(b * k)) }
        return t
    }
}
