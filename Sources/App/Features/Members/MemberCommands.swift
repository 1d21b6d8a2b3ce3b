import Foundation
import ThiDuaCore
import Vapor

/// `thidua members import FILE --unit CODE`: a commune's members from a CSV file, on the rules of the page.
struct MemberImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The CSV file: village,full_name,role,phone,joined_on,left_on (see the page's template).")
        var file: String
        @Option(name: "unit", help: "The commune: its national code or id, as it stands today.")
        var unit: String?
        @Flag(name: "dry-run", help: "Check the file and say what would change; store nothing.")
        var dryRun: Bool
    }

    var help: String { "Imports a commune's team members from a CSV file. Prints every problem with its line and stores nothing unless the whole file is right." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        func say(_ key: String, _ arguments: [String: String] = [:]) -> String { app.localizer.text(key, lang, arguments) }
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            context.complain(say("cli.fileUnreadable", ["file": signature.file]))
            throw ExitCode.failure
        }
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
            context.complain(say("cli.notUTF8", ["file": signature.file]))
            throw ExitCode.failure
        }
        try await app.autoMigrate()
        let graph = try await UnitService.graph(on: app.db)
        let today = VietnamTime.localDate(of: Date())
        guard let key = signature.unit, let commune = UnitService.find(key, on: today, in: graph), commune.level == .commune,
              commune.isValid(on: today) else {
            context.complain(say("cli.members.unit", ["unit": signature.unit ?? ""]))
            throw ExitCode.failure
        }
        let checked = try await MemberImportService.check(text, commune: commune, graph: graph, today: today, on: app.db)
        guard checked.problems.isEmpty, !checked.rows.isEmpty else {
            for p in checked.problems {
                context.complain("\(signature.file):\(p.line): " + say(p.key, p.arguments))
            }
            context.complain(say("cli.members.rejected", ["count": String(max(1, checked.problems.count))]))
            throw ExitCode.failure
        }
        if signature.dryRun {
            context.say(say("members.summary", ["added": String(checked.added), "updated": String(checked.updated)]))
            return
        }
        let (added, updated) = try await MemberImportService.commit(checked, actor: "cli", on: app.db)
        context.say(say("cli.members.done", ["commune": commune.fullName, "added": String(added), "updated": String(updated)]))
    }
}

struct MemberCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["import": MemberImportCommand()]
    var help: String { "Team members: thidua members import FILE --unit CODE." }
}
