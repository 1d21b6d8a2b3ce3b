import Foundation

/// When what citizens send reaches the database. A tip written the moment it arrives sits, in every table's order
/// and in the database's own log, between officers' rows stamped to the second: a copy of the database would then
/// give its hour and minute. So tips and citizens' messages wait, sealed, in the server's spool and are written all
/// together, in random order, at fixed moments of the Vietnam day: from the database, the files and the logs, a tip
/// can then be placed no closer than between two releases.
public enum TipRelease {
    /// Every hour, on the hour, by default: officers get a tip within the hour.
    public static let defaultMinutes = 60
    /// Once a day at midnight at most: the database then says no more than the day.
    public static let maximumMinutes = 1440

    /// The first release strictly after `now`: every `minutes` from each Vietnam midnight, the day's last interval
    /// ending at the next midnight when `minutes` does not divide the day. Zero or less: `now` (no waiting).
    public static func next(after now: Date, every minutes: Int) -> Date {
        guard minutes > 0 else { return now }
        let step = TimeInterval(min(minutes, maximumMinutes) * 60)
        let day = VietnamTime.localDate(of: now)
        let midnight = VietnamTime.startOfDay(day)
        let nextMidnight = VietnamTime.startOfDay(day.adding(days: 1))
        let passed = now.timeIntervalSince(midnight)
        let slot = midnight.addingTimeInterval((passed / step).rounded(.down) * step + step)
        return min(slot, nextMidnight)
    }
}

/// How long a tip is kept once it is closed (GlobaLeaks and SecureDrop keep reports no longer than they are
/// needed): the contact goes first, the text, messages and files later; the counted information source stays, so
/// that the results do not change.
public struct TipRetention: Sendable, Equatable {
    /// Days after closing until the contact details are erased.
    public var contactDays: Int
    /// Days after closing until the text, the conversation and the files are erased.
    public var contentDays: Int

    public static let standard = TipRetention(contactDays: 30, contentDays: 730)

    public init(contactDays: Int, contentDays: Int) {
        self.contactDays = contactDays
        self.contentDays = contentDays
    }

    /// `contact,content` in days (`30,730`); nil when not two whole numbers with 1 ≤ contact ≤ content ≤ 36,500.
    public init?(_ text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let contact = Int(parts[0]), let content = Int(parts[1]),
              contact >= 1, contact <= content, content <= 36_500 else { return nil }
        self.init(contactDays: contact, contentDays: content)
    }

    public enum Step: Equatable, Sendable {
        case keep
        /// The contact details go; the rest stays.
        case eraseContact
        /// The text, messages, files and contact go; the status, category, place and day stay.
        case eraseContent
    }

    /// What is due for a tip today. An open tip is kept whole (an officer still works it); a closed one loses its
    /// contact `contactDays` after the day it closed and its content `contentDays` after. What was erased is not
    /// erased again.
    public func step(status: TipStatus, closedOn: LocalDate?, hasContact: Bool, erased: Bool, today: LocalDate) -> Step {
        guard !status.isOpen, let closedOn, !erased else { return .keep }
        let age = closedOn.daysInclusive(to: today) - 1
        if age >= contentDays { return .eraseContent }
        if hasContact, age >= contactDays { return .eraseContact }
        return .keep
    }
}
