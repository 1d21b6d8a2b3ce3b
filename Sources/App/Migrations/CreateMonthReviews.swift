import Fluent

/// A commune's month on its way to approval (one row per commune and month that has left "open").
struct CreateMonthReviews: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("month_reviews")
            .id()
            .field("commune_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("month", .string, .required)
            .field("state", .string, .required)
            .field("reason", .string)
            .field("updated_by", .string, .required)
            .field("updated_at", .datetime)
            .unique(on: "commune_id", "month")
            .create()
        try await Index.create("month_reviews_month_state", on: "month_reviews", columns: ["month", "state"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("month_reviews").delete()
    }
}
