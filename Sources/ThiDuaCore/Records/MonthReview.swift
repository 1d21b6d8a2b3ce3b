import Foundation

/// A commune's month on its way to approval: not submitted, submitted, returned with a reason, approved (locked).
public enum MonthState: String, Codable, Hashable, Sendable, CaseIterable {
    case open
    case submitted
    case returned
    case approved

    /// An approved month takes no more writes of its records or figures, from anyone, until it is reopened.
    public var isLocked: Bool { self == .approved }
}

/// What can be done to a commune's month.
public enum MonthAction: String, Codable, Hashable, Sendable, CaseIterable {
    /// The commune sends its month for approval.
    case submit
    /// The secretariat sends it back, with a reason.
    case `return`
    /// The secretariat approves it: the month is locked.
    case approve
    /// The secretariat unlocks an approved month, with a reason.
    case reopen
}

public enum MonthReview {
    /// The state an action leads to, or the message key of why it cannot be taken. `commune`: the account may
    /// write the commune's data; `committee`: it reviews (the admin, the secretariat). A month can be submitted only
    /// once it has ended (`ended`).
    public static func next(from state: MonthState, action: MonthAction, commune: Bool, committee: Bool,
                            reason: String?, ended: Bool) -> Result<MonthState, MonthReviewRefusal> {
        let hasReason = !(reason?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
        switch action {
        case .submit:
            guard commune else { return .failure(.forbidden) }
            guard ended else { return .failure(.notEnded) }
            guard state == .open || state == .returned else { return .failure(.wrongState) }
            return .success(.submitted)
        case .return:
            guard committee else { return .failure(.forbidden) }
            guard state == .submitted else { return .failure(.wrongState) }
            guard hasReason else { return .failure(.reasonRequired) }
            return .success(.returned)
        case .approve:
            guard committee else { return .failure(.forbidden) }
            guard state == .submitted else { return .failure(.wrongState) }
            return .success(.approved)
        case .reopen:
            guard committee else { return .failure(.forbidden) }
            guard state == .approved else { return .failure(.wrongState) }
            guard hasReason else { return .failure(.reasonRequired) }
            return .success(.open)
        }
    }

    /// How many of `months` the communes have approved, all communes together (a month without a state is open).
    public static func approvedCount(_ months: [Month], of communes: [UUID], states: [UUID: [Month: MonthState]]) -> Int {
        communes.reduce(0) { n, id in n + months.filter { states[id]?[$0] == .approved }.count }
    }

    /// The actions an account can take on a month in a state, in the order a page offers them.
    public static func actions(from state: MonthState, commune: Bool, committee: Bool, ended: Bool) -> [MonthAction] {
        MonthAction.allCases.filter {
            if case .success = next(from: state, action: $0, commune: commune, committee: committee, reason: "x", ended: ended) { return true }
            return false
        }
    }
}

public enum MonthReviewRefusal: String, Error, Sendable {
    case forbidden
    case notEnded
    case wrongState
    case reasonRequired

    public var key: String { "month.\(rawValue)" }
}
