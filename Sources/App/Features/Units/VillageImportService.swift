import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A commune's villages from a file, checked whole against the villages it has today and the codes in use; stored
/// only when every row is right, in one transaction. A new village gets its security team.
enum VillageImportService {
    struct Checked {
        var commune: UnitInfo
        var rows: [VillageImport.Placed]
        var problems: [ImportProblem]
        /// Records filed under the village's old commune on or after its move, by row: they go with the village.
        var refiled: [Int: Int] = [:]

        var added: Int { rows.filter { $0.existing == nil }.count }
        var moved: Int { rows.filter { $0.move != nil }.count }
        var updated: Int { rows.count - added - moved }
        /// What the summary and the confirmation say.
        var counts: [String: String] {
            ["added": String(added), "updated": String(updated), "moved": String(moved), "records": String(refiled.values.reduce(0, +))]
        }
    }

    /// Teams began with Law 30/2023, in force from 01/07/2024.
    static let teamsFrom = LocalDate(iso: "2024-07-01")!

    /// The file against the commune's villages and the codes in use (`VillageImport.place`), and each move against
    /// the months already approved: a move re-files the village's records from its day, which an approved month
    /// of either commune must not see change.
    static func check(_ sheet: ImportSheet, commune: UnitInfo, graph: UnitGraph, today: LocalDate, on db: any Database) async throws -> Checked {
        let (rows, read) = VillageImport.read(sheet)
        let (placed, problems) = VillageImport.place(rows, commune: commune, graph: graph, today: today)
        var checked = Checked(commune: commune, rows: placed, problems: read + problems)
        for item in placed {
            guard let move = item.move, let village = item.existing else { continue }
            let days = try await Record.query(on: db).filter(\.$villageID == village.id).filter(\.$occurredOn >= move.on.iso).all(\.$occurredOn)
            let months = Set(days.map { Month(LocalDate(iso: $0) ?? move.on) })
            for month in months.sorted() {
                for unit in [move.from, commune.id] {
                    guard try await MonthReviewService.status(unit, month, on: db).state.isLocked else { continue }
                    checked.problems.append(ImportProblem(line: item.row.line, key: "import.moveIntoLockedMonth",
                                                          arguments: ["village": village.fullName, "month": month.display,
                                                                      "unit": graph.units[unit]?.fullName ?? ""]))
                }
            }
            checked.refiled[item.row.line] = days.count
        }
        checked.problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return checked
    }

    /// The commune's villages of today in the import's layout.
    static func export(_ commune: UnitInfo, graph: UnitGraph, today: LocalDate) -> [[String]] {
        let villages = graph.villages(of: commune.id, on: today).sorted(by: UnitGraph.naturalOrder)
        return [VillageImport.header] + villages.map { v in
            // A village that came from another commune says since when it is this one's.
            let joined = graph.parentLinks(of: v.id).first { $0.parentID == commune.id && $0.isValid(on: today) }?.validFrom
            let since = joined.flatMap { $0 > commune.validFrom ? $0.iso : nil } ?? ""
            return [v.name, v.kind, v.code ?? "", v.population.map(String.init) ?? "", v.households.map(String.init) ?? "", since]
        }
    }

    /// The village's link of the move's day ends the day before (a link that ended already stays); the new
    /// commune's runs from that day for as long as the old one would have. Its records from that day go with it
    /// (the totals follow by their triggers).
    static func move(_ village: UUID, to commune: UUID, _ move: VillageImport.Move, on tx: any Database) async throws {
        let links = try await UnitParentLink.query(on: tx).filter(\.$unit.$id == village).all()
        var until: String?
        if let link = links.first(where: { $0.link?.isValid(on: move.on) == true }) {
            guard link.$parent.id == move.from else { throw AppError(.conflict, "import.invalid") }
            until = link.validTo
            link.validTo = move.on.adding(days: -1).iso
            try await link.update(on: tx)
        }
        try await UnitParentLink(ParentLink(unitID: village, parentID: commune, validFrom: move.on,
                                            validTo: until.flatMap(LocalDate.init(iso:)))).create(on: tx)
        var records = Record.query(on: tx).set(\.$communeID, to: commune).filter(\.$villageID == village).filter(\.$occurredOn >= move.on.iso)
        if let until { records = records.filter(\.$occurredOn <= until) }
        try await records.update()
    }

