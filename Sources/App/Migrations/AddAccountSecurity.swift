import Fluent
import SQLKit

/// Signing out of every device (sessions begun before `sessions_valid_after` end) and a password that must be
/// changed at the next sign-in (after an admin's reset).
struct AddAccountSecurity: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .field("sessions_valid_after", .datetime)
            .update()
        try await database.schema("users")
            .field("must_change_password", .bool, .required, .sql(.default(false)))
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").deleteField("must_change_password").update()
        try await database.schema("users").deleteField("sessions_valid_after").update()
    }
}
