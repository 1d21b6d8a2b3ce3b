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

/// The proxies whose `X-Forwarded-For` the server believes (`THIDUA_TRUSTED_PROXIES`): exact addresses, IPv4
/// or IPv6, and IPv4 ranges (`10.0.0.0/8`). A client's address is the peer's, unless the peer is one of them; then
/// it is the rightmost address of the header that is not one of them (the one the nearest trusted proxy saw).
/// Nothing else of the header counts: whatever a client writes there itself sits on its left.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        var network: UInt32
        var mask: UInt32
    }
    var exact: Set<String> = []
    var ranges: [Range] = []

    public init() {}

    /// From the setting's text; nil when an entry is not an address or range.
    public init?(_ text: String) {
        for raw in text.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !entry.isEmpty else { continue }
            if let slash = entry.firstIndex(of: "/") {
                guard let base = Self.ipv4(String(entry[..<slash])), let bits = Int(entry[entry.index(after: slash)...]),
                      (0...32).contains(bits) else { return nil }
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                ranges.append(Range(network: base & mask, mask: mask))
            } else {
                guard Self.ipv4(entry) != nil || Self.isIPv6(entry) else { return nil }
                exact.insert(entry)
            }
        }
    }

    public var isEmpty: Bool { exact.isEmpty && ranges.isEmpty }

    public func contains(_ address: String) -> Bool {
        let a = address.trimmingCharacters(in: .whitespaces).lowercased()
        if exact.contains(a) { return true }
        guard let v4 = Self.ipv4(a) else { return false }
        return ranges.contains { v4 & $0.mask == $0.network }
    }

    /// The client's address: the peer's, or (from a trusted peer) the rightmost untrusted one it was told.
    public func client(peer: String, forwardedFor headers: [String]) -> String {
        guard contains(peer) else { return peer }
        let hops = headers.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last { !contains($0) } ?? peer
    }

    static func ipv4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let n = UInt32(p), n <= 255 else { return nil }
            value = value << 8 | n
        }
        return value
    }

    static func isIPv6(_ s: String) -> Bool {
        s.contains(":") && s.count <= 45 && s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
