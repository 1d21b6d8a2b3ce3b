import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The pages of reviews: a commune's pledge, its self-assessment with evidence and the secretariat's review, bonus
/// and penalty points, closing and reopening a phase and what changed after closing.
struct ReviewWebController: RouteCollection {
    /// Room for the evidence files and the form around them.
    static let maxBody = PublicTipController.maxBody

    func boot(routes: any RoutesBuilder) throws {
        let sheet = routes.grouped("units", ":unit", "movements", ":movement", "phases", ":phase", "assessment")
        sheet.get(use: assessment)
        sheet.on(.POST, "self", ":criterion", body: .collect(maxSize: Self.maxBody), use: selfScore)
        sheet.post("review", ":criterion", use: review)
        sheet.post("adjustments", ":adjustment", use: adjust)
        sheet.get("evidence", ":file", use: evidence)
        sheet.post("evidence", ":file", "delete", use: removeEvidence)
        routes.get("units", ":unit", "movements", ":movement", "pledge", use: pledgeForm)
        routes.post("units", ":unit", "movements", ":movement", "pledge", use: pledge)
        routes.get("movements", ":movement", "pledges", use: pledges)
        routes.post("movements", ":movement", "phases", ":phase", "close", use: close)
        routes.post("movements", ":movement", "phases", ":phase", "reopen", use: reopen)
        routes.get("movements", ":movement", "phases", ":phase", "late", use: late)
    }

    static func today() -> LocalDate { VietnamTime.localDate(of: Date()) }

    /// The commune of the path in the phase of the path, for an account that may see it.
    static func scope(_ req: Request) async throws -> (ReviewService.Scope, User, UnitGraph) {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        let graph = try await req.unitGraph()
        guard let key = req.parameters.get("unit"),
              let unit = UnitService.find(key, on: phase.end, in: graph) ?? UnitService.find(key, on: phase.start, in: graph),
              unit.level == .commune else {
            throw AppError.notFound("error.unitNotFound")
        }
        let scope = ReviewService.Scope(movement: movement, plan: plan, phase: phase, unit: unit)
        guard Permissions.readsCommune(role: user.role, reach: user.reach(graph), commune: unit.id, on: scope.day) else {
            throw AppError.forbidden
        }
        return (scope, user, graph)
    }

    @Sendable func assessment(req: Request) async throws -> Response {
        try await render(req, sent: nil)
    }

    func render(_ req: Request, sent: (action: String, form: FormState)?) async throws -> Response {
        let (scope, user, graph) = try await Self.scope(req)
        let reach = user.reach(graph)
        let input = AssessmentPage.Input(
            plan: scope.plan, phase: scope.phase, unit: scope.unit, sheet: try await ReviewService.sheet(scope, on: req.db),
            closed: try await PhaseClosing.closed(try scope.movementID, phase: scope.phase.id, on: req.db),
            canWrite: Permissions.canWriteCommune(role: user.role, reach: reach, commune: scope.unit.id, on: scope.day),
            canReview: Permissions.canReview(role: user.role, reach: reach, commune: scope.unit.id, on: scope.day), sent: sent)
        let page = AssessmentPage.build(input, page: PageChrome(request: req, title: req.t("assessment.title", ["unit": scope.unit.fullName])),
                                        text: req.translator)
        let response = try await req.view.render("reviews/assessment", page).encodeResponse(for: req)
        if sent != nil { response.status = .unprocessableEntity }
        return response
    }

    /// Runs a form's action; its mistakes come back on the page beside its fields, anything else as it is.
    func submit(_ req: Request, values: [String: String], action: () async throws -> String) async throws -> Response {
        do {
            let flash = try await action()
            Flash.set(req, flash)
            let (scope, _, _) = try await Self.scope(req)
            let unitKey = scope.unit.code ?? scope.unit.id.uuidString
            return req.redirect(to: SiteURL.assessment(unit: unitKey, movement: scope.plan.id, phase: scope.phase.id).path, redirectType: .normal)
        } catch let error as AppError where !error.fields.isEmpty {
            return try await render(req, sent: (req.url.path, FormState(values: values, errorKeys: error.fields, translator: req.translator)))
        }
    }

    struct ScoreForm: Decodable {
        var score: String?
        var note: String?
        var files: [File]?
    }

