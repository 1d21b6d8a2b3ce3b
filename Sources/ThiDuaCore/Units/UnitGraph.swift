import Foundation

public enum UnitLevel: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case province
    /// A district-level unit (thành phố, thị xã, huyện); abolished nationwide on 1 July 2025.
    case district
    /// A commune-level unit: phường, xã, đặc khu. Where the commune police and the movement's ranking live.
    case commune
    /// A village or residential group: thôn, tổ dân phố, khu. One security and order team each.
    case village

    private var depth: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: UnitLevel, b: UnitLevel) -> Bool { a.depth < b.depth }
}

/// One administrative unit over the days it existed.
public struct UnitInfo: Hashable, Sendable, Codable {
    public var id: UUID
    public var code: String?
    public var level: UnitLevel
    /// What the unit is called in law: tỉnh, thành phố, phường, xã, đặc khu, thôn, tổ dân phố, khu…
    public var kind: String
    public var name: String
    public var population: Int?
    public var households: Int?
    public var validFrom: LocalDate
    public var validTo: LocalDate?

    public init(id: UUID = UUID(), code: String? = nil, level: UnitLevel, kind: String, name: String,
                population: Int? = nil, households: Int? = nil, validFrom: LocalDate, validTo: LocalDate? = nil) {
        self.id = id
        self.code = code
        self.level = level
        self.kind = kind
        self.name = name
        self.population = population
        self.households = households
        self.validFrom = validFrom
        self.validTo = validTo
    }

    public func isValid(on date: LocalDate) -> Bool {
        validFrom <= date && (validTo.map { date <= $0 } ?? true)
    }

    /// "phường Vàng Danh", as written in Vietnamese documents.
    public var fullName: String { kind.isEmpty ? name : "\(kind) \(name)" }
}

/// A unit's parent over a span of days. A village that moves to a new ward keeps its identity and gets a new link.
public struct ParentLink: Hashable, Sendable, Codable {
    public var unitID: UUID
    public var parentID: UUID
    public var validFrom: LocalDate
    public var validTo: LocalDate?

    public init(unitID: UUID, parentID: UUID, validFrom: LocalDate, validTo: LocalDate? = nil) {
        self.unitID = unitID
        self.parentID = parentID
        self.validFrom = validFrom
        self.validTo = validTo
    }

    public func isValid(on date: LocalDate) -> Bool {
        validFrom <= date && (validTo.map { date <= $0 } ?? true)
    }
}

/// A legal succession: from `effective` on, the successor takes over all or part of the predecessor.
public struct Succession: Hashable, Sendable, Codable {
    public var predecessorID: UUID
    public var successorID: UUID
    public var effective: LocalDate
    /// False when the successor takes only part of the predecessor (khu Điền Công 1–3 of Trưng Vương).
    public var whole: Bool
    public var note: String?

    public init(predecessorID: UUID, successorID: UUID, effective: LocalDate, whole: Bool, note: String? = nil) {
        self.predecessorID = predecessorID
        self.successorID = successorID
        self.effective = effective
        self.whole = whole
        self.note = note
    }
}

/// A unit in the tree of one day.
public struct UnitTreeNode: Hashable, Sendable, Codable {
    public var unit: UnitInfo
    public var children: [UnitTreeNode]

    public var descendantCount: Int { children.reduce(children.count) { $0 + $1.descendantCount } }

    public func find(_ id: UUID) -> UnitTreeNode? {
        if unit.id == id { return self }
        for child in children { if let hit = child.find(id) { return hit } }
        return nil
    }

    /// Every node below this one, depth first.
    public var descendants: [UnitTreeNode] { children.flatMap { [$0] + $0.descendants } }
}

/// One unit of an earlier (or later) date that makes up part or all of a unit.
public struct Constituent: Hashable, Sendable, Codable {
    public var unit: UnitInfo
    /// True when all of `unit` went in; false when only the villages listed did.
    public var whole: Bool
    public var villages: [UnitInfo]
}

