import Foundation

/// Who takes part in a movement in the structure of a day, where each record counts in it, and the residents of a
/// unit formed by a merger: the rules that map stored data onto the units a result is read for.
public enum Participation {
    /// The commune-level units of the structure date that take part: those of the plan's area on that day, or the
    /// successors of the area's communes when the area itself no longer exists (Uông Bí city after 30/06/2025).
    public static func participants(plan: Plan, structureDate: LocalDate, graph: UnitGraph) -> [UnitInfo] {
        guard !plan.area.isEmpty else { return graph.units(at: .commune, on: structureDate) }
        var ids: Set<UUID> = []
        for code in plan.area { ids.formUnion(communes(ofArea: code, on: structureDate, graph: graph).map(\.id)) }
        return ids.compactMap { graph.units[$0] }.sorted(by: UnitGraph.naturalOrder)
    }

    /// The commune-level units of a day that an area's code stands for: those under it when it exists that day, or
    /// what its communes became (or were made of) when it does not.
    public static func communes(ofArea code: String, on structureDate: LocalDate, graph: UnitGraph) -> [UnitInfo] {
        // A code names the unit it names on the structure date; one that named nothing then, its latest.
        guard let area = graph.unit(code: code, on: structureDate) else { return [] }
        var ids: Set<UUID> = []
        if area.isValid(on: structureDate) {
            ids.formUnion(graph.units(at: .commune, on: structureDate, under: area.id).map(\.id))
            if area.level == .commune { ids.insert(area.id) }
        } else {
            let day = structureDate < area.validFrom ? area.validFrom : (area.validTo ?? structureDate)
            ids = communes(of: area, asOn: day, on: structureDate, graph: graph)
        }
        return ids.compactMap { graph.units[$0] }.sorted(by: UnitGraph.naturalOrder)
    }

    /// The communes of `date` that what lay under an area on `day` (its communes, or the commune itself) became or
    /// was made of: an ended district's wards of today, for its movement (`participants`) and its accounts (`Reach`).
    public static func communes(of area: UnitInfo, asOn day: LocalDate, on date: LocalDate, graph: UnitGraph) -> Set<UUID> {
        let old = area.level == .commune ? [area] : graph.units(at: .commune, on: day, under: area.id)
        var ids: Set<UUID> = []
        for commune in old {
            for c in graph.constituents(of: commune.id, structureDate: day, on: date) where c.unit.level == .commune {
                ids.insert(c.unit.id)
            }
        }
        return ids
    }

    /// The movement to open on a day: one running that day (for a unit: one it takes part in), else the one that
    /// ended last among those begun, else the first. Nil when there is none with a phase.
    public static func current(_ plans: [Plan], on day: LocalDate, for unit: UnitInfo?, graph: UnitGraph) -> Plan? {
        let candidates = plans.filter { plan in
            guard !plan.phases.isEmpty else { return false }
            guard let unit else { return true }
            return plan.phases.contains { phase in
                participants(plan: plan, structureDate: phase.lastDay(of: unit), graph: graph).contains { $0.id == unit.id }
            }
        }
        if let running = candidates.first(where: { $0.phase(containing: day) != nil }) { return running }
        return candidates.filter { ($0.phases.first?.start ?? day) <= day }.max { ($0.phases.last?.end ?? day) < ($1.phases.last?.end ?? day) }
            ?? candidates.first
    }

    /// Where a record of a commune (and village, if known) counts in the structure of a day.
    public struct StructureMap: Sendable {
        public let graph: UnitGraph
        public let structureDate: LocalDate
        public let participants: Set<UUID>
        private var cache: [UUID: UUID?] = [:]

        public init(graph: UnitGraph, structureDate: LocalDate, participants: Set<UUID>) {
            self.graph = graph
            self.structureDate = structureDate
            self.participants = participants
        }

        public mutating func target(commune: UUID, village: UUID?) -> UUID? {
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

        /// Communes whose records do not all go to one unit of the structure: a village that was ever theirs now lies
        /// in another. Their records are read village by village; every other commune's from its totals.
        public mutating func splitCommunes(among communes: Set<UUID>? = nil) -> Set<UUID> {
            var result: Set<UUID> = []
            // Among a few communes, their own villages' links; otherwise every link of the graph.
            let links = communes.map { $0.flatMap { graph.childLinks(of: $0) } } ?? graph.links
            for link in links where !result.contains(link.parentID) {
                guard graph.units[link.parentID]?.level == .commune, graph.units[link.unitID]?.level == .village else { continue }
                if target(commune: link.parentID, village: link.unitID) != target(commune: link.parentID, village: nil) {
                    result.insert(link.parentID)
                }
            }
            return result
        }

        /// The communes whose records can count in any of `units`: those that count there whole, and those with a
        /// village that lies there on the structure date. Reading only these rows gives the same facts for `units`.
        public mutating func sources(of units: Set<UUID>) -> Set<UUID> {
            // A commune counts whole in one of `units` only if it is one or a merger links them: the units joined to
            // them by successions, either way, step by step (a handful, not the nation's thousands).
            var joined = units
            var frontier = units
            while !frontier.isEmpty {
                var next: Set<UUID> = []
                for unit in frontier {
                    for s in graph.successions(into: unit) + graph.successions(from: unit) {
                        for id in [s.predecessorID, s.successorID] where !joined.contains(id) { next.insert(id) }
                    }
                }
                joined.formUnion(next)
                frontier = next
            }
            var result: Set<UUID> = []
            for id in joined where graph.units[id]?.level == .commune {
                if let t = target(commune: id, village: nil), units.contains(t) { result.insert(id) }
            }
            // And a commune one of whose villages lies in one of `units` on the structure date.
            for unit in units {
                for village in graph.villages(of: unit, on: structureDate) {
                    for link in graph.parentLinks(of: village.id) where !result.contains(link.parentID) {
                        guard graph.units[link.parentID]?.level == .commune else { continue }
                        if let t = target(commune: link.parentID, village: village.id), units.contains(t) { result.insert(link.parentID) }
                    }
                }
            }
            return result
        }

        private func share(_ c: Constituent, _ villages: Set<UUID>) -> Int {
            c.whole ? graph.villages(of: c.unit.id, on: structureDate).filter { villages.contains($0.id) }.count
                : c.villages.count
        }
    }

    /// A unit's residents; for a unit formed by a merger with no figure of its own, its parts' (a part taken by
    /// its share of villages).
    public static func population(of unit: UnitInfo, graph: UnitGraph) -> Int? {
        if let p = unit.population { return p }
        let before = unit.validFrom.adding(days: -1)
        let parts = graph.formedFrom(unit.id)
        guard !parts.isEmpty else { return nil }
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
}
