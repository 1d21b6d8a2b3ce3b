import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
import ZIPFoundation
@testable import App

/// Files made the way real programs make them (Tests/AppTests/Fixtures/make-workbooks.py: openpyxl, then
/// LibreOffice or Gnumeric saving them again), read as the imports read them: every value exactly as the person
/// saw it, or refused with its row and column.
@Suite("Imports from real spreadsheets: never a value the person did not mean")
struct ImportFilesTests {
    static let today = LocalDate(iso: "2025-09-01")!

    func workbook(_ name: String) throws -> ImportSheet {
        try XLSX.read(try Data(contentsOf: SpreadsheetTests.fixtures.appendingPathComponent(name)))
    }

    @Test("A workbook in the 1904 date system (saved by LibreOffice): 15/07/2024 stays 15/07/2024, not 14/07/2020")
    func dateSystem1904() throws {
        let sheet = try workbook("members-1904.xlsx")
        #expect(sheet.sheetName == "Thành viên")
        let (rows, problems) = MemberImport.read(sheet, today: Self.today)
        #expect(problems == [])
        #expect(rows.map(\.joinedOn.iso) == ["2024-07-15", "2025-01-02"] && rows.map { $0.leftOn?.iso } == [nil, "2025-06-30"])
    }

    @Test("A hidden first sheet is not read: the first visible one is, and the preview names the other with data")
    func hiddenFirstSheet() throws {
        let sheet = try workbook("members-hidden-first.xlsx")
        #expect(sheet.sheetName == "Danh sách" && sheet.otherSheets == ["Ghi chú"])
        let (rows, problems) = MemberImport.read(sheet, today: Self.today)
        #expect(problems == [] && rows.map(\.fullName) == ["Phạm Văn Quang"] && rows.first?.joinedOn.iso == "2025-08-01")
        #expect(sheet.notes.map(\.key) == ["import.note.sheet"] && sheet.notes.first?.arguments["others"] == "“Ghi chú”")
    }

    @Test("Gnumeric's file: a header coloured across 79 columns reads; #,##0;[Red]-#,##0 is a number; 1234.5 people refused")
    func gnumericFormats() throws {
        let sheet = try workbook("villages-gnumeric.xlsx")
        #expect(sheet.rows.map { $0.cells.count } == [5, 5, 5])
        #expect(sheet.rows[1].cells[3] == .number(1234) && sheet.rows[2].cells[3] == .number(1234.5))
        let (rows, problems) = VillageImport.read(sheet)
        #expect(rows.map(\.name) == ["Tân Lập"] && rows.first?.population == 1234)
        #expect(problems == [ImportProblem(line: 3, key: "import.notWhole", arguments: ["column": "population", "value": "1234.5"])])
    }

