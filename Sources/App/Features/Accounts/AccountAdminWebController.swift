import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The admin's pages for accounts: the list, a new account, an account's edit form and its actions.
struct AccountAdminWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let accounts = routes.grouped("admin", "accounts")
        accounts.get(use: list)
        accounts.get("new", use: newForm)
        accounts.post("new", use: create)
        accounts.get(":account", use: show)
        accounts.post(":account", use: update)
        accounts.post(":account", "disable") { try await setActive($0, false) }
        accounts.post(":account", "enable") { try await setActive($0, true) }
        accounts.post(":account", "reset-password", use: resetPassword)
    }

    struct Form: Vapor.Content {
        var username: String?
        var displayName: String?
        var role: String?
        var unit: String?
        /// "true" when its box is ticked; a box not ticked is not sent.
        var headsPolice: String?

        var isHead: Bool { headsPolice == "true" }
    }

    static func summary(_ user: User) -> AccountSummary {
        AccountSummary(id: user.id?.uuidString ?? "", username: user.username, displayName: user.displayName, role: user.role,
                       unit: user.$unit.id, active: user.active, mustChangePassword: user.mustChangePassword, headsPolice: user.headsPolice,
                       created: user.createdAt)
    }

    /// A unit as the form shows it: its national code where that code names it today, its id otherwise.
    static func unitKey(_ id: UUID?, graph: UnitGraph, today: LocalDate) -> String? {
        guard let id, let unit = graph.units[id] else { return nil }
        if let code = unit.code, UnitService.find(code, on: today, in: graph)?.id == id { return code }
        return id.uuidString
    }

    @Sendable func list(req: Request) async throws -> View {
        _ = try AccountAdmin.requireAdmin(req)
        var filter = AccountAdmin.Filter()
        func param(_ name: String) -> String? {
            (try? req.query.get(String.self, at: name)).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        filter.text = param("q").map { String($0.prefix(64)) }
        if let role = param("role") {
            guard let r = Role(rawValue: role) else { throw AppError.badRequest("error.badInput") }
            filter.role = r
        }
        switch param("state") {
        case nil: break
        case "active"?: filter.active = true
        case "disabled"?: filter.active = false
        default: throw AppError.badRequest("error.badInput")
        }
        filter.page = try UnitsAPI.intParameter(req, name: "page", in: 1...1_000_000) ?? 1
        let (users, total) = try await AccountAdmin.list(filter, on: req.db)
        let graph = try await req.unitGraph()
        let t = req.translator
        let page = AccountListPage.build(filter: filter, users: users.map { (Self.summary($0), $0.$unit.id.flatMap { graph.units[$0]?.fullName }) },
                                         total: total, page: PageChrome(request: req, title: t("admin.title")), text: t)
        return try await req.view.render("accounts/list", page)
    }

    func render(_ req: Request, account: User?, form: FormState, newPassword: String? = nil,
                status: HTTPResponseStatus = .ok) async throws -> Response {
        let graph = try await req.unitGraph()
        let t = req.translator
        let summary = account.map(Self.summary)
        let page = AccountEditPage.build(
            account: summary, unitName: account?.$unit.id.flatMap { graph.units[$0]?.fullName }, form: form, newPassword: newPassword,
            page: PageChrome(request: req, title: summary?.displayName ?? t("admin.newTitle")), text: t)
        return try await req.view.render("accounts/edit", page).encodeResponse(status: status, for: req)
    }

    @Sendable func newForm(req: Request) async throws -> Response {
        _ = try AccountAdmin.requireAdmin(req)
        return try await render(req, account: nil, form: FormState())
    }

    static func decode(_ req: Request) throws -> (Form, [String: String]) {
        let form: Form
        do { form = try req.content.decode(Form.self) } catch { throw AppError.badRequest("error.badInput") }
        let typed = ["username": form.username ?? "", "displayName": form.displayName ?? "", "role": form.role ?? "", "unit": form.unit ?? "",
                     "headsPolice": form.isHead ? "true" : ""]
        return (form, typed)
    }

    /// The new account's page, with its one-time password on this answer only.
    @Sendable func create(req: Request) async throws -> Response {
        let admin = try AccountAdmin.requireAdmin(req)
        let (form, typed) = try Self.decode(req)
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        do {
            let (user, password) = try await AccountAdmin.create(
                .init(username: form.username ?? "", displayName: form.displayName ?? "", role: form.role ?? "", unit: form.unit ?? "",
                      headsPolice: form.isHead),
                by: admin, graph: graph, today: today, on: req.db)
            let values = AccountEditPage.values(of: Self.summary(user), unitKey: Self.unitKey(user.$unit.id, graph: graph, today: today))
            return try await render(req, account: user, form: FormState(values: values), newPassword: password, status: .created)
        } catch let e as AppError where e.status == .unprocessableEntity {
            return try await render(req, account: nil, form: FormState(values: typed, errorKeys: e.fields, translator: req.translator),
                                    status: .unprocessableEntity)
        }
    }

    @Sendable func show(req: Request) async throws -> Response {
        _ = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        let graph = try await req.unitGraph()
        let values = AccountEditPage.values(of: Self.summary(user),
                                            unitKey: Self.unitKey(user.$unit.id, graph: graph, today: VietnamTime.localDate(of: Date())))
        return try await render(req, account: user, form: FormState(values: values))
    }

    @Sendable func update(req: Request) async throws -> Response {
        let admin = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        let (form, typed) = try Self.decode(req)
        do {
            try await AccountAdmin.update(user, with: .init(displayName: form.displayName ?? "", role: form.role ?? "", unit: form.unit ?? "",
                                                            headsPolice: form.isHead),
                                          by: admin, graph: try await req.unitGraph(), today: VietnamTime.localDate(of: Date()), on: req.db)
        } catch let e as AppError where e.status == .unprocessableEntity || e.status == .conflict {
            // The stored account is shown as it was; the form keeps what was typed.
            let fresh = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
            var state = FormState(values: typed, errorKeys: e.fields, translator: req.translator)
            if e.fields.isEmpty { state.message = req.t(e.key, e.arguments) }
            return try await render(req, account: fresh, form: state, status: e.status)
        }
        Flash.set(req, req.t("admin.saved", ["username": user.username]))
        return req.redirect(to: SiteURL.adminAccount(user.id?.uuidString ?? "").path, redirectType: .normal)
    }

    func setActive(_ req: Request, _ active: Bool) async throws -> Response {
        let admin = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        do {
            try await AccountAdmin.update(user, with: .init(active: active), by: admin, graph: graph, today: today, on: req.db)
        } catch let e as AppError where e.status == .conflict || e.status == .unprocessableEntity {
            let fresh = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
            var state = FormState(values: AccountEditPage.values(of: Self.summary(fresh), unitKey: Self.unitKey(fresh.$unit.id, graph: graph, today: today)))
            state.message = req.t(e.fields.isEmpty ? e.key : "admin.refusal.fixFirst")
            return try await render(req, account: fresh, form: state, status: e.status)
        }
        Flash.set(req, req.t(active ? "admin.enabled" : "admin.disabled", ["username": user.username]))
        return req.redirect(to: SiteURL.adminAccount(user.id?.uuidString ?? "").path, redirectType: .normal)
    }

    @Sendable func resetPassword(req: Request) async throws -> Response {
        let admin = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        let graph = try await req.unitGraph()
        var form = FormState(values: AccountEditPage.values(of: Self.summary(user),
                                                            unitKey: Self.unitKey(user.$unit.id, graph: graph, today: VietnamTime.localDate(of: Date()))))
        do {
            let password = try await AccountAdmin.resetPassword(user, by: admin, on: req.db)
            return try await render(req, account: user, form: form, newPassword: password)
        } catch let e as AppError where e.status == .conflict {
            form.message = req.t(e.key, e.arguments)
            return try await render(req, account: user, form: form, status: .conflict)
        }
    }
}
