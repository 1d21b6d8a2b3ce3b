import Fluent
import NIOConcurrencyHelpers
import Vapor
import Foundation
import SQLKit
import ThiDuaCore

/// Reads the stored records and figures into facts for the domain core, in the unit structure of a chosen day.
enum ResultsService {
    struct Results: Sendable {
        var movementID: UUID
        var plan: Plan
        var window: EvaluationWindow
        var structureDate: LocalDate
        var units: [UnitResult]
        /// Every unit's facts, in the order of the participants.
        var all: [UnitFacts]
        var facts: [UUID: UnitFacts]
        /// Set when these are a closed phase's frozen results.
        var closed: PhaseClosing.Closed?

        /// Results evaluated before (a closed phase's, frozen), with the facts they rest on.
        init(movementID: UUID, plan: Plan, window: EvaluationWindow, structureDate: LocalDate, all: [UnitFacts], units: [UnitResult]) {
            self.movementID = movementID
            self.plan = plan
            self.window = window
            self.structureDate = structureDate
            self.all = all
            self.units = units
            facts = Dictionary(all.map { ($0.unit.id, $0) }, uniquingKeysWith: { a, _ in a })
        }

        /// The results of evaluating the facts.
        init(movementID: UUID, plan: Plan, window: EvaluationWindow, structureDate: LocalDate, all: [UnitFacts]) {
            self.movementID = movementID
            self.plan = plan
            self.window = window
            self.structureDate = structureDate
            self.all = all
            units = Evaluator.evaluate(plan: plan, window: window, units: all)
            facts = Dictionary(all.map { ($0.unit.id, $0) }, uniquingKeysWith: { a, _ in a })
        }

        /// These results with some units' facts recomputed: those units evaluated again, everyone ranked again.
        func updating(_ fresh: [UnitFacts], window: EvaluationWindow) -> Results {
            var next = self
            next.window = window
            next.all = KeptFacts.merge(all, fresh: fresh)
            next.units = Evaluator.reevaluate(plan: plan, window: window, previous: units, changed: fresh)
            for f in fresh { next.facts[f.unit.id] = f }
            return next
        }
    }

    /// Results of one phase for every commune-level unit of the movement; with a cache, kept between requests and
    /// brought up to date by recomputing only the units whose data changed since (`ResultsCache`), or read from the
    /// facts stored by an earlier computation (`KeptFactsStore`) when this process has none.
    /// A closed phase's whole results are its frozen ones (`PhaseClosing`).
    static func results(movement: Movement, plan: Plan, phase: Phase, asOf: LocalDate, structureDate: LocalDate?,
                        graph: UnitGraph, on db: any Database, cache: ResultsCache?) async throws -> Results {
        if let frozen = try await PhaseClosing.frozen(movementID: try movement.requireID(), phase: phase, asOf: asOf,
                                                      structureDate: structureDate, on: db, cache: cache) {
            return frozen
        }
        guard let cache, db is any SQLDatabase else {
            return try await results(movement: movement, plan: plan, phase: phase, asOf: asOf, structureDate: structureDate, graph: graph, on: db)
        }
        let movementID = try movement.requireID()
        let window = EvaluationWindow(phase: phase, asOf: asOf)
        let structure = structureDate ?? phase.end
        let key = ResultsCache.Key(movement: movementID, phase: phase.id, asOf: window.asOf, structureDate: structure)
        /// What is kept for the key at `version`, in memory or stored, and how it was had.
        func kept(_ version: ResultsCache.Version, graph: UnitGraph) async throws -> (ResultsCache.Entry, ResultsCache.Source)? {
            if let memory = cache.get(key), memory.structure == version.structure, memory.results.plan == plan { return (memory, .kept) }
            let stored = try await KeptFactsStore.read(key, plan: plan, window: window, structureVersion: version.structure, graph: graph, on: db)
            return stored.map { ($0, .stored) }
        }
        /// What was found, when it is up to `version`: served as it is, and counted.
        func current(_ found: (ResultsCache.Entry, ResultsCache.Source)?, at version: ResultsCache.Version) -> Results? {
            guard let (base, source) = found, base.change >= version.change else { return nil }
            cache.note(source)
            cache.put(key, base)
            return base.results
        }
        let version = try await ResultsCache.version(on: db)
        // The graph as of the version just read or later: what is kept is never labelled newer than what it rests on.
        let graph = try await UnitService.graph(on: db, cache: cache.graphs)
        // Serving what is kept and up to date takes no place at the gate: only computing does.
        if let served = current(try await kept(version, graph: graph), at: version) { return served }
        return try await cache.computing {
            // Read again with the place held: a request ahead in the queue may have brought it up to date.
            let version = try await ResultsCache.version(on: db)
            let graph = try await UnitService.graph(on: db, cache: cache.graphs)
            let found = try await kept(version, graph: graph)
            if let served = current(found, at: version) { return served }
            if let (base, source) = found, var entry = try await update(base, to: version, plan: plan, window: window, graph: graph, on: db) {
                // Stored again now and then, so that a server starting cold has little to catch up on.
                if entry.change - entry.storedChange >= KeptFactsStore.storeEvery {
                    try await KeptFactsStore.write(key, entry, on: db)
                    entry.storedChange = entry.change
                }
                cache.note(source == .kept ? .updated : .stored)
                cache.put(key, entry)
                return entry.results
            }
            let fresh = try await results(movement: movement, plan: plan, phase: phase, asOf: asOf, structureDate: structureDate, graph: graph, on: db)
            let entry = ResultsCache.Entry(results: fresh, structure: version.structure, change: version.change,
                                           storedChange: version.change)
            try await KeptFactsStore.write(key, entry, on: db)
            cache.note(.computed)
            cache.put(key, entry)
            return fresh
        }
    }

