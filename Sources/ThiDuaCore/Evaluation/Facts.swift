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
public struct FactKey: Hashable, Sendable, Codable {
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
public struct UnitFacts: Hashable, Sendable {
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
}

public struct Assessment: Hashable, Sendable, Codable {
    public var selfScore: Double?
    public var reviewedScore: Double?

    public init(selfScore: Double? = nil, reviewedScore: Double? = nil) {
        self.selfScore = selfScore
        self.reviewedScore = reviewedScore
    }
}

extension Target {
    /// The quantities this target's indicator reads.
    public var factKeys: [FactKey] {
        switch indicator {
        case .count(let m, _):
            [FactKey(m, .phase)]
        case let .ratio(n, d):
            [FactKey(n, .phase), FactKey(d, .phase)]
        case let .change(m, baseline):
            baseline == .previousYear
                ? [FactKey(m, .phase), FactKey(m, .previousYear), FactKey(m, .previousYearWholePhase)]
                : [FactKey(m, .phase)]
        }
    }
}

extension Plan {
    /// Every quantity the plan's targets need, so that the app reads each one once.
    public var factKeys: Set<FactKey> { Set(targets.flatMap(\.factKeys)) }
}
