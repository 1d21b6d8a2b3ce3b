import Fluent
import Foundation
import SQLKit
import ThiDuaCore
import Vapor
import ZIPFoundation

/// `thidua bench imports`: a large commune's members from a file, as the web import does it: read, previewed
/// (checked whole and kept on the server) and confirmed (found by its token, checked again and stored), as CSV and
/// as an Excel workbook. The baseline, in the same run, is the file only split into cells (CSV: lines and commas;
/// XLSX: the sheet unzipped), which any import must pay.
struct BenchImportsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "members", help: "How many members the file has (default 20000, at most 20000).")
        var members: Int?
        @Option(name: "runs", help: "Timed runs after one warm-up (default 3).")
        var runs: Int?
        @Option(name: "unit", help: "The commune (code or id; default: the commune of today with the most villages).")
        var unit: String?
    }

    var help: String {
        "Times a commune's members imported from a file of --members rows, CSV and XLSX: the file split into cells (the baseline), read, previewed and confirmed, as the web import does; the members are removed again after each run."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        try await app.migrateQuietly()
        let count = max(1, min(signature.members ?? MemberImport.maxRows, MemberImport.maxRows))
        let runs = max(1, min(signature.runs ?? 3, 20))
        let graph = try await UnitService.graph(on: app.db)
        let today = VietnamTime.localDate(of: Date())
        let communes = graph.units.values.filter { $0.level == .commune && $0.isValid(on: today) }
        let chosen = signature.unit.flatMap { UnitService.find($0, on: today, in: graph) }
            ?? communes.max { (graph.villages(of: $0.id, on: today).count, $1.name) < (graph.villages(of: $1.id, on: today).count, $0.name) }
        guard let commune = chosen, commune.level == .commune else {
            context.complain(app.localizer.text("cli.members.unit", lang, ["unit": signature.unit ?? ""]))
            throw ExitCode.failure
        }
        let joined = LocalDate(year: 2024, month: 7, day: 15) ?? today
        let villages = graph.villages(of: commune.id, on: today).filter { $0.validFrom <= joined }
        guard !villages.isEmpty else {
            context.complain(app.localizer.text("cli.bench.noVillages", lang, ["unit": commune.fullName]))
            throw ExitCode.failure
        }
        // Names no member has: the run adds every one of them, and takes them away after.
        let rows = [MemberImport.header] + (0..<count).map { i in
            [villages[i % villages.count].name, String(format: "Thành viên thử %05d", i + 1), "tổ viên",
             String(format: "09%08d", i), joined.iso, ""]
        }
        let files: [(String, Data)] = [("csv", Data(TableFile.csv(rows).utf8)), ("xlsx", try TableFile.data(rows, as: .xlsx, sheet: "Thành viên"))]
        let owner = UUID()
        var times = BenchTimes()
        for run in 0...runs {
            times.counting = run > 0
            for (format, file) in files {
                _ = try await times.time(format + " split") { try Self.split(format, file) }
                _ = await times.time(format + " read") { TableFile.sheet(of: file) }
                let token = try await times.time(format + " preview") { () async throws -> String in
                    guard let sheet = TableFile.sheet(of: file) else { throw BenchFailure(key: "import.unreadable", arguments: [:]) }
                    let checked = try await MemberImportService.check(sheet, commune: commune, graph: graph, today: today, on: app.db)
                    guard checked.problems.isEmpty else { throw BenchFailure(key: "import.invalid", arguments: [:]) }
                    return try await ImportDrafts.keep(file, kind: CommuneFile.members.rawValue, unit: commune.id.uuidString, owner: owner, on: app.db)
                }
                try await times.time(format + " confirm") {
                    guard let (draft, sheet) = try await ImportDrafts.open(token, kind: CommuneFile.members.rawValue, owner: owner, on: app.db) else {
                        throw BenchFailure(key: "import.draftGone", arguments: [:])
                    }
                    let checked = try await MemberImportService.check(sheet, commune: commune, graph: graph, today: today, on: app.db)
                    _ = try await MemberImportService.commit(checked, actor: "bench", on: app.db)
                    try await ImportDrafts.discard(draft, on: app.db)
                }
                try await Member.query(on: app.db).filter(\.$fullName =~ "Thành viên thử ").delete()
            }
        }
        let database = (app.db as? any SQLDatabase)?.dialect.name ?? "?"
        context.say("\(commune.fullName), \(villages.count) villages, \(count) members, \(database), \(runs) runs (medians)")
        for (format, file) in files {
            context.say(String(format: "| %@ | %@ | %d | %.0f KiB | %.3f | %.3f | %.3f | %.3f | %.0f MiB |", format, database, count,
                               Double(file.count) / 1024, times.median(format + " split"), times.median(format + " read"),
                               times.median(format + " preview"), times.median(format + " confirm"), BenchTimes.peakMemory))
        }
    }

    /// The baseline: the file only split into cells (CSV) or its sheet unzipped (XLSX), nothing read as a value.
    static func split(_ format: String, _ file: Data) throws -> Int {
        if format == "csv" { return CSVText.rows(String(decoding: file, as: UTF8.self)).reduce(0) { $0 + $1.count } }
        let archive = try Archive(data: file, accessMode: .read)
        var sheet = Data()
        if let entry = archive["xl/worksheets/sheet1.xml"] { _ = try archive.extract(entry) { sheet.append($0) } }
        return sheet.count
    }
}
