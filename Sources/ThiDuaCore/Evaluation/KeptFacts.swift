import Foundation

/// Every unit's facts for one phase, in a compact form to keep between requests and to store: the fact keys once,
/// then per unit its values in the keys' order. Units are named by id; their details come from the graph they
/// were computed in.
public struct FactsTable: Codable, Hashable, Sendable {
    public struct Row: Codable, Hashable, Sendable {
        public var unit: UUID
        public var population: Int?
        public var values: [Double?]
        public var bases: [Int]
        public var assessments: [String: Assessment]
        public var adjustments: [String: Double]
    }

    public var keys: [FactKey]
    public var rows: [Row]

    public init(_ facts: [UnitFacts]) {
        var seen: Set<FactKey> = []
        var keys: [FactKey] = []
        for unit in facts { for key in unit.facts.keys where seen.insert(key).inserted { keys.append(key) } }
        self.keys = keys
        rows = facts.map { unit in
            Row(unit: unit.unit.id, population: unit.population,
                // A key a unit lacks is told apart from one with no data by a basis of −1.
                values: keys.map { unit.facts[$0]?.value }, bases: keys.map { unit.facts[$0]?.basis ?? -1 },
                assessments: unit.assessments, adjustments: unit.adjustments)
        }
    }

    /// The units' facts again, in the table's order; nil when a unit is not in `units` (the structure changed) or
    /// a row is malformed.
    public func facts(units: [UUID: UnitInfo]) -> [UnitFacts]? {
        var out: [UnitFacts] = []
        out.reserveCapacity(rows.count)
        for row in rows {
            guard let unit = units[row.unit], row.values.count == keys.count, row.bases.count == keys.count else { return nil }
            var facts: [FactKey: FactValue] = [:]
            facts.reserveCapacity(keys.count)
            for (i, key) in keys.enumerated() where row.bases[i] >= 0 {
                facts[key] = FactValue(value: row.values[i], basis: row.bases[i])
            }
            out.append(UnitFacts(unit: unit, population: row.population, facts: facts,
                                 assessments: row.assessments, adjustments: row.adjustments))
        }
        return out
    }
}

extension Participation.StructureMap {
    /// The units of the structure whose facts a change to a commune's data can move: where the commune counts
    /// whole, and where each of its villages (ever) lies on the structure date.
    public mutating func affected(by communes: Set<UUID>) -> Set<UUID> {
        var result: Set<UUID> = []
        for commune in communes {
            if let t = target(commune: commune, village: nil) { result.insert(t) }
            for link in graph.childLinks(of: commune) where graph.units[link.unitID]?.level == .village {
                if let t = target(commune: commune, village: link.unitID) { result.insert(t) }
            }
        }
        return result
    }
}

/// Facts kept for every unit of a phase, brought up to date with the units whose data changed since.
public enum KeptFacts {
    /// The kept facts with `fresh` (recomputed for some units) in place of theirs, in the kept order.
    public static func merge(_ kept: [UnitFacts], fresh: [UnitFacts]) -> [UnitFacts] {
        let byID = Dictionary(fresh.map { ($0.unit.id, $0) }, uniquingKeysWith: { a, _ in a })
        return kept.map { byID[$0.unit.id] ?? $0 }
    }
}
