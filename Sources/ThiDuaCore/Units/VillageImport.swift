import Foundation

/// A file of a commune's villages (thôn, khu, tổ dân phố, ấp, bản…): a header
/// `village,kind,code,population,households,since` (in any order; all but `village` and `kind` may be left out),
/// then a row per village. Read whole before anything is stored; every mistake is said with its line. `since` is
/// the day a village of another commune becomes this one's (a move; see `place`).
public enum VillageImport {
    public struct Row: Equatable, Sendable {
        public var line: Int
        public var name: String
        public var kind: String
        /// The village's code (`06820-07`); nil: keep the stored one, or give the next free one.
        public var code: String?
        public var population: Int?
        public var households: Int?
        /// The day a village of another commune becomes this one's.
        public var since: LocalDate?

        public init(line: Int, name: String, kind: String, code: String?, population: Int?, households: Int?, since: LocalDate? = nil) {
            self.line = line
            self.name = name
            self.kind = kind
            self.code = code
            self.population = population
            self.households = households
            self.since = since
        }
    }

    public static let header = ["village", "kind", "code", "population", "households", "since"]
    /// What a village is called, as the law names the units below a commune (Luật Tổ chức chính quyền địa phương;
    /// Thông tư 04/2012/TT-BNV, 14/2018/TT-BNV): in a xã thôn, làng, ấp, bản, buôn, bon, phum, sóc, plei, xóm; in
    /// a phường or thị trấn tổ dân phố, khu phố, khóm, khu, tiểu khu. A word outside them is a typing slip or a
    /// column moved, said as such.
    public static let kinds = ["thôn", "làng", "ấp", "bản", "buôn", "bon", "phum", "sóc", "plei", "xóm",
                               "tổ dân phố", "khu phố", "khóm", "khu", "tiểu khu", "khu dân cư"]
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

    public static func read(_ text: String) -> (rows: [Row], problems: [ImportProblem]) { read(ImportSheet.csv(text)) }

