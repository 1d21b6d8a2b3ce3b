import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Reviews: pledges, self-assessment with evidence, review, adjustments, closing and reopening a phase")
struct ReviewsTests {
    static let movement = "uong-bi-2024-2025"
    static let base = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1"
    static let sheet = "/units/06808/movements/uong-bi-2024-2025/phases/dot-1/assessment"
    static let village = DemoUnits.village("06808", "Vàng Danh 3")

    static func tip(_ day: String, origin: String = "people") -> [String: Any] {
        ["kind": "information_source", "village": village.uuidString, "date": day, "category": "social_order", "origin": origin]
    }

    /// The results API's answer for old Vàng Danh in phase 1.
    static func result(_ app: Application, _ token: String) async throws -> ResultsAPI.ResultsJSON {
        var out: ResultsAPI.ResultsJSON?
        try await send(app, .GET, base + "/results?unit=06808", token: token) { res in
            #expect(res.status == .ok)
            out = try res.content.decode(ResultsAPI.ResultsJSON.self)
        }
        return try #require(out)
    }

    static func created(_ app: Application, _ token: String, _ body: [String: Any]) async throws -> String {
        var id = ""
        try await send(app, .POST, "/api/v1/records", token: token, body) { res in
            #expect(res.status == .created)
            id = try res.content.decode(RecordJSON.self).id
        }
        return id
    }

