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
                                          error: req.t("error.date", ["value": raw ?? ""]), levelName: levelName, text: req.translator)
            return try await req.view.render("units/tree", page).encodeResponse(status: .badRequest, for: req)
        }
        let date = parsed.flatMap { $0 } ?? today
        let open = (try? req.query.get(String.self, at: "open")).flatMap(UUID.init(uuidString:))
        return try await req.view.render("units/tree", UnitTreePage.build(graph: graph, date: date, open: open, page: chrome,
                                                                          levelName: levelName, text: req.translator))
            .encodeResponse(for: req)
    }

    @Sendable func show(req: Request) async throws -> View {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        let asked = try UnitsAPI.dateParameter(req, name: "date")
        // A code names the unit of the day asked (today when none).
        guard let key = req.parameters.get("unit"), let unit = UnitService.find(key, on: asked ?? today, in: graph) else {
            throw AppError.notFound("error.unitNotFound")
        }
        let date = UnitPage.day(of: unit, asked: asked, today: today)
        let teams = try await UnitService.teamRows(of: unit, on: date, user: user, graph: graph, text: req.translator, db: req.db)
        let sample = try await Unit.find(unit.id, on: req.db)?.sample ?? false
        let importsMembers = unit.level == .commune && unit.isValid(on: today) && Permissions.writesCommuneData(user.role)
            && Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: unit.id, on: today)
        let page = UnitPage.build(unit: unit, date: date, graph: graph, teams: teams, sample: sample, importsMembers: importsMembers,
                                  page: .init(request: req, title: unit.fullName), text: req.translator)
        return try await req.view.render("units/show", page)
    }
}

extension Member.Role {
    var order: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }
}

extension UnitGraph {
    static func naturalCompareStrings(_ a: String, _ b: String) -> Bool { naturalCompare(a, b) < 0 }
}
