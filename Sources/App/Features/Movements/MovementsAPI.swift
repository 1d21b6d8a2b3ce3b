import Fluent
import ThiDuaCore
import Vapor

/// The movements and their plans. Public: a movement's plan is published.
struct MovementsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("movements", use: list)
        routes.get("movements", ":movement", use: show)
    }

    @Sendable func list(req: Request) async throws -> [APIModels.MovementSummary] {
        try await PlanService.movements(on: req.db).map { movement, plan in
            APIModels.MovementSummary(
                id: try movement.requireID().uuidString, planId: plan.id, theme: plan.theme,
                organiser: plan.organiser.name, start: plan.phases.first?.start.iso, end: plan.phases.last?.end.iso,
                phases: plan.phases.map(APIModels.phase))
        }
    }

    @Sendable func show(req: Request) async throws -> APIModels.MovementDetail {
        guard let key = req.parameters.get("movement"),
              let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        return APIModels.MovementDetail(
            id: try movement.requireID().uuidString, planId: plan.id, theme: plan.theme, organiser: plan.organiser,
            area: plan.area, totalPoints: plan.totalPoints, missingDataPoints: plan.missingDataPoints,
            phases: plan.phases.map(APIModels.phase),
            contents: plan.contents.map { c in
                APIModels.ContentJSON(id: c.id, number: c.number, name: c.name, targets: c.targets.map { t in
                    APIModels.TargetJSON(id: t.id, name: t.name, indicator: .init(t.indicator), goal: .init(t.goal),
                                         points: t.points, scoring: t.scoring.rawValue)
                })
            },
            criteria: plan.criteria, adjustments: plan.adjustments, classification: plan.classification)
    }
}
