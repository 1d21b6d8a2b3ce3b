/// Which stretch of days a measure is taken over.
public enum FactWindow: Hashable, Sendable, Codable {
    /// From the phase's first day to the day results are read (the phase's last day once it is over).
    case phase
    /// The same days one year earlier: the baseline of a change indicator.
    case previousYear
    /// The whole phase one year earlier: the baseline a projection to the phase's end is held against.
    case previousYearWholePhase
}

/// One quantity the evaluation needs: a measure over a window.
public struct FactKey: Hashable, Sendable {
    public let measure: Measure
    public let window: FactWindow

    public init(_ measure: Measure, _ window: FactWindow) {
        self.measure = measure
        self.window = window
    }
}

/// A measured quantity for one unit.
public struct FactValue: Hashable, Sendable, Codable {
    /// The number, or nil when there is no data (a figure that was never reported).
    public var value: Double?
    /// How many records or reported months it rests on.
    public var basis: Int

    public init(value: Double?, basis: Int) {
        self.value = value
        self.basis = basis
    }

    public static let noData = FactValue(value: nil, basis: 0)
}

/// Everything measured for one commune-level unit in one phase, as the app read it from the records.
public struct UnitFacts: Sendable {
    public var unit: UnitInfo
    /// Residents, for per-1,000 indicators; nil when unknown.
    public var population: Int?
    public var facts: [FactKey: FactValue]
    /// Committee-assessed criteria: the unit's self-score and the committee's reviewed score, by criterion id.
    public var assessments: [String: Assessment]
    /// Bonus and penalty points given, by adjustment id (penalties as positive numbers).
    public var adjustments: [String: Double]

    public init(unit: UnitInfo, population: Int? = nil, facts: [FactKey: FactValue] = [:],
                assessments: [String: Assessment] = [:], adjustments: [String: Double] = [:]) {
        self.unit = unit
        self.population = population
        self.facts = facts
        self.assessments = assessments
        self.adjustments = adjustments
    }

    public func fact(_ measure: Measure, _ window: FactWindow) -> FactValue {
        facts[FactKey(measure, window)] ?? .noData
    }

    /// Adds another unit's facts: counts and sums add up; ratios are recomputed later from these sums.
    public mutating func add(_ other: UnitFacts) {
        for (key, value) in other.facts {
            let mine = facts[key] ?? .noData
            let sum: Double? = switch (mine.value, value.value) {
            case (nil, nil): nil
            case let (a?, nil): a
            case let (nil, b?): b
            case let (a?, b?): a + b
            }
            facts[key] = FactValue(value: sum, basis: mine.basis + value.basis)
        }
        if let p = other.population { population = (population ?? 0) + p }
    }
}

public struct Assessment: Hashable, Sendable, Codable {
    public var selfScore: Double?
    public var reviewedScore: Double?

    public init(selfScore: Double? = nil, reviewedScore: Double? = nil) {
        self.selfScore = selfScore
        self.reviewedScore = reviewedScore
    }
}

extension Plan {
    /// Every quantity the plan's targets need, so that the app reads each one once.
    public var factKeys: Set<FactKey> {
        var keys: Set<FactKey> = []
        for target in targets {
            switch target.indicator {
            case .count(let m, _):
                keys.insert(FactKey(m, .phase))
            case let .ratio(n, d):
                keys.insert(FactKey(n, .phase))
                keys.insert(FactKey(d, .phase))
            case let .change(m, baseline):
                keys.insert(FactKey(m, .phase))
                if baseline == .previousYear {
                    keys.insert(FactKey(m, .previousYear))
                    keys.insert(FactKey(m, .previousYearWholePhase))
                }
            }
        }
        return keys
    }
}
