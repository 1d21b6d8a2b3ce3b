import Fluent
import Foundation
import SQLKit
import ThiDuaCore
import Vapor

/// Tips from their arrival to their closing: the citizen's side (send, look up, answer) and the officers' (assign,
/// verify, transfer, close, write back). Rules live in `TipRules`; this stores them, with an audit entry each.
enum TipService {
    // MARK: The citizen's side

    /// A tip as sent, before any check.
    struct Submission: Sendable {
        var draft = TipDraft()
        /// A commune's id or code; nil or empty: the citizen does not know.
        var commune: String?
        var village: String?
        var files: [[UInt8]] = []
        /// The hidden field people leave empty.
        var honeypot: String?
    }

    /// Where a commune (id or code) and a village of it are today, with a message key per field that is wrong.
    static func place(commune: String?, village: String?, graph: UnitGraph, today: LocalDate,
                      errors: inout [String: String]) -> (commune: UnitInfo?, village: UnitInfo?) {
        guard let key = commune?.trimmingCharacters(in: .whitespaces), !key.isEmpty, key != "unknown" else { return (nil, nil) }
        guard let unit = UnitService.find(key, on: today, in: graph), unit.level == .commune, unit.isValid(on: today) else {
            errors["unit"] = "field.unknownCommune"
            return (nil, nil)
        }
        guard let v = village?.trimmingCharacters(in: .whitespaces), !v.isEmpty, v != "unknown" else { return (unit, nil) }
        guard let vu = UnitService.find(v, on: today, in: graph), vu.level == .village, vu.isValid(on: today),
              graph.ancestor(of: vu.id, at: .commune, on: today) == unit.id else {
            errors["village"] = "field.villageNotInUnit"
            return (unit, nil)
        }
        return (unit, vu)
    }

    /// Checks a tip whole (422 with every field's message) and stores it, durably, before giving back its receipt
    /// code: the only time the code exists outside the citizen's hands.
    static func receive(_ s: Submission, graph: UnitGraph, context: TipContext, today: LocalDate) async throws -> (code: String, tip: Tip) {
        let checked = s.draft.check(today: today)
        var errors = checked.errors
        // A program that fills the hidden field is answered as if its tip were taken, and nothing is kept: told
        // nothing, it does not learn to leave the field empty.
        let trapped = !(s.honeypot ?? "").isEmpty
        let place = Self.place(commune: s.commune, village: s.village, graph: graph, today: today, errors: &errors)
        let files = await context.rebuilder.checked(s.files, errors: &errors)
        guard errors.isEmpty, let category = checked.category, let description = checked.description,
              let occurred = checked.occurredOn else {
            throw AppError(.unprocessableEntity, "tips.invalid", fields: errors)
        }
        let code = ReceiptCode.make()
        let tip = Tip()
        tip.id = UUID()
        tip.codeHash = context.secrets.codeHash(ReceiptCode.digits(of: code) ?? code)
        tip.status = TipStatus.new.rawValue
        tip.category = category
        tip.description = description
        tip.occurredOn = occurred.iso
        tip.occurredTime = checked.time
        tip.receivedOn = today.iso
        tip.communeID = place.commune?.id
        tip.villageID = place.village?.id
        tip.citizenReplied = false
        if let contact = checked.contact { tip.contactSealed = try context.secrets.seal(contact) }
        if trapped { return (code, tip) }
        let stored = try files.map { kind, bytes in StoredFile(kind: kind, size: bytes.count, name: try context.files.write(bytes, day: VietnamTime.startOfDay(today))) }
        if tip.communeID != nil { tip.recordID = UUID() }
        do {
            try await context.writer.commit(Arrival(tip: tip, files: stored, day: today))
        } catch {
            context.files.remove(stored.map(\.name))
            throw error
        }
        if let commune = tip.communeID { context.mailer.note(commune: commune) }
        return (code, tip)
    }

    struct StoredFile: Sendable {
        var kind: AttachmentKind
        var size: Int
        var name: String
    }

