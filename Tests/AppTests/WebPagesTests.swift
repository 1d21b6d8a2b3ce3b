import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Web pages")
struct WebPagesTests {
    @Test("The movement page context, built from the plan on a given day")
    func movementPageContext() throws {
        let localizer = try Localizer(directory: resourcesDirectory + "/Localization")
        let plan = try PlanLoader.load(yaml: try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8))
        let text = Translator(localizer: localizer, language: .vi)
        let chrome = PageChrome(lang: "vi", title: "t", csrf: "c", path: "/", account: nil, otherLanguage: "en", otherLanguageName: "English")
        let page = MovementPage.build(plan: plan, today: LocalDate(iso: "2025-02-04")!, page: chrome, text: text)
        #expect(page.phases.map(\.state) == ["past", "current"])
        #expect(page.phases.map(\.start) == ["19/08/2024", "04/02/2025"])
        #expect(page.phases.map(\.days) == [169, 197])
        #expect(page.contents.count == 7)
        #expect(page.targetCount == 9)
        #expect(page.contents[0].targets[0].goal == "≥ 80%")
        #expect(page.contents[0].targets[0].indicator
                == "Tỉ lệ: nguồn tin (lĩnh vực: trật tự xã hội; nguồn cung cấp: Nhân dân) ÷ nguồn tin (lĩnh vực: trật tự xã hội)")
        #expect(page.contents[1].targets[0].goal == "≥ 1")
        #expect(page.contents[1].targets[0].indicator == "Số mô hình toàn dân bảo vệ ANTQ (hiệu quả: có) còn hoạt động vào ngày cuối đợt")
        #expect(page.contents[4].targets[0].goal == "Giảm so với cùng kỳ")
        #expect(page.contents[3].targets.map(\.points) == ["8", "8"])
        #expect(page.criteria.map(\.points) == ["8", "7"])
        #expect(page.adjustments.map(\.points) == ["+5", "−10"])
        #expect(page.bands.map(\.points) == ["≥ 90", "≥ 75", "≥ 50", "≥ 0"])
        let upcoming = MovementPage.build(plan: plan, today: LocalDate(iso: "2024-08-18")!, page: chrome, text: text)
        #expect(upcoming.phases.map(\.state) == ["upcoming", "upcoming"])
        let ended = MovementPage.build(plan: plan, today: LocalDate(iso: "2025-08-20")!, page: chrome, text: text)
        #expect(ended.phases.map(\.state) == ["past", "past"])
    }

    @Test("Numbers are grouped the Vietnamese way")
    func grouping() {
        #expect(groupedNumber(16366) == "16.366")
        #expect(groupedNumber(120_982) == "120.982")
        #expect(groupedNumber(999) == "999")
        #expect(groupedNumber(1_000_000) == "1.000.000")
        #expect(groupedNumber(0) == "0")
    }

    @Test("Signed in: the movement page, the tree on a date, a bad date with its message")
    func pages() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            // The secretariat's home is the dashboard of the movement running, or of the last one to end.
            try await browser.get(app, "/") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/movements/uong-bi-2024-2025/phases/dot-2")
            }
            try await browser.get(app, "/movements") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains(#"href="/movements/uong-bi-2024-2025""#))
            }
            try await browser.get(app, "/movements/uong-bi-2024-2025") { res in
                let html = res.body.string
                #expect(html.contains("Đợt 1"))
                #expect(html.contains("19/08/2024 – 03/02/2025 · 169 ngày"))
                #expect(html.contains("(7 nội dung, 9 chỉ tiêu)"))
                #expect(html.components(separatedBy: "<td class=\"goal\"").count - 1 == 9)
                #expect(!html.contains("<script"))
                #expect(html.contains(#"<meta name="viewport" content="width=device-width, initial-scale=1">"#))
            }
            try await browser.get(app, "/units?date=2025-06-30") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Ngày 30/06/2025: 10 đơn vị cấp xã, 101 thôn, tổ dân phố, khu."))
                #expect(res.body.string.contains("phường Trưng Vương"))
            }
            try await browser.get(app, "/units?date=2025-07-01") { res in
                #expect(res.body.string.contains("Ngày 01/07/2025: 3 đơn vị cấp xã, 101 thôn, tổ dân phố, khu."))
                #expect(res.body.string.contains("phường Yên Tử"))
                #expect(!res.body.string.contains("phường Trưng Vương"))
            }
            try await browser.get(app, "/units?date=30-06-2025") { res in
                #expect(res.status == .badRequest)
                #expect(res.body.string.contains("“30-06-2025” không phải một ngày hợp lệ"))
                #expect(res.body.string.contains(#"aria-invalid="true""#))
            }
            try await browser.get(app, "/movements/nope") { res in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains("Không có phong trào này."))
            }
        }
    }

    @Test("Members' personal details show only inside the account's unit")
    func scopedPersonalData() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let vangDanh = graph.units.values.first { $0.code == "06808" }!
            let thanhSon = try #require(graph.units[DemoUnits.commune("06811")])
            let phone = try #require(try await Member.query(on: app.db).join(Team.self, on: \Member.$team.$id == \Team.$id)
                .filter(Team.self, \.$village.$id ~~ graph.villages(of: vangDanh.id, on: LocalDate(iso: "2025-01-01")!).map(\.id))
                .first()?.phone)
            let officer = Browser()
            try await officer.signIn(app, "ca.vangdanh", "demo-password-for-tests")
            try await officer.get(app, "/units/\(vangDanh.id.uuidString)?date=2025-01-01") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains(phone))
                #expect(res.body.string.contains("Tổ trưởng"))
                #expect(!res.body.string.contains("chỉ hiển thị cho tài khoản thuộc đơn vị này"))
            }
            try await officer.get(app, "/units/\(thanhSon.id.uuidString)?date=2025-01-01") { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("0900 000"))
                #expect(res.body.string.contains("chỉ hiển thị cho tài khoản thuộc đơn vị này"))
            }
            let viewer = Browser()
            try await viewer.signIn(app, "lanhdao", "demo-password-for-tests")
            try await viewer.get(app, "/units/\(vangDanh.id.uuidString)?date=2025-01-01") { res in
                // The city's viewer reads the structure of its city, never members' details.
                #expect(res.status == .ok)
                #expect(!res.body.string.contains(phone))
                #expect(res.body.string.contains("chỉ hiển thị cho tài khoản thuộc đơn vị này"))
            }
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, "/units/\(thanhSon.id.uuidString)?date=2025-01-01") { res in
                #expect(res.body.string.contains("0900 000"))
            }
        }
    }

    @Test("A ward of 2025 shows what it was made of")
    func mergedWardPage() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let graph = try await UnitService.graph(on: app.db)
            let ward = graph.units(at: .commune, on: LocalDate(iso: "2025-07-01")!).first { $0.name == "Uông Bí" }!
            let browser = Browser()
            try await browser.signIn(app, "admin", "demo-password-for-tests")
            try await browser.get(app, "/units/\(ward.id.uuidString)") { res in
                let html = res.body.string
                #expect(html.contains("Hình thành từ các đơn vị ngày 30/06/2025"))
                #expect(html.contains("phường Trưng Vương</a> — <span class=\"muted\">một phần: khu Điền Công 1, khu Điền Công 2, khu Điền Công 3"))
                #expect(html.contains("phường Quang Trung"))
            }
            let trungVuong = try #require(graph.unit(code: "06820", on: LocalDate(iso: "2025-06-30")))
            try await browser.get(app, "/units/\(trungVuong.id.uuidString)") { res in
                #expect(res.body.string.contains("Sáp nhập vào, từ ngày 01/07/2025"))
            }
        }
    }

    @Test("The language switch: a POST with the CSRF token, remembered in a cookie")
    func language() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let browser = Browser()
            try await browser.get(app, "/sign-in") { res in
                #expect(res.body.string.contains("Đăng nhập"))
                #expect(res.body.string.contains(#"<html lang="vi">"#))
            }
            try await browser.post(app, "/language", ["lang": "en", "back": "/sign-in"]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/sign-in")
            }
            #expect(browser.cookies["thidua_lang"] == "en")
            try await browser.get(app, "/sign-in") { res in
                #expect(res.body.string.contains("Sign in"))
                #expect(res.body.string.contains(#"<html lang="en">"#))
            }
            try await browser.post(app, "/language", ["lang": "fr", "back": "/"]) { res in
                #expect(res.status == .badRequest)
                #expect(res.body.string.contains("The language must be vi or en."))
            }
            #expect(browser.cookies["thidua_lang"] == "en")
            // No state changes on GET: the address takes POST only, and says so.
            try await app.testing().test(.GET, "/language") { res in
                #expect(res.status == .methodNotAllowed)
                #expect(res.headers.first(name: .allow) == "POST")
            }
        }
    }
}
