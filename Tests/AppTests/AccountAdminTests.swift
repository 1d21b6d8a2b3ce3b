import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// The password shown once on a page (`<code class="token">`).
func shownSecret(_ html: String) -> String? {
    guard let start = html.range(of: "<code class=\"token\">"), let end = html.range(of: "</code>", range: start.upperBound..<html.endIndex) else {
        return nil
    }
    return String(html[start.upperBound..<end.lowerBound])
}

@Suite("The admin's accounts: create, edit, disable and re-enable, reset, in the browser and the API")
struct AccountAdminTests {
    @Test("A new account: its mistakes beside the fields, then a one-time password that must be changed at once")
    func create() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            try await admin.get(app, "/admin/accounts/new") { #expect($0.status == .ok) }
            // Each mistake beside its field, what was typed kept; nothing stored.
            try await admin.post(app, "/admin/accounts/new", ["username": "thuongtruc", "displayName": "", "role": "teamLeader",
                                                               "unit": "06820"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["username": "đã có tài khoản với tên này", "displayName": "bắt buộc, chưa nhập",
                                                         "unit": "vai trò này cần một thôn, tổ dân phố, khu"])
                #expect(res.body.string.contains("value=\"06820\""))
            }
            try await admin.post(app, "/admin/accounts/new", ["username": "ca phuong", "displayName": "Lê Thị Hoa", "role": "communeOfficer",
                                                               "unit": "99999"]) { res in
                #expect(fieldErrors(res.body.string) == ["username": "chỉ gồm 3–64 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới",
                                                         "unit": "không có đơn vị với mã này"])
            }
            #expect(try await User.query(on: app.db).filter(\.$displayName == "Lê Thị Hoa").count() == 0)
            var password = ""
            try await admin.post(app, "/admin/accounts/new", ["username": "ca.quangtrung", "displayName": "Lê Thị Hoa",
                                                               "role": "communeOfficer", "unit": "06817"]) { res in
                #expect(res.status == .created)
                password = try #require(shownSecret(res.body.string))
            }
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "ca.quangtrung").first())
            #expect(user.role == .communeOfficer && user.$unit.id == DemoUnits.commune("06817") && user.mustChangePassword)
            // The password is nowhere but on that one answer: not in the audit log, not in the hash's place.
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "user.create").sort(\.$seq, .descending).first())
            #expect(audit.actor == "admin" && audit.after?.contains("ca.quangtrung") == true && audit.after?.contains(password) == false)
            #expect(audit.after?.contains("password") == false)
            // The person signs in with it and is sent to change it before anything else.
            let person = Browser()
            try await person.signIn(app, "ca.quangtrung", password)
            try await person.get(app, "/records") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/account/password")
            }
            try await person.post(app, "/account/password", ["current": password, "new": "mat-khau-cua-hoa", "confirm": "mat-khau-cua-hoa"]) {
                #expect($0.status == .seeOther)
            }
            try await person.get(app, "/records") { #expect($0.status == .ok) }
        }
    }

    @Test("Editing: name, role and unit change; the list finds the account by name, role and state")
    func editAndList() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            let id = DemoLoader.stableID("user", "lanhdao").uuidString
            try await admin.get(app, "/admin/accounts/\(id)") { res in
                #expect(res.status == .ok)
                // The unit by its national code, which names it on its last day too.
                #expect(res.body.string.contains("Hiện nay: thành phố Uông Bí."))
                #expect(res.body.string.contains("name=\"unit\" value=\"196\""))
            }
            try await admin.post(app, "/admin/accounts/\(id)", ["displayName": "Phó Chủ tịch", "role": "teamLeader", "unit": ""]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["unit": "vai trò này cần một thôn, tổ dân phố, khu"])
            }
            let village = DemoUnits.village("06808", "Vàng Danh 3").uuidString
            try await admin.post(app, "/admin/accounts/\(id)", ["displayName": "Phó Chủ tịch", "role": "teamLeader", "unit": village]) { res in
                #expect(res.status == .seeOther)
            }
            let user = try #require(try await User.find(DemoLoader.stableID("user", "lanhdao"), on: app.db))
            #expect(user.displayName == "Phó Chủ tịch" && user.role == .teamLeader && user.$unit.id?.uuidString == village)
            try await admin.get(app, "/admin/accounts?q=ph%C3%B3%20ch%E1%BB%A7&role=teamLeader&state=active") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Phó Chủ tịch"))
                #expect(!res.body.string.contains("thuongtruc"))
            }
            try await admin.get(app, "/admin/accounts?q=lanh") { res in
                #expect(res.body.string.contains("Tài khoản 1–1 trong 1"))
            }
            try await admin.get(app, "/admin/accounts?state=disabled") { res in
                #expect(res.body.string.contains("Không có tài khoản nào khớp."))
            }
            // A filter that is not one of the list's is a client's mistake, said as such.
            try await admin.get(app, "/admin/accounts?role=root") { #expect($0.status == .badRequest) }
            try await admin.get(app, "/admin/accounts?page=99") { #expect($0.status == .ok) }
            try await admin.get(app, "/admin/accounts/\(UUID())") { #expect($0.status == .notFound) }
            try await admin.get(app, "/admin/accounts/not-an-id") { #expect($0.status == .notFound) }
        }
    }

    @Test("Disabling ends the person's sessions and tokens at once; re-enabling lets them sign in again")
    func disableAndEnable() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser(), person = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            try await person.signIn(app, "ca.vangdanh", "demo-password-for-tests")
            let token = try await issueToken(app, "ca.vangdanh")
            let id = DemoLoader.stableID("user", "ca.vangdanh").uuidString
            try await admin.post(app, "/admin/accounts/\(id)/disable", [:]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/admin/accounts/\(id)")
            }
            try await person.get(app, "/records") { #expect($0.status == .seeOther) }
            try await send(app, .GET, "/api/v1/me", token: token) { #expect($0.status == .unauthorized) }
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "ca.vangdanh", "password": "demo-password-for-tests"])
            }) { #expect($0.status == .unauthorized) }
            try await admin.get(app, "/admin/accounts/\(id)") { #expect($0.body.string.contains("đã khóa")) }
            try await admin.post(app, "/admin/accounts/\(id)/enable", [:]) { #expect($0.status == .seeOther) }
            // The token revoked stays revoked; signing in works again.
            try await send(app, .GET, "/api/v1/me", token: token) { #expect($0.status == .unauthorized) }
            try await Browser().signIn(app, "ca.vangdanh", "demo-password-for-tests")
            let actions = try await AuditEntry.query(on: app.db).filter(\.$entityID == id).sort(\.$seq).all().map(\.action)
            #expect(actions.suffix(2) == ["user.disable", "user.enable"])
        }
    }

    @Test("A reset password: shown once, the old one refused, every session over, changed at the next sign-in")
    func reset() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser(), person = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            try await person.signIn(app, "thuongtruc", "demo-password-for-tests")
            let id = DemoLoader.stableID("user", "thuongtruc").uuidString
            var password = ""
            try await admin.post(app, "/admin/accounts/\(id)/reset-password", [:]) { res in
                #expect(res.status == .ok)
                password = try #require(shownSecret(res.body.string))
            }
            // Shown once: the account's page shows it no more.
            try await admin.get(app, "/admin/accounts/\(id)") { #expect(shownSecret($0.body.string) == nil) }
            try await person.get(app, "/records") { #expect($0.status == .seeOther) }
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "thuongtruc", "password": "demo-password-for-tests"])
            }) { #expect($0.status == .unauthorized) }
            let again = Browser()
            try await again.signIn(app, "thuongtruc", password)
            try await again.get(app, "/") { #expect($0.headers.first(name: .location) == "/account/password") }
        }
    }

    @Test("No admin locks themselves out, the last admin stays, and only the admin sees any of it")
    func guards() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            let own = DemoLoader.stableID("user", "admin").uuidString
            try await admin.post(app, "/admin/accounts/\(own)/disable", [:]) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Không thể tự khóa"))
            }
            try await admin.post(app, "/admin/accounts/\(own)", ["displayName": "Quản trị", "role": "secretariat", "unit": ""]) { res in
                #expect(res.status == .conflict)
            }
            try await admin.post(app, "/admin/accounts/\(own)/reset-password", [:]) { res in
                #expect(res.status == .conflict)
                #expect(shownSecret(res.body.string) == nil)
            }
            #expect(try await User.find(DemoLoader.stableID("user", "admin"), on: app.db)?.active == true)
            // A second admin may not disable the first while it is the last one active… only while another remains.
            try await makeAccount(app, "admin2", role: .admin, unit: nil)
            let second = Browser()
            try await second.signIn(app, "admin2", "demo-password-for-tests")
            try await second.post(app, "/admin/accounts/\(own)/disable", [:]) { #expect($0.status == .seeOther) }
            let admin2 = try #require(try await User.query(on: app.db).filter(\.$username == "admin2").first()?.id?.uuidString)
            // Now admin2 is the last active admin; nobody can take that away (admin is disabled and signed out).
            try await second.post(app, "/admin/accounts/\(admin2)", ["displayName": "admin2", "role": "viewer", "unit": ""]) {
                #expect($0.status == .conflict)
            }
            // Every other role: forbidden, on every page and action.
            for name in ["thuongtruc", "ca.vangdanh", "lanhdao", "totruong.vangdanh3"] {
                let b = Browser()
                try await b.signIn(app, name, "demo-password-for-tests")
                try await b.get(app, "/admin/accounts") { #expect($0.status == .forbidden, "\(name)") }
                try await b.get(app, "/admin/accounts/\(admin2)") { #expect($0.status == .forbidden, "\(name)") }
                try await b.post(app, "/admin/accounts/\(admin2)/reset-password", [:]) { #expect($0.status == .forbidden, "\(name)") }
                try await b.get(app, "/records") { res in #expect(!res.body.string.contains("/admin/accounts")) }
            }
        }
    }

    @Test("The API: the same rules, a password returned once, 409 for a lock-out, 403 for anyone but the admin")
    func api() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let admin = try await issueToken(app, "admin")
            let secretariat = try await issueToken(app, "thuongtruc")
            try await send(app, .POST, "/api/v1/accounts", token: admin, ["username": "tt.dc1", "displayName": "Tổ trưởng", "role": "teamLeader",
                                                                        "unit": "06820"]) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.errors == ["unit": "vai trò này cần một thôn, tổ dân phố, khu"])
            }
            var id = ""
            let village = DemoUnits.village("06808", "Vàng Danh 3").uuidString
            try await send(app, .POST, "/api/v1/accounts", token: admin, ["username": "tt.vd3", "displayName": "Tổ trưởng Vàng Danh 3",
                                                                        "role": "teamLeader", "unit": village]) { res in
                #expect(res.status == .created)
                let body = try res.content.decode(AccountsAPI.PasswordJSON.self)
                #expect(body.account.unit == village && body.account.mustChangePassword && body.password.count == 17)
                id = body.account.id
            }
            try await send(app, .PATCH, "/api/v1/accounts/\(id)", token: admin, ["username": "khac"]) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.errors == ["username": "không đổi được tên đăng nhập"])
            }
            try await send(app, .PATCH, "/api/v1/accounts/\(id)", token: admin, ["active": false]) { res in
                #expect(res.status == .ok)
                let decoded = try res.content.decode(AccountsAPI.AccountJSON.self)
                #expect(decoded.active == false)
            }
            try await send(app, .GET, "/api/v1/accounts?active=false", token: admin) { res in
                let list = try res.content.decode(AccountsAPI.ListJSON.self)
                #expect(list.accounts.map(\.username) == ["tt.vd3"] && list.total == 1)
            }
            try await send(app, .GET, "/api/v1/accounts?active=maybe", token: admin) { #expect($0.status == .badRequest) }
            try await send(app, .POST, "/api/v1/accounts/\(id)/reset-password", token: admin) { res in
                #expect(res.status == .ok)
                let decoded = try res.content.decode(AccountsAPI.PasswordJSON.self)
                #expect(decoded.password.count == 17)
            }
            let own = DemoLoader.stableID("user", "admin").uuidString
            try await send(app, .PATCH, "/api/v1/accounts/\(own)", token: admin, ["role": "viewer"]) { res in
                #expect(res.status == .conflict)
                let p = try problem(res)
                #expect(p.detail == "Không thể tự khóa hoặc tự bỏ vai trò quản trị của chính mình.")
            }
            for (method, path) in [(HTTPMethod.GET, "/api/v1/accounts"), (.GET, "/api/v1/accounts/\(id)"), (.PATCH, "/api/v1/accounts/\(id)"),
                                   (.POST, "/api/v1/accounts/\(id)/reset-password")] {
                try await send(app, method, path, token: secretariat, method == .PATCH ? ["active": true] : nil) {
                    #expect($0.status == .forbidden, "\(method) \(path)")
                }
            }
        }
    }
}
