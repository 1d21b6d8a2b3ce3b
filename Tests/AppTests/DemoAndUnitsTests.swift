import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Demo data and the unit tree")
struct DemoAndUnitsTests {
    @Test("The demo loads the plan, 116 units, 101 teams and their members; loading again adds nothing")
    func demoIsIdempotent() async throws {
        try await withApp { app in
            let first = try await loadDemo(app)
            #expect(first.plan == .created)
            // 1 province + 1 city + 10 old communes + 101 villages + 3 new wards.
            #expect(first.unitsAdded == 116)
            #expect(first.teamsAdded == 101)
            #expect((303...505).contains(first.membersAdded))
            #expect(first.accounts.map(\.username) == ["admin", "thuongtruc", "ca.vangdanh", "lanhdao", "ca.phuongvangdanh", "totruong.vangdanh3"])
            let members = try await Member.query(on: app.db).count()
            let leaders = try await Member.query(on: app.db).filter(\.$role == .leader).count()
            #expect(leaders == 101)

            let second = try await loadDemo(app)
            #expect(second.plan == .unchanged)
            #expect(second.unitsAdded == 0)
            #expect(second.teamsAdded == 0)
            #expect(second.membersAdded == 0)
            #expect(try await Unit.query(on: app.db).count() == 116)
            // City, 10 communes, 3 wards, and each village twice (old commune, new ward).
            let links = try await UnitParentLink.query(on: app.db).count()
            #expect(links == 216)
            #expect(try await UnitSuccession.query(on: app.db).count() == 11)
            #expect(try await Team.query(on: app.db).count() == 101)
            #expect(try await Member.query(on: app.db).count() == members)
            #expect(try await User.query(on: app.db).count() == 6)
            #expect(try await Movement.query(on: app.db).count() == 1)
        }
    }

    @Test("The demo's sample records: a year of them, every kind, filed under the unit of their day; added once")
    func sampleRecords() async throws {
        try await withApp { app in
            let first = try await loadDemo(app, sampleRecords: true)
            #expect(first.recordsAdded > 3000)
            // 10 communes × 23 months (08/2023–06/2025) + 3 wards × 2 months (07–08/2025), 7 figures each.
            #expect(first.figuresAdded == (10 * 23 + 3 * 2) * 7)
            let second = try await loadDemo(app, sampleRecords: true)
            #expect(second.recordsAdded == 0)
            #expect(try await Record.query(on: app.db).count() == first.recordsAdded)
            let kinds = Set(try await Record.query(on: app.db).all(\.$kind))
            #expect(kinds == Set(RecordKind.allCases.map(\.rawValue)))
            // After the merger every record is filed under one of the three wards.
            let graph = try await UnitService.graph(on: app.db)
            let wards = Set(graph.units(at: .commune, on: LocalDate(iso: "2025-07-01")!).map(\.id))
            let late = try await Record.query(on: app.db).filter(\.$occurredOn >= "2025-07-01").all(\.$communeID)
            #expect(!late.isEmpty)
            #expect(Set(late).isSubset(of: wards))
            #expect(try await Record.query(on: app.db).filter(\.$occurredOn > "2025-08-19").count() == 0)
        }
    }

