import Fluent
import SQLKit

/// The head of a commune's police (Trưởng Công an xã) is marked on the account: it also reads the contact
/// details of the commune's tips that are assigned to others. Every existing account is not a head.
struct AddUserHeadsPolice: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("heads_police", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").deleteField("heads_police").update()
    }
}
