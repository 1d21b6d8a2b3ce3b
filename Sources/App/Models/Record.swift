import Fluent
import Foundation

/// One thing the force did or learned: an information source, an activity, a model, a reform case or an exemplar.
///
/// All kinds share one table, so that one index and one aggregate query serve every indicator; `RecordSchema`
/// says which columns each kind uses.
final class Record: Model, @unchecked Sendable {
    static let schema = "records"

    // Managed
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "created_by") var createdBy: UUID

    // Where and when
    @Field(key: "kind") var kind: String
    /// The commune-level unit where it happened, on the day it happened.
    @Field(key: "commune_id") var communeID: UUID
    @OptionalField(key: "village_id") var villageID: UUID?
    /// `YYYY-MM-DD`: received, held, established, started or recognised.
    @Field(key: "occurred_on") var occurredOn: String
    /// A model's closing day, a reform case's end.
    @OptionalField(key: "ended_on") var endedOn: String?

    // What (each kind uses some)
    @OptionalField(key: "category") var category: String?
    @OptionalField(key: "origin") var origin: String?
    @OptionalField(key: "status") var status: String?
    /// racing_prevented, coordinated_by_team, effective or reoffended, by kind.
    @OptionalField(key: "flag") var flag: Bool?
    /// The day the flag became true: a model found effective, a case that re-offended.
    @OptionalField(key: "flag_on") var flagOn: String?
    /// A fire activity's kind, an exemplar's kind (collective, individual).
    @OptionalField(key: "subkind") var subkind: String?
    /// A summary, route note, topic, model name or exemplar name.
    @OptionalField(key: "title") var title: String?
    /// Attendance of a propaganda session, incidents found on a patrol.
    @OptionalField(key: "quantity") var quantity: Int?
    /// Members taking part in a patrol.
    @OptionalField(key: "participants") var participants: Int?
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "reform_case_id") var reformCaseID: UUID?
    /// A reform case's pseudonymous code, shown where the name may not be.
    @OptionalField(key: "person_code") var personCode: String?
    /// Personal data: a reform case's name, an individual exemplar's name; shown only inside the commune's scope.
    @OptionalField(key: "person_name") var personName: String?
    @OptionalField(key: "recognised_by") var recognisedBy: String?

    init() {}

    /// The stored record's version, as an edit form carries it: the exact bits of its last change, so that a form
    /// opened before someone else saved is told so rather than overwriting them.
    var version: String { String(updatedAt?.timeIntervalSince1970.bitPattern ?? 0, radix: 16) }
}

/// A monthly figure for data that lives in other systems (identity cards, accidents…), per commune.
final class Figure: Model, @unchecked Sendable {
    static let schema = "figures"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "commune_id") var communeID: UUID
    @Field(key: "kind") var kind: String
    /// `YYYY-MM`.
    @Field(key: "month") var month: String
    @Field(key: "value") var value: Int
    /// What a denominator counts: population, applications or an assigned quota.
    @OptionalField(key: "basis") var basis: String?

    init() {}
}

/// A commune's self-score and the committee's reviewed score for one criterion of one phase.
final class CriterionScore: Model, @unchecked Sendable {
    static let schema = "criterion_scores"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "phase_id") var phaseID: String
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "criterion_id") var criterionID: String
    @OptionalField(key: "self_score") var selfScore: Double?
    @OptionalField(key: "reviewed_score") var reviewedScore: Double?
    /// The commune's justification, and who scored.
    @OptionalField(key: "self_note") var selfNote: String?
    @OptionalField(key: "self_by") var selfBy: String?
    /// The secretariat's comment, and who reviewed.
    @OptionalField(key: "review_note") var reviewNote: String?
    @OptionalField(key: "reviewed_by") var reviewedBy: String?

    init() {}
}

/// Bonus or penalty points given to a commune in a phase, with the reason.
final class AdjustmentEntry: Model, @unchecked Sendable {
    static let schema = "adjustment_entries"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "phase_id") var phaseID: String
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "adjustment_id") var adjustmentID: String
    @Field(key: "points") var points: Double
    @Field(key: "reason") var reason: String
    @OptionalField(key: "given_by") var givenBy: String?

    init() {}
}