    static func commit(_ checked: Checked, actor: String, on db: any Database) async throws -> [String: String] {
        guard checked.problems.isEmpty, !checked.rows.isEmpty else { throw AppError(.unprocessableEntity, "import.invalid") }
        let commune = checked.commune
        try await db.audited { tx in
            for item in checked.rows {
                let (row, code) = (item.row, item.code)
                if let existing = item.existing, let unit = try await Unit.find(existing.id, on: tx) {
                    unit.name = row.name
                    unit.kind = row.kind
                    unit.code = code
                    if let p = row.population { unit.population = p }
                    if let h = row.households { unit.households = h }
                    try await unit.update(on: tx)
                    if let move = item.move { try await Self.move(existing.id, to: commune.id, move, on: tx) }
                    continue
                }
                // ThiĐua's record of a new village begins on its `since` (checked within the commune's days), or with
                // its commune's.
                let begins = row.since ?? commune.validFrom
                let village = UnitInfo(id: UUID(), code: code, level: .village, kind: row.kind, name: row.name,
                                       population: row.population, households: row.households, validFrom: begins)
                try await Unit(village, sample: false).create(on: tx)
                try await UnitParentLink(ParentLink(unitID: village.id, parentID: commune.id, validFrom: begins)).create(on: tx)
                try await Team(villageID: village.id, name: Team.name(for: village),
                               establishedOn: max(begins, teamsFrom).iso, sample: false).create(on: tx)
            }
            // A commune with no population of its own counts its villages' once every one has it (per-1,000 targets).
            if let stored = try await Unit.find(commune.id, on: tx), stored.population == nil {
                let villageIDs = try await UnitParentLink.query(on: tx).filter(\.$parent.$id == commune.id).filter(\.$validTo == nil)
                    .all().map(\.$unit.id)
                let villages = try await Unit.query(on: tx).filter(\.$id ~~ villageIDs).filter(\.$validTo == nil).all()
                let people = villages.compactMap(\.population)
                if !villages.isEmpty && people.count == villages.count {
                    stored.population = people.reduce(0, +)
                    let households = villages.compactMap(\.households)
                    if households.count == villages.count { stored.households = households.reduce(0, +) }
                    try await stored.update(on: tx)
                }
            }
            try await AuditLog.record(on: tx, actor: actor, action: "villages.import", entity: "unit", entityID: commune.id.uuidString,
                                      after: "{\"added\":\(checked.added),\"updated\":\(checked.updated),\"moved\":\(checked.moved),\"refiled\":\(checked.refiled.values.reduce(0, +))}")
        }
        return checked.counts
    }
}

/// `thidua units import FILE --unit CODE`: a commune's villages from a CSV file.
struct VillageImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The CSV or XLSX file: village,kind,code,population,households,since (all but village and kind may be left out; since: the day a village of another commune moves here).")
        var file: String
        @Option(name: "unit", help: "The commune: its national code or id, as it stands today.")
        var unit: String?
        @Flag(name: "dry-run", help: "Check the file and say what would change; store nothing.")
        var dryRun: Bool
    }

    var help: String { "Imports a commune's villages (with a security team each) from a CSV file. Prints every problem with its line and stores nothing unless the whole file is right." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        func say(_ key: String, _ arguments: [String: String] = [:]) -> String { app.localizer.text(key, lang, arguments) }
        let (sheet, commune, graph, today) = try await CommandFiles.communeFile(signature.file, unit: signature.unit, context: context)
        let checked = try await VillageImportService.check(sheet, commune: commune, graph: graph, today: today, on: app.db)
        try CommandFiles.refuse(checked.problems, empty: checked.rows.isEmpty, file: signature.file, context: context)
        if signature.dryRun {
            context.say(say("villages.summary", checked.counts))
            return
        }
        let counts = try await VillageImportService.commit(checked, actor: "cli", on: app.db)
        context.say(say("cli.villages.done", counts.merging(["commune": commune.fullName]) { a, _ in a }))
    }
}

