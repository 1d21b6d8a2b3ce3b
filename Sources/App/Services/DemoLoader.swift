import Crypto
import Fluent
import Foundation
import ThiDuaCore
import Vapor
import SQLKit
import Yams

/// Loads the seed plan and the Uông Bí demo: units with their 2025 merger, villages, teams, members and accounts.
///
/// Every row has an id derived from what it is, so loading again inserts nothing new.
enum DemoLoader {
    struct Summary: Sendable {
        var plan: PlanService.Outcome
        var unitsAdded: Int
        var teamsAdded: Int
        var membersAdded: Int
        var accounts: [(username: String, role: String)]
        /// The password of the accounts created now; nil when every demo account already existed (and kept its own).
        var password: String?
        var recordsAdded = 0
        var figuresAdded = 0
        /// The illustrative movement (the seed plan re-dated to hold today), when it was loaded.
        var illustrative: (Plan, PlanService.Outcome)?
        /// Sample records and figures of the days since the seed plan's end, for the illustrative movement.
        var liveRecordsAdded = 0
        var liveFiguresAdded = 0
    }

    static let planFile = "Plans/uong-bi-2024-2025.yaml"
    static let demoFile = "Demo/uong-bi.yaml"

    static let illustrativeID = "uong-bi-minh-hoa"
    /// The last day of the seed plan, and of the sample records that go with it.
    static let seedEnd = LocalDate(iso: "2025-08-19")!

    /// `sampleRecords`: also add a year of sample records and figures when the record store is empty.
    /// `illustrative`: also keep the seed plan re-dated so that its phase 2 holds `today`, with sample records up to
    /// the day before (tests leave it out, so that what they count does not depend on the day they run).
    /// `accounts`: also create the demo accounts that do not exist yet.
    static func load(resources: String, password: String, sampleRecords: Bool = true, illustrative: Bool = true,
                     accounts withAccounts: Bool = true, today: LocalDate = VietnamTime.localDate(of: Date()),
                     on db: any Database) async throws -> Summary {
        let planYAML = try read(resources, planFile)
        let (_, planOutcome) = try await PlanService.importPlan(yaml: planYAML, actor: "demo", on: db)
        let spec = try YAMLDecoder().decode(DemoSpec.self, from: try read(resources, demoFile))
        let built = try build(spec, catalogue: try CatalogueService.read(resources: resources).area(spec.district.code))
        // Hashed only when an account is created.
        let hash: @Sendable () throws -> String = { try Bcrypt.hash(password) }

        var summary = try await db.audited { tx in
            let existingUnits = Set(try await Unit.query(on: tx).all(\.$id))
            let newUnits = built.units.filter { !existingUnits.contains($0.id) }
            try await newUnits.map { Unit($0, sample: built.sampleUnits.contains($0.id)) }.create(on: tx)
            let existingLinks = try await UnitParentLink.query(on: tx).all()
                .map { "\($0.$unit.id)|\($0.$parent.id)|\($0.validFrom)" }
            let newLinks = built.links.filter { !existingLinks.contains("\($0.unitID)|\($0.parentID)|\($0.validFrom.iso)") }
            try await newLinks.map(UnitParentLink.init).create(on: tx)
            let existingSuccessions = try await UnitSuccession.query(on: tx).all()
                .map { "\($0.$predecessor.id)|\($0.$successor.id)" }
            try await built.successions.filter { !existingSuccessions.contains("\($0.predecessorID)|\($0.successorID)") }
                .map(UnitSuccession.init).create(on: tx)

            let existingTeams = Set(try await Team.query(on: tx).all(\.$id))
            let newTeams = built.teams.filter { !existingTeams.contains($0.id!) }
            try await newTeams.create(on: tx)
            let existingMembers = Set(try await Member.query(on: tx).all(\.$id))
            let newMembers = built.members.filter { !existingMembers.contains($0.id!) }
            try await newMembers.create(on: tx)

            var accounts: [(String, String)] = []
            var created = 0
            for account in withAccounts ? spec.accounts : [] {
                guard let role = Role(rawValue: account.role) else {
                    throw StartupError("\(demoFile): unknown role \(account.role)")
                }
                var unitID = try account.unit.map { code in
                    guard let id = built.unitsByCode[code] else { throw StartupError("\(demoFile): no unit with code \(code)") }
                    return id
                }
                if let name = account.ward {
                    guard let id = built.wardsByName[name] else { throw StartupError("\(demoFile): no 2025 ward \(name)") }
                    unitID = id
                }
                if let name = account.village {
                    guard let id = built.villagesByName[name] else { throw StartupError("\(demoFile): no village \(name)") }
                    unitID = id
                }
                // An account that exists is left as it is: a restart must not change anyone's password.
                if try await User.query(on: tx).filter(\.$username == account.username).first() == nil {
                    let user = User(id: stableID("user", account.username), username: account.username,
                                    displayName: account.displayName, passwordHash: try hash(), role: role, unitID: unitID)
                    try await user.create(on: tx)
                    created += 1
                }
                accounts.append((account.username, role.rawValue))
            }
            let added = newUnits.count + newTeams.count + newMembers.count
            try await AuditLog.record(on: tx, actor: "demo", action: "demo.load", entity: "demo", entityID: nil,
                                      after: "{\"units\":\(newUnits.count),\"teams\":\(newTeams.count),\"members\":\(newMembers.count),\"added\":\(added)}")
            return Summary(plan: planOutcome, unitsAdded: newUnits.count, teamsAdded: newTeams.count,
                           membersAdded: newMembers.count, accounts: accounts, password: created > 0 ? password : nil)
        }
        if sampleRecords { (summary.recordsAdded, summary.figuresAdded) = try await self.sampleRecords(on: db) }
        if illustrative {
            summary.illustrative = try await illustrativePlan(yaml: planYAML, today: today, on: db)
            if sampleRecords { (summary.liveRecordsAdded, summary.liveFiguresAdded) = try await liveRecords(today: today, on: db) }
        }
        return summary
    }

