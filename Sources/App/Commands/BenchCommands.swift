import ConsoleKit
import Fluent
import Foundation
import SQLKit
import ThiDuaCore
import Vapor

/// `thidua bench-data --scale city|province|nation`: a synthetic movement of that size in the configured database.
struct BenchDataCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "city (10 communes), province (100) or nation (the national catalogue: 10,035 communes until 30/06/2025, 3,321 from 01/07/2025, 86,000 teams).")
        var scale: String?
        @Option(name: "seed", help: "Seed for the random data (default 1).")
        var seed: Int?
        @Option(name: "records-per-village", help: "Records per village over the movement's year (default 232: 20 million for the nation).")
        var recordsPerVillage: Double?
    }

    var help: String {
        "Generates a synthetic movement for benchmarks into the configured database, which must be empty: units, teams, members, about 232 records per village for the movement's year, and two years of monthly figures."
    }

    struct Scale {
        var provinces: Int
        var communes: Int
        var villagesPerCommune: Int
        /// Average members per team.
        var members: Double

        static func named(_ name: String) -> Scale? {
            switch name {
            case "city": Scale(provinces: 1, communes: 10, villagesPerCommune: 10, members: 5)
            case "province": Scale(provinces: 1, communes: 100, villagesPerCommune: 26, members: 3.2)
            // The nation's units are the catalogue's (`nation`); its villages and members are these sizes.
            case "nation": Scale(provinces: 34, communes: 3321, villagesPerCommune: 26, members: 3.2)
            default: nil
            }
        }
    }

    /// Records per village in the movement's year: 20 million over about 86,000 villages.
    static let recordsPerVillage = 232.0
    /// At most this many per village are generated row by row; the rest are copies.
    static let generatedPerVillage = 23.2

    /// One more copy of every record written before `before`, each moved by its own number of days (by the copy's
    /// number and the row) and wrapped around the movement's year, with all its dates moved alike. The copies keep
    /// each commune's and village's mix of kinds and attributes, spread over other days and months. A copy is filed
    /// under the commune its village belonged to on the copy's day (villages move on 01/07/2025 in the nation).
    static func replicate(copy: Int, before: Date, year: DateSpan, on sql: any SQLDatabase) async throws {
        let days = year.dayCount
        let columns = SampleData.recordColumns.joined(separator: ", ")
        func communeOn(_ day: String) -> String {
            "COALESCE((SELECT l.parent_id FROM unit_parent_links l WHERE l.unit_id = village_id AND l.valid_from <= \(day) AND (l.valid_to IS NULL OR l.valid_to >= \(day))), commune_id)"
        }
        if SQLDialect(sql) == .sqlite {
            // A version-4 UUID in SQLite's text form.
            let newID = "hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-A' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))"
            func moved(_ column: String) -> String { "CASE WHEN \(column) IS NULL THEN NULL ELSE date(\(column), shift || ' days') END" }
            try await sql.raw("""
                INSERT INTO records (\(unsafeRaw: columns))
                SELECT \(unsafeRaw: newID), kind, \(unsafeRaw: communeOn(moved("occurred_on"))), village_id, \(unsafeRaw: moved("occurred_on")), \(unsafeRaw: moved("ended_on")),
                       category, origin, status, flag, \(unsafeRaw: moved("flag_on")), subkind, title, quantity, participants,
                       started_at + shift * 86400, ended_at + shift * 86400, reform_case_id, person_code, person_name,
                       recognised_by, created_by, \(bind: before.addingTimeInterval(Double(copy))), \(bind: before.addingTimeInterval(Double(copy)))
                FROM (SELECT *, ((day + \(bind: copy * 37) + rowid % 31) % \(bind: days) + \(bind: days)) % \(bind: days) - day AS shift
                      FROM (SELECT *, rowid, CAST(julianday(occurred_on) - julianday(\(bind: year.start.iso)) AS INTEGER) AS day
                            FROM records WHERE created_at < \(bind: before)))
                """).run()
        } else {
            func moved(_ column: String) -> String { "to_char(CAST(\(column) AS DATE) + shift, 'YYYY-MM-DD')" }
            try await sql.raw("""
                INSERT INTO records (\(unsafeRaw: columns))
                SELECT gen_random_uuid(), kind, \(unsafeRaw: communeOn(moved("occurred_on"))), village_id, \(unsafeRaw: moved("occurred_on")), \(unsafeRaw: moved("ended_on")),
                       category, origin, status, flag, \(unsafeRaw: moved("flag_on")), subkind, title, quantity, participants,
                       started_at + shift * INTERVAL '1 day', ended_at + shift * INTERVAL '1 day', reform_case_id, person_code,
                       person_name, recognised_by, created_by, \(bind: before.addingTimeInterval(Double(copy))), \(bind: before.addingTimeInterval(Double(copy)))
                FROM (SELECT *, CAST(((day + \(bind: copy * 37) + abs(hashtext(CAST(id AS TEXT)) % 31)) % \(bind: days) + \(bind: days)) % \(bind: days) - day AS INTEGER) AS shift
                      FROM (SELECT *, CAST(occurred_on AS DATE) - CAST(\(bind: year.start.iso) AS DATE) AS day
                            FROM records WHERE created_at < \(bind: before)) d) s
                """).run()
        }
    }

    /// The nation on the national catalogue: its 63 provinces and 10,035 communes until 30/06/2025 and its 34 and
    /// 3,321 from 01/07/2025, with about 86,000 villages (26 for each commune of 2025) among the old communes. Each
    /// village moves on 01/07/2025 to its commune's successor; a commune taken in part shares its villages among its
    /// successors in turn. Old communes get a population; a new one's is its predecessors' (`Participation`).
    static func nation(app: Application, scale: Scale, seed: UInt64) async throws -> (units: Int, teams: Int, members: Int, communes: [UnitInfo]) {
        let catalogue = try CatalogueService.read(resources: app.config.resourcesDirectory)
        let report = try await CatalogueService.apply(catalogue, actor: "bench", on: app.db)
        let successors = Dictionary(grouping: catalogue.successions, by: \.old).mapValues { $0.map(\.new).sorted() }
        let oldCommunes = catalogue.before.filter { $0.level == .commune }
        let perCommune = Double(scale.communes * scale.villagesPerCommune) / Double(oldCommunes.count)
        let start = CatalogueService.start, end = Catalogue.reorganisation.adding(days: -1)
        let counts = try await app.db.audited { tx -> (Int, Int, Int) in
            let sql = tx as! any SQLDatabase
            var rng = SeededGenerator(seed: seed)
            var out = StructureWriter(sql: sql)
            let none: String? = nil
            for old in oldCommunes {
                let communeID = CatalogueService.id(new: false, code: old.code)
                try await sql.update(Unit.schema).set("population", to: 4000 + Int(rng.next() % 16000)).where("id", .equal, communeID).run()
                let next = successors[old.code] ?? []
                let count = Int(perCommune) + (Double.random(in: 0..<1, using: &rng) < perCommune - Double(Int(perCommune)) ? 1 : 0)
                for v in 0..<count {
                    let village = UUID()
                    try await out.units.add([village, VillageImport.code(commune: old.code, number: v + 1), "village", "thôn", "Thôn \(v + 1)",
                                         Int?.none, Int?.none, start.iso, none, true], autoFlush: false)
                    try await out.links.add([UUID(), village, communeID, start.iso, next.isEmpty ? none : end.iso], autoFlush: false)
                    if !next.isEmpty {
                        try await out.links.add([UUID(), village, CatalogueService.id(new: true, code: next[v % next.count]), Catalogue.reorganisation.iso, none],
                                            autoFlush: false)
                    }
                    try await out.team(village: village, number: v + 1, members: scale.members, rng: &rng)
                }
                try await out.flush(onlyIfFull: true)
            }
            try await out.flush(onlyIfFull: false)
            return (out.units.written, out.teams.written, out.members.written)
        }
        let graph = try await UnitService.graph(on: app.db)
        let communes = graph.units.values.filter { $0.level == .commune }.sorted(by: UnitGraph.naturalOrder).map { c -> UnitInfo in
            var c = c
            c.population = c.population ?? Participation.population(of: c, graph: graph)
            return c
        }
        return (report.added + counts.0, counts.1, counts.2, communes)
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let name = signature.scale, let scale = Scale.named(name) else {
            context.complain(app.localizer.text("cli.bench.scale", app.config.defaultLanguage))
            throw ExitCode.failure
        }
        let perVillage = signature.recordsPerVillage ?? Self.recordsPerVillage
        guard perVillage > 0, perVillage <= 10_000 else {
            context.complain(app.localizer.text("cli.bench.perVillage", app.config.defaultLanguage))
            throw ExitCode.failure
        }
        try await app.migrateQuietly()
        guard try await Unit.query(on: app.db).count() == 0 else {
            context.complain(app.localizer.text("cli.bench.notEmpty", app.config.defaultLanguage))
            throw ExitCode.failure
        }
        guard let sql = app.db as? any SQLDatabase else { return }
        let clock = ContinuousClock()
        let start = clock.now
        let from = LocalDate(iso: "2020-01-01")!

        // Units, teams, members.
        let seed = UInt64(signature.seed ?? 1)
        let built = name == "nation" ? try await Self.nation(app: app, scale: scale, seed: seed) : try await app.db.audited { tx -> (units: Int, teams: Int, members: Int, communes: [UnitInfo]) in
            let sql = tx as! any SQLDatabase
            var rng = SeededGenerator(seed: seed)
            var out = StructureWriter(sql: sql)
            let none: String? = nil
            var communeInfos: [UnitInfo] = []
            var communeNumber = 0
            for p in 0..<scale.provinces {
                let province = UUID()
                try await out.units.add([province, String(format: "B%02d", p + 1), "province", "tỉnh", "Tỉnh \(p + 1)", Int?.none, Int?.none, from.iso, none, true], autoFlush: false)
                let count = scale.communes / scale.provinces + (p < scale.communes % scale.provinces ? 1 : 0)
                for _ in 0..<count {
                    communeNumber += 1
                    let commune = UUID()
                    let population = 4000 + Int(rng.next() % 16000)
                    let info = UnitInfo(id: commune, code: String(format: "B%05d", communeNumber), level: .commune, kind: "xã",
                                        name: "Xã \(communeNumber)", population: population, validFrom: from)
                    communeInfos.append(info)
                    try await out.units.add([commune, info.code!, "commune", "xã", info.name, population, Int?.none, from.iso, none, true], autoFlush: false)
                    try await out.links.add([UUID(), commune, province, from.iso, none], autoFlush: false)
                    for v in 0..<scale.villagesPerCommune {
                        let village = UUID()
                        try await out.units.add([village, none, "village", "thôn", "Thôn \(v + 1) xã \(communeNumber)", Int?.none, Int?.none, from.iso, none, true], autoFlush: false)
                        try await out.links.add([UUID(), village, commune, from.iso, none], autoFlush: false)
                        try await out.team(village: village, number: v + 1, members: scale.members, rng: &rng)
                    }
                    // Units before the rows that refer to them.
                    try await out.flush(onlyIfFull: true)
                }
            }
            try await out.flush(onlyIfFull: false)
            return (out.units.written, out.teams.written, out.members.written, communeInfos)
        }
        let structureTime = clock.now - start
        context.say("Units: \(built.units), teams: \(built.teams), members: \(built.members) in \(structureTime)")

        // The plan (the seed's, over every commune) and an author.
        let seedPlan = try DemoLoader.read(app.config.resourcesDirectory, DemoLoader.planFile)
        let plan = seedPlan.replacingOccurrences(of: "id: uong-bi-2024-2025", with: "id: bench-\(name)")
            .replacingOccurrences(of: "area: [\"196\"]\n", with: "")
        _ = try await PlanService.importPlan(yaml: plan, actor: "bench", on: app.db)
        let author = User(username: "bench", displayName: "Benchmark", passwordHash: try Bcrypt.hash(PasswordRules.oneTime()),
                          role: .admin, unitID: nil)
        try await author.create(on: app.db)

        // Records and figures.
        let recordsStart = clock.now
        let graph = try await UnitService.graph(on: app.db)
        let authorID = try author.requireID()
        // Records beyond about 23 per village are copies of the generated ones with their dates moved (see
        // `replicate`): the database writes those at its own speed, ten times faster than rows sent one by one.
        let planned = max(1, Int((perVillage / Self.generatedPerVillage).rounded(.up)))
        let rates = SampleData.Rates(scale: perVillage / Double(planned) / 54)
        let villages = graph.units.values.filter { $0.level == .village }.sorted { $0.id.uuidString < $1.id.uuidString }
        var recordCount = 0
        // One transaction per slice of villages keeps each commit bounded; each slice has its own seed.
        let slice = 2000
        for first in stride(from: 0, to: villages.count, by: slice) {
            let part = Array(villages[first..<min(first + slice, villages.count)])
            recordCount += try await app.db.audited { tx in
                var sample = SampleData(graph: graph, author: authorID, rng: SeededGenerator(seed: seed &+ UInt64(first)))
                var records = BulkWriter(sql: tx as! any SQLDatabase, table: Record.schema, columns: SampleData.recordColumns)
                try await sample.records(villages: part, span: DateSpan(start: LocalDate(iso: "2024-08-19")!, end: LocalDate(iso: "2025-08-19")!),
                                         rates: rates, into: &records)
                return records.written
            }
            context.say("  records: \(recordCount) (\(first + part.count) of \(villages.count) villages)")
        }
        // As many copies as bring the total nearest to the volume asked for.
        let copies = recordCount == 0 ? 1 : max(1, Int((perVillage * Double(villages.count) / Double(recordCount)).rounded()))
        if copies > 1 {
            let year = DateSpan(start: LocalDate(iso: "2024-08-19")!, end: LocalDate(iso: "2025-08-19")!)
            let stamp = Date()
            for copy in 1..<copies {
                try await app.db.audited { tx in
                    try await Self.replicate(copy: copy, before: stamp, year: year, on: tx as! any SQLDatabase)
                }
                context.say("  records: copy \(copy) of \(copies - 1) written")
            }
            struct Count: Decodable { var n: Int }
            recordCount = try await sql.raw("SELECT COUNT(*) AS n FROM records").first(decoding: Count.self)?.n ?? recordCount
        }
        let communeInfos = built.communes
        let figureCount = try await app.db.audited { tx in
            var sample = SampleData(graph: graph, author: authorID, rng: SeededGenerator(seed: seed &+ 7))
            var figures = BulkWriter(sql: tx as! any SQLDatabase, table: Figure.schema, columns: SampleData.figureColumns)
            try await sample.figures(communes: communeInfos, from: Month(year: 2023, month: 8)!, to: Month(year: 2025, month: 8)!, into: &figures)
            return figures.written
        }
        // Statistics for the planners; on PostgreSQL also the visibility map, which index-only scans need (what
        // autovacuum would reach some minutes after a bulk load).
        try await sql.raw(SQLDialect(sql) == .postgres ? "VACUUM ANALYZE" : "ANALYZE").run()
        context.say("Records: \(recordCount), figures: \(figureCount) in \(clock.now - recordsStart); total \(clock.now - start)")
        context.say("Next: thidua bench results --plan bench-\(name)")
    }
}