    /// Kept results brought up to `version`: the units the changed communes' data counts in are recomputed, the
    /// rest kept, and everyone evaluated again (ranks move for all). Nil when so much changed that recomputing
    /// everything is cheaper.
    static func update(_ base: ResultsCache.Entry, to version: ResultsCache.Version, plan: Plan, window: EvaluationWindow,
                       graph: UnitGraph, on db: any Database) async throws -> ResultsCache.Entry? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let changed = try await sql.raw("SELECT commune_id FROM commune_changes WHERE version > \(bind: base.change)").all()
            .map { try $0.id("commune_id") }
        let units = base.results.all.map(\.unit)
        var map = Participation.StructureMap(graph: graph, structureDate: base.results.structureDate, participants: Set(units.map(\.id)))
        let affected = changed.count > units.count ? Set(units.map(\.id)) : map.affected(by: Set(changed))
        // Beyond half of many units, reading everyone's rows at once is cheaper than naming each unit's sources.
        guard units.count < 64 || affected.count * 2 <= units.count else { return nil }
        var entry = base
        entry.change = version.change
        guard !affected.isEmpty else { return entry }
        let fresh = try await facts(plan: plan, movementID: base.results.movementID, window: window, structureDate: base.results.structureDate,
                                    graph: graph, only: affected, taking: units, on: db)
        entry.results = base.results.updating(fresh, window: window)
        return entry
    }

    /// Results of one phase for every commune-level unit of the movement, computed now.
    static func results(movement: Movement, plan: Plan, phase: Phase, asOf: LocalDate, structureDate: LocalDate?,
                        graph: UnitGraph, on db: any Database) async throws -> Results {
        let window = EvaluationWindow(phase: phase, asOf: asOf)
        let structure = structureDate ?? phase.end
        let facts = try await self.facts(plan: plan, movementID: try movement.requireID(), window: window,
                                         structureDate: structure, graph: graph, on: db)
        return Results(movementID: try movement.requireID(), plan: plan, window: window, structureDate: structure, all: facts)
    }

    /// One unit's result at the end of each month of the phase so far (the last one as of the window's day), read
    /// from the rows that can count in it alone.
    static func trend(movement: Movement, plan: Plan, window: EvaluationWindow, unit: UnitInfo, participants: [UnitInfo],
                      structureDate: LocalDate, graph: UnitGraph, on db: any Database) async throws -> [(month: Month, result: UnitResult)] {
        guard window.hasStarted else { return [] }
        let movementID = try movement.requireID()
        // Where each record counts is the same in every month: worked out once (the map keeps what it found).
        var map = Participation.StructureMap(graph: graph, structureDate: structureDate, participants: Set(participants.map(\.id)))
        _ = map.splitCommunes(among: map.sources(of: [unit.id]))
        let warmed = map
        // The months are independent: read side by side, on as many connections as the pool lends.
        return try await withThrowingTaskGroup(of: (Month, UnitResult?).self) { group in
            for month in window.monthsSoFar {
                group.addTask {
                    let step = EvaluationWindow(phase: window.phase, asOf: min(month.lastDay, window.asOf))
                    let facts = try await self.facts(plan: plan, movementID: movementID, window: step, structureDate: structureDate,
                                                     graph: graph, only: [unit.id], taking: participants, map: warmed, on: db)
                    return (month, facts.first.map { Evaluator.evaluateUnit(plan: plan, window: step, facts: $0) })
                }
            }
            var out: [(month: Month, result: UnitResult)] = []
            for try await (month, result) in group { if let result { out.append((month, result)) } }
            return out.sorted { $0.month < $1.month }
        }
    }

    /// `only`: the facts of these units alone (one commune's page), read from the rows that can count in them;
    /// `known`: every unit that takes part, when known already; `prebuilt`: the map of where records count, for them.
    static func facts(plan: Plan, movementID: UUID, window: EvaluationWindow, structureDate: LocalDate,
                      graph: UnitGraph, only: Set<UUID>? = nil, taking known: [UnitInfo]? = nil,
                      map prebuilt: Participation.StructureMap? = nil, on db: any Database) async throws -> [UnitFacts] {
        // Units already known to take part (from results computed before) spare working out all who do. Where a
        // record counts depends on all who take part, so the map has them all even when only some are computed.
        let everyone = known ?? Participation.participants(plan: plan, structureDate: structureDate, graph: graph)
        var map = prebuilt ?? Participation.StructureMap(graph: graph, structureDate: structureDate, participants: Set(everyone.map(\.id)))
        let participants = only.map { only in everyone.filter { only.contains($0.id) } } ?? everyone
        var facts: [UUID: UnitFacts] = [:]
        for unit in participants {
            facts[unit.id] = UnitFacts(unit: unit, population: Participation.population(of: unit, graph: graph))
        }
        let keys = plan.factKeys
        let sources = only.map { _ in map.sources(of: Set(participants.map(\.id))).sorted { $0.uuidString < $1.uuidString } }
        try await recordFacts(keys: keys, window: window, map: &map, facts: &facts, sources: sources, on: db)
        try await figureFacts(keys: keys, window: window, map: &map, facts: &facts, sources: sources, on: db)
        try await assessments(movementID: movementID, phase: window.phase.id, facts: &facts, on: db)
        return participants.compactMap { facts[$0.id] }
    }

    // MARK: Records

    /// The column of `records` (and of `record_totals`) a plan's filter field reads: the attribute of its own
    /// name, `subkind` for a kind within the kind, and `flag` (true from `flag_on`) for the yes/no fields.
    static func column(of field: String) -> String {
        switch field {
        case "category", "origin", "status": field
        case "kind": "subkind"
        default: "flag" // racing_prevented, coordinated_by_team, effective, reoffended
        }
    }

    /// The SQL condition for one record measure; flags that became true on a day count from that day.
    static func condition(kind: RecordKind, filter: [RecordFilter], asOf end: LocalDate) -> SQLQueryString {
        var sql: SQLQueryString = "kind = \(bind: kind.rawValue)"
        for f in filter {
            switch column(of: f.field) {
            case "flag":
                let isTrue: SQLQueryString = "flag = \(bind: true) AND (flag_on IS NULL OR flag_on <= \(bind: end.iso))"
                sql += f.value == "true" ? " AND (" + isTrue + ")" : " AND NOT (" + isTrue + ")"
            case let column:
                sql += " AND \(ident: column) = \(bind: f.value)"
            }
        }
        return sql
    }

    /// Every record measure of the plan, per window. Measures over a phase read whole months from the totals the
    /// database keeps per commune (`record_totals`) and only the days at the window's edges from the records;
    /// communes split by a merger are read from their records, village by village. Measures of what is in force on
    /// the last day (models, reform cases) read the records.
    static func recordFacts(keys: Set<FactKey>, window: EvaluationWindow, map: inout Participation.StructureMap,
                            facts: inout [UUID: UnitFacts], sources: [UUID]? = nil, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var byWindow: [FactWindow: [(FactKey, RecordKind, [RecordFilter], RecordWindow)]] = [:]
        for key in keys {
            if case let .records(kind, filter, during) = key.measure {
                byWindow[key.window, default: []].append((key, kind, filter, during))
            }
        }
        var split: Set<UUID>?
        for (factWindow, measures) in byWindow {
            // Zero is data for records: every unit starts at 0.
            for id in facts.keys { for m in measures { facts[id]?.facts[m.0] = FactValue(value: 0, basis: 0) } }
            guard let span = window.span(for: factWindow) else { continue }
            // Measures of what is in force on the last day; measures over the window the totals can answer; the rest.
            let parts = [measures.filter { $0.3 == .activeAtEnd },
                         measures.filter { $0.3 == .phase && RecordSQL.totalsKeep($0.2) },
                         measures.filter { $0.3 == .phase && !RecordSQL.totalsKeep($0.2) }]
            for (part, group) in parts.enumerated() where !group.isEmpty {
                let during = group[0].3
                let scan = MeasureScan(sql: sql, measures: group.map { ($0.1, $0.2) }, asOf: span.end, sources: sources)
                func add(_ rows: [MeasureScan.Row], sign: Int, skip: Set<UUID> = []) {
                    for row in rows where !skip.contains(row.commune) {
                        guard let target = map.target(commune: row.commune, village: row.village) else { continue }
                        for (i, m) in group.enumerated() where row.counts[i] != 0 {
                            let old = facts[target]?.facts[m.0] ?? FactValue(value: 0, basis: 0)
                            let n = sign * row.counts[i]
                            facts[target]?.facts[m.0] = FactValue(value: (old.value ?? 0) + Double(n), basis: old.basis + n)
                        }
                    }
                }
                if split == nil { split = map.splitCommunes(among: sources.map { Set($0) }) }
                let splitCommunes = split ?? []
                // A commune split by a merger is read village by village over the whole window; every other
                // commune whole, from the totals where whole months allow.
                let whole: SQLQueryString
                if during == .activeAtEnd {
                    // In force on the last day: begun by then and not yet ended.
                    whole = "occurred_on <= \(bind: span.end.iso) AND (ended_on IS NULL OR ended_on > \(bind: span.end.iso))"
                    add(try await scan.records(whole, index: "records_in_force", kinds: RecordSQL.inForceKinds), sign: 1, skip: splitCommunes)
                } else {
                    whole = MeasureScan.days(span)
                    let cover = MonthCover(span: span)
                    if cover.months.isEmpty || part == 2 {
                        add(try await scan.records(whole), sign: 1, skip: splitCommunes)
                    } else {
                        add(try await scan.totals(months: cover.months), sign: 1, skip: splitCommunes)
                        for days in cover.add { add(try await scan.records(MeasureScan.days(days)), sign: 1, skip: splitCommunes) }
                        for days in cover.subtract { add(try await scan.records(MeasureScan.days(days)), sign: -1, skip: splitCommunes) }
                    }
                }
                let splitList = splitCommunes.sorted { $0.uuidString < $1.uuidString }
                for first in stride(from: 0, to: splitList.count, by: 500) {
                    let some = Array(splitList[first..<min(first + 500, splitList.count)])
                    add(try await scan.records(whole, villagesOf: some, index: during == .activeAtEnd ? "records_in_force" : "records_facts",
                                               kinds: during == .activeAtEnd ? RecordSQL.inForceKinds : nil), sign: 1)
                }
            }
        }
    }

    /// One grouped query for several record measures at once: each measure is a conditional count.
    struct MeasureScan {
        struct Row { var commune: UUID; var village: UUID?; var counts: [Int] }
        let sql: any SQLDatabase
        let measures: [(RecordKind, [RecordFilter])]
        let asOf: LocalDate
        /// Only these communes' rows, when set.
        var sources: [UUID]? = nil

        private var onlySources: SQLQueryString {
            sources.map { " AND commune_id IN (\(binds: $0.isEmpty ? [UUID()] : $0))" } ?? ""
        }

        /// The conditional counts, as SQL: `1` per record, `n` per row of totals.
        private func columns(counting unit: String) -> SQLQueryString {
            var query: SQLQueryString = ""
            for (i, m) in measures.enumerated() {
                query += ", SUM(CASE WHEN " + condition(kind: m.0, filter: m.1, asOf: asOf)
                    + " THEN \(unsafeRaw: unit) ELSE 0 END) AS \(ident: "m\(i)")"
            }
            return query
        }

        private var kinds: [String] { Array(Set(measures.map(\.0.rawValue))).sorted() }

        /// The records of some days.
        static func days(_ span: DateSpan) -> SQLQueryString {
            "occurred_on >= \(bind: span.start.iso) AND occurred_on <= \(bind: span.end.iso)"
        }

        /// Records meeting a condition, per commune, or per village for the communes listed in `villagesOf`; read
        /// from a covering index: by default the one by day, or another whose condition (`kinds`, word for word)
        /// makes it usable.
        func records(_ condition: SQLQueryString, villagesOf communes: [UUID]? = nil, index: String = "records_facts",
                     kinds indexCondition: SQLQueryString? = nil) async throws -> [Row] {
            let groups = communes == nil ? "commune_id" : "commune_id, village_id"
            var query: SQLQueryString = "SELECT \(unsafeRaw: groups)" + columns(counting: "1")
            // SQLite's planner would rather skip-scan the listing's (commune, day) index; the covering index is
            // several times faster for this scan.
            // A few communes' rows (a commune's page, the units a change moved) are found by commune and day; the
            // covering indexes would be read whole for the nation's phase.
            let index = sources == nil ? index : "records_commune_day"
            query += SQLDialect(sql) == .sqlite ? " FROM records INDEXED BY \(ident: index)" : " FROM records"
            // The index's own condition replaces the list of kinds: both at once make PostgreSQL's planner count
            // on a few rows and walk the table instead of the index.
            query += " WHERE " + condition + " AND " + (indexCondition ?? "kind IN (\(binds: kinds))")
            if let communes { query += " AND commune_id IN (\(binds: communes))" }
            query += onlySources + " GROUP BY \(unsafeRaw: groups)"
            return try await read(query, village: communes != nil)
        }

        /// Whole months from the totals, per commune.
        func totals(months: [Month]) async throws -> [Row] {
            var query: SQLQueryString = "SELECT commune_id" + columns(counting: "n")
            // Seeks per commune, month and kind in the covering index, whose order is the grouping's.
            query += SQLDialect(sql) == .sqlite ? " FROM record_totals INDEXED BY record_totals_key" : " FROM record_totals"
            query += " WHERE month IN (\(binds: months.map(\.text))) AND kind IN (\(binds: kinds))" + onlySources + " GROUP BY commune_id"
            return try await read(query, village: false)
        }

        private func read(_ query: SQLQueryString, village: Bool) async throws -> [Row] {
            // Columns read one by one: for tens of thousands of groups this is several times faster than decoding
            // each row as a whole.
            let names = measures.indices.map { "m\($0)" }
            return try await sql.raw(query).all().map { row in
                let hasVillage = try village && !row.decodeNil(column: "village_id")
                return Row(commune: try row.id("commune_id"),
                           village: hasVillage ? try row.id("village_id") : nil,
                           counts: try names.map { try row.decode(column: $0, as: Int?.self) ?? 0 })
            }
        }
    }

    // MARK: Figures

    /// Figures per month: summed over the counted months, or the latest month's, per unit of the structure. A unit
    /// that reported its own figure is read from it; otherwise its parts' latest figures add up.
    static func figureFacts(keys: Set<FactKey>, window: EvaluationWindow, map: inout Participation.StructureMap,
                            facts: inout [UUID: UnitFacts], sources: [UUID]? = nil, on db: any Database) async throws {
        var needed: [(FactKey, FigureKind, FigureAggregate, DateSpan)] = []
        for key in keys {
            if case let .figure(kind, aggregate) = key.measure, let span = window.span(for: key.window) {
                needed.append((key, kind, aggregate, span))
            }
        }
        guard !needed.isEmpty else { return }
        guard let sql = db as? any SQLDatabase else { return }
        struct SourceRow { var commune_id: UUID; var value: Int; var n: Int }
        // Columns read one by one, several times faster than decoding rows as a whole.
        func read(_ query: SQLQueryString) async throws -> [SourceRow] {
            try await sql.raw(query).all().map {
                SourceRow(commune_id: try $0.id("commune_id"),
                          value: try $0.decode(column: "value", as: Int.self), n: try $0.decode(column: "n", as: Int.self))
            }
        }
        // SQLite's planner would rather skip-scan the unique (commune, kind, month) index and read each row's value
        // from the table; the (kind, month, commune, value) index holds all a query needs.
        func figures(_ alias: String = "figures") -> SQLQueryString {
            "figures AS \(unsafeRaw: alias)" + (SQLDialect(sql) == .sqlite ? " INDEXED BY figures_kind_month" : "")
        }
        let only: SQLQueryString = sources.map { " AND commune_id IN (\(binds: $0.isEmpty ? [UUID()] : $0))" } ?? ""
        for (key, kind, aggregate, span) in needed {
            let months = Month.counted(in: span).map(\.text)
            // Per source commune: the months added up, or the last month's value. The database does the work, so
            // the rows read follow the number of communes, not of months.
            let rows: [SourceRow]
            if months.isEmpty {
                rows = []
            } else if aggregate == .sum {
                rows = try await read("""
                    SELECT commune_id, CAST(SUM(value) AS BIGINT) AS value, COUNT(*) AS n FROM \(figures())
                    WHERE kind = \(bind: kind.rawValue) AND month IN (\(binds: months))\(only) GROUP BY commune_id
                    """)
            } else {
                rows = try await read("""
                    SELECT f.commune_id, f.value, 1 AS n FROM \(figures("f"))
                    JOIN (SELECT commune_id, MAX(month) AS m FROM \(figures())
                          WHERE kind = \(bind: kind.rawValue) AND month IN (\(binds: months))\(only) GROUP BY commune_id) l
                      ON f.commune_id = l.commune_id AND f.month = l.m
                    WHERE f.kind = \(bind: kind.rawValue)
                    """)
            }
            // structure unit → source commune → (value, months)
            var bySource: [UUID: [UUID: (Int, Int)]] = [:]
            for row in rows {
                guard let target = map.target(commune: row.commune_id, village: nil) else { continue }
                bySource[target, default: [:]][row.commune_id] = (row.value, row.n)
            }
            for id in facts.keys {
                guard let sources = bySource[id], !sources.isEmpty else {
                    facts[id]?.facts[key] = .noData
                    continue
                }
                // A unit that reported its own latest figure is read from it; otherwise its parts add up.
                let used = aggregate == .latest ? (sources[id].map { [id: $0] } ?? sources) : sources
                let value = used.values.reduce(0) { $0 + $1.0 }
                let basis = used.values.reduce(0) { $0 + $1.1 }
                facts[id]?.facts[key] = FactValue(value: Double(value), basis: basis)
            }
        }
    }

    // MARK: Committee

    static func assessments(movementID: UUID, phase: String, facts: inout [UUID: UnitFacts], on db: any Database) async throws {
        let scores = try await CriterionScore.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == phase).all()
        for s in scores where facts[s.unitID] != nil {
            facts[s.unitID]?.assessments[s.criterionID] = Assessment(selfScore: s.selfScore, reviewedScore: s.reviewedScore)
        }
        let adjustments = try await AdjustmentEntry.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == phase).all()
        for a in adjustments where facts[a.unitID] != nil {
            facts[a.unitID]?.adjustments[a.adjustmentID] = a.points
        }
    }
}

