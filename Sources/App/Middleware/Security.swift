import Crypto
import Fluent
import Foundation
import NIOCore
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

    /// `tokenFirst`: the routes' multipart forms all send the token as their first part (the tip forms), so it is
    /// checked as soon as that part is in: a forged upload is refused after a few kilobytes, not after its 46 MB.
    /// Elsewhere a body larger than the first read (a file upload) is read whole first, up to the routes' limit.
    static func check(_ request: Request, maxBody: ByteCount? = nil, tokenFirst: Bool = false) async throws {
        struct Form: Decodable { var _csrf: String? }
        let expected = request.cookies[cookie]?.string ?? ""
        guard !expected.isEmpty else { throw AppError(.forbidden, "error.csrf") }
        let limit = (maxBody ?? request.application.routes.defaultMaxBodySize).value
        if request.body.data == nil {
            if tokenFirst, let boundary = MultipartLead.boundary(request.headers.contentType) {
                try await collect(request, limit: limit) { buffer in
                    switch MultipartLead.token(in: buffer, boundary: boundary) {
                    case .incomplete: return false
                    case .token(let sent) where Self.same(sent, expected): return true
                    case .token, .other: throw AppError(.forbidden, "error.csrf")
                    }
                }
                return
            }
            _ = try await request.body.collect(max: limit).get()
        }
        let sent: String
        do {
            sent = try request.content.decode(Form.self)._csrf ?? ""
        } catch let refused as AppError {
            // A body refused for what it holds (`CheckedFormData`) is told so, not taken for a forgery.
            throw refused
        } catch {
            sent = ""
        }
        guard Self.same(sent, expected) else { throw AppError(.forbidden, "error.csrf") }
    }

    /// Reads a streamed body whole, at most `limit` bytes (413 beyond), asking `lead` of what has come until it
    /// answers true (refused if it never does), then keeps it for the route to decode.
    ///
    /// Once refused, the rest of the body is still read, and dropped as it comes, as Vapor's own `collect` does:
    /// a body left unread holds its connection open, unread, until the client gives up (and a server shutting down
    /// waits for it), while reading costs no memory and lets the client see its answer and close.
    private static func collect(_ request: Request, limit: Int,
                                lead: @escaping @Sendable (ByteBuffer) throws -> Bool) async throws {
        let loop = request.eventLoop
        let allocator = request.byteBufferAllocator
        let body = request.body
        let buffer = try await loop.flatSubmit { () -> EventLoopFuture<ByteBuffer> in
            let done = loop.makePromise(of: ByteBuffer.self)
            let state = NIOLoopBoundBox(Collecting(buffer: allocator.buffer(capacity: 0)), eventLoop: loop)
            body.drain { part in
                state.value.take(part, limit: limit, lead: lead, done: done)
                return loop.makeSucceededVoidFuture()
            }
            return done.futureResult
        }.get()
        try request.content.encode(RawBody(buffer: buffer), using: RawBody.Encoder())
    }

    /// A body being read by `collect`: what has come, whether its lead has passed, and whether the answer is given.
    private struct Collecting {
        var buffer: ByteBuffer
        var passed = false
        var settled = false

        mutating func take(_ part: BodyStreamResult, limit: Int, lead: (ByteBuffer) throws -> Bool,
                           done: EventLoopPromise<ByteBuffer>) {
            guard !settled else { return }
            do {
                switch part {
                case .buffer(var chunk):
                    guard buffer.readableBytes + chunk.readableBytes <= limit else { throw AppError(.payloadTooLarge, "error.413") }
                    buffer.writeBuffer(&chunk)
                    if !passed { passed = try lead(buffer) }
                case .end:
                    if !passed { passed = try lead(buffer) }
                    guard passed else { throw AppError(.forbidden, "error.csrf") }
                    settled = true
                    done.succeed(buffer)
                case .error(let error):
                    throw error
                }
            } catch {
                settled = true
                // What came is no longer needed; the rest is dropped as it arrives.
                buffer = ByteBuffer()
                done.fail(error)
            }
        }
    }
}

/// A body read by hand, given back to the request as it came: Vapor keeps what an encoder writes as the body
/// the route then decodes, and this encoder writes the bytes unchanged, headers untouched.
struct RawBody: Encodable {
    var buffer: ByteBuffer
    func encode(to encoder: any Swift.Encoder) throws {}

