import Fluent
import Foundation
import SQLKit

/// Tombstones of removed records and figures. Records removed before this version are known only from their audit
/// entries (`record.delete`, whose before says the kind, the commune, the village and the day): they are copied in, so that the
/// late changes of a phase closed before the upgrade still list them. Figures' removals were never listed.
struct CreateRemovedRows: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("removed_rows")
            .id()
            .field("entity", .string, .required)
            .field("kind", .string, .required)
            .field("commune_id", .uuid, .required)
            .field("village_id", .uuid)
            .field("day", .string, .required)
            .field("removed_at", .datetime, .required)
            .field("removed_by", .string, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "removed_rows_removed_at").on("removed_rows").column("removed_at").run()
        struct Before: Decodable { var kind: String; var unit: String; var village: String?; var date: String }
        let entries = try await sql.select().column("entity_id").column("at").column("actor").column("before")
            .from("audit_entries").where("action", .equal, "record.delete").all()
        for entry in entries {
            guard let id = (try? entry.decode(column: "entity_id", as: String?.self)).flatMap({ $0 }).flatMap(UUID.init(uuidString:)),
                  let text = try? entry.decode(column: "before", as: String?.self),
                  let before = try? JSONDecoder().decode(Before.self, from: Data(text.utf8)),
                  let unit = UUID(uuidString: before.unit),
                  let at = try? entry.decode(column: "at", as: Date.self),
                  let actor = try? entry.decode(column: "actor", as: String.self) else { continue }
            try await sql.insert(into: "removed_rows")
                .columns("id", "entity", "kind", "commune_id", "village_id", "day", "removed_at", "removed_by")
                .values(SQLBind(id), SQLBind("record"), SQLBind(before.kind), SQLBind(unit), SQLBind(before.village.flatMap(UUID.init(uuidString:))),
                        SQLBind(before.date), SQLBind(at), SQLBind(actor))
                .run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("removed_rows").delete()
    }
}