/// Results kept between requests and the versions of the data they were computed at. Every change to what facts
/// rest on bumps a counter in the writer's transaction and notes the communes it touched (`CreateKeptFacts`); every
/// change to the structure bumps the structure's version. A request reads both counters (one query): the same
/// counters serve what was kept; a higher change counter recomputes the changed communes' units alone; another
/// structure or plan recomputes everything. On every server sharing the database, a change is seen by the very
/// next request.
final class ResultsCache: Sendable {
    struct Key: Hashable, Sendable {
        var movement: UUID
        var phase: String
        var asOf: LocalDate
        var structureDate: LocalDate
    }

    /// The data's versions: the audit log's last entry (any change at all), the structure's, and the change counter
    /// of what facts rest on.
    struct Version: Hashable, Sendable, Decodable {
        var audit: Int
        var structure: Int64
        var change: Int64
    }

    struct Entry: Sendable {
        var results: ResultsService.Results
        var structure: Int64
        var change: Int64
        /// The change counter of the facts last stored for this key.
        var storedChange: Int64
    }

    /// A few phases and days at once: each is a few megabytes at the nation's scale.
    static let capacity = 8
    let graphs: UnitGraphCache?
    /// How an answer was had: as kept; brought up to date from what was kept; from the stored facts; computed whole.
    enum Source: Int, Sendable { case kept, updated, stored, computed }
    /// Closed phases' frozen results, by closing.
    let frozenBox = NIOLockedValueBox<[UUID: ResultsService.Results]>([:])
    private let entries = NIOLockedValueBox<(kept: [Key: (entry: Entry, used: UInt64)], clock: UInt64, sources: [Int])>(([:], 0, [0, 0, 0, 0]))