    @Test("A closed phase keeps its results: a late record, a correction, a removal and a unit change move nothing; reopening needs a reason")
    func closing() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let secretariat = try await issueToken(app, "thuongtruc")
            // Two tips from the people and one from the police, in phase 1 (19/08/2024–03/02/2025): 2 of 3.
            _ = try await Self.created(app, officer, Self.tip("2024-10-05"))
            let corrected = try await Self.created(app, officer, Self.tip("2024-10-06"))
            let removed = try await Self.created(app, officer, Self.tip("2025-02-03", origin: "police"))
            // A month's figure, removed after the close (before tombstones, a figure's removal was not listed).
            var figure = ""
            try await send(app, .PUT, "/api/v1/figures", token: officer,
                           ["unit": "06808", "kind": "under14_population", "month": "2024-10", "value": 900, "basis": "population"]) { res in
                #expect(res.status == .created)
                figure = try res.content.decode(FiguresAPI.FigureJSON.self).id
            }
            try await send(app, .PUT, Self.base + "/assessments", token: officer,
                           ["unit": "06808", "criterion": "tuyen-truyen-luat", "selfScore": 7, "selfNote": "12 buổi"]) { #expect($0.status == .noContent) }
            try await send(app, .PUT, Self.base + "/assessments", token: secretariat,
                           ["unit": "06808", "criterion": "tuyen-truyen-luat", "reviewedScore": 6.5, "reviewNote": "Thiếu 2 biên bản"]) {
                #expect($0.status == .noContent)
            }
            try await send(app, .PUT, Self.base + "/adjustments", token: secretariat,
                           ["unit": "06808", "adjustment": "thanh-tich-dot-xuat", "points": 2, "reason": "Bắt quả tang"]) { #expect($0.status == .noContent) }
            let before = try await Self.result(app, officer)
            #expect(before.closed == false && before.closedAt == nil)
            let unit = try #require(before.units.first)
            let tips = try #require(unit.targets.first { $0.targetId == "nguon-tin-nhan-dan" })
            #expect(tips.numerator == 2 && tips.denominator == 3 && tips.value == 66.67)
            #expect(unit.criteriaPoints == 6.5 && unit.adjustmentPoints == 2)

            // Only the committee closes; closing an open phase that is over.
            let officerBrowser = Browser()
            try await officerBrowser.signIn(app, "ca.vangdanh", "demo-password-for-tests")
            try await officerBrowser.post(app, "/movements/uong-bi-2024-2025/phases/dot-1/close", [:]) { #expect($0.status == .forbidden) }
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await browser.post(app, "/movements/uong-bi-2024-2025/phases/dot-1/close", [:]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/movements/uong-bi-2024-2025/phases/dot-1")
            }
            try await browser.post(app, "/movements/uong-bi-2024-2025/phases/dot-1/close", [:]) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Đợt 1 đã được khoá sổ."))
            }
            let frozen = try await Self.result(app, officer)
            #expect(frozen.closed && frozen.closedAt != nil)
            #expect(frozen.units == before.units)

            // After closing: a late tip, a correction, a removal.
            _ = try await Self.created(app, officer, Self.tip("2024-11-01"))
            try await send(app, .PUT, "/api/v1/records/\(corrected)", token: officer,
                           ["village": Self.village.uuidString, "date": "2024-10-06", "category": "social_order", "origin": "police"]) {
                #expect($0.status == .ok)
            }
            try await send(app, .DELETE, "/api/v1/records/\(removed)", token: officer) { #expect($0.status == .noContent) }
            try await send(app, .DELETE, "/api/v1/figures/\(figure)", token: officer) { #expect($0.status == .noContent) }
            // A unit change: the commune renamed.
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("UPDATE units SET name = 'Vàng Danh Mới' WHERE id = \(bind: DemoUnits.commune("06808"))").run()
            let after = try await Self.result(app, officer)
            #expect(after.units == before.units)
            #expect(after.closed)
            // The commune's page and the dashboard show the frozen results too, and say so.
            try await browser.get(app, "/movements/uong-bi-2024-2025/phases/dot-1") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Đợt đã khoá sổ lúc"))
                #expect(res.body.string.contains("/movements/uong-bi-2024-2025/phases/dot-1/late"))
            }
            // What changed since, listed apart: the new tip, the correction, the removals of a record and a figure.
            try await browser.get(app, "/movements/uong-bi-2024-2025/phases/dot-1/late") { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.components(separatedBy: "<tr><td>").count - 1 == 4)
                for (what, day) in [("Nhập mới", "2024-11-01"), ("Sửa", "2024-10-06"), ("Xoá", "2025-02-03"), ("Xoá", "2024-10")] {
                    #expect(html.contains(what) && html.contains("<td>\(day)</td>"), "\(what) \(day)")
                }
            }
            try await officerBrowser.get(app, "/movements/uong-bi-2024-2025/phases/dot-1/late") { #expect($0.status == .forbidden) }
            // No score moves while closed.
            try await send(app, .PUT, Self.base + "/assessments", token: officer,
                           ["unit": "06808", "criterion": "phoi-hop", "selfScore": 5, "selfNote": "Phối hợp tốt"]) { res in
                #expect(res.status == .conflict)
                let detail = try problem(res).detail
                #expect(detail.contains("đã khoá sổ"))
            }
            try await send(app, .PUT, Self.base + "/adjustments", token: secretariat,
                           ["unit": "06808", "adjustment": "thanh-tich-dot-xuat", "points": 5, "reason": "x"]) { #expect($0.status == .conflict) }

            // Reopening: a reason of 10 characters at least, kept in the audit log.
            try await browser.post(app, "/movements/uong-bi-2024-2025/phases/dot-1/reopen", ["reason": "sai"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("hãy ghi lý do mở lại (ít nhất 10 ký tự)"))
                #expect(res.body.string.contains(">sai</textarea>"))
            }
            try await officerBrowser.post(app, "/movements/uong-bi-2024-2025/phases/dot-1/reopen", ["reason": "Sửa số liệu của phường"]) {
                #expect($0.status == .forbidden)
            }
            try await browser.post(app, "/movements/uong-bi-2024-2025/phases/dot-1/reopen", ["reason": "Sửa số liệu của phường"]) {
                #expect($0.status == .seeOther)
            }
            let actions = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["phase.close", "phase.reopen"]).sort(\.$seq).all()
            #expect(actions.map(\.action) == ["phase.close", "phase.reopen"])
            #expect(actions.map(\.actor) == ["thuongtruc", "thuongtruc"])
            #expect(actions.last?.after?.contains("\"reason\":\"Sửa số liệu của phường\"") == true)
            // Open again, computed from the data as it is now: people's tips of 05/10 and 01/11 of 3 (the one of 06/10
            // is the police's since its correction; the one of 03/02 is gone), under the commune's new name.
            let reopened = try await Self.result(app, officer)
            #expect(!reopened.closed)
            #expect(reopened.units.first?.unit.name == "Vàng Danh Mới")
            let live = try #require(reopened.units.first?.targets.first { $0.targetId == "nguon-tin-nhan-dan" })
            #expect(live.numerator == 2 && live.denominator == 3)
            #expect(reopened.units.first?.criteriaPoints == 6.5)
        }
    }

    @Test("Records removed before tombstones are listed from their audit entries once the upgrade has run")
    func tombstonesFromAudit() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await issueToken(app, "ca.vangdanh")
            let removed = try await Self.created(app, officer, Self.tip("2025-01-20"))
            try await send(app, .DELETE, "/api/v1/records/\(removed)", token: officer) { #expect($0.status == .noContent) }
            let tombstone = try #require(try await RemovedRow.find(UUID(uuidString: removed), on: app.db))
            #expect(tombstone.entity == .record && tombstone.kind == "information_source" && tombstone.day == "2025-01-20")
            #expect(tombstone.communeID == DemoUnits.commune("06808") && tombstone.villageID == Self.village && tombstone.removedBy == "ca.vangdanh")
            // As a database from before the upgrade: the removal in the audit log only.
            try await CreateRemovedRows().revert(on: app.db)
            try await CreateRemovedRows().prepare(on: app.db)
            let copied = try #require(try await RemovedRow.find(UUID(uuidString: removed), on: app.db))
            #expect(copied.entity == .record && copied.kind == "information_source" && copied.day == "2025-01-20")
            #expect(copied.communeID == tombstone.communeID && copied.villageID == Self.village)
            #expect(copied.removedBy == "ca.vangdanh" && abs(copied.removedAt.timeIntervalSince(tombstone.removedAt)) < 1)
            #expect(try await RemovedRow.query(on: app.db).count() == 1)
        }
    }

