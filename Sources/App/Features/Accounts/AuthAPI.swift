import Fluent
import Foundation
import Vapor

/// Bearer tokens for the API: issued for a username and password, stored only as a hash, expiring, revocable.
struct AuthAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("auth", "token", use: issue)
        let signedIn = routes.grouped(APISignIn())
        signedIn.delete("auth", "token", use: revoke)
        signedIn.get("me", use: me)
    }

    struct Credentials: Content {
        var username: String?
        var password: String?
    }

    struct TokenJSON: Content {
        var token: String
        var tokenType: String
        var expiresAt: Date
    }

    struct MeJSON: Content {
        var id: String
        var username: String
        var displayName: String
        var role: String
        var unitId: String?
    }

    @Sendable func issue(req: Request) async throws -> Response {
        let body: Credentials
        do { body = try req.content.decode(Credentials.self) } catch { throw AppError.badRequest("error.credentialsMissing") }
        guard let username = body.username, !username.isEmpty, let password = body.password, !password.isEmpty else {
            throw AppError.badRequest("error.credentialsMissing")
        }
        guard let user = try await Accounts.verify(username: username, password: password, on: req.db) else {
            throw AppError(.unauthorized, "signIn.wrong")
        }
        // A password an admin set is for one thing only: choosing one's own, in the browser.
        guard !user.mustChangePassword else { throw AppError(.forbidden, "error.mustChangePassword") }
        let (token, expires) = try await Self.issueToken(for: user, on: req)
        let response = try await TokenJSON(token: token, tokenType: "Bearer", expiresAt: expires).encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// A new token for an account: returned once, stored as its SHA-256, audited.
    static func issueToken(for user: User, on req: Request) async throws -> (String, Date) {
        let token = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64URLEncoded()
        let expires = Date().addingTimeInterval(req.application.config.tokenLifetime)
        let record = APIToken(userID: try user.requireID(), tokenHash: TokenHash.sha256(token), expiresAt: expires)
        try await req.db.audited { tx in
            try await record.create(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "token.issue", entity: "api_token",
                                      entityID: record.id?.uuidString)
        }
        return (token, expires)
    }

    @Sendable func revoke(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        guard let token = req.storage[CurrentTokenKey.self] else { throw AppError.unauthorized }
        token.revokedAt = Date()
        try await req.db.audited { tx in
            try await token.update(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "token.revoke", entity: "api_token",
                                      entityID: token.id?.uuidString)
        }
        return .noContent
    }

    @Sendable func me(req: Request) async throws -> MeJSON {
        let user = try req.requireUser()
        return MeJSON(id: try user.requireID().uuidString, username: user.username, displayName: user.displayName,
                      role: user.role.rawValue, unitId: user.$unit.id?.uuidString)
    }
}