/// The units, their parents over time and their successions: enough to read the structure of any day.
public struct UnitGraph: Sendable {
    public let units: [UUID: UnitInfo]
    public let links: [ParentLink]
    public let successions: [Succession]
    private let linksByUnit: [UUID: [ParentLink]]
    private let linksByParent: [UUID: [ParentLink]]
    private let successionsByPredecessor: [UUID: [Succession]]
    private let successionsBySuccessor: [UUID: [Succession]]
    /// The units that have had each national code, oldest first: a code names one unit a day, not one for ever.
    public let unitsByCode: [String: [UnitInfo]]
    /// The days on which some unit or parent link begins, or begins to be over: the structure is the same on
    /// every day between two of them.
    public let changeDays: [LocalDate]
    /// Answers worked out from this graph and kept with it (a copy shares them; a graph read afresh starts empty).
    let memo = Memo()

    public init(units: [UnitInfo], links: [ParentLink], successions: [Succession]) {
        self.units = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.links = links
        self.successions = successions
        self.linksByUnit = Dictionary(grouping: links, by: \.unitID)
        self.linksByParent = Dictionary(grouping: links, by: \.parentID)
        self.successionsByPredecessor = Dictionary(grouping: successions, by: \.predecessorID)
        self.successionsBySuccessor = Dictionary(grouping: successions, by: \.successorID)
        self.unitsByCode = Dictionary(grouping: units.filter { $0.code != nil }, by: { $0.code ?? "" })
            .mapValues { $0.sorted { $0.validFrom < $1.validFrom } }
        var days: Set<LocalDate> = []
        for u in units {
            days.insert(u.validFrom)
            if let to = u.validTo { days.insert(to.adding(days: 1)) }
        }
        for l in links {
            days.insert(l.validFrom)
            if let to = l.validTo { days.insert(to.adding(days: 1)) }
        }
        self.changeDays = days.sorted()
    }

    /// A unit's parents over time.
    public func parentLinks(of unit: UUID) -> [ParentLink] { linksByUnit[unit] ?? [] }

    /// The units ever under a unit, with their days.
    public func childLinks(of unit: UUID) -> [ParentLink] { linksByParent[unit] ?? [] }

    /// What a unit became (its successions as predecessor) and what it was formed from (as successor).
    public func successions(from unit: UUID) -> [Succession] { successionsByPredecessor[unit] ?? [] }
    public func successions(into unit: UUID) -> [Succession] { successionsBySuccessor[unit] ?? [] }

    /// The unit a national code names on a day; with none on that day (or no day given), the latest that had it.
    public func unit(code: String, on date: LocalDate?) -> UnitInfo? {
        guard let all = unitsByCode[code] else { return nil }
        if let date, let valid = all.first(where: { $0.isValid(on: date) }) { return valid }
        return all.last
    }

    /// A stretch of days over which the structure does not change.
    public struct Segment: Hashable, Sendable {
        /// First and last day; nil for open.
        public var from: LocalDate?
        public var to: LocalDate?
        /// A day of the segment to read the structure on.
        public var representative: LocalDate
    }

    /// Every day, in stretches over which the structure does not change.
    public func segments() -> [Segment] {
        guard let first = changeDays.first else {
            return [Segment(from: nil, to: nil, representative: LocalDate(dayNumber: 0))]
        }
        var result = [Segment(from: nil, to: first.adding(days: -1), representative: first.adding(days: -1))]
        for (i, day) in changeDays.enumerated() {
            let next = i + 1 < changeDays.count ? changeDays[i + 1].adding(days: -1) : nil
            result.append(Segment(from: day, to: next, representative: day))
        }
        return result
    }

    public func parent(of id: UUID, on date: LocalDate) -> UUID? {
        linksByUnit[id]?.first { $0.isValid(on: date) }?.parentID
    }

    /// The ancestor of a unit at a level, on a day (a village's commune, a commune's province).
    public func ancestor(of id: UUID, at level: UnitLevel, on date: LocalDate) -> UUID? {
        var current: UUID? = id
        var steps = 0
        while let c = current, steps < 16 {
            if units[c]?.level == level { return c }
            current = parent(of: c, on: date)
            steps += 1
        }
        return nil
    }

