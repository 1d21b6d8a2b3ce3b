import Fluent

/// The receipt codes' peppers of keys rotated away (`thidua tips rotate-key`), each sealed with the current key: a
/// code is kept only as its slow hash, so the codes of tips sent before a rotation are found through the pepper
/// they were hashed with, which no one can read without the current key.
struct CreateTipRetiredPeppers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("tip_retired_peppers")
            .id()
            .field("sealed", .string, .required)
            .field("retired_on", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_retired_peppers").delete()
    }
}