    @Sendable func selfScore(req: Request) async throws -> Response {
        let (scope, user, graph) = try await Self.scope(req)
        let criterion = try ReviewService.criterion(req.parameters.get("criterion"), plan: scope.plan)
        let form = (try? req.content.decode(ScoreForm.self)) ?? ScoreForm()
        return try await submit(req, values: ["score": form.score ?? "", "note": form.note ?? ""]) {
            try await ReviewService.selfScore(scope, criterion: criterion, score: form.score ?? "", note: form.note ?? "",
                                              files: (form.files ?? []).map { Array($0.data.readableBytesView) },
                                              user: user, graph: graph, store: req.evidenceFiles, on: req.db)
            return req.t("assessment.savedSelf", ["criterion": criterion.name])
        }
    }

    @Sendable func review(req: Request) async throws -> Response {
        let (scope, user, graph) = try await Self.scope(req)
        let criterion = try ReviewService.criterion(req.parameters.get("criterion"), plan: scope.plan)
        let form = (try? req.content.decode(ScoreForm.self)) ?? ScoreForm()
        return try await submit(req, values: ["score": form.score ?? "", "note": form.note ?? ""]) {
            try await ReviewService.review(scope, criterion: criterion, score: form.score ?? "", note: form.note ?? "",
                                           user: user, graph: graph, on: req.db)
            return req.t("assessment.savedReview", ["criterion": criterion.name])
        }
    }

    @Sendable func adjust(req: Request) async throws -> Response {
        let (scope, user, graph) = try await Self.scope(req)
        struct Form: Decodable { var points: String?; var reason: String? }
        let form = (try? req.content.decode(Form.self)) ?? Form()
        let id = req.parameters.get("adjustment")
        guard let item = scope.plan.adjustments.first(where: { $0.id == id }) else { throw AppError.notFound() }
        return try await submit(req, values: ["points": form.points ?? "", "reason": form.reason ?? ""]) {
            try await ReviewService.adjust(scope, adjustment: item.id, points: form.points ?? "", reason: form.reason ?? "",
                                           user: user, graph: graph, on: req.db)
            return req.t("assessment.savedAdjustment", ["item": item.name])
        }
    }

    @Sendable func evidence(req: Request) async throws -> Response {
        let (scope, _, _) = try await Self.scope(req)
        let file = try await ReviewService.evidence(scope, id: req.parameters.get("file"), on: req.db)
        guard let kind = AttachmentKind(rawValue: file.kind), let data = req.evidenceFiles.read(file.storedName) else { throw AppError.notFound() }
        return FileStore.download(data, kind: kind, name: "evidence-\(scope.unit.code ?? "unit")-\(file.criterionID)")
    }

    @Sendable func removeEvidence(req: Request) async throws -> Response {
        let (scope, user, graph) = try await Self.scope(req)
        let file = try await ReviewService.evidence(scope, id: req.parameters.get("file"), on: req.db)
        return try await submit(req, values: [:]) {
            try await ReviewService.removeEvidence(scope, file: file, user: user, graph: graph, store: req.evidenceFiles, on: req.db)
            return req.t("assessment.removedEvidence")
        }
    }

    // MARK: Pledges

    static func pledgeScope(_ req: Request) async throws -> (Movement, Plan, UnitInfo, User, UnitGraph) {
        let user = try req.requireUser()
        guard let key = req.parameters.get("movement"), let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        let graph = try await req.unitGraph()
        let today = Self.today()
        guard let unitKey = req.parameters.get("unit"), let unit = UnitService.find(unitKey, on: today, in: graph), unit.level == .commune,
              Participation.participants(plan: plan, structureDate: min(today, unit.validTo ?? today), graph: graph).contains(where: { $0.id == unit.id })
        else { throw AppError.notFound("error.unitNotFound") }
        guard Permissions.readsCommune(role: user.role, reach: user.reach(graph), commune: unit.id,
                                             on: Permissions.answeringDay(for: unit, today: today)) else {
            throw AppError.forbidden
        }
        return (movement, plan, unit, user, graph)
    }

    func renderPledge(_ req: Request, form: FormState?) async throws -> Response {
        let (movement, plan, unit, user, graph) = try await Self.pledgeScope(req)
        let today = Self.today()
        let existing = try await ReviewService.pledges(try movement.requireID(), on: req.db)[unit.id]
        let page = PledgePage.build(plan: plan, unit: unit, pledge: existing, form: form, open: ReviewRules.pledgeOpen(plan, today: today),
                                    canWrite: Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: unit.id,
                                                                          on: min(today, unit.validTo ?? today)),
                                    page: PageChrome(request: req, title: req.t("pledge.title")), text: req.translator)
        let response = try await req.view.render("reviews/pledge", page).encodeResponse(for: req)
        if form != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable func pledgeForm(req: Request) async throws -> Response { try await renderPledge(req, form: nil) }

