/// A movement's definition, as the secretariat loads it from a plan file.
///
/// Everything here is data: nothing about a particular city is written in code.
public struct Plan: Codable, Hashable, Sendable {
    public var formatVersion: Int
    public var id: String
    public var theme: String
    public var organiser: Organiser
    /// Codes of the units whose commune-level units take part (their successors too).
    public var area: [String]
    public var totalPoints: Double
    /// Points a target earns when its indicator has no data (a zero denominator, a figure never reported).
    public var missingDataPoints: Double
    public var phases: [Phase]
    public var contents: [Content]
    public var criteria: [Criterion]
    public var adjustments: [Adjustment]
    public var classification: [ClassificationBand]
    /// A plan for showing the software (the demo's, re-dated to hold today), said wherever its results show;
    /// optional so that plans stored before it read as real ones.
    public var illustrative: Bool?

    public init(formatVersion: Int = 1, id: String, theme: String, organiser: Organiser, area: [String],
                totalPoints: Double, missingDataPoints: Double = 0, phases: [Phase], contents: [Content],
                criteria: [Criterion], adjustments: [Adjustment] = [], classification: [ClassificationBand]) {
        self.formatVersion = formatVersion
        self.id = id
        self.theme = theme
        self.organiser = organiser
        self.area = area
        self.totalPoints = totalPoints
        self.missingDataPoints = missingDataPoints
        self.phases = phases
        self.contents = contents
        self.criteria = criteria
        self.adjustments = adjustments
        self.classification = classification
    }

    public var targets: [Target] { contents.flatMap(\.targets) }

    public var isIllustrative: Bool { illustrative == true }

    /// Points of the targets and the committee-assessed criteria together.
    public var declaredPoints: Double {
        targets.reduce(0) { $0 + $1.points } + criteria.reduce(0) { $0 + $1.points }
    }

    public func phase(id: String) -> Phase? { phases.first { $0.id == id } }

    /// The phase a day falls in, if any.
    public func phase(containing date: LocalDate) -> Phase? { phases.first { $0.span.contains(date) } }

    /// The phase to show on a day: the one it falls in, else the last one begun, else the first.
    public func phase(nearest date: LocalDate) -> Phase? {
        phase(containing: date) ?? phases.last { $0.start <= date } ?? phases.first
    }
}

public struct Organiser: Codable, Hashable, Sendable {
    public var name: String
    public var shortName: String?
    /// The body it answers to (cơ quan chủ quản), named above it in a document's heading.
    public var parent: String?

    public init(name: String, shortName: String? = nil, parent: String? = nil) {
        self.name = name
        self.shortName = shortName
        self.parent = parent
    }
}

public struct Phase: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var start: LocalDate
    public var end: LocalDate
    public var occasion: String?

    public init(id: String, name: String, start: LocalDate, end: LocalDate, occasion: String? = nil) {
        self.id = id
        self.name = name
        self.start = start
        self.end = end
        self.occasion = occasion
    }

    public var span: DateSpan { DateSpan(start: start, end: end) }

    /// The day a unit answers for the phase: its last, or the unit's last if it ended during the phase (the ten
    /// Uông Bí units of 30/06/2025 in phase 2).
    public func lastDay(of unit: UnitInfo) -> LocalDate { min(end, unit.validTo ?? end) }

    /// The first day of the phase a unit exists (a ward of 01/07/2025 in a phase begun 04/02/2025: 01/07/2025);
    /// nil when the unit does not exist during the phase.
    public func firstDay(of unit: UnitInfo) -> LocalDate? {
        let day = max(start, unit.validFrom)
        return day <= lastDay(of: unit) ? day : nil
    }

    /// The day whose unit structure a phase is shown in on `date`: that day while the phase runs, its last day (or
    /// the unit's) once over, its first while ahead; the structure of a day still to come is not known.
    public func structureDate(near date: LocalDate, of unit: UnitInfo? = nil) -> LocalDate {
        max(start, min(date, unit.map(lastDay(of:)) ?? end))
    }
}

public struct Content: Codable, Hashable, Sendable {
    public var id: String
    public var number: Int
    public var name: String
    public var targets: [Target]