    @Test("On 30/06/2025 Uông Bí has its 10 wards and communes; on 01/07/2025 there are 3 wards")
    func treeAcrossTheMerger() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let before = LocalDate(iso: "2025-06-30")!, after = LocalDate(iso: "2025-07-01")!
            let uongBi = graph.units.values.first { $0.code == "196" }!
            let old = graph.units(at: .commune, on: before, under: uongBi.id)
            #expect(old.map(\.name) == ["Vàng Danh", "Thanh Sơn", "Bắc Sơn", "Quang Trung", "Trưng Vương", "Nam Khê",
                                        "Yên Thanh", "Thượng Yên Công", "Phương Đông", "Phương Nam"])
            #expect(old.map(\.population) == [16366, 14780, 6362, 20417, 9886, 9401, 8521, 5944, 13567, 13084])
            let new = graph.units(at: .commune, on: after)
            #expect(new.map(\.fullName) == ["phường Uông Bí", "phường Vàng Danh", "phường Yên Tử"])
            #expect(graph.units(at: .district, on: after).isEmpty)
            #expect(graph.villages(of: new[0].id, on: after).count == 34) // 13 + 11 + 7 + 3
            #expect(graph.villages(of: new[1].id, on: after).count == 33) // 12 + 9 + 5 + 7
            #expect(graph.villages(of: new[2].id, on: after).count == 34) // 12 + 14 + 8
        }
    }

    @Test("phường Uông Bí of 01/07/2025 is Quang Trung, Thanh Sơn, Yên Thanh and khu Điền Công 1–3")
    func uongBiPredecessors() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let ward = graph.units(at: .commune, on: LocalDate(iso: "2025-07-01")!).first { $0.name == "Uông Bí" }!
            try await app.testing().test(.GET, "/api/v1/units/\(ward.id.uuidString)/predecessors?date=2025-06-30") { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(APIModels.Predecessors.self)
                #expect(body.structureDate == "2025-07-01")
                #expect(body.constituents.map(\.unit.name) == ["Thanh Sơn", "Quang Trung", "Trưng Vương", "Yên Thanh"])
                #expect(body.constituents.map(\.whole) == [true, true, false, true])
                #expect(body.constituents[2].villages.map(\.name) == ["Điền Công 1", "Điền Công 2", "Điền Công 3"])
            }
            let vangDanh = graph.units(at: .commune, on: LocalDate(iso: "2025-07-01")!).first { $0.name == "Vàng Danh" }!
            try await app.testing().test(.GET, "/api/v1/units/\(vangDanh.id.uuidString)/predecessors?date=2025-06-30") { res in
                let body = try res.content.decode(APIModels.Predecessors.self)
                #expect(body.constituents.map(\.unit.name) == ["Vàng Danh", "Bắc Sơn", "Trưng Vương", "Nam Khê"])
                #expect(body.constituents.map(\.whole) == [true, true, false, true])
                #expect(body.constituents[2].villages.map(\.name) == (1...7).map { "Trưng Vương \($0)" })
            }
            // By national code: Trưng Vương read in the structure of 01/07/2025 splits in two.
            try await app.testing().test(.GET, "/api/v1/units/06820/predecessors?date=2025-07-01&structureDate=2025-06-30") { res in
                let body = try res.content.decode(APIModels.Predecessors.self)
                #expect(body.constituents.map(\.unit.name) == ["Uông Bí", "Vàng Danh"])
                #expect(body.constituents.map(\.whole) == [false, false])
            }
        }
    }

    @Test("The unit tree API on a date, and its bad inputs")
    func unitTreeAPI() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await app.testing().test(.GET, "/api/v1/units?date=2025-06-30") { res in
                #expect(res.status == .ok)
                let tree = try res.content.decode(APIModels.UnitTree.self)
                #expect(tree.date == "2025-06-30")
                #expect(tree.units.map(\.name) == ["Quảng Ninh"])
                #expect(tree.units[0].children?.map(\.name) == ["Uông Bí"])
                #expect(tree.units[0].children?[0].children?.count == 10)
            }
            try await app.testing().test(.GET, "/api/v1/units?date=2025-07-01") { res in
                let tree = try res.content.decode(APIModels.UnitTree.self)
                #expect(tree.units[0].children?.map(\.name) == ["Uông Bí", "Vàng Danh", "Yên Tử"])
            }
            try await app.testing().test(.GET, "/api/v1/units?date=2025-02-30") { res in
                #expect(res.status == .badRequest)
                let problem = try problem(res)
                #expect(problem.detail == "“2025-02-30” không phải một ngày hợp lệ; hãy dùng dạng YYYY-MM-DD, ví dụ 2025-07-01.")
            }
            try await app.testing().test(.GET, "/api/v1/units/06817/predecessors") { res in
                #expect(res.status == .badRequest)
            }
            try await app.testing().test(.GET, "/api/v1/units/nothing-here/predecessors?date=2025-01-01") { res in
                #expect(res.status == .notFound)
            }
            // Quang Trung did not exist on 2025-07-01.
            try await app.testing().test(.GET, "/api/v1/units/06817/predecessors?date=2025-01-01&structureDate=2025-07-01") { res in
                #expect(res.status == .badRequest)
            }
        }
    }

    @Test("The unit tree on an empty database is empty, not an error")
    func emptyTree() async throws {
        try await withApp { app in
            try await app.testing().test(.GET, "/api/v1/units?date=2025-06-30") { res in
                #expect(res.status == .ok)
                let tree = try res.content.decode(APIModels.UnitTree.self)
                #expect(tree.units.isEmpty)
            }
            try await app.testing().test(.GET, "/api/v1/movements") { res in
                #expect(res.status == .ok)
                #expect(res.body.string == "[]")
            }
        }
    }
}

@Suite("Where one commune's rows are read from, found without scanning the nation")
struct StructureSourcesTests {
    @Test("The sources of each commune and the split communes among them equal a scan of every link", arguments: ["2025-06-30", "2025-08-19"])
    func sourcesEqualScan(day: String) async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let date = try #require(LocalDate(iso: day))
            for commune in graph.units(at: .commune, on: date) {
                var map = Participation.StructureMap(graph: graph, structureDate: date, participants: [commune.id])
                var scan: Set<UUID> = []
                for unit in graph.units.values where unit.level == .commune {
                    if map.target(commune: unit.id, village: nil) == commune.id { scan.insert(unit.id) }
                }
                for link in graph.links where graph.units[link.parentID]?.level == .commune && graph.units[link.unitID]?.level == .village {
                    if map.target(commune: link.parentID, village: link.unitID) == commune.id { scan.insert(link.parentID) }
                }
                let sources = map.sources(of: [commune.id])
                #expect(sources == scan, "\(commune.fullName) on \(day)")
                #expect(map.splitCommunes(among: sources) == map.splitCommunes().intersection(sources), "\(commune.fullName) on \(day)")
            }
        }
    }
}
