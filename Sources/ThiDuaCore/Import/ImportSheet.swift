import Foundation

/// The rows of a file brought to an import, each with the number its program shows beside it (a CSV file's line,
/// a sheet's row), blank rows left out but counted. A workbook's sheet also says which sheet it is, which other
/// sheets hold data and which rows were hidden, for the preview to say.
public struct ImportSheet: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var cells: [SheetCell]
        public var hidden: Bool

        public init(line: Int, cells: [SheetCell], hidden: Bool = false) {
            self.line = line
            self.cells = cells
            self.hidden = hidden
        }
    }

    public var rows: [Row]
    /// The sheet read, for a workbook.
    public var sheetName: String?
    /// The workbook's other visible sheets that hold data (not read).
    public var otherSheets: [String]

    public init(rows: [Row], sheetName: String? = nil, otherSheets: [String] = []) {
        // A row of nothing but empty cells (`,,,,` as spreadsheets save a blank line) is no row.
        self.rows = rows.compactMap { row in
            var row = row
            while let last = row.cells.last, last.isBlank { row.cells.removeLast() }
            return row.cells.isEmpty ? nil : row
        }
        self.sheetName = sheetName
        self.otherSheets = otherSheets
    }

    /// A CSV file's rows (RFC 4180, as `CSVText` reads it), every field text, each row numbered by the line it
    /// begins on.
    public static func csv(_ text: String) -> ImportSheet {
        ImportSheet(rows: CSVText.numberedRows(text).map { Row(line: $0.line, cells: $0.fields.map(SheetCell.typed)) })
    }

    /// The lines of rows hidden in the sheet that were read all the same.
    public var hiddenLines: [Int] { rows.filter(\.hidden).map(\.line) }

    /// What the preview says of the file besides its rows' problems.
    public var notes: [ImportProblem] {
        var notes: [ImportProblem] = []
        if let sheetName, !otherSheets.isEmpty {
            notes.append(ImportProblem(line: 0, key: "import.note.sheet", arguments: [
                "sheet": sheetName, "others": otherSheets.map { "“\($0)”" }.joined(separator: ", ")]))
        }
        let hidden = hiddenLines
        if !hidden.isEmpty {
            notes.append(ImportProblem(line: 0, key: "import.note.hidden", arguments: [
                "lines": (hidden.prefix(20).map(String.init) + (hidden.count > 20 ? ["…"] : [])).joined(separator: ", "),
                "count": String(hidden.count)]))
        }
        return notes
    }
}

/// Comma-separated values as spreadsheets write them (RFC 4180): fields in double quotes may hold commas, line
/// breaks and doubled quotes; a byte-order mark and a last empty line are ignored; `;` is taken as the separator
/// when the header line has more of them than commas (as some spreadsheets write in Vietnamese).
public enum CSVText {
    public static func rows(_ text: String) -> [[String]] {
        numberedRows(text).map(\.fields)
    }

    /// Each row with the line it begins on (the first line is 1), empty lines left out.
    public static func numberedRows(_ text: String) -> [(line: Int, fields: [String])] {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let firstLine = body.prefix { $0 != "\n" && $0 != "\r" && $0 != "\r\n" }
        let separator: Character = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        var rows: [(line: Int, fields: [String])] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var rowLine = 1
        func endRow() {
            row.append(field)
            field = ""
            if !(row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty) { rows.append((rowLine, row)) }
            row = []
        }
        var chars = Array(body)
        if let last = chars.last, last != "\n" && last != "\r" && last != "\r\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let isBreak = c == "\n" || c == "\r" || c == "\r\n"
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    field.append(c)
                    if isBreak { line += 1 }
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == separator {
                row.append(field); field = ""
            } else if isBreak {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRow()
                line += 1
                rowLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        return rows
    }
}

/// A mistake in an imported file, with its line (the header is line 1) and a message key.
public struct ImportProblem: Error, Equatable, Sendable {
    public var line: Int
    public var key: String
    public var arguments: [String: String]

    public init(line: Int, key: String, arguments: [String: String] = [:]) {
        self.line = line
        self.key = key
        self.arguments = arguments
    }
}

/// A file with a header of named columns, opened as the imports read it: the header checked against the columns it
/// may have and must have, the rows with their lines. Nil when the file cannot be read on.
public struct ImportTable: Sendable {
    public let names: [String]
    public let headerLine: Int
    public let rows: [(line: Int, cells: [SheetCell])]
    /// The order of the file's days written as text, told from the days that can be read only one way.
    public let dayOrder: DayOrder

