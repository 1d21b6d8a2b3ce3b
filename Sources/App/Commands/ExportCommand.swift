import Foundation
import ThiDuaCore
import Vapor

/// `thidua export [--movement ID] [--phase ID] --format xlsx|csv|json|pdf --output FILE [--table KEY]`: a review
/// report's tables (or the report as a PDF), the same as the web's downloads.
struct ExportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "movement", help: "The movement's id (default: the only real one; the demo's illustrative copy is not counted).")
        var movement: String?
        @Option(name: "phase", help: "A phase's id; the whole movement when not given.")
        var phase: String?
        @Option(name: "format", help: "xlsx, csv, json or pdf.")
        var format: String?
        @Option(name: "output", help: "The file to write.")
        var output: String?
        @Option(name: "table", help: "With csv: ranking (default), targets, units or exemplars.")
        var table: String?
    }

    var help: String { "Writes a review report's tables (xlsx, csv, json) or the report (pdf) to a file." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        func fail(_ key: String, _ arguments: [String: String] = [:]) -> ExitCode {
            context.complain(app.localizer.text(key, lang, arguments))
            return ExitCode.failure
        }
        guard let format = signature.format, ReportExport.formats.contains(format) else {
            throw fail("cli.export.format", ["formats": ReportExport.formats.joined(separator: ", ")])
        }
        guard let output = signature.output, !output.isEmpty else { throw fail("cli.export.output") }
        try await app.migrateQuietly()
        let all = try await PlanService.movements(on: app.db)
        let real = all.filter { !$0.1.isIllustrative }
        var found = real.count == 1 ? real.first : nil
        if let key = signature.movement { found = try await PlanService.movement(key, on: app.db) }
        guard let (movement, plan) = found else {
            throw fail("cli.export.movement", ["movement": signature.movement ?? "", "movements": all.map(\.1.id).joined(separator: ", ")])
        }
        if let phase = signature.phase, plan.phase(id: phase) == nil {
            throw fail("cli.export.phase", ["phase": phase, "phases": plan.phases.map(\.id).joined(separator: ", ")])
        }
        if let table = signature.table, !ReportTable.keys.contains(table) {
            throw fail("cli.export.table", ["table": table, "tables": ReportTable.keys.joined(separator: ", ")])
        }
        let graph = try await UnitService.graph(on: app.db)
        let data = try await ReportService.data(movement: movement, plan: plan, scope: signature.phase, graph: graph,
                                                today: VietnamTime.localDate(of: Date()), on: app.db, cache: nil)
        let export = try ReportExport.make(data, format: format, table: signature.table,
                                           text: Translator(localizer: app.localizer, language: .vi), resources: app.config.resourcesDirectory)
        guard FileManager.default.createFile(atPath: output, contents: export.data) else {
            throw fail("cli.export.unwritable", ["file": output])
        }
        context.say(app.localizer.text("cli.export.done", lang, ["file": output, "bytes": String(export.data.count)]))
    }
}