    struct Encoder: ContentEncoder {
        func encode<E: Encodable>(_ encodable: E, to body: inout ByteBuffer, headers: inout HTTPHeaders) throws {
            guard var raw = (encodable as? RawBody)?.buffer else { throw AppError(.internalServerError, "error.500") }
            body.writeBuffer(&raw)
        }
    }
}

/// The first part of a multipart body, read before the rest has arrived: the CSRF token that our forms put first.
enum MultipartLead {
    enum Found: Equatable {
        /// Not all of the first part is in yet.
        case incomplete
        /// The first part is the token, with this value.
        case token(String)
        /// The first part is something else, or longer than a token's part can be.
        case other
    }

    /// The longest first part looked for: a token's part is under 200 bytes.
    static let window = 4096

    static func boundary(_ type: HTTPMediaType?) -> String? {
        guard let type, type.type == "multipart", type.subType == "form-data",
              let boundary = type.parameters["boundary"], !boundary.isEmpty, boundary.count <= 200 else { return nil }
        return boundary
    }

    static func token(in buffer: ByteBuffer, boundary: String) -> Found {
        let bytes = buffer.readableBytesView.prefix(window)
        let head = Array("--\(boundary)\r\n".utf8)
        guard bytes.count >= head.count else { return Array(bytes) == Array(head.prefix(bytes.count)) ? .incomplete : .other }
        guard Array(bytes.prefix(head.count)) == head else { return .other }
        let rest = Array(bytes.dropFirst(head.count))
        guard let headersEnd = find(Array("\r\n\r\n".utf8), in: rest) else { return bytes.count < window ? .incomplete : .other }
        let headers = String(decoding: rest[..<headersEnd], as: UTF8.self).lowercased()
        // One header, Content-Disposition, naming the field `_csrf` (and no file).
        let disposition = headers.split(separator: "\r\n").first { $0.hasPrefix("content-disposition:") } ?? ""
        guard disposition.contains("name=\"_csrf\""), !disposition.contains("filename") else { return .other }
        let value = Array(rest[(headersEnd + 4)...])
        guard let end = find(Array("\r\n--\(boundary)".utf8), in: value) else { return bytes.count < window ? .incomplete : .other }
        return .token(String(decoding: value[..<end], as: UTF8.self))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        haystack.indices.first { haystack[$0...].starts(with: needle) }
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
    /// The routes' multipart forms send the token first (`CSRF.check`).
    var tokenFirst = false

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method != .GET && request.method != .HEAD {
            try await CSRF.check(request, maxBody: maxBody, tokenFirst: tokenFirst)
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

/// The API's sign-in: by bearer token. A browser's session counts on a request that changes something only with
/// the page's CSRF token in `X-CSRF-Token`: a page of another site makes the browser send the cookie, but cannot
/// read the token. Without it the request is answered as anonymous (401) and the session is left as it was.
/// The bodies of such requests are JSON: a form, which any site can make a browser send, is refused (415).
struct APISignIn: AsyncMiddleware {
    static let csrfHeader = "X-CSRF-Token"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let changes = request.method != .GET && request.method != .HEAD
        if let bearer = request.headers.bearerAuthorization {
            // The token's account only, never the session's beside it; the session is not touched.
            request.auth.logout(User.self)
            request.storage[SessionSignIn.SetAsideKey.self] = true
            try await BearerAuth().authenticate(bearer: bearer, for: request)
        } else if changes, request.auth.has(User.self) {
            let expected = request.cookies[CSRF.cookie]?.string ?? ""
            if expected.isEmpty || !CSRF.same(request.headers.first(name: Self.csrfHeader) ?? "", expected) {
                request.auth.logout(User.self)
                request.storage[SessionSignIn.SetAsideKey.self] = true
            }
        }
        if changes, let type = request.headers.contentType, type == .urlEncodedForm || type == .formData {
            throw AppError(.unsupportedMediaType, "error.apiJSON")
        }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The signed-in account, or a 401 with a message.
    func requireUser() throws -> User {
        guard let user = auth.get(User.self), user.active else { throw AppError.unauthorized }
        return user
    }
}
