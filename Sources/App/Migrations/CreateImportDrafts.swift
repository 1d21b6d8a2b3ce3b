import Fluent

/// A checked file kept between its preview and its confirmation, so that confirming sends a token, not the file.
struct CreateImportDrafts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("import_drafts")
            .id()
            .field("owner_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("unit", .string)
            .field("file", .data, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await Index.create("import_drafts_expires", on: "import_drafts", columns: ["expires_at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("import_drafts").delete()
    }
}
