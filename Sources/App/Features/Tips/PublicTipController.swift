import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The citizen's side on the web, no account: the tip form, the receipt, the status with the conversation.
/// Nothing here stores or logs the client's address or browser; the limits hash the address in memory.
struct PublicTipController: RouteCollection {
    /// Room for the files and the form around them.
    static let maxBody: ByteCount = ByteCount(value: Attachment.maximumCount * Attachment.maximumBytes + 1024 * 1024)

    func boot(routes: any RoutesBuilder) throws {
        routes.get("tip", use: form)
        // Streamed: the CSRF check reads the token, which the forms send first, before the files behind it.
        routes.on(.POST, "tip", body: .stream, use: send)
        routes.get("tip", "status", use: statusForm)
        routes.on(.POST, "tip", "status", body: .stream, use: status)
    }

    /// What the web form and the API's multipart carry.
    struct Input: Vapor.Content {
        var category: String?
        var description: String?
        var commune: String?
        var unit: String?
        var village: String?
        var occurredOn: String?
        var time: String?
        var contact: String?
        var website: String?
        var files: [File]?
        var receiptCode: String?
        var message: String?

        var values: [String: String] {
            var v: [String: String] = [:]
            for (k, x) in [("category", category), ("description", description), ("village", village), ("occurredOn", occurredOn),
                           ("time", time), ("contact", contact), ("receiptCode", receiptCode), ("message", message)] {
                if let x { v[k] = x }
            }
            return v
        }

        /// The citizen writes something: a message, or files.
        var writes: Bool {
            !(message ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !uploads.allSatisfy(\.isEmpty)
        }

        var uploads: [[UInt8]] {
            (files ?? []).map { Array($0.data.readableBytesView) }
        }

        var submission: TipService.Submission {
            TipService.Submission(draft: TipDraft(category: category, description: description, occurredOn: occurredOn, time: time, contact: contact),
                                  commune: commune ?? unit, village: village, files: uploads, honeypot: website)
        }
    }

    /// The body decoded on the thread pool: a multipart body of up to 46 MB is a long run of CPU, which on the
    /// cooperative threads (one a core) would hold every other request, `/healthz` included, behind it.
    static func decode(_ req: Request) async throws -> Input {
        do {
            return try await req.application.threadPool.runIfActive { try req.content.decode(Input.self) }
        } catch let refused as AppError {
            // Said as it is (a NUL in a field, a field sent twice: `CheckedFormData`), not as bad input in general.
            throw refused
        } catch {
            throw AppError.badRequest("error.badInput")
        }
    }

    /// A limit passed: 429 with the time to wait, said on the page and in `Retry-After` (`TipIntake` asks, before
    /// the body is read).
    static func limit(_ req: Request, _ kind: TipLimiter.Kind) throws {
        if let wait = req.application.tips.limiter.take(kind, client: TipLimiter.address(of: req)) {
            let seconds = Int(wait)
            throw AppError(.tooManyRequests, "tips.limit", ["seconds": String(seconds), "minutes": String(max(1, (seconds + 59) / 60))])
        }
    }

    static func today() -> LocalDate { VietnamTime.localDate(of: Date()) }

    /// A path of the citizen's pages (`/tip`, `/tip?…`, `/tip/status`), not the officers' `/tips`.
    static func isTipPage(_ path: String) -> Bool {
        path == "/tip" || path.hasPrefix("/tip?") || path.hasPrefix("/tip/")
    }

    // MARK: Sending

    func render(_ req: Request, form: FormState, status: HTTPResponseStatus = .ok) async throws -> Response {
        let graph = try await req.unitGraph()
        let today = Self.today()
        let t = req.translator
        let province = try? req.query.get(String.self, at: "province")
        let commune = (try? req.query.get(String.self, at: "commune")) ?? form.values["commune"]
        let step: TipFormPage.Step
        if let commune, !commune.isEmpty {
            if commune == "unknown" {
                step = .form(commune: nil, villages: [])
            } else {
                guard let unit = UnitService.find(commune, on: today, in: graph), unit.level == .commune, unit.isValid(on: today) else {
                    throw AppError.notFound("error.unitNotFound")
                }
                step = .form(commune: unit, villages: graph.villages(of: unit.id, on: today).sorted(by: UnitGraph.naturalOrder))
            }
        } else {
            let communes = graph.units(at: .commune, on: today)
            if communes.count <= TipFormPage.communesOnOnePage {
                step = .commune(communes: communes.sorted(by: UnitGraph.naturalOrder), province: nil)
            } else if let province, !province.isEmpty {
                guard let p = UUID(uuidString: province).flatMap({ graph.units[$0] }), p.level == .province else {
                    throw AppError.notFound("error.unitNotFound")
                }
                step = .commune(communes: graph.units(at: .commune, on: today, under: p.id).sorted(by: UnitGraph.naturalOrder), province: p)
            } else {
                step = .province(provinces: graph.units(at: .province, on: today).sorted(by: UnitGraph.naturalOrder))
            }
        }
        var values = form
        if values.values["occurredOn"] == nil { values.values["occurredOn"] = today.iso }
        let page = TipFormPage.build(step: step, form: values, today: today, keeping: req.application.tipKeeping,
                                     page: PageChrome(request: req, title: t("tips.heading")), text: t)
        let response = try await req.view.render("tips/form", page).encodeResponse(status: status, for: req)
        return response
    }

