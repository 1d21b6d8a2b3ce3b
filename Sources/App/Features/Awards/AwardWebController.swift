import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Nominations, the council and decisions, certificates, and the admin's award forms.
struct AwardWebController: RouteCollection {
    static let maxBody = PublicTipController.maxBody

    func boot(routes: any RoutesBuilder) throws {
        routes.get("movements", ":movement", "nominations", use: list)
        routes.get("movements", ":movement", "nominations", "new", use: new)
        routes.on(.POST, "movements", ":movement", "nominations", "new", body: .collect(maxSize: Self.maxBody), use: propose)
        routes.get("nominations", ":nomination", use: show)
        routes.on(.POST, "nominations", ":nomination", ":step", body: .collect(maxSize: Self.maxBody), use: step)
        routes.get("nominations", ":nomination", "files", ":file", use: file)
        routes.get("movements", ":movement", "decisions", use: decisions)
        routes.get("movements", ":movement", "decisions.pdf", use: decisionsPDF)
        routes.get("nominations", ":nomination", "certificate", use: certificate)
        routes.get("nominations", ":nomination", "certificate.pdf", use: certificatePDF)
        routes.get("admin", "award-forms", use: forms)
        routes.post("admin", "award-forms", use: addForm)
        routes.post("admin", "award-forms", ":form", use: editForm)
    }

    static func today() -> LocalDate { VietnamTime.localDate(of: Date()) }

    static func movement(_ req: Request) async throws -> (Movement, Plan) {
        guard let key = req.parameters.get("movement"), let found = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        return found
    }

    /// Anyone who works with communes' data may look; team leaders do not.
    static func reader(_ req: Request) throws -> User {
        let user = try req.requireUser()
        guard user.role != .teamLeader else { throw AppError.forbidden }
        return user
    }

    @Sendable func list(req: Request) async throws -> View {
        let user = try Self.reader(req)
        let (movement, plan) = try await Self.movement(req)
        let graph = try await req.unitGraph()
        let asked = (try? req.query.get(String.self, at: "status")).flatMap { $0.isEmpty ? nil : $0 }
        let status = asked.flatMap(NominationStatus.init(rawValue:))
        if let asked, status == nil { throw AppError.badRequest("award.badStatus", ["value": asked]) }
        let query = Nomination.query(on: req.db).filter(\.$movementID == (try movement.requireID())).sort(\.$updatedAt, .descending)
        if let status { query.filter(\.$state == status) }
        let today = Self.today()
        let visible = try await query.all().filter { AwardService.canSee($0, user: user, graph: graph, today: today) }
        let forms = Dictionary(try await AwardService.forms(on: req.db).compactMap { f in f.id.map { ($0, f) } }, uniquingKeysWith: { a, _ in a })
        // An officer proposes for the commune of the account; the committee for any, chosen on the next page.
        let own = user.$unit.id.flatMap { graph.units[$0] }.flatMap { $0.level == .commune ? $0 : nil }
        let newHref = Permissions.isCommittee(user.role) || (own != nil && Permissions.writesCommuneData(user.role))
            ? SiteURL.newNomination(plan.id, unit: own.map { $0.code ?? $0.id.uuidString }, form: nil, nominee: nil).path : nil
        return try await req.view.render("awards/list", NominationsPage.build(
            plan: plan, nominations: visible, forms: forms, graph: graph, status: status?.rawValue, newHref: newHref, isAdmin: user.role == .admin,
            page: PageChrome(request: req, title: req.t("award.listTitle")), text: req.translator))
    }

    /// The commune a new nomination is for: the one named, or the account's; the committee chooses among all.
    static func commune(_ req: Request, plan: Plan, graph: UnitGraph) throws -> UnitInfo? {
        let today = Self.today()
        guard let key = (try? req.query.get(String.self, at: "unit")).flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        guard let unit = UnitService.find(key, on: today, in: graph), unit.level == .commune,
              Participation.participants(plan: plan, structureDate: min(today, unit.validTo ?? today), graph: graph).contains(where: { $0.id == unit.id })
        else { throw AppError.notFound("error.unitNotFound") }
        return unit
    }

