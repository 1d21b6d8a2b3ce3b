import Foundation

/// Vietnam's administrative units before and after the reorganisation of 01/07/2025, as the national catalogue
/// lists them (`Resources/Catalogue`), turned into dated units: what existed when, under what, and what became of
/// it. A code is not an identity; a unit is a code and the days it is valid.
public struct Catalogue: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var code: String
        public var level: UnitLevel
        /// The type as the law names it, lower case: tỉnh, thành phố, huyện, quận, thị xã, phường, xã, thị trấn, đặc khu.
        public var kind: String
        /// The name without its type ("Vàng Danh" of "Phường Vàng Danh").
        public var name: String
        public var parentCode: String?

        public init(code: String, level: UnitLevel, kind: String, name: String, parentCode: String?) {
            self.code = code
            self.level = level
            self.kind = kind
            self.name = name
            self.parentCode = parentCode
        }
    }

    public struct Link: Sendable, Equatable, Hashable {
        public var old: String
        public var new: String
        public var whole: Bool

        public init(old: String, new: String, whole: Bool) {
            self.old = old
            self.new = new
            self.whole = whole
        }
    }

    /// The units as they stood on 30/06/2025 (provinces, districts, communes).
    public var before: [Entry]
    /// The units from 01/07/2025 (provinces and communes).
    public var after: [Entry]
    /// Which old commune went into which new one, whole or in part.
    public var successions: [Link]

    public init(before: [Entry], after: [Entry], successions: [Link]) {
        self.before = before
        self.after = after
        self.successions = successions
    }

    /// The day the new units begin.
    public static let reorganisation = LocalDate(iso: "2025-07-01")!

    /// A mistake in one of the files, with its name and line.
    public struct Problem: Error, Equatable, Sendable {
        public var file: String
        public var line: Int
        public var key: String
        public var arguments: [String: String]

        public init(file: String, line: Int, key: String, arguments: [String: String]) {
            self.file = file
            self.line = line
            self.key = key
            self.arguments = arguments
        }
    }

    public static let unitsHeader = ["code", "name", "level", "type", "parent_code"]
    public static let successionsHeader = ["old_commune_code", "new_commune_code", "whole_or_part"]

    /// Reads the three files; every mistake is said with its file and line, and a catalogue with any is refused.
    public static func read(before: String, after: String, successions: String) -> (Catalogue?, [Problem]) {
        var problems: [Problem] = []
        func units(_ text: String, file: String, levels: Set<UnitLevel>) -> [Entry] {
            let table = CSVText.rows(text)
            guard table.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) == unitsHeader else {
                problems.append(Problem(file: file, line: 1, key: "catalogue.header", arguments: ["header": unitsHeader.joined(separator: ",")]))
                return []
            }
            var seen: [String: Int] = [:]
            var out: [Entry] = []
            for (i, cells) in table.enumerated().dropFirst() {
                let line = i + 1
                guard cells.count == unitsHeader.count else {
                    problems.append(Problem(file: file, line: line, key: "catalogue.cells", arguments: [:]))
                    continue
                }
                let c = cells.map { $0.trimmingCharacters(in: .whitespaces) }
                guard let level = UnitLevel(rawValue: c[2]), levels.contains(level) else {
                    problems.append(Problem(file: file, line: line, key: "catalogue.level", arguments: ["value": c[2]]))
                    continue
                }
                guard !c[0].isEmpty, c[0].allSatisfy({ $0.isASCII && $0.isNumber }), !c[1].isEmpty, !c[3].isEmpty else {
                    problems.append(Problem(file: file, line: line, key: "catalogue.row", arguments: [:]))
                    continue
                }
                if let first = seen[c[0]] {
                    problems.append(Problem(file: file, line: line, key: "catalogue.duplicate", arguments: ["code": c[0], "first": String(first)]))
                    continue
                }
                seen[c[0]] = line
                let kind = c[3].lowercased()
                // "Phường Vàng Danh" of type "phường" is phường Vàng Danh: the type is said once.
                let name = c[1].lowercased().hasPrefix(kind + " ") ? String(c[1].dropFirst(kind.count + 1)) : c[1]
                out.append(Entry(code: c[0], level: level, kind: kind, name: name, parentCode: c[4].isEmpty ? nil : c[4]))
            }
            // Every parent is a unit of the same file, one level up.
            let byCode = Dictionary(out.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            for e in out where e.level != .province {
                guard let parent = e.parentCode.flatMap({ byCode[$0] }), parent.level < e.level else {
                    problems.append(Problem(file: file, line: seen[e.code] ?? 0, key: "catalogue.parent",
                                            arguments: ["code": e.code, "parent": e.parentCode ?? ""]))
                    continue
                }
            }
            return out
        }
        let old = units(before, file: "units-2024.csv", levels: [.province, .district, .commune])
        let new = units(after, file: "units-2025.csv", levels: [.province, .commune])
        var links: [Link] = []
        let table = CSVText.rows(successions)
        if table.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) != successionsHeader {
            problems.append(Problem(file: "successions-2025-07-01.csv", line: 1, key: "catalogue.header",
                                    arguments: ["header": successionsHeader.joined(separator: ",")]))
        } else {
            let oldCommunes = Set(old.filter { $0.level == .commune }.map(\.code))
            let newCommunes = Set(new.filter { $0.level == .commune }.map(\.code))
            var seen = Set<String>()
            for (i, cells) in table.enumerated().dropFirst() {
                let c = cells.map { $0.trimmingCharacters(in: .whitespaces) }
                guard c.count == 3, oldCommunes.contains(c[0]), newCommunes.contains(c[1]), c[2] == "whole" || c[2] == "part",
                      seen.insert(c[0] + ">" + c[1]).inserted else {
                    problems.append(Problem(file: "successions-2025-07-01.csv", line: i + 1, key: "catalogue.succession",
                                            arguments: ["value": cells.joined(separator: ",")]))
                    continue
                }
                links.append(Link(old: c[0], new: c[1], whole: c[2] == "whole"))
            }
        }
        guard problems.isEmpty else { return (nil, problems) }
        return (Catalogue(before: old, after: new, successions: links), [])
    }

    /// The units under a code (a province or district of either side), their successors or predecessors across the
    /// reorganisation, and the provinces above them: a locality's part of the catalogue.
    public func area(_ code: String) -> Catalogue {
        func under(_ entries: [Entry], _ roots: Set<String>) -> Set<String> {
            var found = roots
            var grew = true
            while grew {
                grew = false
                for e in entries where !found.contains(e.code) {
                    if let p = e.parentCode, found.contains(p) { found.insert(e.code); grew = true }
                }
            }
            return found.intersection(Set(entries.map(\.code)))
        }
        let oldRoots = Set(before.filter { $0.code == code }.map(\.code))
        let newRoots = Set(after.filter { $0.code == code && $0.level == .province }.map(\.code))
        var oldCodes = under(before, oldRoots)
        var newCodes = under(after, newRoots)
        // Across the reorganisation: what the old communes became, and what the new ones were made of.
        let links = successions.filter { oldCodes.contains($0.old) || newCodes.contains($0.new) }
        oldCodes.formUnion(links.map(\.old))
        newCodes.formUnion(links.map(\.new))
        // And the units above every one of them.
        func withAncestors(_ codes: Set<String>, _ entries: [Entry]) -> Set<String> {
            let byCode = Dictionary(entries.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            var out = codes
            for code in codes {
                var parent = byCode[code]?.parentCode
                while let p = parent {
                    out.insert(p)
                    parent = byCode[p]?.parentCode
                }
            }
            return out
        }
        oldCodes = withAncestors(oldCodes, before)
        newCodes = withAncestors(newCodes, after)
        return Catalogue(before: before.filter { oldCodes.contains($0.code) }, after: after.filter { newCodes.contains($0.code) },
                         successions: successions.filter { oldCodes.contains($0.old) && newCodes.contains($0.new) })
    }

    /// Whether a province of 2025 is the province of the same code and name before: kept as one unit throughout.
    public func continues(_ entry: Entry) -> Bool {
        entry.level == .province && before.contains { $0.level == .province && $0.code == entry.code && $0.name == entry.name }
    }

    /// The catalogue as dated units, from `start` (when ThiĐua's record of the old units begins). `id` names each
    /// unit: `(false, code)` for one of before (and a province that continues), `(true, code)` for one that begins
    /// on 01/07/2025.
    public func structure(from start: LocalDate, id: (_ new: Bool, _ code: String) -> UUID)
        -> (units: [UnitInfo], links: [ParentLink], successions: [Succession]) {
        let end = Self.reorganisation.adding(days: -1)
        var units: [UnitInfo] = []
        var links: [ParentLink] = []
        func newID(_ e: Entry) -> UUID { continues(e) ? id(false, e.code) : id(true, e.code) }
        for e in before {
            let continuing = e.level == .province && after.contains { $0.code == e.code && continues($0) }
            units.append(UnitInfo(id: id(false, e.code), code: e.code, level: e.level, kind: e.kind, name: e.name,
                                  validFrom: start, validTo: continuing ? nil : end))
            if let p = e.parentCode {
                links.append(ParentLink(unitID: id(false, e.code), parentID: id(false, p), validFrom: start, validTo: end))
            }
        }
        let afterByCode = Dictionary(after.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        for e in after {
            if !continues(e) {
                units.append(UnitInfo(id: id(true, e.code), code: e.code, level: e.level, kind: e.kind, name: e.name, validFrom: Self.reorganisation))
            }
            if let p = e.parentCode.flatMap({ afterByCode[$0] }) {
                links.append(ParentLink(unitID: newID(e), parentID: newID(p), validFrom: Self.reorganisation))
            }
        }
        let successions = self.successions.compactMap { s -> Succession? in
            guard let new = afterByCode[s.new] else { return nil }
            return Succession(predecessorID: id(false, s.old), successorID: newID(new), effective: Self.reorganisation, whole: s.whole,
                              note: "Sắp xếp đơn vị hành chính 01/07/2025")
        }
        return (units, links, successions)
    }

    /// Codes that name two units on one day: (code, first unit, second unit) for each. A code may pass from one
    /// unit to another only when the first has ended.
    public static func clashes(_ units: [UnitInfo]) -> [(code: String, UnitInfo, UnitInfo)] {
        var out: [(String, UnitInfo, UnitInfo)] = []
        for (code, same) in Dictionary(grouping: units.filter { $0.code != nil }, by: { $0.code ?? "" }) where same.count > 1 {
            let sorted = same.sorted { $0.validFrom < $1.validFrom }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.validTo.map({ $0 >= b.validFrom }) ?? true {
                out.append((code, a, b))
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }
}
