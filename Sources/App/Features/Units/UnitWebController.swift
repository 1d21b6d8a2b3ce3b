import Fluent
import ThiDuaCore
import Vapor

struct UnitWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("units", use: tree)
        routes.get("units", ":unit", use: show)
    }

    @Sendable func tree(req: Request) async throws -> Response {
        let graph = try await req.unitGraph()
        let raw = try? req.query.get(String.self, at: "date")
        let parsed = raw.flatMap { $0.isEmpty ? nil : $0 }.map { LocalDate(iso: $0) }
        let today = VietnamTime.localDate(of: Date())
        let chrome = PageChrome(request: req, title: req.t("units.title"))
        let levelName: (UnitLevel) -> String = { req.t("level.\($0.rawValue)") }
        if case .some(.none) = parsed {
            // A date the form cannot read: say so beside the field and show today's tree.
            let page = UnitTreePage.build(graph: graph, date: today, page: chrome,
                                          error: req.t("error.date", ["value": raw ?? ""]), levelName: levelName)
            return try await req.view.render("units/tree", page).encodeResponse(status: .badRequest, for: req)
        }
        let date = parsed.flatMap { $0 } ?? today
        return try await req.view.render("units/tree", UnitTreePage.build(graph: graph, date: date, page: chrome,
                                                                          levelName: levelName))
            .encodeResponse(for: req)
    }

    @Sendable func show(req: Request) async throws -> View {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        guard let key = req.parameters.get("unit"), let unit = UnitService.find(key, on: nil, in: graph) else {
            throw AppError.notFound("error.unitNotFound")
        }
        let today = VietnamTime.localDate(of: Date())
        var date = try UnitsAPI.dateParameter(req, name: "date") ?? (unit.isValid(on: today) ? today : unit.validTo ?? unit.validFrom)
        if !unit.isValid(on: date) { date = unit.validTo.map { min($0, max(date, unit.validFrom)) } ?? unit.validFrom }
        // Links within the same day keep it; links to what came before or after show each unit on its own days.
        func link(_ u: UnitInfo, note: String? = nil, sameDay: Bool = true) -> UnitPage.Link {
            UnitPage.Link(id: u.id.uuidString, href: SiteURL.unit(u.id.uuidString, date: sameDay ? date.iso : nil).path,
                          name: u.fullName, note: note)
        }
        let parent = graph.parent(of: unit.id, on: date).flatMap { graph.units[$0] }
        let children = graph.tree(on: date).compactMap { $0.find(unit.id) }.first?.children.map { link($0.unit) } ?? []

        // What it was made of on the day before it began, and what it became the day after it ended.
        var madeFrom: [UnitPage.Link] = []
        let dayBefore = unit.validFrom.adding(days: -1)
        let incoming = graph.successions.contains { $0.successorID == unit.id }
        if incoming {
            madeFrom = graph.formedFrom(unit.id).map { c in
                link(c.unit, note: c.whole ? nil : req.t("units.part", ["villages": c.villages.map(\.fullName).joined(separator: ", ")]),
                     sameDay: false)
            }
        }
        var became: [UnitPage.Link] = []
        if unit.validTo != nil {
            became = graph.successions.filter { $0.predecessorID == unit.id }.compactMap { s in
                graph.units[s.successorID].map { link($0, note: s.whole ? nil : req.t("units.partOnly"), sameDay: false) }
            }
        }

        let teams = try await UnitService.teamRows(of: unit, on: date, user: user, graph: graph, text: req.translator, db: req.db)
        let sample = try await Unit.find(unit.id, on: req.db)?.sample ?? false
        let validity = req.t(unit.validTo == nil ? "units.validFromOnly" : "units.validSpan",
                             ["from": unit.validFrom.display, "to": unit.validTo?.display ?? ""])
        let page = UnitPage(
            page: .init(request: req, title: unit.fullName), id: unit.id.uuidString, name: unit.fullName,
            code: unit.code, level: req.t("level.\(unit.level.rawValue)"), validity: validity,
            population: unit.population.map(groupedNumber), date: date.iso, dateDisplay: date.display,
            parent: parent.map { link($0) }, children: children, madeFrom: madeFrom,
            madeFromDate: incoming ? dayBefore.display : nil, becameDate: unit.validTo?.adding(days: 1).display,
            became: became, teams: teams, personalDataShown: teams.allSatisfy(\.membersShown), sample: sample)
        return try await req.view.render("units/show", page)
    }
}

extension Member.Role {
    var order: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }
}

extension UnitGraph {
    static func naturalCompareStrings(_ a: String, _ b: String) -> Bool { naturalCompare(a, b) < 0 }
}
