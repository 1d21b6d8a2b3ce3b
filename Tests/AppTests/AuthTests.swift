import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Signing in, sessions, CSRF and API tokens")
struct AuthTests {
    @Test("Sign-in refuses a wrong password with a message and accepts the right one")
    func signIn() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            // A page behind sign-in sends there, and back afterwards (the plans themselves are public).
            try await browser.get(app, "/units?date=2025-06-30") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/sign-in?next=%2Funits%3Fdate%3D2025-06-30")
            }
            try await browser.get(app, "/sign-in") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains(#"name="_csrf""#))
            }
            #expect(browser.cookies["thidua_csrf"]?.count == 43)
            try await browser.post(app, "/sign-in", ["username": "admin", "password": "not-the-password", "next": "/"]) { res in
                #expect(res.status == .unauthorized)
                #expect(res.body.string.contains("Tên đăng nhập hoặc mật khẩu không đúng."))
                #expect(res.body.string.contains(#"value="admin""#))
            }
            #expect(browser.cookies["thidua_session"] == nil)
            try await browser.post(app, "/sign-in", ["username": "nobody", "password": "demo-password-for-tests", "next": "/"]) { res in
                #expect(res.status == .unauthorized)
            }
            try await browser.post(app, "/sign-in", ["username": "admin", "password": "demo-password-for-tests",
                                                     "next": "/movements/uong-bi-2024-2025"]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/movements/uong-bi-2024-2025")
            }
            #expect(browser.cookies["thidua_session"] != nil)
            #expect(try await SessionRecord.query(on: app.db).count() == 1)
            try await browser.get(app, "/movements/uong-bi-2024-2025") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Lực lượng mới, khí thế mới"))
            }
            try await browser.post(app, "/sign-out", [:]) { res in
                #expect(res.status == .seeOther)
            }
            try await browser.get(app, "/") { res in
                #expect(res.status == .seeOther)
            }
        }
    }

    @Test("A form without the CSRF token changes nothing")
    func csrf() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.get(app, "/sign-in")
            try await browser.post(app, "/sign-in", ["username": "admin", "password": "demo-password-for-tests"],
                                   csrf: "forged-token-forged-token-forged-token-0000") { res in
                #expect(res.status == .forbidden)
                #expect(res.body.string.contains("Biểu mẫu đã hết hạn"))
            }
            #expect(browser.cookies["thidua_session"] == nil)
            #expect(try await SessionRecord.query(on: app.db).count() == 0)
        }
    }

    @Test("Redirects after sign-in stay on this site")
    func openRedirect() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.get(app, "/sign-in")
            try await browser.post(app, "/sign-in", ["username": "admin", "password": "demo-password-for-tests",
                                                     "next": "//evil.example/x"]) { res in
                #expect(res.headers.first(name: .location) == "/")
            }
        }
    }

    @Test("A new session id at every sign-in")
    func sessionFixation() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.signIn(app, "admin", "demo-password-for-tests")
            let first = browser.cookies["thidua_session"]
            try await browser.post(app, "/sign-in", ["username": "thuongtruc", "password": "demo-password-for-tests", "next": "/"]) { _ in }
            #expect(browser.cookies["thidua_session"] != nil)
            #expect(browser.cookies["thidua_session"] != first)
            #expect(try await SessionRecord.query(on: app.db).count() == 1)
        }
    }

    @Test("Five wrong passwords lock a username for 15 minutes, right password or not, on the web and the API alike")
    func lockout() async throws {
        try await withApp { app in
            try await loadDemo(app)
            func token(_ username: String, _ password: String, _ check: (TestingHTTPResponse) throws -> Void) async throws {
                try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                    try req.content.encode(["username": username, "password": password])
                }) { res in try check(res) }
            }
            let browser = Browser()
            try await browser.get(app, "/sign-in")
            // Four wrong on the web, one on the API (typed in capitals: the same username).
            for _ in 1...4 {
                try await browser.post(app, "/sign-in", ["username": "admin", "password": "guess", "next": "/"]) { res in
                    #expect(res.status == .unauthorized)
                }
            }
            try await token("ADMIN", "guess") { #expect($0.status == .unauthorized) }
            // The minutes the lock has left, from the stored attempts (the latest is the one just refused; the lock
            // runs 15 minutes from the fifth latest): 15 when the attempts came within a minute, fewer on a slow
            // machine, never a guess from the clock.
            func minutesLeft() async throws -> Int {
                let attempts = try await SignInFailure.query(on: app.db).filter(\.$usernameKey == "admin").sort(\.$at, .descending).all()
                guard let latest = attempts.first?.at, let fifth = attempts.dropFirst(4).first?.at else { return 0 }
                return max(1, Int((fifth.addingTimeInterval(15 * 60).timeIntervalSince(latest) / 60).rounded(.up)))
            }
            // Now even the right password waits.
            var page = ""
            try await browser.post(app, "/sign-in", ["username": "admin", "password": "demo-password-for-tests", "next": "/"]) { res in
                #expect(res.status == .tooManyRequests)
                page = res.body.string
            }
            let webMinutes = try await minutesLeft()
            #expect(webMinutes > 10)
            #expect(page.contains("quá nhiều lần nên tạm khóa. Hãy thử lại sau \(webMinutes) phút."))
            #expect(browser.cookies["thidua_session"] == nil)
            var detail = ""
            try await token("admin", "demo-password-for-tests") { res in
                #expect(res.status == .tooManyRequests)
                detail = try problem(res).detail
            }
            let apiMinutes = try await minutesLeft()
            #expect(detail.hasSuffix("Hãy thử lại sau \(apiMinutes) phút."))
            // Other usernames are not affected; a username that does not exist locks the same way.
            try await token("thuongtruc", "demo-password-for-tests") { #expect($0.status == .created) }
            for _ in 1...5 { try await token("no.such.user", "guess") { #expect($0.status == .unauthorized) } }
            try await token("no.such.user", "guess") { #expect($0.status == .tooManyRequests) }

            // Ten minutes after the third latest attempt so far, which is the fifth latest once the two checks below
            // have added theirs (the lock runs 15 minutes from it): 5 minutes to wait. Counted from the stored attempt,
            // not the clock, so that a slow machine between the attempts changes nothing.
            let attempts = try await SignInFailure.query(on: app.db).filter(\.$usernameKey == "admin").sort(\.$at, .descending).all()
            let later = try #require(attempts.dropFirst(2).first).at.addingTimeInterval(10 * 60)
            await #expect(throws: AppError.self) {
                _ = try await Accounts.verify(username: "admin", password: "demo-password-for-tests", on: app.db, now: later)
            }
            do {
                _ = try await Accounts.verify(username: "admin", password: "demo-password-for-tests", on: app.db, now: later)
            } catch let e as AppError {
                #expect(e.arguments["minutes"] == "5")
            }
            // Sixteen minutes later the lock has lifted; a success forgets the failures.
            let after = Date().addingTimeInterval(16 * 60)
            let user = try await Accounts.verify(username: "admin", password: "demo-password-for-tests", on: app.db, now: after)
            #expect(user?.username == "admin")
            #expect(try await SignInFailure.query(on: app.db).filter(\.$usernameKey == "admin").count() == 0)
        }
    }

    @Test("API tokens: issued for the right password, stored hashed, revocable")
    func tokens() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "thuongtruc", "password": "wrong-password"])
            }) { res in
                #expect(res.status == .unauthorized)
                let detail = try problem(res).detail
                #expect(detail.hasPrefix("Tên đăng nhập hoặc mật khẩu không đúng"))
            }
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "thuongtruc"])
            }) { res in
                #expect(res.status == .badRequest)
            }
            try await app.testing().test(.POST, "/api/v1/auth/token", headers: ["Content-Type": "application/json"],
                                         body: ByteBuffer(string: "{not json")) { res in
                #expect(res.status == .badRequest)
            }
            var token = ""
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "thuongtruc", "password": "demo-password-for-tests"])
            }) { res in
                #expect(res.status == .created)
                token = try res.content.decode(AuthAPI.TokenJSON.self).token
            }
            #expect(token.count == 43)
            let stored = try await APIToken.query(on: app.db).all()
            #expect(stored.count == 1)
            #expect(stored[0].tokenHash == TokenHash.sha256(token))
            #expect(stored[0].tokenHash != token)

            try await app.testing().test(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"]) { res in
                #expect(res.status == .ok)
                let me = try res.content.decode(AuthAPI.MeJSON.self)
                #expect(me.username == "thuongtruc")
                #expect(me.role == "secretariat")
            }
            try await app.testing().test(.GET, "/api/v1/me") { res in
                #expect(res.status == .unauthorized)
                #expect(res.headers.first(name: .wwwAuthenticate) == "Bearer")
            }
            try await app.testing().test(.GET, "/api/v1/me", headers: ["Authorization": "Bearer not-a-real-token-at-all-xxxxxxxx"]) { res in
                #expect(res.status == .unauthorized)
            }
            try await app.testing().test(.DELETE, "/api/v1/auth/token", headers: ["Authorization": "Bearer \(token)"]) { res in
                #expect(res.status == .noContent)
            }
            try await app.testing().test(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"]) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }

    @Test("An expired token is refused")
    func expiredToken() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let user = try await User.query(on: app.db).filter(\.$username == "admin").first()!
            let token = "expired-token-expired-token-expired-token"
            try await APIToken(userID: user.requireID(), tokenHash: TokenHash.sha256(token),
                               expiresAt: Date().addingTimeInterval(-1)).create(on: app.db)
            try await app.testing().test(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"]) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }
}