    /// The forest of units valid on a day, children in natural order of name.
    public func tree(on date: LocalDate) -> [UnitTreeNode] {
        let valid = units.values.filter { $0.isValid(on: date) }
        var children: [UUID: [UnitInfo]] = [:]
        var roots: [UnitInfo] = []
        for unit in valid {
            if let p = parent(of: unit.id, on: date), units[p]?.isValid(on: date) == true {
                children[p, default: []].append(unit)
            } else {
                roots.append(unit)
            }
        }
        func build(_ unit: UnitInfo, depth: Int) -> UnitTreeNode {
            let kids = depth < 16 ? (children[unit.id] ?? []).sorted(by: UnitGraph.naturalOrder) : []
            return UnitTreeNode(unit: unit, children: kids.map { build($0, depth: depth + 1) })
        }
        return roots.sorted(by: UnitGraph.naturalOrder).map { build($0, depth: 0) }
    }

    /// Units valid on a day at one level, below a root when given.
    public func units(at level: UnitLevel, on date: LocalDate, under root: UUID? = nil) -> [UnitInfo] {
        let candidates = root.map { r in descendants(of: r, on: date) + (units[r].map { [$0] } ?? []) } ?? Array(units.values)
        return candidates.filter { unit in
            unit.level == level && unit.isValid(on: date) && (root.map { r in isDescendant(unit.id, of: r, on: date) } ?? true)
        }.sorted(by: UnitGraph.naturalOrder)
    }

    /// The commune-level units that are `root` or lay under it on the first or the last day they existed: every
    /// commune whose records belong to that root at some time.
    public func communes(within root: UUID, today: LocalDate) -> [UnitInfo] {
        units.values.filter { c in
            c.level == .commune
                && (c.id == root || [c.validFrom, c.validTo ?? today].contains { isDescendant(c.id, of: root, on: $0) })
        }
    }

    public func isDescendant(_ id: UUID, of ancestor: UUID, on date: LocalDate) -> Bool {
        var current = parent(of: id, on: date)
        var steps = 0
        while let c = current, steps < 16 {
            if c == ancestor { return true }
            current = parent(of: c, on: date)
            steps += 1
        }
        return false
    }

    /// The units of `date` that make up `unitID` as it stands on `structureDate`.
    ///
    /// Read from the villages where the unit has any: each village's parent on `date` names a constituent, whole
    /// when all its villages came along. A unit without villages falls back to the recorded successions.
    public func constituents(of unitID: UUID, structureDate: LocalDate, on date: LocalDate) -> [Constituent] {
        guard let unit = units[unitID], unit.isValid(on: structureDate) else { return [] }
        if unit.isValid(on: date) && unit.level == .village { return [Constituent(unit: unit, whole: true, villages: [])] }
        let villages = villages(of: unitID, on: structureDate)
        if !villages.isEmpty {
            var byParent: [UUID: [UnitInfo]] = [:]
            for village in villages where village.isValid(on: date) {
                if let commune = ancestor(of: village.id, at: unit.level, on: date) {
                    byParent[commune, default: []].append(village)
                }
            }
            var found = byParent.compactMap { parentID, came -> Constituent? in
                guard let parent = units[parentID] else { return nil }
                let all = self.villages(of: parentID, on: date)
                let whole = Set(all.map(\.id)).isSubset(of: Set(came.map(\.id)))
                return Constituent(unit: parent, whole: whole,
                                   villages: whole ? [] : came.sorted(by: UnitGraph.naturalOrder))
            }
            // A village that did not exist on `date` (one made after, such as the first village imported into a
            // commune formed in 2025) says nothing of where its land was then: the unit's successions say it, and
            // the villages that can be traced only refine them.
            if !unit.isValid(on: date), villages.contains(where: { !$0.isValid(on: date) }) {
                let traced = Set(found.map(\.unit.id))
                found += viaSuccessions(unitID, on: date, whole: true, depth: 0).filter { !traced.contains($0.unit.id) }
            }
            return found.sorted { UnitGraph.naturalOrder($0.unit, $1.unit) }
        }
        if unit.isValid(on: date) { return [Constituent(unit: unit, whole: true, villages: [])] }
        return viaSuccessions(unitID, on: date, whole: true, depth: 0)
            .sorted { UnitGraph.naturalOrder($0.unit, $1.unit) }
    }