    /// A tip that has arrived, its files on disk, waiting for its commit.
    struct Arrival: Sendable {
        let tip: Tip
        let files: [StoredFile]
        let day: LocalDate
    }

    /// Stores tips that arrived together in the caller's transaction: their records, the tips, their files and
    /// their audit entries, one statement each. Rows are built afresh, so a batch that failed can be tried again.
    @Sendable static func store(_ arrivals: [Arrival], on db: any Database) async throws {
        try await Self.insertRecords(arrivals.compactMap { a in
            guard let id = a.tip.recordID, let commune = a.tip.communeID else { return nil }
            return (id, a.tip, commune, a.tip.villageID, a.day)
        }, db)
        try await arrivals.map { $0.tip.fresh() }.create(on: db)
        let files = try arrivals.flatMap { a in
            try a.files.map { f in try Self.fileRow(tip: a.tip, messageSeq: nil, kind: f.kind, size: f.size, name: f.name, today: a.day) }
        }
        try await files.create(on: db)
        // The day, not the hour: the audit log says when as much as the tip itself does.
        try await AuditLog.record(on: db, arrivals.map { a in
            AuditLog.Draft(actor: "citizen", action: "tip.receive", entity: "tip", entityID: a.tip.id?.uuidString,
                           after: Self.auditText(a.tip, files: a.files.count), at: VietnamTime.startOfDay(a.day))
        })
    }

    /// The tip of a receipt code as typed: always one slow hash and one lookup, found or not. A code that is not
    /// 25 digits is a 422 for the field, before any lookup.
    static func find(code typed: String?, context: TipContext, on db: any Database) async throws -> Tip? {
        guard let digits = typed.flatMap(ReceiptCode.digits(of:)) else {
            throw AppError(.unprocessableEntity, "tips.code.invalid", fields: ["receiptCode": "tips.code.format"])
        }
        let hash = context.secrets.codeHash(digits)
        return try await Tip.query(on: db).filter(\.$codeHash == hash).first()
    }

    static func messages(of tip: Tip, on db: any Database) async throws -> [TipMessage] {
        try await TipMessage.query(on: db).filter(\.$tipID == tip.requireID()).sort(\.$seq).all()
    }

    static func files(of tip: Tip, on db: any Database) async throws -> [TipFile] {
        try await TipFile.query(on: db).filter(\.$tipID == tip.requireID()).sort(\.$addedOn).sort(\.$id).all()
    }

    /// The citizen answers or adds information, with files, while the tip is open.
    static func citizenWrites(_ tip: Tip, message: String?, files raw: [[UInt8]], context: TipContext, today: LocalDate,
                              on db: any Database) async throws {
        let (text, checkErrors) = TipDraft.checkMessage(message, required: raw.allSatisfy(\.isEmpty))
        var errors = checkErrors
        let files = await context.rebuilder.checked(raw, errors: &errors)
        guard tip.tipStatus.isOpen else { throw AppError(.conflict, "tips.status.closedNoReply") }
        guard errors.isEmpty else { throw AppError(.unprocessableEntity, "tips.reply.invalid", fields: errors) }
        let stored = try files.map { kind, bytes in (kind, bytes.count, try context.files.write(bytes, day: VietnamTime.startOfDay(today))) }
        do {
            try await db.transaction { tx in
                try await Self.hold(tip, on: tx)
                let seq = try await Self.nextSeq(tip, on: tx)
                if let text { try await Self.messageRow(tip: tip, seq: seq, author: "citizen", user: nil, body: text, today: today).create(on: tx) }
                for (kind, size, name) in stored {
                    try await Self.fileRow(tip: tip, messageSeq: seq, kind: kind, size: size, name: name, today: today).create(on: tx)
                }
                tip.citizenReplied = true
                try await tip.update(on: tx)
                try await AuditLog.record(on: tx, actor: "citizen", action: "tip.citizenMessage", entity: "tip",
                                          entityID: tip.id?.uuidString, after: #"{"files":\#(stored.count),"seq":\#(seq)}"#,
                                          at: VietnamTime.startOfDay(today))
            }
        } catch {
            context.files.remove(stored.map(\.2))
            throw error
        }
    }

