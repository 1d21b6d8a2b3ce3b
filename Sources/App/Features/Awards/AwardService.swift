import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Nominations from proposal to decision: the rules are `AwardRules`', who may act `Permissions`' roles and reach;
/// every step audited.
enum AwardService {
    static func forms(activeOnly: Bool = false, on db: any Database) async throws -> [AwardForm] {
        let query = AwardForm.query(on: db).sort(\.$position).sort(\.$name)
        if activeOnly { query.filter(\.$active == true) }
        return try await query.all()
    }

    /// Who may be proposed by a commune on a day: its teams' current members, its teams, the commune itself.
    struct Nominee: Sendable, Equatable {
        var kind: NomineeKind
        var id: UUID
        var name: String
        /// The village whose records count for a member or a team.
        var village: UUID?
    }

    static func nominees(of commune: UnitInfo, on day: LocalDate, graph: UnitGraph, db: any Database) async throws -> [Nominee] {
        let villages = graph.villages(of: commune.id, on: day).map(\.id)
        var out = [Nominee(kind: .commune, id: commune.id, name: commune.fullName, village: nil)]
        guard !villages.isEmpty else { return out }
        let teams = try await Team.query(on: db).filter(\.$village.$id ~~ villages).sort(\.$name).all()
        for team in teams where team.dissolvedOn.map({ $0 >= day.iso }) ?? true {
            guard let id = team.id else { continue }
            out.append(Nominee(kind: .team, id: id, name: team.name, village: team.$village.id))
        }
        var teamVillage: [UUID: UUID] = [:]
        for team in teams { if let id = team.id { teamVillage[id] = team.$village.id } }
        let members = try await Member.query(on: db).filter(\.$team.$id ~~ Array(teamVillage.keys)).sort(\.$fullName).all()
        for m in members where m.leftOn.map({ $0 >= day.iso }) ?? true {
            guard let id = m.id else { continue }
            out.append(Nominee(kind: .member, id: id, name: m.fullName, village: teamVillage[m.$team.id]))
        }
        return out
    }

    /// The record kinds counted as a nominee's work, and the origins of information sources told apart.
    static let countedKinds: [RecordKind] = [.informationSource, .patrol, .fireActivity, .propaganda, .reformVisit, .model, .exemplar]
    static let countedOrigins = ["people", "team_member"]

