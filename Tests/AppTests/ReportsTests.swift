import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("The review report: the page and its prose, XLSX, CSV, JSON and PDF of the same tables")
struct ReportsTests {
    static let page = "/movements/uong-bi-2024-2025/report?phase=dot-1"

    @Test("The committee writes the report's prose in the browser; mistakes come back; others may not see it")
    func prose() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, Self.page) { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
                #expect(html.contains("Sơ kết Đợt 1 phong trào thi đua"))
                #expect(html.contains("Số: ……"))
                #expect(html.contains("……, ngày … tháng … năm ……"))
            }
            try await secretariat.post(app, Self.page, ["number": "12/BC-BCĐ", "issuedOn": "2025-02-31", "situation": "x"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("không phải ngày hợp lệ (YYYY-MM-DD)"))
                #expect(res.body.string.contains("value=\"12/BC-BCĐ\""))
            }
            #expect(try await SavedReport.query(on: app.db).count() == 0)
            // What the PDF's fonts cannot draw is refused where it was typed; ₫ and Vietnamese print.
            try await secretariat.post(app, Self.page, ["proposals": "Thưởng 5.000.000 ₫ cho mỗi tổ 😀", "situation": "Đạt ☎"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Các ký tự sau không in được trong báo cáo PDF: “😀”"))
                #expect(res.body.string.contains("Các ký tự sau không in được trong báo cáo PDF: “☎”"))
            }
            #expect(try await SavedReport.query(on: app.db).count() == 0)
            try await secretariat.post(app, Self.page, [
                "number": "27/BC-BCĐ", "issuedOn": "2025-02-10", "place": "Uông Bí",
                "situation": "Ban Chỉ đạo đã ban hành kế hoạch.\nCác phường, xã triển khai đồng bộ.",
                "shortcomings": "Một số khu chưa báo cáo đúng hạn.", "proposals": "Khen thưởng kịp thời, mỗi tổ 5.000.000 ₫.",
                "recipients": "- Thường trực Thành ủy;\n- Lưu: VT.", "signerTitle": "KT. TRƯỞNG BAN\nPHÓ TRƯỞNG BAN", "signerName": "Nguyễn Văn B",
            ]) { #expect($0.status == .seeOther) }
            try await secretariat.get(app, Self.page) { res in
                let html = res.body.string
                #expect(html.contains("Số: 27/BC-BCĐ"))
                #expect(html.contains("Uông Bí, ngày 10 tháng 02 năm 2025"))
                #expect(html.contains("<p class=\"doc-p\">Các phường, xã triển khai đồng bộ.</p>"))
                #expect(html.contains("<strong>PHÓ TRƯỞNG BAN</strong>"))
            }
            // The PDF: its fonts cut to the glyphs drawn, a title and a language, ₫ drawn (pdftotext reads it back).
            try await secretariat.get(app, "/movements/uong-bi-2024-2025/report.pdf?phase=dot-1") { res in
                let pdf = Data(buffer: res.body)
                #expect(pdf.count < 120_000, "\(pdf.count) bytes")
                let raw = String(decoding: pdf, as: UTF8.self)
                #expect(raw.contains("/Lang (vi-VN)") && raw.contains("/Title <FEFF") && raw.contains("+LiberationSerif-BoldItalic"))
                let text = try pdfText(pdf)
                #expect(text.contains("mỗi tổ 5.000.000 ₫.") && text.contains("Uông Bí, ngày 10 tháng 02 năm 2025"))
            }
            // The whole movement's report keeps prose of its own.
            try await secretariat.get(app, "/movements/uong-bi-2024-2025/report") { res in
                #expect(res.body.string.contains("Tổng kết phong trào thi đua"))
                #expect(!res.body.string.contains("27/BC-BCĐ"))
            }
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "report.save").all()
            #expect(audit.count == 1 && audit.first?.actor == "thuongtruc")
            for who in ["ca.vangdanh", "lanhdao"] {
                let b = Browser()
                try await b.signIn(app, who, "demo-password-for-tests")
                try await b.get(app, Self.page) { #expect($0.status == .forbidden, "\(who)") }
                try await b.get(app, "/movements/uong-bi-2024-2025/report.xlsx") { #expect($0.status == .forbidden, "\(who)") }
            }
            try await secretariat.get(app, "/movements/uong-bi-2024-2025/report.csv?table=nope") { res in
                #expect(res.status == .badRequest)
                #expect(res.body.string.contains("Không có bảng “nope”"))
            }
            try await secretariat.get(app, "/movements/uong-bi-2024-2025/report?phase=dot-9") { #expect($0.status == .notFound) }
        }
    }

    @Test("The same tables every way: XLSX read back, CSV parsed, JSON; numbers exact to the results API")
    func files() async throws {
        try await withApp { app in
            try await loadDemo(app)
            // A few records of phase 1: tips in two wards, and two exemplars (collective and individual).
            let author = UUID()
            for (code, village, day, origin) in [("06808", "Vàng Danh 3", "2024-09-01", "people"), ("06808", "Vàng Danh 3", "2024-10-01", "police"),
                                                 ("06817", "Quang Trung 1", "2024-11-11", "people")] {
                try await storeRecord(app.db, .informationSource, commune: DemoUnits.commune(code), village: DemoUnits.village(code, village),
                                      on: day, by: author) { $0.category = "social_order"; $0.origin = origin; $0.status = "received" }
            }
            for (day, kind, name) in [("2024-12-02", "individual", "Bà Nguyễn Thị E"), ("2025-01-20", "collective", "Tổ bảo vệ ANTT khu Vàng Danh 3")] {
                try await storeRecord(app.db, .exemplar, commune: DemoUnits.commune("06808"), village: DemoUnits.village("06808", "Vàng Danh 3"),
                                      on: day, by: author) { $0.subkind = kind; $0.title = name; $0.recognisedBy = "UBND phường" }
            }
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            var json: [String: Any] = [:]
            try await browser.get(app, "/movements/uong-bi-2024-2025/report.json?phase=dot-1") { res in
                #expect(res.status == .ok)
                json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: res.body)) as? [String: Any])
            }
            let tables = try #require(json["tables"] as? [[String: Any]])
            #expect(tables.compactMap { $0["table"] as? String } == ["ranking", "targets", "units", "exemplars"])
            let ranking = try #require(tables.first?["rows"] as? [[Any]])
            // The ranking's totals are the results API's, unit by unit.
            let token = try await issueToken(app, "thuongtruc")
            var api: ResultsAPI.ResultsJSON?
            try await send(app, .GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results", token: token) { res in
                api = try res.content.decode(ResultsAPI.ResultsJSON.self)
            }
            let results = try #require(api)
            #expect(ranking.count == results.units.count)
            for row in ranking {
                let name = try #require(row[3] as? String)
                let total = try #require(row[4] as? Double)
                #expect(results.units.first { $0.unit.name == name || "\($0.unit.kind) \($0.unit.name)" == name }?.total == total, "\(name)")
            }
            // XLSX: our reader gets the first sheet back as text.
            try await browser.get(app, "/movements/uong-bi-2024-2025/report.xlsx?phase=dot-1") { res in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.subType == "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                let rows = cellTexts(try XLSX.read(Data(buffer: res.body)))
                #expect(rows.first == ["Đợt", "Hạng", "Mã", "Đơn vị", "Tổng điểm", "Điểm chỉ tiêu", "Điểm tiêu chí", "Thưởng/trừ", "Xếp loại", "Chỉ tiêu đạt"])
                #expect(rows.count - 1 == ranking.count)
                for (row, want) in zip(rows.dropFirst(), ranking) {
                    #expect(row[3] == want[3] as? String)
                    #expect(Double(row[4]) == want[4] as? Double)
                }
            }
            // CSV: UTF-8 with a byte-order mark; the exemplars' days as yyyy-mm-dd.
            try await browser.get(app, "/movements/uong-bi-2024-2025/report.csv?phase=dot-1&table=exemplars") { res in
                #expect(res.status == .ok)
                let text = res.body.string
                #expect(text.hasPrefix("\u{FEFF}Ngày,Đơn vị,Tập thể/cá nhân"))
                let exemplars = try #require(tables.last?["rows"] as? [[Any]])
                #expect(text.split(separator: "\r\n").count - 1 == exemplars.count)
                #expect(exemplars.count == 2)
                #expect(text.contains("\r\n2024-12-02,phường Vàng Danh,Cá nhân,Bà Nguyễn Thị E,UBND phường\r\n"))
                if let day = exemplars.first?.first as? String { #expect(text.contains("\r\n" + day + ",")) }
            }
            // The PDF: its text in Vietnamese, as pdftotext reads it.
            try await browser.get(app, "/movements/uong-bi-2024-2025/report.pdf?phase=dot-1") { res in
                #expect(res.status == .ok)
                let data = Data(buffer: res.body)
                #expect(data.starts(with: Data("%PDF-1.7".utf8)))
                let text = try pdfText(data)
                for phrase in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "Sơ kết Đợt 1",
                               "XẾP HẠNG THI ĐUA", "phường Vàng Danh"] {
                    #expect(text.contains(phrase), "\(phrase)")
                }
            }
        }
    }
}

/// A PDF's text as pdftotext reads it (poppler-utils; CI installs it), with runs of spaces as one.
func pdfText(_ data: Data) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("thidua-\(UUID().uuidString).pdf")
    try data.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pdftotext", file.path, "-"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestFailure(description: "pdftotext failed (install poppler-utils)") }
    return String(decoding: out, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
}