    @Sendable func form(req: Request) async throws -> Response {
        try await render(req, form: FormState())
    }

    @Sendable func send(req: Request) async throws -> Response {
        let input = try await Self.decode(req)
        let graph = try await req.unitGraph()
        var values = input.values
        values["commune"] = input.commune
        do {
            let (code, _) = try await TipService.receive(input.submission, graph: graph, context: req.application.tips, today: Self.today())
            let t = req.translator
            let page = TipReceiptPage(page: PageChrome(request: req, title: t("tips.receiptTitle")), code: code,
                                      statusHref: SiteURL.tipStatus.path, newHref: SiteURL.tip().path,
                                      delivery: req.application.tipKeeping.delivery(now: Date()).map { t("tips.receiptDelivery", ["time": $0]) })
            let response = try await req.view.render("tips/receipt", page).encodeResponse(status: .created, for: req)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        } catch let e as AppError where e.status == .unprocessableEntity {
            var keys = e.fields
            // A file cannot be kept across pages: say so when the form comes back for another reason.
            if keys["files"] == nil, !input.uploads.allSatisfy(\.isEmpty) { keys["files"] = "tips.file.again" }
            var errors = keys.mapValues { req.t($0) }
            if let unit = errors.removeValue(forKey: "unit") { errors["commune"] = unit }
            let form = FormState(values: values, errors: errors, translator: req.translator)
            return try await render(req, form: form, status: .unprocessableEntity)
        }
    }

    // MARK: Status

    func renderStatus(_ req: Request, form: FormState, found: (Tip, [TipMessage], [TipFile])?, code: String?, sent: Bool = false,
                      status: HTTPResponseStatus = .ok) async throws -> Response {
        let t = req.translator
        var waiting: TipStatusPage.Waiting?
        if let spool = req.application.tips.spool, let id = found?.0.id, let at = req.application.tipKeeping.delivery(now: Date()) {
            waiting = TipStatusPage.Waiting(tip: spool.isWaiting(tip: id), messages: spool.messages(for: id), at: at)
        }
        let page = TipStatusPage.build(form: form, found: found, code: code, sent: sent, waiting: waiting,
                                       page: PageChrome(request: req, title: t("tips.statusTitle")), text: t)
        let response = try await req.view.render("tips/status", page).encodeResponse(status: status, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable func statusForm(req: Request) async throws -> Response {
        try await renderStatus(req, form: FormState(), found: nil, code: nil)
    }

    @Sendable func status(req: Request) async throws -> Response {
        let input = try await Self.decode(req)
        let context = req.application.tips
        let t = req.translator
        let tip: Tip?
        do {
            tip = try await TipService.find(code: input.receiptCode, context: context, on: req.db)
        } catch let e as AppError where e.status == .unprocessableEntity {
            let form = FormState(values: ["receiptCode": input.receiptCode ?? ""], errorKeys: e.fields, translator: t)
            return try await renderStatus(req, form: form, found: nil, code: nil, status: .unprocessableEntity)
        }
        guard let tip else {
            var form = FormState(values: ["receiptCode": input.receiptCode ?? ""])
            form.message = t("tips.code.notFound")
            return try await renderStatus(req, form: form, found: nil, code: nil, status: .notFound)
        }
        let code = input.receiptCode
        var sent = false
        var form = FormState()
        var status: HTTPResponseStatus = .ok
        if input.writes {
            do {
                try await TipService.citizenWrites(tip, message: input.message, files: input.uploads, context: context, today: Self.today(), on: req.db)
                sent = true
            } catch let e as AppError where e.status == .unprocessableEntity || e.status == .conflict {
                form = FormState(values: ["message": input.message ?? ""], errorKeys: e.fields, translator: t)
                if e.fields.isEmpty { form.message = t(e.key) }
                status = e.status
            }
        }
        let messages = try await TipService.messages(of: tip, on: req.db)
        let files = try await TipService.files(of: tip, on: req.db)
        return try await renderStatus(req, form: form, found: (tip, messages, files), code: code, sent: sent, status: status)
    }
}

