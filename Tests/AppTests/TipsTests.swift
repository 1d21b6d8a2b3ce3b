import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// A multipart body: fields, then files (name, bytes).
func multipart(_ fields: [(String, String)], files: [(String, [UInt8])] = []) -> (HTTPHeaders, ByteBuffer) {
    let boundary = "----thidua-test-\(UUID().uuidString)"
    var body = ByteBuffer()
    for (name, value) in fields {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }
    for (i, (name, bytes)) in files.enumerated() {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"f\(i).jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n")
    }
    body.writeString("--\(boundary)--\r\n")
    var headers = HTTPHeaders()
    headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
    return (headers, body)
}

enum TipFixture {
    static let ward = "06820"   // phường Vàng Danh (2025)
    static let otherWard = "06811"  // phường Uông Bí (2025)
    static var photo: [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/photo-gps.jpg")
        return (try? [UInt8](Data(contentsOf: url))) ?? []
    }
    static func today() -> LocalDate { VietnamTime.localDate(of: Date()) }

    /// Sends a tip over the API as JSON; its receipt code.
    static func send(_ app: Application, unit: String? = ward, category: String = "social_order", description: String = "Có người lạ tụ tập ban đêm ở ngõ 3",
                     contact: String? = nil, headers extra: HTTPHeaders = [:]) async throws -> String {
        var body: [String: String] = ["category": category, "description": description, "occurredOn": today().iso]
        if let unit { body["unit"] = unit }
        if let contact { body["contact"] = contact }
        var code = ""
        try await app.testing().test(.POST, "/api/v1/tips", beforeRequest: { req in
            req.headers.add(contentsOf: extra)
            try req.content.encode(body)
        }) { res in
            #expect(res.status == .created)
            code = (try? res.content.decode(TipsAPI.Receipt.self))?.receiptCode ?? ""
        }
        return code
    }

    static func status(_ app: Application, _ code: String, message: String? = nil) async throws -> (HTTPStatus, TipsAPI.CitizenStatus?, String) {
        var out: (HTTPStatus, TipsAPI.CitizenStatus?, String) = (.ok, nil, "")
        try await app.testing().test(.POST, "/api/v1/tips/status", beforeRequest: { req in
            var body = ["receiptCode": code]
            if let message { body["message"] = message }
            try req.content.encode(body)
        }) { res in
            out = (res.status, try? res.content.decode(TipsAPI.CitizenStatus.self), res.body.string)
        }
        return out
    }
}

