import Foundation

/// Where a tip stands in its commune's inbox.
public enum TipStatus: String, Codable, CaseIterable, Sendable {
    /// Arrived, no one has acted on it.
    case new
    /// An officer has it (who is shown to everyone in the commune).
    case assigned
    case verifying
    /// Passed on by another commune (or the secretariat's queue); the commune that holds it now has not acted yet.
    case transferred
    case resolved
    case unfounded

    public var isOpen: Bool { self != .resolved && self != .unfounded }

    /// The information source's `status` (the plan's catalogue), so that a plan can filter on it.
    public var recordStatus: String {
        switch self {
        case .new, .assigned, .transferred: "received"
        case .verifying: "verifying"
        case .resolved: "verified"
        case .unfounded: "rejected"
        }
    }

    /// What the citizen is told: not who has it, nor where it went.
    public var publicStatus: String {
        switch self {
        case .new, .assigned, .transferred: "received"
        case .verifying: "verifying"
        case .resolved: "resolved"
        case .unfounded: "unfounded"
        }
    }

    /// The statuses an officer may set from this one by hand (transfer and assignment have their own actions).
    public var next: [TipStatus] {
        switch self {
        case .new, .assigned, .transferred: [.verifying, .resolved, .unfounded]
        case .verifying: [.resolved, .unfounded]
        // A closed tip may be opened again, to verify more.
        case .resolved, .unfounded: [.verifying]
        }
    }
}

/// What an officer does to a tip.
public enum TipAction: Equatable, Sendable {
    case assign(UUID)
    case setStatus(TipStatus)
    /// To another commune (nil: back to the secretariat's queue is not allowed; a tip always goes somewhere).
    case transfer(UUID)
    case message(String)
}

public enum TipRules {
    /// How long an open tip may wait for an officer before it is flagged.
    public static let attentionAfter: TimeInterval = 24 * 3600

    /// The status after an action, or a message key saying why the action is not allowed.
    public static func apply(_ action: TipAction, to status: TipStatus, commune current: UUID?) -> Result<TipStatus, TipRuleError> {
        switch action {
        case .assign:
            guard status.isOpen else { return .failure(.init(key: "tips.error.closed")) }
            guard current != nil else { return .failure(.init(key: "tips.error.placeFirst")) }
            return .success(status == .verifying ? .verifying : .assigned)
        case .setStatus(let to):
            guard current != nil else { return .failure(.init(key: "tips.error.placeFirst")) }
            guard status.next.contains(to) else { return .failure(.init(key: "tips.error.transition")) }
            return .success(to)
        case .transfer(let to):
            guard status.isOpen else { return .failure(.init(key: "tips.error.closed")) }
            guard to != current else { return .failure(.init(key: "tips.error.sameCommune")) }
            return .success(.transferred)
        case .message:
            return .success(status)
        }
    }

    /// The day a transferred tip counts as received: its own day, unless the commune it goes to did not exist
    /// then (a ward formed since), which receives it on the day of the transfer.
    public static func receivedOn(afterTransfer received: LocalDate, targetValidFrom: LocalDate, today: LocalDate) -> LocalDate {
        received < targetValidFrom ? today : received
    }

    /// Whether a tip waits too long: open, and no officer has acted for 24 hours. A tip's hour of arrival is not
    /// kept (only its day, for the tipster's sake), so one no officer has touched is flagged from the day after it
    /// arrived: never later than 24 hours, sometimes sooner.
    public static func needsAttention(status: TipStatus, receivedOn: LocalDate, lastOfficerAction: Date?, now: Date) -> Bool {
        guard status.isOpen else { return false }
        if let last = lastOfficerAction { return now.timeIntervalSince(last) >= attentionAfter }
        return receivedOn < VietnamTime.localDate(of: now)
    }
}

public struct TipRuleError: Error, Equatable, Sendable {
    public var key: String
    public init(key: String) { self.key = key }
}

/// What a citizen sends, as typed; checked field by field with every problem kept (as message keys).
public struct TipDraft: Equatable, Sendable {
    public var category: String?
    public var description: String?
    public var occurredOn: String?
    public var time: String?
    public var contact: String?

    public init(category: String? = nil, description: String? = nil, occurredOn: String? = nil, time: String? = nil,
                contact: String? = nil) {
        self.category = category
        self.description = description
        self.occurredOn = occurredOn
        self.time = time
        self.contact = contact
    }

    /// A checked tip: the values to store and the problems per field. Nothing later than `today`; nothing more
    /// than a year before it (a tip is about what happens now; older matters go to the police directly).
    public struct Checked: Equatable, Sendable {
        public var category: String?
        public var description: String?
        public var occurredOn: LocalDate?
        public var time: String?
        public var contact: String?
        public var errors: [String: String]
    }

    public static let descriptionLimit = 4000
    public static let contactLimit = 200
    public static let messageLimit = 2000

    public func check(today: LocalDate) -> Checked {
        var c = RecordChecker()
        let categories = RecordKind.informationSource.filterFields["category"] ?? []
        let category = c.choice(category.flatMap { $0.isEmpty ? nil : $0 }, "category", of: categories, required: true)
        let text = c.text(description, "description", required: true, max: Self.descriptionLimit)
        if let text, text.count < 10, c.errors["description"] == nil { c.fail("description", "tips.field.tooShort") }
        let day = c.date(occurredOn, "occurredOn", required: true, latest: today)
        if let day, day < today.adding(days: -366) { c.fail("occurredOn", "tips.field.tooOld") }
        var clock: String?
        if let t = time?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            if RecordDraft.minutes(t) == nil { c.fail("time", "field.time") } else { clock = t }
        }
        let contact = c.text(contact, "contact", required: false, max: Self.contactLimit)
        return Checked(category: category, description: text, occurredOn: day, time: clock, contact: contact, errors: c.errors)
    }

    /// A message from either side: required text of at most `messageLimit` characters.
    public static func checkMessage(_ text: String?, field: String = "message", required: Bool) -> (String?, [String: String]) {
        var c = RecordChecker()
        let t = c.text(text, field, required: required, max: messageLimit)
        return (t, c.errors)
    }
}
