import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Awards: nominations with measured evidence, the council, decisions, certificates, award forms")
struct AwardsTests {
    static let movement = "uong-bi-2024-2025"
    static let commune = DemoUnits.commune("06808")
    static let village = DemoUnits.village("06808", "Vàng Danh 3")
    static let otherVillage = DemoUnits.village("06808", "Vàng Danh 4")

    static func form(_ app: Application, _ code: String) async throws -> String {
        try #require(try await AwardForm.query(on: app.db).filter(\.$code == code).first()?.id?.uuidString)
    }

    /// A member of khu Vàng Danh 3's team.
    static func member(_ app: Application) async throws -> Member {
        let team = try #require(try await Team.query(on: app.db).filter(\.$village.$id == village).first())
        return try #require(try await Member.query(on: app.db).filter(\.$team.$id == team.requireID()).sort(\.$fullName).first())
    }

    /// Phường Vàng Danh's officer, signed in, on the nominations' list (which gives the form its token).
    static func officer(_ app: Application) async throws -> Browser {
        let officer = Browser()
        try await officer.signIn(app, "ca.vangdanh", "demo-password-for-tests")
        try await officer.get(app, "/movements/\(movement)/nominations")
        return officer
    }

    /// Proposes through the form as the browser does; returns the response's status and where it sends.
    static func propose(_ app: Application, _ b: Browser, form: String, nominee: String, achievement: String) async throws -> (HTTPStatus, String?) {
        var (headers, body) = multipart([("_csrf", b.cookies["thidua_csrf"] ?? ""), ("form", form), ("nominee", nominee), ("achievement", achievement)])
        headers.add(contentsOf: b.cookieHeader)
        var out: (HTTPStatus, String?) = (.ok, nil)
        try await app.testing().test(.POST, "/movements/\(movement)/nominations/new?unit=06808", headers: headers, body: body) { res in
            out = (res.status, res.headers.first(name: .location))
        }
        return out
    }

    @Test("A nomination whose stored step no step names is refused, never read as proposed")
    func unknownStepFailsClosed() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await Self.officer(app)
            let member = try await Self.member(app)
            let fighter = try await Self.form(app, "chien-si-thi-dua-co-so")
            let made = try await Self.propose(app, officer, form: fighter, nominee: "member:\(try member.requireID().uuidString)",
                                              achievement: "Tham gia 19 buổi tuần tra trong năm.")
            #expect(made.0 == .seeOther)
            let id = try #require(try await Nomination.query(on: app.db).first()?.requireID())
            // A value written by hand, or by a later version this one does not know.
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("UPDATE nominations SET status = 'approved_by_hand' WHERE id = \(bind: id)").run()
            do {
                _ = try await Nomination.find(id, on: app.db)
                Issue.record("a step no step names was read")
            } catch let error as FluentError {
                #expect(String(describing: error).contains("status"), "\(error)")
            }
            // Its page and the list are errors, not a proposal anyone can act on; the stored row is as it was.
            try await officer.get(app, "/nominations/\(id)") { #expect($0.status == .internalServerError) }
            try await officer.get(app, "/movements/\(Self.movement)/nominations") { #expect($0.status == .internalServerError) }
            let stored = try await sql.raw("SELECT status FROM nominations WHERE id = \(bind: id)").first(decoding: [String: String].self)
            #expect(stored?["status"] == "approved_by_hand")
        }
    }