@Suite("Citizens' tips: intake, anonymity, limits, files, codes, the inbox, transfers and the indicator")
struct TipsTests {
    @Test("A citizen sends a tip with a photo on the web; an officer asks; the citizen answers with the code")
    func webFlow() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh")
            let citizen = Browser()
            try await citizen.get(app, "/tip?commune=\(ward.uuidString)") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("enctype=\"multipart/form-data\""))
            }
            let (headers, body) = multipart([("_csrf", citizen.cookies["thidua_csrf"] ?? ""), ("commune", ward.uuidString), ("category", "drugs"),
                                             ("description", "Có người bán ma túy ở đầu ngõ 5, tối thứ bảy"), ("occurredOn", TipFixture.today().iso),
                                             ("time", "21:30"), ("contact", "0912 345 678"), ("website", "")],
                                            files: [("files[]", TipFixture.photo)])
            var code = ""
            var h = citizen.cookieHeader
            h.add(contentsOf: headers)
            try await app.testing().test(.POST, "/tip", headers: h, body: body) { res in
                #expect(res.status == .created)
                let html = res.body.string
                code = html.firstMatch(of: /<strong>([0-9]{5}(-[0-9]{5}){4})<\/strong>/).map { String($0.1) } ?? ""
                #expect(res.headers.first(name: .cacheControl) == "no-store")
            }
            #expect(code.count == 29)
            // Stored: the code only as its slow hash; the contact sealed; the photo without its Exif (camera, GPS).
            let tip = try #require(try await Tip.query(on: app.db).first())
            #expect(tip.codeHash == app.tips.secrets.codeHash(ReceiptCode.digits(of: code) ?? ""))
            #expect(tip.codeHash.count == 64 && !tip.codeHash.contains(ReceiptCode.digits(of: code) ?? "x"))
            #expect(tip.contactSealed.map { !$0.contains("0912") } == true)
            #expect(tip.contactSealed.flatMap { app.tips.secrets.open($0) } == "0912 345 678")
            #expect(tip.receivedOn == TipFixture.today().iso && tip.communeID == ward && tip.occurredTime == "21:30")
            let file = try #require(try await TipFile.query(on: app.db).first())
            let stored = try #require(app.tips.files.read(file.storedName))
            let photo = Data(TipFixture.photo)
            #expect(photo.range(of: Data("CANARY-MODEL-7".utf8)) != nil)
            #expect(Attachment.exifOrientation(ArraySlice(photo.dropFirst(20))) == 6)
            // Redrawn from its pixels: turned upright (taken sideways, 32 × 24, it is now 24 × 32), with no Exif at all.
            #expect(stored.range(of: Data("CANARY-MODEL-7".utf8)) == nil && stored.range(of: Data("CanaryCam".utf8)) == nil)
            #expect(!stored.indices.dropLast().contains { stored[$0] == 0xFF && stored[$0 + 1] == 0xE1 })
            #expect(ImagePDF.jpegSize([UInt8](photo)).map { [$0.width, $0.height] } == [32, 24])
            #expect(ImagePDF.jpegSize([UInt8](stored)).map { [$0.width, $0.height] } == [24, 32])
            #expect(file.kind == "jpeg" && file.size == stored.count)
            // Its file says the day, not the moment, it arrived; so does its folder.
            let path = (app.tips.files.directory as NSString).appendingPathComponent(file.storedName)
            let times = try FileManager.default.attributesOfItem(atPath: path)
            #expect(times[.modificationDate] as? Date == VietnamTime.startOfDay(TipFixture.today()))
            #expect(try FileManager.default.attributesOfItem(atPath: app.tips.files.directory)[.modificationDate] as? Date
                    == VietnamTime.startOfDay(TipFixture.today()))
            // Its record: an information source of the people, in the ward, dated the day, timed at its start.
            let record = try #require(try await Record.find(tip.recordID, on: app.db))
            #expect(record.kind == "information_source" && record.origin == "people" && record.category == "drugs" && record.communeID == ward)
            #expect(record.status == "received" && record.occurredOn == TipFixture.today().iso)
            #expect(record.createdAt == VietnamTime.startOfDay(TipFixture.today()))

            // The ward's officer: the count in the header, the inbox, the tip with its contact, a question.
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, "/tips") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("id=\"tips-waiting\">1<"))
                #expect(res.body.string.contains("Có người bán ma túy"))
            }
            try await officer.get(app, "/units/\(ward.uuidString)/movements/uong-bi-2024-2025") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Tin báo của người dân đang chờ xử lý: 1</a>"))
            }
            // A team leader of the ward's village works no tips.
            let leader = Browser()
            try await leader.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            try await leader.get(app, "/tips") { res in #expect(res.status == .forbidden) }
            let id = try tip.requireID().uuidString
            try await leader.get(app, "/tips/\(id)") { res in #expect(res.status == .forbidden) }
            // The contact stays sealed on the page: only the officer the tip is assigned to opens it, audited.
            try await officer.get(app, "/tips/\(id)") { res in
                #expect(!res.body.string.contains("0912 345 678"))
                #expect(res.body.string.contains("chỉ cán bộ được phân công xử lý tin này và Trưởng Công an xã xem được"))
                #expect(res.body.string.contains("/tips/\(id)/files/"))
            }
            try await officer.post(app, "/tips/\(id)/contact", [:]) { res in
                #expect(res.status == .forbidden)
                #expect(!res.body.string.contains("0912 345 678"))
            }
            let me = try #require(try await User.query(on: app.db).filter(\.$username == "ca.phuongvangdanh").first()).requireID()
            try await officer.post(app, "/tips/\(id)/assign", ["assignee": me.uuidString]) { res in #expect(res.status == .seeOther) }
            try await officer.get(app, "/tips/\(id)") { res in
                #expect(!res.body.string.contains("0912 345 678"))
                #expect(res.body.string.contains("action=\"/tips/\(id)/contact\""))
            }
            try await officer.post(app, "/tips/\(id)/contact", [:]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("0912 345 678"))
            }
            // Neither the admin of the deployment nor the secretariat (the tip is not in its queue) reads it.
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            try await admin.get(app, "/tips") { res in #expect(res.status == .forbidden) }
            try await admin.get(app, "/tips/\(id)") { res in #expect(res.status == .forbidden) }
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, "/tips/\(id)") { res in #expect(res.status == .notFound) }
            try await secretariat.get(app, "/tips") { res in #expect(!res.body.string.contains("Có người bán ma túy")) }
            // The team leader is not told that someone of the ward sent a tip: its record is not listed.
            try await leader.get(app, "/records") { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("Tin báo #"))
            }
            try await officer.get(app, "/records") { res in #expect(res.body.string.contains("Tin báo #")) }
            try await officer.post(app, "/tips/\(id)/message", ["message": "Bạn có nhớ biển số xe không?"]) { res in
                #expect(res.status == .seeOther)
            }
            try await officer.post(app, "/tips/\(id)/status", ["status": "verifying"]) { res in #expect(res.status == .seeOther) }
            try await officer.get(app, "/tips/\(id)/files/\(try file.requireID().uuidString)") { res in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.description.hasPrefix("image/jpeg") == true)
                #expect(res.headers.first(name: .contentDisposition)?.hasPrefix("attachment") == true)
            }

            // The citizen, with the code typed in groups with spaces: the question, and an answer.
            try await citizen.post(app, "/tip/status", ["receiptCode": code.replacingOccurrences(of: "-", with: " ")]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Bạn có nhớ biển số xe không?"))
                #expect(res.body.string.contains("id=\"tip-status\">Đang xác minh<"))
                #expect(!res.body.string.contains("ca.phuongvangdanh"))
            }
            try await citizen.post(app, "/tip/status", ["receiptCode": code, "message": "Biển số 14B1-123.45"]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Đã gửi thông tin của bạn."))
            }
            try await officer.get(app, "/tips/\(id)") { res in
                #expect(res.body.string.contains("Biển số 14B1-123.45"))
            }
            let messages = try await TipMessage.query(on: app.db).sort(\.$seq).all()
            #expect(messages.map(\.author) == ["officer", "citizen"])
            #expect(messages.map(\.sentOn) == [TipFixture.today().iso, TipFixture.today().iso])
            // History: who did what, the citizen's by day only, never the contact.
            let history = try await AuditEntry.query(on: app.db).filter(\.$entity == "tip").sort(\.$seq).all()
            #expect(history.map(\.action) == ["tip.receive", "tip.assign", "tip.contactReveal", "tip.message", "tip.status", "tip.citizenMessage"])
            #expect(history.allSatisfy { !($0.after ?? "").contains("0912") && !($0.before ?? "").contains("0912") })
            #expect(history.filter { $0.actor == "citizen" }.allSatisfy { $0.at == VietnamTime.startOfDay(TipFixture.today()) })
            // A tip's record is worked in the inbox only.
            let token = try await issueToken(app, "ca.phuongvangdanh")
            try await send(app, .DELETE, "/api/v1/records/\(try record.requireID().uuidString)", token: token) { res in
                #expect(res.status == .conflict)
            }
        }
    }

    @Test("Canary: a tip's address, browser string and contact are nowhere in the database or the log")
    func canary() async throws {
        // LOG_LEVEL=trace, set before configure() as the server sets it: configure() takes it as debug (below it
        // Vapor would log each request's head) and redacts every query's values, for the database's loggers too.
        let capture = LogCapture()
        var logger = Logger(label: "canary") { _ in capture.handler() }
        logger.logLevel = .trace
        try await withApp(logger: logger) { app in
            #expect(app.logger.logLevel == .debug)
            try await loadDemo(app)
            let code = try await TipFixture.send(app, contact: "canary-contact@example.org",
                                                 headers: ["User-Agent": "CanaryBrowser/9.9", "X-Forwarded-For": "203.0.113.77"])
            _ = try await TipFixture.status(app, code, message: "Thêm: xe máy màu đỏ")
            guard let sql = app.db as? any SQLDatabase else { throw TestFailure(description: "not SQL") }
            let tables: [String]
            if TestDatabase.isPostgres {
                tables = try await sql.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()").all()
                    .map { try $0.decode(column: "name", as: String.self) }
            } else {
                tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(tables.contains("tips") && tables.count > 15)
            var everything = ""
            for table in tables {
                let text = TestDatabase.isPostgres ? SQLQueryString("SELECT CAST(t.* AS text) AS row FROM \(ident: table) t")
                    : SQLQueryString("SELECT quote(t.rowid) AS row FROM \(ident: table) t LIMIT 0")
                if TestDatabase.isPostgres {
                    everything += try await sql.raw(text).all().map { (try? $0.decode(column: "row", as: String.self)) ?? "" }.joined(separator: "\n")
                } else {
                    let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }
                    let concat = columns.map { "COALESCE(CAST(\"\($0)\" AS TEXT), '')" }.joined(separator: " || '|' || ")
                    everything += try await sql.raw(SQLQueryString("SELECT \(unsafeRaw: concat) AS row FROM \(ident: table)")).all()
                        .map { (try? $0.decode(column: "row", as: String.self)) ?? "" }.joined(separator: "\n")
                }
                _ = text
            }
            #expect(everything.contains("Có người lạ tụ tập"))
            for canary in ["CanaryBrowser", "203.0.113.77", "canary-contact"] {
                #expect(!everything.contains(canary), "\(canary) is in the database")
                #expect(!capture.text.contains(canary), "\(canary) is in the log")
            }
            // What the citizen wrote is in the database, never in the log: no statement is logged with its values.
            #expect(everything.contains("xe máy màu đỏ"))
            #expect(!capture.text.contains("xe máy màu đỏ") && !capture.text.contains("tụ tập"),
                    "\(capture.text.split(separator: "\n").filter { $0.contains("xe máy") || $0.contains("tụ tập") }.prefix(3))")
        }
    }

    @Test("Limits: a client over its tips or checks gets 429 with when to retry; a new day starts afresh")
    func limits() async throws {
        try await withApp { app in
            try await loadDemo(app)
            var limits = TipLimits()
            limits.tipsPerClientPerHour = 2
            limits.checksPerClientPer10Minutes = 3
            let old = app.tips
            app.tips = TipContext(secrets: old.secrets, limiter: TipLimiter(limits: limits), files: old.files, rebuilder: old.rebuilder, writer: old.writer, mailer: old.mailer)
            // Over a real socket from 127.0.0.1, the proxy the settings trust: the client is the rightmost address
            // of X-Forwarded-For that is not a trusted proxy; whatever a client writes on its left does not count.
            // One server for the whole test, and a client that waits long enough on a machine busy with the suite.
            app.http.client.configuration.timeout = .init(connect: .seconds(10), read: .seconds(300))
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            func post(_ path: String, _ forwarded: String, json: [String: String]? = nil, form: String? = nil) async throws -> ClientResponse {
                var headers: HTTPHeaders = ["X-Forwarded-For": forwarded, "Accept-Language": "vi"]
                headers.contentType = json != nil ? .json : .urlEncodedForm
                return try await app.client.send(.POST, headers: headers, to: URI(string: "http://127.0.0.1:\(port)\(path)")) { req in
                    if let json { try req.content.encode(json) } else { req.body = ByteBuffer(string: form ?? "") }
                }
            }
            func tip(_ forwarded: String) async throws -> HTTPStatus {
                try await post("/api/v1/tips", forwarded, json: ["category": "drugs", "description": "Một tin báo cần xác minh", "unit": TipFixture.ward,
                                                                  "occurredOn": TipFixture.today().iso]).status
            }
            app.config.trustedProxies = try #require(TrustedProxies("127.0.0.1, ::1"))
            #expect(try await tip("203.0.113.9, 198.51.100.1") == .created)
            #expect(try await tip("203.0.113.10, 198.51.100.1") == .created)
            let third = try await post("/api/v1/tips", "198.51.100.1", json: ["category": "drugs", "description": "Một tin báo thứ ba",
                                                                              "unit": TipFixture.ward, "occurredOn": TipFixture.today().iso])
            #expect(third.status == .tooManyRequests)
            let wait = Int(third.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect(wait > 3000 && wait <= 3600)
            #expect(third.body.map { String(buffer: $0) }?.contains("Hãy thử lại sau khoảng \((wait + 59) / 60) phút") == true)
            // The limit is looked at before the body is read: the web form, without even its token, is a 429 too.
            #expect(try await post("/tip", "198.51.100.1", form: "category=drugs").status == .tooManyRequests)
            // Another client is not held back; nothing of the refused tip was stored.
            #expect(try await tip("198.51.100.2") == .created)
            #expect(try await Tip.query(on: app.db).count() == 3)
            // Trusting no proxy (the default), the header means nothing: a fresh value per request is still the
            // one peer, held to its limit like any client.
            app.config.trustedProxies = TrustedProxies()
            app.tips = TipContext(secrets: old.secrets, limiter: TipLimiter(limits: limits), files: old.files, rebuilder: old.rebuilder, writer: old.writer, mailer: old.mailer)
            for n in 0..<3 {
                #expect(try await tip("192.0.2.\(n)") == (n < 2 ? .created : .tooManyRequests))
            }
            #expect(try await Tip.query(on: app.db).count() == 5)
            app.config.trustedProxies = try #require(TrustedProxies("127.0.0.1, ::1"))
            for i in 0..<4 {
                let res = try await post("/api/v1/tips/status", "198.51.100.1", json: ["receiptCode": "00000-00000-00000-00000-0000\(i)"])
                #expect(res.status == (i < 3 ? .notFound : .tooManyRequests))
            }
            await app.server.shutdown()
            // Tomorrow's salt: yesterday's counts mean nothing.
            let limiter = TipLimiter(limits: limits)
            let now = Date()
            #expect(limiter.take(.tip, client: "x", now: now) == nil)
            #expect(limiter.take(.tip, client: "x", now: now) == nil)
            #expect(limiter.take(.tip, client: "x", now: now) != nil)
            #expect(limiter.take(.tip, client: "x", now: now.addingTimeInterval(86400)) == nil)
        }
    }

    @Test("Files and traps: disguised, oversized, too many, each refused with its message; the honeypot answered as taken; nothing stored")
    func refusedInput() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let base: [(String, String)] = [("unit", ward), ("category", "other"), ("description", "Một việc cần báo cho công an"),
                                            ("occurredOn", TipFixture.today().iso)]
            let cases: [([(String, String)], [(String, [UInt8])], String, String)] = [
                (base, [("files[]", Array("<html><script>alert(1)</script></html>".utf8))], "files", "chỉ nhận ảnh JPEG"),
                (base, [("files[]", [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0, count: Attachment.maximumBytes))], "files", "lớn hơn 15 MB"),
                (base, Array(repeating: ("files[]", TipFixture.photo), count: 4), "files", "tối đa 3 tệp"),
                ([("unit", "99999"), ("category", "other"), ("description", "Một việc cần báo cho công an"), ("occurredOn", "2099-01-01")], [],
                 "occurredOn", "không được ở tương lai"),
            ]
            for (fields, files, field, message) in cases {
                let (headers, body) = multipart(fields, files: files)
                try await app.testing().test(.POST, "/api/v1/tips", headers: headers, body: body) { res in
                    #expect(res.status == .unprocessableEntity)
                    let p = try problem(res)
                    #expect(p.errors?[field]?.contains(message) == true, "\(field): \(p.errors ?? [:])")
                }
            }
            try await app.testing().test(.POST, "/api/v1/tips", beforeRequest: { req in
                try req.content.encode(["unit": "99999", "category": "other", "description": "Một việc cần báo", "occurredOn": TipFixture.today().iso])
            }) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.errors?["unit"] == "không có đơn vị cấp xã này")
            }
            // The hidden field filled: a receipt like any other, for a tip that was never kept.
            let (trapHeaders, trapBody) = multipart(base + [("website", "http://spam.example")], files: [("files[]", TipFixture.photo)])
            var trapCode = ""
            try await app.testing().test(.POST, "/api/v1/tips", headers: trapHeaders, body: trapBody) { res in
                #expect(res.status == .created)
                trapCode = (try? res.content.decode(TipsAPI.Receipt.self))?.receiptCode ?? ""
            }
            #expect(ReceiptCode.digits(of: trapCode)?.count == 25)
            #expect(try await TipFixture.status(app, trapCode).0 == .notFound)
            #expect(try await Tip.query(on: app.db).count() == 0)
            #expect(try await Record.query(on: app.db).count() == 0)
            let folder = (app.config.dataDirectory as NSString).appendingPathComponent("tip-files")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty)
        }
    }

    @Test("Wrong codes: malformed is a 422 for the field; two wrong codes get the same answer")
    func wrongCodes() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let code = try await TipFixture.send(app)
            let right = try await TipFixture.status(app, code)
            #expect(right.0 == .ok && right.1?.status == "received")
            let malformed = try await TipFixture.status(app, "1234")
            #expect(malformed.0 == .unprocessableEntity)
            let digits = ReceiptCode.digits(of: code) ?? ""
            let wrong1 = String(digits.dropLast()) + (digits.last == "1" ? "2" : "1")
            let wrong2 = "00000" + String(digits.dropFirst(5))
            let a = try await TipFixture.status(app, wrong1)
            let b = try await TipFixture.status(app, wrong2)
            #expect(a.0 == .notFound && b.0 == .notFound)
            #expect(a.2 == b.2)
        }
    }

    @Test("Transfer: the secretariat's queue places a tip; a transfer moves it, its record and target 1 to the other ward, exactly")
    func transferAndIndicator() async throws {
        try await withApp { app in
            try await loadDemo(app, illustrative: true)
            let a = DemoUnits.ward2025("Vàng Danh"), b = DemoUnits.ward2025("Uông Bí")
            try await makeAccount(app, "ca.uongbi", role: .communeOfficer, unit: b)
            let secretariat = try await issueToken(app, "thuongtruc")
            let officerA = try await issueToken(app, "ca.phuongvangdanh")
            let officerB = try await issueToken(app, "ca.uongbi")
            // In B today: one social-order source from the police, one tip on drugs (not in target 1).
            try await send(app, .POST, "/api/v1/records", token: secretariat,
                           ["kind": "information_source", "unit": b.uuidString, "date": TipFixture.today().iso, "category": "social_order", "origin": "police"]) { res in
                #expect(res.status == .created)
            }
            _ = try await TipFixture.send(app, unit: TipFixture.otherWard, category: "drugs")
            // A tip whose citizen did not know the ward: in the queue, no record, not counted yet.
            _ = try await TipFixture.send(app, unit: nil)
            let queued = try #require(try await Tip.query(on: app.db).filter(\.$communeID == nil).first())
            #expect(queued.recordID == nil)
            let id = try queued.requireID().uuidString
            try await send(app, .GET, "/api/v1/tips/\(id)", token: officerA) { res in #expect(res.status == .notFound) }
            try await send(app, .POST, "/api/v1/tips/\(id)/actions", token: secretariat, ["action": "transfer", "to": "99999"]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await send(app, .POST, "/api/v1/tips/\(id)/actions", token: secretariat, ["action": "transfer", "to": TipFixture.ward]) { res in
                #expect(res.status == .ok)
            }
            try await send(app, .GET, "/api/v1/tips", token: officerA) { res in
                let decoded = try res.content.decode(TipsAPI.TipPage.self)
                #expect(decoded.total == 1)
            }
            // A's officer passes it on to B: it leaves A's inbox and enters B's, with its record.
            try await send(app, .POST, "/api/v1/tips/\(id)/actions", token: officerA, ["action": "transfer", "to": TipFixture.otherWard]) { res in
                #expect(res.status == .ok)
                let decoded = try res.content.decode(TipsAPI.TipJSON.self)
                #expect(decoded.status == "transferred")
            }
            try await send(app, .GET, "/api/v1/tips", token: officerA) { res in
                let decoded = try res.content.decode(TipsAPI.TipPage.self)
                #expect(decoded.total == 0)
            }
            try await send(app, .GET, "/api/v1/tips?status=transferred", token: officerB) { res in
                let page = try res.content.decode(TipsAPI.TipPage.self)
                #expect(page.total == 1 && page.items.first?.transferredFrom == a.uuidString)
            }
            let moved = try #require(try await Tip.find(queued.id, on: app.db))
            let record = try #require(try await Record.find(moved.recordID, on: app.db))
            #expect(record.communeID == b && record.origin == "people" && record.category == "social_order")
            #expect(try await Record.query(on: app.db).filter(\.$communeID == a).count() == 0)
            // Target 1 in B: people's social-order sources 1 (the tip), all social-order sources 2 → 50%.
            let movement = try #require(try await Movement.query(on: app.db).filter(\.$planID == "uong-bi-minh-hoa").first())
            let today = TipFixture.today()
            let phase = try #require(try movement.plan().phases.first { $0.start <= today && today <= $0.end })
            try await send(app, .GET, "/api/v1/movements/uong-bi-minh-hoa/phases/\(phase.id)/results?unit=\(TipFixture.otherWard)", token: secretariat) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                let t = body.units.first?.targets.first { $0.targetId == "nguon-tin-nhan-dan" }
                #expect(t?.numerator == 1)
                #expect(t?.denominator == 2)
                #expect(t?.value == 50)
            }
            // B resolves it: the record's status follows; a viewer cannot reach the inbox.
            try await send(app, .POST, "/api/v1/tips/\(id)/actions", token: officerB, ["action": "status", "status": "resolved"]) { res in
                #expect(res.status == .ok)
            }
            #expect(try await Record.find(moved.recordID, on: app.db)?.status == "verified")
            try await send(app, .POST, "/api/v1/tips/\(id)/actions", token: officerB, ["action": "status", "status": "assigned"]) { res in
                #expect(res.status == .conflict)
            }
            let viewer = try await issueToken(app, "lanhdao")
            try await send(app, .GET, "/api/v1/tips", token: viewer) { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("Bulk assign and close in the inbox; untouched tips of an earlier day are flagged")
    func bulkAndFlag() async throws {
        try await withApp { app in
            try await loadDemo(app)
            for _ in 0..<3 { _ = try await TipFixture.send(app) }
            let tips = try await Tip.query(on: app.db).all()
            // One arrived the day before yesterday and no one has acted.
            tips[0].receivedOn = TipFixture.today().adding(days: -2).iso
            try await tips[0].update(on: app.db)
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, "/tips") { res in
                let html = res.body.string
                #expect(html.components(separatedBy: "Quá 24 giờ chưa xử lý</span>").count - 1 == 1, "\(html)")
            }
            let me = try #require(try await User.query(on: app.db).filter(\.$username == "ca.phuongvangdanh").first())
            var form = ["do": "assign", "assignee": try me.requireID().uuidString]
            for t in tips.prefix(2) { form["tip.\(try t.requireID().uuidString)"] = "true" }
            try await officer.post(app, "/tips/bulk", form) { res in #expect(res.status == .seeOther) }
            #expect(try await Tip.query(on: app.db).filter(\.$status == .assigned).filter(\.$assignedTo == me.id).count() == 2)
            form["do"] = "unfounded"
            try await officer.post(app, "/tips/bulk", form) { res in #expect(res.status == .seeOther) }
            #expect(try await Tip.query(on: app.db).filter(\.$status == .unfounded).count() == 2)
            try await officer.get(app, "/tips?assigned=me&status=all") { res in
                #expect(res.body.string.contains("Ghi nhận 1–2 trong 2"))
            }
        }
    }

    @Test("A citizen and officers writing to one tip at once: every message kept, numbered 1 to n")
    func concurrentMessages() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let code = try await TipFixture.send(app)
            let tip = try #require(try await Tip.query(on: app.db).first())
            let officer = try #require(try await User.query(on: app.db).filter(\.$username == "ca.phuongvangdanh").first())
            let graph = try await UnitService.graph(on: app.db, cache: app.unitGraphCache)
            let context = app.tips
            // Each request reads the tip for itself, as the routes do.
            var copies: [Tip] = []
            for _ in 0..<4 { copies.append(try #require(try await Tip.find(tip.id, on: app.db))) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (n, own) in copies.enumerated() {
                    group.addTask {
                        if n % 2 == 0 {
                            try await TipService.citizenWrites(own, message: "Thêm thông tin \(n)", files: [], context: context,
                                                               today: TipFixture.today(), on: app.db)
                        } else {
                            try await TipService.act(.message("Câu hỏi \(n)"), on: own, user: officer, graph: graph, context: context, on: app.db)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await TipMessage.query(on: app.db).sort(\.$seq).all().map(\.seq) == Array(1...4))
            let seen = try await TipFixture.status(app, code)
            #expect(seen.1?.messages.count == 4)
        }
    }

    @Test("Group commit: items sent together commit together; a batch with a bad item is retried one by one")
    func groupCommit() async throws {
        try await withApp { app in
            struct Bad: Error {}
            let committer = GroupCommitter<Int>(db: app.db) { items, db in
                if items.contains(13) { throw Bad() }
                try await AuditLog.record(on: db, items.map { AuditLog.Draft(actor: "n\($0)", action: "test", entity: "test", entityID: nil) })
            }
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for n in 1...40 {
                    group.addTask {
                        do { try await committer.commit(n); return (n, true) } catch { return (n, false) }
                    }
                }
                var out: [Int: Bool] = [:]
                for await (n, ok) in group { out[n] = ok }
                return out
            }
            #expect(outcomes.filter { !$0.value }.map(\.key) == [13])
            let actors = Set(try await AuditEntry.query(on: app.db).all().map(\.actor))
            #expect(actors == Set((1...40).filter { $0 != 13 }.map { "n\($0)" }))
            #expect(try await AuditLog.verify(on: app.db) == .intact(entries: 39))
        }
    }

    @Test("A forged upload is refused at its first part: the form's token comes first and is checked before the files are read")
    func tokenBeforeFiles() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh")
            let citizen = Browser()
            try await citizen.get(app, "/tip?commune=\(ward.uuidString)") { #expect($0.status == .ok) }
            let token = citizen.cookies["thidua_csrf"] ?? ""
            let fields = [("commune", ward.uuidString), ("category", "drugs"), ("description", "Có người bán ma túy ở đầu ngõ 5, tối thứ bảy"),
                          ("occurredOn", TipFixture.today().iso)]
            // Over a real socket, so that the body arrives in pieces as a browser's does.
            try await withRunningServer(app) { port in
                // Larger than the first read, so the body streams.
                let big = [UInt8](repeating: 0x41, count: 256 * 1024)
                for (sent, expected) in [([("_csrf", "x" + token)] + fields, HTTPStatus.forbidden),     // a token not this browser's
                                         (fields + [("_csrf", token)], .forbidden),                      // the token, but not first
                                         (fields, .forbidden)] {                                          // none at all
                    let (headers, body) = multipart(sent, files: [("files[]", big)])
                    var h = citizen.cookieHeader
                    h.add(contentsOf: headers)
                    let status = try await RawHTTP.request(port: port, .POST, "/tip", headers: h, body: body).0
                    #expect(status == expected)
                }
                let none = try await Tip.query(on: app.db).count()
                #expect(none == 0)
                // The browser's own form, token first, over the same socket: taken.
                let (headers, body) = multipart([("_csrf", token)] + fields, files: [("files[]", TipFixture.photo)])
                var h = citizen.cookieHeader
                h.add(contentsOf: headers)
                let status = try await RawHTTP.request(port: port, .POST, "/tip", headers: h, body: body).0
                #expect(status == .created)
            }
            #expect(try await Tip.query(on: app.db).count() == 1)
        }
    }

    @Test("A forged upload refused at its first part is still read to its end and dropped: the same connection answers the next request")
    func refusedBodyIsDrained() async throws {
        try await withApp { app in
            let citizen = Browser()
            try await citizen.get(app, "/tip") { #expect($0.status == .ok) }
            let token = citizen.cookies["thidua_csrf"] ?? ""
            let (headers, body) = multipart([("_csrf", "x" + token), ("category", "drugs")],
                                            files: [("files[]", [UInt8](repeating: 0x41, count: 256 * 1024))])
            let request = "POST /tip HTTP/1.1\r\nHost: thidua.test\r\nCookie: thidua_csrf=\(token)\r\n"
                + "Content-Type: \(headers.first(name: .contentType) ?? "")\r\nContent-Length: \(body.readableBytes)\r\n\r\n"
            // Behind the upload, on the same connection: a request the server reads only if it read the upload's rest.
            let next = "GET /healthz HTTP/1.1\r\nHost: thidua.test\r\n\r\n"
            var answer = ""
            try await withRunningServer(app) { port in
                answer = try await RawHTTP.exchange(port: port, send: Array(request.utf8) + Array(body.readableBytesView) + Array(next.utf8),
                                                    until: { $0.components(separatedBy: "HTTP/1.1 ").count > 2 })
            }
            // Each answer's status line (the second follows the first's body directly).
            let statuses = answer.components(separatedBy: "HTTP/1.1 ").dropFirst().map { "HTTP/1.1 " + ($0.components(separatedBy: "\r\n").first ?? "") }
            #expect(statuses == ["HTTP/1.1 403 Forbidden", "HTTP/1.1 200 OK"])
        }
    }

    @Test("The first part of a multipart body as Chromium and Firefox send it: the token, something else, or not all there yet")
    func multipartLead() {
        let chromium = "------WebKitFormBoundaryq5OhVd1hK2uYvQwe"
        let body = "--\(chromium)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nKyMFPTR2UtA8ElZA4Rf3-Bi2iKO448QQgf5LHIYbXO8\r\n--\(chromium)\r\nContent-Disposition: form-data; name=\"commune\"\r\n\r\n06820\r\n"
        func lead(_ text: String, _ boundary: String) -> MultipartLead.Found {
            MultipartLead.token(in: ByteBuffer(string: text), boundary: boundary)
        }
        #expect(lead(body, chromium) == .token("KyMFPTR2UtA8ElZA4Rf3-Bi2iKO448QQgf5LHIYbXO8"))
        // Every cut of the first part is "not yet"; once its closing boundary is in, the token.
        // Counted in bytes ("\r\n" is one Character): boundary line, header, blank line, token, then the next boundary.
        let bytes = Array(body.utf8)
        let cutoff = 2 + chromium.utf8.count + 2 + 44 + 4 + 43 + 2 + 2 + chromium.utf8.count
        for n in 0..<cutoff { #expect(lead(String(decoding: bytes.prefix(n), as: UTF8.self), chromium) == .incomplete, "\(n)") }
        #expect(lead(String(decoding: bytes.prefix(cutoff), as: UTF8.self), chromium) == .token("KyMFPTR2UtA8ElZA4Rf3-Bi2iKO448QQgf5LHIYbXO8"))
        // Firefox's boundary and header case; an empty token is a token (that matches no cookie).
        let firefox = "---------------------------41184676334"
        #expect(lead("--\(firefox)\r\ncontent-disposition: form-data; name=\"_csrf\"\r\n\r\n\r\n--\(firefox)--\r\n", firefox) == .token(""))
        // The first part another field, or a file named _csrf, or another boundary, or a preamble: not ours.
        #expect(lead("--\(chromium)\r\nContent-Disposition: form-data; name=\"commune\"\r\n\r\n06820\r\n--\(chromium)", chromium) == .other)
        #expect(lead("--\(chromium)\r\nContent-Disposition: form-data; name=\"_csrf\"; filename=\"a\"\r\n\r\nx\r\n--\(chromium)", chromium) == .other)
        #expect(lead(body, firefox) == .other)
        #expect(lead("preamble\r\n" + body, chromium) == .other)
        // A first part that never ends within the window is not a token's.
        #expect(lead("--\(chromium)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n" + String(repeating: "a", count: 5000), chromium) == .other)
        #expect(MultipartLead.boundary(HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": chromium])) == chromium)
        #expect(MultipartLead.boundary(.urlEncodedForm) == nil && MultipartLead.boundary(nil) == nil)
    }

    @Test("A tip whose stored status no status names is refused, never read as new and open")
    func unknownStatusFailsClosed() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let code = try await TipFixture.send(app)
            let id = try #require(try await Tip.query(on: app.db).first()?.requireID())
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("UPDATE tips SET status = 'closed_by_hand' WHERE id = \(bind: id)").run()
            do {
                _ = try await Tip.find(id, on: app.db)
                Issue.record("a status no status names was read")
            } catch let error as FluentError {
                #expect(String(describing: error).contains("status"), "\(error)")
            }
            // Neither the officer nor the citizen is shown it as new; nothing is written.
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, "/tips/\(id)") { #expect($0.status == .internalServerError) }
            try await app.testing().test(.POST, "/api/v1/tips/status", beforeRequest: { req in
                try req.content.encode(["receiptCode": code])
            }) { #expect($0.status == .internalServerError) }
            let stored = try await sql.raw("SELECT status FROM tips WHERE id = \(bind: id)").first(decoding: [String: String].self)
            #expect(stored?["status"] == "closed_by_hand")
        }
    }

    @Test("Two officers on one tip: what one has just closed is judged closed when the other acts from the page it read before")
    func actOnWhatIsStoredNow() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh")
            try await makeAccount(app, "ca2.vangdanh", role: .communeOfficer, unit: ward)
            _ = try await TipFixture.send(app)
            let graph = try await UnitService.graph(on: app.db)
            let first = try #require(try await User.query(on: app.db).filter(\.$username == "ca.phuongvangdanh").first())
            let second = try #require(try await User.query(on: app.db).filter(\.$username == "ca2.vangdanh").first())
            // Both read the tip while it is new.
            let seenByFirst = try #require(try await Tip.query(on: app.db).first())
            let seenBySecond = try #require(try await Tip.find(seenByFirst.id, on: app.db))
            let closed = try await TipService.act(.setStatus(.unfounded), on: seenBySecond, user: second, graph: graph, context: app.tips, on: app.db)
            #expect(closed.status == .unfounded && closed.closedOn == TipFixture.today().iso)
            #expect(seenByFirst.status == .new)
            // The first, from its page, assigns it and passes it on: both refused as closed; nothing changes.
            for action in [TipAction.assign(try first.requireID()), .transfer(DemoUnits.ward2025("Uông Bí"))] {
                do {
                    try await TipService.act(action, on: seenByFirst, user: first, graph: graph, context: app.tips, on: app.db)
                    Issue.record("\(action) was applied to a closed tip")
                } catch let e as AppError {
                    #expect(e.status == .conflict && e.key == "tips.error.closed", "\(action)")
                }
            }
            let stored = try #require(try await Tip.find(seenByFirst.id, on: app.db))
            #expect(stored.status == .unfounded && stored.assignedTo == nil && stored.communeID == ward && stored.closedOn != nil)
            // In the browser, the refusal comes with the tip as it is now, closed.
            let browser = Browser()
            try await browser.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            let id = try stored.requireID().uuidString
            try await browser.post(app, "/tips/\(id)/assign", ["assignee": try first.requireID().uuidString]) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Tin báo đã đóng; hãy mở lại (Đang xác minh) trước."))
                #expect(res.body.string.contains("<dt>Trạng thái</dt><dd>Không có căn cứ</dd>"))
            }
            let actions = try await AuditEntry.query(on: app.db).filter(\.$entity == "tip").sort(\.$seq).all().map(\.action)
            #expect(actions == ["tip.receive", "tip.status"])
        }
    }

    @Test("The head of the commune police opens the contact of every tip of the commune, assigned or not; another officer only its own; each opening audited")
    func headOfPolice() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh")
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            // The admin marks the head on the account's form; on a viewer the mark is refused beside its field.
            try await admin.post(app, "/admin/accounts/new", ["username": "xem.vangdanh", "displayName": "Người xem", "role": "viewer",
                                                               "unit": "", "headsPolice": "true"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["headsPolice": "chỉ tài khoản Công an xã, phường mới có thể là Trưởng Công an xã"])
            }
            try await makeAccount(app, "truong.vangdanh", role: .communeOfficer, unit: ward)
            try await makeAccount(app, "ca2.vangdanh", role: .communeOfficer, unit: ward)
            let head = try #require(try await User.query(on: app.db).filter(\.$username == "truong.vangdanh").first())
            let headID = try head.requireID().uuidString
            try await admin.post(app, "/admin/accounts/\(headID)", ["displayName": "Trưởng Công an phường", "role": "communeOfficer",
                                                                       "unit": "06820", "headsPolice": "true"]) { #expect($0.status == .seeOther) }
            try await admin.get(app, "/admin/accounts/\(headID)") { res in
                #expect(res.body.string.contains("name=\"headsPolice\" value=\"true\" checked"))
            }
            try await admin.get(app, "/admin/accounts?q=truong.vangdanh") { res in
                #expect(res.body.string.contains("Công an cấp xã · Trưởng"))
            }
            let mark = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "user.update").sort(\.$seq, .descending).first())
            #expect(mark.before?.contains("\"headsPolice\":false") == true && mark.after?.contains("\"headsPolice\":true") == true)

            _ = try await TipFixture.send(app, contact: "0987 654 321")
            let tip = try #require(try await Tip.query(on: app.db).first())
            let id = try tip.requireID().uuidString
            let assignee = try #require(try await User.query(on: app.db).filter(\.$username == "ca.phuongvangdanh").first()).requireID()
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            // Assigned to nobody yet: the head opens it already; the colleague does not.
            let headBrowser = Browser()
            try await headBrowser.signIn(app, "truong.vangdanh", "demo-password-for-tests")
            try await headBrowser.get(app, "/tips/\(id)") { res in #expect(res.body.string.contains("action=\"/tips/\(id)/contact\"")) }
            try await headBrowser.post(app, "/tips/\(id)/contact", [:]) { res in
                #expect(res.status == .ok && res.body.string.contains("0987 654 321"))
            }
            try await officer.post(app, "/tips/\(id)/assign", ["assignee": assignee.uuidString]) { #expect($0.status == .seeOther) }
            // Assigned to the officer: the officer and the head, through the web and the API; the colleague neither.
            let colleague = Browser()
            try await colleague.signIn(app, "ca2.vangdanh", "demo-password-for-tests")
            try await colleague.get(app, "/tips/\(id)") { res in
                #expect(res.status == .ok && !res.body.string.contains("action=\"/tips/\(id)/contact\""))
            }
            try await colleague.post(app, "/tips/\(id)/contact", [:]) { res in
                #expect(res.status == .forbidden && !res.body.string.contains("0987 654 321"))
            }
            for (username, expected) in [("truong.vangdanh", HTTPStatus.ok), ("ca.phuongvangdanh", .ok), ("ca2.vangdanh", .forbidden)] {
                let token = try await issueToken(app, username)
                try await app.testing().test(.POST, "/api/v1/tips/\(id)/contact", beforeRequest: { req in
                    req.headers.bearerAuthorization = .init(token: token)
                }) { res in
                    #expect(res.status == expected, "\(username)")
                    #expect(res.body.string.contains("0987 654 321") == (expected == .ok), "\(username)")
                }
            }
            let readers = try await AuditEntry.query(on: app.db).filter(\.$action == "tip.contactReveal").sort(\.$seq).all().map(\.actor)
            #expect(readers == ["truong.vangdanh", "truong.vangdanh", "ca.phuongvangdanh"])
            // A head of another commune is not a head here: the tip is not theirs to see at all.
            try await makeAccount(app, "truong.uongbi", role: .communeOfficer, unit: DemoUnits.ward2025("Uông Bí"))
            let far = try #require(try await User.query(on: app.db).filter(\.$username == "truong.uongbi").first())
            far.headsPolice = true
            try await far.update(on: app.db)
            let farBrowser = Browser()
            try await farBrowser.signIn(app, "truong.uongbi", "demo-password-for-tests")
            try await farBrowser.post(app, "/tips/\(id)/contact", [:]) { res in
                #expect(res.status == .notFound && !res.body.string.contains("0987 654 321"))
            }
            // Leaving commune police drops the mark with the role, unless the API is told otherwise.
            let token = try await issueToken(app, "admin")
            try await app.testing().test(.PATCH, "/api/v1/accounts/\(headID)", beforeRequest: { req in
                req.headers.bearerAuthorization = .init(token: token)
                try req.content.encode(["role": "viewer", "unit": ""])
            }) { res in
                #expect(res.status == .ok)
                #expect((try? res.content.decode(AccountsAPI.AccountJSON.self))?.headsPolice == false)
            }
            try await app.testing().test(.PATCH, "/api/v1/accounts/\(headID)", beforeRequest: { req in
                req.headers.bearerAuthorization = .init(token: token)
                struct Change: Vapor.Content { var role: String; var headsPolice: Bool }
                try req.content.encode(Change(role: "viewer", headsPolice: true))
            }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("headsPolice"))
            }
        }
    }

    @Test("E-mail: a subscribed officer gets one message with the count and a link, through a local SMTP sink")
    func mail() async throws {
        let sink = try SMTPSink()
        try await withApp { app in
            try await loadDemo(app)
            let old = app.tips
            let mailer = TipMailer(settings: SMTPSettings(host: "127.0.0.1", port: sink.port, from: "thidua@example.org"), publicURL: "https://thidua.example", localizer: app.localizer, pool: app.threadPool)
            app.tips = TipContext(secrets: old.secrets, limiter: old.limiter, files: old.files, rebuilder: old.rebuilder, writer: old.writer, mailer: mailer)
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.post(app, "/account/tip-mail", ["email": "bad address"]) { res in #expect(res.status == .unprocessableEntity) }
            try await officer.post(app, "/account/tip-mail", ["email": "vangdanh@example.org"]) { res in #expect(res.status == .seeOther) }
            _ = try await TipFixture.send(app)
            _ = try await TipFixture.send(app, description: "Một tin báo thứ hai về trộm cắp")
            _ = try await TipFixture.send(app, unit: TipFixture.otherWard)
            let sent = await mailer.flush(graph: try await UnitService.graph(on: app.db, cache: app.unitGraphCache), on: app.db, logger: app.logger)
            #expect(sent == 1)
            let received = sink.messages()
            #expect(received.count == 1)
            let message = received.first ?? ""
            #expect(message.contains("RCPT TO:<vangdanh@example.org>"))
            let afterHeaders = message.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            let body = (afterHeaders.components(separatedBy: "\r\n.\r\n").first ?? "").replacingOccurrences(of: "\r\n", with: "")
            let text = Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(text.contains("Có 2 tin báo mới"))
            #expect(text.contains("https://thidua.example/tips"))
            #expect(!text.contains("tụ tập") && !text.contains("trộm cắp"))
            #expect(await mailer.flush(graph: try await UnitService.graph(on: app.db, cache: app.unitGraphCache), on: app.db, logger: app.logger) == 0)
        }
        sink.stop()
    }
}

/// Collects every log line, for the canary.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }
    func append(_ s: String) { lock.lock(); lines.append(String(decoding: Array(s.utf8), as: UTF8.self)); lock.unlock() }
    /// How many lines so far: a mark to read on from.
    var count: Int { lock.lock(); defer { lock.unlock() }; return lines.count }
    func lines(since mark: Int) -> [String] { lock.lock(); defer { lock.unlock() }; return Array(lines.dropFirst(mark)) }

    func handler() -> any LogHandler { Handler(capture: self) }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}

