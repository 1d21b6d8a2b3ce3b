import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Stores pledges, self-assessments with their evidence, reviews and adjustments: the rules are `ReviewRules`',
/// the permissions `Permissions`'; a closed phase takes no change.
enum ReviewService {
    /// One commune in one phase of a movement.
    struct Scope: Sendable {
        var movement: Movement
        var plan: Plan
        var phase: Phase
        var unit: UnitInfo

        var movementID: UUID { get throws { try movement.requireID() } }
        /// The day the commune answers for the phase, whose rights count.
        var day: LocalDate { phase.lastDay(of: unit) }
    }

    /// A commune-level unit of a phase, by id or code; a 422 for the field otherwise.
    static func commune(_ key: String?, phase: Phase, graph: UnitGraph) throws -> UnitInfo {
        guard let key, !key.isEmpty else { throw AppError(.unprocessableEntity, "records.invalid", fields: ["unit": "field.required"]) }
        guard let unit = UnitService.find(key, on: phase.end, in: graph) ?? UnitService.find(key, on: phase.start, in: graph),
              unit.level == .commune else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: ["unit": "field.unknownCommune"])
        }
        return unit
    }

    static func invalid(_ errors: [String: String]) -> AppError { AppError(.unprocessableEntity, "records.invalid", fields: errors) }

    static func criterion(_ id: String?, plan: Plan) throws -> Criterion {
        guard let c = plan.criteria.first(where: { $0.id == id }) else {
            throw invalid(["criterion": id == nil ? "field.required" : "field.notAllowed"])
        }
        return c
    }

    static func existingScore(_ scope: Scope, criterion: String, on db: any Database) async throws -> CriterionScore? {
        try await CriterionScore.query(on: db).filter(\.$movementID == scope.movementID).filter(\.$phaseID == scope.phase.id)
            .filter(\.$unitID == scope.unit.id).filter(\.$criterionID == criterion).first()
    }

    static func scoreText(_ s: CriterionScore?) -> String {
        PhaseClosing.auditText(["self": s?.selfScore.map { String($0) } ?? "null", "reviewed": s?.reviewedScore.map { String($0) } ?? "null",
                                "selfNote": s?.selfNote ?? "", "reviewNote": s?.reviewNote ?? ""])
    }

    /// The commune scores itself on a criterion, with its justification and any new evidence files.
    static func selfScore(_ scope: Scope, criterion: Criterion, score raw: String, note: String, files: [[UInt8]], user: User,
                          graph: UnitGraph, store: FileStore, on db: any Database) async throws {
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: scope.unit.id, on: scope.day) else {
            throw AppError.forbidden
        }
        var (draft, errors) = ReviewRules.selfScore(raw, justification: note, criterion: criterion)
        let cleaned = FileStore.checked(files, errors: &errors)
        let movementID = try scope.movementID
        if !cleaned.isEmpty {
            let count = try await evidenceCount(scope, criterion: criterion.id, on: db)
            if count + cleaned.count > ReviewRules.maxEvidence { errors["files"] = "assessment.tooManyFiles" }
        }
        guard errors.isEmpty, let draft else { throw invalid(errors) }
        try await PhaseClosing.requireOpen(movementID, phase: scope.phase, on: db)
        let stored = try await store.writeAll(cleaned)
        do {
            try await db.audited { tx in
                try await PhaseClosing.holdOpen(movementID, phase: scope.phase, on: tx)
                if !stored.isEmpty {
                    // Counted again with the phase held: two uploads side by side cannot pass the limit together.
                    let count = try await evidenceCount(scope, criterion: criterion.id, on: tx)
                    if count + stored.count > ReviewRules.maxEvidence { throw invalid(["files": "assessment.tooManyFiles"]) }
                }
                let existing = try await existingScore(scope, criterion: criterion.id, on: tx)
                let before = existing.map(scoreText)
                let score = try existing ?? new(scope, criterion: criterion.id)
                score.selfScore = draft.score
                score.selfNote = draft.note
                score.selfBy = user.username
                try await score.save(on: tx)
                let now = Date()
                for file in stored {
                    let f = EvidenceFile()
                    f.movementID = movementID
                    f.phaseID = scope.phase.id
                    f.unitID = scope.unit.id
                    f.criterionID = criterion.id
                    f.kind = file.kind.rawValue
                    f.size = file.size
                    f.storedName = file.name
                    f.addedBy = user.username
                    f.addedAt = now
                    try await f.create(on: tx)
                }
                try await AuditLog.record(on: tx, actor: user.username, action: "assessment.self", entity: "criterion_score",
                                          entityID: score.id?.uuidString, before: before,
                                          after: scoreText(score).dropLast() + ",\"files\":\(stored.count)}")
            }
        } catch {
            store.remove(stored.map(\.name))
            throw error
        }
    }

    /// How many evidence files a commune's criterion of a phase has.
    static func evidenceCount(_ scope: Scope, criterion: String, on db: any Database) async throws -> Int {
        try await EvidenceFile.query(on: db).filter(\.$movementID == scope.movementID).filter(\.$phaseID == scope.phase.id)
            .filter(\.$unitID == scope.unit.id).filter(\.$criterionID == criterion).count()
    }

    private static func new(_ scope: Scope, criterion: String) throws -> CriterionScore {
        let score = CriterionScore()
        score.movementID = try scope.movementID
        score.phaseID = scope.phase.id
        score.unitID = scope.unit.id
        score.criterionID = criterion
        return score
    }

    /// The secretariat's reviewed score of a criterion, with a comment when it differs from the commune's own.
    static func review(_ scope: Scope, criterion: Criterion, score raw: String, note: String, user: User, graph: UnitGraph,
                       on db: any Database) async throws {
        guard Permissions.canReview(role: user.role, reach: user.reach(graph), commune: scope.unit.id, on: scope.day) else {
            throw AppError.forbidden
        }
        try await db.audited { tx in
            try await PhaseClosing.holdOpen(try scope.movementID, phase: scope.phase, on: tx)
            // Judged beside the commune's own score as it stands now, not as the page showed it.
            let current = try await existingScore(scope, criterion: criterion.id, on: tx)
            let (draft, errors) = ReviewRules.reviewedScore(raw, comment: note, selfScore: current?.selfScore, criterion: criterion)
            guard let draft else { throw invalid(errors) }
            let before = current.map(scoreText)
            let score = try current ?? new(scope, criterion: criterion.id)
            score.reviewedScore = draft.score
            score.reviewNote = draft.note.isEmpty ? nil : draft.note
            score.reviewedBy = user.username
            try await score.save(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "assessment.review", entity: "criterion_score",
                                      entityID: score.id?.uuidString, before: before, after: scoreText(score))
        }
    }

    /// Bonus or penalty points with their reason: the secretariat's.
    static func adjust(_ scope: Scope, adjustment id: String?, points raw: String, reason: String, user: User, graph: UnitGraph,
                       on db: any Database) async throws {
        guard let item = scope.plan.adjustments.first(where: { $0.id == id }) else {
            throw invalid(["adjustment": id == nil ? "field.required" : "field.notAllowed"])
        }
        let (draft, errors) = ReviewRules.adjustment(raw, reason: reason, item: item)
        guard let draft else { throw invalid(errors) }
        guard Permissions.canReview(role: user.role, reach: user.reach(graph), commune: scope.unit.id, on: scope.day) else {
            throw AppError.forbidden
        }
        let movementID = try scope.movementID
        try await db.audited { tx in
            try await PhaseClosing.holdOpen(movementID, phase: scope.phase, on: tx)
            let existing = try await AdjustmentEntry.query(on: tx).filter(\.$movementID == movementID)
                .filter(\.$phaseID == scope.phase.id).filter(\.$unitID == scope.unit.id).filter(\.$adjustmentID == item.id).first()
            let before = existing.map { PhaseClosing.auditText(["points": String($0.points), "reason": $0.reason]) }
            let entry = existing ?? AdjustmentEntry()
            entry.movementID = movementID
            entry.phaseID = scope.phase.id
            entry.unitID = scope.unit.id
            entry.adjustmentID = item.id
            entry.points = draft.score
            entry.reason = draft.note
            entry.givenBy = user.username
            try await entry.save(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "adjustment.set", entity: "adjustment_entry",
                                      entityID: entry.id?.uuidString, before: before,
                                      after: PhaseClosing.auditText(["points": String(draft.score), "reason": draft.note]))
        }
    }

    /// What a commune's sheet of a phase shows: its scores, adjustments and evidence, by criterion.
    struct Sheet: Sendable {
        var scores: [String: CriterionScore] = [:]
        var adjustments: [String: AdjustmentEntry] = [:]
        var files: [String: [EvidenceFile]] = [:]
    }

    static func sheet(_ scope: Scope, on db: any Database) async throws -> Sheet {
        let movementID = try scope.movementID
        var sheet = Sheet()
        for s in try await CriterionScore.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == scope.phase.id)
            .filter(\.$unitID == scope.unit.id).all() { sheet.scores[s.criterionID] = s }
        for a in try await AdjustmentEntry.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == scope.phase.id)
            .filter(\.$unitID == scope.unit.id).all() { sheet.adjustments[a.adjustmentID] = a }
        for f in try await EvidenceFile.query(on: db).filter(\.$movementID == movementID).filter(\.$phaseID == scope.phase.id)
            .filter(\.$unitID == scope.unit.id).sort(\.$addedAt).sort(\.$id).all() { sheet.files[f.criterionID, default: []].append(f) }
        return sheet
    }

    /// An evidence file of the scope, seen by whoever may see the commune's sheet.
    static func evidence(_ scope: Scope, id: String?, on db: any Database) async throws -> EvidenceFile {
        guard let id = id.flatMap(UUID.init(uuidString:)), let file = try await EvidenceFile.find(id, on: db),
              file.movementID == (try scope.movementID), file.phaseID == scope.phase.id, file.unitID == scope.unit.id else {
            throw AppError.notFound()
        }
        return file
    }

    /// Removes an evidence file while the phase is open: the commune's officer's, as the self-assessment is.
    static func removeEvidence(_ scope: Scope, file: EvidenceFile, user: User, graph: UnitGraph, store: FileStore, on db: any Database) async throws {
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: scope.unit.id, on: scope.day) else {
            throw AppError.forbidden
        }
        try await db.audited { tx in
            try await PhaseClosing.holdOpen(try scope.movementID, phase: scope.phase, on: tx)
            // Gone meanwhile (removed by another): nothing to remove, and no second audit entry.
            guard try await EvidenceFile.query(on: tx).filter(\.$id == file.requireID()).count() == 1 else {
                throw AppError.notFound("error.recordNotFound")
            }
            try await file.delete(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "evidence.remove", entity: "evidence_file",
                                      entityID: file.id?.uuidString,
                                      before: PhaseClosing.auditText(["criterion": file.criterionID, "kind": file.kind, "size": String(file.size)]))
        }
        store.remove([file.storedName])
    }

    // MARK: Pledges

    static func pledges(_ movementID: UUID, on db: any Database) async throws -> [UUID: Pledge] {
        Dictionary(try await Pledge.query(on: db).filter(\.$movementID == movementID).all().map { ($0.unitID, $0) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// Registers or changes a commune's pledge while the movement runs; its officer's (or the secretariat's).
    static func pledge(movement: Movement, plan: Plan, unit: UnitInfo, draft: PledgeDraft, user: User, graph: UnitGraph,
                       today: LocalDate, on db: any Database) async throws {
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: unit.id, on: min(today, unit.validTo ?? today)) else {
            throw AppError.forbidden
        }
        guard ReviewRules.pledgeOpen(plan, today: today) else { throw AppError(.conflict, "pledge.closed") }
        let movementID = try movement.requireID()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await db.audited { tx in
            let existing = try await Pledge.query(on: tx).filter(\.$movementID == movementID).filter(\.$unitID == unit.id).first()
            let before = existing.map { PhaseClosing.auditText(["targets": $0.targets, "own": $0.ownTargets, "signer": $0.signer]) }
            let pledge = existing ?? Pledge()
            pledge.movementID = movementID
            pledge.unitID = unit.id
            pledge.targets = String(decoding: try encoder.encode(draft.targets), as: UTF8.self)
            pledge.ownTargets = String(decoding: try encoder.encode(draft.ownTargets), as: UTF8.self)
            pledge.signer = draft.signer
            pledge.signedBy = user.username
            pledge.signedAt = Date()
            try await pledge.save(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: existing == nil ? "pledge.register" : "pledge.change",
                                      entity: "pledge", entityID: pledge.id?.uuidString, before: before,
                                      after: PhaseClosing.auditText(["targets": pledge.targets, "own": pledge.ownTargets, "signer": pledge.signer]))
        }
    }
}

extension Request {
    /// Where evidence files are kept.
    var evidenceFiles: FileStore { FileStore(dataDirectory: application.config.dataDirectory, folder: FileStore.evidenceFiles, pool: application.threadPool) }
}
