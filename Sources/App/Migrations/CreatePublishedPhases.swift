import Fluent

/// A phase's ranking the secretariat has made public (a row while it is public).
struct CreatePublishedPhases: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("published_phases")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("phase_id", .string, .required)
            .field("published_by", .string, .required)
            .field("published_at", .datetime, .required)
            .unique(on: "movement_id", "phase_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("published_phases").delete()
    }
}
