import Fluent
import NIOConcurrencyHelpers
import Foundation
import ThiDuaCore
import Vapor

/// Loads the national unit catalogue (`Resources/Catalogue`) as dated units, and applies a newer one as the
/// differences from what is stored: units added or changed, parent links and successions added. Loading the same
/// catalogue twice changes nothing.
enum CatalogueService {
    static let folder = "Catalogue"
    /// When ThiĐua's record of the units before 01/07/2025 begins (not their legal founding), as in the demo.
    static let start = LocalDate(iso: "2020-01-01")!

    /// A catalogue refused whole: its files' mistakes, or codes that would name two units on one day.
    struct Refusal: Error {
        var problems: [Catalogue.Problem]
    }

    struct Report: Sendable, Equatable {
        var added = 0
        var changed = 0
        var unchanged = 0
        var linksAdded = 0
        var successionsAdded = 0
    }

    /// A unit's id from what it is: the same in every database, and the demo's for the units it shares.
    static func id(new: Bool, code: String) -> UUID {
        new ? DemoLoader.stableID("unit", "2025", code) : DemoLoader.stableID("unit", code)
    }

    /// Catalogues read, by folder: the demo (and every test) reads the shipped one, parsed once a process.
    private static let cache = NIOLockedValueBox<[String: Catalogue]>([:])

    /// The shipped catalogue (or the one in `directory`), read whole; every mistake with its file and line.
    static func read(resources: String, directory: String? = nil) throws -> Catalogue {
        let dir = directory ?? (resources as NSString).appendingPathComponent(folder)
        if directory == nil, let known = cache.withLockedValue({ $0[dir] }) { return known }
        func text(_ name: String) throws -> String {
            let path = (dir as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw Refusal(problems: [Catalogue.Problem(file: path, line: 0, key: "cli.notUTF8", arguments: ["file": path])])
            }
            return text
        }
        let (catalogue, problems) = Catalogue.read(before: try text("units-2024.csv"), after: try text("units-2025.csv"),
                                                   successions: try text("successions-2025-07-01.csv"))
        guard let catalogue else { throw Refusal(problems: problems) }
        if directory == nil { cache.withLockedValue { $0[dir] = catalogue } }
        return catalogue
    }

    /// Stores what is new or changed in one transaction. A code that would name two units on one day (with the
    /// units already stored) stops it all, with every clash said.
    static func apply(_ catalogue: Catalogue, actor: String, on db: any Database) async throws -> Report {
        let (units, links, successions) = catalogue.structure(from: start, id: id)
        return try await db.audited { tx in
            var report = Report()
            let stored = Dictionary(try await Unit.query(on: tx).filter(\.$code != nil).all().compactMap { u in u.id.map { ($0, u) } },
                                    uniquingKeysWith: { a, _ in a })
            let others = stored.values.compactMap(\.info).filter { u in !units.contains { $0.id == u.id } }
            let clashes = Catalogue.clashes(units + others)
            guard clashes.isEmpty else {
                throw Refusal(problems: clashes.map { clash in
                    Catalogue.Problem(file: "units", line: 0, key: "catalogue.clash", arguments: [
                        "code": clash.code, "a": "\(clash.1.fullName) (\(clash.1.validFrom.display)–\(clash.1.validTo?.display ?? "…"))",
                        "b": "\(clash.2.fullName) (\(clash.2.validFrom.display)–\(clash.2.validTo?.display ?? "…"))"])
                })
            }
            var fresh: [Unit] = []
            for unit in units {
                guard let old = stored[unit.id] else {
                    fresh.append(Unit(unit, sample: false))
                    continue
                }
                // A locality's population is its own; the catalogue says names, kinds, codes and days.
                let same = old.code == unit.code && old.level == unit.level.rawValue && old.kind == unit.kind && old.name == unit.name
                    && old.validFrom == unit.validFrom.iso && old.validTo == unit.validTo?.iso
                if same { report.unchanged += 1; continue }
                old.code = unit.code
                old.level = unit.level.rawValue
                old.kind = unit.kind
                old.name = unit.name
                old.validFrom = unit.validFrom.iso
                old.validTo = unit.validTo?.iso
                try await old.update(on: tx)
                report.changed += 1
            }
            try await createInChunks(fresh, on: tx)
            report.added = fresh.count
            let storedLinks = Set(try await UnitParentLink.query(on: tx).all().map { "\($0.$unit.id)|\($0.$parent.id)|\($0.validFrom)" })
            let newLinks = links.filter { !storedLinks.contains("\($0.unitID)|\($0.parentID)|\($0.validFrom.iso)") }.map(UnitParentLink.init)
            try await createInChunks(newLinks, on: tx)
            report.linksAdded = newLinks.count
            let storedSuccessions = Set(try await UnitSuccession.query(on: tx).all().map { "\($0.$predecessor.id)|\($0.$successor.id)" })
            let newSuccessions = successions.filter { !storedSuccessions.contains("\($0.predecessorID)|\($0.successorID)") }.map(UnitSuccession.init)
            try await createInChunks(newSuccessions, on: tx)
            report.successionsAdded = newSuccessions.count
            if report != Report(unchanged: report.unchanged) {
                try await AuditLog.record(on: tx, actor: actor, action: "catalogue.import", entity: "unit", entityID: nil,
                                          after: "{\"added\":\(report.added),\"changed\":\(report.changed),\"links\":\(report.linksAdded),\"successions\":\(report.successionsAdded)}")
            }
            return report
        }
    }
}

/// Rows a thousand a statement: SQLite takes at most 32,766 bound values in one.
private func createInChunks<M: Model>(_ rows: [M], on db: any Database) async throws {
    for start in stride(from: 0, to: rows.count, by: 1000) {
        try await Array(rows[start..<min(start + 1000, rows.count)]).create(on: db)
    }
}

/// `thidua units import-catalogue [--dir DIR]`: the national catalogue as dated units; again, only what changed.
struct ImportCatalogueCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "dir", help: "A folder with units-2024.csv, units-2025.csv and successions-2025-07-01.csv (default: the shipped catalogue).")
        var dir: String?
    }

    var help: String { "Loads Vietnam's unit catalogue (before and after 01/07/2025, with the successions); a second run applies only the differences and says what changed." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        let clock = ContinuousClock()
        let began = clock.now
        do {
            let catalogue = try CatalogueService.read(resources: app.config.resourcesDirectory, directory: signature.dir)
            try await app.migrateQuietly()
            let r = try await CatalogueService.apply(catalogue, actor: "cli", on: app.db)
            let seconds = clock.now - began
            context.say(app.localizer.text("cli.catalogue.done", lang, [
                "added": String(r.added), "changed": String(r.changed), "unchanged": String(r.unchanged),
                "links": String(r.linksAdded), "successions": String(r.successionsAdded),
                "seconds": String(format: "%.1f", Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18)]))
        } catch let refusal as CatalogueService.Refusal {
            for p in refusal.problems {
                context.complain((p.line > 0 ? "\(p.file):\(p.line): " : "") + app.localizer.text(p.key, lang, p.arguments))
            }
            context.complain(app.localizer.text("cli.catalogue.refused", lang, ["count": String(refusal.problems.count)]))
            throw ExitCode.failure
        } catch let error as StartupError {
            context.complain(error.description)
            throw ExitCode.failure
        }
    }
}

struct UnitCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["import-catalogue": ImportCatalogueCommand(), "import": VillageImportCommand(),
                                                     "population": PopulationImportCommand()]
    var help: String { "Units: thidua units import-catalogue, thidua units import FILE --unit CODE, thidua units population FILE." }
}
