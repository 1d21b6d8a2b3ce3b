import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The officers' side on the web: the inbox with filters and bulk actions, a tip's page with its actions, the
/// files, and e-mail on new tips.
struct TipInboxController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("tips", use: inbox)
        routes.post("tips", "bulk", use: bulk)
        routes.get("tips", ":tip", use: detail)
        routes.post("tips", ":tip", "contact", use: revealContact)
        routes.post("tips", ":tip", ":action", use: act)
        routes.get("tips", ":tip", "files", ":file", use: file)
        routes.get("account", "tip-mail", use: subscription)
        routes.post("account", "tip-mail", use: subscribe)
    }

    static func officer(_ req: Request) throws -> User {
        let user = try req.requireUser()
        guard Permissions.handlesTips(user.role) else { throw AppError.forbidden }
        return user
    }

    /// The inbox's filter from the query; a wrong value is a 400 that says which.
    static func filter(_ req: Request, graph: UnitGraph) throws -> TipService.Filter {
        var f = TipService.Filter()
        if let s = try? req.query.get(String.self, at: "status"), !s.isEmpty {
            guard s == "open" || s == "all" || TipStatus(rawValue: s) != nil else { throw AppError.badRequest("error.badInput") }
            f.status = s
        }
        if let c = try? req.query.get(String.self, at: "commune"), !c.isEmpty {
            guard let id = UUID(uuidString: c), graph.units[id]?.level == .commune else { throw AppError.notFound("error.unitNotFound") }
            f.commune = id
        }
        if let a = try? req.query.get(String.self, at: "assigned"), !a.isEmpty {
            guard a == "me" || a == "none" else { throw AppError.badRequest("error.badInput") }
            f.assigned = a
        }
        if let q = try? req.query.get(String.self, at: "q") {
            let trimmed = q.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= 200 else { throw AppError.badRequest("error.badInput") }
            f.text = trimmed.isEmpty ? nil : trimmed
        }
        f.page = try UnitsAPI.intParameter(req, name: "page", in: 1...1_000_000) ?? 1
        return f
    }

    /// Accounts that may be given tips of these communes: their police.
    static func assignees(communes: [UUID], graph: UnitGraph, today: LocalDate, on db: any Database) async throws -> [(UUID, String)] {
        let users = try await User.query(on: db).filter(\.$active == true).filter(\.$role == Role.communeOfficer)
            .sort(\.$displayName).all()
        // The one rule assigning checks (`TipService.act`): an account offered here is never refused there.
        return users.filter { u in
            let reach = u.reach(graph)
            return communes.contains { Permissions.canHandleTip(role: u.role, reach: reach, commune: $0, village: nil, receivedOn: today) }
        }.compactMap { u in u.id.map { ($0, u.displayName) } }
    }

    static func names(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let users = try await User.query(on: db).filter(\.$id ~~ Array(Set(ids))).all()
        return Dictionary(users.compactMap { u in u.id.map { ($0, u.displayName) } }, uniquingKeysWith: { a, _ in a })
    }

    @Sendable func inbox(req: Request) async throws -> View {
        let user = try Self.officer(req)
        let graph = try await req.unitGraph()
        let filter = try Self.filter(req, graph: graph)
        let (tips, total) = try await TipService.inbox(filter, user: user, graph: graph, pageSize: TipInboxPage.pageSize, on: req.db)
        let names = try await Self.names(tips.compactMap(\.assignedTo), on: req.db)
        let t = req.translator
        let now = Date()
        let today = VietnamTime.localDate(of: now)
        let reach = user.reach(graph)
        let communes = graph.units(at: .commune, on: today).filter { reach.includes(commune: $0.id, village: nil, on: today) }
            .sorted(by: UnitGraph.naturalOrder)
        let assignees = user.role == .communeOfficer || communes.count <= 5
            ? try await Self.assignees(communes: communes.map(\.id), graph: graph, today: today, on: req.db) : []
        let page = TipInboxPage.build(filter: filter, rows: tips.map { TipInboxPage.row($0, graph: graph, names: names, now: now, text: t) },
                                      total: total, communes: communes.count > 200 ? [] : communes, assignees: assignees,
                                      page: PageChrome(request: req, title: t("tips.inbox")), text: t)
        return try await req.view.render("tips/inbox", page)
    }

    func renderDetail(_ req: Request, tip: Tip, user: User, graph: UnitGraph, form: FormState, contact shown: String? = nil,
                      status: HTTPResponseStatus = .ok) async throws -> Response {
        let now = Date()
        let today = VietnamTime.localDate(of: now)
        let messages = try await TipService.messages(of: tip, on: req.db)
        let files = try await TipService.files(of: tip, on: req.db)
        let history = try await AuditEntry.query(on: req.db).filter(\.$entity == "tip").filter(\.$entityID == tip.id?.uuidString)
            .sort(\.$seq).all()
        var assignees: [(UUID, String)] = []
        if let c = tip.communeID { assignees = try await Self.assignees(communes: [c], graph: graph, today: today, on: req.db) }
        var assignee: String?
        if let a = tip.assignedTo { assignee = try await Self.names([a], on: req.db)[a] }
        // Where it may go: the communes of its province today (all of the province's, for the secretariat's queue).
        let province = tip.communeID.flatMap { graph.ancestor(of: $0, at: .province, on: today) }
            ?? user.$unit.id.flatMap { graph.ancestor(of: $0, at: .province, on: today) ?? (graph.units[$0]?.level == .province ? $0 : nil) }
        var communes = graph.units(at: .commune, on: today, under: province).sorted(by: UnitGraph.naturalOrder)
        // Too many to list: the form asks for a commune's code instead.
        if communes.count > 300 { communes = [] }
        let contact: TipDetailPage.Contact = if let shown { .shown(shown) } else if tip.contactSealed == nil { .none } else {
            .sealed(canReveal: Permissions.canRevealTipContact(role: user.role, account: user.id, headsPolice: user.headsPolice, assignee: tip.assignedTo))
        }
        let input = TipDetailPage.Input(tip: tip, graph: graph, contact: contact,
                                        assignee: assignee, messages: messages, files: files, history: history, assignees: assignees,
                                        communes: communes, now: now)
        let page = TipDetailPage.build(input, form: form, page: PageChrome(request: req, title: req.t("tips.detailHeading", ["ref": tip.reference])),
                                       text: req.translator)
        return try await req.view.render("tips/detail", page).encodeResponse(status: status, for: req)
    }

    @Sendable func detail(req: Request) async throws -> Response {
        let user = try Self.officer(req)
        let graph = try await req.unitGraph()
        let tip = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        return try await renderDetail(req, tip: tip, user: user, graph: graph, form: FormState())
    }

    /// The action a form or the API names, from its fields; a commune to transfer to may be named by its code.
    static func action(_ name: String, values given: [String: String], graph: UnitGraph) throws -> TipAction {
        var v = given
        if let to = v["to"]?.trimmingCharacters(in: .whitespaces), !to.isEmpty, UUID(uuidString: to) == nil {
            guard let unit = UnitService.find(to, on: VietnamTime.localDate(of: Date()), in: graph) else {
                throw AppError(.unprocessableEntity, "tips.action.invalid", fields: ["to": "field.unknownCommune"])
            }
            v["to"] = unit.id.uuidString
        }
        func id(_ field: String) throws -> UUID {
            guard let raw = v[field], let id = UUID(uuidString: raw) else {
                throw AppError(.unprocessableEntity, "tips.action.invalid", fields: [field: "field.required"])
            }
            return id
        }
        switch name {
        case "assign": return .assign(try id("assignee"))
        case "transfer": return .transfer(try id("to"))
        case "message": return .message(v["message"] ?? "")
        case "status":
            guard let s = v["status"].flatMap(TipStatus.init(rawValue:)) else {
                throw AppError(.unprocessableEntity, "tips.action.invalid", fields: ["status": "field.notAllowed"])
            }
            return .setStatus(s)
        default: throw AppError.notFound()
        }
    }

    @Sendable func act(req: Request) async throws -> Response {
        let user = try Self.officer(req)
        let graph = try await req.unitGraph()
        let tip = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        let values = try RecordsWebController.values(req)
        let t = req.translator
        do {
            let action = try Self.action(req.parameters.get("action") ?? "", values: values, graph: graph)
            try await TipService.act(action, on: tip, user: user, graph: graph, context: req.application.tips, on: req.db)
        } catch let e as AppError where e.status == .unprocessableEntity || e.status == .conflict {
            var form = FormState(values: values, errorKeys: e.fields, translator: t)
            if e.fields.isEmpty { form.message = t(e.key, e.arguments) }
            // Shown as it is stored now: a refusal because another officer has just closed it must not sit on the
            // page of it still open that this officer read before.
            let stored = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
            return try await renderDetail(req, tip: stored, user: user, graph: graph, form: form, status: e.status)
        }
        Flash.set(req, t("tips.saved"))
        // A tip passed to a commune this account does not hold leaves its inbox.
        let stillMine = TipService.canHandle(tip, user: user, graph: graph)
        return req.redirect(to: stillMine ? SiteURL.tipDetail(tip.id?.uuidString ?? "").path : SiteURL.tips(TipService.Filter()).path,
                            redirectType: .normal)
    }

    /// The citizen's contact details, to the officer the tip is assigned to, on this answer only, audited.
    @Sendable func revealContact(req: Request) async throws -> Response {
        let user = try Self.officer(req)
        let graph = try await req.unitGraph()
        let tip = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        do {
            let contact = try await TipService.revealContact(tip, user: user, graph: graph, context: req.application.tips, on: req.db)
            return try await renderDetail(req, tip: tip, user: user, graph: graph, form: FormState(), contact: contact)
        } catch let e as AppError where e.status == .forbidden || e.status == .conflict {
            var form = FormState()
            form.message = req.t(e.key)
            return try await renderDetail(req, tip: tip, user: user, graph: graph, form: form, status: e.status)
        }
    }

    /// Several tips at once: given to one account, resolved, or closed as unfounded; each by the same rules as one.
    @Sendable func bulk(req: Request) async throws -> Response {
        let user = try Self.officer(req)
        let graph = try await req.unitGraph()
        let values = try RecordsWebController.values(req)
        let ids = values.filter { $0.key.hasPrefix("tip.") && $0.value == "true" }.compactMap { UUID(uuidString: String($0.key.dropFirst(4))) }
        let action: TipAction
        switch values["do"] {
        case "assign":
            guard let raw = values["assignee"], let id = UUID(uuidString: raw) else { throw AppError.badRequest("tips.bulk.noAssignee") }
            action = .assign(id)
        case "resolved": action = .setStatus(.resolved)
        case "unfounded": action = .setStatus(.unfounded)
        default: throw AppError.badRequest("error.badInput")
        }
        guard !ids.isEmpty else { throw AppError.badRequest("tips.bulk.none") }
        guard ids.count <= TipInboxPage.pageSize else { throw AppError.badRequest("error.badInput") }
        var done = 0
        for id in ids {
            guard let tip = try await Tip.find(id, on: req.db), TipService.canHandle(tip, user: user, graph: graph) else { continue }
            do {
                try await TipService.act(action, on: tip, user: user, graph: graph, context: req.application.tips, on: req.db)
                done += 1
            } catch let e as AppError where e.status.code < 500 {
                continue
            }
        }
        Flash.set(req, req.t("tips.bulk.done", ["done": String(done), "count": String(ids.count)]))
        return req.redirect(to: SiteURL.tips(TipService.Filter()).path, redirectType: .normal)
    }

    /// A tip's file, to officers who work the tip: as an attachment, never shown inline, its type as read.
    @Sendable func file(req: Request) async throws -> Response {
        let user = try Self.officer(req)
        let graph = try await req.unitGraph()
        let tip = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        guard let id = req.parameters.get("file").flatMap(UUID.init(uuidString:)),
              let f = try await TipFile.find(id, on: req.db), f.tipID == tip.id,
              let kind = AttachmentKind(rawValue: f.kind), let data = req.application.tips.files.read(f.storedName) else {
            throw AppError.notFound()
        }
        return FileStore.download(data, kind: kind, name: "tip-\(tip.reference)-\(f.reference)")
    }

    // MARK: E-mail

    struct SubscriptionPage: Encodable {
        var page: PageChrome
        var form: FormState
        var fields: [FormField]
        var action: String
        var available: Bool
        var subscribed: String?
    }

    func renderSubscription(_ req: Request, user: User, form: FormState? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let existing = try await TipSubscription.query(on: req.db).filter(\.$userID == user.requireID()).first()
        let state = form ?? FormState(values: ["email": existing?.email ?? ""])
        let t = req.translator
        let page = SubscriptionPage(page: PageChrome(request: req, title: t("tips.mail.title")), form: state,
                                    fields: [.make("email", t("tips.mail.email"), .text, form: state, hint: t("tips.mail.hint"))],
                                    action: SiteURL.tipSubscription.path, available: req.application.config.smtp != nil,
                                    subscribed: existing.map { t("tips.mail.subscribed", ["email": $0.email]) })
        return try await req.view.render("tips/mail", page).encodeResponse(status: status, for: req)
    }

    @Sendable func subscription(req: Request) async throws -> Response {
        try await renderSubscription(req, user: try Self.officer(req))
    }

    /// An address to write to, or none (empty) to stop.
    @Sendable func subscribe(req: Request) async throws -> Response {
        let user = try Self.officer(req)
        let values = try RecordsWebController.values(req)
        let email = (values["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let existing = try await TipSubscription.query(on: req.db).filter(\.$userID == user.requireID()).first()
        if email.isEmpty {
            try await existing?.delete(on: req.db)
            Flash.set(req, req.t("tips.mail.stopped"))
            return req.redirect(to: SiteURL.tipSubscription.path, redirectType: .normal)
        }
        guard Self.isEmail(email) else {
            let form = FormState(values: values, errorKeys: ["email": "tips.mail.invalid"], translator: req.translator)
            return try await renderSubscription(req, user: user, form: form, status: .unprocessableEntity)
        }
        let s = existing ?? TipSubscription()
        s.userID = try user.requireID()
        s.email = email
        try await s.save(on: req.db)
        try await AuditLog.record(on: req.db, actor: user.username, action: "tip.subscribe", entity: "user", entityID: user.id?.uuidString)
        Flash.set(req, req.t("tips.mail.saved"))
        return req.redirect(to: SiteURL.tipSubscription.path, redirectType: .normal)
    }

    /// One address, plain: a local part, an @, a domain with a dot; no spaces, no line breaks, no angle brackets.
    static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard s.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return !s.contains { $0.isWhitespace || "<>()[],;:\"\\".contains($0) || $0.asciiValue == nil }
    }
}

extension TipFile {
    var reference: String { String((id?.uuidString ?? "").prefix(8)) }
}

/// Counts the tips waiting for a signed-in officer before a page is drawn, for the count in the header.
struct WaitingTips: AsyncMiddleware {
    struct Key: StorageKey { typealias Value = Int }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .GET, let user = request.auth.get(User.self), Permissions.handlesTips(user.role) {
            let graph = try await request.unitGraph()
            request.storage[Key.self] = try await TipService.waiting(user: user, graph: graph, on: request.db)
        }
        return try await next.respond(to: request)
    }
}
