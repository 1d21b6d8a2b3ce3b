import Crypto
import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit

/// The append-only, hash-chained record of every change.
///
/// Each entry's hash covers its own fields and the hash before it, so editing or deleting any entry breaks the
/// chain from that point on, and `verify` says where.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)
    /// The actor of what a citizen does: no account, and logged without what would tie a tip to a time.
    static let citizen = "citizen"

    /// One entry to append.
    struct Draft: Sendable {
        var actor: String
        var action: String
        var entity: String
        var entityID: String?
        var before: String? = nil
        var after: String? = nil
        var at: Date = Date()
    }

    /// Appends an entry inside the caller's transaction: the change and its entry commit together or not at all.
    static func record(on db: any Database, actor: String, action: String, entity: String, entityID: String?,
                       before: String? = nil, after: String? = nil, at: Date = Date()) async throws {
        try await record(on: db, [Draft(actor: actor, action: action, entity: entity, entityID: entityID, before: before,
                                        after: after, at: at)])
    }

    /// Appends entries in order, chained one to the next, in one statement (tips stored together).
    static func record(on db: any Database, _ drafts: [Draft]) async throws {
        guard !drafts.isEmpty else { return }
        if let sql = db as? any SQLDatabase, SQLDialect(sql) == .postgres {
            // One writer at a time extends the chain; SQLite already serialises writers. The chain is the schema's
            // (tests run each in a schema of its own), so the lock is too.
            try await sql.raw("SELECT pg_advisory_xact_lock(7138, hashtext(current_schema()))").run()
        }
        let last = try await AuditEntry.query(on: db).sort(\.$seq, .descending).first()
        var seq = last?.seq ?? 0
        var prev = last?.hash ?? genesis
        let entries = drafts.map { d in
            let entry = AuditEntry()
            seq += 1
            entry.seq = seq
            // Whole milliseconds, so the stored time hashes the same after a round trip through either database.
            entry.at = Date(timeIntervalSince1970: (d.at.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            entry.actor = d.actor
            entry.action = d.action
            entry.entity = d.entity
            entry.entityID = d.entityID
            entry.before = d.before
            entry.after = d.after
            entry.prevHash = prev
            entry.hash = hash(of: entry)
            prev = entry.hash
            return entry
        }
        try await entries.create(on: db)
        ChangeLog.note(entries, logger: db.logger)
    }

    static func hash(of e: AuditEntry) -> String {
        let millis = Int64((e.at.timeIntervalSince1970 * 1000).rounded())
        let fields: [String] = [String(e.seq), String(millis), e.actor, e.action, e.entity, e.entityID ?? "",
                                e.before ?? "", e.after ?? "", e.prevHash]
        // Length-prefixed, so no two different entries can produce the same text.
        let text = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    enum Verdict: Equatable {
        case intact(entries: Int)
        /// The first entry whose content, hash or place in the chain is wrong.
        case broken(seq: Int, reason: String)
    }

    static func verify(on db: any Database) async throws -> Verdict {
        var expectedSeq = 1
        var prev = genesis
        var count = 0
        var offset = 0
        let page = 1000
        while true {
            let entries = try await AuditEntry.query(on: db).sort(\.$seq).range(offset..<(offset + page)).all()
            for e in entries {
                if e.seq != expectedSeq { return .broken(seq: expectedSeq, reason: "missing") }
                if e.prevHash != prev { return .broken(seq: e.seq, reason: "chain") }
                if hash(of: e) != e.hash { return .broken(seq: e.seq, reason: "content") }
                prev = e.hash
                expectedSeq += 1
                count += 1
            }
            if entries.count < page { break }
            offset += page
        }
        return .intact(entries: count)
    }
}

extension Database {
    /// A transaction whose audited changes are logged once it has committed: a change rolled back is never said to
    /// have happened. Every write of the application opens its transaction here (`WritePathTests`).
    func audited<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        // Inside a write already: its changes are said when that one commits.
        if inTransaction { return try await body(self) }
        let changes = ChangeLog()
        // Set inside the closure: PostgreSQL's driver runs it from an event loop, where no task's values reach.
        let result = try await transaction { tx in try await ChangeLog.$current.withValue(changes) { try await body(tx) } }
        changes.flush(to: logger)
        return result
    }
}

/// What a write has audited, kept until it commits, then logged at info: the action, the entity and its id, who,
/// and the entry's place in the audit log, with the entity's kind as the component. Never the entry's before and
/// after (a tip's text, a member's details); a citizen's change is logged without its tip's id or place, so that
/// the log's time is never tied to a tip.
final class ChangeLog: Sendable {
    @TaskLocal static var current: ChangeLog?
    /// More than this in one write (an import, the demo) is logged as counts per action, not line by line.
    static let linesPerWrite = 20
    private let entries = NIOLockedValueBox<[Line]>([])

    struct Line: Sendable, Equatable {
        var seq: Int
        var actor: String
        var action: String
        var entity: String
        var entityID: String?
    }

    /// Entries just written: kept for the commit inside a write, logged now outside one.
    static func note(_ written: [AuditEntry], logger: Logger) {
        let lines = written.map { Line(seq: $0.seq, actor: $0.actor, action: $0.action, entity: $0.entity, entityID: $0.entityID) }
        if let current { current.entries.withLockedValue { $0 += lines } } else { log(lines, to: logger) }
    }

    func flush(to logger: Logger) {
        Self.log(entries.withLockedValue { e in defer { e = [] }; return e }, to: logger)
    }

    static func log(_ lines: [Line], to logger: Logger) {
        guard !lines.isEmpty, logger.logLevel <= .info else { return }
        guard lines.count <= linesPerWrite else {
            var counts: [String: (entity: String, n: Int)] = [:]
            for l in lines { counts[l.action, default: (l.entity, 0)].n += 1 }
            for (action, c) in counts.sorted(by: { $0.key < $1.key }) {
                logger.info("\(action) ×\(c.n)", metadata: ["component": .string(c.entity), "action": .string(action), "count": "\(c.n)",
                                                        "audit_seq": "\(lines[0].seq)-\(lines[lines.count - 1].seq)"])
            }
            return
        }
        for l in lines {
            var metadata: Logger.Metadata = ["component": .string(l.entity), "action": .string(l.action), "actor": .string(l.actor)]
            if l.actor != AuditLog.citizen {
                metadata["audit_seq"] = "\(l.seq)"
                if let id = l.entityID { metadata["entity_id"] = .string(id) }
            }
            logger.info("\(l.action)", metadata: metadata)
        }
    }
}
