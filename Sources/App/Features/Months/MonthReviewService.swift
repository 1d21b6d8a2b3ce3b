import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A commune's month on its way to approval, as stored: no row is "open".
final class MonthReviewRow: Model, @unchecked Sendable {
    static let schema = "month_reviews"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "commune_id") var communeID: UUID
    @Field(key: "month") var month: String
    @Field(key: "state") var state: String
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "updated_by") var updatedBy: String

    init() {}
}

/// Submitting, returning, approving and reopening a commune's month (rules in `MonthReview`), and the lock an
/// approved month puts on the writes of its records and figures.
enum MonthReviewService {
    struct Status: Sendable, Equatable {
        var state: MonthState
        var reason: String?
        var by: String?
    }

    static func status(_ commune: UUID, _ month: Month, on db: any Database) async throws -> Status {
        let row = try await MonthReviewRow.query(on: db).filter(\.$communeID == commune).filter(\.$month == month.text).first()
        return Status(state: try state(of: row), reason: row?.reason, by: row?.updatedBy)
    }

    /// A stored state as it is; none is open. One that cannot be read is refused, never taken as open: that would
    /// unlock the month.
    static func state(of row: MonthReviewRow?) throws -> MonthState {
        guard let row else { return .open }
        guard let state = MonthState(rawValue: row.state) else {
            throw AppError(.internalServerError, "month.stateUnreadable", ["state": row.state, "month": row.month])
        }
        return state
    }

    /// The name writers to a commune's month hold (`RowLock.hold(name:)`): its records and figures, and its review.
    static func lockName(_ commune: UUID, _ month: Month) -> String { "month/\(commune.uuidString)/\(month.text)" }

    /// The states of many communes' months at once (missing: open).
    static func states(communes: [UUID], months: [Month], on db: any Database) async throws -> [UUID: [Month: MonthState]] {
        guard !communes.isEmpty, !months.isEmpty else { return [:] }
        var out: [UUID: [Month: MonthState]] = [:]
        for first in stride(from: 0, to: communes.count, by: 500) {
            let some = Array(communes[first..<min(first + 500, communes.count)])
            let rows = try await MonthReviewRow.query(on: db).filter(\.$communeID ~~ some).filter(\.$month ~~ months.map(\.text)).all()
            for row in rows {
                guard let m = Month(text: row.month) else { continue }
                out[row.communeID, default: [:]][m] = try state(of: row)
            }
        }
        return out
    }

    /// Inside a write's transaction, before what it writes is read: holds the commune's month against its review, then
    /// refuses the write once the month is approved (a 409 that says which month and how to go on). Several months
    /// (a record moved from one to another) are held in one order, so that two writers never wait for each other.
    static func holdOpen(_ months: [(commune: UUID, month: Month)], graph: UnitGraph, on tx: any Database) async throws {
        let named = Dictionary(months.map { (lockName($0.commune, $0.month), $0) }, uniquingKeysWith: { a, _ in a })
        for name in named.keys.sorted() { try await RowLock.hold(name: name, on: tx) }
        for (commune, month) in named.values { try await requireOpen(commune, month, graph: graph, on: tx) }
    }

    static func holdOpen(_ commune: UUID, _ month: Month, graph: UnitGraph, on tx: any Database) async throws {
        try await holdOpen([(commune, month)], graph: graph, on: tx)
    }

    /// The same refusal without holding the month: an early answer for a form, before its write holds it (`holdOpen`).
    static func requireOpen(_ commune: UUID, _ month: Month, graph: UnitGraph, on db: any Database) async throws {
        let status = try await status(commune, month, on: db)
        guard status.state.isLocked else { return }
        throw AppError(.conflict, "month.locked", ["month": month.display,
                                                   "unit": graph.units[commune]?.fullName ?? ""])
    }

    /// Takes an action on a commune's month: checked by the rules, stored, audited with its before and after.
    static func act(_ action: MonthAction, commune: UnitInfo, month: Month, reason: String?, user: User, graph: UnitGraph,
                    today: LocalDate = VietnamTime.localDate(of: Date()), on db: any Database) async throws -> Status {
        let day = min(month.lastDay, commune.validTo ?? month.lastDay)
        let reach = user.reach(graph)
        let mayWrite = Permissions.canWriteCommune(role: user.role, reach: reach, commune: commune.id, on: day)
        let committee = Permissions.canReview(role: user.role, reach: reach, commune: commune.id, on: day)
        let trimmed = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let trimmed, trimmed.count > 1000 { throw AppError(.unprocessableEntity, "records.invalid", fields: ["reason": "field.tooLong"]) }
        return try await db.audited { tx in
            // Held as the month's writers hold it: a record written meanwhile is either before the approval or refused.
            try await RowLock.hold(name: Self.lockName(commune.id, month), on: tx)
            let row = try await MonthReviewRow.query(on: tx).filter(\.$communeID == commune.id).filter(\.$month == month.text).first()
            let state = try Self.state(of: row)
            switch MonthReview.next(from: state, action: action, commune: mayWrite, committee: committee, reason: trimmed,
                                    ended: month.lastDay < today) {
            case .failure(.forbidden):
                throw AppError.forbidden
            case .failure(.reasonRequired):
                throw AppError(.unprocessableEntity, "records.invalid", fields: ["reason": "field.required"])
            case .failure(let refusal):
                throw AppError(.conflict, refusal.key, ["state": state.rawValue])
            case .success(let next):
                let stored = row ?? MonthReviewRow()
                stored.communeID = commune.id
                stored.month = month.text
                stored.state = next.rawValue
                stored.reason = (trimmed?.isEmpty ?? true) ? nil : trimmed
                stored.updatedBy = user.username
                if row == nil { try await stored.create(on: tx) } else { try await stored.update(on: tx) }
                try await AuditLog.record(on: tx, actor: user.username, action: "month.\(action.rawValue)", entity: "month_review",
                                          entityID: "\(commune.id.uuidString)/\(month.text)",
                                          before: "{\"state\":\"\(state.rawValue)\"}",
                                          after: Self.json(next, reason: stored.reason))
                return Status(state: next, reason: stored.reason, by: user.username)
            }
        }
    }

    static func json(_ state: MonthState, reason: String?) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        struct Body: Encodable { var state: String; var reason: String? }
        return (try? encoder.encode(Body(state: state.rawValue, reason: reason))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
