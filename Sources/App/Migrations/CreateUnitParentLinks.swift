import Fluent

struct CreateUnitParentLinks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("unit_parent_links")
            .id()
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("parent_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("valid_from", .string, .required)
            .field("valid_to", .string)
            .create()
        try await Index.create("unit_parent_links_unit", on: "unit_parent_links", columns: ["unit_id"], in: database)
        try await Index.create("unit_parent_links_parent", on: "unit_parent_links", columns: ["parent_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_parent_links").delete()
    }
}
