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
        tip.status = .new
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
        if tip.communeID != nil { tip.recordID = UUID() }
        if let spool = context.holding {
            let item = TipSpool.Item(kind: .tip, day: today.iso, tipID: try tip.requireID(), tip: TipSpool.TipFields(tip),
                                     files: files.map { TipSpool.FileEntry(kind: $0.0, size: $0.1.count) })
            try await spool.put(item, files: files.map(\.1))
            return (code, tip)
        }
        let stored = try await Self.write(files, context: context, day: today)
        do {
            try await context.writer.commit(Arrival(tip: tip, files: stored, day: today))
        } catch {
            context.files.remove(stored.map(\.name))
            throw error
        }
        if let commune = tip.communeID { context.mailer.note(commune: commune) }
        return (code, tip)
    }

    typealias StoredFile = FileStore.Stored

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
            AuditLog.Draft(actor: AuditLog.citizen, action: "tip.receive", entity: "tip", entityID: a.tip.id?.uuidString,
                           after: Self.auditText(a.tip, files: a.files.count), at: VietnamTime.startOfDay(a.day))
        })
    }

    /// The tip of a receipt code as typed: always one slow hash and one lookup, found or not. A code that is not
    /// 25 digits is a 422 for the field, before any lookup.
    static func find(code typed: String?, context: TipContext, on db: any Database) async throws -> Tip? {
        guard let digits = typed.flatMap(ReceiptCode.digits(of:)) else {
            throw AppError(.unprocessableEntity, "tips.code.invalid", fields: ["receiptCode": "tips.code.format"])
        }
        // This key's hash, and the hashes of the keys rotated away for older tips.
        let hashes = context.secrets.codeHashes(digits)
        if let tip = try await Tip.query(on: db).filter(\.$codeHash ~~ hashes).first() { return tip }
        // A tip that waits for the release is found as well (it was received: the citizen may look and answer).
        return context.spool?.tip(codeHash: hashes[0])
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
        guard tip.status.isOpen else { throw AppError(.conflict, "tips.status.closedNoReply") }
        guard errors.isEmpty else { throw AppError(.unprocessableEntity, "tips.reply.invalid", fields: errors) }
        if let spool = context.holding {
            let item = TipSpool.Item(kind: .message, day: today.iso, tipID: try tip.requireID(), messageID: UUID(), body: text,
                                     files: files.map { TipSpool.FileEntry(kind: $0.0, size: $0.1.count) })
            try await spool.put(item, files: files.map(\.1))
            return
        }
        let message = CitizenMessage(id: UUID(), text: text, files: try await Self.write(files, context: context, day: today), day: today)
        do {
            try await db.audited { tx in try await Self.store(message, to: tip, on: tx) }
        } catch {
            context.files.remove(message.files.map(\.name))
            throw error
        }
    }

    /// A citizen's message with its files on disk, waiting for its commit.
    struct CitizenMessage: Sendable {
        var id: UUID
        var text: String?
        var files: [StoredFile]
        var day: LocalDate
    }

    /// Writes files to the tip files' folder, their times the day's start; on a failure, those written are removed.
    static func write(_ files: [(AttachmentKind, [UInt8])], context: TipContext, day: LocalDate) async throws -> [StoredFile] {
        try await context.files.writeAll(files, day: VietnamTime.startOfDay(day))
    }

    /// Stores a citizen's message in the caller's transaction: holds the tip, numbers the message, marks the tip
    /// answered. Its audit entry says the day, like the message.
    static func store(_ m: CitizenMessage, to tip: Tip, on tx: any Database) async throws {
        try await Self.hold(tip, on: tx)
        let seq = try await Self.nextSeq(tip, on: tx)
        if let text = m.text {
            let row = try Self.messageRow(tip: tip, seq: seq, author: "citizen", user: nil, body: text, today: m.day)
            row.id = m.id
            try await row.create(on: tx)
        }
        for f in m.files {
            try await Self.fileRow(tip: tip, messageSeq: seq, kind: f.kind, size: f.size, name: f.name, today: m.day).create(on: tx)
        }
        tip.citizenReplied = true
        try await tip.update(on: tx)
        try await AuditLog.record(on: tx, actor: AuditLog.citizen, action: "tip.citizenMessage", entity: "tip",
                                  entityID: tip.id?.uuidString, after: #"{"files":\#(m.files.count),"seq":\#(seq)}"#,
                                  at: VietnamTime.startOfDay(m.day))
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

    /// Applies an officer's action, with its audit entry; a message key when the rules refuse it. The tip is held
    /// and read again inside the transaction, and every rule asked of what it holds then: a tip another officer
    /// has just closed, transferred or assigned is judged as it now is, not as this officer's page saw it.
    /// Returns the tip as written.
    @discardableResult
    static func act(_ action: TipAction, on seen: Tip, user: User, graph: UnitGraph, context: TipContext,
                    today: LocalDate = VietnamTime.localDate(of: Date()), now: Date = Date(), on db: any Database) async throws -> Tip {
        let (tip, target): (Tip, UnitInfo?) = try await db.audited { tx in
            try await Self.hold(seen, on: tx)
            guard let tip = try await Tip.find(seen.id, on: tx), Self.canHandle(tip, user: user, graph: graph) else {
                throw AppError.notFound("tips.notFound")
            }
            // Its content is gone after its retention period: there is nothing left to work on.
            guard tip.erasedOn == nil else { throw AppError(.conflict, "tips.error.erased") }
            let status: TipStatus
            switch TipRules.apply(action, to: tip.status, commune: tip.communeID) {
            case .success(let s): status = s
            case .failure(let e): throw AppError(.conflict, e.key)
            }
            let before = Self.auditText(tip)
            var target: UnitInfo?
            var message: String?
            switch action {
            case .assign(let id):
                guard let assignee = try await User.find(id, on: tx), assignee.active,
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
            if let id = tip.recordID { record = try await Record.find(id, on: tx) }
            if let target, let received = LocalDate(iso: tip.receivedOn) {
                let day = TipRules.receivedOn(afterTransfer: received, targetValidFrom: target.validFrom, today: today)
                var months = [(commune: target.id, month: Month(day))]
                if let record, let old = LocalDate(iso: record.occurredOn) { months.append((record.communeID, Month(old))) }
                try await MonthReviewService.holdOpen(months, graph: graph, on: tx)
                tip.transferredFrom = tip.communeID
                tip.communeID = target.id
                tip.villageID = nil
                tip.assignedTo = nil
                tip.receivedOn = day.iso
            }
            if status.isOpen != tip.status.isOpen { tip.closedOn = status.isOpen ? nil : today.iso }
            tip.status = status
            tip.citizenReplied = false
            tip.lastOfficerAt = now
            let actionName: String = switch action {
            case .assign: "tip.assign"
            case .setStatus: "tip.status"
            case .transfer: "tip.transfer"
            case .message: "tip.message"
            }
            if let record {
                record.communeID = tip.communeID ?? record.communeID
                record.villageID = tip.villageID
                record.occurredOn = tip.receivedOn
                record.status = status.recordStatus
                try await record.update(on: tx)
            } else if let commune = tip.communeID, let day = LocalDate(iso: tip.receivedOn) {
                tip.recordID = try await Self.insertRecord(for: tip, commune: commune, village: nil, on: day, tx)
            }
            try await tip.update(on: tx)
            if let message {
                let seq = try await Self.nextSeq(tip, on: tx)
                try await Self.messageRow(tip: tip, seq: seq, author: "officer", user: user.id, body: message, today: today).create(on: tx)
            }
            try await AuditLog.record(on: tx, actor: user.username, action: actionName, entity: "tip", entityID: tip.id?.uuidString,
                                      before: before, after: Self.auditText(tip))
            return (tip, target)
        }
        if let target { context.mailer.note(commune: target.id) }
        return tip
    }

    /// The contact details of a tip, to the accounts that may read them (`Permissions.canRevealTipContact`),
    /// each time with an audit entry: who read them, and when. Nil when the citizen left none; a message when
    /// they cannot be read with this server's key.
    static func revealContact(_ tip: Tip, user: User, graph: UnitGraph, context: TipContext, on db: any Database) async throws -> String? {
        guard Self.canHandle(tip, user: user, graph: graph) else { throw AppError.notFound("tips.notFound") }
        guard let sealed = tip.contactSealed else { return nil }
        guard Permissions.canRevealTipContact(role: user.role, account: user.id, headsPolice: user.headsPolice, assignee: tip.assignedTo) else {
            throw AppError(.forbidden, "tips.contact.notYours")
        }
        try await AuditLog.record(on: db, actor: user.username, action: "tip.contactReveal", entity: "tip", entityID: tip.id?.uuidString)
        guard let contact = context.secrets.open(sealed) else { throw AppError(.conflict, "tips.contactUnreadable") }
        return contact
    }

    // MARK: The release and retention

    /// Writes what waits in the spool, all in one transaction and in random order (tips before the messages that may
    /// answer them), then removes it: the database learns of a tip only at a release. What was already committed (a
    /// crash between the commit and the removal) is removed, not written twice. A batch that fails is tried item by
    /// item; an item that still fails waits for the next release. How many items were written.
    @discardableResult
    static func release(context: TipContext, on db: any Database, logger: Logger) async throws -> Int {
        guard let spool = context.spool else { return 0 }
        let all = spool.entries().shuffled()
        // Tips before messages, whatever the chunk: a message may answer a tip of this release.
        let ordered = all.filter { $0.item.kind == .tip } + all.filter { $0.item.kind == .message }
        var written = 0
        // In chunks, so that a day's tips stay within any database's bound parameters.
        for start in stride(from: 0, to: ordered.count, by: Self.releaseChunk) {
            written += try await Self.release(Array(ordered[start..<min(start + Self.releaseChunk, ordered.count)]),
                                              spool: spool, context: context, on: db, logger: logger)
        }
        return written
    }

    static let releaseChunk = 500

    private static func release(_ entries: [(name: String, item: TipSpool.Item)], spool: TipSpool, context: TipContext,
                                on db: any Database, logger: Logger) async throws -> Int {
        let tipIDs = entries.filter { $0.item.kind == .tip }.map(\.item.tipID)
        let messageIDs = entries.compactMap(\.item.messageID)
        let doneTips = Set(try await Tip.query(on: db).filter(\.$id ~~ tipIDs).all().compactMap(\.id))
        let doneMessages = Set(try await TipMessage.query(on: db).filter(\.$id ~~ messageIDs).all().compactMap(\.id))
        spool.remove(entries.filter { e in
            e.item.kind == .tip ? doneTips.contains(e.item.tipID) : e.item.messageID.map(doneMessages.contains) ?? false
        }.map(\.name))
        var ready: [Released] = []
        for e in entries where !(e.item.kind == .tip ? doneTips.contains(e.item.tipID) : e.item.messageID.map(doneMessages.contains) ?? false) {
            guard let day = LocalDate(iso: e.item.day), let bytes = spool.files(of: e.name, e.item) else {
                logger.warning("a spooled tip cannot be read; it stays in \(TipSpool.folder)")
                continue
            }
            let files = try await Self.write(zip(e.item.files.map(\.kind), bytes).map { ($0, $1) }, context: context, day: day)
            ready.append(Released(name: e.name, item: e.item, day: day, files: files))
        }
        let batch = ready
        var written: [Released] = []
        do {
            try await db.audited { tx in try await Self.store(batch, on: tx) }
            written = batch
        } catch {
            for r in batch {
                do {
                    try await db.audited { tx in try await Self.store([r], on: tx) }
                    written.append(r)
                } catch {
                    context.files.remove(r.files.map(\.name))
                    logger.warning("a spooled tip could not be written; it waits for the next release")
                }
            }
        }
        spool.remove(written.map(\.name))
        for r in written { if let commune = r.item.tip?.communeID { context.mailer.note(commune: commune) } }
        return written.count
    }

    /// A spooled item with its files written, ready for its rows.
    struct Released: Sendable {
        var name: String
        var item: TipSpool.Item
        var day: LocalDate
        var files: [StoredFile]
    }

    static func store(_ released: [Released], on tx: any Database) async throws {
        let arrivals = released.compactMap { r -> Arrival? in
            guard r.item.kind == .tip, let fields = r.item.tip else { return nil }
            return Arrival(tip: fields.tip(id: r.item.tipID), files: r.files, day: r.day)
        }
        try await Self.store(arrivals, on: tx)
        for r in released where r.item.kind == .message {
            // A tip erased or never written since: its message has nowhere to go.
            guard let tip = try await Tip.find(r.item.tipID, on: tx) else { throw AppError.notFound("tips.notFound") }
            try await Self.store(CitizenMessage(id: r.item.messageID ?? UUID(), text: r.item.body, files: r.files, day: r.day), to: tip, on: tx)
        }
    }

    /// Erases what `TipRetention` says is due today: contacts of tips closed long enough, then the text,
    /// conversation and files of tips closed longer; each tip in its own transaction, re-read there, audited as the
    /// system's. The counted information source stays. How many contacts and contents were erased.
    @discardableResult
    static func applyRetention(_ policy: TipRetention, context: TipContext, today: LocalDate, on db: any Database) async throws -> (contacts: Int, contents: Int) {
        let closed = TipStatus.allCases.filter { !$0.isOpen }
        let candidates = try await Tip.query(on: db).filter(\.$status ~~ closed).filter(\.$erasedOn == nil).all()
        var counts = (contacts: 0, contents: 0)
        for candidate in candidates where Self.retentionStep(candidate, policy, today: today) != .keep {
            let (step, gone): (TipRetention.Step, [String]) = try await db.audited { tx in
                try await Self.hold(candidate, on: tx)
                guard let tip = try await Tip.find(candidate.id, on: tx) else { return (.keep, []) }
                let step = Self.retentionStep(tip, policy, today: today)
                var gone: [String] = []
                switch step {
                case .keep: return (step, [])
                case .eraseContact:
                    tip.contactSealed = nil
                    try await tip.update(on: tx)
                    try await AuditLog.record(on: tx, actor: "system", action: "tip.contactErased", entity: "tip", entityID: tip.id?.uuidString)
                case .eraseContent:
                    let id = try tip.requireID()
                    let files = try await TipFile.query(on: tx).filter(\.$tipID == id).all()
                    let messages = try await TipMessage.query(on: tx).filter(\.$tipID == id).count()
                    gone = files.map(\.storedName)
                    try await TipFile.query(on: tx).filter(\.$tipID == id).delete()
                    try await TipMessage.query(on: tx).filter(\.$tipID == id).delete()
                    tip.description = ""
                    tip.occurredTime = nil
                    tip.contactSealed = nil
                    tip.erasedOn = today.iso
                    try await tip.update(on: tx)
                    try await AuditLog.record(on: tx, actor: "system", action: "tip.contentErased", entity: "tip", entityID: tip.id?.uuidString,
                                              after: #"{"files":\#(files.count),"messages":\#(messages)}"#)
                }
                return (step, gone)
            }
            context.files.remove(gone)
            switch step {
            case .keep: break
            case .eraseContact: counts.contacts += 1
            case .eraseContent: counts.contents += 1
            }
        }
        return counts
    }

    /// The day a tip closed: the day kept since closings were recorded, else its last officer's action (a tip
    /// closed before that), else its day of arrival.
    static func retentionStep(_ tip: Tip, _ policy: TipRetention, today: LocalDate) -> TipRetention.Step {
        let closed = tip.closedOn.flatMap(LocalDate.init(iso:)) ?? tip.lastOfficerAt.map(VietnamTime.localDate(of:))
            ?? LocalDate(iso: tip.receivedOn)
        return policy.step(status: tip.status, closedOn: closed, hasContact: tip.contactSealed != nil,
                           erased: tip.erasedOn != nil, today: today)
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
                          SQLBind(r.day.iso), SQLBind(r.tip.category), SQLBind("people"), SQLBind(r.tip.status.recordStatus),
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
        let s = Summary(status: tip.status.rawValue, category: tip.category, commune: tip.communeID?.uuidString, village: tip.villageID?.uuidString,
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
        default: query.filter(\.$status ~~ [TipStatus]())
        }
    }

    /// The tips an account works, filtered; newest first.
    static func inbox(_ f: Filter, user: User, graph: UnitGraph, pageSize: Int, on db: any Database) async throws -> (tips: [Tip], total: Int) {
        let query = Tip.query(on: db)
        Self.scope(query, user: user, graph: graph)
        switch f.status {
        case "all": break
        case "open": query.filter(\.$status ~~ TipStatus.allCases.filter(\.isOpen))
        // One no status names finds nothing.
        default: query.filter(\.$status ~~ (TipStatus(rawValue: f.status).map { [$0] } ?? []))
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
            $0.filter(\.$status ~~ [TipStatus.new, .transferred]).filter(\.$citizenReplied == true)
        }
        return try await query.count()
    }
}
