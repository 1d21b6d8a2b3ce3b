import Foundation

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
        read(ImportSheet.csv(text), latest: latest)
    }

    public static func read(_ sheet: ImportSheet, latest: Month) -> (rows: [Row], problems: [Problem]) {
        let (opened, opening) = ImportTable.open(sheet, columns: header, required: ["unit", "month"], maxRows: maxRows)
        guard let table = opened else { return ([], opening) }
        // At least one kind of figure, besides the unit and the month.
        let kinds = table.names.compactMap(FigureKind.init(rawValue:))
        guard !kinds.isEmpty else {
            return ([], opening + [Problem(line: table.headerLine, key: "import.header", arguments: ["header": header.joined(separator: ",")])])
        }
        var problems = opening
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (line, cells) in table.rows {
            if table.overflows(cells) { problems.append(Problem(line: line, key: "import.extraCells")); continue }
            var check = RowCheck(table, line: line, cells: cells)
            let unit = check.required("unit", missing: "import.unitMissing")
            let month = check.month("month")
            if month == nil && !check.wasRefused("month") { check.refuse("import.month", ["value": ""]) }
            if let month, month > latest { check.refuse("import.monthFuture", ["value": check.shown("month")]) }
            var values: [FigureKind: Int] = [:]
            var unreadable = false
            for kind in kinds {
                if let n = check.count(kind.rawValue, maximum: FigureDraft.maximum) { values[kind] = n }
                unreadable = unreadable || check.wasRefused(kind.rawValue)
            }
            if values.isEmpty && !unreadable { check.refuse("import.noValues") }
            problems += check.problems
            // A row whose values were refused still holds its unit and month, so that a second row of them is
            // said to be one.
            guard !unit.isEmpty, let month, month <= latest else { continue }
            let key = unit.lowercased() + "|" + month.text
            if let first = seen[key] {
                problems.append(Problem(line: line, key: "import.duplicateRow", arguments: ["first": String(first)]))
                continue
            }
            seen[key] = line
            rows.append(Row(line: line, unit: unit, month: month, values: values))
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (rows, problems)
    }
}
