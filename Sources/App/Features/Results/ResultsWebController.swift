import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The movement dashboard and the commune page: the results API's numbers, as pages.
struct ResultsWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        // Both compute results, which queue at the results gate (`ResultsCache.computing`); the page is built outside it.
        routes.get("movements", ":movement", "phases", ":phase", use: dashboard)
        routes.get("units", ":unit", "movements", ":movement", use: commune)
        routes.post("movements", ":movement", "phases", ":phase", "publish", use: publish)
    }

    /// Publishes or withdraws the phase's ranking; back to the dashboard.
    @Sendable func publish(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        struct Form: Decodable { var publish: String? }
        let form = try? req.content.decode(Form.self)
        let publish = form?.publish == "true"
        try await Publication.set(publish, movement: movement, phase: phase, user: user, on: req.db)
        Flash.set(req, req.t(publish ? "ranking.published" : "ranking.withdrawn", ["phase": phase.name]))
        return req.redirect(to: SiteURL.dashboard(plan.id, phase: phase.id, query: DashboardQuery()).path, redirectType: .normal)
    }

    static func query(_ req: Request, plan: Plan) throws -> DashboardQuery {
        var q = DashboardQuery()
        if let raw = try? req.query.get(String.self, at: "sort"), !raw.isEmpty {
            guard let sort = DashboardQuery.Sort(raw),
                  { if case .target(let id) = sort { return plan.targets.contains { $0.id == id } } else { return true } }()
            else { throw AppError.badRequest("error.sort", ["value": raw]) }
            q.sort = sort
        }
        if let dir = try? req.query.get(String.self, at: "dir"), !dir.isEmpty {
            guard dir == "asc" || dir == "desc" else { throw AppError.badRequest("error.sort", ["value": dir]) }
            q.descending = dir == "desc"
        }
        if let raw = try? req.query.get(String.self, at: "area"), !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw AppError.notFound("error.unitNotFound") }
            q.area = id
        }
        if let band = try? req.query.get(String.self, at: "band"), !band.isEmpty {
            guard plan.classification.contains(where: { $0.id == band }) else { throw AppError.badRequest("error.band", ["value": band]) }
            q.band = band
        }
        q.page = try UnitsAPI.intParameter(req, name: "page", in: 1...100_000) ?? 1
        q.structureDate = try UnitsAPI.dateParameter(req, name: "structureDate")
        return q
    }

    @Sendable func dashboard(req: Request) async throws -> View {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        let query = try Self.query(req, plan: plan)
        let graph = try await req.unitGraph()
        if let area = query.area, graph.units[area] == nil { throw AppError.notFound("error.unitNotFound") }
        let today = VietnamTime.localDate(of: Date())
        // The structure of today while the phase runs: the phase's last day may still be ahead.
        let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today,
                                                       structureDate: query.structureDate ?? phase.structureDate(near: today),
                                                       graph: graph, on: req.db, cache: req.application.resultsCache)
        let months = results.window.monthsSoFar
        let states = try await MonthReviewService.states(communes: results.units.map(\.unit.id), months: months, on: req.db)
        let input = DashboardPage.Input(plan: plan, movementKey: plan.id, phase: phase, window: results.window,
                                        structureDate: results.structureDate, results: results.units, facts: results.facts,
                                        graph: graph, query: query,
                                        months: months, monthStates: states,
                                        published: try await Publication.published(try movement.requireID(), on: req.db).contains(phase.id),
                                        canPublish: Permissions.isCommittee(user.role), closed: results.closed,
                                        canClose: Permissions.isCommittee(user.role) && ReviewRules.canClose(phase, today: today),
                                        pledged: try await ReviewService.pledges(try movement.requireID(), on: req.db).keys
                                            .filter(Set(results.units.map(\.unit.id)).contains).count)
        var chrome = PageChrome(request: req, title: "\(phase.name) · \(req.t("dashboard.title"))")
        chrome.wide = true
        let page = DashboardPage.build(input, page: chrome, text: req.translator)
        return try await req.view.render("results/dashboard", page)
    }

    @Sendable func commune(req: Request) async throws -> View {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        guard let key = req.parameters.get("movement"), let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        let today = VietnamTime.localDate(of: Date())
        guard let unitKey = req.parameters.get("unit"), let unit = UnitService.find(unitKey, on: today, in: graph),
              unit.level == .commune else {
            throw AppError.notFound("error.unitNotFound")
        }
        // A unit that has ended is shown as it stood on its last day.
        let day = min(today, unit.validTo ?? today)
        let phase: Phase
        if let id = try? req.query.get(String.self, at: "phase"), !id.isEmpty {
            guard let p = plan.phase(id: id) else {
                throw AppError(.notFound, "error.phaseNotFound", ["phases": plan.phases.map(\.id).joined(separator: ", ")])
            }
            phase = p
        } else {
            guard let p = plan.phase(nearest: day) else {
                throw AppError.notFound("error.phaseNotFound")
            }
            phase = p
        }
        let structureDate = phase.structureDate(near: day, of: unit)
        let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today,
                                                       structureDate: structureDate, graph: graph, on: req.db, cache: req.application.resultsCache)
        guard unit.isValid(on: structureDate), let result = results.units.first(where: { $0.unit.id == unit.id }) else {
            throw AppError(.notFound, "error.notInMovement", ["unit": unit.fullName])
        }
        let trend = try await ResultsService.trend(movement: movement, plan: plan, window: results.window, unit: unit,
                                                   participants: results.all.map(\.unit), structureDate: results.structureDate,
                                                   graph: graph, on: req.db)
        let t = req.translator
        let teams = try await UnitService.teamRows(of: unit, on: min(day, structureDate), user: user, graph: graph, text: t, db: req.db)
        let reach = user.reach(graph)
        let recent = try await RecordService.latest(of: unit, role: user.role, reach: reach, graph: graph, limit: 10, on: req.db)
        let records = recent.map { RecordListPage.row($0, graph: graph, canWrite: RecordService.canWrite($0, user: user, reach: reach), text: t) }
        let canWrite = RecordKind.allCases.contains {
            Permissions.canWrite(role: user.role, reach: reach, kind: $0, commune: unit.id, village: nil, on: today)
        } || user.role == .teamLeader && reach.includes(commune: unit.id, village: user.$unit.id, on: today)
        let input = CommunePage.Input(
            plan: plan, movementKey: plan.id, phase: phase, window: results.window, unit: unit, result: result,
            communeCount: results.units.count, population: results.facts[unit.id]?.population, trend: trend,
            facts: results.facts[unit.id], teams: teams, records: records, canWrite: canWrite,
            canWriteFigures: Permissions.canWriteCommune(role: user.role, reach: reach, commune: unit.id, on: day),
            waitingTips: Permissions.canHandleTip(role: user.role, reach: reach, commune: unit.id, village: nil, receivedOn: today)
                ? try await TipService.waiting(user: user, graph: graph, commune: unit.id, on: req.db) : nil,
            closed: results.closed)
        return try await req.view.render("results/commune", CommunePage.build(input, page: PageChrome(request: req, title: unit.fullName), text: t))
    }
}