    public static func read(_ sheet: ImportSheet) -> (rows: [Row], problems: [ImportProblem]) {
        let (opened, opening) = ImportTable.open(sheet, columns: header, required: required, maxRows: maxRows, dayColumns: ["since"])
        guard let table = opened else { return ([], opening) }
        var problems = opening
        var rows: [Row] = []
        var seenNames: [String: Int] = [:]
        var codes: [String: Int] = [:]
        for (line, cells) in table.rows {
            if table.overflows(cells) { problems.append(ImportProblem(line: line, key: "import.extraCells")); continue }
            var check = RowCheck(table, line: line, cells: cells)
            let name = check.required("village", missing: "import.villageMissing")
            let kind = check.required("kind", missing: "import.kindMissing").lowercased()
            for (column, text) in [("village", name), ("kind", kind)]
                where text.count > maxName || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                check.refuse("import.textInvalid", ["column": column])
            }
            if !kind.isEmpty, !check.bad, !kinds.contains(kind) {
                check.refuse("import.villageKind", ["value": kind, "kinds": kinds.joined(separator: ", ")])
            }
            let code = check.string("code")
            if !code.isEmpty && !wellFormed(code) {
                check.refuse("import.villageCode", ["value": code, "example": "06820-07"])
            }
            let population = check.count("population", maximum: maxPeople)
            let households = check.count("households", maximum: maxPeople)
            if let p = population, let h = households, h > p { check.refuse("import.householdsAbovePeople") }
            let since = check.day("since")
            problems += check.problems
            guard !check.bad else { continue }
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
                            population: population, households: households, since: since))
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (rows, problems)
    }

    /// A village of another commune that becomes this one's from a day: its link to `from` ends the day before.
    public struct Move: Equatable, Sendable {
        public var from: UUID
        public var on: LocalDate

        public init(from: UUID, on: LocalDate) {
            self.from = from
            self.on = on
        }
    }

    /// What a row does: updates a village of the commune (`existing`), moves one in (`existing` and `move`), or
    /// adds a new one (neither), under `code`.
    public struct Placed: Equatable, Sendable {
        public var row: Row
        public var existing: UnitInfo?
        public var code: String
        public var move: Move?

        public init(row: Row, existing: UnitInfo?, code: String, move: Move?) {
            self.row = row
            self.existing = existing
            self.code = code
            self.move = move
        }
    }

    /// Each row's village. A row names a village of the commune by its code or its name; a village of another
    /// commune by its code, with the day it moves (`since`); a village of a commune this one was formed from by its
    /// name (a commune split in part takes its villages along by name), moving on the day this one began unless
    /// `since` says later. A code the file gives a new village must be the commune's and free; the other new
    /// villages get the commune's next free codes.
    public static func place(_ rows: [Row], commune: UnitInfo, graph: UnitGraph, today: LocalDate) -> (placed: [Placed], problems: [ImportProblem]) {
        guard let communeCode = commune.code else { return ([], [ImportProblem(line: 1, key: "import.communeWithoutCode")]) }
        // An ended commune's villages are those of its last day.
        let day = commune.isValid(on: today) ? today : (commune.validTo ?? today)
        let here = graph.villages(of: commune.id, on: day)
        let began = commune.validFrom.adding(days: -1)
        let predecessors = Set(graph.successions(into: commune.id).map(\.predecessorID))
        let carried = predecessors.flatMap { graph.villages(of: $0, on: began) }
        var problems: [ImportProblem] = []
        var placed: [Placed] = []
        var taken = Set(graph.unitsByCode.keys)
        for row in rows {
            func refuse(_ key: String, _ arguments: [String: String] = [:]) { problems.append(ImportProblem(line: row.line, key: key, arguments: arguments)) }
            // What happened, not what is planned: a day to come (9999-12-31 from a slip) is refused.
            if let since = row.since, since > today { refuse("import.sinceFuture", ["date": since.display]); continue }
            let name = MemberImport.folded(row.name)
            if let existing = row.code.flatMap({ code in here.first { $0.code == code } }) ?? here.first(where: { MemberImport.folded($0.name) == name }) {
                // A village of the commune keeps the day it became the commune's: `since` may repeat it (as the
                // export writes it), never change it.
                let joined = graph.parentLinks(of: existing.id).first { $0.parentID == commune.id && $0.isValid(on: day) }?.validFrom
                if let since = row.since, let joined, since != joined {
                    refuse("import.sinceFixed", ["village": existing.fullName, "date": joined.display])
                    continue
                }
                // A code given is the village's identity: a new name under it is a renaming.
                if let code = row.code, code != existing.code {
                    if let holder = graph.unitsByCode[code]?.last { refuse("import.codeTaken", ["code": code, "unit": holder.fullName]); continue }
                    if !validCode(code, commune: communeCode) { refuse("import.villageCode", ["value": code, "example": communeCode + "-07"]); continue }
                }
                placed.append(Placed(row: row, existing: existing, code: row.code ?? existing.code ?? "", move: nil))
                continue
            }
            // A village of elsewhere: by its code, or by name from a commune this one was formed from.
            var other: UnitInfo?
            if let code = row.code, let holder = graph.unitsByCode[code]?.last {
                guard holder.level == .village else { refuse("import.codeTaken", ["code": code, "unit": holder.fullName]); continue }
                other = holder
            } else if row.code == nil {
                let named = carried.filter { MemberImport.folded($0.name) == name }
                if named.count > 1 {
                    let communes = named.compactMap { graph.parent(of: $0.id, on: began).flatMap { graph.units[$0]?.fullName } }
                    refuse("import.villageAmbiguous", ["name": row.name, "communes": communes.sorted().joined(separator: ", ")])
                    continue
                }
                other = named.first
            }
            guard let village = other else {
                if let code = row.code, !validCode(code, commune: communeCode) {
                    refuse("import.villageCode", ["value": code, "example": communeCode + "-07"])
                    continue
                }
                // A new village begins on `since`, within its commune's days; without it, with its commune.
                if let since = row.since, !commune.isValid(on: since) {
                    refuse("import.moveOutsideCommune", ["date": since.display, "commune": commune.fullName, "from": commune.validFrom.display,
                                                         "to": commune.validTo?.display ?? "…"])
                    continue
                }
                placed.append(Placed(row: row, existing: nil, code: row.code ?? "", move: nil))
                continue
            }
            let fromCarried = graph.parent(of: village.id, on: began).map(predecessors.contains) ?? false
            guard let on = row.since ?? (fromCarried ? commune.validFrom : nil) else {
                refuse("import.moveNeedsDay", ["village": village.fullName])
                continue
            }
            switch moveFrom(village, to: commune, on: on, graph: graph) {
            case let .failure(problem): refuse(problem.key, problem.arguments)
            case let .success(from): placed.append(Placed(row: row, existing: village, code: village.code ?? "", move: Move(from: from, on: on)))
            }
        }
        // Codes the file gives are theirs; the others are given after, from what is left.
        taken.formUnion(placed.map(\.code))
        for i in placed.indices where placed[i].code.isEmpty {
            placed[i].code = nextCode(commune: communeCode, taken: taken)
            taken.insert(placed[i].code)
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (placed, problems)
    }

    /// The commune a village moves from on a day: its commune that day, or the last it had when that one's link
    /// ended before (an old commune whose villages stopped with it). Refused: the day outside either's life, the
    /// village already the commune's then or gone elsewhere that day, or a later move on record (undo that first).
    static func moveFrom(_ village: UnitInfo, to commune: UnitInfo, on day: LocalDate, graph: UnitGraph) -> Result<UUID, ImportProblem> {
        func no(_ key: String, _ arguments: [String: String]) -> Result<UUID, ImportProblem> { .failure(ImportProblem(line: 0, key: key, arguments: arguments)) }
        guard commune.isValid(on: day) else {
            return no("import.moveOutsideCommune", ["date": day.display, "commune": commune.fullName, "from": commune.validFrom.display,
                                                    "to": commune.validTo?.display ?? "…"])
        }
        let links = graph.parentLinks(of: village.id)
        guard village.isValid(on: day),
              let link = links.first(where: { $0.isValid(on: day) }) ?? links.filter({ $0.validTo.map { $0 < day } ?? false }).max(by: { $0.validFrom < $1.validFrom }) else {
            return no("import.villageNotThen", ["village": village.fullName, "date": day.display])
        }
        if link.parentID == commune.id && link.isValid(on: day) { return no("import.alreadyThere", ["village": village.fullName, "date": day.display]) }
        if link.validFrom == day {
            return no("import.movedElsewhere", ["village": village.fullName, "date": day.display, "commune": graph.units[link.parentID]?.fullName ?? ""])
        }
        if links.contains(where: { $0.validFrom > day }) {
            return no("import.moveBeforeLater", ["village": village.fullName, "date": day.display])
        }
        return .success(link.parentID)
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

    public static func read(_ text: String) -> (rows: [Row], problems: [ImportProblem]) { read(ImportSheet.csv(text)) }

    public static func read(_ sheet: ImportSheet) -> (rows: [Row], problems: [ImportProblem]) {
        let (opened, opening) = ImportTable.open(sheet, columns: header, required: ["unit", "population"], maxRows: 20_000)
        guard let table = opened else { return ([], opening) }
        var problems = opening
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (line, cells) in table.rows {
            if table.overflows(cells) { problems.append(ImportProblem(line: line, key: "import.extraCells")); continue }
            var check = RowCheck(table, line: line, cells: cells)
            let unit = check.required("unit", missing: "import.unitMissing")
            let population = check.count("population", maximum: VillageImport.maxPeople)
            let households = check.count("households", maximum: VillageImport.maxPeople)
            if population == nil && !check.wasRefused("population") {
                check.refuse("import.value", ["column": "population", "value": ""])
            }
            if let p = population, let h = households, h > p { check.refuse("import.householdsAbovePeople") }
            problems += check.problems
            guard !check.bad, let population else { continue }
            if let first = seen[unit] { problems.append(ImportProblem(line: line, key: "import.duplicateRow", arguments: ["first": String(first)])); continue }
            seen[unit] = line
            rows.append(Row(line: line, unit: unit, population: population, households: households))
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (rows, problems)
    }
}
