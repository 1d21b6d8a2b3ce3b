import Fluent

struct CreateAssessments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("criterion_scores")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("phase_id", .string, .required)
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("criterion_id", .string, .required)
            .field("self_score", .double)
            .field("reviewed_score", .double)
            .field("updated_at", .datetime)
            .unique(on: "movement_id", "phase_id", "unit_id", "criterion_id")
            .create()
        try await database.schema("adjustment_entries")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("phase_id", .string, .required)
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("adjustment_id", .string, .required)
            .field("points", .double, .required)
            .field("reason", .string, .required)
            .field("updated_at", .datetime)
            .unique(on: "movement_id", "phase_id", "unit_id", "adjustment_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("adjustment_entries").delete()
        try await database.schema("criterion_scores").delete()
    }
}
