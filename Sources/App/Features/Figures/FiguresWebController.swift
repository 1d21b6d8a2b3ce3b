import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A commune's figures of one month on one page: every kind, last months beside each, saved together.
struct FigureSheetPage: Encodable {
    var page: PageChrome
    var heading: String
    var communeName: String
    var monthName: String
    var action: String
    var filters: [FormField]
    var chooseAction: String
    var fields: [FormField]
    var form: FormState
    var unusual: Bool
    var months: [PageLink]
    var cancelHref: String
    var review: ReviewPanel
    var importHref = SiteURL.figureImport.path

    /// Where the month stands on its way to approval, and what this account can do about it.
    struct ReviewPanel: Encodable {
        struct Action: Encodable {
            var value: String
            var label: String
        }
        var state: String
        var stateText: String
        var reason: String?
        var by: String?
        var locked: Bool
        var action: String
        var actions: [Action]
        /// Some action offered needs a reason.
        var asksReason: Bool
        var reasonField: FormField?
        var message: String?
    }

    struct Input {
        var commune: UnitInfo
        var month: Month
        /// The communes this account may choose from (one for commune police).
        var communes: [UnitInfo]
        var form: FormState
        var previous: [FigureKind: [Int]]
        /// Kinds whose value is far from the commune's usual and awaits a confirmation.
        var unusual: Set<FigureKind>
        var latestMonth: Month
        var cancelHref: String
        var status: MonthReviewService.Status = .init(state: .open)
        var actions: [MonthAction] = []
        /// What was typed in the review form, and its message.
        var reviewForm = FormState()
    }

    static func build(_ input: Input, page: PageChrome, text t: Translator) -> FigureSheetPage {
        let communeID = input.commune.id.uuidString
        var form = input.form
        if !input.unusual.isEmpty { form.message = t("figures.unusualMessage", ["count": String(input.unusual.count)]) }
        let fields = FigureKind.allCases.map { kind -> FormField in
            let before = input.previous[kind] ?? []
            return .make(kind.rawValue, t("figureLabel.\(kind.rawValue)"), .number, form: form,
                         hint: before.isEmpty ? nil : t("figures.previous", ["values": before.map { t.count($0) }.joined(separator: " · ")]),
                         min: "0")
        }
        let chooseForm = FormState(values: ["unit": communeID, "month": input.month.text])
        var choose: [FormField] = []
        if input.communes.count > 1 {
            choose.append(.make("unit", t("recordField.unit"), .select, form: chooseForm,
                                options: input.communes.map { .init(value: $0.id.uuidString, label: $0.fullName, selected: false) }))
        }
        choose.append(.make("month", t("figures.month"), .month, form: chooseForm, max: input.latestMonth.text))
        // The months around this one, none after the latest that may be reported.
        let months = (-2...2).map { input.month.adding(months: $0) }.filter { $0 <= input.latestMonth }.map {
            PageLink(label: $0.display, href: SiteURL.figureSheet(unit: communeID, month: $0.text).path, current: $0 == input.month)
        }
        return FigureSheetPage(
            page: page, heading: t("figures.title"), communeName: input.commune.fullName, monthName: input.month.display,
            action: SiteURL.figureSheet(unit: communeID, month: input.month.text).path, filters: choose,
            chooseAction: SiteURL.figureSheet(unit: nil, month: nil).path, fields: fields, form: form,
            unusual: !input.unusual.isEmpty, months: months, cancelHref: input.cancelHref,
            review: review(input, text: t))
    }

    static func review(_ input: Input, text t: Translator) -> ReviewPanel {
        let asksReason = input.actions.contains { $0 == .return || $0 == .reopen }
        return ReviewPanel(
            state: input.status.state.rawValue, stateText: t("month.state.\(input.status.state.rawValue)"),
            reason: input.status.reason, by: input.status.by, locked: input.status.state.isLocked,
            action: SiteURL.monthReview(unit: input.commune.id.uuidString, month: input.month.text).path,
            actions: input.actions.map { .init(value: $0.rawValue, label: t("month.action.\($0.rawValue)")) },
            asksReason: asksReason,
            reasonField: asksReason ? .make("reason", t("month.reason"), .textarea, form: input.reviewForm, hint: t("month.reasonHint")) : nil,
            message: input.reviewForm.message)
    }
}

