import Foundation
import Testing
import ThiDuaCore
import ZIPFoundation
@testable import App

@Suite("Excel workbooks for the imports and exports")
struct SpreadsheetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A workbook made of the parts given, path by path, as a test writes what some program writes.
    static func zipped(_ parts: [String: String]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    @Test("A workbook saved by openpyxl: inline text, a phone typed as a number, a day formatted as a day, an empty row")
    func openpyxlWorkbook() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("members.xlsx"))
        #expect(cellTexts(try XLSX.read(data)) == [
            ["village", "full_name", "role", "phone", "joined_on", "left_on"],
            ["Vàng Danh 3", "Nguyễn Thị Mai", "tổ viên", "912345678", "01/08/2025"],
            ["Vàng Danh 3", "Hoàng \"Dũng\", con", "tổ phó", "0903 123 456", "15/08/2025"],
        ])
        #expect(try XLSX.read(data).rows[1].cells[4] == .day(LocalDate(iso: "2025-08-01")!))
        // Read as the import reads it: the members' rules take the cells as they are.
        let sheet = try #require(TableFile.sheet(of: data))
        let (rows, problems) = MemberImport.read(sheet, today: LocalDate(iso: "2025-09-01")!)
        #expect(problems == [])
        #expect(rows.map(\.phone) == ["0912345678", "0903123456"] && rows.map(\.joinedOn.iso) == ["2025-08-01", "2025-08-15"])
        #expect(rows.last?.fullName == "Hoàng \"Dũng\", con")
    }

    @Test("Shared strings with runs, booleans, decimals, cells out of order and a day format of its own")
    func sharedStrings() throws {
        let parts = [
            "xl/workbook.xml": """
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                <sheets><sheet name="Một" sheetId="1" r:id="rId7"/></sheets></workbook>
                """,
            "xl/_rels/workbook.xml.rels": """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/></Relationships>
                """,
            "xl/sharedStrings.xml": """
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>unit</t></si>\
                <si><r><t>Khu </t></r><r><rPr><b/></rPr><t>Vàng &amp; Danh</t></r><rPh><t>x</t></rPh></si></sst>
                """,
            "xl/styles.xml": """
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="164" formatCode="dd&quot;/&quot;mm&quot;/&quot;yyyy"/></numFmts>\
                <cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>
                """,
            "xl/worksheets/data.xml": """
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
                <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="str"><v>n</v></c></row>\
                <row r="2"><c r="C2"><v>1250.5</v></c><c r="A2" t="s"><v>1</v></c><c r="B2" t="b"><v>1</v></c></row>\
                <row r="3"><c r="A3" s="1"><v>45870</v></c><c r="B3" s="2"><v>45658</v></c><c r="D3"><v>3.0E2</v></c></row>\
                </sheetData></worksheet>
                """,
        ]
        let data = try Self.zipped(parts)
        let sheet = try XLSX.read(data)
        #expect(sheet.rows.map(\.cells) == [
            [.text("unit"), .empty, .text("n")],
            [.text("Khu Vàng & Danh"), .boolean(true), .number(1250.5)],
            [.day(LocalDate(iso: "2025-08-01")!), .day(LocalDate(iso: "2025-01-01")!), .empty, .number(300)],
        ])
        #expect(sheet.rows.map(\.line) == [1, 2, 3] && sheet.sheetName == "Một" && sheet.otherSheets.isEmpty)
    }

    @Test("An export opens again as the same rows: text kept as typed (zeros, commas, quotes, Vietnamese letters)")
    func roundTrip() throws {
        let rows = [VillageImport.header, ["Vàng Danh 3", "khu", "06808-03", "1200", "", ""], ["Tân \"Lập\", <mới> & cũ", "thôn", "06820-11", "", "", "2025-09-01"]]
        let data = try TableFile.data(rows, as: .xlsx, sheet: "Thôn, khu")
        #expect(data.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        // A row ends at its last cell with text, as a sheet has no empty cells to keep.
        #expect(cellTexts(try XLSX.read(data)) == [rows[0], ["Vàng Danh 3", "khu", "06808-03", "1200"], rows[2]])
        #expect(TableFile.sheet(of: data)?.rows == TableFile.sheet(of: Data(TableFile.csv(rows).utf8))?.rows.map { row in
            var row = row
            while row.cells.last == .empty { row.cells.removeLast() }
            return row
        })
        #expect(XLSX.column(0) == "A" && XLSX.column(25) == "Z" && XLSX.column(26) == "AA" && XLSX.columnIndex("AB12") == 27)
    }

    @Test("What is neither CSV nor a workbook is refused: a broken ZIP, a ZIP without a sheet, binary bytes")
    func unreadable() throws {
        #expect(TableFile.sheet(of: Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3])) == nil)
        let archive = try Archive(data: Data(), accessMode: .create)
        let bytes = Data("hello".utf8)
        try archive.addEntry(with: "readme.txt", type: .file, uncompressedSize: Int64(bytes.count)) { _, _ in bytes }
        #expect(TableFile.sheet(of: try #require(archive.data)) == nil)
        #expect(TableFile.sheet(of: Data([0x61, 0x00, 0x62])) == nil && TableFile.sheet(of: Data()) == nil)
        #expect(TableFile.sheet(of: Data("unit,month\n".utf8)) == ImportSheet(rows: [.init(line: 1, cells: [.text("unit"), .text("month")])]))
    }

    @Test("A workbook that hides how large it unpacks (a ZIP bomb) is refused at the limit, not after unpacking it all")
    func hiddenSize() throws {
        // A sheet of 40 MB of spaces, deflated to a few dozen kilobytes, whose headers then claim 200 bytes.
        let sheet = #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + String(repeating: " ", count: 40 << 20) + "</sheetData></worksheet>"
        var zip = [UInt8](try Self.zipped(["xl/worksheets/sheet1.xml": sheet]))
        #expect(zip.count < 1 << 20)
        var patched = 0
        for i in 0..<(zip.count - 4) {
            let signature = Array(zip[i..<(i + 4)])
            // Local header: the uncompressed size at 22; central directory: at 24.
            if signature == [0x50, 0x4B, 0x03, 0x04] || signature == [0x50, 0x4B, 0x01, 0x02] {
                let at = i + (signature[2] == 0x03 ? 22 : 24)
                zip.replaceSubrange(at..<(at + 4), with: [200, 0, 0, 0])
                patched += 1
            }
        }
        #expect(patched == 2)
        #expect(throws: XLSX.Unreadable.self) { try XLSX.read(Data(zip)) }
        #expect(TableFile.sheet(of: Data(zip)) == nil)
        // The same sheet, small enough, is read (the limit, not the patching, refused it).
        let fits = try Self.zipped(["xl/worksheets/sheet1.xml": #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + String(repeating: " ", count: 1 << 20) + "</sheetData></worksheet>"])
        #expect(try XLSX.read(fits).rows.isEmpty)
    }
}
