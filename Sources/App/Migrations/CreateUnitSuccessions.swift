import Fluent

struct CreateUnitSuccessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("unit_successions")
            .id()
            .field("predecessor_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("successor_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("effective", .string, .required)
            .field("whole", .bool, .required)
            .field("note", .string)
            .unique(on: "predecessor_id", "successor_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_successions").delete()
    }
}
