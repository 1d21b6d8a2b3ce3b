import Fluent

struct CreateMembers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("members")
            .id()
            .field("team_id", .uuid, .required, .references("teams", "id", onDelete: .cascade))
            .field("full_name", .string, .required)
            .field("role", .string, .required)
            .field("phone", .string)
            .field("recognised_on", .string, .required)
            .field("left_on", .string)
            .field("sample", .bool, .required)
            .create()
        try await Index.create("members_team", on: "members", columns: ["team_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("members").delete()
    }
}
