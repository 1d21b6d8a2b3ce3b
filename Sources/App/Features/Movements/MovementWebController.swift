import Fluent
import ThiDuaCore
import Vapor

/// The home page, for those signed in.
struct HomeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: MovementWebController.home)
    }
}

/// The movements and their plans: public, as the plans were published in the press.
struct MovementWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("movements", use: list)
        routes.get("movements", ":movement", use: show)
    }

    /// The home page is what the account is for: the team page for a team leader, the commune's page for commune
    /// police, the dashboard of the running movement for the secretariat and leaders.
    @Sendable static func home(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let today = VietnamTime.localDate(of: Date())
        let movements = try await PlanService.movements(on: req.db)
        switch user.role {
        case .teamLeader:
            if let village = user.$unit.id, let team = try await Team.query(on: req.db).filter(\.$village.$id == village).sort(\.$name).first(),
               let id = team.id {
                return req.redirect(to: SiteURL.team(id.uuidString).path)
            }
            return req.redirect(to: SiteURL.newRecord(kind: nil).path)
        case .communeOfficer:
            let graph = try await req.unitGraph()
            if let unitID = user.$unit.id, let unit = graph.units[unitID], unit.level == .commune,
               let plan = Participation.current(movements.map(\.1), on: min(today, unit.validTo ?? today), for: unit, graph: graph) {
                return req.redirect(to: SiteURL.communeResults(unitID.uuidString, movement: plan.id, phase: nil).path)
            }
        case .admin, .secretariat, .viewer:
            if let plan = Participation.current(movements.map(\.1), on: today, for: nil, graph: try await req.unitGraph()),
               let phase = plan.phase(nearest: today) {
                return req.redirect(to: SiteURL.dashboard(plan.id, phase: phase.id, query: DashboardQuery()).path)
            }
        }
        return req.redirect(to: SiteURL.movements.path)
    }

    @Sendable func list(req: Request) async throws -> View {
        let plans = try await PlanService.movements(on: req.db).map(\.1)
        return try await req.view.render("movements/list", MovementListPage.build(
            plans: plans, page: .init(request: req, title: req.t("movements.title"))))
    }

    @Sendable func show(req: Request) async throws -> View {
        let key = req.parameters.get("movement") ?? ""
        guard let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        let published = try await Publication.published(try movement.requireID(), on: req.db)
        let page = MovementPage.build(plan: plan, today: VietnamTime.localDate(of: Date()),
                                      page: .init(request: req, title: req.t("movement.title")),
                                      text: req.translator, published: published)
        return try await req.view.render("movements/show", page)
    }
}
