import Foundation

/// A file of a commune's villages (thôn, khu, tổ dân phố, ấp, bản…): a header
/// `village,kind,code,population,households` (in any order; all but `village` and `kind` may be left out), then a
/// row per village. Read whole before anything is stored; every mistake is said with its line.
public enum VillageImport {
    public struct Row: Equatable, Sendable {
        public var line: Int
        public var name: String
        public var kind: String
        /// The village's code (`06820-07`); nil: keep the stored one, or give the next free one.
        public var code: String?
        public var population: Int?
        public var households: Int?

        public init(line: Int, name: String, kind: String, code: String?, population: Int?, households: Int?) {
            self.line = line
            self.name = name
            self.kind = kind
            self.code = code
            self.population = population
            self.households = households
        }
    }

    public static let header = ["village", "kind", "code", "population", "households"]
    static let required: Set<String> = ["village", "kind"]
    public static let maxRows = 2_000
    public static let maxName = 80
    public static let maxPeople = 10_000_000

    /// A village code's shape: a commune's code, a hyphen and two or three digits (`06820-07`).
    public static func wellFormed(_ code: String) -> Bool {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].count == 5 && parts[0].allSatisfy { $0.isASCII && $0.isNumber }
            && (2...3).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A new code for a village of this commune: the commune's own code first. (A village that moved keeps the code
    /// it had.)
    public static func validCode(_ code: String, commune: String) -> Bool {
        wellFormed(code) && code.hasPrefix(commune + "-")
    }

    /// The village code of a commune's n-th village: `06820-07`.
    public static func code(commune: String, number n: Int) -> String {
        commune + "-" + (n < 10 ? "0" : "") + String(n)
    }

    /// The first code of the commune that no village has: `06820-01`, `06820-02`, …
    public static func nextCode(commune: String, taken: Set<String>) -> String {
        var n = 1
        while taken.contains(code(commune: commune, number: n)) { n += 1 }
        return code(commune: commune, number: n)
    }

    public static func read(_ text: String) -> (rows: [Row], problems: [ImportProblem]) {
        let (opened, opening) = ImportTable.open(text, columns: header, required: required, maxRows: maxRows)
        guard let table = opened else { return ([], opening) }
        var problems = opening
        var rows: [Row] = []
        var seenNames: [String: Int] = [:]
        var codes: [String: Int] = [:]
        for (line, cells) in table.rows {
            func cell(_ column: String) -> String { table.cell(cells, column) }
            if cells.count > table.names.count { problems.append(ImportProblem(line: line, key: "import.extraCells")); continue }
            var bad = false
            func refuse(_ key: String, _ arguments: [String: String] = [:]) {
                problems.append(ImportProblem(line: line, key: key, arguments: arguments))
                bad = true
            }
            let name = cell("village").split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if name.isEmpty { refuse("import.villageMissing") }
            let kind = cell("kind").lowercased()
            if kind.isEmpty { refuse("import.kindMissing") }
            for (column, text) in [("village", name), ("kind", kind)]
                where text.count > maxName || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                refuse("import.textInvalid", ["column": column])
            }
            let code = cell("code")
            if !code.isEmpty && !wellFormed(code) {
                refuse("import.villageCode", ["value": code, "example": "06820-07"])
            }
            var numbers: [String: Int] = [:]
            for column in ["population", "households"] {
                let raw = cell(column).replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "")
                if raw.isEmpty { continue }
                guard let n = Int(raw), n >= 0, n <= maxPeople else { refuse("import.value", ["column": column, "value": cell(column)]); continue }
                numbers[column] = n
            }
            if let p = numbers["population"], let h = numbers["households"], h > p { refuse("import.householdsAbovePeople") }
            guard !bad else { continue }
            if let first = seenNames[MemberImport.folded(name)] {
                problems.append(ImportProblem(line: line, key: "import.duplicateVillage", arguments: ["first": String(first)]))
                continue
            }
            if !code.isEmpty, let first = codes[code] {
                problems.append(ImportProblem(line: line, key: "import.duplicateCode", arguments: ["code": code, "first": String(first)]))
                continue
            }
            seenNames[MemberImport.folded(name)] = line
            if !code.isEmpty { codes[code] = line }
            rows.append(Row(line: line, name: name, kind: kind, code: code.isEmpty ? nil : code,
                            population: numbers["population"], households: numbers["households"]))
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (rows, problems)
    }
}

/// A file of units' populations (`unit,population,households`): a commune's own figures, for the per-1,000
/// targets, where its villages' do not add up to it.
public enum PopulationImport {
    public struct Row: Equatable, Sendable {
        public var line: Int
        public var unit: String
        public var population: Int
        public var households: Int?
    }

    public static let header = ["unit", "population", "households"]

    public static func read(_ text: String) -> (rows: [Row], problems: [ImportProblem]) {
        let (opened, opening) = ImportTable.open(text, columns: header, required: ["unit", "population"], maxRows: 20_000)
        guard let table = opened else { return ([], opening) }
        var problems = opening
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (line, cells) in table.rows {
            if cells.count > table.names.count { problems.append(ImportProblem(line: line, key: "import.extraCells")); continue }
            let unit = table.cell(cells, "unit")
            guard !unit.isEmpty else { problems.append(ImportProblem(line: line, key: "import.unitMissing")); continue }
            var numbers: [String: Int] = [:]
            var bad = false
            for column in ["population", "households"] {
                let raw = table.cell(cells, column).replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "")
                if raw.isEmpty { continue }
                guard let n = Int(raw), n >= 0, n <= VillageImport.maxPeople else {
                    problems.append(ImportProblem(line: line, key: "import.value", arguments: ["column": column, "value": table.cell(cells, column)]))
                    bad = true
                    continue
                }
                numbers[column] = n
            }
            guard !bad else { continue }
            guard let population = numbers["population"] else {
                problems.append(ImportProblem(line: line, key: "import.value", arguments: ["column": "population", "value": ""]))
                continue
            }
            if let h = numbers["households"], h > population { problems.append(ImportProblem(line: line, key: "import.householdsAbovePeople")); continue }
            if let first = seen[unit] { problems.append(ImportProblem(line: line, key: "import.duplicateRow", arguments: ["first": String(first)])); continue }
            seen[unit] = line
            rows.append(Row(line: line, unit: unit, population: population, households: numbers["households"]))
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (rows, problems)
    }
}
