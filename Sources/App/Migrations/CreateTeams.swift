import Fluent

struct CreateTeams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("teams")
            .id()
            .field("village_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("name", .string, .required)
            .field("established_on", .string, .required)
            .field("dissolved_on", .string)
            .field("sample", .bool, .required)
            .create()
        try await Index.create("teams_village", on: "teams", columns: ["village_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("teams").delete()
    }
}
