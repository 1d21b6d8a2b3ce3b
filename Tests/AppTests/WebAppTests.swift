import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// The form's fields of a page, by name, and the messages beside them.
func fieldErrors(_ html: String) -> [String: String] {
    var out: [String: String] = [:]
    let regex = try? NSRegularExpression(pattern: #"class="field-error" id="([^"]+)-error">([^<]+)<"#)
    for m in regex?.matches(in: html, range: NSRange(html.startIndex..., in: html)) ?? [] {
        if let a = Range(m.range(at: 1), in: html), let b = Range(m.range(at: 2), in: html) { out[String(html[a])] = String(html[b]) }
    }
    return out
}

@Suite("The web application: home by role, the forms, the illustrative movement")
struct WebAppTests {
    @Test("Home goes where the account works: the team page, the commune page, the dashboard")
    func home() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let team = try #require(try await Team.query(on: app.db)
                .filter(\.$village.$id == DemoUnits.village("06808", "Vàng Danh 3")).first()?.id)
            for (user, target) in [("totruong.vangdanh3", "/teams/\(team.uuidString)"),
                                   ("ca.vangdanh", "/units/\(DemoUnits.commune("06808").uuidString)/movements/uong-bi-2024-2025"),
                                   ("ca.phuongvangdanh", "/units/\(DemoUnits.ward2025("Vàng Danh").uuidString)/movements/uong-bi-2024-2025"),
                                   ("lanhdao", "/movements/uong-bi-2024-2025/phases/dot-2")] {
                let browser = Browser()
                try await browser.signIn(app, user, "demo-password-for-tests")
                try await browser.get(app, "/") { res in
                    #expect(res.status == .seeOther)
                    #expect(res.headers.first(name: .location) == target, "\(user)")
                }
                try await browser.get(app, target) { #expect($0.status == .ok, "\(user) at \(target)") }
            }
            // The old ward's police see its phase 2 as it stood on its last day, 30/06/2025.
            let browser = Browser()
            try await browser.signIn(app, "ca.vangdanh", "demo-password-for-tests")
            try await browser.get(app, "/units/\(DemoUnits.commune("06808").uuidString)/movements/uong-bi-2024-2025") { res in
                let html = res.body.string
                #expect(html.contains("<h1>phường Vàng Danh</h1>"))
                #expect(html.contains(#"aria-current="page">Đợt 2</a>"#))
                #expect(html.components(separatedBy: "<section class=\"target").count - 1 == 9)
            }
            // A ward that did not yet exist in phase 1 says so.
            try await browser.get(app, "/units/\(DemoUnits.ward2025("Vàng Danh").uuidString)/movements/uong-bi-2024-2025?phase=dot-1") { res in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains("không tham gia phong trào này trong đợt đã chọn"))
            }
        }
    }

    @Test("A patrol through the form: mistakes beside their fields with what was typed kept, then saved and counted")
    func patrolForm() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            var members: [String] = []
            try await browser.get(app, "/records/new?kind=patrol") { res in
                #expect(res.status == .ok)
                let html = res.body.string
                let regex = try NSRegularExpression(pattern: #"name="(member\.[0-9A-F-]+)""#)
                members = regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap {
                    Range($0.range(at: 1), in: html).map { String(html[$0]) }
                }
                #expect(html.contains("khu Vàng Danh 3, phường Vàng Danh"))
            }
            #expect(members.count >= 3)
            let today = VietnamTime.localDate(of: Date())
            let wrong = ["date": today.adding(days: 1).iso, "startTime": "19:00", "endTime": "7h", "incidentsFound": "-1", "others": "0"]
            try await browser.post(app, "/records/new?kind=patrol", wrong) { res in
                #expect(res.status == .unprocessableEntity)
                let errors = fieldErrors(res.body.string)
                #expect(errors["date"] == "không được ở tương lai")
                #expect(errors["endTime"] == "không phải giờ hợp lệ (HH:mm)")
                #expect(errors["members"] == "chưa chọn ai tham gia")
                #expect(errors["incidentsFound"] == "nằm ngoài khoảng cho phép")
                #expect(res.body.string.contains(#"id="endTime" name="endTime" value="7h""#))
            }
            #expect(try await Record.query(on: app.db).count() == 0)
            var right = ["date": today.iso, "startTime": "00:00", "endTime": "00:30", "incidentsFound": "0", "others": "1",
                         "route": "Đường Vàng Danh"]
            right[members[0]] = "true"
            right[members[1]] = "true"
            try await browser.post(app, "/records/new?kind=patrol", right) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/")
            }
            let saved = try #require(try await Record.query(on: app.db).first())
            #expect(saved.kind == "patrol" && saved.participants == 3 && saved.title == "Đường Vàng Danh")
            #expect(saved.villageID == DemoUnits.village("06808", "Vàng Danh 3"))
            #expect(saved.communeID == DemoUnits.ward2025("Vàng Danh"))
            // The team page counts it, and the saved message shows once.
            let team = try #require(try await Team.query(on: app.db).filter(\.$village.$id == DemoUnits.village("06808", "Vàng Danh 3")).first()?.id)
            try await browser.get(app, "/teams/\(team.uuidString)") { res in
                let html = res.body.string
                #expect(html.contains("Đã lưu ghi nhận: Tuần tra."))
                #expect(html.contains("<tr><td>Tuần tra</td><td class=\"num\">1</td>"))
            }
            try await browser.get(app, "/teams/\(team.uuidString)") { #expect(!$0.body.string.contains("Đã lưu ghi nhận")) }
            // Corrected through its form, then deleted after the confirmation page.
            let id = try saved.requireID().uuidString
            func openForm() async throws -> String {
                var version = ""
                try await browser.get(app, "/records/\(id)") { res in
                    #expect(res.body.string.contains(#"value="00:30""#))
                    let html = res.body.string
                    let match = try NSRegularExpression(pattern: #"<input type="hidden" name="version" value="([0-9a-f]+)">"#)
                        .firstMatch(in: html, range: NSRange(html.startIndex..., in: html))
                    version = match.flatMap { Range($0.range(at: 1), in: html) }.map { String(html[$0]) } ?? ""
                }
                return version
            }
            let opened = try await openForm()
            #expect(opened.count == 16)
            // Someone else saves it while the form is open: the form's change is refused, and theirs kept.
            let other = try #require(try await Record.find(saved.id, on: app.db))
            other.title = "Đường Nguyễn Văn Cừ"
            try await other.update(on: app.db)
            right["route"] = "Đường Hoàng Quốc Việt"
            right["version"] = opened
            try await browser.post(app, "/records/\(id)", right) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Bản ghi vừa được người khác sửa trong lúc bạn sửa."))
                #expect(res.body.string.contains(#"value="Đường Hoàng Quốc Việt""#))
            }
            // A form without its version is one from before versions: it is not taken either.
            right["version"] = nil
            try await browser.post(app, "/records/\(id)", right) { #expect($0.status == .conflict) }
            #expect(try await Record.find(saved.id, on: app.db)?.title == "Đường Nguyễn Văn Cừ")
            // Opened again, it shows their change and takes this one.
            let reopened = try await openForm()
            #expect(reopened != opened && reopened.count == 16)
            right["version"] = reopened
            try await browser.post(app, "/records/\(id)", right) { #expect($0.status == .seeOther) }
            #expect(try await Record.find(saved.id, on: app.db)?.title == "Đường Hoàng Quốc Việt")
            try await browser.get(app, "/records/\(id)/delete") { #expect($0.body.string.contains("Đường Hoàng Quốc Việt")) }
            try await browser.post(app, "/records/\(id)/delete", [:]) { #expect($0.status == .seeOther) }
            #expect(try await Record.query(on: app.db).count() == 0)
            // A kind a team does not record is refused with the kinds it may.
            try await browser.get(app, "/records/new?kind=model") { res in
                #expect(res.status == .badRequest)
                #expect(res.body.string.contains("information_source, patrol"))
            }
        }
    }

    @Test("A tip through the secretariat's form lands in the commune chosen, on the API's rules")
    func secretariatForm() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await browser.post(app, "/records/new?kind=information_source",
                                   ["date": "2025-05-02", "category": "security", "origin": "nobody", "status": "received"]) { res in
                #expect(res.status == .unprocessableEntity)
                let errors = fieldErrors(res.body.string)
                #expect(errors["unit"] == "bắt buộc, chưa nhập")
                #expect(errors["origin"] == "giá trị không được chấp nhận")
            }
            // A ward of 2025 on a day before it existed.
            try await browser.post(app, "/records/new?kind=information_source",
                                   ["date": "2025-05-02", "unit": DemoUnits.ward2025("Yên Tử").uuidString, "category": "security",
                                    "origin": "people", "status": "received"]) { res in
                #expect(fieldErrors(res.body.string)["unit"] == "đơn vị không tồn tại vào ngày đó")
            }
            try await browser.post(app, "/records/new?kind=information_source",
                                   ["date": "2025-05-02", "unit": DemoUnits.commune("06832").uuidString, "category": "security",
                                    "origin": "people", "status": "received", "summary": "Tin báo"]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/records")
            }
            try await browser.get(app, "/records?kind=information_source") { res in
                #expect(res.body.string.contains("02/05/2025"))
                #expect(res.body.string.contains("Ghi nhận 1–1 trong 1"))
            }
            try await browser.get(app, "/records?from=2025-13-01") { #expect($0.status == .badRequest) }
            // By commune: phường Yên Tử of 2025 holds what phường Phương Đông recorded before it; Vàng Danh does not.
            try await browser.get(app, "/records?unit=\(DemoUnits.ward2025("Yên Tử").uuidString)") { res in
                #expect(res.body.string.contains("Ghi nhận 1–1 trong 1"))
            }
            try await browser.get(app, "/records?unit=\(DemoUnits.ward2025("Vàng Danh").uuidString)") { res in
                #expect(res.body.string.contains("Không có ghi nhận nào."))
            }
            try await browser.get(app, "/records?unit=nowhere") { #expect($0.status == .notFound) }
        }
    }

    @Test("The illustrative movement: phase 2 holds today, a past of sample records, kept as it is on a restart")
    func illustrative() async throws {
        try await withApp { app in
            let today = try #require(LocalDate(iso: "2026-11-29"))
            let first = try await DemoLoader.load(resources: resourcesDirectory, password: "demo-password-for-tests",
                                                  sampleRecords: true, illustrative: true, today: today, on: app.db)
            let (plan, outcome) = try #require(first.illustrative)
            #expect(outcome == .created)
            #expect(plan.id == "uong-bi-minh-hoa" && plan.isIllustrative)
            #expect(plan.phases.map(\.start.iso) == ["2026-04-14", "2026-09-30"])
            #expect(first.liveRecordsAdded > 5000)
            // Figures of whole months: September 2025 to October 2026, 14 months, 7 kinds, 3 wards.
            #expect(first.liveFiguresAdded == 14 * 7 * 3)
            let last = try #require(try await Record.query(on: app.db).sort(\.$occurredOn, .descending).first()?.occurredOn)
            #expect(last == "2026-11-28")
            let again = try await DemoLoader.load(resources: resourcesDirectory, password: "demo-password-for-tests",
                                                  sampleRecords: true, illustrative: true, today: today.adding(days: 30), on: app.db)
            #expect(again.illustrative?.1 == .unchanged && again.liveRecordsAdded == 0)
            // Once its phase 2 is over, the next load re-dates it again.
            let later = try await DemoLoader.load(resources: resourcesDirectory, password: "demo-password-for-tests",
                                                  sampleRecords: false, illustrative: true, today: LocalDate(iso: "2027-06-01")!, on: app.db)
            #expect(later.illustrative?.1 == .updated)
            #expect(later.illustrative?.0.phase(containing: LocalDate(iso: "2027-06-01")!)?.id == "dot-2")

            // Its pages say it is illustrative.
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await browser.get(app, "/movements/uong-bi-minh-hoa/phases/dot-2") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Phong trào minh họa"))
            }
        }
    }
}

@Suite("Monthly figures in the browser")
struct FigureSheetTests {
    @Test("A month's sheet: a part above its whole refused beside it, fixed; an unusual value saved once confirmed")
    func sheet() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let browser = Browser()
            try await browser.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await browser.get(app, "/figures/month?month=2025-09") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("<h1>Số liệu tháng 09/2025</h1>"))
                #expect(res.body.string.contains("phường Vàng Danh"))
            }
            let path = "/figures/month?unit=\(ward)&month=2025-09"
            try await browser.post(app, path, ["under14_population": "2.000", "under14_with_id_card": "2100", "traffic_accidents": "hai"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["traffic_accidents": "phải là số nguyên"])
            }
            try await browser.post(app, path, ["under14_population": "2.000", "under14_with_id_card": "2100", "traffic_accidents": "2"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["under14_with_id_card": "không được lớn hơn số công dân dưới 14 tuổi"])
                #expect(res.body.string.contains(#"id="under14_with_id_card" name="under14_with_id_card" value="2100""#))
            }
            #expect(try await Figure.query(on: app.db).count() == 0)
            try await browser.post(app, path, ["under14_population": "2.000", "under14_with_id_card": "1900", "traffic_accidents": "2"]) { res in
                #expect(res.status == .seeOther)
            }
            let stored = try await FigureService.month(DemoUnits.ward2025("Vàng Danh"), Month(text: "2025-09")!, on: app.db)
            #expect(stored.mapValues(\.value) == [.under14Population: 2000, .under14WithIdCard: 1900, .trafficAccidents: 2])
            // Two more ordinary months, then 40 accidents: asked to confirm, stored only when confirmed.
            for month in ["2025-10", "2025-11"] {
                try await browser.post(app, "/figures/month?unit=\(ward)&month=\(month)", ["traffic_accidents": "3"]) { #expect($0.status == .seeOther) }
            }
            let december = "/figures/month?unit=\(ward)&month=2025-12"
            try await browser.post(app, december, ["traffic_accidents": "40"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["traffic_accidents": "khác xa các tháng trước; kiểm tra lại"])
                #expect(res.body.string.contains(#"name="confirm""#))
                #expect(res.body.string.contains("Các tháng trước: 3 · 3 · 2"))
            }
            try await browser.post(app, december, ["traffic_accidents": "40", "confirm": "true"]) { #expect($0.status == .seeOther) }
            #expect(try await FigureService.month(DemoUnits.ward2025("Vàng Danh"), Month(text: "2025-12")!, on: app.db)[.trafficAccidents]?.value == 40)
            // Another commune is answered as missing; a month to come is refused.
            try await browser.get(app, "/figures/month?unit=\(DemoUnits.ward2025("Yên Tử").uuidString)") { #expect($0.status == .notFound) }
            try await browser.get(app, "/figures/month?month=2099-01") { #expect($0.status == .badRequest) }
            // The API keeps the same rule: a part above its whole as stored.
            let token = try await issueToken(app, "thuongtruc")
            try await send(app, .PUT, "/api/v1/figures", token: token,
                           ["unit": ward, "kind": "under14_with_id_card", "month": "2025-09", "value": 2500]) { res in
                #expect(res.status == .unprocessableEntity)
                let errors = try problem(res).errors
                #expect(errors == ["under14_with_id_card": "không được lớn hơn số công dân dưới 14 tuổi"])
            }
        }
    }
}

@Suite("Monthly approval: submitted, returned with a reason, approved and locked, reopened")
struct MonthApprovalTests {
    @Test("The whole way through the web, the lock on the web and the API, and the dashboard's count")
    func approval() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let officer = Browser(), secretariat = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            let month = "/figures/month?unit=\(ward)&month=2025-08"
            let review = "/figures/month/review?unit=\(ward)&month=2025-08"
            try await officer.post(app, month, ["under14_population": "2000", "under14_with_id_card": "1900"]) { #expect($0.status == .seeOther) }
            try await officer.get(app, month) { res in
                #expect(res.body.string.contains("chưa gửi"))
                #expect(res.body.string.contains(#"value="submit""#) && !res.body.string.contains(#"value="approve""#))
            }
            try await officer.post(app, review, ["action": "submit"]) { #expect($0.status == .seeOther) }
            // Commune police cannot approve their own month.
            try await officer.post(app, review, ["action": "approve"]) { #expect($0.status == .forbidden) }
            // Returned only with a reason.
            try await secretariat.post(app, review, ["action": "return", "reason": " "]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string)["reason"] == "bắt buộc, chưa nhập")
            }
            try await secretariat.post(app, review, ["action": "return", "reason": "Thiếu số vụ tai nạn"]) { #expect($0.status == .seeOther) }
            try await officer.get(app, month) { res in
                #expect(res.body.string.contains("bị trả lại"))
                #expect(res.body.string.contains("Thiếu số vụ tai nạn"))
            }
            try await officer.post(app, month, ["traffic_accidents": "2"]) { #expect($0.status == .seeOther) }
            try await officer.post(app, review, ["action": "submit"]) { #expect($0.status == .seeOther) }
            try await secretariat.post(app, review, ["action": "approve"]) { #expect($0.status == .seeOther) }
            #expect(try await MonthReviewService.status(DemoUnits.ward2025("Vàng Danh"), Month(text: "2025-08")!, on: app.db).state == .approved)

            // Locked: the sheet says so, and writes of that month are refused, on the web and the API.
            try await officer.get(app, month) { res in
                #expect(res.body.string.contains("đã được duyệt và khóa"))
                #expect(!res.body.string.contains("Lưu số liệu tháng"))
            }
            try await officer.post(app, month, ["traffic_accidents": "3"]) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Tháng 08/2025 của phường Vàng Danh đã được duyệt và khóa"))
            }
            let token = try await issueToken(app, "ca.phuongvangdanh")
            try await send(app, .PUT, "/api/v1/figures", token: token,
                           ["unit": ward, "kind": "traffic_accidents", "month": "2025-08", "value": 3]) { res in
                #expect(res.status == .conflict)
                let detail = try problem(res).detail
                #expect(detail.hasPrefix("Tháng 08/2025 của phường Vàng Danh đã được duyệt và khóa"))
            }
            let tip: [String: Any] = ["kind": "information_source", "unit": ward, "category": "social_order", "origin": "people"]
            var august = tip, september = tip
            august["date"] = "2025-08-10"
            september["date"] = "2025-09-10"
            try await send(app, .POST, "/api/v1/records", token: token, august) { #expect($0.status == .conflict) }
            try await send(app, .POST, "/api/v1/records", token: token, september) { #expect($0.status == .created) }
            try await officer.post(app, "/records/new?kind=information_source",
                                   ["date": "2025-08-11", "category": "social_order", "origin": "people", "status": "received"]) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("đã được duyệt và khóa"))
            }

            // The dashboard and the results count the approved month.
            try await secretariat.get(app, "/movements/uong-bi-2024-2025/phases/dot-2") { res in
                #expect(res.body.string.contains("1/7 tháng đã duyệt"))
                #expect(res.body.string.contains("0/7 tháng đã duyệt"))
            }
            let admin = try await issueToken(app, "admin")
            try await send(app, .GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/results?unit=22", token: admin) { res in
                let results = try res.content.decode(ResultsAPI.ResultsJSON.self)
                let mine = results.units.first { $0.unit.id == ward }
                #expect(mine?.months == 7 && mine?.monthsApproved == 1)
                #expect(results.rollup?.months == 21 && results.rollup?.monthsApproved == 1)
            }

            // Reopened only with a reason, by the secretariat; then writable again. Every step audited.
            try await send(app, .POST, "/api/v1/month-reviews", token: admin, ["unit": ward, "month": "2025-08", "action": "reopen"]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await send(app, .POST, "/api/v1/month-reviews", token: admin,
                           ["unit": ward, "month": "2025-08", "action": "reopen", "reason": "Sửa số vụ tai nạn"]) { res in
                #expect(res.status == .ok)
                let state = try res.content.decode(MonthsAPI.ReviewJSON.self).state
                #expect(state == "open")
            }
            try await send(app, .POST, "/api/v1/records", token: token, august) { #expect($0.status == .created) }
            let steps = try await AuditEntry.query(on: app.db).filter(\.$entity == "month_review").sort(\.$seq).all().map(\.action)
            #expect(steps == ["month.submit", "month.return", "month.submit", "month.approve", "month.reopen"])
            try await send(app, .GET, "/api/v1/month-reviews?unit=\(ward)&from=2025-07&to=2025-09", token: token) { res in
                let months = try res.content.decode([MonthsAPI.ReviewJSON].self)
                #expect(months.map(\.month) == ["2025-07", "2025-08", "2025-09"])
                #expect(months.map(\.state) == ["open", "open", "open"])
                #expect(months[1].reason == "Sửa số vụ tai nạn")
            }
            // A span reaching the calendar's last month is refused, not run to its end.
            try await send(app, .GET, "/api/v1/month-reviews?unit=\(ward)&from=9999-01&to=9999-12", token: token) { res in
                #expect(res.status == .badRequest)
            }
            // A month not yet over cannot be submitted.
            let now = Month(VietnamTime.localDate(of: Date())).text
            try await send(app, .POST, "/api/v1/month-reviews", token: token, ["unit": ward, "month": now, "action": "submit"]) { res in
                #expect(res.status == .conflict)
                let detail = try problem(res).detail
                #expect(detail == "Tháng chưa kết thúc, chưa gửi duyệt được.")
            }
        }
    }
}

@Suite("One's own account: the password, API tokens, signing out everywhere")
struct AccountPageTests {
    @Test("A new password on the rules; every other session ends; the old password no longer works")
    func password() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let phone = Browser(), desk = Browser()
            try await phone.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await desk.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await phone.post(app, "/account/password", ["current": "wrong-password", "new": "ngan", "confirm": "ngan"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(fieldErrors(res.body.string) == ["current": "không đúng", "new": "quá ngắn"])
                // Nothing typed is written back into the page.
                #expect(!res.body.string.contains("wrong-password"))
            }
            try await phone.post(app, "/account/password", ["current": "demo-password-for-tests", "new": "demo-password-for-tests",
                                                            "confirm": "demo-password-for-tests"]) { res in
                #expect(fieldErrors(res.body.string) == ["new": "phải khác mật khẩu cũ"])
            }
            try await phone.post(app, "/account/password", ["current": "demo-password-for-tests", "new": "mat-khau-moi-2026",
                                                            "confirm": "mat-khau-moi-2026"]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/account")
            }
            // This session goes on; the other one is over.
            try await phone.get(app, "/account") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Đã đổi mật khẩu"))
            }
            try await desk.get(app, "/account") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location)?.hasPrefix("/sign-in") == true)
            }
            #expect(try await Accounts.verify(username: "ca.phuongvangdanh", password: "demo-password-for-tests", on: app.db) == nil)
            #expect(try await Accounts.verify(username: "ca.phuongvangdanh", password: "mat-khau-moi-2026", on: app.db) != nil)
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "password.change").count()
            #expect(audit == 1)
        }
    }

    @Test("A token made on the page is shown once and works; revoked, it does not; sign out everywhere")
    func tokens() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser(), other = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await other.signIn(app, "thuongtruc", "demo-password-for-tests")
            var token = ""
            try await browser.post(app, "/account/tokens", [:]) { res in
                #expect(res.status == .created)
                let html = res.body.string
                let regex = try NSRegularExpression(pattern: #"<code class="token">([^<]+)</code>"#)
                let match = try #require(regex.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)))
                token = try #require(Range(match.range(at: 1), in: html).map { String(html[$0]) })
            }
            try await send(app, .GET, "/api/v1/me", token: token) { #expect($0.status == .ok) }
            try await browser.get(app, "/account") { res in
                #expect(!res.body.string.contains(token))
                #expect(res.body.string.contains("đang dùng"))
            }
            let id = try #require(try await APIToken.query(on: app.db).first()?.id)
            try await browser.post(app, "/account/tokens/\(id.uuidString)/revoke", [:]) { #expect($0.status == .seeOther) }
            try await send(app, .GET, "/api/v1/me", token: token) { #expect($0.status == .unauthorized) }
            // Another account's token cannot be revoked from here: it is missing.
            try await browser.post(app, "/account/tokens/\(UUID().uuidString)/revoke", [:]) { #expect($0.status == .notFound) }
            try await browser.post(app, "/account/sign-out-everywhere", [:]) { #expect($0.status == .seeOther) }
            for b in [browser, other] {
                try await b.get(app, "/account") { #expect($0.status == .seeOther) }
            }
        }
    }
}

/// Sends a file as a browser's form does (multipart, with the CSRF token and any other fields).
func uploadFile(_ app: Application, _ browser: Browser, _ path: String, _ csv: String, fields: [String: String] = [:],
                _ check: (TestingHTTPResponse) async throws -> Void) async throws {
    try await uploadFile(app, browser, path, bytes: Data(csv.utf8), name: "tep.csv", type: "text/csv", fields: fields, check)
}

func uploadFile(_ app: Application, _ browser: Browser, _ path: String, bytes: Data, name file: String, type: String, field: String = "file",
                fields: [String: String] = [:], _ check: (TestingHTTPResponse) async throws -> Void) async throws {
    let (headers, buffer) = uploadForm(browser, bytes: bytes, name: file, type: type, field: field, fields: fields)
    try await app.testing(method: browser.method).test(.POST, path, headers: headers, body: buffer) { res in
        browser.keep(res)
        try await check(res)
    }
}

/// A browser's multipart form with a file, the CSRF token and any other fields.
func uploadForm(_ browser: Browser, bytes: Data, name file: String, type: String, field: String = "file",
                fields: [String: String] = [:]) -> (HTTPHeaders, ByteBuffer) {
    let boundary = "thidua-test-boundary"
    var body = ""
    for (name, value) in ["_csrf": browser.cookies["thidua_csrf"] ?? ""].merging(fields, uniquingKeysWith: { a, _ in a }) {
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
    }
    body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(file)\"\r\nContent-Type: \(type)\r\n\r\n"
    var buffer = ByteBuffer(string: body)
    buffer.writeBytes(bytes)
    buffer.writeString("\r\n--\(boundary)--\r\n")
    var headers = browser.cookieHeader
    headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
    return (headers, buffer)
}

/// One request over a real socket to the application served on a loopback port of the system's choosing, with a
/// client that waits long enough for a machine busy with the rest of the suite (the testing library's waits 30 s).
func overSocket(_ app: Application, _ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: ByteBuffer,
                timeout: Int64 = 300) async throws -> ClientResponse {
    app.http.client.configuration.timeout = .init(connect: .seconds(10), read: .seconds(timeout))
    try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    do {
        guard let port = app.http.server.shared.localAddress?.port else { throw TestFailure(description: "the server has no port") }
        let response = try await app.client.send(method, headers: headers, to: URI(string: "http://127.0.0.1:\(port)\(path)")) { request in
            request.body = body
        }
        await app.server.shutdown()
        return response
    } catch {
        await app.server.shutdown()
        throw error
    }
}

/// The file a preview carries to its confirmation, as the page holds it.
/// The token of the checked file a preview's confirmation carries.
func carriedDraft(_ html: String) throws -> String {
    let regex = try NSRegularExpression(pattern: #"name="draft" value="([^"]*)""#)
    let match = try #require(regex.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)))
    return try #require(Range(match.range(at: 1), in: html).map { String(html[$0]) })
}

@Suite("Monthly figures from a CSV file")
struct FigureImportWebTests {
    func upload(_ app: Application, _ browser: Browser, _ csv: String, _ check: (TestingHTTPResponse) async throws -> Void) async throws {
        try await uploadFile(app, browser, "/figures/import", csv, check)
    }

    @Test("A template; a file with a bad row refused whole with the row's line; fixed, previewed, then stored")
    func importFile() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await browser.get(app, "/figures/import/template.csv") { res in
                #expect(res.headers.contentType?.subType == "csv")
                #expect(res.body.string.hasPrefix("\u{FEFF}unit,month,under14_population,under14_with_id_card,"))
            }
            let yenTu = DemoUnits.ward2025("Yên Tử").uuidString
            let bad = "unit,month,under14_population,under14_with_id_card\n06808,2025-05,2000,1900\n\(yenTu),2025-08,1000,1200\nnowhere,2025-08,1,1\n"
            try await upload(app, browser, bad) { res in
                #expect(res.status == .unprocessableEntity)
                let html = res.body.string
                #expect(html.contains("Dòng 3: cột Công dân dưới 14 tuổi đã được cấp căn cước: không được lớn hơn số công dân dưới 14 tuổi"))
                #expect(html.contains("Dòng 4: không có đơn vị cấp xã “nowhere” trong tháng đó"))
                #expect(!html.contains("Xác nhận nhập"))
            }
            #expect(try await Figure.query(on: app.db).count() == 0)
            let good = "unit,month,under14_population,under14_with_id_card\n06808,2025-05,2000,1900\n\(yenTu),2025-08,1000,950\n"
            var text = ""
            try await upload(app, browser, good) { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("Xác nhận nhập các dòng trên"))
                #expect(html.contains("phường Vàng Danh") && html.contains("phường Yên Tử"))
                text = try carriedDraft(html)
            }
            #expect(try await Figure.query(on: app.db).count() == 0)
            try await browser.post(app, "/figures/import/confirm", ["draft": text]) { res in
                #expect(res.status == .seeOther)
            }
            try await browser.get(app, "/figures/import") { #expect($0.body.string.contains("Đã nhập 2 dòng số liệu.")) }
            #expect(try await Figure.query(on: app.db).count() == 4)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "figures.import").count() == 1)
            // A team leader has no figures to import.
            let leader = Browser()
            try await leader.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            try await leader.get(app, "/figures/import") { #expect($0.status == .forbidden) }
        }
    }
}

@Suite("What is public: the plans, and a phase's ranking once the secretariat publishes it")
struct PublicPagesTests {
    @Test("The movement page without an account; a ranking published, seen by anyone, withdrawn; audited")
    func publish() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let anyone = Browser()
            try await anyone.get(app, "/movements/uong-bi-2024-2025") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("(7 nội dung, 9 chỉ tiêu)"))
                #expect(res.body.string.contains(#"href="/sign-in""#))
                #expect(!res.body.string.contains("/ranking"))
            }
            try await anyone.get(app, "/movements/uong-bi-2024-2025/phases/dot-2/ranking") { #expect($0.status == .notFound) }
            try await anyone.get(app, "/movements/uong-bi-2024-2025/phases/dot-2") { #expect($0.status == .seeOther) }
            let officer = Browser(), secretariat = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.post(app, "/movements/uong-bi-2024-2025/phases/dot-2/publish", ["publish": "true"]) { #expect($0.status == .forbidden) }
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, "/movements/uong-bi-2024-2025/phases/dot-2") { res in
                #expect(res.body.string.contains("Công bố xếp hạng đợt này"))
            }
            try await secretariat.post(app, "/movements/uong-bi-2024-2025/phases/dot-2/publish", ["publish": "true"]) { #expect($0.status == .seeOther) }
            try await anyone.get(app, "/movements/uong-bi-2024-2025/phases/dot-2/ranking") { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.components(separatedBy: "<th scope=\"row\">phường ").count - 1 == 3)
                // Nothing personal: no member, no phone, no record.
                #expect(!html.contains("0900 000") && !html.contains("Tổ bảo vệ"))
            }
            try await anyone.get(app, "/movements/uong-bi-2024-2025") { res in
                #expect(res.body.string.contains(#"href="/movements/uong-bi-2024-2025/phases/dot-2/ranking""#))
            }
            try await anyone.get(app, "/movements/uong-bi-2024-2025/phases/dot-1/ranking") { #expect($0.status == .notFound) }
            try await secretariat.post(app, "/movements/uong-bi-2024-2025/phases/dot-2/publish", ["publish": "false"]) { #expect($0.status == .seeOther) }
            try await anyone.get(app, "/movements/uong-bi-2024-2025/phases/dot-2/ranking") { #expect($0.status == .notFound) }
            let steps = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["ranking.publish", "ranking.withdraw"]).sort(\.$seq).all().map(\.action)
            #expect(steps == ["ranking.publish", "ranking.withdraw"])
        }
    }
}

@Suite("The audit log in the browser")
struct AuditPageTests {
    @Test("The secretariat reads every change with its before and after, filtered by unit, account, action and dates")
    func audit() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            let token = try await issueToken(app, "ca.phuongvangdanh")
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": ward, "date": "2025-09-02", "category": "drugs", "origin": "people",
                            "summary": "Tin về ma túy"]) { #expect($0.status == .created) }
            let other = try await issueToken(app, "admin")
            try await send(app, .POST, "/api/v1/records", token: other,
                           ["kind": "information_source", "unit": DemoUnits.ward2025("Yên Tử").uuidString, "date": "2025-09-03",
                            "category": "security", "origin": "camera"]) { #expect($0.status == .created) }
            try await secretariat.get(app, "/audit?unit=\(ward)&action=record.create") { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("Mục 1–1 trong 1"))
                #expect(html.contains("ca.phuongvangdanh") && html.contains("Tin về ma túy"))
                #expect(!html.contains("security"))
            }
            try await secretariat.get(app, "/audit?actor=admin&action=record.create") { res in
                #expect(res.body.string.contains("Mục 1–1 trong 1"))
            }
            try await secretariat.get(app, "/audit?from=2099-01-01") { #expect($0.body.string.contains("Không có mục nào.")) }
            try await secretariat.get(app, "/audit?unit=not-a-unit") { #expect($0.status == .notFound) }
            // Commune police and team leaders do not read it.
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, "/audit") { #expect($0.status == .forbidden) }
        }
    }
}
