import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Measured attainment: every target of every commune-level unit in a phase, with points, rank and projection.
struct ResultsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(APISignIn())
        // Gated within: an answer kept (or a 304) costs a token and a version read, and is never turned away; only
        // building one waits for the gate.
        signedIn.get("movements", ":movement", "phases", ":phase", "results", use: results)
        signedIn.put("movements", ":movement", "phases", ":phase", "assessments", use: assess)
        signedIn.put("movements", ":movement", "phases", ":phase", "adjustments", use: adjust)
    }

    struct TargetJSON: Vapor.Content, Equatable {
        var targetId: String
        var contentId: String
        var value: Double?
        var numerator: Double?
        var denominator: Double?
        var baseline: Double?
        var goal: APIModels.GoalJSON
        var attainment: Double?
        var points: Double
        var maxPoints: Double
        var met: Bool
        var noData: Bool
        var projection: Double?
        var basis: Int
        var atRisk: Bool
        /// A roll-up's communes: with data for the target (what it rests on), and that met it alone.
        var communes: CommuneCount?
    }

    struct UnitResultJSON: Vapor.Content, Equatable {
        var unit: APIModels.UnitJSON
        var rank: Int?
        var total: Double
        var targetPoints: Double
        var criteriaPoints: Double
        var adjustmentPoints: Double
        var classification: ClassificationBand?
        var targetsMet: Int
        var reportingCompleteness: Double
        var reporting: Bool
        var population: Int?
        /// The phase's months so far, and how many of them the secretariat approved (a roll-up: over its communes).
        var months: Int = 0
        var monthsApproved: Int = 0
        var targets: [TargetJSON]
    }

    struct ResultsJSON: Vapor.Content, Equatable {
        var movementId: String
        var phase: APIModels.PhaseJSON
        var structureDate: String
        var asOf: String
        var elapsedDays: Int
        var phaseDays: Int
        var formula: String
        /// A closed phase's results are frozen as they stood when it was closed.
        var closed: Bool = false
        var closedAt: String?
        var units: [UnitResultJSON]
        var rollup: UnitResultJSON?
    }

    static func json(_ r: UnitResult, population: Int?) -> UnitResultJSON {
        UnitResultJSON(
            unit: .init(r.unit), rank: r.rank, total: r.total, targetPoints: r.targetPoints, criteriaPoints: r.criteriaPoints,
            adjustmentPoints: r.adjustmentPoints, classification: r.classification, targetsMet: r.targetsMet,
            reportingCompleteness: Evaluator.rounded(r.reportingCompleteness), reporting: r.reportingCompleteness == 1,
            population: population,
            targets: r.targets.map {
                TargetJSON(targetId: $0.targetID, contentId: $0.contentID, value: $0.value.map(Evaluator.rounded),
                           numerator: $0.numerator, denominator: $0.denominator, baseline: $0.baseline.map(Evaluator.rounded),
                           goal: .init($0.goal), attainment: $0.attainment.map { ($0 * 10_000).rounded() / 10_000 },
                           points: $0.points, maxPoints: $0.maxPoints, met: $0.met, noData: $0.noData,
                           projection: $0.projection, basis: $0.basis, atRisk: $0.atRisk, communes: $0.communes)
            })
    }

    static func movementAndPhase(_ req: Request) async throws -> (Movement, Plan, Phase) {
        guard let key = req.parameters.get("movement"),
              let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        guard let phaseID = req.parameters.get("phase"), let phase = plan.phase(id: phaseID) else {
            throw AppError(.notFound, "error.phaseNotFound", ["phases": plan.phases.map(\.id).joined(separator: ", ")])
        }
        return (movement, plan, phase)
    }

    /// The answer carries an entity tag made of what was asked and the data's version (`ResultsCache.Version`): a
    /// client that sends it back gets 304 until something changes, and nothing is computed or encoded for it.
    @Sendable func results(req: Request) async throws -> Response {
        _ = try req.requireUser()
        let (movement, plan, phase) = try await Self.movementAndPhase(req)
        let asOf = try UnitsAPI.dateParameter(req, name: "asOf") ?? VietnamTime.localDate(of: Date())
        let structureDate = try UnitsAPI.dateParameter(req, name: "structureDate")
        let unitKey = try? req.query.get(String.self, at: "unit")
        let version = try await ResultsCache.version(on: req.db)
        let tag = EntityTag.make([try movement.requireID().uuidString, plan.id, phase.id, asOf.iso, structureDate?.iso ?? "", unitKey ?? "",
                                  req.language.rawValue, String(version.audit), String(version.structure)])
        return try await EntityTag.answer(req, tag: tag) {
            // Every unit's answer is kept as bytes while nothing changes and built again from its units' parts.
            guard unitKey == nil, let bodies = req.application.resultsBodies else {
                return try await build(req, movement: movement, plan: plan, phase: phase, asOf: asOf, structureDate: structureDate, unitKey: unitKey)
                    .encodeResponse(for: req)
            }
            let answer = try await bodies.body(tag: tag) {
                let json = try await build(req, movement: movement, plan: plan, phase: phase, asOf: asOf, structureDate: structureDate, unitKey: nil)
                return try bodies.encode(json, tag: tag)
            }
            // The nation's answer is 8.3 MB as JSON, 1.3 MB as gzip.
            let gzip = Gzip.accepted(by: req.headers) ? answer.gzip : nil
            let response = Self.response(gzip ?? answer.plain)
            if gzip != nil { response.headers.replaceOrAdd(name: .contentEncoding, value: "gzip") }
            response.headers.replaceOrAdd(name: .vary, value: "Accept-Encoding")
            return response
        }
    }

    static func response(_ body: ByteBuffer) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }

    func build(_ req: Request, movement: Movement, plan: Plan, phase: Phase, asOf: LocalDate, structureDate: LocalDate?,
               unitKey: String?) async throws -> ResultsJSON {
        let graph = try await req.unitGraph()
        let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: asOf,
                                                       structureDate: structureDate, graph: graph, on: req.db, cache: req.application.resultsCache)
        var units = results.units
        var rollup: UnitResultJSON?
        if let key = unitKey {
            guard let unit = UnitService.find(key, on: results.structureDate, in: graph) else {
                throw AppError.notFound("error.unitNotFound")
            }
            guard unit.isValid(on: results.structureDate) else {
                throw AppError.badRequest("error.unitNotValid", ["date": results.structureDate.display, "unit": unit.fullName])
            }
            if unit.level == .commune {
                units = units.filter { $0.unit.id == unit.id }
            } else {
                units = units.filter { graph.isDescendant($0.unit.id, of: unit.id, on: results.structureDate) }
                let facts = units.compactMap { results.facts[$0.unit.id] }
                let r = Evaluator.rollUp(plan: plan, window: results.window, unit: unit, communes: facts)
                let population = facts.allSatisfy { $0.population != nil } ? facts.compactMap(\.population).reduce(0, +) : nil
                rollup = Self.json(r, population: population)
            }
        }
        // The months' reviews of the units answered for alone.
        let months = results.window.monthsSoFar
        let states = try await MonthReviewService.states(communes: units.map(\.unit.id), months: months, on: req.db)
        return ResultsJSON(
            movementId: try movement.requireID().uuidString, phase: APIModels.phase(phase),
            structureDate: results.structureDate.iso, asOf: results.window.asOf.iso, elapsedDays: results.window.elapsedDays,
            phaseDays: results.window.phaseDays, formula: req.t("results.formula"),
            closed: results.closed != nil, closedAt: results.closed.map { ISO8601DateFormatter().string(from: $0.at) },
            units: units.map { u in
                var json = Self.json(u, population: results.facts[u.unit.id]?.population)
                json.months = months.count
                json.monthsApproved = MonthReview.approvedCount(months, of: [u.unit.id], states: states)
                return json
            }, rollup: rollup.map { r in
                var r = r
                r.months = months.count * units.count
                r.monthsApproved = MonthReview.approvedCount(months, of: units.map(\.unit.id), states: states)
                return r
            })
    }

    struct AssessmentInput: Vapor.Content {
        var unit: String?
        var criterion: String?
        var selfScore: Double?
        var selfNote: String?
        var reviewedScore: Double?
        var reviewNote: String?
    }

    /// The commune scores itself, with a justification; the committee (secretariat) reviews, with a comment where it
    /// differs. Each change audited; a closed phase takes none.
    @Sendable func assess(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await Self.movementAndPhase(req)
        let input: AssessmentInput
        do { input = try req.content.decode(AssessmentInput.self) } catch { throw AppError.badRequest("error.badInput") }
        let graph = try await req.unitGraph()
        let criterion = try ReviewService.criterion(input.criterion, plan: plan)
        let unit = try ReviewService.commune(input.unit, phase: phase, graph: graph)
        guard input.selfScore != nil || input.reviewedScore != nil else { throw ReviewService.invalid(["selfScore": "field.required"]) }
        let scope = ReviewService.Scope(movement: movement, plan: plan, phase: phase, unit: unit)
        do {
            if let s = input.selfScore {
                try await ReviewService.selfScore(scope, criterion: criterion, score: String(s), note: input.selfNote ?? "", files: [],
                                                  user: user, graph: graph, store: req.evidenceFiles, on: req.db)
            }
        } catch let error as AppError { throw error.renaming(["score": "selfScore", "note": "selfNote"]) }
        do {
            if let r = input.reviewedScore {
                try await ReviewService.review(scope, criterion: criterion, score: String(r), note: input.reviewNote ?? "",
                                               user: user, graph: graph, on: req.db)
            }
        } catch let error as AppError { throw error.renaming(["score": "reviewedScore", "note": "reviewNote"]) }
        return .noContent
    }

    struct AdjustmentInput: Vapor.Content {
        var unit: String?
        var adjustment: String?
        var points: Double?
        var reason: String?
    }

    /// Bonus and penalty points: the secretariat's, with a reason.
    @Sendable func adjust(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await Self.movementAndPhase(req)
        let input: AdjustmentInput
        do { input = try req.content.decode(AdjustmentInput.self) } catch { throw AppError.badRequest("error.badInput") }
        let graph = try await req.unitGraph()
        let unit = try ReviewService.commune(input.unit, phase: phase, graph: graph)
        try await ReviewService.adjust(ReviewService.Scope(movement: movement, plan: plan, phase: phase, unit: unit),
                                       adjustment: input.adjustment, points: input.points.map { String($0) } ?? "",
                                       reason: input.reason ?? "", user: user, graph: graph, on: req.db)
        return .noContent
    }
}
