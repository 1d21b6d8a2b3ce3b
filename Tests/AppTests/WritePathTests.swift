import Fluent
import Foundation
import Logging
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("One write path: every transaction through `audited`, each committed change logged once at info")
struct WritePathTests {
    @Test("No code of the application opens a transaction except through `audited`")
    func oneWayIn() throws {
        let sources = URL(fileURLWithPath: resourcesDirectory).deletingLastPathComponent().appendingPathComponent("Sources/App")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        var writes = 0
        for case let file as URL in files where file.pathExtension == "swift" && file.lastPathComponent != "AuditLog.swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            // Migrations are history, kept as they ran: they write no one's change.
            if file.path.contains("/Migrations/") { continue }
            for pattern in [".transaction {", ".transaction(", "\"BEGIN"] where text.contains(pattern) {
                offenders.append("\(file.lastPathComponent): \(pattern)")
            }
            writes += text.components(separatedBy: ".audited {").count - 1
        }
        #expect(offenders == [])
        // The scan reads the sources it means to: the writes are there.
        #expect(writes > 40)
    }

    /// The demo's application, logging at info (the server's default) to a capture.
    static func withLoggedApp(_ test: (Application, LogCapture) async throws -> Void) async throws {
        let capture = LogCapture()
        var logger = Logger(label: "changes") { _ in capture.handler() }
        logger.logLevel = .info
        try await withApp(logger: logger) { app in
            try await loadDemo(app)
            try await test(app, capture)
        }
    }

    @Test("A committed change is logged with its component, action, actor, id and place in the audit log; a rolled-back one never")
    func changesLogged() async throws {
        try await Self.withLoggedApp { app, capture in
            let token = try await issueToken(app, "ca.vangdanh")
            var mark = capture.count
            var id = ""
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-01", "category": "social_order", "origin": "people"]) { res in
                #expect(res.status == .created)
                id = try res.content.decode(RecordJSON.self).id
            }
            let seq = try #require(try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()).seq
            let created = capture.lines(since: mark).filter { $0.contains("record.create") }
            #expect(created.count == 1, "\(created)")
            for part in ["info record.create", #""component": record"#, #""actor": ca.vangdanh"#, #""entity_id": \#(id)"#, #""audit_seq": \#(seq)"#] {
                #expect(created.first?.contains(part) == true, "\(part) in \(created)")
            }
            // A refused write (another commune's) is logged as a change of nothing.
            mark = capture.count
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06811", "date": "2024-12-01", "category": "social_order", "origin": "people"]) { res in
                #expect(res.status == .forbidden)
            }
            #expect(capture.lines(since: mark).filter { $0.hasPrefix("info") && $0.contains("record.") } == [])
            // Audited and then rolled back: never said. Committed: said once, after the commit.
            struct Undo: Error {}
            mark = capture.count
            let start = mark
            await #expect(throws: Undo.self) {
                try await app.db.audited { tx in
                    try await AuditLog.record(on: tx, actor: "test", action: "test.undone", entity: "test", entityID: "u-1")
                    throw Undo()
                }
            }
            try await app.db.audited { tx in
                // Nested: its entry is the outer write's, said when that commits.
                try await tx.audited { inner in
                    try await AuditLog.record(on: inner, actor: "test", action: "test.kept", entity: "test", entityID: "k-1")
                }
                #expect(capture.lines(since: start).filter { $0.contains("test.kept") } == [], "said before its commit")
            }
            let after = capture.lines(since: mark)
            #expect(after.filter { $0.contains("test.undone") } == [])
            #expect(after.filter { $0.contains("test.kept") }.count == 1)
            #expect(try await AuditLog.verify(on: app.db) == .intact(entries: try await AuditEntry.query(on: app.db).count()))
        }
    }

    @Test("A write of many changes is logged as counts per action, with the range of its entries")
    func manyAsCounts() async throws {
        try await Self.withLoggedApp { app, capture in
            let mark = capture.count
            try await app.db.audited { tx in
                try await AuditLog.record(on: tx, (1...25).map { AuditLog.Draft(actor: "test", action: "test.bulk", entity: "test", entityID: "b-\($0)") })
                try await AuditLog.record(on: tx, actor: "test", action: "test.single", entity: "test", entityID: "s-1")
            }
            let bulk = capture.lines(since: mark).filter { $0.contains("test.") }
            #expect(bulk.count == 2, "\(bulk)")
            #expect(bulk.first { $0.contains("test.bulk ×25") }?.contains(#""count": 25"#) == true, "\(bulk)")
            #expect(bulk.first { $0.contains("test.single ×1") } != nil, "\(bulk)")
        }
    }

    @Test("A citizen's tip is logged without its id or place in the audit log, which would tie the tip to the log's time")
    func citizensUnnamed() async throws {
        try await Self.withLoggedApp { app, capture in
            let mark = capture.count
            _ = try await TipFixture.send(app)
            let tip = try #require(try await Tip.query(on: app.db).first())
            let said = capture.lines(since: mark)
            let received = said.filter { $0.contains("tip.receive") }
            #expect(received.count == 1, "\(said)")
            #expect(received.first?.contains(#""actor": citizen"#) == true)
            #expect(received.first?.contains("audit_seq") == false)
            let tipID = try tip.requireID().uuidString
            #expect(!capture.text.contains(tipID) && !capture.text.lowercased().contains(tipID.lowercased()))
            if let record = tip.recordID { #expect(!capture.text.lowercased().contains(record.uuidString.lowercased())) }
        }
    }
}
