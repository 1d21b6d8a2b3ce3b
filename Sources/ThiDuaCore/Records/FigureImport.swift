import Foundation

/// Comma-separated values as spreadsheets write them (RFC 4180): fields in double quotes may hold commas, line
/// breaks and doubled quotes; a byte-order mark and a last empty line are ignored; `;` is taken as the separator
/// when the header line has more of them than commas (as some spreadsheets write in Vietnamese).
public enum CSVText {
    public static func rows(_ text: String) -> [[String]] {
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let firstLine = body.prefix { $0 != "\n" && $0 != "\r" }
        let separator: Character = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(body)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == separator {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r" || c == "\r\n" {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                row.append(field); field = ""
                if !(row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty) { rows.append(row) }
                row = []
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
/// may have and must have, the rows with their lines (the header is line 1). Nil when the file cannot be read on.
public struct ImportTable: Sendable {
    public let names: [String]
    public let rows: [(line: Int, cells: [String])]

    public static func open(_ text: String, columns: [String], required: Set<String>, maxRows: Int) -> (ImportTable?, [ImportProblem]) {
        let table = CSVText.rows(text)
        guard let head = table.first else { return (nil, [ImportProblem(line: 1, key: "import.empty")]) }
        let names = head.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var problems: [ImportProblem] = []
        for name in names where !name.isEmpty && !columns.contains(name) {
            problems.append(ImportProblem(line: 1, key: "import.unknownColumn", arguments: ["column": name, "allowed": columns.joined(separator: ", ")]))
        }
        let named = names.filter { !$0.isEmpty }
        if Set(named).count != named.count { problems.append(ImportProblem(line: 1, key: "import.columnTwice")) }
        guard required.isSubset(of: Set(names)) else {
            return (nil, problems + [ImportProblem(line: 1, key: "import.header", arguments: ["header": columns.joined(separator: ",")])])
        }
        guard table.count - 1 <= maxRows else {
            return (nil, problems + [ImportProblem(line: 1, key: "import.tooMany", arguments: ["max": String(maxRows)])])
        }
        if table.count == 1 { problems.append(ImportProblem(line: 1, key: "import.noRows")) }
        let rows = table.enumerated().dropFirst().map { (line: $0.offset + 1, cells: $0.element) }
        return (ImportTable(names: names, rows: rows), problems)
    }

    /// A row's cell of a column, trimmed; empty when the column or the cell is not there.
    public func cell(_ cells: [String], _ column: String) -> String {
        guard let i = names.firstIndex(of: column), i < cells.count else { return "" }
        return cells[i].trimmingCharacters(in: .whitespaces)
    }

    public func has(_ column: String) -> Bool { names.contains(column) }
}

/// A file of monthly figures: a header `unit,month,<kind>,…` (any of the figure kinds, in any order), then a row
/// per commune and month. Read whole before anything is stored; every mistake is said with its line.
public enum FigureImport {
    public struct Row: Equatable, Sendable {
        /// The line of the file, counting the header as 1.
        public var line: Int
        public var unit: String
        public var month: Month
        public var values: [FigureKind: Int]

        public init(line: Int, unit: String, month: Month, values: [FigureKind: Int]) {
            self.line = line
            self.unit = unit
            self.month = month
            self.values = values
        }
    }

    public typealias Problem = ImportProblem

    public static let maxRows = 5000

    /// The template's header: every kind, in the catalogue's order.
    public static var header: [String] { ["unit", "month"] + FigureKind.allCases.map(\.rawValue) }

    /// The rows that read, and a problem per mistake. `latest`: no month after it (the month being reported).
    public static func read(_ text: String, latest: Month) -> (rows: [Row], problems: [Problem]) {
        let table = CSVText.rows(text)
        guard let head = table.first else { return ([], [Problem(line: 1, key: "import.empty")]) }
        let names = head.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var problems: [Problem] = []
        var kinds: [Int: FigureKind] = [:]
        for (i, name) in names.enumerated() where name != "unit" && name != "month" && !name.isEmpty {
            if let kind = FigureKind(rawValue: name) { kinds[i] = kind }
            else { problems.append(Problem(line: 1, key: "import.unknownColumn", arguments: ["column": name,
                                                                                          "allowed": header.joined(separator: ", ")])) }
        }
        guard let unitColumn = names.firstIndex(of: "unit"), let monthColumn = names.firstIndex(of: "month"), !kinds.isEmpty else {
            return ([], problems + [Problem(line: 1, key: "import.header", arguments: ["header": header.joined(separator: ",")])])
        }
        if Set(kinds.values).count != kinds.count { problems.append(Problem(line: 1, key: "import.duplicateColumn")) }
        if table.count - 1 > maxRows {
            return ([], problems + [Problem(line: 1, key: "import.tooMany", arguments: ["max": String(maxRows)])])
        }
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (index, cells) in table.enumerated().dropFirst() {
            let line = index + 1
            func cell(_ i: Int) -> String { i < cells.count ? cells[i].trimmingCharacters(in: .whitespaces) : "" }
            if cells.count > names.count { problems.append(Problem(line: line, key: "import.extraCells")); continue }
            let unit = cell(unitColumn)
            if unit.isEmpty { problems.append(Problem(line: line, key: "import.unitMissing")) }
            let monthText = cell(monthColumn)
            let month = Month(text: monthText)
            if month == nil { problems.append(Problem(line: line, key: "import.month", arguments: ["value": monthText])) }
            if let month, month > latest { problems.append(Problem(line: line, key: "import.monthFuture", arguments: ["value": monthText])) }
            var values: [FigureKind: Int] = [:]
            var unreadable = false
            for (i, kind) in kinds.sorted(by: { $0.key < $1.key }) {
                let raw = cell(i).replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "")
                if raw.isEmpty { continue }
                guard let n = Int(raw), n >= 0, n <= FigureDraft.maximum else {
                    problems.append(Problem(line: line, key: "import.value", arguments: ["column": kind.rawValue, "value": cell(i)]))
                    unreadable = true
                    continue
                }
                values[kind] = n
            }
            if values.isEmpty && !unreadable { problems.append(Problem(line: line, key: "import.noValues")) }
            guard !unit.isEmpty, let month, month <= latest else { continue }
            let key = unit.lowercased() + "|" + month.text
            if let first = seen[key] {
                problems.append(Problem(line: line, key: "import.duplicateRow", arguments: ["first": String(first)]))
                continue
            }
            seen[key] = line
            rows.append(Row(line: line, unit: unit, month: month, values: values))
        }
        if table.count == 1 { problems.append(Problem(line: 1, key: "import.noRows")) }
        return (rows, problems)
    }
}
