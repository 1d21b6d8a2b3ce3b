import Fluent

/// An award's decision names the authority who awards in its own title and the signer's title apart from the
/// signer's name, as the certificate prints them.
struct AddDecisionAuthority: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds one at a time.
        try await database.schema("nominations").field("decision_authority", .string).update()
        try await database.schema("nominations").field("decision_signer_title", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("nominations").deleteField("decision_signer_title").update()
        try await database.schema("nominations").deleteField("decision_authority").update()
    }
}
