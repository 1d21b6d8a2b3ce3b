import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Tips wait for the release, are erased at the end of their retention, and survive a new key", .serialized)
struct TipReleaseTests {
    /// Sends a tip with the fixture photo as multipart over the API; the receipt.
    static func sendWithPhoto(_ app: Application, description: String, contact: String) async throws -> TipsAPI.Receipt? {
        let (headers, body) = multipart([("unit", TipFixture.ward), ("category", "drugs"), ("description", description),
                                         ("occurredOn", TipFixture.today().iso), ("contact", contact)],
                                        files: [("files[]", TipFixture.photo)])
        var receipt: TipsAPI.Receipt?
        try await app.testing().test(.POST, "/api/v1/tips", headers: headers, body: body) { res in
            #expect(res.status == .created)
            receipt = try? res.content.decode(TipsAPI.Receipt.self)
        }
        return receipt
    }

    static func folder(_ app: Application, _ name: String) -> String {
        (app.config.dataDirectory as NSString).appendingPathComponent(name)
    }

    static func names(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Where each audit entry sits in the order an adversary with a copy of the database reads: its sequence
    /// number, and the physical order (SQLite's rowid, PostgreSQL's creating transaction).
    static func positions(_ app: Application) async throws -> [(seq: Int, physical: Int, action: String, entity: String?)] {
        guard let sql = app.db as? any SQLDatabase else { throw TestFailure(description: "not SQL") }
        let physical = TestDatabase.isPostgres ? "xmin::text::bigint" : "rowid"
        return try await sql.raw("SELECT seq, \(unsafeRaw: physical) AS physical, action, entity_id FROM audit_entries").all().map {
            (try $0.decode(column: "seq", as: Int.self), try $0.decode(column: "physical", as: Int.self),
             try $0.decode(column: "action", as: String.self), try $0.decode(column: "entity_id", as: String?.self))
        }
    }

    @Test("Officer rows, a tip with a photo, more officer rows: nothing of the tip reaches the database before the release, and then nothing in it says more than the day")
    func heldUntilRelease() async throws {
        try await withApp(releaseMinutes: 60) { app in
            _ = try await loadDemo(app)
            let today = TipFixture.today()
            let midnight = VietnamTime.startOfDay(today)
            try await AuditLog.record(on: app.db, actor: "ca.phuongvangdanh", action: "record.create", entity: "record", entityID: "officer-before")
            let sentAt = Date()
            let receipt = try #require(try await Self.sendWithPhoto(app, description: "Canary-held-7731: bán ma túy ở ngõ 5", contact: "0912 000 111"))
            try await AuditLog.record(on: app.db, actor: "ca.phuongvangdanh", action: "record.create", entity: "record", entityID: "officer-after")
            // The receipt says when the police will have it: the next full hour, within the hour.
            let reaches = try #require(receipt.reachesPoliceAt.flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(reaches > sentAt && reaches <= sentAt.addingTimeInterval(3600))
            #expect(Int(reaches.timeIntervalSince1970) % 3600 == 0)

            // Before the release: no row, no audit entry, no file of the tip.
            #expect(try await Tip.query(on: app.db).count() == 0)
            #expect(try await TipFile.query(on: app.db).count() == 0)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$entity == "tip").count() == 0)
            #expect(try await Record.query(on: app.db).filter(\.$origin == "people").count() == 0)
            #expect(Self.names(Self.folder(app, FileStore.tipFiles)).isEmpty)
            // In the spool: one file, sealed whole (no text, contact or camera field readable), dated the day, 600.
            let spool = Self.folder(app, TipSpool.folder)
            let waiting = Self.names(spool)
            #expect(waiting.count == 1)
            let path = (spool as NSString).appendingPathComponent(waiting.first ?? "")
            let sealed = try #require(FileManager.default.contents(atPath: path))
            for canary in ["Canary-held-7731", "0912 000 111", "CANARY-MODEL-7", "CanaryCam", "drugs"] {
                #expect(sealed.range(of: Data(canary.utf8)) == nil, "\(canary)")
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect(attributes[.modificationDate] as? Date == midnight)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try FileManager.default.attributesOfItem(atPath: spool)[.modificationDate] as? Date == midnight)

            // The citizen finds it waiting, and writes again: that waits too.
            let (status, found, _) = try await TipFixture.status(app, receipt.receiptCode)
            #expect(status == .ok && found?.waiting == true && found?.status == "received" && found?.reachesPoliceAt != nil)
            let (_, answered, _) = try await TipFixture.status(app, receipt.receiptCode, message: "Canary-reply-5519: xe máy màu đỏ")
            #expect(answered?.waiting == true && answered?.waitingMessages == 1 && answered?.messages.isEmpty == true)
            let citizen = Browser()
            try await citizen.get(app, "/tip/status")
            try await citizen.post(app, "/tip/status", ["receiptCode": receipt.receiptCode]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Tin báo đã được nhận và sẽ đến công an lúc"))
                #expect(res.body.string.contains("1 tin nhắn của bạn sẽ đến công an lúc"))
            }
            #expect(try await TipMessage.query(on: app.db).count() == 0)
            #expect(Self.names(spool).count == 2)

            // The release: everything at once, the spool emptied.
            #expect(try await TipService.release(context: app.tips, on: app.db, logger: app.logger) == 2)
            #expect(Self.names(spool).isEmpty)
            let tip = try #require(try await Tip.query(on: app.db).first())
            #expect(tip.description == "Canary-held-7731: bán ma túy ở ngõ 5" && tip.receivedOn == today.iso && tip.status == .new)
            #expect(tip.contactSealed.flatMap(app.tips.secrets.open) == "0912 000 111")
            #expect(tip.codeHash == app.tips.secrets.codeHash(ReceiptCode.digits(of: receipt.receiptCode) ?? ""))
            #expect(tip.citizenReplied)
            let messages = try await TipService.messages(of: tip, on: app.db)
            #expect(messages.map(\.body) == ["Canary-reply-5519: xe máy màu đỏ"] && messages.map(\.seq) == [1] && messages.map(\.sentOn) == [today.iso])
            let file = try #require(try await TipFile.query(on: app.db).first())
            let stored = try #require(app.tips.files.read(file.storedName))
            #expect(stored.range(of: Data("CANARY-MODEL-7".utf8)) == nil && file.kind == "jpeg" && file.size == stored.count)
            let filePath = (app.tips.files.directory as NSString).appendingPathComponent(file.storedName)
            #expect(try FileManager.default.attributesOfItem(atPath: filePath)[.modificationDate] as? Date == midnight)
            let record = try #require(try await Record.find(tip.recordID, on: app.db))
            #expect(record.createdAt == midnight && record.origin == "people" && record.occurredOn == today.iso)
            // Every time the tip's rows keep is the day's start.
            let entries = try await AuditEntry.query(on: app.db).filter(\.$entity == "tip").sort(\.$seq).all()
            #expect(entries.map(\.action) == ["tip.receive", "tip.citizenMessage"])
            #expect(entries.allSatisfy { $0.at == midnight && $0.actor == "citizen" })

            // The order an adversary reads: the tip's entries come after the officer's row written after it
            // arrived, so the rows around the arrival do not bound it; only the release does.
            let order = try await Self.positions(app)
            let before = try #require(order.first { $0.entity == "officer-before" })
            let after = try #require(order.first { $0.entity == "officer-after" })
            let tips = order.filter { $0.entity == tip.id?.uuidString }
            #expect(tips.count == 2)
            #expect(before.seq < after.seq && tips.allSatisfy { $0.seq > after.seq })
            #expect(before.physical < after.physical && tips.allSatisfy { $0.physical > after.physical })

            // A second release has nothing to write; the officer now has the tip.
            #expect(try await TipService.release(context: app.tips, on: app.db, logger: app.logger) == 0)
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, "/tips") { res in
                #expect(res.body.string.contains("Canary-held-7731"))
            }
        }
    }

