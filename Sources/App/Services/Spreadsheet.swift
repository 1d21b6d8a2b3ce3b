import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ThiDuaCore
import ZIPFoundation

/// The files people bring to an import: CSV text, or an Excel workbook (its first visible sheet with data), read
/// to the same typed cells so that every import checks one thing. An export is written in either from the same
/// rows.
enum TableFile {
    enum Format: String, Sendable, CaseIterable {
        case csv, xlsx

        var mediaType: (type: String, subType: String) {
            switch self {
            case .csv: ("text", "csv")
            case .xlsx: ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            }
        }
    }

    /// The file's rows: an XLSX workbook's sheet, or UTF-8 text with no NUL read as CSV; nil for anything else.
    static func sheet(of bytes: some Collection<UInt8>) -> ImportSheet? {
        guard !bytes.isEmpty else { return nil }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try? XLSX.read(Data(bytes)) }
        guard !bytes.contains(0), let text = String(bytes: bytes, encoding: .utf8) else { return nil }
        return ImportSheet.csv(text)
    }

    /// Rows of text as CSV, with a byte-order mark so that Excel reads the Vietnamese letters as UTF-8; text that
    /// a spreadsheet would run as a formula is written after an apostrophe (`FormulaText`).
    static func csv(_ rows: [[String]]) -> String { csvLines(rows.map { $0.map(FormulaText.guarded) }) }

    /// Rows as CSV, each cell as given (a writer with numbers among its text guards the text itself).
    static func csvLines(_ rows: [[String]]) -> String {
        "\u{FEFF}" + rows.map(MemberImport.line).joined(separator: "\r\n") + "\r\n"
    }

    static func data(_ rows: [[String]], as format: Format, sheet: String) throws -> Data {
        switch format {
        case .csv: Data(csv(rows).utf8)
        case .xlsx: try XLSX.write(rows, sheet: sheet)
        }
    }
}

/// Office Open XML workbooks, as much as a table of text needs: the first sheet's cells as text (shared and inline
/// strings, numbers, booleans, and days for numbers formatted as dates) and a one-sheet workbook of text cells.
enum XLSX {
    struct Unreadable: Error {}

    /// No part of a workbook read may unpack to more than this (a small file that unpacks to gigabytes is refused).
    static let maxPart = 32 << 20
    /// Nor all of them together.
    static let maxUnpacked = 64 << 20

