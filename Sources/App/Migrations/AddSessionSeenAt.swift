import Fluent
import Foundation
import SQLKit

/// When a session was last seen, as a column, so that the ones nobody uses any more can be purged without reading
/// each one's data. Sessions open at the upgrade count as seen then: they end within the idle time if unused.
struct AddSessionSeenAt: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("_fluent_sessions").field("seen_at", .datetime).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.update("_fluent_sessions").set("seen_at", to: Date()).run()
        try await sql.create(index: "sessions_seen_at").on("_fluent_sessions").column("seen_at").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            try await sql.drop(index: "sessions_seen_at").run()
        }
        try await database.schema("_fluent_sessions").deleteField("seen_at").update()
    }
}
