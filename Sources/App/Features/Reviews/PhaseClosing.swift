import Fluent
import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor

/// What a closed phase keeps: the plan, the results and the facts they rest on, and the units, all as they stood when
/// it was closed. Later records, corrections, unit changes, a new plan or a new release of the evaluator move none
/// of it.
struct FrozenResults: Codable, Sendable {
    var plan: Plan
    var asOf: LocalDate
    var structureDate: LocalDate
    var units: [UnitInfo]
    var facts: FactsTable
    var results: [UnitResult]
}

/// Closing a phase (sơ kết, tổng kết): its results frozen as they stand, reopened only with a reason; both audited.
enum PhaseClosing {
    struct Closed: Sendable, Equatable {
        var id: UUID
        var at: Date
        var by: String
    }

    /// The movement's closed phases, without their snapshots.
    static func closed(_ movementID: UUID, on db: any Database) async throws -> [String: Closed] {
        let rows = try await ClosedPhase.query(on: db).filter(\.$movementID == movementID)
            .field(\.$id).field(\.$phaseID).field(\.$closedAt).field(\.$closedBy).all()
        var out: [String: Closed] = [:]
        for row in rows { if let id = row.id { out[row.phaseID] = Closed(id: id, at: row.closedAt, by: row.closedBy) } }
        return out
    }

    static func closed(_ movementID: UUID, phase: String, on db: any Database) async throws -> Closed? {
        try await closed(movementID, on: db)[phase]
    }

    /// The name a phase's assessment writers and its closing hold (`RowLock.hold(name:)`).
    static func lockName(_ movementID: UUID, phase: String) -> String { "phase/\(movementID.uuidString)/\(phase)" }

    /// Inside a write's transaction, before what it writes is read: holds the phase against its closing, then
    /// refuses the write once it is closed. A score written meanwhile is either in the frozen results or refused.
    static func holdOpen(_ movementID: UUID, phase: Phase, on tx: any Database) async throws {
        try await RowLock.hold(name: lockName(movementID, phase: phase.id), on: tx)
        try await requireOpen(movementID, phase: phase, on: tx)
    }

    /// Refuses a change to what a closed phase's results rest on (self-scores, reviews, adjustments), without holding
    /// the phase: an early answer, before files are stored or a form is read.
    static func requireOpen(_ movementID: UUID, phase: Phase, on db: any Database) async throws {
        if try await closed(movementID, phase: phase.id, on: db) != nil {
            throw AppError(.conflict, "phase.isClosed", ["phase": phase.name])
        }
    }

