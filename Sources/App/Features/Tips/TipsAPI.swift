import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Tips over the API: the citizen's two public routes (no account, JSON or multipart with files) and the inbox's
/// routes for officers (bearer token), on the same rules as the pages.
struct TipsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let intake = routes.grouped(TipIntake())
        intake.on(.POST, "tips", body: .collect(maxSize: PublicTipController.maxBody), use: create)
        intake.on(.POST, "tips", "status", body: .collect(maxSize: PublicTipController.maxBody), use: status)
        let signedIn = routes.grouped(APISignIn())
        signedIn.get("tips", use: list)
        signedIn.get("tips", ":tip", use: show)
        signedIn.post("tips", ":tip", "actions", use: act)
        signedIn.post("tips", ":tip", "contact", use: contact)
    }

    struct Receipt: Vapor.Content {
        var receiptCode: String
        var status: String
        var receivedOn: String
        /// When the tip reaches the police (the next release, ISO 8601); absent when it is written at once.
        var reachesPoliceAt: String?
    }

    /// The next release as ISO 8601, when tips wait for one.
    static func nextRelease(_ req: Request) -> String? {
        let minutes = req.application.tipKeeping.releaseMinutes
        guard minutes > 0 else { return nil }
        return ISO8601DateFormatter().string(from: TipRelease.next(after: Date(), every: minutes))
    }

    struct CitizenMessage: Vapor.Content, Equatable {
        var from: String
        var body: String
        var date: String
        var files: Int

        static func list(_ messages: [TipMessage], files: [TipFile]) -> [CitizenMessage] {
            messages.map { m in CitizenMessage(from: m.author, body: m.body, date: m.sentOn, files: files.filter { $0.messageSeq == m.seq }.count) }
        }
    }

    struct CitizenStatus: Vapor.Content {
        var status: String
        var receivedOn: String
        var category: String
        var messages: [CitizenMessage]
        /// The tip itself, and how many of the citizen's messages, wait for the next release (`reachesPoliceAt`).
        var waiting: Bool
        var waitingMessages: Int
        var reachesPoliceAt: String?
    }

    @Sendable func create(req: Request) async throws -> Response {
        let input = try await PublicTipController.decode(req)
        let graph = try await req.unitGraph()
        let today = PublicTipController.today()
        let (code, _) = try await TipService.receive(input.submission, graph: graph, context: req.application.tips, today: today)
        let response = try await Receipt(receiptCode: code, status: TipStatus.new.publicStatus, receivedOn: today.iso,
                                         reachesPoliceAt: Self.nextRelease(req))
            .encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable func status(req: Request) async throws -> Response {
        let input = try await PublicTipController.decode(req)
        let context = req.application.tips
        guard let tip = try await TipService.find(code: input.receiptCode, context: context, on: req.db) else {
            // Like the found answer, never kept by a cache: which codes were tried is nobody's business.
            let response = await ErrorRenderer().render(AppError.notFound("tips.code.notFound"), for: req)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
        if input.writes {
            try await TipService.citizenWrites(tip, message: input.message, files: input.uploads, context: context,
                                               today: PublicTipController.today(), on: req.db)
        }
        let messages = try await TipService.messages(of: tip, on: req.db)
        let files = try await TipService.files(of: tip, on: req.db)
        let id = try tip.requireID()
        let waiting = context.spool?.isWaiting(tip: id) ?? false
        let waitingMessages = context.spool?.messages(for: id) ?? 0
        let answer = CitizenStatus(status: tip.status.publicStatus, receivedOn: tip.receivedOn, category: tip.category,
                                   messages: CitizenMessage.list(messages, files: files), waiting: waiting, waitingMessages: waitingMessages,
                                   reachesPoliceAt: waiting || waitingMessages > 0 ? Self.nextRelease(req) : nil)
        let response = try await answer.encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    // MARK: Officers

    struct TipJSON: Vapor.Content {
        var id: String
        var reference: String
        var status: String
        var category: String
        var description: String
        var occurredOn: String
        var time: String?
        var receivedOn: String
        var unit: String?
        var village: String?
        var assignee: String?
        var transferredFrom: String?
        /// Whether the citizen left contact details; they are read through `POST …/contact`, audited.
        var contactLeft: Bool
        var citizenReplied: Bool
        var needsAttention: Bool
        var messages: [CitizenMessage]?
        var files: [String]?
    }

    struct TipPage: Vapor.Content {
        var total: Int
        var items: [TipJSON]
    }

    static func json(_ tip: Tip, now: Date, messages: [TipMessage]? = nil, files: [TipFile]? = nil) -> TipJSON {
        TipJSON(id: tip.id?.uuidString ?? "", reference: tip.reference, status: tip.status.rawValue, category: tip.category, description: tip.description,
                occurredOn: tip.occurredOn, time: tip.occurredTime, receivedOn: tip.receivedOn, unit: tip.communeID?.uuidString,
                village: tip.villageID?.uuidString, assignee: tip.assignedTo?.uuidString, transferredFrom: tip.transferredFrom?.uuidString,
                contactLeft: tip.contactSealed != nil, citizenReplied: tip.citizenReplied,
                needsAttention: tip.needsAttention(now: now),
                messages: messages.map { CitizenMessage.list($0, files: files ?? []) },
                files: files?.map { f in SiteURL.tipFile(tip.id?.uuidString ?? "", file: f.id?.uuidString ?? "").path })
    }

    @Sendable func list(req: Request) async throws -> TipPage {
        let user = try TipInboxController.officer(req)
        let graph = try await req.unitGraph()
        let filter = try TipInboxController.filter(req, graph: graph)
        let (tips, total) = try await TipService.inbox(filter, user: user, graph: graph, pageSize: TipInboxPage.pageSize, on: req.db)
        let now = Date()
        return TipPage(total: total, items: tips.map { Self.json($0, now: now) })
    }

    @Sendable func show(req: Request) async throws -> TipJSON {
        let user = try TipInboxController.officer(req)
        let graph = try await req.unitGraph()
        let tip = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        return Self.json(tip, now: Date(), messages: try await TipService.messages(of: tip, on: req.db),
                         files: try await TipService.files(of: tip, on: req.db))
    }

    struct Contact: Vapor.Content {
        var contact: String?
    }

    /// The contact details, to the officer the tip is assigned to and the head of the commune police; each reading audited.
    @Sendable func contact(req: Request) async throws -> Contact {
        let user = try TipInboxController.officer(req)
        let graph = try await req.unitGraph()
        let tip = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        return Contact(contact: try await TipService.revealContact(tip, user: user, graph: graph, context: req.application.tips, on: req.db))
    }

    struct ActionInput: Vapor.Content {
        var action: String
        var assignee: String?
        var status: String?
        var to: String?
        var message: String?
    }

    @Sendable func act(req: Request) async throws -> TipJSON {
        let user = try TipInboxController.officer(req)
        let graph = try await req.unitGraph()
        let seen = try await TipService.handled(req.parameters.get("tip"), user: user, graph: graph, on: req.db)
        let input: ActionInput
        do { input = try req.content.decode(ActionInput.self) } catch { throw AppError.badRequest("error.badInput") }
        var values: [String: String] = [:]
        for (k, v) in [("assignee", input.assignee), ("status", input.status), ("to", input.to), ("message", input.message)] { values[k] = v }
        guard ["assign", "status", "transfer", "message"].contains(input.action) else {
            throw AppError(.unprocessableEntity, "tips.action.invalid", fields: ["action": "field.notAllowed"])
        }
        let action = try TipInboxController.action(input.action, values: values, graph: graph)
        let tip = try await TipService.act(action, on: seen, user: user, graph: graph, context: req.application.tips, on: req.db)
        let visible = TipService.canHandle(tip, user: user, graph: graph)
        // Passed out of this account's reach: it learns the move, not the conversation.
        return Self.json(tip, now: Date(), messages: visible ? try await TipService.messages(of: tip, on: req.db) : nil,
                         files: visible ? try await TipService.files(of: tip, on: req.db) : nil)
    }
}
