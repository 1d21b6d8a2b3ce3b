import Fluent

/// A value made from the tips' key (never the key), so that a server started with another key says so instead
/// of answering every receipt code "no such tip" and every contact "unreadable".
struct CreateTipKeyChecks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("tip_key_checks")
            .id()
            .field("check_value", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_key_checks").delete()
    }
}
