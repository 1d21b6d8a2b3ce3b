import Fluent
import Foundation
import SQLKit
import ThiDuaCore

/// Reads the stored records and figures into facts for the domain core, in the unit structure of a chosen day.
enum ResultsService {
    struct Results: Sendable {
        var plan: Plan
        var window: EvaluationWindow
        var structureDate: LocalDate
        var units: [UnitResult]
        var facts: [UUID: UnitFacts]
    }

    /// Results of one phase for every commune-level unit of the movement.
    static func results(movement: Movement, plan: Plan, phase: Phase, asOf: LocalDate, structureDate: LocalDate?,
                        graph: UnitGraph, on db: any Database) async throws -> Results {
        let window = EvaluationWindow(phase: phase, asOf: asOf)
        let structure = structureDate ?? phase.end
        let facts = try await self.facts(plan: plan, movementID: try movement.requireID(), window: window,
                                         structureDate: structure, graph: graph, on: db)
        let units = Evaluator.evaluate(plan: plan, window: window, units: facts)
        return Results(plan: plan, window: window, structureDate: structure, units: units,
                       facts: Dictionary(uniqueKeysWithValues: facts.map { ($0.unit.id, $0) }))
    }

    /// The commune-level units of the structure date that take part: those of the plan's area on that day, or the
    /// successors of the area's communes when the area itself no longer exists (Uông Bí city after 30/06/2025).
    static func participants(plan: Plan, structureDate: LocalDate, graph: UnitGraph) -> [UnitInfo] {
        guard !plan.area.isEmpty else { return graph.units(at: .commune, on: structureDate) }
        var ids: Set<UUID> = []
        for code in plan.area {
            for area in graph.units.values where area.code == code {
                if area.isValid(on: structureDate) {
                    ids.formUnion(graph.units(at: .commune, on: structureDate, under: area.id).map(\.id))
                    if area.level == .commune { ids.insert(area.id) }
                    continue
                }
                let day = structureDate < area.validFrom ? area.validFrom : (area.validTo ?? structureDate)
                let old = area.level == .commune ? [area] : graph.units(at: .commune, on: day, under: area.id)
                for commune in old {
                    for c in graph.constituents(of: commune.id, structureDate: day, on: structureDate) where c.unit.level == .commune {
                        ids.insert(c.unit.id)
                    }
                }
            }
        }
        return ids.compactMap { graph.units[$0] }.sorted(by: UnitGraph.naturalOrder)
    }

    /// Where a record of a commune (and village, if known) counts in the structure of a day.
    struct StructureMap {
        let graph: UnitGraph
        let structureDate: LocalDate
        let participants: Set<UUID>
        private var cache: [UUID: UUID?] = [:]

        init(graph: UnitGraph, structureDate: LocalDate, participants: Set<UUID>) {
            self.graph = graph
            self.structureDate = structureDate
            self.participants = participants
        }

        mutating func target(commune: UUID, village: UUID?) -> UUID? {
            if let village, let c = graph.ancestor(of: village, at: .commune, on: structureDate) {
                return participants.contains(c) ? c : nil
            }
            if let cached = cache[commune] { return cached }
            let found = communeTarget(commune)
            cache[commune] = .some(found)
            return found
        }

        /// A commune that no longer exists (or does not yet) counts whole in the unit that took most of its villages.
        private func communeTarget(_ commune: UUID) -> UUID? {
            guard let unit = graph.units[commune] else { return nil }
            if unit.isValid(on: structureDate) { return participants.contains(commune) ? commune : nil }
            let day = structureDate < unit.validFrom ? unit.validFrom : (unit.validTo ?? structureDate)
            let villages = Set(graph.villages(of: commune, on: day).map(\.id))
            let candidates = graph.constituents(of: commune, structureDate: day, on: structureDate)
                .filter { $0.unit.level == .commune && participants.contains($0.unit.id) }
            let best = candidates.max { a, b in
                share(a, villages) != share(b, villages) ? share(a, villages) < share(b, villages)
                    : !UnitGraph.naturalOrder(a.unit, b.unit)
            }
            return best?.unit.id
        }

        private func share(_ c: Constituent, _ villages: Set<UUID>) -> Int {
            c.whole ? graph.villages(of: c.unit.id, on: structureDate).filter { villages.contains($0.id) }.count
                : c.villages.count
        }
    }