/// The tables a synthetic structure fills, flushed together: units go in before the rows that refer to them.
struct StructureWriter {
    var units, links, teams, members: BulkWriter

    init(sql: any SQLDatabase) {
        units = BulkWriter(sql: sql, table: Unit.schema, columns: ["id", "code", "level", "kind", "name", "population", "households", "valid_from", "valid_to", "sample"])
        links = BulkWriter(sql: sql, table: UnitParentLink.schema, columns: ["id", "unit_id", "parent_id", "valid_from", "valid_to"])
        teams = BulkWriter(sql: sql, table: Team.schema, columns: ["id", "village_id", "name", "established_on", "dissolved_on", "sample"])
        members = BulkWriter(sql: sql, table: Member.schema, columns: ["id", "team_id", "full_name", "role", "phone", "recognised_on", "left_on", "sample"])
    }

    /// A village's team from the law's first day, with `members` people on average: a leader, a deputy, the rest members.
    mutating func team(village: UUID, number: Int, members average: Double, rng: inout SeededGenerator) async throws {
        let team = UUID(), none: String? = nil
        try await teams.add([team, village, "Tổ bảo vệ ANTT thôn \(number)", "2024-07-01", none, true], autoFlush: false)
        let extra = Double.random(in: 0..<1, using: &rng) < average - Double(Int(average)) ? 1 : 0
        for m in 0..<(Int(average) + extra) {
            try await members.add([UUID(), team, SampleNames.fullName(&rng), m == 0 ? "leader" : (m == 1 ? "deputy" : "member"),
                                   none, "2024-07-01", none, true], autoFlush: false)
        }
    }

