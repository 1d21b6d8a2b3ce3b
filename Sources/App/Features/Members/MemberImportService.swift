import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A commune's members from a file, checked whole against its villages, their lives and the teams as stored;
/// stored only when every row is right, in one transaction. The same for the browser and the command line.
enum MemberImportService {
    struct Checked {
        var commune: UnitInfo
        var rows: [(row: MemberImport.Row, village: UnitInfo, existing: Member?)]
        var problems: [ImportProblem]

        var added: Int { rows.filter { $0.existing == nil }.count }
        var updated: Int { rows.count - added }
        /// What the summary and the confirmation say.
        var counts: [String: String] { ["added": String(added), "updated": String(updated)] }
    }

    /// The commune an account imports for: its own for commune police, the one named (code or id) for the
    /// secretariat and the admin, within what the account may write today.
    static func commune(_ key: String?, user: User, graph: UnitGraph, today: LocalDate) throws -> UnitInfo {
        let given = key.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        guard let given = given ?? (user.role == .communeOfficer ? user.$unit.id?.uuidString : nil) else {
            throw AppError.badRequest("error.unitRequired")
        }
        guard let unit = UnitService.find(given, on: today, in: graph), unit.level == .commune, unit.isValid(on: today),
              Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: unit.id, on: today) else {
            throw AppError.notFound("error.unitNotFound")
        }
        return unit
    }

    /// A village of the commune today, by its id, its code ("06820-07"), its full name ("khu Vàng Danh 3") or its
    /// name ("Vàng Danh 3").
    static func village(_ key: String, in villages: [UnitInfo]) -> UnitInfo? {
        if let id = UUID(uuidString: key) { return villages.first { $0.id == id } }
        if let coded = villages.first(where: { $0.code == key }) { return coded }
        let folded = MemberImport.folded(key)
        return villages.first { MemberImport.folded($0.fullName) == folded } ?? villages.first { MemberImport.folded($0.name) == folded }
    }

    static func check(_ sheet: ImportSheet, commune: UnitInfo, graph: UnitGraph, today: LocalDate, on db: any Database) async throws -> Checked {
        let (rows, read) = MemberImport.read(sheet, today: today)
        var problems = read
        let villages = graph.villages(of: commune.id, on: today)
        // A file names a few villages many times: each name is looked up once.
        var named: [String: UnitInfo?] = [:]
        func village(_ key: String) -> UnitInfo? {
            if let known = named[key] { return known }
            let found = Self.village(key, in: villages)
            named[key] = found
            return found
        }
        let teams = try await Team.query(on: db).filter(\.$village.$id ~~ villages.map(\.id)).with(\.$members).all()
        let teamOf = Dictionary(teams.map { ($0.$village.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Each team's members by their folded name, folded once: a commune of 20,000 is matched row by row.
        let byName = teamOf.mapValues { team in
            Dictionary(team.members.map { (MemberImport.folded($0.fullName), $0) }, uniquingKeysWith: { first, _ in first })
        }
        var good: [(row: MemberImport.Row, village: UnitInfo, existing: Member?)] = []
        // The people the file makes no longer the serving leader of their village's team.
        let stepsDown = Set(rows.compactMap { row -> String? in
            guard row.role != .leader || !row.serves(on: today), let v = village(row.village) else { return nil }
            return v.id.uuidString + "|" + MemberImport.folded(row.fullName)
        })
        for row in rows {
            guard let village = village(row.village) else {
                problems.append(.init(line: row.line, key: "import.village", arguments: ["value": row.village, "commune": commune.fullName]))
                continue
            }
            // A member serves a team of a village that exists: not before it began, not after it ended.
            if row.joinedOn < village.validFrom || village.validTo.map({ row.joinedOn > $0 }) == true {
                problems.append(.init(line: row.line, key: "import.outsideLife", arguments: [
                    "village": village.fullName, "from": village.validFrom.display, "to": village.validTo?.display ?? "…"]))
                continue
            }
            let members = teamOf[village.id]?.members ?? []
            let existing = byName[village.id]?[MemberImport.folded(row.fullName)]
            // The team's leader serving today, if another person than this row's, must step down in the same file.
            if row.role == .leader && row.serves(on: today),
               let leader = members.first(where: { m in
                   m.role == .leader && m.id != existing?.id && (m.leftOn.flatMap(LocalDate.init(iso:)).map { today <= $0 } ?? true)
               }),
               !stepsDown.contains(village.id.uuidString + "|" + MemberImport.folded(leader.fullName)) {
                problems.append(.init(line: row.line, key: "import.leaderTaken", arguments: ["name": leader.fullName]))
                continue
            }
            good.append((row, village, existing))
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return Checked(commune: commune, rows: good, problems: problems)
    }

    /// Stores every row, creating a village's team where it has none; returns the counts said.
    static func commit(_ checked: Checked, actor: String, on db: any Database) async throws -> [String: String] {
        guard checked.problems.isEmpty, !checked.rows.isEmpty else { throw AppError(.unprocessableEntity, "import.invalid") }
        try await db.audited { tx in
            var teams: [UUID: UUID] = [:]
            var added: [Member] = []
            for (row, village, existing) in checked.rows {
                if let existing {
                    existing.role = row.role
                    if !row.keepsPhone { existing.phone = row.phone }
                    existing.recognisedOn = row.joinedOn.iso
                    if !row.keepsLeftOn { existing.leftOn = row.leftOn?.iso }
                    try await existing.update(on: tx)
                    continue
                }
                let teamID: UUID
                if let known = teams[village.id] {
                    teamID = known
                } else if let team = try await Team.query(on: tx).filter(\.$village.$id == village.id).first(), let id = team.id {
                    teamID = id
                } else {
                    let earliest = checked.rows.filter { $0.village.id == village.id }.map(\.row.joinedOn).min() ?? row.joinedOn
                    let team = Team(villageID: village.id, name: Team.name(for: village), establishedOn: earliest.iso, sample: false)
                    try await team.create(on: tx)
                    teamID = try team.requireID()
                }
                teams[village.id] = teamID
                let member = Member(teamID: teamID, fullName: row.fullName, role: row.role, phone: row.phone,
                                    recognisedOn: row.joinedOn.iso, sample: false)
                member.leftOn = row.leftOn?.iso
                added.append(member)
            }
            // New members go in a hundred a statement (a commune may bring 20,000; one statement each is slow, one for
            // all exceeds what a statement may bind).
            for start in stride(from: 0, to: added.count, by: 100) {
                try await Array(added[start..<min(start + 100, added.count)]).create(on: tx)
            }
            // Names and phones are personal data: the log keeps the counts and the commune, not the people.
            try await AuditLog.record(on: tx, actor: actor, action: "members.import", entity: "unit", entityID: checked.commune.id.uuidString,
                                      after: "{\"added\":\(checked.added),\"updated\":\(checked.updated)}")
        }
        return checked.counts
    }

    /// The commune's members in the import's layout, those who left too; a line per village with no member in the
    /// template.
    static func export(_ commune: UnitInfo, graph: UnitGraph, today: LocalDate, template: Bool, on db: any Database) async throws -> [[String]] {
        let villages = graph.villages(of: commune.id, on: today).sorted { UnitGraph.naturalCompareStrings($0.name, $1.name) }
        var lines = [MemberImport.header]
        let teams = try await Team.query(on: db).filter(\.$village.$id ~~ villages.map(\.id)).with(\.$members).all()
        for village in villages {
            // Serving members first, by role then name; those who left after.
            func order(_ m: Member) -> (Int, Int, String) { (m.leftOn == nil ? 0 : 1, m.role.order, m.fullName) }
            let members = teams.filter { $0.$village.id == village.id }.flatMap(\.members).sorted { order($0) < order($1) }
            if template && members.isEmpty {
                lines.append([village.name, "", "", "", "", ""])
            }
            for m in members {
                lines.append([village.name, m.fullName, m.role.word, m.phone ?? "", m.recognisedOn, m.leftOn ?? ""])
            }
        }
        return lines
    }
}
