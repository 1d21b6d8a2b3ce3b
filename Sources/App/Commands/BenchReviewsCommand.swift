import Fluent
import Foundation
import SQLKit
import ThiDuaCore
import Vapor

/// `thidua bench reviews`: what closing a phase and its review report cost, beside the results they rest on,
/// computed whole in the same run (the baseline).
struct BenchReviewsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "plan", help: "The movement (default: the first whose id starts with bench-, else the first).")
        var plan: String?
        @Option(name: "phase", help: "The phase (default: the last).")
        var phase: String?
        @Option(name: "runs", help: "Timed runs after one warm-up (default 3).")
        var runs: Int?
    }

    var help: String {
        "Times, for one phase: its results computed whole (the baseline); closing it (computed, frozen and stored); its frozen results read by a server with nothing kept, then kept; the review report's data; and the report as XLSX, CSV, JSON and PDF, with their sizes. The phase is opened again after each run, with a reason, as the audit log says."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        // A database made by an earlier release has no closed phases yet.
        try await app.migrateQuietly()
        let (movement, plan, phase) = try await BenchSetup.movement(plan: signature.plan, phase: signature.phase, context: context)
        let runs = max(1, min(signature.runs ?? 3, 20))
        let graph = try await app.unitGraph()
        let user = User(username: "bench", displayName: "bench", passwordHash: "", role: .secretariat, unitID: nil)
        let movementID = try movement.requireID()
        // A phase closed before the benchmark stays as it was found: it is timed as it is, not reopened.
        if try await PhaseClosing.closed(movementID, phase: phase.id, on: app.db) != nil {
            context.complain(app.localizer.text("cli.bench.closed", app.config.defaultLanguage, ["phase": phase.id]))
            throw ExitCode.failure
        }
        let today = max(VietnamTime.localDate(of: Date()), phase.end.adding(days: 1))
        let t = Translator(localizer: app.localizer, language: .vi)
        var times = BenchTimes()
        var sizes: [String: Int] = [:]
        var communes = 0
        for run in 0...runs {
            times.counting = run > 0
            let whole = try await times.time("whole") {
                try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: phase.end, structureDate: phase.end,
                                                 graph: graph, on: app.db)
            }
            communes = whole.units.count
            _ = try await times.time("close") {
                try await PhaseClosing.close(movement: movement, plan: plan, phase: phase, user: user, graph: graph, today: today, on: app.db)
            }
            let cache = ResultsCache(graphs: UnitGraphCache())
            _ = try await times.time("frozen cold") {
                try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today, structureDate: nil,
                                                 graph: graph, on: app.db, cache: cache)
            }
            _ = try await times.time("frozen kept") {
                try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: today, structureDate: nil,
                                                 graph: graph, on: app.db, cache: cache)
            }
            let data = try await times.time("report data") {
                try await ReportService.data(movement: movement, plan: plan, scope: phase.id, graph: graph, today: today, on: app.db, cache: cache)
            }
            for format in ["xlsx", "csv", "json", "pdf"] {
                let file = try await times.time(format) {
                    try ReportExport.make(data, format: format, table: nil, text: t, resources: app.config.resourcesDirectory)
                }
                sizes[format] = file.data.count
            }
            try await PhaseClosing.reopen(movement: movement, plan: plan, phase: phase, reason: "benchmark run \(run): opened again", user: user,
                                          on: app.db)
        }
        let median = times.median
        let database = (app.db as? any SQLDatabase)?.dialect.name ?? "?"
        context.say("plan \(plan.id), phase \(phase.id), \(database), \(communes) communes, \(runs) runs (medians)")
        let base = median("whole")
        for key in ["whole", "close", "frozen cold", "frozen kept", "report data", "xlsx", "csv", "json", "pdf"] {
            let size = sizes[key].map { String(format: ", %.1f KiB", Double($0) / 1024) } ?? ""
            context.say(String(format: "%@: %.4f s (%.2f× the results computed whole)%@", key, median(key), median(key) / base, size))
        }
        context.say(String(format: "| %@ | %@ | %d | %.3f | %.3f | %.3f | %.4f | %.3f | %.3f / %.3f / %.3f / %.3f | %.0f / %.0f / %.0f / %.0f KiB | %.0f MiB |",
                           plan.id, database, communes, base, median("close"), median("frozen cold"), median("frozen kept"), median("report data"),
                           median("xlsx"), median("csv"), median("json"), median("pdf"),
                           Double(sizes["xlsx"] ?? 0) / 1024, Double(sizes["csv"] ?? 0) / 1024, Double(sizes["json"] ?? 0) / 1024,
                           Double(sizes["pdf"] ?? 0) / 1024, BenchTimes.peakMemory))
    }
}
