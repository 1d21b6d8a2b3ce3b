import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor

/// Refuses input no handler should have to think about, before any handler sees it:
/// - a path or query not valid percent-encoded UTF-8, with a control character, or a query parameter given as an
///   array (`kind[]=…`) or twice (400);
/// - a control character (`TextInput`: NUL, BEL, ESC, NEL…) in any field of a JSON or form body (422, naming the
///   field). Multipart forms are read by `CheckedFormData`, by the same rule.
struct InputGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // A path parameter is looked up in the database as it stands: valid UTF-8, no control character.
        guard let path = request.url.path.removingPercentEncoding, TextInput.forbidden(in: path) == nil else {
            throw AppError.badRequest("error.queryEncoding")
        }
        if let query = request.url.query { try Self.check(query: query) }
        if let type = request.headers.contentType, type == .json || type == .urlEncodedForm || type.subType.hasSuffix("+json") {
            let body: ByteBuffer?
            if let collected = request.body.data {
                body = collected
            } else {
                body = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
            }
            if let body { try Self.check(body, json: type != .urlEncodedForm) }
        }
        return try await next.respond(to: request)
    }

    /// Every parameter once, by a plain name, its name and value valid UTF-8 once decoded, with no control character.
    static func check(query: String) throws {
        var seen: Set<String> = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw AppError.badRequest("error.queryEncoding")
            }
            if TextInput.forbidden(in: name) != nil || TextInput.forbidden(in: value) != nil { throw AppError.badRequest("error.queryEncoding") }
            if name.contains("[") || name.contains("]") || !seen.insert(name).inserted {
                throw AppError.badRequest("error.queryRepeated", ["name": name.filter { $0 != "[" && $0 != "]" }])
            }
        }
    }

    private static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// The refusal of a field holding a forbidden character (`field` nil when it cannot be told).
    static func refusal(_ scalar: Unicode.Scalar, field: String?) -> AppError {
        let code = TextInput.describe(scalar)
        guard let field else { return AppError(.unprocessableEntity, "error.controlCharacter", ["code": code]) }
        return AppError(.unprocessableEntity, "error.controlField", ["name": field, "code": code])
    }

    /// A form body's fields, each decoded; a JSON body's strings, keys and values, escaped (`\u0007`, `\b`) or not.
    static func check(_ body: ByteBuffer, json: Bool) throws {
        if !json {
            for pair in String(decoding: body.readableBytesView, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = decode(parts[0]) ?? String(parts[0])
                let value = parts.count > 1 ? decode(parts[1]) ?? "" : ""
                if let bad = TextInput.forbidden(in: name) ?? TextInput.forbidden(in: value) { throw refusal(bad, field: name) }
            }
            return
        }
        guard let bad = forbiddenInJSON(Array(body.readableBytesView)) else { return }
        // Found in the bytes; the parse only names the field (a body that is not JSON is refused all the same).
        let parsed = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])
        throw refusal(bad, field: parsed.flatMap { fieldHolding(in: $0, path: nil) })
    }

    /// The first control character of a JSON text: raw (a C0 byte other than the whitespace between tokens, DEL, or
    /// a C1 character's UTF-8), or written as an escape (`\b`, `\f`, `\u001b`, `\u0085`).
    static func forbiddenInJSON(_ text: [UInt8]) -> Unicode.Scalar? {
        var i = 0
        while i < text.count {
            let byte = text[i]
            if byte == UInt8(ascii: "\\"), i + 1 < text.count {
                switch text[i + 1] {
                case UInt8(ascii: "b"): return "\u{8}"
                case UInt8(ascii: "f"): return "\u{C}"
                case UInt8(ascii: "u") where i + 5 < text.count:
                    if let value = UInt32(String(decoding: text[(i + 2)...(i + 5)], as: UTF8.self), radix: 16),
                       let scalar = Unicode.Scalar(value), TextInput.isForbidden(scalar) {
                        return scalar
                    }
                    i += 6
                    continue
                default: break
                }
                i += 2
                continue
            }
            if byte < 0x20 || byte == 0x7F, let scalar = Unicode.Scalar(UInt32(byte)), TextInput.isForbidden(scalar) { return scalar }
            if byte == 0xC2, i + 1 < text.count, (0x80...0x9F).contains(text[i + 1]) { return Unicode.Scalar(UInt32(text[i + 1])) }
            i += 1
        }
        return nil
    }

    /// The path (`rows[2].note`) of the first key or string holding a forbidden character.
    static func fieldHolding(in value: Any, path: String?) -> String? {
        switch value {
        case let text as String:
            return TextInput.forbidden(in: text) != nil ? path ?? "" : nil
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let here = path.map { "\($0).\(key)" } ?? key
                if TextInput.forbidden(in: key) != nil { return here }
                if let object = object[key], let found = fieldHolding(in: object, path: here) { return found }
            }
            return nil
        case let array as [Any]:
            for (n, item) in array.enumerated() {
                if let found = fieldHolding(in: item, path: "\(path ?? "")[\(n)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }
}

/// Sessions end on the server, not only in the cookie: after 30 minutes without a request, and 12 hours after
/// signing in, whatever happens in between.
struct SessionTimeout: AsyncMiddleware {
    static let idle: TimeInterval = 30 * 60
    static let absolute: TimeInterval = 12 * 3600
    static let touch: TimeInterval = 60
    static let createdKey = "_created"
    static let seenKey = "_seen"

    let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.hasSession, !request.session.data.snapshot.isEmpty {
            let t = now().timeIntervalSince1970
            let created = request.session.data[Self.createdKey].flatMap(Double.init)
            let seen = request.session.data[Self.seenKey].flatMap(Double.init)
            if let created, let seen, t - created <= Self.absolute, t - seen <= Self.idle {
                // Moved once a minute at most: a page read does not write the sessions table.
                if t - seen >= Self.touch { request.session.data[Self.seenKey] = String(Int(t)) }
            } else {
                // Expired, or from before sessions had times: the next page asks to sign in again.
                request.session.data = SessionData()
                request.session.destroy()
            }
        }
        return try await next.respond(to: request)
    }

    /// Stamps a session that has just been signed in to.
    static func start(_ session: Session, at date: Date = Date()) {
        let t = String(Int(date.timeIntervalSince1970))
        session.data[createdKey] = t
        session.data[seenKey] = t
    }
}

/// Counts the requests being answered, so that a shutdown can wait for them before closing the database.
final class InFlight: Sendable {
    private let count = NIOLockedValueBox(0)
    var current: Int { count.withLockedValue { $0 } }
    func enter() { count.withLockedValue { $0 += 1 } }
    func leave() { count.withLockedValue { $0 -= 1 } }
}

struct InFlightMiddleware: AsyncMiddleware {
    let inFlight: InFlight
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        inFlight.enter()
        defer { inFlight.leave() }
        return try await next.respond(to: request)
    }
}