    static func facts(plan: Plan, movementID: UUID, window: EvaluationWindow, structureDate: LocalDate,
                      graph: UnitGraph, on db: any Database) async throws -> [UnitFacts] {
        let participants = participants(plan: plan, structureDate: structureDate, graph: graph)
        var map = StructureMap(graph: graph, structureDate: structureDate, participants: Set(participants.map(\.id)))
        var facts: [UUID: UnitFacts] = [:]
        for unit in participants {
            facts[unit.id] = UnitFacts(unit: unit, population: population(of: unit, graph: graph))
        }
        let keys = plan.factKeys
        try await recordFacts(keys: keys, window: window, map: &map, facts: &facts, on: db)
        try await figureFacts(keys: keys, window: window, map: &map, facts: &facts, on: db)
        try await assessments(movementID: movementID, phase: window.phase.id, facts: &facts, on: db)
        return participants.compactMap { facts[$0.id] }
    }

    /// A unit's residents; for a unit formed by a merger with no figure of its own, its parts' (a part taken by
    /// its share of villages).
    static func population(of unit: UnitInfo, graph: UnitGraph) -> Int? {
        if let p = unit.population { return p }
        let before = unit.validFrom.adding(days: -1)
        let parts = graph.constituents(of: unit.id, structureDate: unit.validFrom, on: before)
        guard !parts.isEmpty, !(parts.count == 1 && parts[0].unit.id == unit.id) else { return nil }
        var total = 0.0
        for part in parts {
            guard let p = part.unit.population else { return nil }
            if part.whole {
                total += Double(p)
            } else {
                let all = graph.villages(of: part.unit.id, on: before).count
                guard all > 0 else { return nil }
                total += Double(p) * Double(part.villages.count) / Double(all)
            }
        }
        return Int(total.rounded())
    }

    // MARK: Records

    /// The SQL condition for one record measure; flags that became true on a day count from that day.
    static func condition(kind: RecordKind, filter: [RecordFilter], asOf end: LocalDate) -> SQLQueryString {
        var sql: SQLQueryString = "kind = \(bind: kind.rawValue)"
        for f in filter {
            switch f.field {
            case "category", "origin", "status":
                sql += " AND \(ident: f.field) = \(bind: f.value)"
            case "kind":
                sql += " AND subkind = \(bind: f.value)"
            default: // racing_prevented, coordinated_by_team, effective, reoffended
                let isTrue: SQLQueryString = "flag = \(bind: true) AND (flag_on IS NULL OR flag_on <= \(bind: end.iso))"
                sql += f.value == "true" ? " AND (" + isTrue + ")" : " AND NOT (" + isTrue + ")"
            }
        }
        return sql
    }

    struct GroupRow: Decodable {
        var commune_id: UUID
        var village_id: UUID?
        var values: [Int]

        init(from decoder: any Decoder) throws {
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            let c = try decoder.container(keyedBy: Key.self)
            commune_id = try c.decode(UUID.self, forKey: Key(stringValue: "commune_id"))
            village_id = try c.decodeIfPresent(UUID.self, forKey: Key(stringValue: "village_id"))
            var values: [Int] = []
            var i = 0
            while c.contains(Key(stringValue: "m\(i)")) {
                values.append(try c.decodeIfPresent(Int.self, forKey: Key(stringValue: "m\(i)")) ?? 0)
                i += 1
            }
            self.values = values
        }
    }

    /// One scan per window: every record measure of the plan is a conditional count in the same grouped query.
    static func recordFacts(keys: Set<FactKey>, window: EvaluationWindow, map: inout StructureMap,
                            facts: inout [UUID: UnitFacts], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var byWindow: [FactWindow: [(FactKey, RecordKind, [RecordFilter], RecordWindow)]] = [:]
        for key in keys {
            if case let .records(kind, filter, during) = key.measure {
                byWindow[key.window, default: []].append((key, kind, filter, during))
            }
        }
        for (factWindow, measures) in byWindow {
            // Zero is data for records: every unit starts at 0.
            for id in facts.keys { for m in measures { facts[id]!.facts[m.0] = FactValue(value: 0, basis: 0) } }
            guard let span = window.span(for: factWindow) else { continue }
            for during in [RecordWindow.phase, .activeAtEnd] {
                let group = measures.filter { $0.3 == during }
                guard !group.isEmpty else { continue }
                var query: SQLQueryString = "SELECT commune_id, village_id"
                for (i, m) in group.enumerated() {
                    query += ", SUM(CASE WHEN " + condition(kind: m.1, filter: m.2, asOf: span.end)
                        + " THEN 1 ELSE 0 END) AS \(ident: "m\(i)")"
                }
                switch during {
                case .phase:
                    // SQLite's planner would rather skip-scan the listing's (commune, day) index; the covering index
                    // is several times faster for this scan.
                    query += sql.dialect.name == "sqlite" ? " FROM records INDEXED BY records_facts" : " FROM records"
                    query += " WHERE occurred_on >= \(bind: span.start.iso) AND occurred_on <= \(bind: span.end.iso)"
                case .activeAtEnd:
                    // In force on the last day: begun by then and not yet ended.
                    query += " FROM records WHERE occurred_on <= \(bind: span.end.iso) AND (ended_on IS NULL OR ended_on > \(bind: span.end.iso))"
                }
                let kinds = Array(Set(group.map(\.1.rawValue))).sorted()
                query += " AND kind IN (\(binds: kinds)) GROUP BY commune_id, village_id"
                let rows = try await sql.raw(query).all(decoding: GroupRow.self)
                for row in rows {
                    guard let target = map.target(commune: row.commune_id, village: row.village_id) else { continue }
                    for (i, m) in group.enumerated() where i < row.values.count {
                        let old = facts[target]!.facts[m.0] ?? FactValue(value: 0, basis: 0)
                        let n = row.values[i]
                        facts[target]!.facts[m.0] = FactValue(value: (old.value ?? 0) + Double(n), basis: old.basis + n)
                    }
                }
            }
        }
    }