    /// The workbook's first visible sheet that holds data (the first visible one when none does), its rows
    /// numbered as the sheet numbers them; the other visible sheets with data are named, for the preview to say.
    static func read(_ data: Data) throws -> ImportSheet {
        let archive = try Archive(data: data, accessMode: .read)
        var unpacked = 0
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            guard entry.uncompressedSize <= maxPart else { throw Unreadable() }
            // The size a ZIP declares can lie (a bomb says a few bytes and unpacks to gigabytes): the bytes are
            // counted as they are inflated, and the reading stops at the limit.
            var out = Data()
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                unpacked += chunk.count
                guard out.count + chunk.count <= maxPart, unpacked <= maxUnpacked else { throw Unreadable() }
                out.append(chunk)
            }
            return out
        }
        let book = try part("xl/workbook.xml").map(Workbook.parse)
        let targets = try part("xl/_rels/workbook.xml.rels").map { Elements.parse($0, named: "Relationship") } ?? []
        var sheets: [(name: String, path: String)] = []
        for sheet in book?.sheets ?? [] where sheet.visible {
            guard let target = targets.first(where: { $0["Id"] == sheet.relationship })?["Target"] else { continue }
            sheets.append((sheet.name, target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target))
        }
        if sheets.isEmpty { sheets = [("", "xl/worksheets/sheet1.xml")] }
        let shared = try part("xl/sharedStrings.xml").map(SharedStrings.parse) ?? []
        let formats = try part("xl/styles.xml").map(CellFormats.parse) ?? []
        let system = book?.system ?? .from1900
        var read: [(name: String, sheet: ImportSheet)] = []
        for (name, path) in sheets {
            guard let xml = try part(path) else { continue }
            read.append((name, try SheetCells.parse(xml, shared: shared, formats: formats, system: system)))
        }
        guard let first = read.first else { throw Unreadable() }
        let withData = read.filter { !$0.sheet.rows.isEmpty }
        var chosen = withData.first ?? first
        chosen.sheet.sheetName = chosen.name.isEmpty ? nil : chosen.name
        chosen.sheet.otherSheets = withData.map(\.name).filter { $0 != chosen.name }
        return chosen.sheet
    }

    /// A cell of a written sheet: text (codes keep their zeros), a number, or a day (a date cell, shown dd/mm/yyyy).
    enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
        case date(LocalDate)
        case empty
    }

    /// A sheet to write: its name, its columns' widths (in characters; none for the default), its rows (the first is
    /// the header, bold), and whether the header stays in view as the rows scroll.
    struct Sheet: Sendable {
        var name: String
        var widths: [Double] = []
        var rows: [[Cell]]
        var freezeHeader = true
    }

    /// A workbook of one sheet whose cells are all text (codes such as 06820-07 and phones keep their zeros).
    static func write(_ rows: [[String]], sheet: String) throws -> Data {
        try write([Sheet(name: sheet, rows: rows.map { $0.map { $0.isEmpty ? .empty : .text($0) } }, freezeHeader: false)])
    }

    static func escaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // XML 1.0 has no place for other control characters.
            case _ where scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func sheetXML(_ sheet: Sheet) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        if sheet.freezeHeader {
            xml += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
                + "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>"
        }
        if !sheet.widths.isEmpty {
            xml += "<cols>" + sheet.widths.enumerated().map { i, w in
                "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(w)\" customWidth=\"1\"/>"
            }.joined() + "</cols>"
        }
        xml += "<sheetData>"
        for (r, row) in sheet.rows.enumerated() {
            xml += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let ref = "\(column(c))\(r + 1)"
                switch cell {
                case .empty: continue
                case .text(let text):
                    // Text a spreadsheet would take for a formula if it were typed again keeps its value, in a
                    // format that says it is text (Excel's quote prefix).
                    let style = r == 0 ? 1 : FormulaText.needsGuard(text) ? 4 : 0
                    xml += "<c r=\"\(ref)\" t=\"inlineStr\" s=\"\(style)\"><is><t xml:space=\"preserve\">\(escaped(text))</t></is></c>"
                case .number(let n) where n.isFinite:
                    xml += "<c r=\"\(ref)\" s=\"2\"><v>\(n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n))</v></c>"
                case .number: continue
                case .date(let day):
                    xml += "<c r=\"\(ref)\" s=\"3\"><v>\(DateSystem.from1900.serial(of: day))</v></c>"
                }
            }
            xml += "</row>"
        }
        return xml + "</sheetData></worksheet>"
    }

    /// A workbook of several sheets.
    static func write(_ sheets: [Sheet]) throws -> Data {
        let names = sheets.indices.map { "sheet\($0 + 1).xml" }
        let parts: [(String, String)] = [
            ("[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
                \(names.map { "<Override PartName=\"/xl/worksheets/\($0)\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
                <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
                </Types>
                """),
            ("_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                </Relationships>
                """),
            ("xl/workbook.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                <sheets>\(sheets.enumerated().map { i, s in
                    "<sheet name=\"\(escaped(String(s.name.prefix(31))))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>" }.joined())</sheets></workbook>
                """),
            ("xl/_rels/workbook.xml.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                \(names.enumerated().map { i, n in
                    "<Relationship Id=\"rId\(i + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/\(n)\"/>" }.joined())\
                <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                </Relationships>
                """),
            // Cell formats: text (numFmtId 49, so typed codes keep their zeros), bold text for the header, a number,
            // a day (shown dd/mm/yyyy, as Vietnam writes it), text that begins like a formula (quote prefix).
            ("xl/styles.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
                <numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>\
                <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
                <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
                <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
                <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
                <cellXfs count="5"><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
                <xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>\
                <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
                <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
                <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/></cellXfs>\
                <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
                </styleSheet>
                """),
        ] + zip(names, sheets).map { ("xl/worksheets/" + $0, sheetXML($1)) }
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw Unreadable() }
        return data
    }

    /// A column's letters from its index: 0 → A, 25 → Z, 26 → AA.
    static func column(_ index: Int) -> String {
        var n = index + 1, out = ""
        while n > 0 {
            let r = (n - 1) % 26
            out = String(UnicodeScalar(UInt8(65 + r))) + out
            n = (n - 1) / 26
        }
        return out
    }

    /// A column's index from a cell reference's letters: "B12" → 1.
    static func columnIndex(_ reference: String) -> Int? {
        var n = 0, letters = 0
        for c in reference.unicodeScalars {
            guard c.value >= 65 && c.value <= 90 else { break }
            n = n * 26 + Int(c.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : n - 1
    }

}

/// The attributes of every element of one name (the workbook's sheets, its relationships).
private final class Elements: NSObject, XMLParserDelegate {
    let name: String
    var found: [[String: String]] = []

    init(_ name: String) { self.name = name }

    static func parse(_ data: Data, named name: String) -> [[String: String]] {
        let delegate = Elements(name)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.found
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        if elementName == name { found.append(attributeDict) }
    }
}

/// The workbook's sheets in order (name, whether visible, relationship) and its date system.
private final class Workbook: NSObject, XMLParserDelegate {
    struct Sheet {
        var name: String
        var visible: Bool
        var relationship: String
    }

    var sheets: [Sheet] = []
    var system = DateSystem.from1900

    static func parse(_ data: Data) throws -> Workbook {
        let delegate = Workbook()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw XLSX.Unreadable() }
        return delegate
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        switch elementName {
        case "workbookPr": system = DateSystem(date1904: attributeDict["date1904"])
        case "sheet":
            // `hidden` and `veryHidden` sheets are not what the person sees when the file opens.
            let state = attributeDict["state"] ?? "visible"
            let id = attributeDict["r:id"] ?? attributeDict.first(where: { $0.key.hasSuffix(":id") })?.value ?? ""
            sheets.append(Sheet(name: attributeDict["name"] ?? "", visible: state == "visible", relationship: id))
        default: break
        }
    }
}

/// The shared strings: each `<si>`'s text, its runs joined, escapes decoded (`_x000D_`).
private final class SharedStrings: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inText = false
    var inPhonetic = false

    static func parse(_ data: Data) throws -> [String] {
        let delegate = SharedStrings()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw XLSX.Unreadable() }
        return delegate.strings
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        switch elementName {
        case "si": current = ""
        case "t": inText = true
        // Phonetic guides (East Asian readings) are not the cell's text.
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText && !inPhonetic { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch elementName {
        case "si": strings.append(XMLText.unescaped(current))
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// Each cell format's (by index in `cellXfs`) number format code: the workbook's own, or the built-in one it names.
private final class CellFormats: NSObject, XMLParserDelegate {
    var custom: [Int: String] = [:]
    var formats: [Int] = []
    var inCellXfs = false

    static func parse(_ data: Data) throws -> [String] {
        let delegate = CellFormats()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw XLSX.Unreadable() }
        return delegate.formats.map { delegate.custom[$0] ?? NumberFormat.builtin($0) ?? "General" }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        switch elementName {
        case "numFmt":
            if let id = attributeDict["numFmtId"].flatMap(Int.init), let code = attributeDict["formatCode"] { custom[id] = code }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs: formats.append(attributeDict["numFmtId"].flatMap(Int.init) ?? 0)
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if elementName == "cellXfs" { inCellXfs = false }
    }
}

/// A sheet's cells, row by row, each read as the person saw it (`SheetCell`), each row with its number in the
/// sheet and whether it was hidden. Cells with no value (a header coloured across a hundred columns) are no cells.
private final class SheetCells: NSObject, XMLParserDelegate {
    /// A value further right than this is not a table any import reads (and would cost memory for nothing).
    static let maxColumns = 1024

    let shared: [String]
    let formats: [String]
    let system: DateSystem
    var rows: [ImportSheet.Row] = []
    var row: [SheetCell] = []
    var rowNumber = 0
    var rowHidden = false
    var cellColumn = 0
    var cellType: String?
    var cellStyle = 0
    var value: String?
    var inlineText: String?
    var hasFormula = false
    var inValue = false
    var inInline = false
    var inInlineText = false
    var inPhonetic = false
    var failed = false

    init(shared: [String], formats: [String], system: DateSystem) {
        self.shared = shared
        self.formats = formats
        self.system = system
    }

    static func parse(_ data: Data, shared: [String], formats: [String], system: DateSystem) throws -> ImportSheet {
        let delegate = SheetCells(shared: shared, formats: formats, system: system)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse(), !delegate.failed else { throw XLSX.Unreadable() }
        return ImportSheet(rows: delegate.rows)
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        switch elementName {
        case "row":
            row = []
            rowNumber = attributeDict["r"].flatMap(Int.init) ?? rowNumber + 1
            rowHidden = ["1", "true"].contains(attributeDict["hidden"] ?? "")
        case "c":
            cellColumn = attributeDict["r"].flatMap(XLSX.columnIndex) ?? row.count
            cellType = attributeDict["t"]
            cellStyle = attributeDict["s"].flatMap(Int.init) ?? 0
            value = nil
            inlineText = nil
            hasFormula = false
        case "v": inValue = true; value = value ?? ""
        case "f": hasFormula = true
        case "is": inInline = true; inlineText = ""
        case "t" where inInline: inInlineText = true
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        // Only a run's text: the spaces between the elements of an indented file are not the cell's.
        if inValue { value? += string } else if inInlineText && !inPhonetic { inlineText? += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch elementName {
        case "v": inValue = false
        case "is": inInline = false
        case "t": inInlineText = false
        case "rPh": inPhonetic = false
        case "c":
            let text: String? = switch cellType {
            case "s": value.flatMap(Int.init).flatMap { shared.indices.contains($0) ? shared[$0] : nil }
            case "inlineStr": (inlineText ?? value).map(XMLText.unescaped)
            case "str": value.map(XMLText.unescaped)
            default: value
            }
            let format = cellStyle >= 0 && cellStyle < formats.count ? formats[cellStyle] : "General"
            let cell = SheetCell(type: cellType, value: text, formula: hasFormula, format: format, system: system)
            if cell == .empty { return }
            guard cellColumn < Self.maxColumns else { failed = true; parser.abortParsing(); return }
            while row.count < cellColumn { row.append(.empty) }
            if row.count == cellColumn { row.append(cell) } else { row[cellColumn] = cell }
        case "row":
            rows.append(ImportSheet.Row(line: rowNumber, cells: row, hidden: rowHidden))
        default: break
        }
    }
}
