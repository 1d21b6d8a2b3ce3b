import Fluent

struct CreateFigures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Figure.schema)
            .id()
            .field("commune_id", .uuid, .required, .references(Unit.schema, "id", onDelete: .restrict))
            .field("kind", .string, .required)
            .field("month", .string, .required)
            .field("value", .int64, .required)
            .field("basis", .string)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "commune_id", "kind", "month")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Figure.schema).delete()
    }
}
