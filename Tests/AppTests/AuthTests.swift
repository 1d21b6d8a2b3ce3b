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
            #expect(try await StoredSession.query(on: app.db).count() == 1)
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
            #expect(try await StoredSession.query(on: app.db).count() == 0)
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
            #expect(try await StoredSession.query(on: app.db).count() == 1)
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

    @Test("The API takes a browser's session only with the page's token in X-CSRF-Token; forms are refused; the session stays")
    func apiSession() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            func create(_ username: String, headers extra: HTTPHeaders) async throws -> HTTPStatus {
                var headers = admin.cookieHeader
                headers.add(contentsOf: extra)
                headers.contentType = .json
                var status = HTTPStatus.ok
                let body = #"{"username":"\#(username)","displayName":"X","role":"admin"}"#
                try await app.testing().test(.POST, "/api/v1/accounts", headers: headers, body: ByteBuffer(string: body)) { status = $0.status }
                return status
            }
            // What a page of another site can make the browser send: the cookie alone.
            #expect(try await create("forged1", headers: [:]) == .unauthorized)
            #expect(try await create("forged2", headers: ["X-CSRF-Token": "x" + (admin.cookies["thidua_csrf"] ?? "")]) == .unauthorized)
            #expect(try await User.query(on: app.db).filter(\.$username ~~ ["forged1", "forged2"]).count() == 0)
            // The session was left as it was: the admin's pages still open.
            try await admin.get(app, "/admin/accounts") { #expect($0.status == .ok) }
            // A page of this site, which can read the token, may.
            #expect(try await create("taken", headers: ["X-CSRF-Token": admin.cookies["thidua_csrf"] ?? ""]) == .created)
            // Reading needs no token: another site's page cannot read the answer.
            try await app.testing().test(.GET, "/api/v1/me", headers: admin.cookieHeader) { #expect($0.status == .ok) }

            // A form body on the API is refused with a message, even with a token, and changes nothing.
            var token = ""
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "admin", "password": "demo-password-for-tests"])
            }) { token = try $0.content.decode(AuthAPI.TokenJSON.self).token }
            let form = "username=viaform&displayName=X&role=admin"
            try await app.testing().test(.POST, "/api/v1/accounts", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: form)) { res in
                #expect(res.status == .unsupportedMediaType)
                #expect((try? problem(res))?.detail.contains("API nhận nội dung JSON") == true)
            }
            #expect(try await User.query(on: app.db).filter(\.$username == "viaform").count() == 0)
        }
    }

    @Test("Sessions: a bearer request makes none, a page read within the minute writes none, a stale cookie adds none, unused ones are purged")
    func sessionsTable() async throws {
        try await withApp { app in
            try await loadDemo(app)
            var token = ""
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "thuongtruc", "password": "demo-password-for-tests"])
            }) { token = try $0.content.decode(AuthAPI.TokenJSON.self).token }
            for _ in 0..<3 {
                try await app.testing().test(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"]) { res in
                    #expect(res.status == .ok)
                    #expect(res.headers.setCookie?[CSRF.sessionCookie] == nil)
                }
            }
            #expect(try await StoredSession.query(on: app.db).count() == 0)

            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            let row = try #require(try await StoredSession.query(on: app.db).first())
            let seen = try #require(row.seenAt)
            for _ in 0..<3 { try await browser.get(app, "/movements/uong-bi-2024-2025") { #expect($0.status == .ok) } }
            let after = try #require(try await StoredSession.query(on: app.db).first())
            // Within the minute nothing is written. The whole suite beside this test on two cores can stretch three
            // reads past it; then the last-seen time has moved once, and the rest stays as it was.
            if Date().timeIntervalSince(seen) < SessionTimeout.touch - 1 {
                #expect(after.data == row.data && after.seenAt == seen)
            } else {
                #expect(after.seenAt.map { $0 >= seen } == true)
                #expect(after.data[SessionTimeout.createdKey] == row.data[SessionTimeout.createdKey])
            }

            // A cookie the server no longer knows: answered as signed out, and no row for it.
            let stale = Browser()
            stale.cookies[CSRF.sessionCookie] = "bm8tc3VjaC1zZXNzaW9uLW5vLXN1Y2gtc2Vzc2lvbi0xMjM0NTY3OA=="
            for _ in 0..<3 { try await stale.get(app, "/units") { #expect($0.status == .seeOther) } }
            #expect(try await StoredSession.query(on: app.db).count() == 1)

            // Not seen for the idle time: purged, and its browser signs in again.
            #expect(try await StoredSessions.purge(on: app.db) == 0)
            after.seenAt = Date().addingTimeInterval(-SessionTimeout.idle - 60)
            try await after.save(on: app.db)
            #expect(try await StoredSessions.purge(on: app.db) == 1)
            #expect(try await StoredSession.query(on: app.db).count() == 0)
            try await browser.get(app, "/units") { #expect($0.status == .seeOther) }
        }
    }

    @Test("Usernames are one spelling: ADMIN is admin for a new account and for the sign-in")
    func foldedUsernames() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            try await admin.post(app, "/admin/accounts/new", ["username": "ADMIN", "displayName": "Người khác", "role": "viewer", "unit": ""]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("đã có tài khoản với tên này"))
            }
            #expect(try await User.query(on: app.db).all().filter { $0.username.lowercased() == "admin" }.map(\.username) == ["admin"])
            try await admin.post(app, "/admin/accounts/new", ["username": "Can.Bo.Moi", "displayName": "Cán bộ mới", "role": "viewer", "unit": ""]) { res in
                #expect(res.status == .created)
            }
            #expect(try await User.query(on: app.db).filter(\.$username == "can.bo.moi").count() == 1)
            // Signed in as typed in any case; the lock counts the same name.
            let other = Browser()
            try await other.signIn(app, "ThuongTruc", "demo-password-for-tests")
            try await other.get(app, "/api/v1/me") { res in
                #expect((try? res.content.decode(AuthAPI.MeJSON.self))?.username == "thuongtruc")
            }
        }
    }

    @Test("Upgrading folds stored usernames; two that differ only in case stop the upgrade, named, with nothing changed")
    func foldingMigration() async throws {
        try await withApp { app in
            func add(_ name: String) async throws {
                try await User(username: name, displayName: name, passwordHash: "x", role: .viewer, unitID: nil).create(on: app.db)
            }
            try await add("Can.Bo")
            try await add("XA.Vien")
            try await add("xa.vien")
            await #expect(throws: FoldUsernames.Clash(names: ["XA.Vien", "xa.vien"])) { try await FoldUsernames().prepare(on: app.db) }
            #expect(Set(try await User.query(on: app.db).all().map(\.username)) == ["Can.Bo", "XA.Vien", "xa.vien"])
            try await User.query(on: app.db).filter(\.$username == "XA.Vien").delete()
            try await FoldUsernames().prepare(on: app.db)
            #expect(Set(try await User.query(on: app.db).all().map(\.username)) == ["can.bo", "xa.vien"])
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