    // MARK: The officers' side

    /// A tip this account may work, or 404 (one it may not see does not exist for it).
    static func handled(_ id: String?, user: User, graph: UnitGraph, on db: any Database) async throws -> Tip {
        guard let id = id.flatMap(UUID.init(uuidString:)), let tip = try await Tip.find(id, on: db),
              Self.canHandle(tip, user: user, graph: graph) else { throw AppError.notFound("tips.notFound") }
        return tip
    }

    static func canHandle(_ tip: Tip, user: User, graph: UnitGraph) -> Bool {
        guard let day = LocalDate(iso: tip.receivedOn) else { return false }
        return Permissions.canHandleTip(role: user.role, reach: user.reach(graph), commune: tip.communeID,
                                        village: tip.villageID, receivedOn: day)
    }

    /// Applies an officer's action, with its audit entry; a message key when the rules refuse it.
    static func act(_ action: TipAction, on tip: Tip, user: User, graph: UnitGraph, context: TipContext,
                    today: LocalDate = VietnamTime.localDate(of: Date()), now: Date = Date(), on db: any Database) async throws {
        guard Self.canHandle(tip, user: user, graph: graph) else { throw AppError.notFound("tips.notFound") }
        let status: TipStatus
        switch TipRules.apply(action, to: tip.tipStatus, commune: tip.communeID) {
        case .success(let s): status = s
        case .failure(let e): throw AppError(.conflict, e.key)
        }
        let before = Self.auditText(tip)
        var target: UnitInfo?
        var message: String?
        switch action {
        case .assign(let id):
            guard let assignee = try await User.find(id, on: db), assignee.active,
                  let day = LocalDate(iso: tip.receivedOn),
                  Permissions.canHandleTip(role: assignee.role, reach: assignee.reach(graph), commune: tip.communeID,
                                           village: tip.villageID, receivedOn: day) else {
                throw AppError(.unprocessableEntity, "tips.action.invalid", fields: ["assignee": "tips.error.assignee"])
            }
            tip.assignedTo = id
        case .transfer(let to):
            guard let unit = graph.units[to], unit.level == .commune, unit.isValid(on: today) else {
                throw AppError(.unprocessableEntity, "tips.action.invalid", fields: ["to": "field.unknownCommune"])
            }
            target = unit
        case .message(let text):
            let (checked, errors) = TipDraft.checkMessage(text, required: true)
            guard errors.isEmpty else { throw AppError(.unprocessableEntity, "tips.action.invalid", fields: errors) }
            message = checked
        case .setStatus:
            break
        }
        var record: Record?
        if let id = tip.recordID { record = try await Record.find(id, on: db) }
        if let target, let received = LocalDate(iso: tip.receivedOn) {
            let day = TipRules.receivedOn(afterTransfer: received, targetValidFrom: target.validFrom, today: today)
            if let record, let old = LocalDate(iso: record.occurredOn) {
                try await MonthReviewService.requireOpen(record.communeID, Month(old), graph: graph, on: db)
            }
            try await MonthReviewService.requireOpen(target.id, Month(day), graph: graph, on: db)
            tip.transferredFrom = tip.communeID
            tip.communeID = target.id
            tip.villageID = nil
            tip.assignedTo = nil
            tip.receivedOn = day.iso
        }
        tip.status = status.rawValue
        tip.citizenReplied = false
        tip.lastOfficerAt = now
        let actionName: String = switch action {
        case .assign: "tip.assign"
        case .setStatus: "tip.status"
        case .transfer: "tip.transfer"
        case .message: "tip.message"
        }
        let (stored, text) = (record, message)
        try await db.transaction { tx in
            try await Self.hold(tip, on: tx)
            if let record = stored {
                record.communeID = tip.communeID ?? record.communeID
                record.villageID = tip.villageID
                record.occurredOn = tip.receivedOn
                record.status = status.recordStatus
                try await record.update(on: tx)
            } else if let commune = tip.communeID, let day = LocalDate(iso: tip.receivedOn) {
                tip.recordID = try await Self.insertRecord(for: tip, commune: commune, village: nil, on: day, tx)
            }
            try await tip.update(on: tx)
            if let message = text {
                let seq = try await Self.nextSeq(tip, on: tx)
                try await Self.messageRow(tip: tip, seq: seq, author: "officer", user: user.id, body: message, today: today).create(on: tx)
            }
            try await AuditLog.record(on: tx, actor: user.username, action: actionName, entity: "tip", entityID: tip.id?.uuidString,
                                      before: before, after: Self.auditText(tip))
        }
        if let target { context.mailer.note(commune: target.id) }
    }

