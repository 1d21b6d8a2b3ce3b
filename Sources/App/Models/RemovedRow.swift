import Fluent
import Foundation

/// What a removed record or monthly figure was, kept once it is gone (a tombstone): a closed phase's late changes
/// list removals from here, written in the removal's own transaction, not from the audit log's text.
final class RemovedRow: Model, @unchecked Sendable {
    static let schema = "removed_rows"

    enum Entity: String, Codable, Sendable {
        case record
        case figure
    }

    /// The removed row's own id.
    @ID(key: .id) var id: UUID?
    @Field(key: "entity") var entity: Entity
    /// The record's kind, or the figure's.
    @Field(key: "kind") var kind: String
    /// The commune it counted in, and a record's village.
    @Field(key: "commune_id") var communeID: UUID
    @OptionalField(key: "village_id") var villageID: UUID?
    /// A record's day (`yyyy-mm-dd`), a figure's month (`yyyy-mm`).
    @Field(key: "day") var day: String
    @Field(key: "removed_at") var removedAt: Date
    @Field(key: "removed_by") var removedBy: String

    init() {}

    init(id: UUID, entity: Entity, kind: String, commune: UUID, village: UUID?, day: String, by: String, at: Date = Date()) {
        self.id = id
        self.entity = entity
        self.kind = kind
        self.communeID = commune
        self.villageID = village
        self.day = day
        self.removedBy = by
        self.removedAt = at
    }
}
