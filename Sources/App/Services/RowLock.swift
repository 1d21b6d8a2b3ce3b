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
}