    @Sendable func pledge(req: Request) async throws -> Response {
        let (movement, plan, unit, user, graph) = try await Self.pledgeScope(req)
        let values = (try? req.content.decode([String: String].self)) ?? [:]
        let ticked = plan.targets.map(\.id).filter { values["target-" + $0] == "true" }
        let (draft, errors) = ReviewRules.pledge(targets: ticked, ownText: values["own"] ?? "", signer: values["signer"] ?? "", plan: plan)
        guard let draft else {
            return try await renderPledge(req, form: FormState(values: values.filter { $0.key != "_csrf" }, errorKeys: errors, translator: req.translator))
        }
        try await ReviewService.pledge(movement: movement, plan: plan, unit: unit, draft: draft, user: user, graph: graph, today: Self.today(), on: req.db)
        Flash.set(req, req.t("pledge.saved"))
        return req.redirect(to: SiteURL.pledge(unit: unit.code ?? unit.id.uuidString, movement: plan.id).path, redirectType: .normal)
    }

    @Sendable func pledges(req: Request) async throws -> View {
        let user = try req.requireUser()
        guard let key = req.parameters.get("movement"), let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        let graph = try await req.unitGraph()
        let today = Self.today()
        let day = plan.phase(nearest: today).map { $0.structureDate(near: today) } ?? today
        // The signers of the communes the account reads, not every commune's.
        let reach = user.reach(graph)
        let communes = Participation.participants(plan: plan, structureDate: day, graph: graph).filter {
            Permissions.readsCommune(role: user.role, reach: reach, commune: $0.id, on: Permissions.answeringDay(for: $0, today: day))
        }
        let page = PledgesPage.build(plan: plan, communes: communes, pledges: try await ReviewService.pledges(try movement.requireID(), on: req.db),
                                     page: PageChrome(request: req, title: req.t("pledges.title")), text: req.translator)
        return try await req.view.render("reviews/pledges", page)
    }

    // MARK: Closing

    @Sendable func close(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        let graph = try await req.unitGraph()
        _ = try await req.application.resultsGate.run {
            try await PhaseClosing.close(movement: movement, plan: plan, phase: phase, user: user, graph: graph, today: Self.today(), on: req.db)
        }
        Flash.set(req, req.t("phase.closed", ["phase": phase.name]))
        return req.redirect(to: SiteURL.dashboard(plan.id, phase: phase.id, query: DashboardQuery()).path, redirectType: .normal)
    }

    func renderLate(_ req: Request, form: FormState?) async throws -> Response {
        let user = try req.requireUser()
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        let graph = try await req.unitGraph()
        guard let closed = try await PhaseClosing.closed(try movement.requireID(), phase: phase.id, on: req.db) else {
            throw AppError(.notFound, "phase.notClosed", ["phase": phase.name])
        }
        let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end, structureDate: nil,
                                                       graph: graph, on: req.db, cache: req.application.resultsCache)
        let changes = try await PhaseClosing.lateChanges(results, closed: closed, graph: graph, on: req.db)
        let form = form ?? FormState()
        let page = LateChangesPage.build(plan: plan, phase: phase, closed: closed, changes: changes, graph: graph,
                                         form: form,
                                         page: PageChrome(request: req, title: req.t("late.title")), text: req.translator)
        let response = try await req.view.render("reviews/late", page).encodeResponse(for: req)
        if !form.isValid { response.status = .unprocessableEntity }
        return response
    }

    @Sendable func late(req: Request) async throws -> Response { try await renderLate(req, form: nil) }

    @Sendable func reopen(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let (movement, plan, phase) = try await ResultsAPI.movementAndPhase(req)
        struct Form: Decodable { var reason: String? }
        let reason = (try? req.content.decode(Form.self))?.reason ?? ""
        do {
            try await PhaseClosing.reopen(movement: movement, plan: plan, phase: phase, reason: reason, user: user, on: req.db)
        } catch let error as AppError where !error.fields.isEmpty {
            return try await renderLate(req, form: FormState(values: ["reason": reason], errorKeys: error.fields, translator: req.translator))
        }
        Flash.set(req, req.t("phase.reopened", ["phase": phase.name]))
        return req.redirect(to: SiteURL.dashboard(plan.id, phase: phase.id, query: DashboardQuery()).path, redirectType: .normal)
    }
}
