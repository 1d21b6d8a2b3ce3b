import Fluent

struct CreateMovement: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("movements")
            .id()
            .field("plan_id", .string, .required)
            .field("theme", .string, .required)
            .field("definition", .string, .required)
            .field("source", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "plan_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("movements").delete()
    }
}
