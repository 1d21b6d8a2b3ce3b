import Crypto
import Fluent
import Foundation
import Vapor

/// Headers that keep pages from being framed, sniffed, cached with someone's data or leaking their address. The
/// outermost middleware, so that every answer has them, errors included.
struct SecurityHeaders: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            response = await ErrorRenderer().render(error, for: request)
        }
        var headers = response.headers
        // A download's own policy (a sandbox with nothing allowed) is stricter than the pages'; it stays.
        if !headers.contains(name: "Content-Security-Policy") {
            headers.replaceOrAdd(name: "Content-Security-Policy",
                                 value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        }
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if request.application.config.secureCookies {
            headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        // What a signed-in account is shown is for it alone: no shared or browser cache keeps it.
        if request.auth.has(User.self) || request.headers.bearerAuthorization != nil || request.headers.cookie?[CSRF.sessionCookie] != nil {
            headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        response.headers = headers
        return response
    }
}

/// Cross-site request forgery protection by double submission: a random cookie that a forged form cannot read,
/// repeated in every form as `_csrf`. Needs no session, so the sign-in form is protected too.
enum CSRF {
    static let cookie = "thidua_csrf"
    static let sessionCookie = "thidua_session"
    static let field = "_csrf"

    /// The token for this browser, created when it has none.
    static func token(for request: Request) -> String {
        if let existing = request.cookies[cookie]?.string, existing.count == 43 { return existing }
        if let made = request.storage[TokenKey.self] { return made }
        let token = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64URLEncoded()
        request.storage[TokenKey.self] = token
        return token
    }

    struct TokenKey: StorageKey { typealias Value = String }

    /// Two secrets compared in a time that does not tell how much of them matched.
    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
    }

    static func check(_ request: Request, maxBody: ByteCount? = nil) async throws {
        struct Form: Decodable { var _csrf: String? }
        // A body larger than the first read (a file upload) is still arriving: the token is in it, so it is read
        // whole first, up to the limit every route has.
        if request.body.data == nil {
            _ = try await request.body.collect(max: (maxBody ?? request.application.routes.defaultMaxBodySize).value).get()
        }
        let sent = (try? request.content.decode(Form.self))?._csrf ?? ""
        let expected = request.cookies[cookie]?.string ?? ""
        guard !expected.isEmpty, Self.same(sent, expected) else {
            throw AppError(.forbidden, "error.csrf")
        }
    }
}

extension Data {
    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Checks the CSRF token on every state-changing web request and sets the token cookie when it was made.
struct CSRFMiddleware: AsyncMiddleware {
    /// The largest body its routes take (the tip form's files), read whole to find the token.
    var maxBody: ByteCount? = nil

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method != .GET && request.method != .HEAD {
            try await CSRF.check(request, maxBody: maxBody)
        }
        let response = try await next.respond(to: request)
        if let made = request.storage[CSRF.TokenKey.self] {
            response.cookies[CSRF.cookie] = HTTPCookies.Value(
                string: made, path: "/", isSecure: request.application.config.secureCookies, isHTTPOnly: true,
                sameSite: .strict)
        }
        return response
    }
}

enum TokenHash {
    static func sha256(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Finds the account behind `Authorization: Bearer …`. Expired and revoked tokens are ignored.
struct BearerAuth: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        guard bearer.token.count >= 20, bearer.token.count <= 200 else { return }
        guard let token = try await APIToken.query(on: request.db)
            .filter(\.$tokenHash == TokenHash.sha256(bearer.token))
            .filter(\.$revokedAt == nil)
            .with(\.$user)
            .first(),
            token.expiresAt > Date(), token.user.active else { return }
        request.auth.login(token.user)
        request.storage[CurrentTokenKey.self] = token
    }
}

struct CurrentTokenKey: StorageKey { typealias Value = APIToken }

extension Request {
    /// The signed-in account, or a 401 with a message.
    func requireUser() throws -> User {
        guard let user = auth.get(User.self), user.active else { throw AppError.unauthorized }
        return user
    }
}
