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
            #expect(report.accounts.first == .init(username: "thuongtruc.747", role: .secretariat, unit: "thành phố Vũng Tàu",
                                                   password: report.accounts.first?.password))
            #expect(report.accounts.count == 1 + new.count && report.accounts.allSatisfy { $0.password?.count == 17 })
            #expect(report.withoutVillages.count == new.count && report.withoutPopulation.count == new.count)
            // Again: nothing new, the accounts kept with their passwords.
            let again = try await LocalitySetup.run(area: "747", plan: nil, resources: resourcesDirectory, actor: "test", today: today, on: app.db)
            #expect(again.catalogue == nil && again.accounts.allSatisfy { $0.password == nil })
            // Its secretariat reads the wards Vũng Tàu became, and no other ward of Thành phố Hồ Chí Minh.
            let unitGraph = try await UnitService.graph(on: app.db)
            let secretary = try #require(try await User.query(on: app.db).filter(\.$username == "thuongtruc.747").first())
            let reach = secretary.reach(unitGraph)
            #expect(report.communes.allSatisfy { reach.includes(commune: $0.id, village: nil, on: today) })
            let province = try #require(unitGraph.unit(code: "79", on: today))
            let others = unitGraph.units(at: .commune, on: today, under: province.id).filter { c in !new.contains(c.code ?? "") }
            #expect(others.count > 100 && others.allSatisfy { !reach.includes(commune: $0.id, village: nil, on: today) })
            // A second district of the same province has its own secretariat, with its own password.
            let other = try await LocalitySetup.run(area: "748", plan: nil, resources: resourcesDirectory, actor: "test", today: today, on: app.db)
            #expect(other.accounts.first?.username == "thuongtruc.748" && other.accounts.first?.password != nil)

            // One ward's villages and a team's members, from files.
            var graph = try await UnitService.graph(on: app.db)
            let ward = try #require(report.communes.first)
            let formedFrom = graph.formedFrom(ward.id).map(\.unit.id)
            #expect(!formedFrom.isEmpty)
            let villages = try await VillageImportService.check(.csv("village,kind,population,households\nKhu phố 1,khu phố,3200,900\nKhu phố 2,khu phố,2900,800\n"),
                                                                commune: ward, graph: graph, today: today, on: app.db)
            #expect(villages.problems == [])
            _ = try await VillageImportService.commit(villages, actor: "test", on: app.db)
            graph = try await UnitService.graph(on: app.db)
            // Its population is its villages' now that each has one.
            #expect(graph.units[ward.id]?.population == 6_100 && graph.units[ward.id]?.households == 1_700)
            let members = try await MemberImportService.check(
                .csv("village,full_name,role,phone,joined_on\nKhu phố 1,Nguyễn Văn Hải,tổ trưởng,0903 123 456,2025-07-15\nKhu phố 1,Trần Thị Lan,tổ viên,,2025-07-15\n"),
                commune: ward, graph: graph, today: today, on: app.db)
            #expect(members.problems == [])
            _ = try await MemberImportService.commit(members, actor: "test", on: app.db)
            let code = try #require(ward.code)
            let village = try #require(UnitService.find(code + "-01", on: today, in: graph))
            #expect(village.level == .village && village.kind == "khu phố")
            // Its villages, made after the merger, take nothing from what it was formed from.
            #expect(graph.formedFrom(ward.id).map(\.unit.id) == formedFrom)

            // The ward's police record a tip from the people; the ward's tips indicator moves.
            try await makeAccount(app, "ca.ghi", role: .communeOfficer, unit: ward.id)
            let token = try await issueToken(app, "ca.ghi")
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": code, "village": code + "-01", "date": "2025-08-05",
                            "category": "social_order", "origin": "people"]) { #expect($0.status == .created) }
            try await send(app, .GET, "/api/v1/movements/vung-tau-2024-2025/phases/dot-2/results?asOf=2025-08-20", token: token) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                #expect(Set(body.units.compactMap(\.unit.code)) == new)
                let mine = try #require(body.units.first { $0.unit.code == code })
                let tips = try #require(mine.targets.first { $0.targetId == "nguon-tin-nhan-dan" })
                #expect(tips.numerator == 1 && tips.denominator == 1 && tips.value == 100)
            }
            // Before the merger, for a commune it was formed from, as before its villages came.
            try await send(app, .GET, "/api/v1/units/\(ward.id.uuidString)/predecessors?date=2025-06-30", token: token) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(APIModels.Predecessors.self)
                #expect(Set(body.constituents.map(\.unit.id)) == Set(formedFrom.map(\.uuidString)))
            }
            let predecessor = try #require(formedFrom.first.flatMap { graph.units[$0]?.code })
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": predecessor, "date": "2025-05-05",
                            "category": "social_order", "origin": "people"]) { #expect($0.status == .created) }
            // The accounts setup made must choose their own password before using the API.
            let officer = try #require(report.accounts.first { $0.username == "ca." + code })
            try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": officer.username, "password": officer.password ?? ""])
            }) { #expect($0.status == .forbidden) }
        }
    }

    @Test("In the browser: the admin sets up a locality; a bad code or plan is said beside its field and changes nothing; others may not")
    func setupPage() async throws {
        try await withApp { app in
            try await makeAccount(app, "quantri", role: .admin, unit: nil)
            try await makeAccount(app, "xem", role: .viewer, unit: nil)
            let admin = Browser()
            try await admin.signIn(app, "quantri", "demo-password-for-tests")
            try await admin.get(app, "/admin/setup") { res in
                #expect(res.status == .ok && res.body.string.contains("Thiết lập một địa bàn"))
            }
            try await admin.get(app, "/movements") { #expect($0.body.string.contains("href=\"/admin/setup\"")) }
            let seed = try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8)
            let plan = seed.replacingOccurrences(of: "id: uong-bi-2024-2025", with: "id: vung-tau-2024-2025")
                .replacingOccurrences(of: "area: [\"196\"]", with: "area: [\"747\"]")
            let accounts = try await User.query(on: app.db).count()
            // No code; a code nobody has; a plan with a mistake: each said, nothing made.
            try await admin.post(app, "/admin/setup", ["area": " "]) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("id=\"area-error\">nhập mã địa bàn"))
            }
            try await uploadFile(app, admin, "/admin/setup", bytes: Data(plan.replacingOccurrences(of: "points: 15", with: "points: 14").utf8),
                                 name: "ke-hoach.yaml", type: "application/yaml", field: "plan", fields: ["area": "747"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("id=\"plan-error\">tệp kế hoạch có lỗi") && res.body.string.contains("Tổng điểm chuẩn"))
                #expect(res.body.string.contains("value=\"747\""))
            }
            try await admin.post(app, "/admin/setup", ["area": "99999"]) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("không có đơn vị nào mã 99999 hôm nay"))
            }
            let units = try await Unit.query(on: app.db).count()
            #expect(try await User.query(on: app.db).count() == accounts && units == 0)
            // The plan and the area: the accounts with their one-time passwords, on this answer only, and what is missing.
            var passwords: [String] = []
            try await uploadFile(app, admin, "/admin/setup", bytes: Data(plan.utf8), name: "ke-hoach.yaml", type: "application/yaml",
                                 field: "plan", fields: ["area": "747"]) { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .cacheControl) == "no-store")
                let html = res.body.string
                #expect(html.contains("Địa bàn: thành phố Vũng Tàu, 5 xã, phường, đặc khu.") && html.contains("Kế hoạch vung-tau-2024-2025: đã nạp mới."))
                #expect(html.contains("Đã nạp danh mục đơn vị hành chính quốc gia: 14.122 đơn vị, 14.052 quan hệ trực thuộc, 10.597 quan hệ kế thừa."))
                #expect(html.contains("Tài khoản: 6 tạo mới, 0 đã có.") && html.contains("thuongtruc.747"))
                #expect(html.contains("5 xã, phường chưa có thôn, khu") && html.contains(">phường Vũng Tàu</a>"))
                let regex = try NSRegularExpression(pattern: #"<code class="token">([^<]+)</code>"#)
                passwords = regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { m in
                    Range(m.range(at: 1), in: html).map { String(html[$0]) }
                }
            }
            #expect(passwords.count == 6 && passwords.allSatisfy { $0.count == 17 })
            // A new account signs in with its one-time password and is sent to change it.
            let secretariat = Browser()
            try await secretariat.get(app, "/sign-in")
            try await secretariat.post(app, "/sign-in", ["username": "thuongtruc.747", "password": passwords[0], "next": "/"]) { res in
                #expect(res.status == .seeOther)
            }
            try await secretariat.get(app, "/records") { #expect($0.headers.first(name: .location) == "/account/password") }
            // Again: nothing twice, no password shown.
            try await admin.post(app, "/admin/setup", ["area": "747"]) { res in
                #expect(res.status == .ok && res.body.string.contains("Tài khoản: 0 tạo mới, 6 đã có.") && !res.body.string.contains("class=\"token\""))
            }
            let viewer = Browser()
            try await viewer.signIn(app, "xem", "demo-password-for-tests")
            try await viewer.get(app, "/admin/setup") { #expect($0.status == .forbidden) }
            try await viewer.post(app, "/admin/setup", ["area": "747"]) { #expect($0.status == .forbidden) }
        }
    }
}