    /// The nominee's measured record in the movement up to `today`: the records of its village (a member's or a
    /// team's) or of its commune (and the communes it was made of), by kind; the exemplars recorded there; the
    /// commune's total, band and rank in each phase (frozen once closed).
    static func evidence(for nominee: Nominee, commune: UnitInfo, movement: Movement, plan: Plan, graph: UnitGraph, today: LocalDate,
                         on db: any Database, cache: ResultsCache?) async throws -> NominationEvidence {
        let from = plan.phases.map(\.start).min() ?? today
        let to = min(plan.phases.map(\.end).max() ?? today, today)
        let query = Record.query(on: db).filter(\.$kind ~~ countedKinds.map(\.rawValue))
            .filter(\.$occurredOn >= from.iso).filter(\.$occurredOn <= to.iso)
        let area: String
        if let village = nominee.village {
            query.filter(\.$villageID == village)
            area = graph.units[village]?.fullName ?? nominee.name
        } else {
            var map = Participation.StructureMap(graph: graph, structureDate: min(to, commune.validTo ?? to), participants: [commune.id])
            query.filter(\.$communeID ~~ Array(map.sources(of: [commune.id])))
            area = commune.fullName
        }
        let records = try await query.all()
        var counts: [NominationEvidence.Count] = []
        for kind in countedKinds {
            let of = records.filter { $0.kind == kind.rawValue }
            counts.append(.init(key: kind.rawValue, n: of.count))
            if kind == .informationSource {
                for origin in countedOrigins { counts.append(.init(key: kind.rawValue + "." + origin, n: of.filter { $0.origin == origin }.count)) }
            }
        }
        let exemplars = records.filter { $0.kind == RecordKind.exemplar.rawValue }.sorted { $0.occurredOn < $1.occurredOn }
            .map { "\(LocalDate(iso: $0.occurredOn)?.display ?? $0.occurredOn): \($0.title ?? "") (\($0.recognisedBy ?? ""))" }
        var standings: [NominationEvidence.Standing] = []
        for phase in plan.phases where phase.start <= today {
            let structure = phase.structureDate(near: today)
            let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today, structureDate: structure,
                                                           graph: graph, on: db, cache: cache)
            // A village's commune on the phase's day of structure (a merger may have moved it); a commune itself.
            let unitID = nominee.village.flatMap { graph.parent(of: $0, on: results.structureDate) } ?? commune.id
            let r = results.units.first { $0.unit.id == unitID }
            standings.append(.init(phase: phase.name, unit: r?.unit.fullName ?? graph.units[unitID]?.fullName ?? "", total: r?.total,
                                   band: r?.classification?.name, rank: r?.rank, of: results.units.count, closed: results.closed != nil))
        }
        return NominationEvidence(area: area, from: from, to: to, counts: counts, exemplars: exemplars, standings: standings)
    }

    static func nomination(_ id: String?, on db: any Database) async throws -> Nomination {
        guard let id = id.flatMap(UUID.init(uuidString:)), let n = try await Nomination.find(id, on: db) else {
            throw AppError.notFound("award.notFound")
        }
        return n
    }

    /// Who may see a nomination (`Permissions.readsCommune`).
    static func canSee(_ n: Nomination, user: User, graph: UnitGraph, today: LocalDate) -> Bool {
        Permissions.readsCommune(role: user.role, reach: user.reach(graph), commune: n.communeID,
                                       on: Permissions.answeringDay(for: graph.units[n.communeID], today: today))
    }

    /// Whether the account may take a step (`Permissions.actsOnNomination`).
    static func canAct(_ step: NominationStep, on n: Nomination, user: User, graph: UnitGraph, today: LocalDate) -> Bool {
        Permissions.actsOnNomination(role: user.role, reach: user.reach(graph), communesStep: step.isCommunes, commune: n.communeID,
                                     on: Permissions.answeringDay(for: graph.units[n.communeID], today: today))
    }

    static func auditText(_ n: Nomination, _ extra: [String: String] = [:]) -> String {
        PhaseClosing.auditText(["status": n.state.rawValue, "award": n.awardFormID.uuidString, "nominee": n.nomineeName,
                                "votes": n.votes.map { "\($0.0)/\($0.1)/\($0.2)" } ?? "", "decision": n.decisionNumber ?? ""]
                                .merging(extra) { _, b in b })
    }

    /// A new proposal, with its documents.
    static func propose(movement: Movement, plan: Plan, commune: UnitInfo, form formID: String?, nominee key: String?, achievement raw: String,
                        files: [[UInt8]], user: User, graph: UnitGraph, today: LocalDate, store: FileStore, on db: any Database,
                        cache: ResultsCache?) async throws -> Nomination {
        let day = min(today, commune.validTo ?? today)
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: commune.id, on: day) else { throw AppError.forbidden }
        var errors: [String: String] = [:]
        let forms = try await forms(activeOnly: true, on: db)
        let form = forms.first { $0.id?.uuidString == formID }
        if form == nil { errors["form"] = formID?.isEmpty == false ? "field.notAllowed" : "field.required" }
        let candidates = try await nominees(of: commune, on: day, graph: graph, db: db)
        let nominee = candidates.first { "\($0.kind.rawValue):\($0.id.uuidString)" == key }
        if nominee == nil { errors["nominee"] = key?.isEmpty == false ? "field.notAllowed" : "field.required" }
        if let form, let nominee, !form.nominee.accepts(nominee.kind) { errors["nominee"] = "award.nomineeKind" }
        let (achievement, problems) = AwardRules.achievement(raw)
        errors.merge(problems) { a, _ in a }
        let cleaned = FileStore.checked(files, errors: &errors)
        guard errors.isEmpty, let form, let formUUID = form.id, let nominee, let achievement else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: errors)
        }
        let evidence = try await Self.evidence(for: nominee, commune: commune, movement: movement, plan: plan, graph: graph, today: today,
                                               on: db, cache: cache)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let n = Nomination()
        n.movementID = try movement.requireID()
        n.awardFormID = formUUID
        n.communeID = commune.id
        n.kind = nominee.kind
        n.nomineeID = nominee.id
        n.nomineeName = nominee.name
        n.achievement = achievement
        n.evidence = String(decoding: try encoder.encode(evidence), as: UTF8.self)
        n.state = .proposed
        n.proposedBy = user.username
        let stored = try await store.writeAll(cleaned)
        do {
            try await db.audited { tx in
                try await n.create(on: tx)
                try await addFiles(stored, to: n, purpose: "document", user: user, on: tx)
                try await AuditLog.record(on: tx, actor: user.username, action: "nomination.propose", entity: "nomination",
                                          entityID: n.id?.uuidString, after: auditText(n))
            }
        } catch {
            store.remove(stored.map(\.name))
            throw error
        }
        return n
    }

    static func addFiles(_ stored: [FileStore.Stored], to n: Nomination, purpose: String, user: User, on db: any Database) async throws {
        let now = Date()
        for file in stored {
            let f = NominationFile()
            f.nominationID = try n.requireID()
            f.purpose = purpose
            f.kind = file.kind.rawValue
            f.size = file.size
            f.storedName = file.name
            f.addedBy = user.username
            f.addedAt = now
            try await f.create(on: db)
        }
    }

    static func files(of n: Nomination, on db: any Database) async throws -> [NominationFile] {
        try await NominationFile.query(on: db).filter(\.$nominationID == n.requireID()).sort(\.$addedAt).sort(\.$id).all()
    }

    /// Takes a step: checked, permitted, from where the nomination stands (read under the write lock, so two
    /// secretaries acting at once take turns), with files when the step carries them.
    static func act(_ step: NominationStep, on id: UUID, achievement: String? = nil, files: [[UInt8]] = [], user: User, graph: UnitGraph,
                    today: LocalDate, store: FileStore, on db: any Database) async throws -> Nomination {
        // A step that is not the account's is refused before what was typed is looked at (and again under the lock).
        if let n = try await Nomination.find(id, on: db), !canAct(step, on: n, user: user, graph: graph, today: today) { throw AppError.forbidden }
        var errors = AwardRules.check(step, today: today)
        let checked = step == .edit ? achievement.map(AwardRules.achievement) : nil
        errors.merge(checked?.1 ?? [:]) { a, _ in a }
        let text = checked?.0
        let cleaned = FileStore.checked(files, errors: &errors)
        guard errors.isEmpty else { throw AppError(.unprocessableEntity, "records.invalid", fields: errors) }
        let stored = try await store.writeAll(cleaned)
        do {
            return try await db.audited { tx in
                try await RowLock.hold(Nomination.schema, id: id, on: tx)
                guard let n = try await Nomination.find(id, on: tx) else { throw AppError.notFound("award.notFound") }
                guard canAct(step, on: n, user: user, graph: graph, today: today) else { throw AppError.forbidden }
                let before = auditText(n)
                switch AwardRules.next(n.state, step, votes: n.votes) {
                case .failure(let problem):
                    throw AppError(.conflict, problem.rawValue, ["status": n.state.rawValue])
                case .success(let status):
                    n.state = status
                }
                switch step {
                case .edit: if let text { n.achievement = text }
                case .resubmit, .toCouncil: break
                case .returnToCommune(let reason): n.returnReason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
                case let .vote(yes, no, abstain, note):
                    n.votesFor = yes
                    n.votesAgainst = no
                    n.votesAbstain = abstain
                    n.councilNote = note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : note.trimmingCharacters(in: .whitespacesAndNewlines)
                case let .decide(number, date, authority, signerTitle, signer):
                    n.decisionNumber = number.trimmingCharacters(in: .whitespaces)
                    n.decisionDate = date.iso
                    n.decisionAuthority = authority.trimmingCharacters(in: .whitespacesAndNewlines)
                    n.decisionSignerTitle = ReportDocument.paragraphs(signerTitle).joined(separator: "\n")
                    n.decisionSigner = signer.trimmingCharacters(in: .whitespaces)
                case .reject(let reason): n.rejectionReason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                try await n.update(on: tx)
                try await addFiles(stored, to: n, purpose: step.name == "vote" ? "minutes" : "document", user: user, on: tx)
                var extra: [String: String] = [:]
                if case .returnToCommune(let r) = step { extra["reason"] = r }
                if case .reject(let r) = step { extra["reason"] = r }
                try await AuditLog.record(on: tx, actor: user.username, action: "nomination." + step.name, entity: "nomination",
                                          entityID: n.id?.uuidString, before: before, after: auditText(n, extra))
                return n
            }
        } catch {
            store.remove(stored.map(\.name))
            throw error
        }
    }
}
