import Fluent
import Foundation
import SQLKit

/// The review reports' prose, the award forms, nominations with their files.
struct CreateReportsAndAwards: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("review_reports")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            // A phase's id, or "movement" for the whole movement.
            .field("scope", .string, .required)
            .field("prose", .string, .required)
            .field("updated_by", .string, .required)
            .field("updated_at", .datetime)
            .unique(on: "movement_id", "scope")
            .create()
        try await database.schema("award_forms")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("nominee", .string, .required)
            .field("authority", .string, .required)
            .field("position", .int, .required)
            .field("active", .bool, .required)
            .unique(on: "code")
            .create()
        // The shipped forms, as data the admin changes (who awards which form changed on 1 July 2025).
        let forms: [(String, String, String, String)] = [
            ("giay-khen", "Giấy khen", "both", "Chủ tịch UBND cấp xã; thủ trưởng cơ quan, đơn vị"),
            ("bang-khen", "Bằng khen", "both", "Chủ tịch UBND cấp tỉnh"),
            ("co-thi-dua", "Cờ thi đua", "collective", "Chủ tịch UBND cấp tỉnh"),
            ("chien-si-thi-dua-co-so", "Chiến sĩ thi đua cơ sở", "individual", "Chủ tịch UBND cấp xã"),
            ("tap-the-lao-dong-tien-tien", "Tập thể lao động tiên tiến", "collective", "Chủ tịch UBND cấp xã"),
        ]
        if let sql = database as? any SQLDatabase {
            for (i, form) in forms.enumerated() {
                try await sql.raw("""
                    INSERT INTO award_forms (id, code, name, nominee, authority, position, active)
                    VALUES (\(bind: UUID()), \(bind: form.0), \(bind: form.1), \(bind: form.2), \(bind: form.3), \(bind: i + 1), \(bind: true))
                    """).run()
            }
        }
        try await database.schema("nominations")
            .id()
            .field("movement_id", .uuid, .required, .references("movements", "id", onDelete: .cascade))
            .field("award_form_id", .uuid, .required, .references("award_forms", "id", onDelete: .restrict))
            .field("commune_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("nominee_kind", .string, .required)
            .field("nominee_id", .uuid, .required)
            .field("nominee_name", .string, .required)
            .field("achievement", .string, .required)
            .field("evidence", .string, .required)
            .field("status", .string, .required)
            .field("return_reason", .string)
            .field("votes_for", .int)
            .field("votes_against", .int)
            .field("votes_abstain", .int)
            .field("council_note", .string)
            .field("decision_number", .string)
            .field("decision_date", .string)
            .field("decision_signer", .string)
            .field("rejection_reason", .string)
            .field("proposed_by", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("nomination_files")
            .id()
            .field("nomination_id", .uuid, .required, .references("nominations", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("kind", .string, .required)
            .field("size", .int, .required)
            .field("stored_name", .string, .required)
            .field("added_by", .string, .required)
            .field("added_at", .datetime, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX nominations_movement ON nominations (movement_id, status)").run()
            try await sql.raw("CREATE INDEX nomination_files_nomination ON nomination_files (nomination_id)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("nomination_files").delete()
        try await database.schema("nominations").delete()
        try await database.schema("award_forms").delete()
        try await database.schema("review_reports").delete()
    }
}