/// At most `limit` results computed at once, in the order asked. A request that finds every place taken waits in a
/// queue of at most `queueLimit`, for at most `wait`; beyond the queue, or past the wait, it is answered 503 with
/// `Retry-After` at once. A crowd asking for results thus costs the server little and cannot hold up health checks
/// and light pages, while a few people asking together are simply served one after another.
final class ComputeGate: Sendable {
    let limit: Int
    let queueLimit: Int
    let wait: Duration

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var running = 0
        var nextID = 0
        var waiters: [Waiter] = []
    }
    private let state = NIOLockedValueBox(State())

    init(limit: Int, queueLimit: Int? = nil, wait: Duration = .seconds(1)) {
        self.limit = max(1, limit)
        self.queueLimit = queueLimit ?? 8 * max(1, limit)
        self.wait = wait
    }

    func run<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        guard await admit() else { throw AppError(.serviceUnavailable, "error.busy") }
        defer { leave() }
        return try await work()
    }

    private func admit() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let queued: Int? = state.withLockedValue { s in
                if s.running < limit {
                    s.running += 1
                    continuation.resume(returning: true)
                    return nil
                }
                guard s.waiters.count < queueLimit else {
                    continuation.resume(returning: false)
                    return nil
                }
                s.nextID += 1
                s.waiters.append(Waiter(id: s.nextID, continuation: continuation))
                return s.nextID
            }
            guard let queued else { return }
            let wait = self.wait
            Task { [weak self] in
                try? await Task.sleep(for: wait)
                self?.expire(queued)
            }
        }
    }

    /// A waiter still queued when its time is up leaves the queue with a refusal.
    private func expire(_ id: Int) {
        state.withLockedValue { s in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return }
            s.waiters.remove(at: i).continuation.resume(returning: false)
        }
    }

    /// A finished computation hands its place to the first waiter, or frees it.
    private func leave() {
        state.withLockedValue { s in
            if s.waiters.isEmpty {
                s.running -= 1
            } else {
                s.waiters.removeFirst().continuation.resume(returning: true)
            }
        }
    }
}

extension Application {
    private struct InFlightKey: StorageKey { typealias Value = InFlight }
    private struct GateKey: StorageKey { typealias Value = ComputeGate }

    var inFlight: InFlight {
        if let existing = storage[InFlightKey.self] { return existing }
        let made = InFlight()
        storage[InFlightKey.self] = made
        return made
    }

    var resultsGate: ComputeGate {
        get { storage[GateKey.self] ?? ComputeGate(limit: 1) }
        set { storage[GateKey.self] = newValue }
    }
}

/// Stops the server gracefully: no new connections, requests in flight finished (up to `timeout`), so that the
/// database is closed only when nothing uses it. Returns false when some request was still running at the end.
public func drainServer(_ app: Application, timeout: Duration = .seconds(8)) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    await app.server.shutdown()
    while app.inFlight.current > 0, ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(50))
    }
    return app.inFlight.current == 0
}
