import Fluent

struct CreateSignInFailures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SignInFailure.schema)
            .id()
            .field("username_key", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await Index.create("sign_in_failures_key_at", on: SignInFailure.schema, columns: ["username_key", "at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SignInFailure.schema).delete()
    }
}
