import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The admin's page for starting a locality: its area and, if they have it, its plan file; then what was done
/// (the units, the plan, the accounts with their one-time passwords, shown on this answer only) and what the
/// locality must still supply, each commune with the way to its villages' file.
struct SetupPage: Encodable {
    struct Account: Encodable, Equatable {
        var username: String
        var role: String
        var unit: String
        /// The one-time password of an account made now; nil for one that existed.
        var password: String?
    }

    struct Missing: Encodable, Equatable {
        var text: String
        var links: [PageLink]
    }

    var page: PageChrome
    var action: String
    var fields: [FormField]
    var form: FormState
    /// The plan file's problems, a line each, when it was refused.
    var planProblems: [String]
    // The report, after a run.
    var done: Bool
    var summary: [String]
    var accounts: [Account]
    var newPasswords: Bool
    var missing: [Missing]
    var ready: Bool

    static func build(form: FormState, planProblems: [String] = [], report: LocalitySetup.Report? = nil, page: PageChrome, text t: Translator) -> SetupPage {
        // A file input shows no value: what was chosen is chosen again.
        var plan = FormField.make("plan", t("setup.plan"), .file, form: FormState(), hint: t("setup.planHint"))
        plan.error = form.errors["plan"]
        let fields = [FormField.make("area", t("setup.area"), .text, form: form, required: true, hint: t("setup.areaHint")), plan]
        guard let report else {
            return SetupPage(page: page, action: SiteURL.setup.path, fields: fields, form: form, planProblems: planProblems, done: false,
                             summary: [], accounts: [], newPasswords: false, missing: [], ready: false)
        }
        var summary = [t("setup.done.area", ["unit": report.area.fullName, "communes": t.count(report.communes.count)])]
        if let c = report.catalogue {
            summary.append(t("setup.done.catalogue", ["added": t.count(c.added), "links": t.count(c.linksAdded), "successions": t.count(c.successionsAdded)]))
        }
        if let plan = report.plan { summary.append(t("setup.done.plan", ["id": plan.id, "outcome": t("cli.outcome.\(plan.outcome)")])) }
        let made = report.accounts.filter { $0.password != nil }.count
        summary.append(t("setup.done.accounts", ["made": t.count(made), "kept": t.count(report.accounts.count - made)]))
        var missing: [Missing] = []
        if !report.withoutVillages.isEmpty {
            missing.append(Missing(text: t("setup.missing.villages", ["count": t.count(report.withoutVillages.count)]),
                                   links: report.withoutVillages.map { c in
                                       PageLink(label: c.fullName, href: SiteURL.communeImport("villages", unit: c.id.uuidString).path, current: false)
                                   }))
        }
        if report.villagesWithoutTeams > 0 {
            missing.append(Missing(text: t("setup.missing.teams", ["count": t.count(report.villagesWithoutTeams)]), links: []))
        }
        if !report.withoutPopulation.isEmpty {
            missing.append(Missing(text: t("setup.missing.population", ["count": t.count(report.withoutPopulation.count)]), links: []))
        }
        return SetupPage(page: page, action: SiteURL.setup.path, fields: fields, form: form, planProblems: [], done: true, summary: summary,
                         accounts: report.accounts.map { Account(username: $0.username, role: t("role.\($0.role.rawValue)"), unit: $0.unit, password: $0.password) },
                         newPasswords: made > 0, missing: missing, ready: missing.isEmpty)
    }
}

struct SetupWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let setup = routes.grouped("admin", "setup")
        setup.get(use: form)
        setup.post(use: run)
    }

    struct Input: Vapor.Content {
        var area: String?
        var plan: File?
    }

    func render(_ req: Request, _ page: SetupPage, status: HTTPResponseStatus = .ok) async throws -> Response {
        try await req.view.render("setup/index", page).encodeResponse(status: status, for: req)
    }

    @Sendable func form(req: Request) async throws -> Response {
        _ = try AccountAdmin.requireAdmin(req)
        let t = req.translator
        return try await render(req, SetupPage.build(form: FormState(), page: PageChrome(request: req, title: t("setup.title")), text: t))
    }

    @Sendable func run(req: Request) async throws -> Response {
        let admin = try AccountAdmin.requireAdmin(req)
        let t = req.translator
        let input: Input
        do { input = try req.content.decode(Input.self) } catch { throw AppError.badRequest("error.badInput") }
        // No code is this long: a longer one is not found, and is not echoed whole.
        let area = String((input.area ?? "").trimmingCharacters(in: .whitespaces).prefix(40))
        var errors: [String: String] = [:]
        if area.isEmpty { errors["area"] = t("setup.areaRequired") }
        var planText: String?
        if let file = input.plan, file.data.readableBytes > 0 {
            if let text = String(bytes: file.data.readableBytesView, encoding: .utf8), !text.contains("\u{0}") { planText = text } else { errors["plan"] = t("setup.planUnreadable") }
        }
        /// The form again with each field's message (already said).
        func refuse(_ errors: [String: String], problems: [String] = []) async throws -> Response {
            let form = FormState(values: ["area": area], errors: errors, translator: t)
            return try await render(req, SetupPage.build(form: form, planProblems: problems, page: PageChrome(request: req, title: t("setup.title")), text: t),
                                    status: .unprocessableEntity)
        }
        guard errors.isEmpty else { return try await refuse(errors) }
        let report: LocalitySetup.Report
        do {
            report = try await LocalitySetup.run(area: area, plan: planText, resources: req.application.config.resourcesDirectory,
                                                 actor: admin.username, today: VietnamTime.localDate(of: Date()), on: req.db)
        } catch let error as AppError where error.status == .notFound || error.key == "setup.noCommunes" {
            return try await refuse(["area": error.key == "setup.noCommunes" ? t(error.key, error.arguments) : t("setup.areaNotFound", ["code": area])])
        } catch let error as PlanValidationError {
            return try await refuse(["plan": t("setup.planRefused")], problems: error.problems.map { p in
                t("setup.planProblem", ["line": String(p.line), "column": String(p.column), "message": t(p.key, p.arguments)])
            })
        }
        return try await render(req, SetupPage.build(form: FormState(values: ["area": area]), report: report,
                                                     page: PageChrome(request: req, title: t("setup.title")), text: t))
    }
}