    @Test("Self-assessment in the browser with evidence, the secretariat's review and adjustments; who may do what")
    func assessment() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = Browser()
            try await officer.signIn(app, "ca.vangdanh", "demo-password-for-tests")
            try await officer.get(app, Self.sheet) { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("Tự chấm và thẩm định: phường Vàng Danh"))
                #expect(html.contains("/assessment/self/tuyen-truyen-luat"))
                #expect(!html.contains("/assessment/review/"))
                #expect(!html.contains("/assessment/adjustments/"))
            }
            // Mistakes come back beside their fields, with what was typed.
            let csrf = officer.cookies["thidua_csrf"] ?? ""
            var (headers, body) = multipart([("_csrf", csrf), ("score", "9"), ("note", " ")])
            headers.add(contentsOf: officer.cookieHeader)
            try await app.testing().test(.POST, Self.sheet + "/self/tuyen-truyen-luat", headers: headers, body: body) { res in
                #expect(res.status == .unprocessableEntity)
                let html = res.body.string
                #expect(html.contains("nằm ngoài khoảng cho phép"))
                #expect(html.contains("hãy giải trình điểm tự chấm"))
                #expect(html.contains("value=\"9\""))
            }
            // A NUL in a text field (PostgreSQL cannot store it) and a field given twice: refused, saying why, nothing kept.
            for (fields, status, message) in [([("score", "7,5"), ("note", "12 buổi\u{0} tuyên truyền")], HTTPStatus.unprocessableEntity,
                                               "có ký tự điều khiển U+0000 (NUL)"),
                                              ([("score", "7,5"), ("score", "9,5"), ("note", "12 buổi tuyên truyền")], .badRequest,
                                               "Trường “score” được gửi hai lần")] {
                (headers, body) = multipart([("_csrf", csrf)] + fields, files: [("files[]", TipFixture.photo)])
                headers.add(contentsOf: officer.cookieHeader)
                try await app.testing().test(.POST, Self.sheet + "/self/tuyen-truyen-luat", headers: headers, body: body) { res in
                    #expect(res.status == status)
                    #expect(res.body.string.contains(message))
                }
            }
            // A body that is not the multipart its header says: refused as bad input, not a 500.
            var broken = officer.cookieHeader
            broken.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=XyZ")
            try await app.testing().test(.POST, Self.sheet + "/self/tuyen-truyen-luat", headers: broken,
                                         body: ByteBuffer(string: "--XyZ\r\nContent-Disposition form-data\r\n\r\n7\r\n--XyZ--\r\n")) { res in
                #expect(res.status == .badRequest)
            }
            #expect(try await EvidenceFile.query(on: app.db).count() == 0)
            #expect(try await CriterionScore.query(on: app.db).count() == 0)
            (headers, body) = multipart([("_csrf", csrf), ("score", "7,5"), ("note", "12 buổi tuyên truyền, 1.200 lượt người")],
                                        files: [("files[]", TipFixture.photo)])
            headers.add(contentsOf: officer.cookieHeader)
            try await app.testing().test(.POST, Self.sheet + "/self/tuyen-truyen-luat", headers: headers, body: body) { res in
                #expect(res.status == .seeOther)
            }
            let files = try await EvidenceFile.query(on: app.db).all()
            #expect(files.count == 1 && files.first?.kind == "jpeg" && files.first?.addedBy == "ca.vangdanh")
            let file = try #require(files.first)
            let stored = FileStore(dataDirectory: app.config.dataDirectory, folder: FileStore.evidenceFiles, pool: app.threadPool)
            let bytes = try #require(stored.read(file.storedName))
            // The photo's place went with its metadata.
            #expect(!bytes.isEmpty && bytes.count < TipFixture.photo.count)
            let fileURL = Self.sheet + "/evidence/\(try file.requireID())"
            try await officer.get(app, fileURL) { res in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.description == "image/jpeg")
                #expect(res.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            }
            // The secretariat reviews: a different score needs a comment.
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, Self.sheet) { res in
                #expect(res.body.string.contains("12 buổi tuyên truyền, 1.200 lượt người"))
                #expect(res.body.string.contains("/assessment/review/tuyen-truyen-luat"))
            }
            try await secretariat.post(app, Self.sheet + "/review/tuyen-truyen-luat", ["score": "6", "note": ""]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("hãy ghi nhận xét để đơn vị biết lý do"))
            }
            try await secretariat.post(app, Self.sheet + "/review/tuyen-truyen-luat", ["score": "6", "note": "Thiếu biên bản 3 buổi"]) {
                #expect($0.status == .seeOther)
            }
            try await secretariat.post(app, Self.sheet + "/adjustments/vu-viec-nghiem-trong", ["points": "1,5", "reason": "Vụ việc kéo dài ở khu 3"]) {
                #expect($0.status == .seeOther)
            }
            try await secretariat.post(app, Self.sheet + "/adjustments/khong-co", ["points": "1", "reason": "x"]) { #expect($0.status == .notFound) }
            // The commune may not review nor adjust; a viewer sees, does nothing; a team leader does not see.
            try await officer.post(app, Self.sheet + "/review/tuyen-truyen-luat", ["score": "8", "note": "x"]) { #expect($0.status == .forbidden) }
            try await officer.post(app, Self.sheet + "/adjustments/thanh-tich-dot-xuat", ["points": "5", "reason": "x"]) { #expect($0.status == .forbidden) }
            let viewer = Browser()
            try await viewer.signIn(app, "lanhdao", "demo-password-for-tests")
            try await viewer.get(app, Self.sheet) { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("<form method=\"post\" action=\"/units/"))
            }
            try await viewer.post(app, Self.sheet + "/review/tuyen-truyen-luat", ["score": "8", "note": "x"]) { #expect($0.status == .forbidden) }
            let leader = Browser()
            try await leader.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            try await leader.get(app, Self.sheet) { #expect($0.status == .forbidden) }
            try await leader.get(app, fileURL) { #expect($0.status == .forbidden) }
            let outsider = Browser()
            try await makeAccount(app, "ca.phuongdong", role: .communeOfficer, unit: DemoUnits.commune("06832"))
            try await outsider.signIn(app, "ca.phuongdong", "demo-password-for-tests")
            try await outsider.get(app, Self.sheet) { #expect($0.status == .forbidden) }
            // The score as counted: reviewed 6 (not 7.5) on one criterion, nothing on the other; −1.5.
            let token = try await issueToken(app, "ca.vangdanh")
            let result = try await Self.result(app, token)
            #expect(result.units.first?.criteriaPoints == 6)
            #expect(result.units.first?.adjustmentPoints == -1.5)
            // The commune removes its file: gone from the database and the disk.
            try await officer.post(app, Self.sheet + "/evidence/\(try file.requireID())/delete", [:]) { #expect($0.status == .seeOther) }
            #expect(try await EvidenceFile.query(on: app.db).count() == 0)
            #expect(stored.read(file.storedName) == nil)
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["assessment.self", "assessment.review", "adjustment.set", "evidence.remove"])
                .sort(\.$seq).all().map(\.action)
            #expect(audit == ["assessment.self", "assessment.review", "adjustment.set", "evidence.remove"])
        }
    }

    @Test("Pledges: the form and its mistakes, who may pledge, who has pledged")
    func pledges() async throws {
        try await withApp { app in
            let summary = try await loadDemo(app, illustrative: true)
            let plan = try #require(summary.illustrative?.0)
            let ward = DemoUnits.ward2025("Vàng Danh")
            let path = "/units/\(ward)/movements/\(plan.id)/pledge"
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, path) { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("Đơn vị chưa đăng ký thi đua."))
                // Every target of the plan offered, ticked to start with.
                #expect(html.components(separatedBy: "value=\"true\" checked").count - 1 == plan.targets.count)
            }
            try await officer.post(app, path, ["own": "", "signer": ""]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("hãy chọn ít nhất một chỉ tiêu hoặc ghi chỉ tiêu riêng"))
                #expect(res.body.string.contains("Có 2 ô cần sửa; xem thông báo bên cạnh từng ô."))
                #expect(res.body.string.contains("bắt buộc, chưa nhập"))
            }
            var form = ["own": "Xây dựng 2 mô hình mới\nKhông để xảy ra cháy nổ", "signer": "Nguyễn Văn A, Trưởng Công an phường"]
            for target in plan.targets.prefix(3) { form["target-" + target.id] = "true" }
            try await officer.post(app, path, form) { #expect($0.status == .seeOther) }
            let pledge = try #require(try await Pledge.query(on: app.db).first())
            #expect(pledge.targetIDs == plan.targets.prefix(3).map(\.id))
            #expect(pledge.ownTargetList == ["Xây dựng 2 mô hình mới", "Không để xảy ra cháy nổ"])
            #expect(pledge.signedBy == "ca.phuongvangdanh")
            let viewer = Browser()
            try await viewer.signIn(app, "lanhdao", "demo-password-for-tests")
            try await viewer.post(app, path, form) { #expect($0.status == .forbidden) }
            let graph = try await UnitService.graph(on: app.db)
            let today = VietnamTime.localDate(of: Date())
            let communes = Participation.participants(plan: plan, structureDate: plan.phase(nearest: today).map { $0.structureDate(near: today) } ?? today,
                                                      graph: graph)
            // Each account reads the signers of the communes it reads: the ward its own, the city's secretariat all,
            // another ward's secretariat and police only theirs (none signed), and no other ward's pledge page.
            try await officer.get(app, "/movements/\(plan.id)/pledges") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("1/1 đơn vị đã đăng ký thi đua."))
                #expect(res.body.string.contains("Nguyễn Văn A, Trưởng Công an phường"))
                #expect(res.body.string.contains("3/\(plan.targets.count) chỉ tiêu của kế hoạch, 2 chỉ tiêu riêng"))
            }
            let committee = Browser()
            try await committee.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await committee.get(app, "/movements/\(plan.id)/pledges") { res in
                #expect(res.body.string.contains("1/\(communes.count) đơn vị đã đăng ký thi đua."))
                #expect(res.body.string.contains("Nguyễn Văn A, Trưởng Công an phường"))
            }
            try await makeAccount(app, "thuongtruc.uongbi", role: .secretariat, unit: DemoUnits.ward2025("Uông Bí"))
            let otherWard = Browser()
            try await otherWard.signIn(app, "thuongtruc.uongbi", "demo-password-for-tests")
            try await otherWard.get(app, "/movements/\(plan.id)/pledges") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("0/1 đơn vị đã đăng ký thi đua."))
                #expect(!res.body.string.contains("Nguyễn Văn A"))
            }
            try await otherWard.get(app, path) { #expect($0.status == .forbidden) }
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "pledge.register").count()
            #expect(audit == 1)
            // The real movement is over: its pledges are closed.
            try await officer.post(app, "/units/\(ward)/movements/uong-bi-2024-2025/pledge", form) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Phong trào đã kết thúc"))
            }
        }
    }
}
