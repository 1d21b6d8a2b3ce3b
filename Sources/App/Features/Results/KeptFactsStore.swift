import Crypto
import Fluent
import Foundation
import SQLKit
import ThiDuaCore

/// Every unit's facts of a phase stored with the versions they were computed at (`kept_facts`), so that a server
/// starting cold reads them and recomputes only the communes changed since, instead of recounting the nation.
enum KeptFactsStore {
    /// Changes (statements that touched facts) after which kept facts are stored again.
    static let storeEvery: Int64 = 50

    /// A plan's fingerprint: facts computed for another plan are not these.
    static func fingerprint(_ plan: Plan) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(plan)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The stored facts for a key when they were computed for this plan in this structure; nil otherwise.
    static func read(_ key: ResultsCache.Key, plan: Plan, window: EvaluationWindow, structureVersion: Int64, graph: UnitGraph,
                     on db: any Database) async throws -> ResultsCache.Entry? {
        guard let sql = db as? any SQLDatabase else { return nil }
        guard let row = try await sql.raw("""
            SELECT plan_hash, structure_version, change_version, facts FROM kept_facts
            WHERE movement_id = \(bind: key.movement) AND phase_id = \(bind: key.phase) AND as_of = \(bind: key.asOf.iso)
              AND structure_date = \(bind: key.structureDate.iso)
            """).first() else { return nil }
        guard try row.decode(column: "structure_version", as: Int64.self) == structureVersion,
              try row.decode(column: "plan_hash", as: String.self) == fingerprint(plan) else { return nil }
        let change = try row.decode(column: "change_version", as: Int64.self)
        // A row that does not decode (written by another release, say) is computed afresh and replaced.
        guard let table = try? JSONDecoder().decode(FactsTable.self, from: Data(try row.decode(column: "facts", as: String.self).utf8)),
              let all = table.facts(units: graph.units) else { return nil }
        let results = ResultsService.Results(movementID: key.movement, plan: plan, window: window, structureDate: key.structureDate, all: all)
        return ResultsCache.Entry(results: results, structure: structureVersion, change: change, storedChange: change)
    }

    /// Stores an entry's facts unless facts of a later change are stored already (another server's).
    static func write(_ key: ResultsCache.Key, _ entry: ResultsCache.Entry, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let data = try JSONEncoder().encode(FactsTable(entry.results.all))
        let text = String(decoding: data, as: UTF8.self)
        try await sql.raw("""
            INSERT INTO kept_facts (movement_id, phase_id, as_of, structure_date, plan_hash, structure_version, change_version, facts, stored_at)
            VALUES (\(bind: key.movement), \(bind: key.phase), \(bind: key.asOf.iso), \(bind: key.structureDate.iso),
                    \(bind: fingerprint(entry.results.plan)), \(bind: entry.structure), \(bind: entry.change), \(bind: text),
                    \(bind: ISO8601DateFormatter().string(from: Date())))
            ON CONFLICT (movement_id, phase_id, as_of, structure_date) DO UPDATE SET
              plan_hash = excluded.plan_hash, structure_version = excluded.structure_version,
              change_version = excluded.change_version, facts = excluded.facts, stored_at = excluded.stored_at
            WHERE kept_facts.structure_version <> excluded.structure_version OR kept_facts.plan_hash <> excluded.plan_hash
              OR kept_facts.change_version < excluded.change_version
            """).run()
    }

    /// Removes the stored facts of a key, named as stored (a day that does not read is still removed).
    private static func delete(movement: UUID, phase: String, asOf: String, structureDate: String, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            DELETE FROM kept_facts WHERE movement_id = \(bind: movement) AND phase_id = \(bind: phase)
              AND as_of = \(bind: asOf) AND structure_date = \(bind: structureDate)
            """).run()
    }

    struct Check: Sendable {
        var checked = 0
        /// Stored facts that, brought up to date, differ from a fresh computation.
        var differing = 0
        /// Stored facts of another structure or plan, which no request would use.
        var stale = 0
    }

    /// Every stored facts row brought up to date and compared with a fresh computation; with `repair`, a differing
    /// row is replaced by the fresh facts and a stale one removed.
    static func verify(repair: Bool, on db: any Database) async throws -> Check {
        guard let sql = db as? any SQLDatabase else { return Check() }
        var check = Check()
        let version = try await ResultsCache.version(on: db)
        let graph = try await UnitService.graph(on: db)
        let rows = try await sql.raw("SELECT movement_id, phase_id, as_of, structure_date FROM kept_facts").all()
        for row in rows {
            let movementID = try row.id("movement_id")
            let phaseID = try row.decode(column: "phase_id", as: String.self)
            let asOfText = try row.decode(column: "as_of", as: String.self)
            let structureText = try row.decode(column: "structure_date", as: String.self)
            check.checked += 1
            guard let asOf = LocalDate(iso: asOfText), let structureDate = LocalDate(iso: structureText),
                  let (movement, plan) = try await PlanService.movement(movementID.uuidString, on: db), let phase = plan.phase(id: phaseID),
                  case let key = ResultsCache.Key(movement: movementID, phase: phaseID, asOf: asOf, structureDate: structureDate),
                  case let window = EvaluationWindow(phase: phase, asOf: asOf),
                  let stored = try await read(key, plan: plan, window: window, structureVersion: version.structure, graph: graph, on: db) else {
                check.stale += 1
                if repair { try await delete(movement: movementID, phase: phaseID, asOf: asOfText, structureDate: structureText, on: sql) }
                continue
            }
            // So much changed since that a request would recompute everything: nothing kept is used.
            guard let kept = try await ResultsService.update(stored, to: version, plan: plan, window: window, graph: graph, on: db) else { continue }
            let fresh = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: asOf,
                                                         structureDate: structureDate, graph: graph, on: db)
            guard kept.results.all != fresh.all else { continue }
            check.differing += 1
            if repair {
                try await delete(movement: movementID, phase: phaseID, asOf: asOfText, structureDate: structureText, on: sql)
                try await write(key, ResultsCache.Entry(results: fresh, structure: version.structure, change: version.change,
                                                        storedChange: version.change), on: db)
            }
        }
        return check
    }
}
