import Fluent
import Foundation

/// A commune's emulation pledge for a movement (đăng ký thi đua).
final class Pledge: Model, @unchecked Sendable {
    static let schema = "pledges"

    @ID(key: .id) var id: UUID?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "unit_id") var unitID: UUID
    /// The plan's target ids committed to, as a JSON array.
    @Field(key: "targets") var targets: String
    /// The commune's own targets, as a JSON array of text.
    @Field(key: "own_targets") var ownTargets: String
    /// The officer who signs it off, as written.
    @Field(key: "signer") var signer: String
    @Field(key: "signed_by") var signedBy: String
    @Field(key: "signed_at") var signedAt: Date

    init() {}

    var targetIDs: [String] { (try? JSONDecoder().decode([String].self, from: Data(targets.utf8))) ?? [] }
    var ownTargetList: [String] { (try? JSONDecoder().decode([String].self, from: Data(ownTargets.utf8))) ?? [] }
}

/// A document or photo a commune attaches to its self-assessment of a criterion.
final class EvidenceFile: Model, @unchecked Sendable {
    static let schema = "evidence_files"

    @ID(key: .id) var id: UUID?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "phase_id") var phaseID: String
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "criterion_id") var criterionID: String
    /// `AttachmentKind`, read from the content.
    @Field(key: "kind") var kind: String
    @Field(key: "size") var size: Int
    /// The file's name in the data folder.
    @Field(key: "stored_name") var storedName: String
    @Field(key: "added_by") var addedBy: String
    @Field(key: "added_at") var addedAt: Date

    init() {}
}

/// A closed phase: its results as they stood when it was closed (`FrozenResults`, as JSON).
final class ClosedPhase: Model, @unchecked Sendable {
    static let schema = "closed_phases"

    @ID(key: .id) var id: UUID?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "phase_id") var phaseID: String
    @Field(key: "closed_by") var closedBy: String
    @Field(key: "closed_at") var closedAt: Date
    @Field(key: "snapshot") var snapshot: String

    init() {}
}
