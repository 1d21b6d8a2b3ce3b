import Fluent
import ThiDuaCore
import Vapor

struct MovementWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: list)
        routes.get("movements", ":movement", use: show)
    }

    @Sendable func list(req: Request) async throws -> View {
        let plans = try await PlanService.movements(on: req.db).map(\.1)
        return try await req.view.render("movements/list", MovementListPage.build(
            plans: plans, page: .init(request: req, title: req.t("movements.title"))))
    }

    @Sendable func show(req: Request) async throws -> View {
        let key = req.parameters.get("movement") ?? ""
        guard let (_, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        let page = MovementPage.build(plan: plan, today: VietnamTime.localDate(of: Date()),
                                      page: .init(request: req, title: req.t("movement.title")),
                                      text: PlanText { req.t($0, $1) })
        return try await req.view.render("movements/show", page)
    }
}