    /// Where computing results queues (`ComputeGate`): one computation per core at most, whatever asks for it.
    let gate: ComputeGate?

    init(graphs: UnitGraphCache? = nil, gate: ComputeGate? = nil) {
        self.graphs = graphs
        self.gate = gate
    }

    /// `work` with a place at the gate: results computed or brought up to date. Never around serving what is kept
    /// or rendering it, so that a page of kept results is not queued behind another's computation.
    func computing<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        guard let gate else { return try await work() }
        return try await gate.run(work)
    }

    static func version(on db: any Database) async throws -> Version {
        guard let sql = db as? any SQLDatabase else { return Version(audit: 0, structure: 0, change: 0) }
        let row = try await sql.raw("""
            SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit_entries) AS audit, (SELECT version FROM structure_version WHERE id = 1) AS structure,
              (SELECT version FROM change_version WHERE id = 1) AS change
            """).first(decoding: Version.self)
        return row ?? Version(audit: 0, structure: 0, change: 0)
    }

    func get(_ key: Key) -> Entry? {
        entries.withLockedValue { state in
            guard let found = state.kept[key] else { return nil }
            state.clock += 1
            state.kept[key]?.used = state.clock
            return found.entry
        }
    }

    /// Keeps an entry unless a newer one for the key is kept already (two requests computing side by side).
    func put(_ key: Key, _ entry: Entry) {
        entries.withLockedValue { state in
            state.clock += 1
            if let kept = state.kept[key]?.entry, kept.structure == entry.structure, kept.change > entry.change { return }
            state.kept[key] = (entry, state.clock)
            while state.kept.count > Self.capacity, let oldest = state.kept.min(by: { $0.value.used < $1.value.used })?.key {
                state.kept[oldest] = nil
            }
        }
    }

    func note(_ source: Source) {
        entries.withLockedValue { $0.sources[source.rawValue] += 1 }
    }

    var count: Int { entries.withLockedValue { $0.kept.count } }
    /// How many answers were had each way since the start.
    func answers(_ source: Source) -> Int { entries.withLockedValue { $0.sources[source.rawValue] } }
}

extension Application {
    private struct ResultsCacheKey: StorageKey { typealias Value = ResultsCache }

    /// Set once in `configure`, before any request (storage is not for writing from requests).
    var resultsCache: ResultsCache? {
        get { storage[ResultsCacheKey.self] }
        set { storage[ResultsCacheKey.self] = newValue }
    }
}
