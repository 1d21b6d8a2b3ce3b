import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ThiDuaCore
import Vapor

/// Reads the unit structure into the domain core's graph.
enum UnitService {
    /// The graph as stored now. Served from the process's cache while the database's structure version (bumped by
    /// triggers on every change to units, links and successions) is the one it was read at.
    static func graph(on db: any Database, cache: UnitGraphCache? = nil) async throws -> UnitGraph {
        guard let sql = db as? any SQLDatabase else { return try await read(on: db) }
        // The version is read before the structure: a change in between leaves the cache one version behind, so
        // the next request reads again; never the other way round.
        let version = try await sql.raw("SELECT version FROM structure_version WHERE id = 1")
            .first()?.decode(column: "version", as: Int64.self)
        if let cache, let version, let hit = cache.graph(at: version) { return hit }
        if let version, let stored = try await snapshot(at: version, on: sql) {
            cache?.store(stored, at: version)
            return stored
        }
        let graph = try await read(on: db)
        if let cache, let version { cache.store(graph, at: version) }
        // Stored for the next server (or this one, restarted): the structure read at this version or later.
        // Best effort: a read never fails for want of storing (a busy database, say); the next read tries again.
        if let version {
            let bytes = graph.snapshot()
            try? await sql.raw("DELETE FROM structure_snapshots WHERE version <> \(bind: version)").run()
            try? await sql.raw("""
                INSERT INTO structure_snapshots (version, data) VALUES (\(bind: version), \(bind: Data(bytes)))
                ON CONFLICT (version) DO NOTHING
                """).run()
        }
        return graph
    }

    /// The graph stored for a structure version, if any and readable.
    private static func snapshot(at version: Int64, on sql: any SQLDatabase) async throws -> UnitGraph? {
        guard let row = try await sql.raw("SELECT data FROM structure_snapshots WHERE version = \(bind: version)").first() else { return nil }
        let data = try row.decode(column: "data", as: Data.self)
        return UnitGraph(snapshot: Array(data))
    }

    /// Every unit, link and succession, read column by column (decoding Fluent models costs several times more
    /// for the nation's 180,000 rows).
    static func read(on db: any Database) async throws -> UnitGraph {
        guard let sql = db as? any SQLDatabase else {
            let units = try await Unit.query(on: db).all()
            let links = try await UnitParentLink.query(on: db).all()
            let successions = try await UnitSuccession.query(on: db).all()
            return UnitGraph(units: units.compactMap(\.info), links: links.compactMap(\.link),
                             successions: successions.compactMap(\.succession))
        }
        func date(_ row: any SQLRow, _ column: String) throws -> LocalDate? {
            try row.decode(column: column, as: String?.self).flatMap(LocalDate.init(iso:))
        }
        var units: [UnitInfo] = []
        for row in try await sql.raw("""
            SELECT id, code, level, kind, name, population, households, valid_from, valid_to FROM units
            """).all() {
            guard let level = UnitLevel(rawValue: try row.decode(column: "level", as: String.self)),
                  let from = try date(row, "valid_from") else { continue }
            units.append(UnitInfo(id: try row.id("id"),
                                  code: try row.decode(column: "code", as: String?.self), level: level,
                                  kind: try row.decode(column: "kind", as: String.self),
                                  name: try row.decode(column: "name", as: String.self),
                                  population: try row.decode(column: "population", as: Int?.self),
                                  households: try row.decode(column: "households", as: Int?.self),
                                  validFrom: from, validTo: try date(row, "valid_to")))
        }
        var links: [ParentLink] = []
        for row in try await sql.raw("SELECT unit_id, parent_id, valid_from, valid_to FROM unit_parent_links").all() {
            guard let from = try date(row, "valid_from") else { continue }
            links.append(ParentLink(unitID: try row.id("unit_id"),
                                    parentID: try row.id("parent_id"),
                                    validFrom: from, validTo: try date(row, "valid_to")))
        }
        var successions: [Succession] = []
        for row in try await sql.raw("SELECT predecessor_id, successor_id, effective, whole, note FROM unit_successions").all() {
            guard let effective = try date(row, "effective") else { continue }
            successions.append(Succession(predecessorID: try row.id("predecessor_id"),
                                          successorID: try row.id("successor_id"),
                                          effective: effective, whole: try row.decode(column: "whole", as: Bool.self),
                                          note: try row.decode(column: "note", as: String?.self)))
        }
        return UnitGraph(units: units, links: links, successions: successions)
    }