    // MARK: Figures

    struct FigureRow: Decodable {
        var commune_id: UUID
        var kind: String
        var month: String
        var value: Int
    }

    /// Figures per month: summed over the counted months, or the latest month's, per unit of the structure. A unit
    /// that reported its own figure is read from it; otherwise its parts' latest figures add up.
    static func figureFacts(keys: Set<FactKey>, window: EvaluationWindow, map: inout StructureMap,
                            facts: inout [UUID: UnitFacts], on db: any Database) async throws {
        var needed: [(FactKey, FigureKind, FigureAggregate, DateSpan)] = []
        for key in keys {
            if case let .figure(kind, aggregate) = key.measure, let span = window.span(for: key.window) {
                needed.append((key, kind, aggregate, span))
            }
        }
        guard !needed.isEmpty else { return }
        let months = Set(needed.flatMap { Month.counted(in: $0.3).map(\.text) })
        guard !months.isEmpty else { return }
        let kinds = Array(Set(needed.map(\.1.rawValue))).sorted()
        guard let sql = db as? any SQLDatabase else { return }
        let rows = try await sql.raw("""
            SELECT commune_id, kind, month, value FROM figures
            WHERE kind IN (\(binds: kinds)) AND month IN (\(binds: months.sorted()))
            """).all(decoding: FigureRow.self)
        // kind → structure unit → source commune → month → value
        var grouped: [String: [UUID: [UUID: [String: Int]]]] = [:]
        for row in rows {
            guard let target = map.target(commune: row.commune_id, village: nil) else { continue }
            grouped[row.kind, default: [:]][target, default: [:]][row.commune_id, default: [:]][row.month] = row.value
        }
        for (key, kind, aggregate, span) in needed {
            let counted = Set(Month.counted(in: span).map(\.text))
            for id in facts.keys {
                let sources = (grouped[kind.rawValue]?[id] ?? [:]).mapValues { $0.filter { counted.contains($0.key) } }
                    .filter { !$0.value.isEmpty }
                guard !sources.isEmpty else {
                    facts[id]!.facts[key] = .noData
                    continue
                }
                switch aggregate {
                case .sum:
                    let all = sources.values.flatMap(\.values)
                    facts[id]!.facts[key] = FactValue(value: Double(all.reduce(0, +)), basis: all.count)
                case .latest:
                    let used = sources[id].map { [id: $0] } ?? sources
                    let latest = used.values.compactMap { months in months.max { $0.key < $1.key }?.value }
                    facts[id]!.facts[key] = FactValue(value: Double(latest.reduce(0, +)), basis: latest.count)
                }
            }
        }
    }

    // MARK: Committee

    static func assessments(movementID: UUID, phase: String, facts: inout [UUID: UnitFacts], on db: any Database) async throws {
        let scores = try await CriterionScore.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == phase).all()
        for s in scores where facts[s.unitID] != nil {
            facts[s.unitID]!.assessments[s.criterionID] = Assessment(selfScore: s.selfScore, reviewedScore: s.reviewedScore)
        }
        let adjustments = try await AdjustmentEntry.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == phase).all()
        for a in adjustments where facts[a.unitID] != nil {
            facts[a.unitID]!.adjustments[a.adjustmentID] = a.points
        }
    }
}