    public init(id: String, number: Int, name: String, targets: [Target]) {
        self.id = id
        self.number = number
        self.name = name
        self.targets = targets
    }
}

public struct Target: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var indicator: Indicator
    public var goal: Goal
    public var points: Double
    public var scoring: Scoring

    public init(id: String, name: String, indicator: Indicator, goal: Goal, points: Double,
                scoring: Scoring = .proportional) {
        self.id = id
        self.name = name
        self.indicator = indicator
        self.goal = goal
        self.points = points
        self.scoring = scoring
    }
}

/// How a target that misses its goal is scored.
public enum Scoring: String, Codable, Hashable, Sendable, CaseIterable {
    /// A share of the points in proportion to how close the value came (the default).
    case proportional
    /// Full points when the goal is met, none otherwise.
    case allOrNothing = "all_or_nothing"
}

/// A criterion the committee assesses: the commune scores itself, the committee reviews.
public struct Criterion: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var points: Double

    public init(id: String, name: String, points: Double) {
        self.id = id
        self.name = name
        self.points = points
    }

    /// A self-score or reviewed score must lie between 0 and the criterion's points.
    public func accepts(score: Double) -> Bool { score.isFinite && score >= 0 && score <= points }
}

/// A bonus or a penalty item, outside the standard points.
public struct Adjustment: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case bonus, penalty }
    public var id: String
    public var name: String
    public var kind: Kind
    public var maxPoints: Double

    public init(id: String, name: String, kind: Kind, maxPoints: Double) {
        self.id = id
        self.name = name
        self.kind = kind
        self.maxPoints = maxPoints
    }

    /// Points given for an item lie between 0 and its maximum (a penalty is given as a positive number).
    public func accepts(points: Double) -> Bool { points.isFinite && points >= 0 && points <= maxPoints }
}

public struct ClassificationBand: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    /// The lowest total that earns this band.
    public var minPoints: Double

    public init(id: String, name: String, minPoints: Double) {
        self.id = id
        self.name = name
        self.minPoints = minPoints
    }
}

/// How a target's value is computed from records. Never typed in.
public indirect enum Indicator: Codable, Hashable, Sendable {
    /// How many records or how much of a figure; per 1,000 residents when `perThousand`, for a fair comparison of
    /// units of different sizes.
    case count(Measure, perThousand: Bool)
    /// numerator ÷ denominator, shown as a percentage.
    case ratio(numerator: Measure, denominator: Measure)
    /// The measure in the phase against a baseline.
    case change(Measure, baseline: Baseline)

    public var kindName: String {
        switch self {
        case .count: "count"
        case .ratio: "ratio"
        case .change: "change"
        }
    }
}

public enum Baseline: Codable, Hashable, Sendable {
    /// The same dates one year earlier.
    case previousYear
    /// A figure the plan declares.
    case declared(Double)
}

/// A quantity taken from the stored data for one unit and one phase.
public enum Measure: Codable, Hashable, Sendable {
    /// Records of a kind that match every filter. `during` says which records count.
    case records(RecordKind, filter: [RecordFilter], during: RecordWindow)
    /// Monthly figures of a kind.
    case figure(FigureKind, FigureAggregate)
}

public enum RecordWindow: String, Codable, Hashable, Sendable, CaseIterable {
    /// Records dated inside the phase.
    case phase
    /// Records in force on the phase's last day (a model established and not closed).
    case activeAtEnd = "active_at_end"
}

public enum FigureAggregate: String, Codable, Hashable, Sendable, CaseIterable {
    /// The last month reported inside the phase.
    case latest
    /// All months inside the phase added up.
    case sum
}

public struct RecordFilter: Codable, Hashable, Sendable {
    public var field: String
    public var value: String

    public init(field: String, value: String) {
        self.field = field
        self.value = value
    }
}

public enum Goal: Codable, Hashable, Sendable {
    case atLeast(Double)
    case atMost(Double)
    /// Lower than the baseline; by at least a percentage when given.
    case decrease(byPercent: Double?)

    public var kindName: String {
        switch self {
        case .atLeast: "at_least"
        case .atMost: "at_most"
        case .decrease: "decrease"
        }
    }
}
