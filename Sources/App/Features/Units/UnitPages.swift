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
    }

    var page: PageChrome
    var date: String
    var dateDisplay: String
    var error: String?
    var rows: [Row]
    var communeCount: Int
    var villageCount: Int

    static func build(graph: UnitGraph, date: LocalDate, page: PageChrome, error: String? = nil,
                      levelName: (UnitLevel) -> String) -> UnitTreePage {
        var rows: [Row] = []
        func walk(_ node: UnitTreeNode, depth: Int) {
            rows.append(Row(id: node.unit.id.uuidString, href: SiteURL.unit(node.unit.id.uuidString, date: date.iso).path,
                            name: node.unit.fullName, code: node.unit.code,
                            level: levelName(node.unit.level), depth: min(depth, 5),
                            population: node.unit.population.map(groupedNumber), children: node.children.count))
            // Villages are listed on their commune's page, not in the tree, to keep the tree readable.
            for child in node.children where child.unit.level != .village { walk(child, depth: depth + 1) }
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
}