    /// A unit by its id, or by its national code on a day: a code may name another unit on other days (06820 was
    /// phường Trưng Vương until 30/06/2025 and is phường Vàng Danh from 01/07/2025). With no unit of that code on the
    /// day, the latest that had it.
    static func find(_ key: String, on date: LocalDate?, in graph: UnitGraph) -> UnitInfo? {
        if let uuid = UUID(uuidString: key) { return graph.units[uuid] }
        return graph.unit(code: key, on: date)
    }
}

/// The last unit graph read, with the structure version it was read at. One per application.
final class UnitGraphCache: Sendable {
    private let entry = NIOLockedValueBox<(version: Int64, graph: UnitGraph)?>(nil)

    func graph(at version: Int64) -> UnitGraph? {
        entry.withLockedValue { $0?.version == version ? $0?.graph : nil }
    }

    func store(_ graph: UnitGraph, at version: Int64) {
        entry.withLockedValue { current in
            if current.map({ $0.version <= version }) ?? true { current = (version, graph) }
        }
    }
}

extension Application {
    private struct UnitGraphCacheKey: StorageKey { typealias Value = UnitGraphCache }

    /// Set once by `configure(_:)`, read concurrently afterwards.
    var unitGraphCache: UnitGraphCache? {
        get { storage[UnitGraphCacheKey.self] }
        set { storage[UnitGraphCacheKey.self] = newValue }
    }

    func unitGraph() async throws -> UnitGraph {
        try await UnitService.graph(on: db, cache: unitGraphCache)
    }
}

extension Request {
    func unitGraph() async throws -> UnitGraph {
        try await UnitService.graph(on: db, cache: application.unitGraphCache)
    }
}

extension UnitService {
    /// The teams of a unit's villages on a day with their current members; members' names and phones only where
    /// the account answers for the village on that day (an account answers for a village, not a unit as a whole).
    static func teamRows(of unit: UnitInfo, on date: LocalDate, user: User, graph: UnitGraph, text t: Translator,
                         db: any Database) async throws -> [UnitPage.TeamRow] {
        let reach = user.reach(graph)
        func inScope(_ village: UUID) -> Bool {
            graph.ancestor(of: village, at: .commune, on: date).map {
                Permissions.seesPersonalData(role: user.role, reach: reach, commune: $0, village: village, on: date)
            } ?? false
        }
        let villageIDs = unit.level == .village ? [unit.id] : graph.villages(of: unit.id, on: date).map(\.id)
        guard !villageIDs.isEmpty else { return [] }
        let found = try await Team.query(on: db).filter(\.$village.$id ~~ villageIDs).with(\.$members).all()
        return found.map { team in
            let village = graph.units[team.$village.id].map(\.fullName) ?? ""
            let members = team.members.filter { $0.leftOn == nil }
                .sorted { ($0.role.order, $0.fullName) < ($1.role.order, $1.fullName) }
            let shown = inScope(team.$village.id)
            return UnitPage.TeamRow(
                name: team.name, village: village, membersShown: shown,
                members: shown ? members.map {
                    UnitPage.MemberRow(name: $0.fullName, role: t("member.\($0.role.rawValue)"), phone: $0.phone)
                } : [],
                memberCount: members.count)
        }.sorted { UnitGraph.naturalCompareStrings($0.village, $1.village) }
    }
}
