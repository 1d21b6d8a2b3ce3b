import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// Units of the demo by their stable ids.
enum DemoUnits {
    static func commune(_ code: String) -> UUID { DemoLoader.stableID("unit", code) }
    static func village(_ code: String, _ name: String) -> UUID { DemoLoader.stableID("village", code, name) }
    /// A ward of 2025 by its name: its id comes from its national code, as the catalogue's does.
    static func ward2025(_ name: String) -> UUID {
        DemoLoader.stableID("unit", "2025", ["Uông Bí": "06811", "Vàng Danh": "06820", "Yên Tử": "06832"][name] ?? name)
    }
}

/// Creates an account straight in the database, with the tests' password.
func makeAccount(_ app: Application, _ username: String, role: Role, unit: UUID?) async throws {
    try await User(username: username, displayName: username, passwordHash: try Bcrypt.hash("demo-password-for-tests"),
                   role: role, unitID: unit).create(on: app.db)
}

@Suite("Integrity: totals under concurrent writers, scope after the merger, hostile input")
struct IntegrityTests {
    @Test("Eight concurrent writers to one commune and month leave one total per key, equal to a fresh count")
    func concurrentTotals() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let author = DemoLoader.stableID("user", "thuongtruc")
            let commune = DemoUnits.commune("06808")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for round in 0..<30 {
                            // Every writer's first record has the same key: the race the unique key must survive.
                            let r = Record()
                            r.kind = RecordKind.informationSource.rawValue
                            r.communeID = commune
                            r.occurredOn = round % 2 == 0 ? "2025-03-0\(1 + writer % 3)" : "2025-04-10"
                            r.category = "social_order"
                            r.origin = writer % 2 == 0 ? "people" : "police"
                            r.status = "received"
                            r.createdBy = author
                            try await r.create(on: app.db)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (differing, records) = try await RecordTotals.differences(on: app.db)
            #expect(records == 240)
            #expect(differing == 0)
            struct N: Decodable { var n: Int }
            let sql = try #require(app.db as? any SQLDatabase)
            let duplicates = try await sql.raw("""
                SELECT COUNT(*) AS n FROM (SELECT commune_id, month, kind, category, origin, subkind, flag, flag_on
                FROM record_totals GROUP BY commune_id, month, kind, category, origin, subkind, flag, flag_on HAVING COUNT(*) > 1) d
                """).first(decoding: N.self)
            #expect(duplicates?.n == 0)
            // 2 origins × (March and April) = 4 keys; 120 people, 120 police.
            let rows = try await sql.raw("SELECT CAST(SUM(n) AS BIGINT) AS n FROM record_totals WHERE origin = 'people'").first(decoding: N.self)
            #expect(rows?.n == 120)
        }
    }

    @Test("The query that reads records in force names the index's condition word for word")
    func inForceCondition() {
        #expect(RecordSQL.inForceCondition == CreateRecordsInForceIndex.condition)
        #expect(RecordKind.allCases.filter(\.hasDuration).map(\.rawValue) == ["model", "reform_case"])
    }

    @Test("An account of a commune that ended on 30/06/2025 writes and reads only there, only until then")
    func endedCommune() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "ca.vangdanh")
            let namKhe2 = DemoUnits.village("06823", "Nam Khê 2").uuidString
            let ownVillage = DemoUnits.village("06808", "Vàng Danh 3").uuidString
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            // A tip in another old ward's village, after the merger: refused.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "village": namKhe2, "date": "2025-08-10",
                            "category": "social_order", "origin": "people"]) { #expect($0.status == .forbidden) }
            // In its own former village after the merger: refused too; the ward of 2025 is not its unit.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "village": ownVillage, "date": "2025-08-05",
                            "category": "social_order", "origin": "people"]) { #expect($0.status == .forbidden) }
            try await send(app, .PUT, "/api/v1/figures", token: token,
                           ["unit": ward, "kind": "traffic_accidents", "month": "2025-08", "value": 3]) { #expect($0.status == .forbidden) }
            try await send(app, .PUT, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/assessments", token: token,
                           ["unit": ward, "criterion": try firstCriterion(app), "selfScore": 1]) { #expect($0.status == .forbidden) }
            // Before the merger, in its own village: created, read, corrected and deleted.
            var id = ""
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "village": ownVillage, "date": "2025-06-05",
                            "category": "social_order", "origin": "people"]) { res in
                #expect(res.status == .created)
                id = try res.content.decode(RecordJSON.self).id
            }
            try await send(app, .GET, "/api/v1/records/\(id)", token: token) { #expect($0.status == .ok) }
            try await send(app, .PUT, "/api/v1/records/\(id)", token: token,
                           ["village": ownVillage, "date": "2025-06-06", "category": "drugs", "origin": "people"]) { #expect($0.status == .ok) }
            try await send(app, .GET, "/api/v1/records?limit=1000", token: token) { res in
                let page = try res.content.decode(RecordsAPI.RecordPage.self)
                #expect(page.items.map(\.id) == [id])
            }
            try await send(app, .DELETE, "/api/v1/records/\(id)", token: token) { #expect($0.status == .noContent) }
        }
    }

    @Test("An account of a 2025 ward answers for what it was formed from, before; a part only for the villages that came")
    func wardOf2025() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await makeAccount(app, "ca.vangdanh2025", role: .communeOfficer, unit: DemoUnits.ward2025("Vàng Danh"))
            let token = try await issueToken(app, "ca.vangdanh2025")
            func tip(_ village: UUID, _ date: String, _ status: HTTPStatus) async throws {
                try await send(app, .POST, "/api/v1/records", token: token,
                               ["kind": "information_source", "village": village.uuidString, "date": date,
                                "category": "social_order", "origin": "people"]) { #expect($0.status == status) }
            }
            // Trưng Vương went in part: its villages but Điền Công 1–3 came to Vàng Danh.
            try await tip(DemoUnits.village("06820", "Trưng Vương 2"), "2025-05-01", .created)
            try await tip(DemoUnits.village("06820", "Điền Công 1"), "2025-05-01", .forbidden)
            // Nam Khê went whole; Quang Trung went to phường Uông Bí.
            try await tip(DemoUnits.village("06823", "Nam Khê 2"), "2025-05-01", .created)
            try await tip(DemoUnits.village("06817", "Quang Trung 1"), "2025-05-01", .forbidden)
            try await tip(DemoUnits.village("06823", "Nam Khê 2"), "2025-08-01", .created)
            // A secretariat of an old ward sets nothing for the 2025 ward its villages went into.
            try await makeAccount(app, "tt.quangtrung", role: .secretariat, unit: DemoUnits.commune("06817"))
            let secretariat = try await issueToken(app, "tt.quangtrung")
            try await send(app, .PUT, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/adjustments", token: secretariat,
                           ["unit": DemoUnits.ward2025("Uông Bí").uuidString, "adjustment": try firstAdjustment(app),
                            "points": 1, "reason": "thử"]) { #expect($0.status == .forbidden) }
        }
    }

    @Test("Members' names show only to accounts that answer for their village on the day shown")
    func membersInScope() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let member = try #require(try await Member.query(on: app.db).join(Team.self, on: \Member.$team.$id == \Team.$id)
                .filter(Team.self, \.$village.$id == DemoUnits.village("06823", "Nam Khê 2")).first())
            let old = Browser()
            try await old.signIn(app, "ca.vangdanh", "demo-password-for-tests")
            try await old.get(app, "/units/\(ward)?date=2025-08-01") { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains(member.fullName))
            }
            try await makeAccount(app, "ca.vangdanh2025", role: .communeOfficer, unit: DemoUnits.ward2025("Vàng Danh"))
            let new = Browser()
            try await new.signIn(app, "ca.vangdanh2025", "demo-password-for-tests")
            try await new.get(app, "/units/\(ward)?date=2025-08-01") { res in
                #expect(res.body.string.contains(member.fullName))
                #expect(!res.body.string.contains("Thông tin cá nhân của thành viên chỉ hiển thị"))
            }
            // Old Trưng Vương before the merger: the ward of 2025 answers for the villages that came to it, not for
            // khu Điền Công 1–3 (phường Uông Bí's): their teams show a count, the others their members.
            func someMember(_ village: UUID) async throws -> Member {
                try #require(try await Member.query(on: app.db).join(Team.self, on: \Member.$team.$id == \Team.$id)
                    .filter(Team.self, \.$village.$id == village).first())
            }
            let came = try await someMember(DemoUnits.village("06820", "Trưng Vương 2"))
            let went = try await someMember(DemoUnits.village("06820", "Điền Công 1"))
            try await new.get(app, "/units/\(DemoUnits.commune("06820").uuidString)?date=2025-06-30") { res in
                let page = res.body.string
                #expect(page.contains(came.fullName))
                #expect(!page.contains(went.fullName))
                #expect(page.contains("Thông tin cá nhân của thành viên chỉ hiển thị"))
            }
        }
    }

    @Test("A team leader cannot attach a visit to another village's reform case")
    func reformCaseOfAnotherVillage() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let v1 = DemoUnits.village("06808", "Vàng Danh 1"), v2 = DemoUnits.village("06808", "Vàng Danh 2")
            var caseID = ""
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "reform_case", "village": v2.uuidString, "date": "2025-03-01", "code": "GD-01"]) { res in
                #expect(res.status == .created)
                caseID = try res.content.decode(RecordJSON.self).id
            }
            try await makeAccount(app, "tt.vd1", role: .teamLeader, unit: v1)
            try await makeAccount(app, "tt.vd2", role: .teamLeader, unit: v2)
            let other = try await issueToken(app, "tt.vd1"), own = try await issueToken(app, "tt.vd2")
            try await send(app, .POST, "/api/v1/records", token: other,
                           ["kind": "reform_visit", "village": v1.uuidString, "date": "2025-03-05", "reformCase": caseID]) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.errors?["reformCase"] != nil)
            }
            try await send(app, .POST, "/api/v1/records", token: own,
                           ["kind": "reform_visit", "village": v2.uuidString, "date": "2025-03-05", "reformCase": caseID]) {
                #expect($0.status == .created)
            }
        }
    }

    @Test("Concurrent wrong passwords: at most five are checked, the rest refused, and then the right one too")
    func signInRace() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let outcomes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        do {
                            return try await Accounts.verify(username: "thuongtruc", password: "wrong-password-1", on: app.db) == nil ? 401 : 200
                        } catch let e as AppError where e.status == .tooManyRequests {
                            return 429
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(outcomes.count == 30)
            #expect(outcomes.filter { $0 == 401 }.count <= Accounts.maxFailures)
            #expect(!outcomes.contains(200))
            await #expect(throws: AppError.self) {
                _ = try await Accounts.verify(username: "thuongtruc", password: "demo-password-for-tests", on: app.db)
            }
        }
    }

    @Test("A next address must stay on this site", arguments: [
        ("/units?date=2025-07-01", "/units?date=2025-07-01"), ("/", "/"), ("//evil.example", "/"), ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"), ("/\n/evil.example", "/"), ("https://evil.example", "/"), ("/a b", "/"), ("", "/"),
    ])
    func safeNext(pair: (String, String)) {
        #expect(AuthController.safeNext(pair.0) == pair.1)
    }

    @Test("Signing in with next=/%09/evil.example goes home")
    func openRedirect() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let b = Browser()
            try await b.get(app, "/sign-in?next=/%09/evil.example")
            try await b.post(app, "/sign-in", ["username": "thuongtruc", "password": "demo-password-for-tests", "next": "/\t/evil.example"]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/")
            }
        }
    }

    @Test("Every answer has the security headers, errors included; account data is not cached")
    func headersEverywhere() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            func check(_ res: TestingHTTPResponse) {
                #expect(res.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(res.headers.first(name: "X-Frame-Options") == "DENY")
            }
            try await app.testing().test(.GET, "/no-such-page", headers: ["Accept": "text/html"]) { check($0); #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/api/v1/nothing-here") { check($0); #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/api/v1/units?date=2025-99-01") { check($0); #expect($0.status == .badRequest) }
            try await send(app, .POST, "/api/v1/records", token: token, ["kind": "patrol"]) { res in
                check(res)
                #expect(res.status == .unprocessableEntity)
                #expect(res.headers.first(name: .cacheControl) == "no-store")
            }
            try await send(app, .GET, "/api/v1/me", token: token) { res in
                check(res)
                #expect(res.headers.first(name: .cacheControl) == "no-store")
            }
        }
    }

    @Test("A method a path does not take: 405 with the methods it does take; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await withApp { app in
            try await app.testing().test(.TRACE, "/api/v1/records") { res in
                #expect(res.status == .methodNotAllowed)
                #expect(res.headers.first(name: .allow) == "GET, POST")
                #expect(res.headers.first(name: "X-Frame-Options") == "DENY")
            }
            try await app.testing().test(.PATCH, "/api/v1/records/\(UUID())") { res in
                #expect(res.status == .methodNotAllowed)
                #expect(res.headers.first(name: .allow) == "DELETE, GET, PUT")
            }
            try await app.testing().test(.TRACE, "/api/v1/nothing") { res in
                #expect(res.status == .notFound)
            }
        }
    }

    @Test("HSTS when cookies are secure, on errors too; never over plain HTTP settings")
    func strictTransport() async throws {
        try await withApp(secureCookies: true) { app in
            try await app.testing().test(.GET, "/api/v1/nothing-here") { res in
                #expect(res.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
            }
        }
        try await withApp { app in
            try await app.testing().test(.GET, "/healthz") { res in
                #expect(res.headers.first(name: "Strict-Transport-Security") == nil)
            }
        }
    }

    @Test("Sessions end on the server after 30 idle minutes and 12 hours after signing in")
    func sessionExpiry() async throws {
        try await withApp { app in
            try await loadDemo(app)
            for (field, age) in [("_seen", 31 * 60), ("_created", 12 * 3600 + 60)] {
                let b = Browser()
                try await b.signIn(app, "thuongtruc", "demo-password-for-tests")
                try await b.get(app, "/units") { #expect($0.status == .ok) }
                let session = try #require(try await StoredSession.query(on: app.db).all().first { $0.data[field] != nil && $0.key == b.cookies["thidua_session"] })
                session.data[field] = String(Int(Date().timeIntervalSince1970) - age)
                try await session.update(on: app.db)
                try await b.get(app, "/units") { res in
                    #expect(res.status == .seeOther)
                    #expect(res.headers.first(name: .location)?.hasPrefix("/sign-in") == true)
                }
            }
        }
    }

    @Test("NUL characters, array and badly encoded parameters are refused with a message, and change nothing")
    func hostileInput() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2025-03-01", "category": "drugs",
                            "origin": "people", "summary": "a\u{0}b"]) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.detail.contains("NUL"))
            }
            try await app.testing().test(.POST, "/api/v1/auth/token", headers: ["Content-Type": "application/json"],
                                         body: ByteBuffer(string: #"{"username":"thuong\u0000truc","password":"x"}"#)) { res in
                #expect(res.status == .unprocessableEntity)
            }
            // An escaped backslash before "u0000" is text, not a NUL.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2025-03-01", "category": "drugs",
                            "origin": "people", "summary": "a\\u0000b"]) { #expect($0.status == .created) }
            for query in ["kind[]=patrol", "kind=patrol&kind=model", "unit=%ED%A0%80", "unit=%00"] {
                try await send(app, .GET, "/api/v1/records?\(query)", token: token) { res in
                    #expect(res.status == .badRequest, "\(query)")
                }
            }
            try await app.testing().test(.GET, "/api/v1/records?kind[]=patrol", headers: ["Authorization": "Bearer \(token)", "Accept-Language": "en"]) { res in
                let p = try problem(res)
                #expect(p.detail == "Give the parameter “kind” once, as kind=value (not as an array kind[]).")
            }
            // A letter with 300,000 combining accents is one character but far too long.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2025-03-01", "category": "drugs",
                            "origin": "people", "summary": "a" + String(repeating: "\u{301}", count: 300_000)]) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.errors == ["summary": "quá dài"])
            }
            for evaluated in ["9999-12-31", ""] {
                try await send(app, .POST, "/api/v1/records", token: token,
                               ["kind": "model", "unit": "06808", "date": "2025-03-01", "name": "Camera",
                                "effective": true, "evaluatedOn": evaluated]) { res in
                    #expect(res.status == .unprocessableEntity)
                    let p = try problem(res)
                    #expect(p.errors == ["evaluatedOn": evaluated.isEmpty ? "bắt buộc, chưa nhập" : "không được ở tương lai"])
                }
            }
            let records = try await Record.query(on: app.db).count()
            #expect(records == 1)
        }
    }

    @Test("Control characters (BEL, ESC, NEL…) are refused in every field of JSON, forms and multipart, naming the field; tab and line ends are text")
    func controlCharacters() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            func record(_ summary: String) -> [String: Any] {
                ["kind": "information_source", "unit": "06808", "date": "2025-03-01", "category": "drugs", "origin": "people", "summary": summary]
            }
            // JSON: escaped, raw UTF-8 (U+0085), and the short escapes \b and \f.
            for (summary, code) in [("chuông\u{7}", "U+0007 (BEL)"), ("\u{1B}[31mđỏ", "U+001B (ESC)"), ("dòng\u{85}mới", "U+0085 (NEL)"),
                                    ("a\u{8}b", "U+0008 (BS)"), ("trang\u{C}mới", "U+000C (FF)")] {
                try await send(app, .POST, "/api/v1/records", token: token, record(summary)) { res in
                    #expect(res.status == .unprocessableEntity, "\(code)")
                    let p = try problem(res)
                    #expect(p.detail == "Trường “summary” có ký tự điều khiển \(code): đó không phải chữ ai gõ được và không lưu được. Hãy xóa ký tự đó rồi gửi lại.")
                }
            }
            // Deep in a body, its path; a raw control byte (not JSON at all) is said without one.
            try await app.testing().test(.POST, "/api/v1/records", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json",
                                                                            "Accept-Language": "en"],
                                         body: ByteBuffer(string: #"{"kind":"model","extra":[{"a":"x"},{"note":"\u0007"}]}"#)) { res in
                #expect(res.status == .unprocessableEntity)
                let detail = try problem(res).detail
                #expect(detail.hasPrefix("The field “extra[1].note” has the control character U+0007 (BEL)"))
            }
            try await app.testing().test(.POST, "/api/v1/records", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                         body: ByteBuffer(string: "{\"summary\":\"a\u{1B}b\"}")) { res in
                #expect(res.status == .unprocessableEntity)
                let detail = try problem(res).detail
                #expect(detail.hasPrefix("Dữ liệu gửi lên có ký tự điều khiển U+001B (ESC)"))
            }
            // Tab and line ends, and a backslash before "u0007" (text, not an escape), are taken as typed.
            try await send(app, .POST, "/api/v1/records", token: token, record("ngõ 5\tkhu 3\r\ndòng 2 \\u0007")) { #expect($0.status == .created) }

            // A web form, urlencoded: the record form's summary with ESC.
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await browser.post(app, "/records/new?kind=information_source",
                                   ["unit": DemoUnits.commune("06808").uuidString, "date": "2025-03-02", "category": "drugs", "origin": "people",
                                    "status": "received", "summary": "a\u{1B}b"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Trường “summary” có ký tự điều khiển U+001B (ESC)"))
            }
            // A citizen's tip, multipart: BEL in its text.
            let citizen = Browser()
            let ward = DemoUnits.ward2025("Vàng Danh")
            try await citizen.get(app, "/tip?commune=\(ward.uuidString)") { #expect($0.status == .ok) }
            var (headers, body) = multipart([("_csrf", citizen.cookies["thidua_csrf"] ?? ""), ("commune", ward.uuidString), ("category", "drugs"),
                                             ("description", "Có người bán ma túy\u{7} ở ngõ 5"), ("occurredOn", TipFixture.today().iso)])
            headers.add(contentsOf: citizen.cookieHeader)
            try await app.testing().test(.POST, "/tip", headers: headers, body: body) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Trường “description” có ký tự điều khiển U+0007 (BEL)"))
            }
            // An address with one: 400.
            try await send(app, .GET, "/api/v1/records?unit=%1B", token: token) { #expect($0.status == .badRequest) }
            let records = try await Record.query(on: app.db).count(), tips = try await Tip.query(on: app.db).count()
            #expect(records == 1 && tips == 0)
        }
    }

    @Test("A change built on a copy of a record read before someone else saved it is refused, and theirs kept")
    func staleCopy() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2025-03-01", "category": "drugs", "origin": "people",
                            "summary": "Bản đầu"]) { #expect($0.status == .created) }
            let graph = try await UnitService.graph(on: app.db)
            let secretariat = try #require(try await User.query(on: app.db).filter(\.$username == "thuongtruc").first())
            // Two requests read the same record; the first saves a new summary, in the same commune and day.
            let first = try #require(try await Record.query(on: app.db).first())
            let second = try #require(try await Record.find(first.id, on: app.db))
            func input(_ summary: String) -> RecordInput {
                var fields = RecordFields()
                (fields.category, fields.origin, fields.summary) = ("drugs", "people", summary)
                return RecordInput(kind: nil, unit: "06808", village: nil, date: "2025-03-01", fields: fields)
            }
            _ = try await RecordService.save(input("Bản của người thứ nhất"), into: first, user: secretariat, graph: graph, on: app.db, creating: false)
            func refusal(_ body: () async throws -> Void) async -> String? {
                do { try await body() } catch let e as AppError { return e.key } catch { return "\(error)" }
                return nil
            }
            // The second, built on what it read before, neither overwrites nor deletes it.
            let saved = await refusal {
                _ = try await RecordService.save(input("Bản của người thứ hai"), into: second, user: secretariat, graph: graph, on: app.db, creating: false)
            }
            #expect(saved == "records.changedMeanwhile")
            let deleted = await refusal { try await RecordService.delete(second, user: secretariat, graph: graph, on: app.db) }
            #expect(deleted == "records.changedMeanwhile")
            let stored = try #require(try await Record.find(first.id, on: app.db))
            #expect(stored.title == "Bản của người thứ nhất")
            let actions = try await AuditEntry.query(on: app.db).filter(\.$entity == "record").all().map(\.action).sorted()
            #expect(actions == ["record.create", "record.update"])
        }
    }

    @Test("Through the API, a record's ETag sent back in If-Match: a change on an older version gets 412 and writes nothing")
    func ifMatch() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            let body: [String: Any] = ["kind": "information_source", "unit": "06808", "date": "2025-03-01", "category": "drugs", "origin": "people"]
            try await send(app, .POST, "/api/v1/records", token: token, body.merging(["summary": "Bản đầu"]) { $1 }) { #expect($0.status == .created) }
            let id = try #require(try await Record.query(on: app.db).first()?.id?.uuidString)
            func etag() async throws -> String {
                var tag = ""
                try await send(app, .GET, "/api/v1/records/\(id)", token: token) { tag = $0.headers.first(name: .eTag) ?? "" }
                return tag
            }
            func change(_ method: HTTPMethod, _ tag: String, _ summary: String? = nil) async throws -> HTTPStatus {
                var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "If-Match": tag]
                var status = HTTPStatus.ok
                if summary != nil { headers.contentType = .json }
                try await app.testing().test(method, "/api/v1/records/\(id)", headers: headers,
                                             body: try summary.map { try jsonBody(body.merging(["summary": $0]) { $1 }) }) { res in
                    status = res.status
                    if res.status == .preconditionFailed {
                        let detail = try problem(res).detail
                        #expect(detail.hasPrefix("Bản ghi vừa được người khác sửa"))
                    }
                }
                return status
            }
            let first = try await etag()
            #expect(first.count == 18 && first.hasPrefix("\"") && first.hasSuffix("\""))
            let corrected = try await change(.PUT, first, "Bản hai")
            #expect(corrected == .ok)
            let second = try await etag()
            #expect(second != first)
            // The older version: neither a correction nor a deletion is taken.
            let stale = try await change(.PUT, first, "Bản ba"), staleDelete = try await change(.DELETE, "W/\(first)")
            #expect(stale == .preconditionFailed && staleDelete == .preconditionFailed)
            let kept = try await Record.query(on: app.db).first()?.title
            #expect(kept == "Bản hai")
            // The current one, and `*` (whatever it is now), are.
            let current = try await change(.PUT, second, "Bản ba"), any = try await change(.PUT, "*", "Bản bốn")
            #expect(current == .ok && any == .ok)
            let deleted = try await change(.DELETE, try await etag())
            #expect(deleted == .noContent)
            #expect(try await Record.query(on: app.db).count() == 0)
        }
    }

    @Test("Approving a month while its figures and records are written: each write is before the approval or refused, as some serial order would have it")
    func approveAgainstWrites() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let commune = DemoUnits.commune("06808")
            try await makeAccount(app, "ca.race", role: .communeOfficer, unit: commune)
            let graph = try await UnitService.graph(on: app.db)
            let unit = try #require(graph.units[commune])
            let officer = try #require(try await User.query(on: app.db).filter(\.$username == "ca.race").first())
            let secretariat = try #require(try await User.query(on: app.db).filter(\.$username == "thuongtruc").first())
            let token = try await issueToken(app, "ca.race")
            let months = ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"].compactMap(Month.init(text:))
            #expect(months.count == 8)
            for month in months {
                _ = try await MonthReviewService.act(.submit, commune: unit, month: month, reason: nil, user: officer, graph: graph, on: app.db)
            }
            // Each month: the approval, a figure and a record, all at once.
            var outcomes: [String: (figure: Bool, record: Bool)] = [:]
            for month in months {
                async let approved = MonthReviewService.act(.approve, commune: unit, month: month, reason: nil, user: secretariat, graph: graph, on: app.db)
                async let figure: Bool = {
                    do {
                        _ = try await FigureService.set([.trafficAccidents: 2], basis: [:], commune: unit, month: month, user: officer, graph: graph,
                                                        confirmed: true, on: app.db)
                        return true
                    } catch let e as AppError where e.status == .conflict && e.key == "month.locked" { return false }
                }()
                async let record: Bool = {
                    var ok = false
                    try await send(app, .POST, "/api/v1/records", token: token,
                                   ["kind": "information_source", "unit": "06808", "date": "\(month.text)-15", "category": "drugs", "origin": "people"]) { res in
                        #expect(res.status == .created || res.status == .conflict)
                        ok = res.status == .created
                    }
                    return ok
                }()
                #expect(try await approved.state == .approved)
                outcomes[month.text] = (try await figure, try await record)
            }
            // What was written came before its month's approval in the audit log, and nothing came after it.
            let entries = try await AuditEntry.query(on: app.db).all()
            let figures = try await Figure.query(on: app.db).filter(\.$communeID == commune).all()
            let records = try await Record.query(on: app.db).filter(\.$communeID == commune).all()
            for month in months {
                let approval = try #require(entries.first { $0.action == "month.approve" && $0.entityID == "\(commune.uuidString)/\(month.text)" }).seq
                let written = figures.filter { $0.month == month.text }.compactMap { f in entries.first { $0.entityID == f.id?.uuidString }?.seq }
                    + records.filter { $0.occurredOn.hasPrefix(month.text) }.compactMap { r in entries.first { $0.entityID == r.id?.uuidString }?.seq }
                let outcome = try #require(outcomes[month.text])
                #expect(written.count == (outcome.figure ? 1 : 0) + (outcome.record ? 1 : 0), "\(month.text)")
                #expect(written.allSatisfy { $0 < approval }, "\(month.text): a write after the approval")
            }
            #expect(try await AuditLog.verify(on: app.db) == .intact(entries: entries.count))
        }
    }

    @Test("Closing a phase while its scores are written: each score is in the frozen results or refused")
    func closeAgainstScores() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let (movement, plan) = try #require(try await PlanService.movement("uong-bi-2024-2025", on: app.db))
            let phase = try #require(plan.phases.first)
            let graph = try await UnitService.graph(on: app.db)
            let secretariat = try #require(try await User.query(on: app.db).filter(\.$username == "thuongtruc").first())
            let criterion = try #require(plan.criteria.first)
            let communes = ["06808", "06811"].map(DemoUnits.commune)
            let today = VietnamTime.localDate(of: Date())
            async let closed = PhaseClosing.close(movement: movement, plan: plan, phase: phase, user: secretariat, graph: graph, today: today, on: app.db)
            // Each writer scores again and again until the phase is closed under it; it says the score last kept.
            let kept = try await withThrowingTaskGroup(of: (UUID, Double?)?.self) { group in
                for commune in communes {
                    group.addTask {
                        guard let unit = graph.units[commune] else { return nil }
                        let scope = ReviewService.Scope(movement: movement, plan: plan, phase: phase, unit: unit)
                        let end = ContinuousClock.now + .seconds(120)
                        var round = 0
                        var last: Double?
                        while ContinuousClock.now < end {
                            round += 1
                            // Quickly at first, so that a score lands while the close reads (5 of 6 runs did before it read
                            // with the phase held); then at a person's pace, so that a close slowed by a busy machine is not
                            // also kept from the write lock, and the writers do not load the rest of the suite.
                            if round > 1 { try await Task.sleep(for: .milliseconds(round <= 200 ? 5 : 100)) }
                            do {
                                try await ReviewService.review(scope, criterion: criterion, score: String(round % 2), note: "Đã kiểm tra hồ sơ lần \(round)",
                                                               user: secretariat, graph: graph, on: app.db)
                                last = Double(round % 2)
                            } catch let e as AppError where e.status == .conflict && e.key == "phase.isClosed" { return (commune, last) }
                        }
                        return nil
                    }
                }
                return try await group.reduce(into: [UUID: Double?]()) { if let (unit, score) = $1 { $0[unit] = score } }
            }
            _ = try await closed
            #expect(kept.count == communes.count)
            // What each writer last had accepted is what the frozen results hold: none landed between the read and the close.
            let frozen = try #require(try await PhaseClosing.frozen(movementID: try movement.requireID(), phase: phase, asOf: phase.end,
                                                                    structureDate: nil, on: app.db, cache: nil))
            for commune in communes {
                // A writer refused at its first round wrote nothing; the demo's own score then stands.
                guard let score = kept[commune] ?? nil else { continue }
                let facts = try #require(frozen.all.first { $0.unit.id == commune })
                #expect(facts.assessments[criterion.id]?.reviewedScore == score, "\(commune)")
            }
            // A score kept after the close would be in neither the frozen results nor refused.
            let entries = try await AuditEntry.query(on: app.db).all()
            let close = try #require(entries.first { $0.action == "phase.close" }).seq
            let scores = entries.filter { $0.action == "assessment.review" }
            #expect(!scores.isEmpty && scores.allSatisfy { $0.seq < close })
        }
    }

    @Test("A figure corrected without its basis keeps the stored basis")
    func figureBasisKept() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .PUT, "/api/v1/figures", token: token,
                           ["unit": "06808", "kind": "under14_population", "month": "2025-03", "value": 900, "basis": "population"]) {
                #expect($0.status == .created)
            }
            try await send(app, .PUT, "/api/v1/figures", token: token,
                           ["unit": "06808", "kind": "under14_population", "month": "2025-03", "value": 910]) { res in
                #expect(res.status == .ok)
                let f = try res.content.decode(FiguresAPI.FigureJSON.self)
                #expect(f.value == 910)
                #expect(f.basis == "population")
            }
        }
    }

    @Test("API errors follow Accept-Language when no language was chosen; pages stay Vietnamese until switched")
    func acceptLanguage() async throws {
        try await withApp { app in
            try await app.testing().test(.GET, "/sign-in", headers: ["Accept-Language": "en-US,en;q=0.9"]) { res in
                #expect(res.body.string.contains(#"<html lang="vi">"#))
            }
            try await app.testing().test(.GET, "/api/v1/units?date=2025-99-01", headers: ["Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"]) { res in
                let p = try problem(res)
                #expect(p.detail.hasPrefix("“2025-99-01” is not a valid date"))
            }
            try await app.testing().test(.GET, "/api/v1/units?date=2025-99-01", headers: ["Accept-Language": "fr, vi;q=0.4, en;q=0.3"]) { res in
                let p = try problem(res)
                #expect(p.detail.hasPrefix("“2025-99-01” không phải một ngày hợp lệ"))
            }
        }
        #expect(Request.accepted("en;q=0.2, vi;q=0.8") == .vi)
        #expect(Request.accepted("de") == nil)
        #expect(Request.accepted("vi;q=0, en") == .en)
    }

    @Test("The language switch keeps the page's query; the 404 page keeps a signed-in user's navigation")
    func languageAndNotFound() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let b = Browser()
            try await b.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await b.get(app, "/units?date=2025-06-30") { res in
                #expect(res.body.string.contains(#"name="back" value="/units?date=2025-06-30""#))
            }
            try await b.get(app, "/no-such-page") { res in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains(#"action="/sign-out""#))
            }
        }
    }

    @Test("Loading the demo again keeps every account's password")
    func demoKeepsPasswords() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let again = try await DemoLoader.load(resources: resourcesDirectory, password: "another-password-2025", sampleRecords: false, on: app.db)
            #expect(again.password == nil)
            #expect(try await Accounts.verify(username: "admin", password: "demo-password-for-tests", on: app.db) != nil)
        }
    }

    @Test("Results beyond the limit queue briefly in order; past the queue or the wait, 503 with Retry-After")
    func busy() async throws {
        let gate = ComputeGate(limit: 1, queueLimit: 1, wait: .seconds(5))
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let (held, holder) = AsyncStream.makeStream(of: Void.self)
        async let first: Int = gate.run {
            holder.yield()
            for await _ in release { break }
            return 1
        }
        for await _ in held { break }
        // One place to wait: the second queues, the third is refused at once.
        async let second: Int = gate.run { 2 }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await #expect(throws: AppError.self) { try await gate.run { 3 } }
        #expect(ContinuousClock.now - started < .seconds(1))
        releaser.yield()
        #expect(try await first == 1)
        #expect(try await second == 2)
        // A waiter whose time runs out is refused.
        let short = ComputeGate(limit: 1, wait: .milliseconds(50))
        let (release2, releaser2) = AsyncStream.makeStream(of: Void.self)
        let (held2, holder2) = AsyncStream.makeStream(of: Void.self)
        async let long: Void = short.run {
            holder2.yield()
            for await _ in release2 { break }
        }
        for await _ in held2 { break }
        await #expect(throws: AppError.self) { try await short.run { () } }
        releaser2.yield()
        try await long
        try await short.run { () }
        #expect(AppError(.serviceUnavailable, "error.busy").headers.first(name: "Retry-After") == "2")
    }
}