    func renderNew(_ req: Request, sent: FormState?) async throws -> Response {
        let user = try Self.reader(req)
        let (movement, plan) = try await Self.movement(req)
        let graph = try await req.unitGraph()
        let today = Self.today()
        guard let commune = try Self.commune(req, plan: plan, graph: graph) else {
            // The committee first picks the commune.
            guard Permissions.isCommittee(user.role) else { throw AppError.notFound("error.unitNotFound") }
            let communes = Participation.participants(plan: plan, structureDate: plan.phase(nearest: today).map { $0.structureDate(near: today) } ?? today,
                                                      graph: graph)
            let page = CommunePickPage(page: PageChrome(request: req, title: req.t("award.newTitle")), heading: req.t("award.pickCommune"),
                                       links: communes.map { PageLink(label: $0.fullName, href: SiteURL.newNomination(plan.id, unit: $0.code ?? $0.id.uuidString,
                                                                                                                     form: nil, nominee: nil).path, current: false) })
            return try await req.view.render("awards/pick", page).encodeResponse(for: req)
        }
        let day = min(today, commune.validTo ?? today)
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: commune.id, on: day) else { throw AppError.forbidden }
        let forms = try await AwardService.forms(activeOnly: true, on: req.db)
        let nominees = try await AwardService.nominees(of: commune, on: day, graph: graph, db: req.db)
        let formKey = (try? req.query.get(String.self, at: "form")).flatMap { $0.isEmpty ? nil : $0 }
        let nomineeKey = (try? req.query.get(String.self, at: "nominee")).flatMap { $0.isEmpty ? nil : $0 }
        var evidence: NominationEvidence?
        var chooseErrors: [String: String] = [:]
        let form = forms.first { $0.id?.uuidString == formKey }
        let nominee = nominees.first { "\($0.kind.rawValue):\($0.id.uuidString)" == nomineeKey }
        if formKey != nil || nomineeKey != nil {
            if form == nil { chooseErrors["form"] = formKey == nil ? "field.required" : "field.notAllowed" }
            if nominee == nil { chooseErrors["nominee"] = nomineeKey == nil ? "field.required" : "field.notAllowed" }
            if let form, let nominee, !form.nominee.accepts(nominee.kind) { chooseErrors["nominee"] = "award.nomineeKind" }
            if chooseErrors.isEmpty, let nominee {
                evidence = try await AwardService.evidence(for: nominee, commune: commune, movement: movement, plan: plan, graph: graph,
                                                           today: today, on: req.db, cache: req.application.resultsCache)
            }
        }
        var page = NominationNewPage.build(plan: plan, commune: commune, forms: forms, nominees: nominees, chosenForm: formKey, chosenNominee: nomineeKey,
                                           evidence: evidence, form: sent, page: PageChrome(request: req, title: req.t("award.newTitle")),
                                           text: req.translator)
        if !chooseErrors.isEmpty {
            page.chooseFields = page.chooseFields.map { f in var f = f; f.error = chooseErrors[f.name].map { req.t($0) }; return f }
        }
        let response = try await req.view.render("awards/new", page).encodeResponse(for: req)
        if sent != nil || !chooseErrors.isEmpty { response.status = .unprocessableEntity }
        return response
    }

    @Sendable func new(req: Request) async throws -> Response { try await renderNew(req, sent: nil) }

    struct ProposalForm: Decodable {
        var form: String?
        var nominee: String?
        var achievement: String?
        var files: [File]?
    }

    @Sendable func propose(req: Request) async throws -> Response {
        let user = try Self.reader(req)
        let (movement, plan) = try await Self.movement(req)
        let graph = try await req.unitGraph()
        guard let commune = try Self.commune(req, plan: plan, graph: graph) else { throw AppError.notFound("error.unitNotFound") }
        let input = (try? req.content.decode(ProposalForm.self)) ?? ProposalForm()
        do {
            let n = try await AwardService.propose(movement: movement, plan: plan, commune: commune, form: input.form, nominee: input.nominee,
                                                   achievement: input.achievement ?? "", files: (input.files ?? []).map { Array($0.data.readableBytesView) },
                                                   user: user, graph: graph, today: Self.today(), store: req.nominationFiles, on: req.db,
                                                   cache: req.application.resultsCache)
            Flash.set(req, req.t("award.proposed", ["nominee": n.nomineeName]))
            return req.redirect(to: SiteURL.nomination(try n.requireID().uuidString).path, redirectType: .normal)
        } catch let error as AppError where !error.fields.isEmpty {
            var keys = error.fields
            if keys["files"] == nil, !(input.files ?? []).isEmpty { keys["files"] = "tips.file.again" }
            return try await renderNew(req, sent: FormState(values: ["achievement": input.achievement ?? ""], errorKeys: keys, translator: req.translator))
        }
    }

    func render(_ req: Request, nomination n: Nomination, sent: (action: String, form: FormState)?) async throws -> Response {
        let user = try Self.reader(req)
        let graph = try await req.unitGraph()
        let today = Self.today()
        guard AwardService.canSee(n, user: user, graph: graph, today: today) else { throw AppError.forbidden }
        guard let movement = try await Movement.find(n.movementID, on: req.db) else { throw AppError.notFound("error.movementNotFound") }
        let plan = try movement.plan()
        let form = try await AwardForm.find(n.awardFormID, on: req.db)
        let id = try n.requireID()
        let history = try await AuditEntry.query(on: req.db).filter(\.$entity == "nomination").filter(\.$entityID == id.uuidString).sort(\.$seq).all()
        // The steps that follow from where it stands and that this account may take.
        let samples: [NominationStep] = [.edit, .resubmit, .toCouncil, .vote(votesFor: 1, against: 0, abstain: 0, note: ""),
                                         .decide(number: "x", date: today, authority: "x", signerTitle: "x", signer: "x"), .returnToCommune(reason: "xxxxx"), .reject(reason: "xxxxx")]
        let steps = Set(samples.filter { step in
            guard AwardService.canAct(step, on: n, user: user, graph: graph, today: today) else { return false }
            if case .decide = step { return n.state == .inReview && n.votes != nil }
            if case .success = AwardRules.next(n.state, step, votes: n.votes ?? (1, 0, 0)) { return true }
            return false
        }.map(\.name))
        let page = NominationPage.build(.init(plan: plan, nomination: n, form: form, commune: graph.units[n.communeID]?.fullName ?? "",
                                              files: try await AwardService.files(of: n, on: req.db), history: history, steps: steps, sent: sent),
                                        page: PageChrome(request: req, title: n.nomineeName), text: req.translator)
        let response = try await req.view.render("awards/show", page).encodeResponse(for: req)
        if sent != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await render(req, nomination: try await AwardService.nomination(req.parameters.get("nomination"), on: req.db), sent: nil)
    }

    struct StepForm: Decodable {
        var achievement: String?
        var reason: String?
        var votesFor: String?
        var votesAgainst: String?
        var votesAbstain: String?
        var note: String?
        var number: String?
        var date: String?
        var signer: String?
        var authority: String?
        var signerTitle: String?
        var files: [File]?
    }

    @Sendable func step(req: Request) async throws -> Response {
        let user = try Self.reader(req)
        let n = try await AwardService.nomination(req.parameters.get("nomination"), on: req.db)
        let graph = try await req.unitGraph()
        let f = (try? req.content.decode(StepForm.self)) ?? StepForm()
        let today = Self.today()
        var errors: [String: String] = [:]
        func count(_ raw: String?, _ field: String) -> Int {
            guard let raw, let n = Int(raw.trimmingCharacters(in: .whitespaces)) else { errors[field] = "field.wholeNumber"; return 0 }
            return n
        }
        let step: NominationStep
        switch req.parameters.get("step") ?? "" {
        case "edit": step = .edit
        case "resubmit": step = .resubmit
        case "council": step = .toCouncil
        case "return": step = .returnToCommune(reason: f.reason ?? "")
        case "reject": step = .reject(reason: f.reason ?? "")
        case "vote":
            step = .vote(votesFor: count(f.votesFor, "votesFor"), against: count(f.votesAgainst, "votesAgainst"),
                         abstain: count(f.votesAbstain, "votesAbstain"), note: f.note ?? "")
        case "decide":
            let date = f.date.flatMap(LocalDate.init(iso:))
            if date == nil { errors["date"] = (f.date ?? "").isEmpty ? "field.required" : "field.date" }
            step = .decide(number: f.number ?? "", date: date ?? today, authority: f.authority ?? "", signerTitle: f.signerTitle ?? "",
                           signer: f.signer ?? "")
        default: throw AppError.notFound()
        }
        let values = ["achievement": f.achievement ?? "", "reason": f.reason ?? "", "votesFor": f.votesFor ?? "", "votesAgainst": f.votesAgainst ?? "",
                      "votesAbstain": f.votesAbstain ?? "", "note": f.note ?? "", "number": f.number ?? "", "date": f.date ?? "", "signer": f.signer ?? "",
                      "authority": f.authority ?? "", "signerTitle": f.signerTitle ?? ""]
        do {
            guard errors.isEmpty else { throw AppError(.unprocessableEntity, "records.invalid", fields: errors) }
            let done = try await AwardService.act(step, on: try n.requireID(), achievement: f.achievement,
                                                  files: (f.files ?? []).map { Array($0.data.readableBytesView) }, user: user, graph: graph,
                                                  today: today, store: req.nominationFiles, on: req.db)
            Flash.set(req, req.t("award.done.\(step.name)", ["nominee": done.nomineeName]))
            return req.redirect(to: SiteURL.nomination(try done.requireID().uuidString).path, redirectType: .normal)
        } catch let error as AppError where !error.fields.isEmpty {
            return try await render(req, nomination: n, sent: (req.url.path, FormState(values: values, errorKeys: error.fields, translator: req.translator)))
        }
    }

    @Sendable func file(req: Request) async throws -> Response {
        let user = try Self.reader(req)
        let n = try await AwardService.nomination(req.parameters.get("nomination"), on: req.db)
        guard AwardService.canSee(n, user: user, graph: try await req.unitGraph(), today: Self.today()) else { throw AppError.forbidden }
        guard let id = req.parameters.get("file").flatMap(UUID.init(uuidString:)), let f = try await NominationFile.find(id, on: req.db),
              f.nominationID == n.id, let kind = AttachmentKind(rawValue: f.kind), let data = req.nominationFiles.read(f.storedName) else {
            throw AppError.notFound()
        }
        return FileStore.download(data, kind: kind, name: "nomination-\(f.purpose)")
    }

    // MARK: Decisions and certificates

    static func decided(_ req: Request) async throws -> (Plan, [DecisionsPage.Group]) {
        let user = try reader(req)
        let (movement, plan) = try await movement(req)
        let graph = try await req.unitGraph()
        let today = today()
        let decided = try await Nomination.query(on: req.db).filter(\.$movementID == (try movement.requireID()))
            .filter(\.$state == .decided).all().filter { AwardService.canSee($0, user: user, graph: graph, today: today) }
        return (plan, DecisionsPage.groups(decided, forms: try await AwardService.forms(on: req.db), graph: graph, text: req.translator))
    }

    @Sendable func decisions(req: Request) async throws -> View {
        let (plan, groups) = try await Self.decided(req)
        return try await req.view.render("awards/decisions", DecisionsPage.build(plan: plan, groups: groups,
                                                                                   page: PageChrome(request: req, title: req.t("award.decisionsTitle")),
                                                                                   text: req.translator))
    }

    @Sendable func decisionsPDF(req: Request) async throws -> Response {
        let (plan, groups) = try await Self.decided(req)
        let t = req.translator
        let doc = PDFDocument(fonts: try DocumentFonts.load(resources: req.application.config.resourcesDirectory), size: .a4Landscape,
                              margin: (42, 42, 42, 42))
        doc.paragraph(.init(text: plan.organiser.name.uppercased(), style: .bold, size: 11, align: .center), after: 6)
        doc.paragraph(.init(text: t("award.decisionsHeading", ["theme": plan.theme]), style: .bold, size: 14, align: .center), after: 12)
        if groups.isEmpty { doc.paragraph(.init(text: t("award.noDecisions"), size: 12)) }
        for g in groups {
            doc.paragraph(.init(text: "\(g.form) (\(g.authority))", style: .bold, size: 12), after: 4)
            doc.table(header: DecisionsPage.columns(t), rows: g.rows, widths: [0.05, 0.22, 0.1, 0.19, 0.14, 0.1, 0.2], size: 10, numeric: [0])
        }
        return Self.pdfResponse(try doc.data(), name: "quyet-dinh-\(plan.id)")
    }

    static func pdfResponse(_ data: Data, name: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: "application/pdf")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).pdf\"")
        return response
    }

    /// The place a certificate names before its date: the movement's area ("Uông Bí"), by its first unit's name.
    static func place(plan: Plan, graph: UnitGraph) -> String {
        plan.area.first.flatMap { graph.unitsByCode[$0]?.last?.name } ?? plan.organiser.shortName ?? ""
    }

    static func certificatePage(_ req: Request) async throws -> CertificatePage {
        let user = try reader(req)
        let n = try await AwardService.nomination(req.parameters.get("nomination"), on: req.db)
        let graph = try await req.unitGraph()
        guard AwardService.canSee(n, user: user, graph: graph, today: today()) else { throw AppError.forbidden }
        guard n.state == .decided else { throw AppError(.notFound, "award.notDecided") }
        guard let movement = try await Movement.find(n.movementID, on: req.db) else { throw AppError.notFound("error.movementNotFound") }
        // The certificate is a Vietnamese document whatever the page's language.
        return CertificatePage.build(plan: try movement.plan(), nomination: n, form: try await AwardForm.find(n.awardFormID, on: req.db),
                                     commune: graph.units[n.communeID]?.fullName ?? "", place: Self.place(plan: try movement.plan(), graph: graph),
                                     page: PageChrome(request: req, title: n.nomineeName),
                                     text: ReportWebController.document(req))
    }

    @Sendable func certificate(req: Request) async throws -> View {
        try await req.view.render("awards/certificate", try await Self.certificatePage(req))
    }

    @Sendable func certificatePDF(req: Request) async throws -> Response {
        let page = try await Self.certificatePage(req)
        return Self.pdfResponse(try page.pdf(fonts: try DocumentFonts.load(resources: req.application.config.resourcesDirectory)), name: "giay-chung-nhan")
    }

    // MARK: Award forms (the admin's)

    static func admin(_ req: Request) throws -> User {
        let user = try req.requireUser()
        guard user.role == .admin else { throw AppError.forbidden }
        return user
    }

    func renderForms(_ req: Request, sent: (action: String, form: FormState)?) async throws -> Response {
        _ = try Self.admin(req)
        let page = AwardFormsPage.build(forms: try await AwardService.forms(on: req.db), sent: sent,
                                        page: PageChrome(request: req, title: req.t("award.formsTitle")), text: req.translator)
        let response = try await req.view.render("awards/forms", page).encodeResponse(for: req)
        if sent != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable func forms(req: Request) async throws -> Response { try await renderForms(req, sent: nil) }

    struct FormInput: Decodable {
        var name: String?
        var nominee: String?
        var authority: String?
        var position: String?
        var active: String?
    }

    func saveForm(_ req: Request, existing: AwardForm?) async throws -> Response {
        let user = try Self.admin(req)
        let input = (try? req.content.decode(FormInput.self)) ?? FormInput()
        let values = ["name": input.name ?? "", "nominee": input.nominee ?? "", "authority": input.authority ?? "", "position": input.position ?? "",
                      "active": input.active ?? ""]
        let (draft, errors) = AwardFormRules.check(values)
        guard let draft else {
            return try await renderForms(req, sent: (req.url.path, FormState(values: values, errorKeys: errors, translator: req.translator)))
        }
        let form = existing ?? AwardForm()
        let before = existing.map { PhaseClosing.auditText(["name": $0.name, "nominee": $0.nominee.rawValue, "authority": $0.authority, "active": String($0.active)]) }
        if existing == nil { form.code = AwardFormRules.code(for: draft.name, taken: Set(try await AwardService.forms(on: req.db).map(\.code))) }
        form.name = draft.name
        form.nominee = draft.nominee
        form.authority = draft.authority
        form.position = draft.position
        form.active = draft.active
        try await req.db.audited { tx in
            try await form.save(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: existing == nil ? "award-form.add" : "award-form.change",
                                      entity: "award_form", entityID: form.id?.uuidString, before: before,
                                      after: PhaseClosing.auditText(["name": form.name, "nominee": form.nominee.rawValue, "authority": form.authority,
                                                                     "active": String(form.active)]))
        }
        Flash.set(req, req.t("award.formSaved", ["name": form.name]))
        return req.redirect(to: SiteURL.awardForms.path, redirectType: .normal)
    }

    @Sendable func addForm(req: Request) async throws -> Response { try await saveForm(req, existing: nil) }

    @Sendable func editForm(req: Request) async throws -> Response {
        _ = try Self.admin(req)
        guard let id = req.parameters.get("form").flatMap(UUID.init(uuidString:)), let form = try await AwardForm.find(id, on: req.db) else {
            throw AppError.notFound()
        }
        return try await saveForm(req, existing: form)
    }
}

/// The committee's first step of a new nomination: which commune proposes.
struct CommunePickPage: Encodable {
    var page: PageChrome
    var heading: String
    var links: [PageLink]
}

extension Request {
    /// Where nominations' documents and the council's minutes are kept.
    var nominationFiles: FileStore { FileStore(dataDirectory: application.config.dataDirectory, folder: FileStore.nominationFiles, pool: application.threadPool) }
}