struct FiguresWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("figures", "month", use: sheet)
        routes.post("figures", "month", use: save)
        routes.post("figures", "month", "review", use: review)
    }

    /// The communes whose figures this account may set today, and the commune and month asked for.
    static func target(_ req: Request, user: User, graph: UnitGraph) throws -> (UnitInfo, Month, [UnitInfo], Month) {
        let today = VietnamTime.localDate(of: Date())
        let reach = user.reach(graph)
        var communes: [UnitInfo]
        switch user.role {
        case .communeOfficer:
            communes = user.$unit.id.flatMap { graph.units[$0] }.map { [$0] } ?? []
        case .admin, .secretariat:
            communes = graph.units(at: .commune, on: today).filter { reach.includes(commune: $0.id, village: nil, on: today) }
        case .teamLeader, .viewer:
            throw AppError.forbidden
        }
        communes.sort(by: UnitGraph.naturalOrder)
        // The month still being reported is this one; by default the last whole month.
        let latest = Month(today)
        var month = latest.previous
        if let raw = try? req.query.get(String.self, at: "month"), !raw.isEmpty {
            guard let m = Month(text: raw) else { throw AppError.badRequest("error.month", ["value": raw]) }
            guard m <= latest else { throw AppError.badRequest("error.monthFuture", ["value": raw]) }
            month = m
        }
        var commune = communes.first
        if let key = try? req.query.get(String.self, at: "unit"), !key.isEmpty {
            guard let u = UnitService.find(key, on: month.lastDay, in: graph), u.level == .commune else {
                throw AppError.notFound("error.unitNotFound")
            }
            // A commune outside the account's reach is answered as missing.
            guard communes.contains(where: { $0.id == u.id }) || reach.includes(commune: u.id, village: nil, on: min(month.lastDay, u.validTo ?? month.lastDay)) else {
                throw AppError.notFound("error.unitNotFound")
            }
            commune = u
            if !communes.contains(where: { $0.id == u.id }) { communes.append(u) }
        }
        guard let commune else { throw AppError.forbidden }
        return (commune, month, communes, latest)
    }

    func render(_ req: Request, user: User, graph: UnitGraph, form: FormState?, unusual: Set<FigureKind>,
                reviewForm: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let (commune, month, communes, latest) = try Self.target(req, user: user, graph: graph)
        var state = form
        if state == nil {
            let stored = try await FigureService.month(commune.id, month, on: req.db)
            state = FormState(values: Dictionary(uniqueKeysWithValues: stored.map { ($0.key.rawValue, String($0.value.value)) }))
        }
        let previous = try await FigureService.previous(commune.id, before: month, on: req.db)
        let t = req.translator
        let review = try await MonthReviewService.status(commune.id, month, on: req.db)
        let day = min(month.lastDay, commune.validTo ?? month.lastDay)
        let reach = user.reach(graph)
        let actions = MonthReview.actions(
            from: review.state, commune: Permissions.canWriteCommune(role: user.role, reach: reach, commune: commune.id, on: day),
            committee: Permissions.canReview(role: user.role, reach: reach, commune: commune.id, on: day),
            ended: month.lastDay < VietnamTime.localDate(of: Date()))
        let input = FigureSheetPage.Input(commune: commune, month: month, communes: communes, form: state ?? FormState(),
                                          previous: previous, unusual: unusual, latestMonth: latest,
                                          cancelHref: SiteURL.home.path, status: review, actions: actions, reviewForm: reviewForm)
        let page = FigureSheetPage.build(input, page: PageChrome(request: req, title: t("figures.title")), text: t)
        return try await req.view.render("figures/sheet", page).encodeResponse(status: status, for: req)
    }

    @Sendable func sheet(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        return try await render(req, user: user, graph: graph, form: nil, unusual: [])
    }

    @Sendable func save(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let (commune, month, _, _) = try Self.target(req, user: user, graph: graph)
        let typed = try RecordsWebController.values(req)
        // Each kind typed: a whole number; left empty, not set.
        var values: [FigureKind: Int] = [:]
        var unreadable: [String: String] = [:]
        for kind in FigureKind.allCases {
            guard let raw = typed[kind.rawValue]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { continue }
            // "1.980" as Vietnamese write thousands reads as 1980.
            if let n = Int(raw.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "")) { values[kind] = n }
            else { unreadable[kind.rawValue] = "field.wholeNumber" }
        }
        let t = req.translator
        do {
            try await MonthReviewService.requireOpen(commune.id, month, graph: graph, on: req.db)
        } catch let e as AppError where e.status == .conflict {
            var form = FormState(values: typed)
            form.message = t(e.key, e.arguments)
            return try await render(req, user: user, graph: graph, form: form, unusual: [], status: .conflict)
        }
        if !unreadable.isEmpty {
            return try await render(req, user: user, graph: graph, form: FormState(values: typed, errorKeys: unreadable, translator: t),
                                    unusual: [], status: .unprocessableEntity)
        }
        do {
            _ = try await FigureService.set(values, basis: [:], commune: commune, month: month, user: user, graph: graph,
                                            confirmed: typed["confirm"] == "true", on: req.db)
        } catch let e as AppError where e.status == .unprocessableEntity {
            let unusual = e.key == "figures.unusual" ? Set(e.fields.keys.compactMap(FigureKind.init(rawValue:))) : []
            return try await render(req, user: user, graph: graph, form: FormState(values: typed, errorKeys: e.fields, translator: t),
                                    unusual: unusual, status: .unprocessableEntity)
        }
        Flash.set(req, t("figures.saved", ["commune": commune.fullName, "month": month.display]))
        return req.redirect(to: SiteURL.figureSheet(unit: commune.id.uuidString, month: month.text).path, redirectType: .normal)
    }

    /// Submits, returns, approves or reopens the month; back to the month's page either way.
    @Sendable func review(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let (commune, month, _, _) = try Self.target(req, user: user, graph: graph)
        let typed = try RecordsWebController.values(req)
        guard let action = typed["action"].flatMap(MonthAction.init(rawValue:)) else { throw AppError.badRequest("error.badInput") }
        let t = req.translator
        do {
            _ = try await MonthReviewService.act(action, commune: commune, month: month, reason: typed["reason"], user: user,
                                                 graph: graph, on: req.db)
        } catch let e as AppError where e.status == .unprocessableEntity || e.status == .conflict {
            var form = FormState(values: ["reason": typed["reason"] ?? ""], errorKeys: e.fields, translator: t)
            if e.status == .conflict { form.message = t(e.key, e.arguments) }
            return try await render(req, user: user, graph: graph, form: nil, unusual: [], reviewForm: form, status: e.status)
        }
        Flash.set(req, t("month.done.\(action.rawValue)", ["month": month.display, "commune": commune.fullName]))
        return req.redirect(to: SiteURL.figureSheet(unit: commune.id.uuidString, month: month.text).path, redirectType: .normal)
    }
}
