import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// The tables the database keeps by triggers: record totals and the structure version.
@Suite("Derived tables: record totals and the structure version stay in step with what they derive from")
struct DerivedTablesTests {
    func totalsAndFreshCount(_ app: Application) async throws -> (totals: [String: Int], fresh: [String: Int]) {
        try await RecordTotals.compare(on: app.db)
    }

    @Test("Totals equal a fresh count after the demo's sample year, and after a record is created, corrected and deleted")
    func totalsInStep() async throws {
        try await withApp { app in
            let summary = try await loadDemo(app, sampleRecords: true)
            var (totals, fresh) = try await totalsAndFreshCount(app)
            #expect(totals == fresh)
            #expect(totals.values.reduce(0, +) == summary.recordsAdded)
            #expect(summary.recordsAdded == 5_497)

            let vangDanh = try #require(try await Unit.query(on: app.db).filter(\.$code == "06808").first()?.id)
            func count(_ month: String, _ category: String) -> Int {
                totals["\(vangDanh.uuidString.lowercased())|\(month)|information_source|\(category)|people|-|-|-"]
                    ?? totals["\(vangDanh.uuidString)|\(month)|information_source|\(category)|people|-|-|-"] ?? 0
            }
            let before = (count("2024-12", "social_order"), count("2024-12", "drugs"))
            let officer = try await issueToken(app, "ca.vangdanh")
            var id = ""
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-01",
                            "category": "social_order", "origin": "people"]) { res in
                #expect(res.status == .created)
                id = try res.content.decode(RecordJSON.self).id
            }
            (totals, fresh) = try await totalsAndFreshCount(app)
            #expect(totals == fresh)
            #expect(count("2024-12", "social_order") == before.0 + 1)

            try await send(app, .PUT, "/api/v1/records/\(id)", token: officer,
                           ["unit": "06808", "date": "2024-12-01", "category": "drugs", "origin": "people",
                            "status": "verified"]) { res in
                #expect(res.status == .ok)
            }
            (totals, fresh) = try await totalsAndFreshCount(app)
            #expect(totals == fresh)
            #expect(count("2024-12", "social_order") == before.0)
            #expect(count("2024-12", "drugs") == before.1 + 1)

            try await send(app, .DELETE, "/api/v1/records/\(id)", token: officer) { res in
                #expect(res.status == .noContent)
            }
            (totals, fresh) = try await totalsAndFreshCount(app)
            #expect(totals == fresh)
            #expect(count("2024-12", "drugs") == before.1)
            #expect(totals.values.reduce(0, +) == 5_497)
        }
    }

    @Test("Totals made wrong behind the triggers' back are found and rebuilt")
    func repair() async throws {
        try await withApp { app in
            let summary = try await loadDemo(app, sampleRecords: true)
            let sql = app.db as! any SQLDatabase
            var check = try await RecordTotals.differences(on: app.db)
            #expect(check.differing == 0 && check.records == summary.recordsAdded)
            // Two groups changed straight in the table: one count raised, one row removed.
            try await sql.raw("UPDATE record_totals SET n = n + 5 WHERE kind = 'patrol' AND month = '2025-03' AND flag = \(bind: true)").run()
            try await sql.raw("DELETE FROM record_totals WHERE kind = 'propaganda' AND month = '2025-04'").run()
            struct C: Decodable { var n: Int }
            let patrolGroups = try await sql.raw("SELECT COUNT(DISTINCT commune_id) AS n FROM records WHERE kind = 'patrol' AND occurred_on LIKE '2025-03-%' AND flag = \(bind: true)").first(decoding: C.self)?.n ?? 0
            let propagandaGroups = try await sql.raw("SELECT COUNT(DISTINCT commune_id) AS n FROM records WHERE kind = 'propaganda' AND occurred_on LIKE '2025-04-%'").first(decoding: C.self)?.n ?? 0
            #expect(patrolGroups > 0 && propagandaGroups > 0)
            check = try await RecordTotals.differences(on: app.db)
            #expect(check.differing == patrolGroups + propagandaGroups)
            try await RecordTotals.rebuild(on: app.db)
            check = try await RecordTotals.differences(on: app.db)
            #expect(check.differing == 0 && check.records == 5_497)
        }
    }

    @Test("The unit graph is served from the cache until the structure changes, then read again at once")
    func graphCache() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let sql = app.db as! any SQLDatabase
            struct V: Decodable { var version: Int64 }
            func version() async throws -> Int64 {
                let row = try await sql.raw("SELECT version FROM structure_version WHERE id = 1").first(decoding: V.self)
                guard let row else { throw Abort(.internalServerError, reason: "structure_version has no row") }
                return row.version
            }
            let v1 = try await version()
            #expect(v1 > 0)
            let g1 = try await app.unitGraph()
            #expect(g1.units.count == 116)
            #expect(app.unitGraphCache?.graph(at: v1) != nil)
            // Reading changes nothing.
            _ = try await app.unitGraph()
            #expect(try await version() == v1)

            // A new ward under Quảng Ninh from 01/09/2025, written straight to the tables.
            let province = try #require(try await Unit.query(on: app.db).filter(\.$code == "22").first()?.id)
            let ward = UnitInfo(code: "99999", level: .commune, kind: "phường", name: "Thử Nghiệm",
                                validFrom: LocalDate(iso: "2025-09-01")!)
            try await Unit(ward, sample: true).create(on: app.db)
            let v2 = try await version()
            #expect(v2 > v1)
            #expect(app.unitGraphCache?.graph(at: v2) == nil)
            try await UnitParentLink(ParentLink(unitID: ward.id, parentID: province, validFrom: ward.validFrom)).create(on: app.db)
            #expect(try await version() > v2)

            let g2 = try await app.unitGraph()
            #expect(g2.units.count == 117)
            #expect(g2.units(at: .commune, on: LocalDate(iso: "2025-09-01")!, under: province).map(\.name).sorted()
                    == ["Thử Nghiệm", "Uông Bí", "Vàng Danh", "Yên Tử"])
            try await app.testing().test(.GET, "/api/v1/units/99999/predecessors?date=2025-09-01") { res in
                #expect(res.status == .ok)
            }
        }
    }
}