    /// What a unit was formed from: the units of the day before it began that make it up (none for a unit that
    /// was not formed from others, such as one whose record starts with ThiĐua's).
    public func formedFrom(_ unitID: UUID) -> [Constituent] {
        guard let unit = units[unitID] else { return [] }
        let parts = constituents(of: unitID, structureDate: unit.validFrom, on: unit.validFrom.adding(days: -1))
        return parts.count == 1 && parts[0].unit.id == unitID ? [] : parts
    }

    private func viaSuccessions(_ unitID: UUID, on date: LocalDate, whole: Bool, depth: Int) -> [Constituent] {
        guard depth < 16 else { return [] }
        let backward = successions(into: unitID).filter { date < $0.effective }
        let forward = successions(from: unitID).filter { $0.effective <= date }
        var result: [Constituent] = []
        for link in backward {
            guard let pred = units[link.predecessorID] else { continue }
            if pred.isValid(on: date) {
                result.append(Constituent(unit: pred, whole: whole && link.whole, villages: []))
            } else {
                result += viaSuccessions(pred.id, on: date, whole: whole && link.whole, depth: depth + 1)
            }
        }
        for link in forward {
            guard let succ = units[link.successorID] else { continue }
            if succ.isValid(on: date) {
                result.append(Constituent(unit: succ, whole: false, villages: []))
            } else {
                result += viaSuccessions(succ.id, on: date, whole: false, depth: depth + 1)
            }
        }
        return result
    }

    /// The villages under a unit on a day.
    public func villages(of unitID: UUID, on date: LocalDate) -> [UnitInfo] {
        if units[unitID]?.level == .village { return [] }
        return descendants(of: unitID, on: date).filter { $0.level == .village }
    }

    /// The units under a unit on a day, found downwards through its children's links (a commune's few villages,
    /// not a walk up from each of the nation's).
    public func descendants(of root: UUID, on date: LocalDate) -> [UnitInfo] {
        var out: [UnitInfo] = []
        var stack = [root]
        var seen: Set<UUID> = [root]
        while let id = stack.popLast() {
            for link in childLinks(of: id) where link.validFrom <= date && link.validTo.map({ date <= $0 }) ?? true {
                guard let child = units[link.unitID], child.isValid(on: date), seen.insert(child.id).inserted else { continue }
                out.append(child)
                stack.append(child.id)
            }
        }
        return out
    }

    /// Natural order: codes first when both have one, then names with numbers compared as numbers ("Khu 2" < "Khu 10").
    public static func naturalOrder(_ a: UnitInfo, _ b: UnitInfo) -> Bool {
        if a.level != b.level { return a.level < b.level }
        if let ca = a.code, let cb = b.code, ca != cb { return ca < cb }
        let c = naturalCompare(a.name, b.name)
        return c != 0 ? c < 0 : a.id.uuidString < b.id.uuidString
    }

    public static func naturalCompare(_ a: String, _ b: String) -> Int {
        func chunks(_ s: String) -> [(String, Int?)] {
            var out: [(String, Int?)] = []
            var current = ""
            var digits = false
            for ch in s {
                let isDigit = ch.isASCII && ch.isNumber
                if !current.isEmpty && isDigit != digits {
                    out.append((current, digits ? Int(current) : nil))
                    current = ""
                }
                digits = isDigit
                current.append(ch)
            }
            if !current.isEmpty { out.append((current, digits ? Int(current) : nil)) }
            return out
        }
        let x = chunks(a), y = chunks(b)
        for (p, q) in zip(x, y) {
            if let m = p.1, let n = q.1 {
                if m != n { return m < n ? -1 : 1 }
            } else if p.0 != q.0 {
                return p.0 < q.0 ? -1 : 1
            }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}

/// A lock-guarded store of values derived from one graph, such as each account's reach: the graph never changes,
/// so they are worked out once.
final class Memo: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: any Sendable] = [:]

    func value<T: Sendable>(_ key: String, _ make: () -> T) -> T {
        lock.lock()
        if let found = values[key] as? T { lock.unlock(); return found }
        lock.unlock()
        let made = make()
        lock.lock()
        values[key] = made
        lock.unlock()
        return made
    }
}
