import Fluent
import SQLKit

struct CreateUnits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("units")
            .id()
            .field("code", .string)
            .field("level", .string, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("population", .int)
            .field("households", .int)
            .field("valid_from", .string, .required)
            .field("valid_to", .string)
            .field("sample", .bool, .required)
            .create()
        try await Index.create("units_code", on: "units", columns: ["code"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("units").delete()
    }
}

/// Indexes Fluent's schema builder cannot declare.
enum Index {
    static func create(_ name: String, on table: String, columns: [String], unique: Bool = false,
                       in database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        var builder = sql.create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        if unique { builder = builder.unique() }
        try await builder.run()
    }
}