/// What the commands that import a commune's file share: the file's rows (what the preview would note of them
/// said first) and the commune of today.
enum CommandFiles {
    /// The file's rows, its notes said; nil (a message said) when it is not a table.
    static func sheet(_ file: String, context: CommandContext) -> ImportSheet? {
        let app = context.application
        let lang = app.config.defaultLanguage
        guard let data = FileManager.default.contents(atPath: file) else {
            context.complain(app.localizer.text("cli.fileUnreadable", lang, ["file": file]))
            return nil
        }
        guard let sheet = TableFile.sheet(of: data) else {
            context.complain(app.localizer.text("cli.tableUnreadable", lang, ["file": file]))
            return nil
        }
        for note in sheet.notes { context.say("\(file): " + app.localizer.text(note.key, lang, note.arguments)) }
        return sheet
    }

    static func communeFile(_ file: String, unit: String?, context: CommandContext) async throws -> (ImportSheet, UnitInfo, UnitGraph, LocalDate) {
        let app = context.application
        let lang = app.config.defaultLanguage
        guard let sheet = sheet(file, context: context) else { throw ExitCode.failure }
        try await app.migrateQuietly()
        let graph = try await UnitService.graph(on: app.db)
        let today = VietnamTime.localDate(of: Date())
        guard let key = unit, let commune = UnitService.find(key, on: today, in: graph), commune.level == .commune, commune.isValid(on: today) else {
            context.complain(app.localizer.text("cli.members.unit", lang, ["unit": unit ?? ""]))
            throw ExitCode.failure
        }
        return (sheet, commune, graph, today)
    }

    /// Every problem of a file with its line, and exit 1; nothing when there is none (and a row at least).
    static func refuse(_ problems: [ImportProblem], empty: Bool, file: String, context: CommandContext) throws {
        guard !problems.isEmpty || empty else { return }
        let app = context.application
        for p in problems { context.complain("\(file):\(p.line): " + app.localizer.text(p.key, app.config.defaultLanguage, p.arguments)) }
        context.complain(app.localizer.text("cli.file.rejected", app.config.defaultLanguage, ["count": String(max(1, problems.count))]))
        throw ExitCode.failure
    }
}

/// `thidua units population FILE`: communes' (or any unit's) own populations from a CSV file, codes read on today.
struct PopulationImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The CSV file: unit,population,households (a national code or id a row; households may be left out).")
        var file: String
    }

    var help: String { "Sets units' populations (and households) from a CSV file; every problem with its line, nothing stored unless the whole file is right." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        guard let sheet = CommandFiles.sheet(signature.file, context: context) else { throw ExitCode.failure }
        try await app.migrateQuietly()
        let graph = try await UnitService.graph(on: app.db)
        let today = VietnamTime.localDate(of: Date())
        let (rows, read) = PopulationImport.read(sheet)
        var problems = read
        var found: [(PopulationImport.Row, UUID)] = []
        for row in rows {
            guard let unit = UnitService.find(row.unit, on: today, in: graph), unit.level != .village else {
                problems.append(ImportProblem(line: row.line, key: "import.populationUnit", arguments: ["value": row.unit]))
                continue
            }
            found.append((row, unit.id))
        }
        try CommandFiles.refuse(problems.sorted { ($0.line, $0.key) < ($1.line, $1.key) }, empty: found.isEmpty, file: signature.file, context: context)
        let changed = found
        try await app.db.audited { tx in
            for (row, id) in changed {
                guard let unit = try await Unit.find(id, on: tx) else { continue }
                unit.population = row.population
                if let h = row.households { unit.households = h }
                try await unit.update(on: tx)
            }
            try await AuditLog.record(on: tx, actor: "cli", action: "units.population", entity: "unit", entityID: nil,
                                      after: "{\"units\":\(changed.count)}")
        }
        context.say(app.localizer.text("cli.population.done", lang, ["count": String(changed.count)]))
    }
}