    /// A closed phase's frozen results, when what is asked is the whole phase (read as of its last day or later)
    /// in the structure it was frozen in (or none named); nil otherwise, and for a phase that is open.
    static func frozen(movementID: UUID, phase: Phase, asOf: LocalDate, structureDate: LocalDate?, on db: any Database,
                       cache: ResultsCache?) async throws -> ResultsService.Results? {
        guard asOf >= phase.end, let closed = try await closed(movementID, phase: phase.id, on: db) else { return nil }
        let results: ResultsService.Results
        if let kept = cache?.frozen(closed.id) {
            results = kept
        } else {
            guard let row = try await ClosedPhase.find(closed.id, on: db) else { return nil }
            guard let snapshot = try? JSONDecoder().decode(FrozenResults.self, from: Data(row.snapshot.utf8)),
                  let window = Optional(EvaluationWindow(phase: snapshot.plan.phase(id: phase.id) ?? phase, asOf: snapshot.asOf)),
                  let all = snapshot.facts.facts(units: Dictionary(snapshot.units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
            else {
                throw AppError(.internalServerError, "phase.snapshotUnreadable")
            }
            var r = ResultsService.Results(movementID: movementID, plan: snapshot.plan, window: window,
                                           structureDate: snapshot.structureDate, all: all, units: snapshot.results)
            r.closed = closed
            results = r
            cache?.keepFrozen(closed.id, r)
        }
        if let structureDate, structureDate != results.structureDate { return nil }
        return results
    }

    /// Closes a phase that is over: its results computed now, as of its last day in the structure of that day, are
    /// kept as they are. The time of closing is taken before they are computed, so that a record written meanwhile is
    /// listed as late even if it was counted.
    static func close(movement: Movement, plan: Plan, phase: Phase, user: User, graph: UnitGraph, today: LocalDate,
                      on db: any Database) async throws -> Closed {
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        guard ReviewRules.canClose(phase, today: today) else {
            throw AppError(.conflict, "phase.notOver", ["phase": phase.name, "date": phase.end.display])
        }
        let movementID = try movement.requireID()
        if try await closed(movementID, phase: phase.id, on: db) != nil { throw AppError(.conflict, "phase.alreadyClosed", ["phase": phase.name]) }
        let at = Date()
        let row = ClosedPhase()
        row.movementID = movementID
        row.phaseID = phase.id
        row.closedBy = user.username
        row.closedAt = at
        do {
            try await db.audited { tx in
                // The results are read with the phase held: a score written before the hold is in them, one after
                // it waits and is refused; read before it, a score could land between and be in neither.
                try await RowLock.hold(name: Self.lockName(movementID, phase: phase.id), on: tx)
                if try await closed(movementID, phase: phase.id, on: tx) != nil {
                    throw AppError(.conflict, "phase.alreadyClosed", ["phase": phase.name])
                }
                let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end,
                                                               structureDate: phase.end, graph: graph, on: tx)
                let snapshot = FrozenResults(plan: plan, asOf: results.window.asOf, structureDate: results.structureDate,
                                             units: results.all.map(\.unit), facts: FactsTable(results.all), results: results.units)
                row.snapshot = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
                try await row.create(on: tx)
                try await AuditLog.record(on: tx, actor: user.username, action: "phase.close", entity: "closed_phase",
                                          entityID: row.id?.uuidString,
                                          after: Self.auditText(["movement": plan.id, "phase": phase.id, "units": String(results.units.count)]))
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AppError(.conflict, "phase.alreadyClosed", ["phase": phase.name])
        }
        return Closed(id: try row.requireID(), at: at, by: user.username)
    }

    /// Opens a closed phase again; its frozen results are gone and it is computed live until closed again.
    static func reopen(movement: Movement, plan: Plan, phase: Phase, reason raw: String, user: User, on db: any Database) async throws {
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        let (reason, errors) = ReviewRules.reopenReason(raw)
        guard let reason else { throw AppError(.unprocessableEntity, "records.invalid", fields: errors) }
        let movementID = try movement.requireID()
        try await db.audited { tx in
            try await RowLock.hold(name: Self.lockName(movementID, phase: phase.id), on: tx)
            guard let row = try await ClosedPhase.query(on: tx).filter(\.$movementID == movementID).filter(\.$phaseID == phase.id)
                .field(\.$id).field(\.$closedAt).field(\.$closedBy).first(), let id = row.id else {
                throw AppError(.conflict, "phase.notClosed", ["phase": phase.name])
            }
            try await ClosedPhase.query(on: tx).filter(\.$id == id).delete()
            try await AuditLog.record(on: tx, actor: user.username, action: "phase.reopen", entity: "closed_phase", entityID: id.uuidString,
                                      before: Self.auditText(["closedBy": row.closedBy, "closedAt": ISO8601DateFormatter().string(from: row.closedAt)]),
                                      after: Self.auditText(["movement": plan.id, "phase": phase.id, "reason": reason]))
        }
    }

    static func auditText(_ values: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A change after closing to what a closed phase's results rest on.
    struct LateChange: Sendable, Equatable {
        enum What: String, Sendable { case added, changed, removed }
        var what: What
        /// A record's kind, or a figure's.
        var kind: String
        var isFigure: Bool
        var commune: UUID
        /// The record's day, or the figure's month.
        var day: String
        var at: Date
        var recordID: UUID?
    }

    /// Records dated in the phase and figures of its months added, corrected or removed after it was closed, in the
    /// communes its results rest on; the latest first, at most `limit`.
    static func lateChanges(_ results: ResultsService.Results, closed: Closed, graph: UnitGraph, limit: Int = 500,
                            on db: any Database) async throws -> [LateChange] {
        let phase = results.window.phase
        var map = Participation.StructureMap(graph: graph, structureDate: results.structureDate, participants: Set(results.all.map(\.unit.id)))
        let sources = Array(map.sources(of: Set(results.all.map(\.unit.id))))
        var out: [LateChange] = []
        for chunk in stride(from: 0, to: sources.count, by: 500).map({ Array(sources[$0..<min($0 + 500, sources.count)]) }) {
            let records = try await Record.query(on: db).filter(\.$communeID ~~ chunk)
                .filter(\.$occurredOn >= phase.start.iso).filter(\.$occurredOn <= phase.end.iso)
                .group(.or) { $0.filter(\.$createdAt > closed.at).filter(\.$updatedAt > closed.at) }
                .sort(\.$updatedAt, .descending).limit(limit).all()
            for r in records {
                guard let day = LocalDate(iso: r.occurredOn) else { continue }
                let added = (r.createdAt ?? .distantPast) > closed.at
                let at = max(r.createdAt ?? .distantPast, r.updatedAt ?? .distantPast)
                guard ReviewRules.isLate(occurredOn: day, changedAt: at, phase: phase, closedAt: closed.at) else { continue }
                out.append(LateChange(what: added ? .added : .changed, kind: r.kind, isFigure: false, commune: r.communeID,
                                      day: r.occurredOn, at: at, recordID: r.id))
            }
            let months = Month.counted(in: phase.span).map(\.text)
            let figures = try await Figure.query(on: db).filter(\.$communeID ~~ chunk).filter(\.$month ~~ months)
                .group(.or) { $0.filter(\.$createdAt > closed.at).filter(\.$updatedAt > closed.at) }
                .limit(limit).all()
            for f in figures {
                let at = max(f.createdAt ?? .distantPast, f.updatedAt ?? .distantPast)
                guard let month = Month(text: f.month), ReviewRules.isLate(month: month, changedAt: at, phase: phase, closedAt: closed.at) else { continue }
                out.append(LateChange(what: (f.createdAt ?? .distantPast) > closed.at ? .added : .changed, kind: f.kind, isFigure: true,
                                      commune: f.communeID, day: f.month, at: at, recordID: nil))
            }
        }
        // Records and figures removed since: their tombstones say what each was.
        let sourceSet = Set(sources)
        let removals = try await RemovedRow.query(on: db).filter(\.$removedAt > closed.at).sort(\.$removedAt, .descending).limit(limit * 4).all()
        for r in removals {
            let late: Bool
            switch r.entity {
            case .record:
                guard let day = LocalDate(iso: r.day) else { continue }
                late = ReviewRules.isLate(occurredOn: day, changedAt: r.removedAt, phase: phase, closedAt: closed.at)
            case .figure:
                guard let month = Month(text: r.day) else { continue }
                late = ReviewRules.isLate(month: month, changedAt: r.removedAt, phase: phase, closedAt: closed.at)
            }
            guard late, sourceSet.contains(r.communeID) else { continue }
            out.append(LateChange(what: .removed, kind: r.kind, isFigure: r.entity == .figure, commune: r.communeID, day: r.day,
                                  at: r.removedAt, recordID: r.entity == .record ? r.id : nil))
        }
        return Array(out.sorted { ($0.at, $0.day) > ($1.at, $1.day) }.prefix(limit))
    }
}

extension ResultsCache {
    /// A closed phase's results, decoded once per closing.
    func frozen(_ id: UUID) -> ResultsService.Results? { frozenBox.withLockedValue { $0[id] } }

    func keepFrozen(_ id: UUID, _ results: ResultsService.Results) {
        frozenBox.withLockedValue { kept in
            if kept.count >= Self.capacity { kept.removeAll() }
            kept[id] = results
        }
    }
}