    public static func open(_ sheet: ImportSheet, columns: [String], required: Set<String>, maxRows: Int,
                            dayColumns: [String] = []) -> (ImportTable?, [ImportProblem]) {
        guard let head = sheet.rows.first else { return (nil, [ImportProblem(line: 1, key: "import.empty")]) }
        let line = head.line
        let names = head.cells.map { CellValue.plainText($0).trimmingCharacters(in: .whitespaces).lowercased() }
        var problems: [ImportProblem] = []
        for name in names where !name.isEmpty && !columns.contains(name) {
            problems.append(ImportProblem(line: line, key: "import.unknownColumn", arguments: ["column": name, "allowed": columns.joined(separator: ", ")]))
        }
        let named = names.filter { !$0.isEmpty }
        if Set(named).count != named.count { problems.append(ImportProblem(line: line, key: "import.columnTwice")) }
        guard required.isSubset(of: Set(names)) else {
            return (nil, problems + [ImportProblem(line: line, key: "import.header", arguments: ["header": columns.joined(separator: ",")])])
        }
        guard sheet.rows.count - 1 <= maxRows else {
            return (nil, problems + [ImportProblem(line: line, key: "import.tooMany", arguments: ["max": String(maxRows)])])
        }
        if sheet.rows.count == 1 { problems.append(ImportProblem(line: line, key: "import.noRows")) }
        let rows = sheet.rows.dropFirst().map { (line: $0.line, cells: $0.cells) }
        let dayIndexes = dayColumns.compactMap { names.firstIndex(of: $0) }
        let order = DayOrder.evident(in: rows.flatMap { row in dayIndexes.compactMap { $0 < row.cells.count ? row.cells[$0] : nil } })
        return (ImportTable(names: names, headerLine: line, rows: rows, dayOrder: order), problems)
    }

    /// A row's cell of a column; empty when the column or the cell is not there.
    public func cell(_ cells: [SheetCell], _ column: String) -> SheetCell {
        guard let i = names.firstIndex(of: column), i < cells.count else { return .empty }
        return cells[i]
    }

    public func has(_ column: String) -> Bool { names.contains(column) }

    /// Whether a row has cells beyond the header's columns.
    public func overflows(_ cells: [SheetCell]) -> Bool { cells.count > names.count }
}

/// One row of an import read column by column: each value as the person meant it, or a problem with the row's
/// line and the column (a refused cell reads as empty, and says no more than its own problem).
public struct RowCheck {
    public let table: ImportTable
    public let line: Int
    public let cells: [SheetCell]
    public private(set) var problems: [ImportProblem] = []
    private var refused: Set<String> = []

    public init(_ table: ImportTable, line: Int, cells: [SheetCell]) {
        self.table = table
        self.line = line
        self.cells = cells
    }

    public var bad: Bool { !problems.isEmpty }

    public mutating func refuse(_ key: String, _ arguments: [String: String] = [:]) {
        problems.append(ImportProblem(line: line, key: key, arguments: arguments))
    }

    /// Whether a column's cell was refused (so that "missing" is not said of it as well).
    public func wasRefused(_ column: String) -> Bool { refused.contains(column) }

    /// The cell as shown, for messages.
    public func shown(_ column: String) -> String { CellValue.plainText(table.cell(cells, column)) }

    private mutating func value<T>(_ column: String, _ read: (SheetCell) -> Result<T?, CellIssue>) -> T? {
        switch read(table.cell(cells, column)) {
        case .success(let value): return value
        case .failure(let issue):
            refused.insert(column)
            refuse(issue.key, issue.arguments.merging(["column": column]) { own, _ in own })
            return nil
        }
    }

    /// Text, trimmed and with its inner runs of spaces made one; empty when the cell is empty or refused.
    public mutating func string(_ column: String) -> String {
        (value(column, CellValue.text) ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Text that must be there: `missing` is said when the cell is empty (not when it was refused).
    public mutating func required(_ column: String, missing: String) -> String {
        let text = string(column)
        if text.isEmpty && !wasRefused(column) { refuse(missing) }
        return text
    }

    public mutating func count(_ column: String, maximum: Int) -> Int? { value(column) { CellValue.count($0, maximum: maximum) } }

    public mutating func day(_ column: String) -> LocalDate? {
        let order = table.dayOrder
        return value(column) { CellValue.day($0, order: order) }
    }

    public mutating func month(_ column: String) -> Month? { value(column, CellValue.month) }
}
