import Fluent

struct CreateUnitParentLinks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UnitParentLink.schema)
            .id()
            .field("unit_id", .uuid, .required, .references(Unit.schema, "id", onDelete: .cascade))
            .field("parent_id", .uuid, .required, .references(Unit.schema, "id", onDelete: .cascade))
            .field("valid_from", .string, .required)
            .field("valid_to", .string)
            .create()
        try await Index.create("unit_parent_links_unit", on: UnitParentLink.schema, columns: ["unit_id"], in: database)
        try await Index.create("unit_parent_links_parent", on: UnitParentLink.schema, columns: ["parent_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UnitParentLink.schema).delete()
    }
}
