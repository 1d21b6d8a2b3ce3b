import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The browsers' sessions, in the database (Fluent's table, with when each was last seen). A session is written
/// only when its data changed: `SessionTimeout` moves its last-seen time at most once a minute, so a page read
/// does not write the table, and `SessionHousekeeping` purges the ones nobody has used for the idle time.
struct StoredSessions: SessionDriver {
    /// The data a request's session had when it was read, to tell whether the answer must write it back.
    struct ReadKey: StorageKey { typealias Value = SessionData }

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        let id = Self.newID()
        // Vapor makes an empty session for a cookie it no longer finds: nothing to keep, so no row each time.
        if data.snapshot.isEmpty { return request.eventLoop.makeSucceededFuture(id) }
        let row = StoredSession(key: id.string, data: data, seenAt: Date())
        return row.create(on: request.db).map { id }
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        StoredSession.query(on: request.db).filter(\.$key == sessionID.string).first().map { row in
            if let data = row?.data { request.storage[ReadKey.self] = data }
            return row?.data
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        if request.storage[ReadKey.self] == data { return request.eventLoop.makeSucceededFuture(sessionID) }
        return StoredSession.query(on: request.db).filter(\.$key == sessionID.string)
            .set(\.$data, to: data).set(\.$seenAt, to: Date()).update().map { sessionID }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        StoredSession.query(on: request.db).filter(\.$key == sessionID.string).delete()
    }

    static func newID() -> SessionID {
        SessionID(string: Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString())
    }

    /// Sessions not seen for longer than the idle time (`SessionTimeout` would end them at their next request).
    @discardableResult
    static func purge(before: Date = Date().addingTimeInterval(-SessionTimeout.idle), on db: any Database) async throws -> Int {
        let stale = StoredSession.query(on: db).group(.or) { $0.filter(\.$seenAt < before).filter(\.$seenAt == nil) }
        let count = try await stale.count()
        if count > 0 { try await stale.delete() }
        return count
    }
}

/// A row of Fluent's sessions table as ThiĐua keeps it.
final class StoredSession: Model, @unchecked Sendable {
    static let schema = "_fluent_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "data") var data: SessionData
    @OptionalField(key: "seen_at") var seenAt: Date?

    init() {}

    init(key: String, data: SessionData, seenAt: Date) {
        self.key = key
        self.data = data
        self.seenAt = seenAt
    }
}

/// Signs a request in from its session, and keeps the session's account as the answer leaves it.
///
/// Unlike Vapor's session authenticator, a request signed in by a bearer token (`BearerAuth`) does not make or
/// touch a session, and a request whose session was set aside (`APISignIn`: a browser's cookie on the API without
/// the page's token) keeps its session as it was.
struct SessionSignIn: AsyncMiddleware {
    /// The request was answered without the session's account; the session keeps it.
    struct SetAsideKey: StorageKey { typealias Value = Bool }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if !request.auth.has(User.self), request.hasSession, let id = request.session.authenticated(User.self),
           let user = try await User.find(id, on: request.db) {
            request.auth.login(user)
        }
        let response = try await next.respond(to: request)
        if request.storage[CurrentTokenKey.self] != nil || request.storage[SetAsideKey.self] == true { return response }
        if let user = request.auth.get(User.self) {
            if request.session.authenticated(User.self) != user.id { request.session.authenticate(user) }
        } else if request.hasSession, request.session.authenticated(User.self) != nil {
            request.session.unauthenticate(User.self)
        }
        return response
    }
}

/// Purges the sessions nobody has used for the idle time, every ten minutes while the server runs.
struct SessionHousekeeping: LifecycleHandler {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    static func start(_ app: Application) {
        let housekeeping = SessionHousekeeping()
        let db = app.db
        let logger = app.logger
        housekeeping.task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    do {
                        let purged = try await StoredSessions.purge(on: db)
                        if purged > 0 { logger.info("sessions: \(purged) unused for the idle time purged", metadata: ["component": "sessions"]) }
                    } catch {
                        logger.warning("sessions: the purge did not run; it is tried again in ten minutes", metadata: ["component": "sessions"])
                    }
                    try? await Task.sleep(for: .seconds(600))
                }
            }
        }
        app.lifecycle.use(housekeeping)
    }

    func shutdownAsync(_ app: Application) async {
        task.withLockedValue { $0?.cancel() }
    }
}
