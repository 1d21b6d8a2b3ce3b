import Fluent

struct CreateFigures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("figures")
            .id()
            .field("commune_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("kind", .string, .required)
            .field("month", .string, .required)
            .field("value", .int64, .required)
            .field("basis", .string)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "commune_id", "kind", "month")
            .create()
        // Results read a kind's figures over a phase's months, for every commune.
        try await Index.create("figures_kind_month", on: "figures", columns: ["kind", "month", "commune_id", "value"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("figures").delete()
    }
}
