import Fluent
import Foundation
import ThiDuaCore

/// A form of award (Giấy khen, Bằng khen…) and who awards it: data the admin keeps, since the authorities change.
final class AwardForm: Model, @unchecked Sendable {
    static let schema = "award_forms"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    /// Individual, collective or both. Typed, as the nominations' states are: an unknown value fails the read.
    @Field(key: "nominee") var nominee: AwardNominee
    /// Who may award it, as the law says ("Chủ tịch UBND cấp tỉnh").
    @Field(key: "authority") var authority: String
    @Field(key: "position") var position: Int
    @Field(key: "active") var active: Bool

    init() {}
}

/// A commune's proposal of one of its members, teams or itself for an award form, and where it stands.
final class Nomination: Model, @unchecked Sendable {
    static let schema = "nominations"

    @ID(key: .id) var id: UUID?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "award_form_id") var awardFormID: UUID
    /// The commune that proposes (the member's or team's, or the unit itself).
    @Field(key: "commune_id") var communeID: UUID
    @Field(key: "nominee_kind") var kind: NomineeKind
    @Field(key: "nominee_id") var nomineeID: UUID
    /// The nominee's name as proposed (a member's full name, a team's or unit's name).
    @Field(key: "nominee_name") var nomineeName: String
    @Field(key: "achievement") var achievement: String
    /// `NominationEvidence` as JSON: the measured record when proposed.
    @Field(key: "evidence") var evidence: String
    /// Typed, so that a stored value no step names fails the read instead of reading as proposed.
    @Field(key: "status") var state: NominationStatus
    @OptionalField(key: "return_reason") var returnReason: String?
    @OptionalField(key: "votes_for") var votesFor: Int?
    @OptionalField(key: "votes_against") var votesAgainst: Int?
    @OptionalField(key: "votes_abstain") var votesAbstain: Int?
    @OptionalField(key: "council_note") var councilNote: String?
    @OptionalField(key: "decision_number") var decisionNumber: String?
    @OptionalField(key: "decision_date") var decisionDate: String?
    @OptionalField(key: "decision_signer") var decisionSigner: String?
    /// The authority who awards, in its own title; the signer's title, a line a line (nil on awards decided before
    /// these were asked).
    @OptionalField(key: "decision_authority") var decisionAuthority: String?
    @OptionalField(key: "decision_signer_title") var decisionSignerTitle: String?
    @OptionalField(key: "rejection_reason") var rejectionReason: String?
    @Field(key: "proposed_by") var proposedBy: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var votes: (Int, Int, Int)? {
        guard let f = votesFor, let a = votesAgainst, let b = votesAbstain else { return nil }
        return (f, a, b)
    }
    var measured: NominationEvidence? { try? JSONDecoder().decode(NominationEvidence.self, from: Data(evidence.utf8)) }
}

/// A document of a nomination: the commune's (submission, achievement report) or the council's minutes.
final class NominationFile: Model, @unchecked Sendable {
    static let schema = "nomination_files"

    @ID(key: .id) var id: UUID?
    @Field(key: "nomination_id") var nominationID: UUID
    /// `document` or `minutes`.
    @Field(key: "purpose") var purpose: String
    @Field(key: "kind") var kind: String
    @Field(key: "size") var size: Int
    @Field(key: "stored_name") var storedName: String
    @Field(key: "added_by") var addedBy: String
    @Field(key: "added_at") var addedAt: Date

    init() {}
}

/// What a nominee did in the movement, as the records measured it when proposed: counts by kind in the nominee's
/// village (a member's or team's) or commune, the exemplars recorded there, and the commune's standing per phase.
struct NominationEvidence: Codable, Sendable, Equatable {
    struct Count: Codable, Sendable, Equatable {
        /// A record kind, or a kind and an origin (`information_source.people`).
        var key: String
        var n: Int
    }
    struct Standing: Codable, Sendable, Equatable {
        var phase: String
        var unit: String
        var total: Double?
        var band: String?
        var rank: Int?
        var of: Int
        var closed: Bool
    }
    /// Where the records were counted ("khu Vàng Danh 3", "phường Vàng Danh").
    var area: String
    var from: LocalDate
    var to: LocalDate
    var counts: [Count]
    var exemplars: [String]
    var standings: [Standing]
}
