import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A phase's ranking made public by the secretariat.
final class PublishedPhase: Model, @unchecked Sendable {
    static let schema = "published_phases"

    @ID(key: .id) var id: UUID?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "phase_id") var phaseID: String
    @Field(key: "published_by") var publishedBy: String
    @Field(key: "published_at") var publishedAt: Date

    init() {}
}

enum Publication {
    static func published(_ movement: UUID, on db: any Database) async throws -> Set<String> {
        Set(try await PublishedPhase.query(on: db).filter(\.$movementID == movement).all().map(\.phaseID))
    }

    /// Publishes or withdraws a phase's ranking: the admin's and the secretariat's, audited.
    static func set(_ publish: Bool, movement: Movement, phase: Phase, user: User, on db: any Database) async throws {
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        let movementID = try movement.requireID()
        try await db.audited { tx in
            let existing = try await PublishedPhase.query(on: tx).filter(\.$movementID == movementID).filter(\.$phaseID == phase.id).first()
            if publish, existing == nil {
                let row = PublishedPhase()
                row.movementID = movementID
                row.phaseID = phase.id
                row.publishedBy = user.username
                row.publishedAt = Date()
                try await row.create(on: tx)
            } else if !publish, let existing {
                try await existing.delete(on: tx)
            } else {
                return
            }
            try await AuditLog.record(on: tx, actor: user.username, action: publish ? "ranking.publish" : "ranking.withdraw",
                                      entity: "movement", entityID: "\(movementID.uuidString)/\(phase.id)")
        }
    }
}

/// A phase's published ranking, open to everyone: rank, unit, total and band; nothing personal.
struct RankingPage: Encodable {
    struct Row: Encodable {
        var rank: String
        var name: String
        var total: String
        var band: String
        var targetsMet: String
    }
    var page: PageChrome
    var header: PhaseHeader
    var rows: [Row]
    var formula: String

    static func build(plan: Plan, phase: Phase, window: EvaluationWindow, results: [UnitResult], page: PageChrome,
                      text t: Translator) -> RankingPage {
        let rows = results.sorted { ($0.rank ?? Int.max, $0.unit.name) < ($1.rank ?? Int.max, $1.unit.name) }.map {
            Row(rank: $0.rank.map(String.init) ?? "—", name: $0.unit.fullName, total: t.number($0.total, decimals: 2),
                band: $0.classification?.name ?? "—", targetsMet: "\($0.targetsMet)/\($0.targets.count)")
        }
        return RankingPage(page: page, header: PhaseHeader(plan: plan, phase: phase, window: window), rows: rows,
                           formula: t("results.formula"))
    }
}

struct PublicRankingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("movements", ":movement", "phases", ":phase", "ranking", use: ranking)
    }

    /// Open to everyone once published; missing until then (for the secretariat too: its dashboard has it all).
    @Sendable func ranking(req: Request) async throws -> View {
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        guard try await Publication.published(try movement.requireID(), on: req.db).contains(phase.id) else {
            throw AppError.notFound("error.rankingNotPublished")
        }
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today,
                                                       structureDate: phase.structureDate(near: today), graph: graph, on: req.db, cache: req.application.resultsCache)
        let page = RankingPage.build(plan: plan, phase: phase, window: results.window, results: results.units,
                                     page: PageChrome(request: req, title: "\(phase.name) · \(req.t("ranking.title"))"), text: req.translator)
        return try await req.view.render("results/ranking", page)
    }
}