    mutating func flush(onlyIfFull: Bool) async throws {
        guard !onlyIfFull || units.isFull || links.isFull || teams.isFull || members.isFull else { return }
        try await units.flush(); try await links.flush(); try await teams.flush(); try await members.flush()
    }
}

/// `thidua bench results`: times one phase's full results for every commune against the floor of one grouped count.
struct BenchResultsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "plan", help: "The movement (default: the first whose id starts with bench-, else the first).")
        var plan: String?
        @Option(name: "phase", help: "The phase (default: the last).")
        var phase: String?
        @Option(name: "runs", help: "Timed runs after one warm-up (default 5).")
        var runs: Int?
    }

    var help: String {
        "Times the results of one phase for every commune (computed whole; kept and brought up to date after one record is written; read from the stored facts after a cold start; the unit graph read afresh) and, in the same run, the floor: one hand-written SQL query counting the phase's records grouped by commune; then the rate of single-row durable writes to the records (with the totals and kept results' changes the triggers keep) against a table of the same shape with none. Prints medians, ratios and peak memory. The records written are removed."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let (movement, plan, phase) = try await BenchSetup.movement(plan: signature.plan, phase: signature.phase, context: context)
        guard let sql = app.db as? any SQLDatabase else { return }
        let runs = max(1, min(signature.runs ?? 5, 50))
        struct Count: Decodable { var n: Int }
        let records = try await sql.raw("SELECT COUNT(*) AS n FROM records").first(decoding: Count.self)?.n ?? 0
        let clock = ContinuousClock()
        var graphTimes: [Duration] = [], resultTimes: [Duration] = [], floorTimes: [Duration] = []
        var communes = 0
        struct FloorRow: Decodable { var commune_id: UUID; var n: Int }
        var keptTimes: [Duration] = [], coldTimes: [Duration] = [], tableTimes: [Duration] = []
        let author = try await User.query(on: app.db).first()?.requireID() ?? UUID()
        var written: [UUID] = []
        // What the server keeps: computed once here, then brought up to date after each write.
        let cache = ResultsCache(graphs: UnitGraphCache())
        let warmGraph = try await app.unitGraph()
        let participants = Participation.participants(plan: plan, structureDate: phase.end, graph: warmGraph)
        _ = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end, structureDate: nil,
                                             graph: warmGraph, on: app.db, cache: cache)
        for run in 0...runs {
            // The unit graph read from its tables (after a change to the structure), then as a server starting
            // after that reads it (the snapshot stored by the first read)…
            let tables = clock.now
            _ = try await UnitService.read(on: app.db)
            let t0 = clock.now
            _ = try await UnitService.graph(on: app.db)
            // …and the results computed whole: the structure version checked against the cache, then every fact.
            let t1 = clock.now
            let graph = try await app.unitGraph()
            let results = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end,
                                                           structureDate: nil, graph: graph, on: app.db)
            let t2 = clock.now
            let floor = try await sql.raw("SELECT commune_id, COUNT(*) AS n FROM records WHERE occurred_on >= \(bind: phase.start.iso) AND occurred_on <= \(bind: phase.end.iso) GROUP BY commune_id")
                .all(decoding: FloorRow.self)
            let t3 = clock.now
            // One record written, then the kept results brought up to date, as the next request would.
            if !participants.isEmpty {
                let id = UUID()
                try await Self.insert(id: id, into: "records", commune: participants[(run * 7919) % participants.count].id,
                                      day: phase.start, author: author, on: sql)
                written.append(id)
            }
            let t4 = clock.now
            _ = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end, structureDate: nil,
                                                 graph: graph, on: app.db, cache: cache)
            let t5 = clock.now
            // A server starting cold: the graph read, the stored facts read and brought up to date.
            _ = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end, structureDate: nil,
                                                 graph: graph, on: app.db, cache: ResultsCache(graphs: UnitGraphCache()))
            let t6 = clock.now
            communes = results.units.count
            _ = floor.count
            if run > 0 {
                graphTimes.append(t1 - t0)
                tableTimes.append(t0 - tables)
                resultTimes.append(t2 - t1)
                floorTimes.append(t3 - t2)
                keptTimes.append(t5 - t4)
                coldTimes.append(t6 - t5)
            }
        }
        func median(_ xs: [Duration]) -> Double {
            let s = xs.sorted()
            return s[s.count / 2].seconds
        }
        // Writes: one record per transaction, durable before the next, with the triggers' derived data and without.
        let writes = 200
        let plainTable = "bench_plain_records"
        try await Self.createPlainCopy(plainTable, on: sql)
        var rates: [Double] = []
        for table in ["records", plainTable] {
            let start = clock.now
            for i in 0..<writes {
                let id = UUID()
                try await Self.insert(id: id, into: table, commune: participants.isEmpty ? UUID() : participants[(i * 7919) % participants.count].id,
                                      day: phase.start, author: author, on: sql)
                if table == "records" { written.append(id) }
            }
            let elapsed = clock.now - start
            rates.append(Double(writes) / elapsed.seconds)
        }
        try await sql.raw("DROP TABLE \(unsafeRaw: plainTable)").run()
        for first in stride(from: 0, to: written.count, by: 500) {
            try await sql.raw("DELETE FROM records WHERE id IN (\(binds: Array(written[first..<min(first + 500, written.count)])))").run()
        }
        let peakMiB = BenchTimes.peakMemory
        let (g, r, f) = (median(graphTimes), median(resultTimes), median(floorTimes))
        let (k, c) = (median(keptTimes), median(coldTimes))
        let database = (app.db as? any SQLDatabase)?.dialect.name ?? "?"
        context.say("plan \(plan.id), phase \(phase.id), \(database), \(communes) communes, \(records) records, \(runs) runs (medians)")
        let t = median(tableTimes)
        context.say(String(format: "results computed whole %.3f s (unit graph from the cache), floor %.3f s; whole ÷ floor %.2f×; unit graph read afresh %.3f s (from its tables %.3f s); peak memory %.0f MiB",
                           r, f, r / f, g, t, peakMiB))
        context.say(String(format: "results kept, after one record written: %.4f s (%.3f× the floor); cold start (graph read, stored facts brought up to date): %.3f s",
                           k, k / f, c))
        context.say(String(format: "durable single-row writes: %.0f/s to records with the totals and kept results' changes, %.0f/s to a table of the same shape with none: %.2f×",
                           rates[0], rates[1], rates[0] / rates[1]))
        context.say(String(format: "| %@ | %@ | %d | %d | %.3f | %.3f | %.2f× | %.4f | %.3f× | %.3f | %.3f (%.3f) | %.0f / %.0f (%.2f×) | %.0f MiB |",
                           plan.id, database, communes, records, r, f, r / f, k, k / f, c, g, t, rates[0], rates[1], rates[0] / rates[1], peakMiB))
    }

    /// A record as the API stores one: an information source from the people.
    static func insert(id: UUID, into table: String, commune: UUID, day: LocalDate, author: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: table) (id, created_by, kind, commune_id, occurred_on, category, origin, status, created_at, updated_at)
            VALUES (\(bind: id), \(bind: author), 'information_source', \(bind: commune), \(bind: day.iso), 'social_order', 'people', 'received',
                    \(bind: Date()), \(bind: Date()))
            """).run()
    }

    /// A table with the records' columns and indexes and no triggers: what a write costs with no derived data.
    static func createPlainCopy(_ name: String, on sql: any SQLDatabase) async throws {
        try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: name)").run()
        if SQLDialect(sql) == .postgres {
            try await sql.raw("CREATE TABLE \(unsafeRaw: name) (LIKE records INCLUDING DEFAULTS INCLUDING INDEXES)").run()
            return
        }
        try await sql.raw("CREATE TABLE \(unsafeRaw: name) AS SELECT * FROM records WHERE 0").run()
        struct IndexSQL: Decodable { var sql: String }
        for index in try await sql.raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL")
            .all(decoding: IndexSQL.self) {
            // The same index on the copy: its name and table changed, nothing else.
            let pattern = try NSRegularExpression(pattern: #"^CREATE (UNIQUE )?INDEX "?(\w+)"? ON "?records"? "#)
            let renamed = pattern.stringByReplacingMatches(in: index.sql, range: NSRange(index.sql.startIndex..., in: index.sql),
                                                           withTemplate: "CREATE $1INDEX \"\(name)_$2\" ON \"\(name)\" ")
            try await sql.raw(SQLQueryString(renamed)).run()
        }
    }
}

extension Duration {
    /// As a number of seconds, for the benchmarks' figures.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// What every benchmark starts from: bench-data's movement and its account.
enum BenchSetup {
    /// An API token for bench-data's account, with this run's password.
    static func token(client: HTTPClient, base: String, password: String) async throws -> String {
        var request = try HTTPClient.Request(url: base + "/api/v1/auth/token", method: .POST, headers: ["Content-Type": "application/json"])
        request.body = .string(#"{"username":"bench","password":"\#(password)"}"#)
        let answer = try await client.execute(request: request).get()
        struct TokenJSON: Decodable { var token: String }
        guard let body = answer.body, let token = try? JSONDecoder().decode(TokenJSON.self, from: body).token else {
            throw BenchFailure(key: "cli.bench.signIn", arguments: [:])
        }
        return token
    }

    /// The movement named, else the first whose id starts with `bench-`, else the first; its phase named, else the
    /// last. Said in the operator's language when there is none.
    static func movement(plan key: String?, phase phaseID: String?, context: CommandContext) async throws -> (Movement, Plan, Phase) {
        let app = context.application
        let lang = app.config.defaultLanguage
        let all = try await PlanService.movements(on: app.db)
        guard let (movement, plan) = key.flatMap({ key in all.first { $0.1.id == key } })
                ?? all.first(where: { $0.1.id.hasPrefix("bench-") }) ?? all.first else {
            context.complain(app.localizer.text("cli.bench.noMovement", lang))
            throw ExitCode.failure
        }
        guard let phase = phaseID.map({ plan.phase(id: $0) }) ?? plan.phases.last else {
            context.complain(app.localizer.text("error.phaseNotFound", lang, ["phases": plan.phases.map(\.id).joined(separator: ", ")]))
            throw ExitCode.failure
        }
        return (movement, plan, phase)
    }

    /// A password for this run only on bench-data's account `bench`, which exists for this.
    static func password(context: CommandContext) async throws -> String {
        let app = context.application
        guard let account = try await User.query(on: app.db).filter(\.$username == "bench").first() else {
            context.complain(app.localizer.text("cli.bench.noAccount", app.config.defaultLanguage))
            throw ExitCode.failure
        }
        let password = PasswordRules.oneTime()
        account.passwordHash = try Bcrypt.hash(password)
        account.mustChangePassword = false
        try await account.update(on: app.db)
        return password
    }
}

struct BenchCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["results": BenchResultsCommand(), "pages": BenchPagesCommand(), "live": BenchLiveCommand(),
                                                   "tips": BenchTipsCommand(), "reviews": BenchReviewsCommand(), "imports": BenchImportsCommand()]
    var help: String { "Benchmarks: thidua bench results, thidua bench pages, thidua bench live, thidua bench tips, thidua bench reviews, thidua bench imports." }
}

/// The times of a benchmark's named steps over its runs, the warm-up left out; medians in seconds.
struct BenchTimes {
    private let clock = ContinuousClock()
    private var times: [String: [Duration]] = [:]
    /// Whether the run being timed counts (not the warm-up).
    var counting = false

    mutating func time<T>(_ key: String, _ work: () async throws -> T) async rethrows -> T {
        let start = clock.now
        let value = try await work()
        if counting { times[key, default: []].append(clock.now - start) }
        return value
    }

    func median(_ key: String) -> Double {
        let s = (times[key] ?? []).sorted()
        return s.isEmpty ? 0 : s[s.count / 2].seconds
    }

    /// This process's peak resident memory, in MiB.
    static var peakMemory: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// A page the benchmark could not time, said in the operator's language.
struct BenchFailure: Error {
    var key: String
    var arguments: [String: String]
}

/// `thidua bench pages`: the pages people wait for, served over HTTP on loopback by this process, beside the results
/// API for the same data in the same run. One connection, requests one after another (people, not a flood).
struct BenchPagesCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "plan", help: "The movement (default: the first whose id starts with bench-, else the first).")
        var plan: String?
        @Option(name: "seconds", help: "How long each address is asked, after a warm-up (default 10).")
        var seconds: Int?
        @Option(name: "port", help: "The loopback port to serve on (default 18192).")
        var port: Int?
    }

    var help: String {
        "Serves ThiĐua on loopback and times, one request after another, the results API of the last phase (every commune, and one), the movement dashboard of one province's communes and one commune's page, signed in as bench-data's account `bench`. Prints requests per second, p50, p99 and the size of each answer."
    }

    /// One timed address: how many answers, their p50 and p99 in milliseconds, and the size of one.
    struct Timing {
        var name: String
        var count: Int
        var seconds: Double
        var p50: Double
        var p99: Double
        var bytes: Int
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        try await app.migrateQuietly()
        let (_, plan, phase) = try await BenchSetup.movement(plan: signature.plan, phase: nil, context: context)
        let password = try await BenchSetup.password(context: context)
        let graph = try await app.unitGraph()
        guard let province = graph.units(at: .province, on: phase.end).sorted(by: UnitGraph.naturalOrder).first,
              let commune = graph.units(at: .commune, on: phase.end).filter({ graph.ancestor(of: $0.id, at: .province, on: phase.end) == province.id })
                .sorted(by: UnitGraph.naturalOrder).first else {
            context.complain(app.localizer.text("cli.bench.noMovement", lang))
            throw ExitCode.failure
        }
        let port = signature.port ?? 18192
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            let timings = try await measure(client: client, base: "http://127.0.0.1:\(port)", password: password, plan: plan.id, phase: phase.id,
                                            province: province.id, commune: commune.id, seconds: max(1, min(signature.seconds ?? 10, 600)))
            let database = (app.db as? any SQLDatabase)?.dialect.name ?? "?"
            context.say("plan \(plan.id), phase \(phase.id), \(database), \(graph.units(at: .commune, on: phase.end).count) communes; province \(province.fullName), commune \(commune.fullName); one connection")
            context.say("| what | answers | requests/s | p50 | p99 | bytes |")
            context.say("|---|---|---|---|---|---|")
            for t in timings {
                context.say(String(format: "| %@ | %d | %.1f | %.1f ms | %.1f ms | %@ |", t.name, t.count, Double(t.count) / t.seconds,
                                   t.p50, t.p99, groupedNumber(t.bytes).replacingOccurrences(of: ".", with: ",")))
            }
        } catch {
            try? await client.shutdown()
            await app.server.shutdown()
            if let failure = error as? BenchFailure {
                context.complain(app.localizer.text(failure.key, lang, failure.arguments))
                throw ExitCode.failure
            }
            throw error
        }
        try await client.shutdown()
        await app.server.shutdown()
    }

    func measure(client: HTTPClient, base: String, password: String, plan: String, phase: String, province: UUID, commune: UUID,
                 seconds: Int) async throws -> [Timing] {
        var cookies: [String: String] = [:]
        func keep(_ headers: HTTPHeaders) {
            for value in headers["set-cookie"] {
                let pair = value.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
                if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
            }
        }
        func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: String? = nil) async throws -> HTTPClient.Response {
            var request = try HTTPClient.Request(url: base + path, method: method, headers: headers)
            if let body { request.body = .string(body) }
            return try await client.execute(request: request).get()
        }
        // A browser's session: the sign-in form with its CSRF token.
        keep(try await send(.GET, "/sign-in").headers)
        let form = ["username": "bench", "password": password, "next": "/", "_csrf": cookies["thidua_csrf"] ?? ""]
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let signIn = try await send(.POST, "/sign-in", headers: ["Content-Type": "application/x-www-form-urlencoded",
                                                                   "Cookie": cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")], body: form)
        keep(signIn.headers)
        let cookie = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        guard signIn.status == .seeOther else { throw BenchFailure(key: "cli.bench.signIn", arguments: [:]) }
        let token = try await BenchSetup.token(client: client, base: base, password: password)
        let targets: [(String, String, HTTPHeaders)] = [
            // The API's paths are its OpenAPI document's, not the site's.
            ("results API (every commune)", "/api/v1/movements/\(plan)/phases/\(phase)/results", ["Authorization": "Bearer \(token)"]),
            ("results API (one commune, with its rank)", "/api/v1/movements/\(plan)/phases/\(phase)/results?unit=\(commune.uuidString)",
             ["Authorization": "Bearer \(token)"]),
            ("dashboard page (one province)", SiteURL.dashboard(plan, phase: phase, query: DashboardQuery(area: province)).path, ["Cookie": cookie]),
            ("commune page", SiteURL.communeResults(commune.uuidString, movement: plan, phase: phase).path, ["Cookie": cookie]),
        ]
        let clock = ContinuousClock()
        var timings: [Timing] = []
        for (name, path, headers) in targets {
            var bytes = 0
            for _ in 0..<2 {
                let answer = try await send(.GET, path, headers: headers)
                guard answer.status == .ok else { throw BenchFailure(key: "cli.bench.answer", arguments: ["path": path, "status": String(answer.status.code)]) }
                bytes = answer.body?.readableBytes ?? 0
            }
            var latencies: [Double] = []
            let start = clock.now
            while clock.now - start < .seconds(seconds) {
                let t0 = clock.now
                let answer = try await send(.GET, path, headers: headers)
                let d = clock.now - t0
                guard answer.status == .ok else { throw BenchFailure(key: "cli.bench.answer", arguments: ["path": path, "status": String(answer.status.code)]) }
                latencies.append(d.milliseconds)
            }
            let elapsed = clock.now - start
            let sorted = latencies.sorted()
            timings.append(Timing(name: name, count: sorted.count,
                                  seconds: elapsed.seconds,
                                  p50: Self.percentile(sorted, 0.5), p99: Self.percentile(sorted, 0.99), bytes: bytes))
        }
        return timings
    }
}
