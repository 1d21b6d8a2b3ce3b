import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The prose of a review report, kept per movement and scope (a phase, or the whole movement).
final class SavedReport: Model, @unchecked Sendable {
    static let schema = "review_reports"

    @ID(key: .id) var id: UUID?
    @Field(key: "movement_id") var movementID: UUID
    @Field(key: "scope") var scope: String
    /// `ReportProse` as JSON.
    @Field(key: "prose") var prose: String
    @Field(key: "updated_by") var updatedBy: String
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// Everything a review report shows: per phase its results (frozen when closed), the exemplary collectives and
/// individuals recorded in the movement, and the secretariat's prose.
struct ReportData: Sendable {
    struct PhaseResults: Sendable {
        /// The plan the results were computed with (a closed phase's, as it was).
        var plan: Plan
        var phase: Phase
        var closed: PhaseClosing.Closed?
        var asOf: LocalDate
        var units: [UnitResult]
        /// The area as a whole: every target over the communes with data.
        var rollup: UnitResult
    }
    struct Exemplar: Sendable {
        var day: LocalDate
        var commune: String
        var collective: Bool
        var name: String
        var recognisedBy: String
    }

    var plan: Plan
    /// A phase's id, or `ReportService.wholeMovement`.
    var scope: String
    var phases: [PhaseResults]
    var exemplars: [Exemplar]
    var prose: ReportProse
    /// When the data were read.
    var madeAt: Date
}

enum ReportService {
    static let wholeMovement = "movement"

    /// The phases a scope covers: one, or all of the plan's.
    static func phases(_ plan: Plan, scope: String?) throws -> (String, [Phase]) {
        guard let scope, !scope.isEmpty, scope != wholeMovement else { return (wholeMovement, plan.phases) }
        guard let phase = plan.phase(id: scope) else {
            throw AppError(.notFound, "error.phaseNotFound", ["phases": plan.phases.map(\.id).joined(separator: ", ")])
        }
        return (phase.id, [phase])
    }

    static func prose(_ movementID: UUID, scope: String, on db: any Database) async throws -> ReportProse {
        guard let row = try await SavedReport.query(on: db).filter(\.$movementID == movementID).filter(\.$scope == scope).first() else {
            return ReportProse()
        }
        return (try? JSONDecoder().decode(ReportProse.self, from: Data(row.prose.utf8))) ?? ReportProse()
    }

    /// Saves the prose; the committee's, audited.
    static func save(_ prose: ReportProse, movement: Movement, scope: String, user: User, on db: any Database) async throws {
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        let movementID = try movement.requireID()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(prose), as: UTF8.self)
        try await db.audited { tx in
            let row = try await SavedReport.query(on: tx).filter(\.$movementID == movementID).filter(\.$scope == scope).first() ?? SavedReport()
            let before = row.id == nil ? nil : row.prose
            row.movementID = movementID
            row.scope = scope
            row.prose = text
            row.updatedBy = user.username
            try await row.save(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "report.save", entity: "review_report",
                                      entityID: row.id?.uuidString, before: before, after: text)
        }
    }

    /// The report's data: each phase's results as of today (its frozen ones once closed), in the structure of its last day.
    static func data(movement: Movement, plan: Plan, scope: String?, graph: UnitGraph, today: LocalDate, on db: any Database,
                     cache: ResultsCache?) async throws -> ReportData {
        let (key, phases) = try Self.phases(plan, scope: scope)
        let movementID = try movement.requireID()
        var sections: [ReportData.PhaseResults] = []
        var sources: Set<UUID> = []
        for phase in phases {
            let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today,
                                                           structureDate: phase.structureDate(near: today), graph: graph, on: db, cache: cache)
            let area = UnitInfo(id: UUID(uuidString: "00000000-0000-0000-0000-000000000000") ?? UUID(), level: .province, kind: "",
                                name: plan.organiser.shortName ?? plan.organiser.name, validFrom: phase.start)
            sections.append(.init(plan: results.plan, phase: phase, closed: results.closed, asOf: results.window.asOf, units: results.units,
                                  rollup: Evaluator.rollUp(plan: results.plan, window: results.window, unit: area, communes: results.all)))
            var map = Participation.StructureMap(graph: graph, structureDate: results.structureDate, participants: Set(results.all.map(\.unit.id)))
            sources.formUnion(map.sources(of: Set(results.all.map(\.unit.id))))
        }
        // The exemplary collectives and individuals recorded in the scope's days, in its communes.
        var exemplars: [ReportData.Exemplar] = []
        if let first = phases.map(\.start).min(), let last = phases.map(\.end).max() {
            let list = Array(sources)
            for chunk in stride(from: 0, to: list.count, by: 500).map({ Array(list[$0..<min($0 + 500, list.count)]) }) {
                let rows = try await Record.query(on: db).filter(\.$kind == RecordKind.exemplar.rawValue).filter(\.$communeID ~~ chunk)
                    .filter(\.$occurredOn >= first.iso).filter(\.$occurredOn <= min(last, today).iso).all()
                for r in rows {
                    guard let day = LocalDate(iso: r.occurredOn) else { continue }
                    exemplars.append(.init(day: day, commune: graph.units[r.communeID]?.fullName ?? "", collective: r.subkind == "collective",
                                           name: r.title ?? "", recognisedBy: r.recognisedBy ?? ""))
                }
            }
        }
        exemplars.sort { ($0.day, $0.commune, $0.name) < ($1.day, $1.commune, $1.name) }
        return ReportData(plan: plan, scope: key, phases: sections, exemplars: exemplars,
                          prose: try await prose(movementID, scope: key, on: db), madeAt: Date())
    }
}