    /// The contact details of a tip, to the one account that may read them (`Permissions.canRevealTipContact`),
    /// each time with an audit entry: who read them, and when. Nil when the citizen left none; a message when
    /// they cannot be read with this server's key.
    static func revealContact(_ tip: Tip, user: User, graph: UnitGraph, context: TipContext, on db: any Database) async throws -> String? {
        guard Self.canHandle(tip, user: user, graph: graph) else { throw AppError.notFound("tips.notFound") }
        guard let sealed = tip.contactSealed else { return nil }
        guard Permissions.canRevealTipContact(role: user.role, account: user.id, assignee: tip.assignedTo) else {
            throw AppError(.forbidden, "tips.contact.notYours")
        }
        try await AuditLog.record(on: db, actor: user.username, action: "tip.contactReveal", entity: "tip", entityID: tip.id?.uuidString)
        guard let contact = context.secrets.open(sealed) else { throw AppError(.conflict, "tips.contactUnreadable") }
        return contact
    }

    // MARK: Rows

    /// The tip's information source: origin `people`, counted at once by the indicators. Its times are the day's
    /// start, like the tip's.
    static func insertRecord(for tip: Tip, commune: UUID, village: UUID?, on day: LocalDate, _ db: any Database) async throws -> UUID {
        let id = UUID()
        try await insertRecords([(id, tip, commune, village, day)], db)
        return id
    }

    static func insertRecords(_ rows: [(id: UUID, tip: Tip, commune: UUID, village: UUID?, day: LocalDate)], _ db: any Database) async throws {
        guard !rows.isEmpty else { return }
        guard let sql = db as? any SQLDatabase else { throw AppError(.internalServerError, "error.500") }
        let insert = sql.insert(into: Record.schema)
            .columns("id", "kind", "commune_id", "village_id", "occurred_on", "category", "origin", "status", "title",
                     "created_by", "created_at", "updated_at")
        for r in rows {
            let midnight = VietnamTime.startOfDay(r.day)
            insert.values(SQLBind(r.id), SQLBind(RecordKind.informationSource.rawValue), SQLBind(r.commune), SQLBind(r.village),
                          SQLBind(r.day.iso), SQLBind(r.tip.category), SQLBind("people"), SQLBind(r.tip.tipStatus.recordStatus),
                          SQLBind("Tin báo #" + r.tip.reference), SQLBind(Tip.citizen), SQLBind(midnight), SQLBind(midnight))
        }
        try await insert.run()
    }

    /// Holds the tip for the rest of the caller's transaction, before it reads anything: a citizen and officers
    /// writing at the same moment then take turns (messages 1 and 2, not 1 and 1). PostgreSQL locks the row; SQLite
    /// takes its write lock now, since a transaction that reads first cannot take it later while another writes.
    static func hold(_ tip: Tip, on db: any Database) async throws {
        try await RowLock.hold(Tip.schema, id: try tip.requireID(), on: db)
    }

    /// The next message's number, inside a transaction that holds the tip.
    static func nextSeq(_ tip: Tip, on db: any Database) async throws -> Int {
        let last = try await TipMessage.query(on: db).filter(\.$tipID == tip.requireID()).max(\.$seq)
        return (last ?? 0) + 1
    }