    @Test("A spooled tip survives a restart, is never read with another key, and is written once even when its file outlives its commit")
    func spoolDurable() async throws {
        try await withApp(releaseMinutes: 60) { app in
            _ = try await loadDemo(app)
            let code = try await TipFixture.send(app, description: "Một tin báo chờ đợt chuyển")
            let spool = Self.folder(app, TipSpool.folder)
            let name = try #require(Self.names(spool).first)
            let path = (spool as NSString).appendingPathComponent(name)
            let saved = try #require(FileManager.default.contents(atPath: path))
            // A server started again over the same folder finds it, by its code.
            let again = TipSpool(dataDirectory: app.config.dataDirectory, secrets: app.tips.secrets, pool: app.threadPool)
            #expect(again.entries().count == 1)
            let hash = app.tips.secrets.codeHash(ReceiptCode.digits(of: code) ?? "")
            #expect(again.tip(codeHash: hash)?.description == "Một tin báo chờ đợt chuyển")
            #expect(again.tip(codeHash: app.tips.secrets.codeHash(String(repeating: "1", count: 25))) == nil)
            // Another key reads nothing and leaves the file alone.
            let other = TipSpool(dataDirectory: app.config.dataDirectory, secrets: TipSecrets(key: Data(repeating: 7, count: 32)), pool: app.threadPool)
            #expect(other.entries().isEmpty && Self.names(spool) == [name])
            // A damaged file is refused by the seal, not half read.
            var damaged = [UInt8](saved)
            damaged[damaged.count - 5] ^= 0xFF
            let copy = (spool as NSString).appendingPathComponent(String(repeating: "ab", count: 16))
            #expect(FileManager.default.createFile(atPath: copy, contents: Data(damaged), attributes: [.posixPermissions: 0o600]))
            var context = app.tips
            context.spool = TipSpool(dataDirectory: app.config.dataDirectory, secrets: app.tips.secrets, pool: app.threadPool)
            #expect(try await TipService.release(context: context, on: app.db, logger: app.logger) == 1)
            #expect(Self.names(spool) == [String(repeating: "ab", count: 16)])
            try FileManager.default.removeItem(atPath: copy)
            // The server stopped between the commit and the removal: the file is back, the tip is not written twice.
            #expect(FileManager.default.createFile(atPath: path, contents: saved, attributes: [.posixPermissions: 0o600]))
            context.spool = TipSpool(dataDirectory: app.config.dataDirectory, secrets: app.tips.secrets, pool: app.threadPool)
            #expect(try await TipService.release(context: context, on: app.db, logger: app.logger) == 0)
            #expect(Self.names(spool).isEmpty)
            #expect(try await Tip.query(on: app.db).count() == 1)
            #expect(try await Record.query(on: app.db).filter(\.$origin == "people").count() == 1)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "tip.receive").count() == 1)
        }
    }