func firstCriterion(_ app: Application) async throws -> String {
    let (_, plan) = try #require(try await PlanService.movement("uong-bi-2024-2025", on: app.db))
    return try #require(plan.criteria.first).id
}

func firstAdjustment(_ app: Application) async throws -> String {
    let (_, plan) = try #require(try await PlanService.movement("uong-bi-2024-2025", on: app.db))
    return try #require(plan.adjustments.first).id
}

@Suite("Migrations are history")
struct MigrationHistoryTests {
    @Test("A database of the first release with records, migrated to now, keeps its records and counts them")
    func fromFirstRelease() async throws {
        try await withApp(migrate: false) { app in
            let early = Migrations()
            for m in migrationList().prefix(firstReleaseMigrationCount) { early.add(m) }
            let migrator = Migrator(databases: app.databases, migrations: early, logger: app.logger, on: app.eventLoopGroup.next())
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
            // The demo's units and teams, and an account as the first release stored it (today's model has more).
            _ = try await DemoLoader.load(resources: resourcesDirectory, password: "demo-password-for-tests", sampleRecords: false,
                                      illustrative: false, accounts: false, on: app.db)
            let author = DemoLoader.stableID("user", "thuongtruc")
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.insert(into: "users")
                .columns("id", "username", "display_name", "password_hash", "role", "active", "unit_id", "created_at")
                .values(SQLBind(author), SQLBind("thuongtruc"), SQLBind("Thường trực"), SQLBind(try Bcrypt.hash("demo-password-for-tests")),
                        SQLBind("secretariat"), SQLBind(true), SQLLiteral.null, SQLBind(Date()))
                .run()
            // Phase 1 of the seed plan, old Vàng Danh: 3 tips from the people of 5; 1 model in force at the end.
            for (day, origin, kind) in [("2024-09-01", "people", "information_source"), ("2024-10-01", "people", "information_source"),
                                        ("2024-12-24", "people", "information_source"), ("2024-12-25", "police", "information_source"),
                                        ("2025-01-05", "camera", "information_source"), ("2024-09-10", nil, "model")] {
                let r = Record()
                r.kind = kind
                r.communeID = DemoUnits.commune("06808")
                r.villageID = DemoUnits.village("06808", "Vàng Danh 1")
                r.occurredOn = day
                if kind == "information_source" { r.category = "social_order"; r.origin = origin; r.status = "received" }
                if kind == "model" { r.title = "Camera an ninh"; r.flag = true; r.flagOn = "2024-10-01" }
                r.createdBy = author
                try await r.create(on: app.db)
            }
            try await app.autoMigrate()
            let (differing, records) = try await RecordTotals.differences(on: app.db)
            #expect(records == 6)
            #expect(differing == 0)
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?unit=06808", token: token) { res in
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                let tips = try #require(body.units.first?.targets.first)
                #expect(tips.numerator == 3)
                #expect(tips.denominator == 5)
                #expect(tips.value == 60)
            }
            // Writes after the upgrade keep the totals too.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-26", "category": "drugs", "origin": "people"]) {
                #expect($0.status == .created)
            }
            #expect(try await RecordTotals.differences(on: app.db).differing == 0)
        }
    }
}

@Suite("The published plan says how a target scores")
struct PublishedScoringTests {
    @Test("all_or_nothing is published: in the movement API, on the movement page and in the formula")
    func allOrNothingPublished() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await importSeedVariant(app, id: "all-or-nothing", replacing: "        goal: {at_least: 80}\n        points: 15",
                                        with: "        goal: {at_least: 80}\n        points: 15\n        scoring: all_or_nothing")
            try await app.testing().test(.GET, "/api/v1/movements/all-or-nothing") { res in
                let detail = try res.content.decode(APIModels.MovementDetail.self)
                #expect(detail.contents[0].targets[0].scoring == "all_or_nothing")
                #expect(detail.contents[1].targets[0].scoring == "proportional")
            }
            let b = Browser()
            try await b.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await b.get(app, "/movements/all-or-nothing") { res in
                #expect(res.body.string.components(separatedBy: "chỉ có điểm khi đạt mức").count == 2)
            }
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .GET, "/api/v1/movements/all-or-nothing/phases/dot-1/results", token: token) { res in
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                #expect(body.formula.contains("chỉ có điểm khi đạt mức"))
            }
        }
    }
}
