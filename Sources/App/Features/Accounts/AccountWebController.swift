import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A person's own account: their password, their API tokens, signing out of every device.
struct AccountPage: Encodable {
    struct TokenRow: Encodable {
        var created: String
        var expires: String
        var state: String
        var revokeHref: String?
    }

    var page: PageChrome
    var displayName: String
    var username: String
    var role: String
    var unit: String?
    /// Only the password form: a reset password must be changed before anything else.
    var passwordOnly: Bool
    var passwordAction: String
    var passwordFields: [FormField]
    var form: FormState
    var tokens: [TokenRow]
    var tokensAction: String
    /// A token just made, shown this once.
    var newToken: String?
    var signOutEverywhereAction: String

    struct Input {
        var displayName: String
        var username: String
        var role: Role
        var unit: String?
        var passwordOnly: Bool
        var form: FormState
        var tokens: [(id: String, created: Date?, expires: Date, revoked: Date?)]
        var newToken: String?
        var now: Date
    }

    static func build(_ input: Input, page: PageChrome, text t: Translator) -> AccountPage {
        let blank = FormState(values: [:])
        var form = input.form
        form.values = [:] // A password is never written back into a page.
        var fields: [FormField] = [
            FormField.make("current", t("account.current"), .password, form: blank, required: true),
            FormField.make("new", t("account.new"), .password, form: blank, required: true,
                           hint: t("account.newHint", ["min": String(PasswordRules.minimumLength)])),
            FormField.make("confirm", t("account.confirm"), .password, form: blank, required: true),
        ]
        for i in fields.indices { fields[i].error = input.form.errors[fields[i].name] }
        let tokens = input.tokens.map { tk -> TokenRow in
            let state = tk.revoked != nil ? "revoked" : (tk.expires < input.now ? "expired" : "active")
            return TokenRow(created: tk.created.map(VietnamTime.display) ?? "—", expires: VietnamTime.display(tk.expires),
                            state: t("account.token.\(state)"), revokeHref: state == "active" ? SiteURL.tokenRevoke(tk.id).path : nil)
        }
        return AccountPage(
            page: page, displayName: input.displayName, username: input.username, role: t("role.\(input.role.rawValue)"),
            unit: input.unit, passwordOnly: input.passwordOnly, passwordAction: SiteURL.password.path, passwordFields: fields,
            form: form, tokens: tokens, tokensAction: SiteURL.tokens.path, newToken: input.newToken,
            signOutEverywhereAction: SiteURL.signOutEverywhere.path)
    }
}

struct AccountWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("account", use: show)
        routes.get("account", "password", use: passwordPage)
        routes.post("account", "password", use: changePassword)
        routes.post("account", "tokens", use: createToken)
        routes.post("account", "tokens", ":token", "revoke", use: revokeToken)
        routes.post("account", "sign-out-everywhere", use: signOutEverywhere)
    }

    func render(_ req: Request, user: User, form: FormState = FormState(), passwordOnly: Bool = false, newToken: String? = nil,
                status: HTTPResponseStatus = .ok) async throws -> Response {
        let graph = try await req.unitGraph()
        let tokens = try await APIToken.query(on: req.db).filter(\.$user.$id == user.requireID())
            .sort(\.$createdAt, .descending).limit(50).all()
        let t = req.translator
        let input = AccountPage.Input(
            displayName: user.displayName, username: user.username, role: user.role,
            unit: user.$unit.id.flatMap { graph.units[$0]?.fullName }, passwordOnly: passwordOnly || user.mustChangePassword,
            form: form, tokens: tokens.map { (id: $0.id?.uuidString ?? "", created: $0.createdAt, expires: $0.expiresAt, revoked: $0.revokedAt) },
            newToken: newToken, now: Date())
        let page = AccountPage.build(input, page: PageChrome(request: req, title: t("account.title")), text: t)
        return try await req.view.render("accounts/account", page).encodeResponse(status: status, for: req)
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await render(req, user: try req.requireUser())
    }

    @Sendable func passwordPage(req: Request) async throws -> Response {
        try await render(req, user: try req.requireUser(), passwordOnly: true)
    }

    struct PasswordForm: Vapor.Content {
        var current: String?
        var new: String?
        var confirm: String?
    }

    /// A new password: the current one asked again, the rules of `PasswordRules`; every other session ends.
    @Sendable func changePassword(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form: PasswordForm
        do { form = try req.content.decode(PasswordForm.self) } catch { throw AppError.badRequest("error.badInput") }
        let new = form.new ?? ""
        let current = (try? Bcrypt.verify(form.current ?? "", created: user.passwordHash)) ?? false
        let same = (try? Bcrypt.verify(new, created: user.passwordHash)) ?? false
        let errors = PasswordRules.check(new: new, confirm: form.confirm ?? "", username: user.username,
                                         currentMatches: current, sameAsOld: same)
        guard errors.isEmpty else {
            return try await render(req, user: user, form: FormState(values: [:], errorKeys: errors, translator: req.translator),
                                    passwordOnly: req.url.query == nil && user.mustChangePassword, status: .unprocessableEntity)
        }
        let now = Date()
        user.passwordHash = try Bcrypt.hash(new)
        user.mustChangePassword = false
        user.sessionsValidAfter = now
        try await req.db.audited { tx in
            try await user.update(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "password.change", entity: "user", entityID: user.id?.uuidString)
        }
        // This session goes on; every other one is over.
        SessionTimeout.start(req.session, at: now)
        Flash.set(req, req.t("account.passwordChanged"))
        return req.redirect(to: SiteURL.account.path, redirectType: .normal)
    }

    @Sendable func createToken(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let (token, _) = try await AuthAPI.issueToken(for: user, on: req)
        // Shown on this answer only; the database keeps its hash.
        return try await render(req, user: user, newToken: token, status: .created)
    }

    @Sendable func revokeToken(req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let id = req.parameters.get("token").flatMap(UUID.init(uuidString:)),
              let token = try await APIToken.query(on: req.db).filter(\.$id == id).filter(\.$user.$id == user.requireID()).first() else {
            throw AppError.notFound("error.tokenNotFound")
        }
        if token.revokedAt == nil {
            token.revokedAt = Date()
            try await req.db.audited { tx in
                try await token.update(on: tx)
                try await AuditLog.record(on: tx, actor: user.username, action: "token.revoke", entity: "api_token", entityID: id.uuidString)
            }
        }
        Flash.set(req, req.t("account.tokenRevoked"))
        return req.redirect(to: SiteURL.account.path, redirectType: .normal)
    }

    /// Ends every session of this account, this one too.
    @Sendable func signOutEverywhere(req: Request) async throws -> Response {
        let user = try req.requireUser()
        user.sessionsValidAfter = Date().addingTimeInterval(1)
        try await req.db.audited { tx in
            try await user.update(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "session.signOutEverywhere", entity: "user", entityID: user.id?.uuidString)
        }
        req.auth.logout(User.self)
        req.session.destroy()
        return req.redirect(to: SiteURL.signIn(next: nil).path, redirectType: .normal)
    }
}