    /// The seed plan re-dated so that its phase 2 began 60 days before today; kept as it is while its phase 2 still
    /// holds today, so that restarting the demo changes nothing.
    static func illustrativePlan(yaml: String, today: LocalDate, on db: any Database) async throws -> (Plan, PlanService.Outcome) {
        if let (_, existing) = try await PlanService.movement(illustrativeID, on: db), existing.phases.count > 1,
           existing.phases[1].span.contains(today) {
            return (existing, .unchanged)
        }
        let seed = try PlanLoader.load(yaml: yaml)
        guard let days = Illustration.offset(plan: seed, phase: 1, today: today, daysInto: 60),
              let text = Illustration.redated(yaml: yaml, days: days, id: illustrativeID, themeNote: "(Minh họa)") else {
            throw StartupError("\(planFile): cannot re-date the seed plan for the illustrative movement")
        }
        return try await PlanService.importPlan(yaml: text, actor: "demo", on: db)
    }

    /// Sample records from the day after the seed plan's end to yesterday, and figures of those months, added once
    /// (when no record is dated after the seed plan's end), so that the illustrative movement has a past.
    static func liveRecords(today: LocalDate, on db: any Database) async throws -> (Int, Int) {
        let start = seedEnd.adding(days: 1), end = today.adding(days: -1)
        guard start <= end,
              try await Record.query(on: db).filter(\.$occurredOn > seedEnd.iso).count() == 0,
              let admin = try await User.query(on: db).filter(\.$username == "admin").first()?.requireID() else {
            return (0, 0)
        }
        let graph = try await UnitService.graph(on: db)
        return try await db.audited { tx in
            guard let sql = tx as? any SQLDatabase else { return (0, 0) }
            var sample = SampleData(graph: graph, author: admin, rng: SeededGenerator(seed: UInt64(end.dayNumber)))
            var records = BulkWriter(sql: sql, table: Record.schema, columns: SampleData.recordColumns)
            let villages = graph.units.values.filter { $0.level == .village && $0.isValid(on: end) }.sorted(by: UnitGraph.naturalOrder)
            try await sample.records(villages: villages, span: DateSpan(start: start, end: end), rates: .init(), into: &records)
            var figures = BulkWriter(sql: sql, table: Figure.schema, columns: SampleData.figureColumns)
            let communes = graph.units(at: .commune, on: end).sorted(by: UnitGraph.naturalOrder).map { c -> UnitInfo in
                var c = c
                c.population = c.population ?? Participation.population(of: c, graph: graph)
                return c
            }
            // Whole months only (the month of today is still being reported), after the last month with figures.
            let lastMonth = Month(today).previous
            let latest = try await Figure.query(on: tx).sort(\.$month, .descending).first().flatMap { Month(text: $0.month) }
            let firstMonth = max(Month(start), latest?.next ?? Month(start))
            if firstMonth <= lastMonth {
                try await sample.figures(communes: communes, from: firstMonth, to: lastMonth, into: &figures)
            }
            try await AuditLog.record(on: tx, actor: "demo", action: "demo.liveRecords", entity: "demo", entityID: nil,
                                      after: "{\"records\":\(records.written),\"figures\":\(figures.written)}")
            return (records.written, figures.written)
        }
    }

