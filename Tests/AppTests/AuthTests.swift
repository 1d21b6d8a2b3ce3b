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
            try await browser.get(app, "/movements/uong-bi-2024-2025") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/sign-in?next=%2Fmovements%2Fuong%2Dbi%2D2024%2D2025")
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
