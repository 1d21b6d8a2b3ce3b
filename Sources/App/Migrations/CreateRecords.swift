import Fluent

struct CreateRecords: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("records")
            .id()
            .field("kind", .string, .required)
            .field("commune_id", .uuid, .required, .references("units", "id", onDelete: .restrict))
            .field("village_id", .uuid, .references("units", "id", onDelete: .restrict))
            .field("occurred_on", .string, .required)
            .field("ended_on", .string)
            .field("category", .string)
            .field("origin", .string)
            .field("status", .string)
            .field("flag", .bool)
            .field("flag_on", .string)
            .field("subkind", .string)
            .field("title", .string)
            .field("quantity", .int)
            .field("participants", .int)
            .field("started_at", .datetime)
            .field("ended_at", .datetime)
            .field("reform_case_id", .uuid)
            .field("person_code", .string)
            .field("person_name", .string)
            .field("recognised_by", .string)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        // The indicators read records by day, from an index that holds every column they filter and group by (so
        // the table itself is not read); or by kind for records in force on a day (models, reform cases). The
        // listing reads them by commune.
        try await Index.create("records_facts", on: "records",
                               columns: ["occurred_on", "kind", "commune_id", "village_id", "category", "origin", "flag",
                                         "flag_on", "subkind"], in: database)
        try await Index.create("records_kind_day", on: "records", columns: ["kind", "occurred_on"], in: database)
        try await Index.create("records_commune_day", on: "records", columns: ["commune_id", "occurred_on"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("records").delete()
    }
}