    /// A year of sample records and two years of monthly figures, added once to an empty record store.
    static func sampleRecords(on db: any Database) async throws -> (Int, Int) {
        guard try await Record.query(on: db).count() == 0, try await Figure.query(on: db).count() == 0,
              let admin = try await User.query(on: db).filter(\.$username == "admin").first()?.requireID() else {
            return (0, 0)
        }
        let graph = try await UnitService.graph(on: db)
        let today = VietnamTime.localDate(of: Date())
        let end = min(today, LocalDate(iso: "2025-08-19")!)
        let start = LocalDate(iso: "2024-08-19")!
        guard start <= end else { return (0, 0) }
        return try await db.audited { tx in
            guard let sql = tx as? any SQLDatabase else { return (0, 0) }
            var sample = SampleData(graph: graph, author: admin, rng: SeededGenerator(seed: 2024))
            var records = BulkWriter(sql: sql, table: Record.schema, columns: SampleData.recordColumns)
            let villages = graph.units.values.filter { $0.level == .village }.sorted(by: UnitGraph.naturalOrder)
            try await sample.records(villages: villages, span: DateSpan(start: start, end: end), rates: .init(), into: &records)
            var figures = BulkWriter(sql: sql, table: Figure.schema, columns: SampleData.figureColumns)
            let communes = graph.units.values.filter { $0.level == .commune }.sorted(by: UnitGraph.naturalOrder)
                .map { c -> UnitInfo in
                    var c = c
                    c.population = c.population ?? Participation.population(of: c, graph: graph)
                    return c
                }
            try await sample.figures(communes: communes, from: Month(year: 2023, month: 8)!, to: Month(end), into: &figures)
            try await AuditLog.record(on: tx, actor: "demo", action: "demo.records", entity: "demo", entityID: nil,
                                      after: "{\"records\":\(records.written),\"figures\":\(figures.written)}")
            return (records.written, figures.written)
        }
    }

