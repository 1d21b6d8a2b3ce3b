import Fluent
import Foundation
import ThiDuaCore

/// A citizen's tip. Its `information_source` record (origin `people`) is what the indicators count; the tip holds
/// what only the inbox needs. No address, browser string or hour is kept: only the day it arrived.
final class Tip: Model, @unchecked Sendable {
    static let schema = "tips"

    /// The author of a tip's record: no account.
    static let citizen = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    @ID(key: .id) var id: UUID?
    /// The receipt code's slow hash (`TipSecrets.codeHash`).
    @Field(key: "code_hash") var codeHash: String
    /// Typed, so that a stored value no status names fails the read (closed) instead of reading as new (open).
    @Field(key: "status") var status: TipStatus
    @Field(key: "category") var category: String
    @Field(key: "description") var description: String
    /// When it happened, as the citizen said.
    @Field(key: "occurred_on") var occurredOn: String
    @OptionalField(key: "occurred_time") var occurredTime: String?
    @Field(key: "received_on") var receivedOn: String
    /// The commune that holds it; nil in the secretariat's queue (the citizen did not know where).
    @OptionalField(key: "commune_id") var communeID: UUID?
    @OptionalField(key: "village_id") var villageID: UUID?
    @OptionalField(key: "record_id") var recordID: UUID?
    @OptionalField(key: "assigned_to") var assignedTo: UUID?
    @OptionalField(key: "transferred_from") var transferredFrom: UUID?
    /// The citizen's contact details, sealed with the server's key (`TipSecrets.seal`).
    @OptionalField(key: "contact_sealed") var contactSealed: String?
    /// The citizen wrote since an officer last acted.
    @Field(key: "citizen_replied") var citizenReplied: Bool
    @OptionalField(key: "last_officer_at") var lastOfficerAt: Date?
    /// The day it was last closed (nil while open), from which `TipRetention` counts.
    @OptionalField(key: "closed_on") var closedOn: String?
    /// The day its text, conversation, files and contact were erased (`TipRetention`).
    @OptionalField(key: "erased_on") var erasedOn: String?

    init() {}

    /// A new row with the same values, for an insert that may be tried again (a model once created cannot be).
    func fresh() -> Tip {
        let t = Tip()
        t.id = id
        t.codeHash = codeHash
        t.status = status
        t.category = category
        t.description = description
        t.occurredOn = occurredOn
        t.occurredTime = occurredTime
        t.receivedOn = receivedOn
        t.communeID = communeID
        t.villageID = villageID
        t.recordID = recordID
        t.assignedTo = assignedTo
        t.transferredFrom = transferredFrom
        t.contactSealed = contactSealed
        t.citizenReplied = citizenReplied
        t.lastOfficerAt = lastOfficerAt
        t.closedOn = closedOn
        t.erasedOn = erasedOn
        return t
    }

    /// Open with no officer's action for too long (`TipRules.needsAttention`).
    func needsAttention(now: Date) -> Bool {
        LocalDate(iso: receivedOn).map {
            TipRules.needsAttention(status: status, receivedOn: $0, lastOfficerAction: lastOfficerAt, now: now)
        } ?? false
    }

    /// Where it is held: the village and commune, or `unknown` (the secretariat's queue).
    func place(in graph: UnitGraph, unknown: String) -> String {
        guard let commune = communeID else { return unknown }
        return (villageID.flatMap { graph.units[$0]?.fullName }.map { $0 + ", " } ?? "") + (graph.units[commune]?.fullName ?? "")
    }

    /// A short reference officers can say to each other (the citizen never sees it).
    var reference: String { String((id?.uuidString ?? "").prefix(8)) }
}

final class TipMessage: Model, @unchecked Sendable {
    static let schema = "tip_messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "tip_id") var tipID: UUID
    @Field(key: "seq") var seq: Int
    /// `citizen` or `officer`.
    @Field(key: "author") var author: String
    @OptionalField(key: "user_id") var userID: UUID?
    @Field(key: "body") var body: String
    @Field(key: "sent_on") var sentOn: String

    init() {}
}

final class TipFile: Model, @unchecked Sendable {
    static let schema = "tip_files"

    @ID(key: .id) var id: UUID?
    @Field(key: "tip_id") var tipID: UUID
    /// The message it came with; nil: with the tip.
    @OptionalField(key: "message_seq") var messageSeq: Int?
    @Field(key: "kind") var kind: String
    @Field(key: "size") var size: Int
    /// A random name in the tip files' folder, outside anything served.
    @Field(key: "stored_name") var storedName: String
    @Field(key: "added_on") var addedOn: String

    init() {}
}

final class TipSubscription: Model, @unchecked Sendable {
    static let schema = "tip_subscriptions"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "email") var email: String

    init() {}
}
