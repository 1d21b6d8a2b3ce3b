import Fluent

struct CreateSignInFailures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sign_in_failures")
            .id()
            .field("username_key", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await Index.create("sign_in_failures_key_at", on: "sign_in_failures", columns: ["username_key", "at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sign_in_failures").delete()
    }
}
