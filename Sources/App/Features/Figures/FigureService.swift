import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Monthly figures of a commune: read by month, and set several at once on the rules of `FigureDraft`.
enum FigureService {
    /// The figures stored for a commune and month, by kind.
    static func month(_ commune: UUID, _ month: Month, on db: any Database) async throws -> [FigureKind: Figure] {
        let rows = try await Figure.query(on: db).filter(\.$communeID == commune).filter(\.$month == month.text).all()
        var out: [FigureKind: Figure] = [:]
        for f in rows { if let kind = FigureKind(rawValue: f.kind) { out[kind] = f } }
        return out
    }

    /// The commune's values of the three months before `month` that have one, latest first, by kind.
    static func previous(_ commune: UUID, before month: Month, on db: any Database) async throws -> [FigureKind: [Int]] {
        let rows = try await Figure.query(on: db).filter(\.$communeID == commune).filter(\.$month < month.text)
            .filter(\.$month >= month.adding(months: -12).text).sort(\.$month, .descending).all()
        var out: [FigureKind: [Int]] = [:]
        for f in rows {
            guard let kind = FigureKind(rawValue: f.kind), (out[kind]?.count ?? 0) < 3 else { continue }
            out[kind, default: []].append(f.value)
        }
        return out
    }

    struct Saved {
        var figures: [Figure]
        var created: Set<FigureKind>
    }

    /// Sets figures of one commune and month together: checked with what else the month holds (a part within its
    /// whole), stored in one transaction with an audit entry each; nothing is stored when any is wrong (a 422 with
    /// a message per kind). Unless `confirmed`, values far from the commune's usual are not stored either: the 422
    /// `figures.unusual` names them, for the person to look again and confirm.
    static func set(_ values: [FigureKind: Int], basis: [FigureKind: String], commune: UnitInfo, month: Month, user: User,
                    graph: UnitGraph, confirmed: Bool, on db: any Database) async throws -> Saved {
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: commune.id,
                                          on: min(month.lastDay, commune.validTo ?? month.lastDay)) else {
            throw AppError.forbidden
        }
        return try await db.audited { tx in
            // The month held, then what is stored read: checked and written against the figures as they stand.
            try await MonthReviewService.holdOpen(commune.id, month, graph: graph, on: tx)
            let stored = try await self.month(commune.id, month, on: tx)
            var standing = stored.mapValues(\.value)
            for (kind, value) in values { standing[kind] = value }
            let previous = try await self.previous(commune.id, before: month, on: tx)
            let check = FigureDraft.check(values: standing, previous: previous)
            // Only what is being set is questioned: a stored figure is not the person's to fix here.
            let errors = check.errors.filter { values[$0.key] != nil || values[$0.key.whole ?? $0.key] != nil }
            if !errors.isEmpty {
                throw AppError(.unprocessableEntity, "records.invalid", fields: Dictionary(uniqueKeysWithValues: errors.map { ($0.key.rawValue, $0.value) }))
            }
            let unusual = check.unusual.filter { values[$0.key] != nil && values[$0.key] != stored[$0.key]?.value }
            if !confirmed && !unusual.isEmpty {
                throw AppError(.unprocessableEntity, "figures.unusual", fields: Dictionary(uniqueKeysWithValues: unusual.map { ($0.key.rawValue, $0.value) }))
            }
            return try await store(values, basis: basis, commune: commune, month: month, stored: stored, user: user, graph: graph, on: tx)
        }
    }

    /// Stores checked values of one commune and month, with an audit entry per change; a value equal to the one
    /// stored changes nothing. Call inside a transaction.
    static func store(_ values: [FigureKind: Int], basis: [FigureKind: String], commune: UnitInfo, month: Month,
                      stored: [FigureKind: Figure], user: User, graph: UnitGraph, on tx: any Database) async throws -> Saved {
        let userID = try user.requireID()
        var saved: [Figure] = []
        var created: Set<FigureKind> = []
        for kind in FigureKind.allCases {
            guard let value = values[kind] else { continue }
            let existing = stored[kind]
            if let existing, existing.value == value, basis[kind] == nil || basis[kind] == existing.basis {
                saved.append(existing)
                continue
            }
            let figure = existing ?? Figure()
            let before = existing.map { FiguresAPI.auditText(FiguresAPI.figureJSON($0, graph: graph)) }
            figure.communeID = commune.id
            figure.kind = kind.rawValue
            figure.month = month.text
            figure.value = value
            // Left out, the basis stays as stored.
            figure.basis = basis[kind] ?? existing?.basis
            figure.createdBy = existing?.createdBy ?? userID
            if existing == nil { try await figure.create(on: tx); created.insert(kind) } else { try await figure.update(on: tx) }
            try await AuditLog.record(on: tx, actor: user.username, action: existing == nil ? "figure.create" : "figure.update",
                                      entity: "figure", entityID: figure.id?.uuidString, before: before,
                                      after: FiguresAPI.auditText(FiguresAPI.figureJSON(figure, graph: graph)))
            saved.append(figure)
        }
        return Saved(figures: saved, created: created)
    }
}
