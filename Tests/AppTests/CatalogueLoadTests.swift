import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("The national unit catalogue in the database")
struct CatalogueLoadTests {
    @Test("Loaded whole, again with no change, then a newer one's differences; 06820 named on its day everywhere")
    func loadAndResolve() async throws {
        try await withApp { app in
            let catalogue = try CatalogueService.read(resources: resourcesDirectory)
            let first = try await CatalogueService.apply(catalogue, actor: "test", on: app.db)
            #expect(first == .init(added: 14_122, changed: 0, unchanged: 0, linksAdded: 14_052, successionsAdded: 10_597))
            let again = try await CatalogueService.apply(catalogue, actor: "test", on: app.db)
            #expect(again == .init(added: 0, changed: 0, unchanged: 14_122, linksAdded: 0, successionsAdded: 0))
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "catalogue.import").count() == 1)

            let graph = try await UnitService.graph(on: app.db)
            let before = LocalDate(iso: "2025-06-30")!, after = LocalDate(iso: "2025-07-01")!
            #expect([UnitLevel.province, .district, .commune].map { graph.units(at: $0, on: before).count } == [63, 696, 10_035])
            #expect([UnitLevel.province, .district, .commune].map { graph.units(at: $0, on: after).count } == [34, 0, 3_321])

            // A code on a day: the API's paths and a record's unit.
            try await app.testing().test(.GET, "/api/v1/units/06820/predecessors?date=2025-06-30&structureDate=2025-06-30") { res in
                let body = try res.content.decode(APIModels.Predecessors.self)
                #expect(body.unit.name == "Trưng Vương")
            }
            try await app.testing().test(.GET, "/api/v1/units/06820/predecessors?date=2025-06-30&structureDate=2025-07-01") { res in
                let body = try res.content.decode(APIModels.Predecessors.self)
                #expect(body.unit.name == "Vàng Danh")
                #expect(body.constituents.map { "\($0.unit.code ?? "") \($0.whole)" } == ["06808 true", "06814 true", "06820 false", "06823 true"])
            }
            try await makeAccount(app, "thuongtruc.qn", role: .secretariat, unit: nil)
            let token = try await issueToken(app, "thuongtruc.qn")
            for (day, name) in [("2025-06-20", "phường Trưng Vương"), ("2025-08-05", "phường Vàng Danh")] {
                try await send(app, .POST, "/api/v1/records", token: token,
                               ["kind": "information_source", "unit": "06820", "date": day, "category": "social_order", "origin": "people"]) { res in
                    #expect(res.status == .created)
                    let record = try res.content.decode(RecordJSON.self)
                    #expect(record.unitName == name, "\(day)")
                }
            }

            // The tree of a nation's units: the provinces, one opened at a time, each page light on a phone.
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc.qn", "demo-password-for-tests")
            try await browser.get(app, "/units?date=2025-08-01") { res in
                #expect(res.status == .ok)
                #expect(res.body.readableBytes < 100_000, "\(res.body.readableBytes) bytes")
                #expect(res.body.string.components(separatedBy: "Mở danh sách").count - 1 == 34)
                #expect(res.body.string.contains("tỉnh Quảng Ninh") && !res.body.string.contains("phường Vàng Danh"))
            }
            let quangNinh = CatalogueService.id(new: false, code: "22").uuidString
            try await browser.get(app, "/units?date=2025-08-01&open=\(quangNinh)") { res in
                #expect(res.body.readableBytes < 100_000, "\(res.body.readableBytes) bytes")
                #expect(res.body.string.contains("phường Vàng Danh") && res.body.string.contains("54 xã, phường"))
                #expect(res.body.string.components(separatedBy: "Mở danh sách").count - 1 == 33)
            }
            // Before the merger, a province opens onto its districts, a district onto its communes (Hà Nội had 579).
            try await browser.get(app, "/units?date=2025-06-30&open=\(quangNinh)") { res in
                #expect(res.body.readableBytes < 100_000, "\(res.body.readableBytes) bytes")
                #expect(res.body.string.contains("thành phố Uông Bí") && !res.body.string.contains("phường Trưng Vương"))
            }
            try await browser.get(app, "/units?date=2025-06-30&open=\(CatalogueService.id(new: false, code: "196").uuidString)") { res in
                #expect(res.body.string.contains("phường Trưng Vương") && res.body.string.contains("10 xã, phường"))
            }
            try await browser.get(app, "/units?date=2025-06-30&open=\(CatalogueService.id(new: false, code: "01").uuidString)") { res in
                #expect(res.body.readableBytes < 100_000, "Hà Nội: \(res.body.readableBytes) bytes")
            }

            // A newer catalogue: a renamed commune and a new one; only they change, and it says so.
            var newer = catalogue
            let index = try #require(newer.after.firstIndex { $0.code == "06832" })
            newer.after[index].name = "Yên Tử Sơn"
            newer.after.append(.init(code: "99990", level: .commune, kind: "xã", name: "Thử Nghiệm", parentCode: "22"))
            let changes = try await CatalogueService.apply(newer, actor: "test", on: app.db)
            #expect(changes == .init(added: 1, changed: 1, unchanged: 14_121, linksAdded: 1, successionsAdded: 0))
            #expect(try await Unit.find(CatalogueService.id(new: true, code: "06832"), on: app.db)?.name == "Yên Tử Sơn")
        }
    }

    @Test("A code that would name two units on one day is refused, and nothing is stored")
    func clash() async throws {
        try await withApp { app in
            // A unit of another source already holds 06820 from 2025-07-01.
            try await Unit(UnitInfo(code: "06820", level: .commune, kind: "phường", name: "Khác",
                                    validFrom: LocalDate(iso: "2025-07-01")!), sample: false).create(on: app.db)
            let catalogue = try CatalogueService.read(resources: resourcesDirectory).area("196")
            do {
                _ = try await CatalogueService.apply(catalogue, actor: "test", on: app.db)
                Issue.record("a clash was stored")
            } catch let refusal as CatalogueService.Refusal {
                #expect(refusal.problems.map(\.key) == ["catalogue.clash"])
                #expect(refusal.problems.first?.arguments["code"] == "06820")
            }
            #expect(try await Unit.query(on: app.db).count() == 1)
        }
    }
}