    static func messageRow(tip: Tip, seq: Int, author: String, user: UUID?, body: String, today: LocalDate) throws -> TipMessage {
        let m = TipMessage()
        m.tipID = try tip.requireID()
        m.seq = seq
        m.author = author
        m.userID = user
        m.body = body
        m.sentOn = today.iso
        return m
    }

    static func fileRow(tip: Tip, messageSeq: Int?, kind: AttachmentKind, size: Int, name: String, today: LocalDate) throws -> TipFile {
        let f = TipFile()
        f.tipID = try tip.requireID()
        f.messageSeq = messageSeq
        f.kind = kind.rawValue
        f.size = size
        f.storedName = name
        f.addedOn = today.iso
        return f
    }

    /// What the audit log keeps of a tip: where it is and who has it; never the contact or the text.
    static func auditText(_ tip: Tip, files: Int? = nil) -> String {
        struct Summary: Encodable {
            var status: String, category: String, commune: String?, village: String?, assignee: String?, receivedOn: String
            var files: Int?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let s = Summary(status: tip.status, category: tip.category, commune: tip.communeID?.uuidString, village: tip.villageID?.uuidString,
                        assignee: tip.assignedTo?.uuidString, receivedOn: tip.receivedOn, files: files)
        return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: The inbox

    struct Filter: Sendable, Equatable {
        /// `open` (default), `all`, or one status.
        var status = "open"
        var commune: UUID?
        /// `me`, `none`, or nil for anyone.
        var assigned: String?
        var text: String?
        var page = 1
    }

    /// The tips an account works, as `Permissions.canHandleTip` says, in SQL: the secretariat its queue, a
    /// commune's police the commune's tips from the day each was received there, anyone else none.
    static func scope(_ query: QueryBuilder<Tip>, user: User, graph: UnitGraph) {
        switch user.role {
        case .secretariat: query.filter(\.$communeID == nil)
        case .communeOfficer:
            ReachFilter.placed(query, user.reach(graph), commune: "commune_id", village: "village_id", day: "received_on")
            query.filter(\.$communeID != nil)
        // No status at all: nothing (FluentSQL writes an empty list as false).
        default: query.filter(\.$status ~~ [String]())
        }
    }

    /// The tips an account works, filtered; newest first.
    static func inbox(_ f: Filter, user: User, graph: UnitGraph, pageSize: Int, on db: any Database) async throws -> (tips: [Tip], total: Int) {
        let query = Tip.query(on: db)
        Self.scope(query, user: user, graph: graph)
        switch f.status {
        case "all": break
        case "open": query.filter(\.$status ~~ TipStatus.allCases.filter(\.isOpen).map(\.rawValue))
        default: query.filter(\.$status == f.status)
        }
        if let c = f.commune { query.filter(\.$communeID == c) }
        switch f.assigned {
        case "me": query.filter(\.$assignedTo == user.id)
        case "none": query.filter(\.$assignedTo == nil)
        default: break
        }
        if let text = f.text, !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            query.filter(\.$description, .custom(SQLDialect(db).likeIgnoringCase), pattern)
        }
        let total = try await query.count()
        let offset = (f.page - 1) * pageSize
        let tips = try await query.sort(\.$receivedOn, .descending).sort(\.$id).range(offset..<(offset + pageSize)).all()
        return (tips, total)
    }

    /// How many tips wait for this account's communes: new or passed on, or answered by their citizen.
    static func waiting(user: User, graph: UnitGraph, commune: UUID? = nil, on db: any Database) async throws -> Int {
        guard Permissions.handlesTips(user.role) else { return 0 }
        let query = Tip.query(on: db)
        if let commune { query.filter(\.$communeID == commune) }
        Self.scope(query, user: user, graph: graph)
        query.group(.or) {
            $0.filter(\.$status ~~ [TipStatus.new.rawValue, TipStatus.transferred.rawValue]).filter(\.$citizenReplied == true)
        }
        return try await query.count()
    }
}