    @Test("A closed tip loses its contact after 30 days and its text, messages and files after 730; its record stays")
    func retention() async throws {
        try await withApp { app in
            _ = try await loadDemo(app)
            let today = TipFixture.today()
            let receipt = try #require(try await Self.sendWithPhoto(app, description: "Có người bán ma túy ở ngõ 7", contact: "0912 222 333"))
            _ = try await TipFixture.status(app, receipt.receiptCode, message: "Thêm: xe máy màu đỏ")
            let graph = try await UnitService.graph(on: app.db)
            let officer = try #require(try await User.query(on: app.db).filter(\.$username == "ca.phuongvangdanh").first())
            var tip = try #require(try await Tip.query(on: app.db).first())
            let file = try #require(try await TipFile.query(on: app.db).first())
            let filePath = (app.tips.files.directory as NSString).appendingPathComponent(file.storedName)
            try await TipService.act(.setStatus(.resolved), on: tip, user: officer, graph: graph, context: app.tips, today: today, on: app.db)
            tip = try #require(try await Tip.find(tip.id, on: app.db))
            #expect(tip.closedOn == today.iso)
            let policy = TipRetention.standard
            func run(_ days: Int) async throws -> (Int, Int) {
                let r = try await TipService.applyRetention(policy, context: app.tips, today: today.adding(days: days), on: app.db)
                return (r.contacts, r.contents)
            }
            #expect(try await run(29) == (0, 0))
            #expect(try await run(30) == (1, 0))
            tip = try #require(try await Tip.find(tip.id, on: app.db))
            #expect(tip.contactSealed == nil && tip.description == "Có người bán ma túy ở ngõ 7" && tip.erasedOn == nil)
            #expect(try await run(31) == (0, 0))
            #expect(try await run(729) == (0, 0))
            #expect(try await run(730) == (0, 1))
            tip = try #require(try await Tip.find(tip.id, on: app.db))
            #expect(tip.description == "" && tip.erasedOn == today.adding(days: 730).iso && tip.status == .resolved)
            #expect(try await TipMessage.query(on: app.db).count() == 0)
            #expect(try await TipFile.query(on: app.db).count() == 0)
            #expect(!FileManager.default.fileExists(atPath: filePath))
            // What the results count stays.
            let record = try #require(try await Record.find(tip.recordID, on: app.db))
            #expect(record.origin == "people" && record.status == "verified")
            #expect(try await run(2000) == (0, 0))
            let entries = try await AuditEntry.query(on: app.db).filter(\.$entity == "tip").sort(\.$seq).all()
            #expect(entries.map(\.action) == ["tip.receive", "tip.citizenMessage", "tip.status", "tip.contactErased", "tip.contentErased"])
            #expect(entries.suffix(2).allSatisfy { $0.actor == "system" })
            #expect(entries.last?.after == #"{"files":1,"messages":1}"#)
            // The citizen sees the outcome and what was erased; officers have nothing left to act on.
            let citizen = Browser()
            try await citizen.get(app, "/tip/status")
            try await citizen.post(app, "/tip/status", ["receiptCode": receipt.receiptCode]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("đã được xóa ngày \(today.adding(days: 730).display)"))
            }
            await #expect(throws: AppError.self) {
                try await TipService.act(.setStatus(.verifying), on: tip, user: officer, graph: graph, context: app.tips, today: today, on: app.db)
            }
            let browser = Browser()
            try await browser.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            let id = try tip.requireID().uuidString
            try await browser.get(app, "/tips/\(id)") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("đã được xóa ngày"))
                #expect(!res.body.string.contains("action=\"/tips/\(id)/status\""))
            }

            // Opened again before its time, a tip is open: kept whole, its closing day forgotten.
            _ = try await TipFixture.send(app, description: "Một tin báo khác", contact: "0912 444 555")
            let second = try #require(try await Tip.query(on: app.db).filter(\.$erasedOn == nil).first())
            try await TipService.act(.setStatus(.unfounded), on: second, user: officer, graph: graph, context: app.tips, today: today, on: app.db)
            try await TipService.act(.setStatus(.verifying), on: second, user: officer, graph: graph, context: app.tips, today: today, on: app.db)
            #expect(try await Tip.find(second.id, on: app.db)?.closedOn == nil)
            #expect(try await run(5000) == (0, 0))
            #expect(try await Tip.find(second.id, on: app.db)?.contactSealed != nil)
        }
    }

    @Test("A new key: contacts sealed again, codes of older tips found through the old peppers, the old key refused at start, an interrupted rotation said")
    func rotateKey() async throws {
        try await withApp { app in
            _ = try await loadDemo(app)
            let today = TipFixture.today()
            let first = app.tips.secrets
            try await TipSecrets.verify(first, on: app.db)
            let code1 = try await TipFixture.send(app, contact: "0912 111 000")
            func use(_ secrets: TipSecrets) {
                let t = app.tips
                app.tips = TipContext(secrets: secrets, limiter: t.limiter, files: t.files, rebuilder: t.rebuilder, writer: t.writer,
                                      mailer: t.mailer, spool: t.spool, holds: t.holds)
            }
            let second = TipSecrets(key: Data(repeating: 9, count: 32))
            #expect(try await first.rotate(to: second, today: today, on: app.db) == .init(contacts: 1, unreadable: 0, peppers: 1))
            let sealed = try #require(try await Tip.query(on: app.db).first()?.contactSealed)
            #expect(second.open(sealed) == "0912 111 000" && first.open(sealed) == nil)
            // The old key no longer starts a server; the new one does, and finds the code sent before.
            await #expect(throws: StartupError.self) { try await TipSecrets.verify(first, on: app.db) }
            try await TipSecrets.verify(second, on: app.db)
            use(second)
            #expect(try await TipFixture.status(app, code1).0 == .ok)
            #expect(try await TipFixture.status(app, String(repeating: "2", count: 25)).0 == .notFound)
            // A tip under the second key, then a third key: both codes still found, both contacts readable.
            let code2 = try await TipFixture.send(app, contact: "0912 222 000")
            let third = TipSecrets(key: Data(repeating: 5, count: 32))
            #expect(try await second.rotate(to: third, today: today, on: app.db) == .init(contacts: 2, unreadable: 0, peppers: 2))
            try await TipSecrets.verify(third, on: app.db)
            use(third)
            #expect(try await TipFixture.status(app, code1).0 == .ok)
            #expect(try await TipFixture.status(app, code2).0 == .ok)
            let contacts = try await Tip.query(on: app.db).all().compactMap { $0.contactSealed.flatMap(third.open) }.sorted()
            #expect(contacts == ["0912 111 000", "0912 222 000"])
            // A rotation stopped before its key took the old one's place: the start says where the key is.
            let keyFile = (app.config.dataDirectory as NSString).deletingLastPathComponent + "/rotation-\(UUID().uuidString).tip.key"
            var config = app.config
            config.tipKeyFile = keyFile
            #expect(FileManager.default.createFile(atPath: keyFile + ".new", contents: Data(third.key.base64EncodedString().utf8)))
            defer { try? FileManager.default.removeItem(atPath: keyFile + ".new") }
            do {
                try await TipSecrets.verify(second, config: config, on: app.db)
                Issue.record("the second key must be refused")
            } catch let e as StartupError {
                #expect(e.description == "A key rotation was interrupted: the database's tips are sealed with the key in \(keyFile).new. Run mv \(keyFile).new \(keyFile) and start again.")
            }
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "tips.rotateKey").sort(\.$seq).all()
            #expect(audit.map(\.after) == [#"{"contacts":1,"peppers":1,"unreadable":0}"#, #"{"contacts":2,"peppers":2,"unreadable":0}"#])
        }
    }
}
