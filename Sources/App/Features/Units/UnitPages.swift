import Foundation
import ThiDuaCore

/// The unit tree on a chosen day, flattened into indented rows (templates cannot recurse).
struct UnitTreePage: Encodable {
    struct Row: Encodable {
        var id: String
        var href: String
        var name: String
        var code: String?
        var level: String
        var depth: Int
        var population: String?
        var children: Int
        /// A closed province of a large tree: how many communes it has, and the link that opens it.
        var communes: String? = nil
        var openHref: String? = nil
    }

    var page: PageChrome
    var date: String
    var dateDisplay: String
    var error: String?
    var rows: [Row]
    var communeCount: Int
    var villageCount: Int

    /// Above this many communes on the day, the tree lists the provinces and opens one at a time (a nation's
    /// 3,321 communes would make a page of 700 KB).
    static let openAbove = DashboardQuery.groupAbove

    static func build(graph: UnitGraph, date: LocalDate, open: UUID? = nil, page: PageChrome, error: String? = nil,
                      levelName: (UnitLevel) -> String, text t: Translator) -> UnitTreePage {
        var rows: [Row] = []
        let large = graph.units(at: .commune, on: date).count > openAbove
        func communes(_ node: UnitTreeNode) -> Int {
            node.children.reduce(node.unit.level == .commune ? 1 : 0) { $0 + communes($1) }
        }
        // The unit opened and those above it are open; in a small tree, everything is.
        var opened: Set<UUID> = []
        var cursor = open
        while let id = cursor, opened.insert(id).inserted { cursor = graph.parent(of: id, on: date) }
        func walk(_ node: UnitTreeNode, depth: Int) {
            let shown = node.children.filter { $0.unit.level != .village }
            let closed = large && !opened.contains(node.unit.id) && !shown.isEmpty
            rows.append(Row(id: node.unit.id.uuidString, href: SiteURL.unit(node.unit.id.uuidString, date: date.iso).path,
                            name: node.unit.fullName, code: node.unit.code,
                            level: levelName(node.unit.level), depth: min(depth, 5),
                            population: node.unit.population.map(groupedNumber), children: node.children.count,
                            communes: large && !shown.isEmpty ? t("units.communeCount", ["count": t.count(communes(node))]) : nil,
                            openHref: closed ? SiteURL.units(date: date.iso, open: node.unit.id.uuidString).path : nil))
            if closed { return }
            // Villages are listed on their commune's page, not in the tree, to keep the tree readable.
            for child in shown { walk(child, depth: depth + 1) }
        }
        for root in graph.tree(on: date) { walk(root, depth: 0) }
        return UnitTreePage(page: page, date: date.iso, dateDisplay: date.display, error: error, rows: rows,
                            communeCount: graph.units(at: .commune, on: date).count,
                            villageCount: graph.units(at: .village, on: date).count)
    }
}

/// "16.366": thousands grouped with dots, as Vietnamese documents write them.
func groupedNumber(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
        out.append(ch)
    }
    return n < 0 ? "-" + out : out
}

/// One unit on a day: where it sits, what it is made of, what became of it, and its teams.
struct UnitPage: Encodable {
    struct Link: Encodable {
        var id: String
        var href: String
        var name: String
        var note: String?
    }
    struct MemberRow: Encodable {
        var name: String
        var role: String
        var phone: String?
    }
    struct TeamRow: Encodable {
        var name: String
        var village: String
        /// Whether this account may see the team's members (its reach covers the village on the day shown).
        var membersShown: Bool
        var members: [MemberRow]
        var memberCount: Int
    }

    var page: PageChrome
    var id: String
    var name: String
    var code: String?
    var level: String
    var validity: String
    var population: String?
    var date: String
    var dateDisplay: String
    var parent: Link?
    var children: [Link]
    var madeFrom: [Link]
    var madeFromDate: String?
    var becameDate: String?
    var became: [Link]
    var teams: [TeamRow]
    /// Every team's members are shown; otherwise the page says why some are not.
    var personalDataShown: Bool
    var sample: Bool
    /// The villages and members imports, for those who write this commune's data.
    var membersImportHref: String? = nil
    var villagesImportHref: String? = nil

    /// The day a unit's page shows: the one asked, moved into the unit's life; else today, or its last day.
    static func day(of unit: UnitInfo, asked: LocalDate?, today: LocalDate) -> LocalDate {
        let date = asked ?? (unit.isValid(on: today) ? today : unit.validTo ?? unit.validFrom)
        if unit.isValid(on: date) { return date }
        return unit.validTo.map { min($0, max(date, unit.validFrom)) } ?? unit.validFrom
    }

    static func build(unit: UnitInfo, date: LocalDate, graph: UnitGraph, teams: [TeamRow], sample: Bool, importsMembers: Bool = false,
                      page: PageChrome, text t: Translator) -> UnitPage {
        // Links within the same day keep it; links to what came before or after show each unit on its own days.
        func link(_ u: UnitInfo, note: String? = nil, sameDay: Bool = true) -> Link {
            Link(id: u.id.uuidString, href: SiteURL.unit(u.id.uuidString, date: sameDay ? date.iso : nil).path, name: u.fullName, note: note)
        }
        let parent = graph.parent(of: unit.id, on: date).flatMap { graph.units[$0] }
        let children = graph.tree(on: date).compactMap { $0.find(unit.id) }.first?.children.map { link($0.unit) } ?? []
        // What it was made of on the day before it began, and what it became the day after it ended.
        let incoming = !graph.successions(into: unit.id).isEmpty
        let madeFrom = incoming ? graph.formedFrom(unit.id).map { c in
            link(c.unit, note: c.whole ? nil : t("units.part", ["villages": c.villages.map(\.fullName).joined(separator: ", ")]), sameDay: false)
        } : []
        let became: [Link] = unit.validTo == nil ? [] : graph.successions(from: unit.id).compactMap { s in
            graph.units[s.successorID].map { link($0, note: s.whole ? nil : t("units.partOnly"), sameDay: false) }
        }
        let validity = t(unit.validTo == nil ? "units.validFromOnly" : "units.validSpan",
                         ["from": unit.validFrom.display, "to": unit.validTo?.display ?? ""])
        return UnitPage(
            page: page, id: unit.id.uuidString, name: unit.fullName, code: unit.code, level: t("level.\(unit.level.rawValue)"),
            validity: validity, population: unit.population.map(groupedNumber), date: date.iso, dateDisplay: date.display,
            parent: parent.map { link($0) }, children: children, madeFrom: madeFrom,
            madeFromDate: incoming ? unit.validFrom.adding(days: -1).display : nil, becameDate: unit.validTo?.adding(days: 1).display,
            became: became, teams: teams, personalDataShown: teams.allSatisfy(\.membersShown), sample: sample,
            membersImportHref: importsMembers ? SiteURL.communeImport(CommuneFile.members.rawValue, unit: unit.id.uuidString).path : nil,
            villagesImportHref: importsMembers ? SiteURL.communeImport(CommuneFile.villages.rawValue, unit: unit.id.uuidString).path : nil)
    }
}