    @Test("The nomination's evidence is the records counted by hand: the member's village, the commune, the movement's days")
    func evidence() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let author = UUID()
            func source(_ day: String, _ origin: String, village: UUID = Self.village) async throws {
                try await storeRecord(app.db, .informationSource, commune: Self.commune, village: village, on: day, by: author) {
                    $0.category = "social_order"; $0.origin = origin; $0.status = "received"
                }
            }
            // In khu Vàng Danh 3: 2 from the people, 1 from a team member, 2 patrols, 1 propaganda, 1 exemplar.
            try await source("2024-09-01", "people")
            try await source("2025-01-15", "people")
            try await source("2025-03-02", "team_member")
            for day in ["2024-10-01", "2025-06-30"] { try await storeRecord(app.db, .patrol, commune: Self.commune, village: Self.village, on: day, by: author) }
            try await storeRecord(app.db, .propaganda, commune: Self.commune, village: Self.village, on: "2024-12-12", by: author)
            try await storeRecord(app.db, .exemplar, commune: Self.commune, village: Self.village, on: "2025-04-29", by: author) {
                $0.subkind = "individual"; $0.title = "Bà Nguyễn Thị E"; $0.recognisedBy = "UBND phường"
            }
            // Not the member's: another village, and days outside the movement (19/08/2024–19/08/2025).
            try await source("2024-09-02", "people", village: Self.otherVillage)
            try await source("2024-08-18", "people")
            try await source("2025-08-20", "people")
            let (movement, plan) = try #require(try await PlanService.movement(Self.movement, on: app.db))
            let graph = try await UnitService.graph(on: app.db)
            let unit = try #require(graph.units[Self.commune])
            let member = try await Self.member(app)
            let nominee = AwardService.Nominee(kind: .member, id: try member.requireID(), name: member.fullName, village: Self.village)
            let today = LocalDate(iso: "2026-01-10")!
            let e = try await AwardService.evidence(for: nominee, commune: unit, movement: movement, plan: plan, graph: graph, today: today,
                                                    on: app.db, cache: nil)
            #expect(e.area == "khu Vàng Danh 3")
            #expect(e.from.iso == "2024-08-19" && e.to.iso == "2025-08-19")
            let counts = Dictionary(uniqueKeysWithValues: e.counts.map { ($0.key, $0.n) })
            #expect(counts == ["information_source": 3, "information_source.people": 2, "information_source.team_member": 1, "patrol": 2,
                               "fire_activity": 0, "propaganda": 1, "reform_visit": 0, "model": 0, "exemplar": 1])
            #expect(e.exemplars == ["29/04/2025: Bà Nguyễn Thị E (UBND phường)"])
            // The commune's standing per phase: old Vàng Danh in phase 1; the 2025 ward that holds the village in phase 2.
            #expect(e.standings.map(\.phase) == ["Đợt 1", "Đợt 2"])
            #expect(e.standings.map(\.unit) == ["phường Vàng Danh", "phường Vàng Danh"])
            #expect(e.standings.map(\.of) == [10, 3])
            // The commune as nominee: every village of it, still only the movement's days.
            let whole = try await AwardService.evidence(for: .init(kind: .commune, id: Self.commune, name: unit.fullName, village: nil), commune: unit,
                                                        movement: movement, plan: plan, graph: graph, today: today, on: app.db, cache: nil)
            #expect(whole.counts.first { $0.key == "information_source" }?.n == 4)
            #expect(whole.counts.first { $0.key == "information_source.people" }?.n == 3)
        }
    }

    @Test("The workflow: who may take each step, returned and sent again, the council's vote, the decision, the certificate")
    func workflow() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = try await Self.officer(app)
            let member = try await Self.member(app)
            let nominee = "member:\(try member.requireID().uuidString)"
            // The flag is for collectives: refused for a member, with the field's message.
            let flag = try await Self.form(app, "co-thi-dua")
            let refused = try await Self.propose(app, officer, form: flag, nominee: nominee, achievement: "Tham gia 19 buổi tuần tra trong năm.")
            #expect(refused.0 == .unprocessableEntity)
            #expect(try await Nomination.query(on: app.db).count() == 0)
            let fighter = try await Self.form(app, "chien-si-thi-dua-co-so")
            let short = try await Self.propose(app, officer, form: fighter, nominee: nominee, achievement: "Tốt")
            #expect(short.0 == .unprocessableEntity)
            let made = try await Self.propose(app, officer, form: fighter, nominee: nominee, achievement: "Tham gia 19 buổi tuần tra trong năm.")
            #expect(made.0 == .seeOther)
            let n = try #require(try await Nomination.query(on: app.db).first())
            let path = "/nominations/\(try n.requireID())"
            #expect(made.1 == path)
            #expect(n.state == .proposed && n.proposedBy == "ca.vangdanh" && n.nomineeName == member.fullName)
            #expect(n.measured?.area == "khu Vàng Danh 3")
            // The commune may not run the council's steps.
            for step in ["council", "vote", "decide", "return", "reject"] {
                try await officer.post(app, path + "/" + step, ["reason": "Thiếu hồ sơ", "votesFor": "3", "votesAgainst": "0", "votesAbstain": "0",
                                                                "number": "1/QĐ", "date": "2025-09-01", "signer": "A"]) {
                    #expect($0.status == .forbidden, "\(step)")
                }
            }
            // The committee acts within its unit: another ward's secretariat neither lists, opens nor returns it; the
            // secretariat of the 2025 ward formed from Vàng Danh reads it.
            try await makeAccount(app, "thuongtruc.thanhson", role: .secretariat, unit: DemoUnits.commune("06811"))
            let otherWard = Browser()
            try await otherWard.signIn(app, "thuongtruc.thanhson", "demo-password-for-tests")
            try await otherWard.get(app, "/movements/\(Self.movement)/nominations") { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains(path))
            }
            try await otherWard.get(app, path) { #expect($0.status == .forbidden) }
            for step in ["return", "reject", "council"] {
                try await otherWard.post(app, path + "/" + step, ["reason": "Thiếu báo cáo thành tích có xác nhận"]) { #expect($0.status == .forbidden, "\(step)") }
            }
            #expect(try await Nomination.query(on: app.db).first()?.state == .proposed)
            try await makeAccount(app, "thuongtruc.vangdanhmoi", role: .secretariat, unit: DemoUnits.ward2025("Vàng Danh"))
            let heir = Browser()
            try await heir.signIn(app, "thuongtruc.vangdanhmoi", "demo-password-for-tests")
            try await heir.get(app, path) { #expect($0.status == .ok) }
            let leader = Browser()
            try await leader.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            try await leader.get(app, path) { #expect($0.status == .forbidden) }
            let viewer = Browser()
            try await viewer.signIn(app, "lanhdao", "demo-password-for-tests")
            try await viewer.get(app, path) { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("action=\"/nominations/"))
            }
            try await viewer.post(app, path + "/council", [:]) { #expect($0.status == .forbidden) }
            // Returned with a reason, completed and sent again.
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.post(app, path + "/return", ["reason": "x"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("hãy ghi lý do (ít nhất 5 ký tự)"))
            }
            try await secretariat.post(app, path + "/return", ["reason": "Thiếu báo cáo thành tích có xác nhận"]) { #expect($0.status == .seeOther) }
            try await secretariat.post(app, path + "/council", [:]) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Hồ sơ đang ở trạng thái “returned”"))
            }
            var (headers, body) = multipart([("_csrf", officer.cookies["thidua_csrf"] ?? ""),
                                              ("achievement", "Tham gia 19 buổi tuần tra; vận động 7 nguồn tin từ Nhân dân.")],
                                             files: [("files[]", TipFixture.photo)])
            headers.add(contentsOf: officer.cookieHeader)
            try await app.testing().test(.POST, path + "/edit", headers: headers, body: body) { #expect($0.status == .seeOther) }
            try await officer.post(app, path + "/resubmit", [:]) { #expect($0.status == .seeOther) }
            // The council: no votes is not a vote; a vote that does not carry decides nothing.
            try await secretariat.post(app, path + "/council", [:]) { #expect($0.status == .seeOther) }
            try await secretariat.post(app, path + "/vote", ["votesFor": "0", "votesAgainst": "0", "votesAbstain": "0"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("hãy ghi số phiếu"))
            }
            try await secretariat.post(app, path + "/vote", ["votesFor": "3", "votesAgainst": "2", "votesAbstain": "1"]) { #expect($0.status == .seeOther) }
            let decide = ["number": "125/QĐ-UBND", "date": "2025-09-01", "authority": "Chủ tịch Ủy ban nhân dân phường Vàng Danh",
                          "signerTitle": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "signer": "Nguyễn Văn Dũng"]
            try await secretariat.post(app, path + "/decide", decide) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Hội đồng chưa biểu quyết tán thành quá nửa số phiếu."))
            }
            try await secretariat.post(app, path + "/vote", ["votesFor": "5", "votesAgainst": "1", "votesAbstain": "1", "note": "Nhất trí đề nghị"]) {
                #expect($0.status == .seeOther)
            }
            try await secretariat.post(app, path + "/decide", ["number": "", "date": "2099-01-01", "signer": ""]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("không được ở tương lai") && res.body.string.contains("Có 5 ô cần sửa"))
            }
            try await secretariat.post(app, path + "/decide", decide) { #expect($0.status == .seeOther) }
            try await secretariat.post(app, path + "/decide", decide) { #expect($0.status == .conflict) }
            let done = try #require(try await Nomination.find(n.requireID(), on: app.db))
            #expect(done.state == .decided && done.decisionNumber == "125/QĐ-UBND" && done.decisionDate == "2025-09-01")
            #expect(done.decisionAuthority == "Chủ tịch Ủy ban nhân dân phường Vàng Danh" && done.decisionSignerTitle == "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
                    && done.decisionSigner == "Nguyễn Văn Dũng")
            #expect(done.votes.map { [$0.0, $0.1, $0.2] } == [5, 1, 1])
            #expect(try await NominationFile.query(on: app.db).count() == 1)
            let audit = try await AuditEntry.query(on: app.db).filter(\.$entity == "nomination").sort(\.$seq).all()
            #expect(audit.map(\.action) == ["nomination.propose", "nomination.return", "nomination.edit", "nomination.resubmit", "nomination.council",
                                            "nomination.vote", "nomination.vote", "nomination.decide"])
            #expect(audit[1].after?.contains("\"reason\":\"Thiếu báo cáo thành tích có xác nhận\"") == true)
            // The decision list and the certificate, with their Vietnamese intact.
            try await viewer.get(app, "/movements/\(Self.movement)/decisions") { res in
                #expect(res.body.string.contains(member.fullName))
                #expect(res.body.string.contains("125/QĐ-UBND"))
            }
            try await officer.get(app, path + "/certificate.pdf") { res in
                #expect(res.status == .ok)
                let text = try pdfText(Data(buffer: res.body))
                for phrase in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CHIẾN SĨ THI ĐUA CƠ SỞ", member.fullName, "phường Vàng Danh",
                               "Theo Quyết định số 125/QĐ-UBND ngày 01/09/2025", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG VÀNG DANH",
                               "Uông Bí, ngày 01 tháng 9 năm 2025", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "Nguyễn Văn Dũng"] {
                    #expect(text.contains(phrase), "\(phrase)")
                }
                // The authority's own title, not the form's category text.
                #expect(!text.uppercased().contains("CẤP XÃ; THỦ TRƯỞNG"))
            }
            try await officer.get(app, "/movements/\(Self.movement)/decisions.pdf") { res in
                let text = try pdfText(Data(buffer: res.body))
                #expect(text.contains("Chiến sĩ thi đua cơ sở") && text.contains(member.fullName))
            }
        }
    }

    @Test("Award forms are the admin's data: changed, added with a code of their own, refused with messages")
    func forms() async throws {
        try await withApp { app in
            try await loadDemo(app)
            #expect(try await AwardService.forms(on: app.db).map(\.code) == ["giay-khen", "bang-khen", "co-thi-dua", "chien-si-thi-dua-co-so",
                                                                              "tap-the-lao-dong-tien-tien"])
            let admin = Browser()
            try await admin.signIn(app, "admin", "demo-password-for-tests")
            try await admin.get(app, "/admin/award-forms") { #expect($0.status == .ok) }
            let flag = try await Self.form(app, "co-thi-dua")
            try await admin.post(app, "/admin/award-forms/\(flag)", ["name": "Cờ thi đua", "nominee": "collective",
                                                                    "authority": "Chủ tịch UBND tỉnh Quảng Ninh", "position": "3", "active": "true"]) {
                #expect($0.status == .seeOther)
            }
            #expect(try await AwardForm.query(on: app.db).filter(\.$code == "co-thi-dua").first()?.authority == "Chủ tịch UBND tỉnh Quảng Ninh")
            try await admin.post(app, "/admin/award-forms", ["name": "Lao động tiên tiến", "nominee": "individual", "authority": "Chủ tịch UBND cấp xã",
                                                            "position": "6", "active": "true"]) { #expect($0.status == .seeOther) }
            #expect(try await AwardForm.query(on: app.db).filter(\.$code == "lao-dong-tien-tien").count() == 1)
            try await admin.post(app, "/admin/award-forms", ["name": "", "nominee": "everyone", "authority": "", "position": "0"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Có 4 ô cần sửa"))
            }
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, "/admin/award-forms") { #expect($0.status == .forbidden) }
            try await secretariat.post(app, "/admin/award-forms/\(flag)", ["name": "x", "nominee": "both", "authority": "x", "position": "1"]) {
                #expect($0.status == .forbidden)
            }
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["award-form.add", "award-form.change"]).count() == 2)
        }
    }
}
