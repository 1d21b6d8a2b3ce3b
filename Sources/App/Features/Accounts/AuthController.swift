import Fluent
import struct ThiDuaCore.AccountDraft
import Vapor

/// Signing in and out of the web application. Sessions live in the database.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("sign-in", use: form)
        routes.post("sign-in", use: signIn)
        routes.post("sign-out", use: signOut)
        routes.post("language", use: language)
    }

    struct SignInPage: Encodable {
        var page: PageChrome
        var username: String
        var error: String?
        var next: String
    }

    @Sendable func form(req: Request) async throws -> View {
        let next = Self.safeNext(try? req.query.get(String.self, at: "next"))
        return try await req.view.render("auth/sign-in", SignInPage(page: .init(request: req, title: req.t("signIn.title")),
                                                                    username: "", error: nil, next: next))
    }

    struct SignInForm: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    @Sendable func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let username = (form.username ?? "").trimmingCharacters(in: .whitespaces)
        let next = Self.safeNext(form.next)
        func refuse(_ message: String, _ status: HTTPResponseStatus) async throws -> Response {
            let page = SignInPage(page: .init(request: req, title: req.t("signIn.title")), username: username,
                                  error: message, next: next)
            return try await req.view.render("auth/sign-in", page).encodeResponse(status: status, for: req)
        }
        let found: User?
        do {
            found = try await Accounts.verify(username: username, password: form.password ?? "", on: req.db)
        } catch let locked as AppError where locked.status == .tooManyRequests {
            return try await refuse(req.t(locked.key, locked.arguments), .tooManyRequests)
        }
        guard let user = found else { return try await refuse(req.t("signIn.wrong"), .unauthorized) }
        // A new session id on every sign-in, so a session id planted before it is worth nothing after.
        if let old = req.session.id {
            try await StoredSession.query(on: req.db).filter(\.$key == old.string).delete()
            req.session.id = nil
        }
        req.auth.login(user)
        req.session.authenticate(user)
        SessionTimeout.start(req.session)
        return req.redirect(to: next, redirectType: .normal)
    }

    @Sendable func signOut(req: Request) async throws -> Response {
        req.auth.logout(User.self)
        req.session.unauthenticate(User.self)
        req.session.destroy()
        return req.redirect(to: SiteURL.signIn(next: nil).path)
    }

    struct LanguageForm: Content {
        var lang: String?
        var back: String?
    }

    /// Remembers the language in a cookie: a preference of this browser, nothing stored on the server.
    @Sendable func language(req: Request) async throws -> Response {
        let form = try req.content.decode(LanguageForm.self)
        guard let lang = form.lang.flatMap(Language.init(rawValue:)) else { throw AppError.badRequest("error.language") }
        let back = Self.safeNext(form.back)
        let response = req.redirect(to: back)
        // From the public tip pages, for this visit only: a cookie kept a year would tell whoever holds the phone
        // that it opened the tip line.
        response.cookies[Request.languageCookie] = HTTPCookies.Value(
            string: lang.rawValue, maxAge: PublicTipController.isTipPage(back) ? nil : 365 * 86400, path: "/", isSecure: req.application.config.secureCookies,
            isHTTPOnly: true, sameSite: .lax)
        return response
    }

    /// Only paths on this site, so a link cannot send a signed-in user elsewhere: one `/` and then a character
    /// that is not a slash, with no backslash, control character or space anywhere (browsers drop tabs and line
    /// breaks, so `/\t/evil.example` would become `//evil.example`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count < 512, next.hasPrefix("/") else { return "/" }
        if next == "/" { return next }
        let second = next.unicodeScalars.dropFirst().first
        guard second != "/", second != "\\",
              !next.unicodeScalars.contains(where: { $0 == "\\" || $0.properties.generalCategory == .control || $0.properties.isWhitespace })
        else { return "/" }
        return next
    }
}

enum Accounts {
    /// Failed sign-ins for one username that lock it…
    static let maxFailures = 5
    /// …when they fall within this many seconds; the lock lifts as the oldest of them leaves the window.
    static let failureWindow: TimeInterval = 15 * 60

    /// The account for a username and password, or nil. Takes about as long either way, so timing does not tell
    /// which usernames exist. After `maxFailures` failures within `failureWindow` the username is refused, right
    /// password or not, with a 429 that says when to try again.
    ///
    /// The attempt is counted before the password is looked at: each of many concurrent attempts (on any server
    /// sharing the database) sees at least those stored before it, so no more than `maxFailures` of them within a
    /// window ever reach the check, and every attempt after them is refused until the window has passed.
    static func verify(username: String, password: String, on db: any Database, now: Date = Date()) async throws -> User? {
        guard !username.isEmpty, username.count <= 64, password.count <= 200 else { return nil }
        let key = ThiDuaCore.AccountDraft.folded(username)
        let attempt = SignInFailure(usernameKey: key, at: now)
        try await attempt.create(on: db)
        let recent = try await SignInFailure.query(on: db).filter(\.$usernameKey == key)
            .filter(\.$at > now.addingTimeInterval(-failureWindow)).sort(\.$at, .descending).all()
        if recent.count > maxFailures {
            // A refused attempt counts too, so that a burst cannot slip a guess in between: the lock lifts 15
            // minutes after the fifth latest attempt.
            try await SignInFailure.query(on: db).filter(\.$at <= now.addingTimeInterval(-failureWindow)).delete()
            let oldest = recent.prefix(maxFailures).last?.at ?? now
            let seconds = oldest.addingTimeInterval(failureWindow).timeIntervalSince(now)
            throw AppError(.tooManyRequests, "signIn.locked", ["minutes": String(max(1, Int((seconds / 60).rounded(.up))))])
        }
        let user = try await User.query(on: db).filter(\.$username == key).first()
        let hash = user?.passwordHash ?? dummyHash
        let ok = (try? Bcrypt.verify(password, created: hash)) ?? false
        guard let user, ok, user.active else {
            try await SignInFailure.query(on: db).filter(\.$at <= now.addingTimeInterval(-failureWindow)).delete()
            return nil
        }
        try await SignInFailure.query(on: db).filter(\.$usernameKey == key).delete()
        return user
    }

    /// A hash to check against when the username does not exist, so that it costs the same; made once.
    static let dummyHash: String = (try? Bcrypt.hash("thidua-no-such-user-password")) ?? "$2b$12$" + String(repeating: "x", count: 53)
}

/// Sends people who are not signed in to the sign-in page, and back afterwards. A session ends here when its
/// account was disabled or signed out of every device after it began; an account whose password was reset is
/// sent to choose a new one first.
struct RequireSignIn: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let target = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
        guard let user = request.auth.get(User.self) else {
            return request.redirect(to: SiteURL.signIn(next: target).path)
        }
        let began = request.session.data[SessionTimeout.createdKey].flatMap(Double.init)
        if !user.active || user.sessionsValidAfter.map({ Double(Int($0.timeIntervalSince1970)) > (began ?? 0) }) == true {
            request.auth.logout(User.self)
            request.session.destroy()
            return request.redirect(to: SiteURL.signIn(next: target).path)
        }
        if user.mustChangePassword && request.url.path != SiteURL.password.path && request.url.path != SiteURL.signOut.path {
            return request.redirect(to: SiteURL.password.path)
        }
        return try await next.respond(to: request)
    }
}