    @Test("openpyxl's file: a formula without a value says so; a name typed with its marks apart stored in NFC; a hidden row noted; the sheet's own row numbers after blank rows")
    func openpyxlFormulas() throws {
        let sheet = try workbook("members-openpyxl-formula.xlsx")
        #expect(sheet.rows.map(\.line) == [1, 2, 3, 6] && sheet.hiddenLines == [3])
        #expect(sheet.notes == [ImportProblem(line: 0, key: "import.note.hidden", arguments: ["lines": "3", "count": "1"])])
        let (rows, problems) = MemberImport.read(sheet, today: Self.today)
        #expect(problems == [
            ImportProblem(line: 2, key: "import.formulaNoValue", arguments: ["column": "full_name"]),
            ImportProblem(line: 6, key: "import.date", arguments: ["column": "joined_on", "value": "2025-13-01"]),
        ])
        let name = try #require(rows.first?.fullName)
        #expect(Array(name.unicodeScalars) == Array("Nguyễn Thị Lụa".precomposedStringWithCanonicalMapping.unicodeScalars))
    }

    @Test("Monthly figures with the month as a month cell and as 05/2025; 1.234 is thousands")
    func figureMonths() throws {
        let (rows, problems) = FigureImport.read(try workbook("figures-month-cells.xlsx"), latest: Month(year: 2025, month: 8)!)
        #expect(problems == [])
        #expect(rows == [
            .init(line: 2, unit: "06808", month: Month(year: 2025, month: 5)!, values: [.under14Population: 1980, .under14WithIdCard: 1900]),
            .init(line: 3, unit: "06811", month: Month(year: 2025, month: 5)!, values: [.under14Population: 1234, .under14WithIdCard: 12]),
        ])
    }

    @Test("CSV as spreadsheets save it: decimals refused, not multiplied; US month-first days read by the file's own order, or refused")
    func csvValues() {
        let villages = VillageImport.read("village,kind,population,households\nTân Lập,thôn,1234.5,300\nHồng Hà,thôn,\"1,234\",300\nMới,thôn,1.234.5,2\n")
        #expect(villages.rows.map(\.population) == [1234])
        #expect(villages.problems == [
            ImportProblem(line: 2, key: "import.notWhole", arguments: ["column": "population", "value": "1234.5"]),
            ImportProblem(line: 4, key: "import.numberAmbiguous", arguments: ["column": "population", "value": "1.234.5"]),
        ])
        let figures = FigureImport.read("unit,month,under14_population\n06808,07/2025,84.5\n", latest: Month(year: 2025, month: 8)!)
        #expect(figures.problems == [ImportProblem(line: 2, key: "import.notWhole", arguments: ["column": "under14_population", "value": "84.5"])])
        let population = PopulationImport.read("unit,population\n06808,1234.5\n")
        #expect(population.problems.map(\.key) == ["import.notWhole"] && population.rows.isEmpty)
        // A file saved with US settings: 08/25/2024 settles that 08/05/2024 is 5 August.
        let us = MemberImport.read("village,full_name,role,joined_on\nVàng Danh 3,A,tổ viên,08/05/2024\nVàng Danh 3,B,tổ viên,08/25/2024\n", today: Self.today)
        #expect(us.problems == [] && us.rows.map(\.joinedOn.iso) == ["2024-08-05", "2024-08-25"])
        let vn = MemberImport.read("village,full_name,role,joined_on\nVàng Danh 3,A,tổ viên,08/05/2024\nVàng Danh 3,B,tổ viên,25/08/2024\n", today: Self.today)
        #expect(vn.problems == [] && vn.rows.map(\.joinedOn.iso) == ["2024-05-08", "2024-08-25"])
        let alone = MemberImport.read("village,full_name,role,joined_on\nVàng Danh 3,A,tổ viên,08/05/2024\n", today: Self.today)
        #expect(alone.rows.isEmpty && alone.problems.map(\.key) == ["import.dayAmbiguous"])
        // Blank lines skipped, not four errors; rows keep the file's own line numbers.
        let blank = MemberImport.read("village,full_name,role,joined_on\n\n,,,\nVàng Danh 3,A,tổ viên,hôm qua\n", today: Self.today)
        #expect(blank.problems == [ImportProblem(line: 4, key: "import.date", arguments: ["column": "joined_on", "value": "hôm qua"])])
    }

    @Test("A workbook's escapes (_x000D_) decoded, and an empty formatted cell far to the right is no cell")
    func escapesAndWideRows() throws {
        let parts = [
            "xl/workbook.xml": """
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                <workbookPr date1904="false"/><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>
                """,
            "xl/_rels/workbook.xml.rels": """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
                """,
            "xl/sharedStrings.xml": """
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Dòng một_x000D_</t></si><si><t>_x005F_x000D_ giữ nguyên</t></si></sst>
                """,
            "xl/worksheets/sheet1.xml": """
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
                <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>a_x0009_b</t></is></c><c r="XFD1" s="3"/></row>\
                <row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><f>A1&amp;"x"</f></c></row>\
                </sheetData></worksheet>
                """,
        ]
        let sheet = try XLSX.read(try SpreadsheetTests.zipped(parts))
        #expect(sheet.rows.map(\.cells) == [[.text("Dòng một\r"), .text("a\tb")], [.text("_x000D_ giữ nguyên"), .formulaWithoutValue]])
    }

    @Test("Exports safe to open: formula-like text guarded in CSV, kept as text in XLSX, and read back as it was")
    func formulaText() throws {
        let name = "=HYPERLINK(\"http://x.example\",\"Bấm\")"
        let rows = [MemberImport.header, ["Vàng Danh 3", name, "member", "", "2025-08-01", ""], ["Vàng Danh 3", "-Bình", "member", "", "2025-08-01", ""]]
        let csv = TableFile.csv(rows)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Bấm\"\")\"") && csv.contains(",'-Bình,"))
        let back = MemberImport.read(try #require(TableFile.sheet(of: Data(csv.utf8))), today: Self.today)
        #expect(back.problems == [] && back.rows.map(\.fullName) == [name, "-Bình"])
        let xlsx = try TableFile.data(rows, as: .xlsx, sheet: "Thành viên")
        let sheetXML = try #require(String(data: try unzipped(xlsx, "xl/worksheets/sheet1.xml"), encoding: .utf8))
        #expect(sheetXML.contains("<c r=\"B2\" t=\"inlineStr\" s=\"4\">") && sheetXML.contains("<c r=\"A2\" t=\"inlineStr\" s=\"0\">"))
        #expect(try String(data: unzipped(xlsx, "xl/styles.xml"), encoding: .utf8)?.contains("quotePrefix=\"1\"") == true)
        #expect(MemberImport.read(try XLSX.read(xlsx), today: Self.today).rows.map(\.fullName) == [name, "-Bình"])
        // A report's CSV guards its text, not its numbers.
        let table = ReportTable(key: "exemplars", title: "Gương", columns: [.init(title: "Tên", width: 10), .init(title: "Điểm", width: 5, numeric: true)],
                                rows: [[.text("@cmd"), .number(-1.5)]])
        #expect(table.csv == "\u{FEFF}Tên,Điểm\r\n'@cmd,-1.5\r\n")
    }

    func unzipped(_ data: Data, _ path: String) throws -> Data {
        let archive = try Archive(data: data, accessMode: .read)
        var out = Data()
        _ = try archive.extract(try #require(archive[path])) { out.append($0) }
        return out
    }

    @Test("The checked file waits on the server: confirmed by its token alone, once, by the account that previewed it, within the hour")
    func drafts() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let officer = Browser(), other = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await other.signIn(app, "thuongtruc", "demo-password-for-tests")
            let before = try await Member.query(on: app.db).count()
            // A workbook with a hidden first sheet: the preview says which sheet it read.
            let bytes = try Data(contentsOf: SpreadsheetTests.fixtures.appendingPathComponent("members-hidden-first.xlsx"))
            var token = ""
            try await uploadFile(app, officer, "/members/import", bytes: bytes, name: "ds.xlsx",
                                 type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fields: ["unit": ward]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Đã đọc trang tính “Danh sách”; các trang tính khác có dữ liệu không được đọc: “Ghi chú”."))
                #expect(!res.body.string.contains("Người Đã Thôi"))
                token = try carriedDraft(res.body.string)
            }
            #expect(UUID(uuidString: token) != nil)
            #expect(try await ImportDraft.query(on: app.db).count() == 1)
            // Another account cannot confirm it; nor can a made-up token.
            try await other.post(app, "/members/import/confirm", ["draft": token, "unit": ward]) { #expect($0.status == .gone) }
            try await officer.post(app, "/members/import/confirm", ["draft": UUID().uuidString, "unit": ward]) { res in
                #expect(res.status == .gone && res.body.string.contains("Bản xem trước không còn nữa"))
            }
            try await officer.post(app, "/members/import/confirm", ["draft": "not-a-token", "unit": ward]) { #expect($0.status == .gone) }
            #expect(try await Member.query(on: app.db).count() == before)
            try await officer.post(app, "/members/import/confirm", ["draft": token, "unit": ward]) { #expect($0.status == .seeOther) }
            #expect(try await Member.query(on: app.db).count() == before + 1)
            #expect(try await Member.query(on: app.db).filter(\.$fullName == "Phạm Văn Quang").count() == 1)
            // Once: the draft is gone with the confirmation.
            try await officer.post(app, "/members/import/confirm", ["draft": token, "unit": ward]) { #expect($0.status == .gone) }
            #expect(try await ImportDraft.query(on: app.db).count() == 0)
            // An hour later it is no longer kept, and a later preview clears it away.
            let csv = "village,full_name,role,joined_on\nVàng Danh 3,Vũ Thị Hạnh,tổ viên,2025-08-01\n"
            try await uploadFile(app, officer, "/members/import", csv, fields: ["unit": ward]) { token = try carriedDraft($0.body.string) }
            let draft = try #require(try await ImportDraft.find(UUID(uuidString: token), on: app.db))
            draft.expiresAt = Date().addingTimeInterval(-1)
            try await draft.update(on: app.db)
            try await officer.post(app, "/members/import/confirm", ["draft": token, "unit": ward]) { #expect($0.status == .gone) }
            try await uploadFile(app, officer, "/members/import", csv, fields: ["unit": ward]) { #expect($0.status == .ok) }
            #expect(try await ImportDraft.query(on: app.db).filter(\.$id == draft.requireID()).count() == 0)
            // The figures' page takes a workbook too, and its confirmation is a token as well.
            let secretariat = other
            let figures = try Data(contentsOf: SpreadsheetTests.fixtures.appendingPathComponent("figures-month-cells.xlsx"))
            try await secretariat.get(app, "/figures/import") { #expect($0.body.string.contains("accept=\".csv,text/csv,.xlsx,")) }
            try await uploadFile(app, secretariat, "/figures/import", bytes: figures, name: "so-lieu.xlsx",
                                 type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") { res in
                #expect(res.status == .ok)
                token = try carriedDraft(res.body.string)
            }
            try await secretariat.post(app, "/figures/import/confirm", ["draft": token]) { #expect($0.status == .seeOther) }
            #expect(try await Figure.query(on: app.db).count() == 4)
        }
    }

    @Test("A large commune: 10,000 members previewed, the preview lists 200 of them, and the confirmation sends 100 bytes, not the file")
    func largeCommune() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            let file = (["village,full_name,role,phone,joined_on,left_on"] + (1...10_000).map { "Vàng Danh 3,Nguyễn Văn Thành \($0),tổ viên,,2025-08-01," })
                .joined(separator: "\n")
            var token = ""
            try await uploadFile(app, officer, "/members/import", file, fields: ["unit": ward]) { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("Hiển thị 200 dòng đầu trong 10.000 dòng; cả tệp đã được kiểm tra."))
                #expect(html.utf8.count < 100_000)
                token = try carriedDraft(html)
            }
            let before = try await Member.query(on: app.db).count()
            try await officer.post(app, "/members/import/confirm", ["draft": token, "unit": ward]) { #expect($0.status == .seeOther) }
            #expect(try await Member.query(on: app.db).count() == before + 10_000)
        }
    }
}
