import Foundation

/// Counts of requests per key in fixed windows: a client (by a salted hash of its address) or the whole system.
/// Kept in memory only; the app holds one per limit behind a lock.
public struct WindowCounter: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private var counts: [String: (start: TimeInterval, count: Int)] = [:]

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Counts one request for `key` at `now`; nil when it is allowed, else the seconds until the window ends.
    public mutating func take(_ key: String, now: TimeInterval) -> TimeInterval? {
        if counts.count > 100_000 { counts = counts.filter { now - $0.value.start < window } }
        var entry = counts[key] ?? (now, 0)
        if now - entry.start >= window { entry = (now, 0) }
        guard entry.count < limit else { return max(1, (entry.start + window - now).rounded(.up)) }
        entry.count += 1
        counts[key] = entry
        return nil
    }

    /// Forgets every client: when the day's salt changes, yesterday's keys mean nothing.
    public mutating func reset() { counts = [:] }
}
