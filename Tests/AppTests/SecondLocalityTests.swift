import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Any locality: set up from the catalogue, its villages and teams from files, records and results")
struct SecondLocalityTests {
    @Test("Thành phố Vũng Tàu (Bà Rịa–Vũng Tàu), ended on 30/06/2025, runs the seed plan through its wards of today")
    func vungTau() async throws {
        try await withApp { app in
            let today = VietnamTime.localDate(of: Date())
            let seed = try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8)
            let plan = seed.replacingOccurrences(of: "id: uong-bi-2024-2025", with: "id: vung-tau-2024-2025")
                .replacingOccurrences(of: "area: [\"196\"]", with: "area: [\"747\"]")
            let report = try await LocalitySetup.run(area: "747", plan: plan, resources: resourcesDirectory, actor: "test", today: today, on: app.db)
            #expect(report.catalogue?.added == 14_122)
            #expect(report.area.fullName == "thành phố Vũng Tàu" && report.plan?.id == "vung-tau-2024-2025")
            // Its 17 communes of 30/06/2025 became wards of Thành phố Hồ Chí Minh on 01/07/2025.
            let catalogue = try CatalogueService.read(resources: resourcesDirectory)
            let old = Set(catalogue.before.filter { $0.parentCode == "747" }.map(\.code))
            let new = Set(catalogue.successions.filter { old.contains($0.old) }.map(\.new))
            #expect(Set(report.communes.compactMap(\.code)) == new)
            #expect(report.accounts.first == .init(username: "thuongtruc.79", role: .secretariat, unit: "thành phố Hồ Chí Minh",
                                                   password: report.accounts.first?.password))
            #expect(report.accounts.count == 1 + new.count && report.accounts.allSatisfy { $0.password?.count == 17 })
            #expect(report.withoutVillages.count == new.count && report.withoutPopulation.count == new.count)
            // Again: nothing new, the accounts kept with their passwords.
            let again = try await LocalitySetup.run(area: "747", plan: nil, resources: resourcesDirectory, actor: "test", today: today, on: app.db)
            #expect(again.catalogue == nil && again.accounts.allSatisfy { $0.password == nil })

            // One ward's villages and a team's members, from files.
            var graph = try await UnitService.graph(on: app.db)
            let ward = try #require(report.communes.first)
            let villages = try await VillageImportService.check("village,kind,population,households\nKhu phố 1,khu phố,3200,900\nKhu phố 2,khu phố,2900,800\n",
                                                                commune: ward, graph: graph, today: today, on: app.db)
            #expect(villages.problems == [])
            _ = try await VillageImportService.commit(villages, actor: "test", on: app.db)
            graph = try await UnitService.graph(on: app.db)
            // Its population is its villages' now that each has one.
            #expect(graph.units[ward.id]?.population == 6_100 && graph.units[ward.id]?.households == 1_700)
            let members = try await MemberImportService.check(
                "village,full_name,role,phone,joined_on\nKhu phố 1,Nguyễn Văn Hải,tổ trưởng,0903 123 456,2025-07-15\nKhu phố 1,Trần Thị Lan,tổ viên,,2025-07-15\n",
                commune: ward, graph: graph, today: today, on: app.db)
            #expect(members.problems == [])
            _ = try await MemberImportService.commit(members, actor: "test", on: app.db)
            let code = try #require(ward.code)
            let village = try #require(UnitService.find(code + "-01", on: today, in: graph))

            // The ward's police record a tip from the people; the ward's tips indicator moves.
            try await makeAccount(app, "ca.ghi", role: .communeOfficer, unit: ward.id)
            let token = try await issueToken(app, "ca.ghi")
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": code, "village": village.id.uuidString, "date": "2025-08-05",
                            "category": "social_order", "origin": "people"]) { #expect($0.status == .created) }
            try await send(app, .GET, "/api/v1/movements/vung-tau-2024-2025/phases/dot-2/results?asOf=2025-08-20", token: token) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                #expect(Set(body.units.compactMap(\.unit.code)) == new)
                let mine = try #require(body.units.first { $0.unit.code == code })
                let tips = try #require(mine.targets.first { $0.targetId == "nguon-tin-nhan-dan" })
                #expect(tips.numerator == 1 && tips.denominator == 1 && tips.value == 100)
            }
            // The accounts setup made must choose their own password before using the API.
            let officer = try #require(report.accounts.first { $0.username == "ca." + code })
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": officer.username, "password": officer.password ?? ""])
            }) { #expect($0.status == .forbidden) }
        }
    }
}
