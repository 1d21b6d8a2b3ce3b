import Foundation
import ThiDuaCore
import Vapor

/// JSON shapes of the API, as the OpenAPI document (Resources/OpenAPI/openapi.yaml) describes them.
enum APIModels {
    struct MovementSummary: Vapor.Content {
        var id: String
        var planId: String
        var theme: String
        var organiser: String
        var start: String?
        var end: String?
        var phases: [PhaseJSON]
    }

    struct PhaseJSON: Vapor.Content, Equatable {
        var id: String
        var name: String
        var start: String
        var end: String
        var occasion: String?
        var days: Int
    }

    struct MovementDetail: Vapor.Content {
        var id: String
        var planId: String
        var theme: String
        var organiser: Organiser
        var area: [String]
        var totalPoints: Double
        var missingDataPoints: Double
        var phases: [PhaseJSON]
        var contents: [ContentJSON]
        var criteria: [Criterion]
        var adjustments: [Adjustment]
        var classification: [ClassificationBand]
    }

    struct ContentJSON: Codable, Sendable {
        var id: String
        var number: Int
        var name: String
        var targets: [TargetJSON]
    }

    struct TargetJSON: Codable, Sendable {
        var id: String
        var name: String
        var indicator: IndicatorJSON
        var goal: GoalJSON
        var points: Double
        /// `proportional` or `all_or_nothing`: how a goal not met is scored.
        var scoring: String
    }

    struct IndicatorJSON: Codable, Sendable {
        var kind: String
        var measure: MeasureJSON?
        var numerator: MeasureJSON?
        var denominator: MeasureJSON?
        var baseline: String?
        var baselineValue: Double?
        var perThousand: Bool?

        init(_ i: Indicator) {
            switch i {
            case let .count(m, perThousand):
                kind = "count"
                measure = MeasureJSON(m)
                self.perThousand = perThousand
            case let .ratio(n, d):
                kind = "ratio"
                numerator = MeasureJSON(n)
                denominator = MeasureJSON(d)
            case let .change(m, b):
                kind = "change"
                measure = MeasureJSON(m)
                switch b {
                case .previousYear: baseline = "previous_year"
                case .declared(let v):
                    baseline = "declared"
                    baselineValue = v
                }
            }
        }
    }

    struct MeasureJSON: Codable, Sendable {
        var records: String?
        var filter: [String: String]?
        var during: String?
        var figure: String?
        var aggregate: String?

        init(_ m: Measure) {
            switch m {
            case let .records(kind, filter, during):
                records = kind.rawValue
                self.filter = Dictionary(filter.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
                self.during = during.rawValue
            case let .figure(kind, aggregate):
                figure = kind.rawValue
                self.aggregate = aggregate.rawValue
            }
        }
    }

    struct GoalJSON: Codable, Sendable, Equatable {
        var kind: String
        var value: Double?

        init(_ g: Goal) {
            kind = g.kindName
            switch g {
            case .atLeast(let v), .atMost(let v): value = v
            case .decrease(let p): value = p
            }
        }
    }

    struct UnitJSON: Vapor.Content, Equatable {
        var id: String
        var code: String?
        var level: String
        var kind: String
        var name: String
        var population: Int?
        var households: Int?
        var validFrom: String
        var validTo: String?
        var children: [UnitJSON]?

        init(_ u: UnitInfo, children: [UnitJSON]? = nil) {
            id = u.id.uuidString
            code = u.code
            level = u.level.rawValue
            kind = u.kind
            name = u.name
            population = u.population
            households = u.households
            validFrom = u.validFrom.iso
            validTo = u.validTo?.iso
            self.children = children
        }

        init(tree node: UnitTreeNode) {
            self.init(node.unit, children: node.children.map(UnitJSON.init(tree:)))
        }
    }

    struct UnitTree: Vapor.Content {
        var date: String
        var units: [UnitJSON]
    }

    struct Predecessors: Vapor.Content {
        struct Item: Codable, Sendable {
            var unit: UnitJSON
            var whole: Bool
            var villages: [UnitJSON]
        }
        var unit: UnitJSON
        var structureDate: String
        var date: String
        var constituents: [Item]
    }

    static func phase(_ p: Phase) -> PhaseJSON {
        PhaseJSON(id: p.id, name: p.name, start: p.start.iso, end: p.end.iso, occasion: p.occasion, days: p.span.dayCount)
    }
}
