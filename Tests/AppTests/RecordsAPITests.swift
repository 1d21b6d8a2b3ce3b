import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

func jsonBody(_ object: [String: Any]) throws -> ByteBuffer {
    ByteBuffer(data: try JSONSerialization.data(withJSONObject: object))
}

func send(_ app: Application, _ method: HTTPMethod, _ path: String, token: String, _ body: [String: Any]? = nil,
          _ check: (TestingHTTPResponse) async throws -> Void) async throws {
    var headers: HTTPHeaders = ["Authorization": "Bearer \(token)"]
    if body != nil { headers.contentType = .json }
    try await app.testing().test(method, path, headers: headers, body: try body.map(jsonBody), afterResponse: check)
}

/// The seed plan under another id with one line changed; fails if the line is not in the plan.
func importSeedVariant(_ app: Application, id: String, replacing old: String, with new: String) async throws {
    let seed = try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8)
    try #require(seed.contains(old))
    let plan = seed.replacingOccurrences(of: "id: uong-bi-2024-2025", with: "id: \(id)").replacingOccurrences(of: old, with: new)
    _ = try await PlanService.importPlan(yaml: plan, actor: "test", on: app.db)
}

@Suite("Records through the API: checks, scope, audit, and indicators that move at once")
struct RecordsAPITests {
    @Test("A tip from the people moves the commune's tips indicator at once")
    func tipMovesIndicator() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let results = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?unit=06808&asOf=2025-02-03"
            func tips() async throws -> (Double?, Double?) {
                var pair: (Double?, Double?) = (nil, nil)
                try await send(app, .GET, results, token: officer) { res in
                    let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                    let t = body.units[0].targets[0]
                    pair = (t.numerator, t.denominator)
                }
                return pair
            }
            let v1 = try await tips()
            #expect(v1 == (0, 0))
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-01",
                            "category": "social_order", "origin": "people", "summary": "Tụ tập đánh bạc"]) { res in
                #expect(res.status == .created)
                let r = try res.content.decode(RecordJSON.self)
                #expect(r.unitName == "phường Vàng Danh")
                #expect(r.status == "received")
            }
            let v2 = try await tips()
            #expect(v2 == (1, 1))
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-02",
                            "category": "social_order", "origin": "police"]) { res in
                #expect(res.status == .created)
            }
            let v3 = try await tips()
            #expect(v3 == (1, 2))
        }
    }

    @Test("Results carry an ETag: 304 while nothing changed, a new tag after a record, another for another question")
    func entityTags() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let results = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?unit=06808&asOf=2025-02-03"
            func get(_ path: String, _ headers: HTTPHeaders = [:]) async throws -> (HTTPStatus, String?, Int) {
                var out: (HTTPStatus, String?, Int) = (.ok, nil, 0)
                var all = headers
                all.add(name: .authorization, value: "Bearer \(officer)")
                try await app.testing().test(.GET, path, headers: all) { res in
                    out = (res.status, res.headers.first(name: .eTag), res.body.readableBytes)
                }
                return out
            }
            let (status, tag, size) = try await get(results)
            let first = try #require(tag)
            #expect(status == .ok && first.hasPrefix("W/\"") && first.count == 28 && size > 0)
            // The same question again, with the tag: nothing built, nothing sent. Weak or strong, in a list, or `*`.
            for header in [first, String(first.dropFirst(2)), "\"other\", \(first)", "*"] {
                let (again, sameTag, empty) = try await get(results, ["If-None-Match": header])
                #expect(again == .notModified && sameTag == first && empty == 0, "\(header)")
            }
            #expect(try await get(results, ["If-None-Match": "W/\"other\""]).0 == .ok)
            // Another question, another tag: another unit, day or language.
            #expect(try await get(results.replacingOccurrences(of: "06808", with: "06817")).1 != first)
            #expect(try await get(results.replacingOccurrences(of: "2025-02-03", with: "2025-02-04")).1 != first)
            #expect(try await get(results, ["Accept-Language": "en"]).1 != first)
            // A record changes the data: the old tag no longer matches, and the new answer has its own.
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-01",
                            "category": "social_order", "origin": "people"]) { #expect($0.status == .created) }
            let (after, newTag, _) = try await get(results, ["If-None-Match": first])
            #expect(after == .ok && newTag != nil && newTag != first)
        }
    }

    @Test("Bad input: every field's message at once, and nothing stored")
    func validation() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2024-13-01",
                            "category": "gossip", "attendance": 3]) { res in
                #expect(res.status == .unprocessableEntity)
                let p = try problem(res)
                #expect(p.detail == "Dữ liệu chưa hợp lệ; xem thông báo ở từng trường.")
                // A bad date does not hide the other fields' mistakes.
                #expect(p.errors == ["date": "không phải ngày hợp lệ (YYYY-MM-DD)", "category": "giá trị không được chấp nhận",
                                     "origin": "bắt buộc, chưa nhập", "attendance": "không dùng cho loại bản ghi này"])
            }
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": "06808", "date": "2024-12-01",
                            "category": "gossip", "attendance": 3]) { res in
                let p = try problem(res)
                #expect(p.errors == ["category": "giá trị không được chấp nhận", "origin": "bắt buộc, chưa nhập",
                                     "attendance": "không dùng cho loại bản ghi này"])
            }
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "rumour", "unit": "06808", "date": "2024-12-01"]) { res in
                #expect(res.status == .unprocessableEntity)
                let v4 = try problem(res).errors
                #expect(v4 == ["kind": "giá trị không được chấp nhận"])
            }
            // Quang Trung did not exist on 01/08/2025; a village of Vàng Danh is not in Quang Trung.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "propaganda", "unit": "06817", "date": "2025-08-01", "topic": "Luật", "attendance": 40]) { res in
                let v5 = try problem(res).errors
                #expect(v5 == ["unit": "đơn vị không tồn tại vào ngày đó"])
            }
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "propaganda", "unit": "06808", "date": "2099-01-01", "topic": "Luật", "attendance": 40]) { res in
                let v6 = try problem(res).errors
                #expect(v6 == ["date": "không được ở tương lai", "unit": "đơn vị không tồn tại vào ngày đó"])
            }
            try await app.testing().test(.POST, "/api/v1/records", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                         body: ByteBuffer(string: "{\"kind\": ")) { res in
                #expect(res.status == .badRequest)
            }
            let stored = try await Record.query(on: app.db).count()
            #expect(stored == 0)
        }
    }

    @Test("A patrol at 23:30 on 03/02/2025 counts in phase 1; one at 00:30 on 04/02 in phase 2")
    func patrolDays() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let village = graph.villages(of: graph.units.values.first { $0.code == "06808" }!.id, on: LocalDate(iso: "2025-01-01")!)[0]
            let token = try await issueToken(app, "ca.vangdanh")
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "patrol", "village": village.id.uuidString, "startedAt": "2025-02-03T16:30:00Z",
                            "endedAt": "2025-02-03T19:00:00Z", "participants": 3, "racingPrevented": true]) { res in
                #expect(res.status == .created)
                let r = try res.content.decode(RecordJSON.self)
                #expect(r.date == "2025-02-03")
                #expect(r.unitName == "phường Vàng Danh")
                #expect(r.incidentsFound == 0)
            }
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "patrol", "village": village.id.uuidString, "startedAt": "2025-02-03T17:30:00Z",
                            "endedAt": "2025-02-03T20:00:00Z", "participants": 4]) { res in
                let v7 = try res.content.decode(RecordJSON.self).date
                #expect(v7 == "2025-02-04")
            }
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "patrol", "village": village.id.uuidString, "date": "2025-02-03",
                            "startedAt": "2025-02-03T17:30:00Z", "endedAt": "2025-02-03T17:00:00Z", "participants": 0]) { res in
                #expect(res.status == .unprocessableEntity)
                let v8 = try problem(res).errors?.keys.sorted()
                #expect(v8 == ["date", "endedAt", "participants"])
            }
            // A plan that counts patrols sees each in its own phase.
            let plan = try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8)
                .replacingOccurrences(of: "id: uong-bi-2024-2025", with: "id: patrols-test")
                .replacingOccurrences(of: "count: {records: exemplar}", with: "count: {records: patrol, where: {racing_prevented: \"true\"}}")
            _ = try await PlanService.importPlan(yaml: plan, actor: "test", on: app.db)
            for (phase, expected) in [("dot-1", 1.0), ("dot-2", 0.0)] {
                try await send(app, .GET, "/api/v1/movements/patrols-test/phases/\(phase)/results?unit=06808&asOf=2025-08-19&structureDate=2025-02-03", token: token) { res in
                    let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                    #expect(body.units[0].targets.first { $0.targetId == "dien-hinh" }?.value == expected)
                }
            }
        }
    }

    @Test("A change indicator on records: the phase against the same days a year earlier")
    func recordChange() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await importSeedVariant(app, id: "drugs-test",
                                        replacing: "change: {figure: reoffenders, aggregate: sum, baseline: previous_year}",
                                        with: "change: {records: information_source, where: {category: drugs}, baseline: previous_year}")
            let token = try await issueToken(app, "thuongtruc")
            // A year before phase 1 (19/08/2023–03/02/2024): 3 drug tips; in phase 1: 2, and one on 18/08/2024 outside.
            for day in ["2023-08-19", "2023-12-01", "2024-02-03", "2024-09-01", "2025-02-03", "2024-08-18"] {
                try await send(app, .POST, "/api/v1/records", token: token,
                               ["kind": "information_source", "unit": "06817", "date": day, "category": "drugs", "origin": "people"]) { res in
                    #expect(res.status == .created)
                }
            }
            try await send(app, .GET, "/api/v1/movements/drugs-test/phases/dot-1/results?unit=06817&asOf=2025-03-01", token: token) { res in
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                let t = body.units[0].targets.first { $0.targetId == "tai-pham" }!
                #expect(t.value == 2)
                #expect(t.baseline == 3)
                #expect(t.met)
                #expect(t.points == 10)
            }
        }
    }

    @Test("A measure filtered by a tip's status reads the records (the totals leave status out); the rest the totals")
    func statusFilter() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await importSeedVariant(app, id: "verified-test",
                                        replacing: "numerator: {records: information_source, where: {category: social_order, origin: people}}",
                                        with: "numerator: {records: information_source, where: {category: social_order, origin: people, status: verified}}")
            let token = try await issueToken(app, "thuongtruc")
            // Phase 1 (19/08/2024–03/02/2025): on its first and last days, and in whole months between; one the day after.
            for (day, origin, status) in [("2024-08-19", "people", "verified"), ("2024-10-10", "people", "received"),
                                          ("2024-10-11", "people", "verified"), ("2024-12-15", "police", "verified"),
                                          ("2025-02-03", "people", "verified"), ("2025-02-04", "people", "verified")] {
                try await send(app, .POST, "/api/v1/records", token: token,
                               ["kind": "information_source", "unit": "06808", "date": day, "category": "social_order",
                                "origin": origin, "status": status]) { res in
                    #expect(res.status == .created)
                }
            }
            try await send(app, .GET, "/api/v1/movements/verified-test/phases/dot-1/results?unit=06808&asOf=2025-02-03", token: token) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                let t = body.units[0].targets.first { $0.targetId == "nguon-tin-nhan-dan" }!
                // Verified tips from the people: 19/08, 11/10, 03/02 = 3; all social-order tips in the phase: 5.
                #expect(t.numerator == 3)
                #expect(t.denominator == 5)
                #expect(t.value == 60)
                // 60 of the goal's 80, of 15 points.
                #expect(t.points == 11.25)
            }
        }
    }

    @Test("Scope: commune police write in their commune only; viewers never; team leaders their village's activities")
    func scope() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let vangDanh = graph.units.values.first { $0.code == "06808" }!
            let village = graph.villages(of: vangDanh.id, on: LocalDate(iso: "2025-01-01")!).sorted { $0.name < $1.name }[0]
            let officer = try await issueToken(app, "ca.vangdanh")
            let viewer = try await issueToken(app, "lanhdao")
            let tip: [String: Any] = ["kind": "information_source", "unit": "06811", "date": "2024-12-01",
                                      "category": "drugs", "origin": "people"]
            try await send(app, .POST, "/api/v1/records", token: officer, tip) { res in
                #expect(res.status == .forbidden)
            }
            try await send(app, .POST, "/api/v1/records", token: viewer, tip) { res in
                #expect(res.status == .forbidden)
            }
            // A team leader of one village.
            let leader = User(username: "to.truong", displayName: "Tổ trưởng", passwordHash: try Bcrypt.hash("demo-password-for-tests"),
                              role: .teamLeader, unitID: village.id)
            try await leader.create(on: app.db)
            let leaderToken = try await issueToken(app, "to.truong")
            try await send(app, .POST, "/api/v1/records", token: leaderToken,
                           ["kind": "propaganda", "village": village.id.uuidString, "date": "2024-12-01", "topic": "PCCC", "attendance": 25]) { res in
                #expect(res.status == .created)
            }
            try await send(app, .POST, "/api/v1/records", token: leaderToken,
                           ["kind": "exemplar", "village": village.id.uuidString, "date": "2024-12-01",
                            "exemplarKind": "individual", "name": "A", "recognisedBy": "B"]) { res in
                #expect(res.status == .forbidden)
            }
            try await send(app, .POST, "/api/v1/records", token: leaderToken,
                           ["kind": "propaganda", "unit": "06808", "date": "2024-12-01", "topic": "PCCC", "attendance": 25]) { res in
                #expect(res.status == .forbidden)
            }
            let v9 = try await Record.query(on: app.db).count()
            #expect(v9 == 1)
        }
    }

    @Test("Corrections and deletions are audited with before and after; personal data stays in scope")
    func correctAndDelete() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let viewer = try await issueToken(app, "lanhdao")
            var id = ""
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "reform_case", "unit": "06808", "date": "2024-09-10", "code": "VD-01", "name": "Trần Văn B"]) { res in
                #expect(res.status == .created)
                let r = try res.content.decode(RecordJSON.self)
                #expect(r.name == "Trần Văn B")
                id = r.id
            }
            try await send(app, .GET, "/api/v1/records/\(id)", token: viewer) { res in
                #expect(res.status == .ok)
                let r = try res.content.decode(RecordJSON.self)
                #expect(r.code == "VD-01")
                #expect(r.name == nil)
            }
            try await send(app, .PUT, "/api/v1/records/\(id)", token: officer,
                           ["unit": "06808", "date": "2024-09-10", "code": "VD-01", "name": "Trần Văn B", "reoffendedOn": "2025-01-05"]) { res in
                #expect(res.status == .ok)
                let v10 = try res.content.decode(RecordJSON.self).reoffendedOn
                #expect(v10 == "2025-01-05")
            }
            try await send(app, .PUT, "/api/v1/records/\(id)", token: officer,
                           ["kind": "exemplar", "unit": "06808", "date": "2024-09-10", "code": "VD-01"]) { res in
                let v11 = try problem(res).errors
                #expect(v11 == ["kind": "không đổi được loại bản ghi; hãy xóa và tạo lại"])
            }
            try await send(app, .POST, "/api/v1/records", token: officer,
                           ["kind": "reform_visit", "unit": "06808", "date": "2024-10-10", "reformCase": id]) { res in
                #expect(res.status == .created)
            }
            try await send(app, .DELETE, "/api/v1/records/\(id)", token: officer) { res in
                #expect(res.status == .conflict)
            }
            try await send(app, .DELETE, "/api/v1/records/\(id)", token: viewer) { res in
                #expect(res.status == .forbidden)
            }
            let entries = try await AuditEntry.query(on: app.db).filter(\.$entity == "record").sort(\.$seq).all()
            #expect(entries.map(\.action) == ["record.create", "record.update", "record.create"])
            #expect(entries[1].before?.contains("\"reoffendedOn\"") == false)
            #expect(entries[1].after?.contains("\"reoffendedOn\":\"2025-01-05\"") == true)
            // Personal names never enter the audit log.
            #expect(entries.allSatisfy { !($0.after ?? "").contains("Trần Văn B") })
            let v12 = try await AuditLog.verify(on: app.db)
            #expect(v12 == .intact(entries: try await AuditEntry.query(on: app.db).count()))
            try await send(app, .GET, "/api/v1/records?kind=reform_case", token: officer) { res in
                let page = try res.content.decode(RecordsAPI.RecordPage.self)
                #expect(page.total == 1)
            }
            try await send(app, .GET, "/api/v1/records?kind=gossip", token: officer) { res in
                #expect(res.status == .badRequest)
            }
            try await send(app, .GET, "/api/v1/records?limit=lots", token: officer) { res in
                #expect(res.status == .badRequest)
                let detail = try problem(res).detail
                #expect(detail == "Tham số limit phải là số nguyên từ 1 đến 1000, không phải “lots”.")
            }
            try await send(app, .GET, "/api/v1/records?offset=-1", token: officer) { res in
                #expect(res.status == .badRequest)
            }
            try await send(app, .GET, "/api/v1/figures?kind=gossip", token: officer) { res in
                #expect(res.status == .badRequest)
                let detail = try problem(res).detail
                #expect(detail.hasPrefix("Loại số liệu “gossip” không có. Các loại: under14_population,"))
            }
        }
    }

    @Test("Figures: set, corrected, checked; assessments and adjustments by the right roles")
    func figuresAndCommittee() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let secretariat = try await issueToken(app, "thuongtruc")
            try await send(app, .PUT, "/api/v1/figures", token: officer,
                           ["unit": "06808", "kind": "under14_population", "month": "2024-12", "value": 1200, "basis": "population"]) { res in
                #expect(res.status == .created)
            }
            try await send(app, .PUT, "/api/v1/figures", token: officer,
                           ["unit": "06808", "kind": "under14_population", "month": "2024-12", "value": 1250]) { res in
                #expect(res.status == .ok)
                let v13 = try res.content.decode(FiguresAPI.FigureJSON.self).value
                #expect(v13 == 1250)
            }
            try await send(app, .PUT, "/api/v1/figures", token: officer,
                           ["unit": "06808", "kind": "under14_population", "month": "2024-13", "value": -1]) { res in
                #expect(res.status == .unprocessableEntity)
                let v14 = try problem(res).errors
                #expect(v14 == ["month": "không phải tháng hợp lệ (YYYY-MM)", "value": "nằm ngoài khoảng cho phép"])
            }
            try await send(app, .PUT, "/api/v1/figures", token: officer,
                           ["unit": "06811", "kind": "under14_population", "month": "2024-12", "value": 10]) { res in
                #expect(res.status == .forbidden)
            }
            let v15 = try await Figure.query(on: app.db).count()
            #expect(v15 == 1)

            let base = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1"
            try await send(app, .PUT, base + "/assessments", token: officer,
                           ["unit": "06808", "criterion": "tuyen-truyen-luat", "selfScore": 7, "selfNote": "12 buổi tuyên truyền"]) { res in
                #expect(res.status == .noContent)
            }
            try await send(app, .PUT, base + "/assessments", token: officer,
                           ["unit": "06808", "criterion": "tuyen-truyen-luat", "reviewedScore": 8]) { res in
                #expect(res.status == .forbidden)
            }
            try await send(app, .PUT, base + "/assessments", token: secretariat,
                           ["unit": "06808", "criterion": "tuyen-truyen-luat", "reviewedScore": 5, "reviewNote": "Thiếu biên bản 4 buổi"]) { res in
                #expect(res.status == .noContent)
            }
            try await send(app, .PUT, base + "/assessments", token: secretariat,
                           ["unit": "06808", "criterion": "tuyen-truyen-luat", "reviewedScore": 9]) { res in
                let v16 = try problem(res).errors
                #expect(v16 == ["reviewedScore": "nằm ngoài khoảng cho phép"])
            }
            try await send(app, .PUT, base + "/adjustments", token: officer,
                           ["unit": "06808", "adjustment": "thanh-tich-dot-xuat", "points": 3, "reason": "Bắt quả tang"]) { res in
                #expect(res.status == .forbidden)
            }
            try await send(app, .PUT, base + "/adjustments", token: secretariat,
                           ["unit": "06808", "adjustment": "thanh-tich-dot-xuat", "points": 3, "reason": "Bắt quả tang"]) { res in
                #expect(res.status == .noContent)
            }
            try await send(app, .GET, base + "/results?unit=06808&asOf=2025-03-01", token: officer) { res in
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                #expect(body.units[0].criteriaPoints == 5)
                #expect(body.units[0].adjustmentPoints == 3)
                // Models and exemplars count 0 (data); everything else has no data: 5 + 3 = 8.
                #expect(body.units[0].total == 8)
            }
        }
    }
}