@Suite("The tips' key and the data folder: outside it, the server's user's alone, and a changed key said at start")
struct TipKeyTests {
    static func config(_ folder: String, keyFile: String? = nil) -> AppConfig {
        var c = AppConfig(database: .sqlite(path: nil), dataDirectory: folder, resourcesDirectory: resourcesDirectory)
        c.tipKeyFile = keyFile
        return c
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("The key is made beside the data folder, 600; inside it or readable by others the server does not start; an old one moves out")
    func keyFile() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("thidua-key-\(UUID().uuidString)").path
        let data = (parent as NSString).appendingPathComponent("data")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let made = try TipSecrets.load(config: Self.config(data))
        let beside = (parent as NSString).appendingPathComponent("data.tip.key")
        #expect(Self.config(data).tipKeyPath == beside && Self.mode(beside) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: (data as NSString).appendingPathComponent("tip.key")))
        // Read again: the same key (the same check value).
        #expect(try TipSecrets.load(config: Self.config(data)).checkValue == made.checkValue)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: beside)
        #expect(throws: StartupError.self) { try TipSecrets.load(config: Self.config(data)) }
        #expect(throws: StartupError.self) {
            try TipSecrets.load(config: Self.config(data, keyFile: (data as NSString).appendingPathComponent("keys/tip.key")))
        }
        // An install of before kept it in the data folder: it leaves it on the next start, the same key.
        try FileManager.default.removeItem(atPath: beside)
        let old = (data as NSString).appendingPathComponent("tip.key")
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(FileManager.default.createFile(atPath: old, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600]))
        let moved = try TipSecrets.load(config: Self.config(data))
        #expect(moved.checkValue == TipSecrets(key: Data(repeating: 7, count: 32)).checkValue)
        #expect(!FileManager.default.fileExists(atPath: old) && FileManager.default.fileExists(atPath: beside))
    }

    @Test("The data folder and its files are the server's user's alone; a different key is refused at start-up")
    func folderAndCheck() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let folder = app.config.dataDirectory
            _ = try await TipFixture.send(app)
            #expect(Self.mode(folder) == 0o700)
            let database = (folder as NSString).appendingPathComponent("thidua.sqlite")
            if !TestDatabase.isPostgres { #expect(Self.mode(database) == 0o600) }
            // A file left readable by an earlier install is mended at the next start.
            let loose = (folder as NSString).appendingPathComponent("loose.txt")
            #expect(FileManager.default.createFile(atPath: loose, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
            DataFolder.secure(folder)
            #expect(Self.mode(loose) == 0o600)

            try await TipSecrets.verify(app.tips.secrets, on: app.db)
            try await TipSecrets.verify(app.tips.secrets, on: app.db)
            let other = TipSecrets(key: Data(repeating: 9, count: 32))
            await #expect(throws: StartupError.self) { try await TipSecrets.verify(other, on: app.db) }
        }
    }
}
