import Fluent
import Foundation
import SQLKit

enum RowLock {
    /// Holds a row for the rest of the transaction, before anything of it is read, so that writers to it take turns:
    /// PostgreSQL locks the row; SQLite, which allows one writer at a time, takes its write lock by a write that
    /// changes nothing (a read first would fail beside another writer instead of waiting).
    static func hold(_ table: String, id: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        switch SQLDialect(sql) {
        case .postgres: try await sql.raw("SELECT id FROM \(ident: table) WHERE id = \(bind: id) FOR UPDATE").run()
        case .sqlite: try await sql.raw("UPDATE \(ident: table) SET id = id WHERE id = \(bind: id)").run()
        }
    }

    /// Holds a name for the rest of the transaction: writers that hold the same name take turns, whether or not any
    /// row stands for it (an open month has none; a phase becomes closed by a row that is not there yet). PostgreSQL
    /// takes a transaction's advisory lock on the schema and the name's hash (advisory locks are the whole
    /// database's: two schemas, as the tests run, or two deployments in one database, never wait for each other;
    /// two names of one hash only wait for each other); SQLite takes its write lock, which already holds everything.
    static func hold(name: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        switch SQLDialect(sql) {
        case .postgres: try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(current_schema()), \(bind: Self.hash(name)))").run()
        case .sqlite: try await sql.raw("UPDATE structure_version SET id = id WHERE 0 = 1").run()
        }
    }

    /// 32-bit FNV-1a over the name's UTF-8: the same on every server and every run (Swift's `hashValue` is seeded).
    static func hash(_ name: String) -> Int32 {
        var h: UInt32 = 0x811c_9dc5
        for byte in name.utf8 {
            h ^= UInt32(byte)
            h = h &* 0x0100_0193
        }
        return Int32(bitPattern: h)
    }

    /// Holds a whole table for the rest of the transaction: no one else writes it until the commit (reading it
    /// stays open). PostgreSQL locks the table; SQLite takes its write lock, which already holds every table.
    static func holdTable(_ table: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        switch SQLDialect(sql) {
        case .postgres: try await sql.raw("LOCK TABLE \(ident: table) IN SHARE ROW EXCLUSIVE MODE").run()
        case .sqlite: try await sql.raw("UPDATE \(ident: table) SET id = id WHERE 0 = 1").run()
        }
    }
}
