import Fluent
import SQLKit

/// Pledges, the notes and evidence of the committee's criteria, and phases closed with their frozen results.
struct CreateReviews: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite alters a table a column at a time.
        for column in ["self_note", "self_by", "review_note", "reviewed_by"] {
            try await database.schema("criterion_scores").field(.string(column), .string).update()
        }
        try await database.schema("adjustment_entries")
            .field("given_by", .string)
            .update()
        try await database.schema("evidence_files")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("phase_id", .string, .required)
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("criterion_id", .string, .required)
            .field("kind", .string, .required)
            .field("size", .int, .required)
            .field("stored_name", .string, .required)
            .field("added_by", .string, .required)
            .field("added_at", .datetime, .required)
            .create()
        try await database.schema("pledges")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("targets", .string, .required)
            .field("own_targets", .string, .required)
            .field("signer", .string, .required)
            .field("signed_by", .string, .required)
            .field("signed_at", .datetime, .required)
            .unique(on: "movement_id", "unit_id")
            .create()
        try await database.schema("closed_phases")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("phase_id", .string, .required)
            .field("closed_by", .string, .required)
            .field("closed_at", .datetime, .required)
            .field("snapshot", .string, .required)
            .unique(on: "movement_id", "phase_id")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX evidence_files_unit ON evidence_files (movement_id, phase_id, unit_id)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("closed_phases").delete()
        try await database.schema("pledges").delete()
        try await database.schema("evidence_files").delete()
        try await database.schema("adjustment_entries").deleteField("given_by").update()
        for column in ["self_note", "self_by", "review_note", "reviewed_by"] {
            try await database.schema("criterion_scores").deleteField(.string(column)).update()
        }
    }
}
