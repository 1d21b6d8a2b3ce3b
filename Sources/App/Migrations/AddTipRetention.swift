import Fluent

/// A tip keeps the day it was closed, from which its contact and its content are erased after their periods
/// (`TipRetention`), and the day its content was erased.
struct AddTipRetention: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds one at a time.
        try await database.schema("tips").field("closed_on", .string).update()
        try await database.schema("tips").field("erased_on", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tips").deleteField("erased_on").update()
        try await database.schema("tips").deleteField("closed_on").update()
    }
}