    static func read(_ resources: String, _ file: String) throws -> String {
        let path = (resources as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("Missing file \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// A UUID that is the same every time for the same thing (name-based, from SHA-256).
    static func stableID(_ parts: String...) -> UUID {
        var bytes = Array(SHA256.hash(data: Data(("thidua-demo:" + parts.joined(separator: "/")).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    // MARK: Building the rows

    struct Built {
        var units: [UnitInfo] = []
        var sampleUnits: Set<UUID> = []
        var unitsByCode: [String: UUID] = [:]
        /// The wards of 2025 and the villages, by name, for accounts of today's structure.
        var wardsByName: [String: UUID] = [:]
        var villagesByName: [String: UUID] = [:]
        var links: [ParentLink] = []
        var successions: [Succession] = []
        var teams: [Team] = []
        var members: [Member] = []
    }

    /// The demo's units are the national catalogue's for its district and what became of it (`Catalogue.area`),
    /// with the demo's populations; its villages, their moves in the merger, teams and members are the demo's own.
    static func build(_ spec: DemoSpec, catalogue: Catalogue) throws -> Built {
        guard let from = LocalDate(iso: spec.structureFrom), let effective = LocalDate(iso: spec.merger.effective),
              let teamsFrom = LocalDate(iso: spec.teams.established) else {
            throw StartupError("\(demoFile): a date is not YYYY-MM-DD")
        }
        guard effective == Catalogue.reorganisation else { throw StartupError("\(demoFile): the merger is the catalogue's, on 2025-07-01") }
        var b = Built()
        let area = catalogue.area(spec.district.code)
        let (units, links, successions) = area.structure(from: from, id: CatalogueService.id)
        guard units.contains(where: { $0.level == .district }) else { throw StartupError("\(demoFile): no district \(spec.district.code) in the catalogue") }
        let populations = Dictionary(spec.communes.map { ($0.code, $0.population) }, uniquingKeysWith: { a, _ in a })
        var communeByName: [String: UnitInfo] = [:]
        for var unit in units {
            let old = unit.validTo != nil
            if unit.level == .commune && old, let code = unit.code {
                unit.population = populations[code] ?? nil
                communeByName[unit.name] = unit
            }
            b.units.append(unit)
            // The codes accounts name: a unit of before by its code, a ward of 2025 by its name.
            if let code = unit.code, old || unit.level == .province { b.unitsByCode[code] = unit.id }
            if unit.level == .commune && !old { b.wardsByName[unit.name] = unit.id }
        }
        b.links = links
        b.successions = successions

        var villagesByCommune: [String: [UnitInfo]] = [:]
        for c in spec.communes {
            guard let commune = communeByName.values.first(where: { $0.code == c.code }), commune.name == c.name, commune.kind == c.kind else {
                throw StartupError("\(demoFile): no \(c.kind) \(c.name) with code \(c.code) under \(spec.district.code) in the catalogue")
            }
            let named = c.namedVillages ?? []
            // Numbered after their commune, so that names stay distinct inside the merged wards of 2025.
            let numbered = (0..<max(0, c.villages - named.count)).map { "\(c.name) \($0 + 1)" }
            let kind = c.villageKind ?? "khu"
            for (index, name) in (named + numbered).enumerated() {
                // A village's code is its commune's and a number (`06808-03`), kept when it moves.
                let village = UnitInfo(id: stableID("village", c.code, name), code: VillageImport.code(commune: c.code, number: index + 1),
                                       level: .village, kind: kind, name: name, validFrom: from)
                // The village keeps its identity across the merger; only its parent changes.
                b.units.append(village)
                b.sampleUnits.insert(village.id)
                b.villagesByName[name] = village.id
                b.links.append(ParentLink(unitID: village.id, parentID: commune.id, validFrom: from, validTo: commune.validTo))
                villagesByCommune[c.name, default: []].append(village)
            }
        }

        // Where each village went: all of a commune taken whole; of one taken in part, the villages the demo names.
        var taken: [String: Set<String>] = [:]
        for ward in spec.merger.wards {
            for (communeName, villageNames) in ward.part ?? [:] { taken[communeName, default: []].formUnion(villageNames) }
        }
        for ward in spec.merger.wards {
            guard let unitID = b.wardsByName[ward.name] else { throw StartupError("\(demoFile): no ward \(ward.name) of 2025 in the catalogue") }
            let made = Set(successions.filter { $0.successorID == unitID }.map { s in "\(s.predecessorID)|\(s.whole)" })
            var said = Set<String>()
            func move(_ villages: [UnitInfo], from commune: String, whole: Bool) throws {
                guard let old = communeByName[commune] else { throw StartupError("\(demoFile): no commune \(commune)") }
                for v in villages { b.links.append(ParentLink(unitID: v.id, parentID: unitID, validFrom: effective)) }
                said.insert("\(old.id)|\(whole)")
            }
            for name in ward.whole ?? [] { try move(villagesByCommune[name] ?? [], from: name, whole: true) }
            for (name, villageNames) in ward.part ?? [:] {
                let set = Set(villageNames)
                let moving = (villagesByCommune[name] ?? []).filter { set.contains($0.name) }
                guard moving.count == set.count else { throw StartupError("\(demoFile): \(name) lacks a named village") }
                try move(moving, from: name, whole: false)
            }
            for name in ward.restOf ?? [] {
                try move((villagesByCommune[name] ?? []).filter { !(taken[name] ?? []).contains($0.name) }, from: name, whole: false)
            }
            // The demo's account of each ward is the catalogue's, commune for commune, whole or part.
            guard said == made else { throw StartupError("\(demoFile): ward \(ward.name) is not made of what the catalogue says") }
        }

        let (minMembers, maxMembers) = (spec.teams.membersPerTeam.first ?? 3, spec.teams.membersPerTeam.last ?? 5)
        for c in spec.communes {
            for village in villagesByCommune[c.name] ?? [] {
                let teamID = stableID("team", c.code, village.name)
                b.teams.append(Team(id: teamID, villageID: village.id,
                                    name: Team.name(for: village),
                                    establishedOn: teamsFrom.iso, sample: true))
                var rng = SeededGenerator(seed: teamID)
                let size = minMembers + Int(rng.next() % UInt64(max(1, maxMembers - minMembers + 1)))
                for i in 0..<size {
                    let role: Member.Role = i == 0 ? .leader : (i == 1 ? .deputy : .member)
                    b.members.append(Member(id: stableID("member", c.code, village.name, String(i)), teamID: teamID,
                                            fullName: SampleNames.fullName(&rng), role: role,
                                            phone: String(format: "0900 000 %03d", Int(rng.next() % 1000)),
                                            recognisedOn: teamsFrom.iso, sample: true))
                }
            }
        }
        return b
    }
}

/// Generated Vietnamese names for sample members: common family, middle and given names, combined at random.
enum SampleNames {
    static let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
    static let middle = ["Văn", "Thị", "Đức", "Minh", "Quang", "Thanh", "Ngọc", "Hữu", "Xuân", "Công"]
    static let given = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương",
                        "Sơn", "Thảo", "Trung", "Tuấn", "Hạnh", "Khánh", "Thắng", "Yến"]

    static func fullName(_ rng: inout SeededGenerator) -> String {
        "\(family.randomElement(using: &rng)!) \(middle.randomElement(using: &rng)!) \(given.randomElement(using: &rng)!)"
    }
}

struct DemoSpec: Decodable {
    struct UnitSpec: Decodable {
        var code: String
        var kind: String
        var name: String
        var validTo: String?
        enum CodingKeys: String, CodingKey { case code, kind, name, validTo = "valid_to" }
    }
    struct CommuneSpec: Decodable {
        var code: String
        var kind: String
        var name: String
        var population: Int?
        var villages: Int
        var namedVillages: [String]?
        var villageKind: String?
        enum CodingKeys: String, CodingKey {
            case code, kind, name, population, villages, namedVillages = "named_villages", villageKind = "village_kind"
        }
    }
    /// A ward of 2025 by its name in the catalogue, and which villages of each commune it took.
    struct WardSpec: Decodable {
        var name: String
        var whole: [String]?
        var part: [String: [String]]?
        var restOf: [String]?
        enum CodingKeys: String, CodingKey { case name, whole, part, restOf = "rest_of" }
    }
    struct MergerSpec: Decodable {
        var effective: String
        var note: String?
        var wards: [WardSpec]
    }
    struct TeamSpec: Decodable {
        var established: String
        var membersPerTeam: [Int]
        enum CodingKeys: String, CodingKey { case established, membersPerTeam = "members_per_team" }
    }
    struct AccountSpec: Decodable {
        var username: String
        var displayName: String
        var role: String
        /// A unit of before 01/07/2025 by its code, a ward of 2025 by its name, or a village by name.
        var unit: String?
        var ward: String?
        var village: String?
        enum CodingKeys: String, CodingKey { case username, displayName = "display_name", role, unit, ward, village }
    }

    var structureFrom: String
    var province: UnitSpec
    var district: UnitSpec
    var communes: [CommuneSpec]
    var merger: MergerSpec
    var teams: TeamSpec
    var accounts: [AccountSpec]

    enum CodingKeys: String, CodingKey {
        case structureFrom = "structure_from", province, district, communes, merger, teams, accounts
    }
}
