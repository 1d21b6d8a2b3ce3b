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
        let (sheet, commune, graph, today) = try await CommandFiles.communeFile(signature.file, unit: signature.unit, context: context)
        let checked = try await MemberImportService.check(sheet, commune: commune, graph: graph, today: today, on: app.db)
        try CommandFiles.refuse(checked.problems, empty: checked.rows.isEmpty, file: signature.file, context: context)
        if signature.dryRun {
            context.say(say("members.summary", checked.counts))
            return
        }
        let counts = try await MemberImportService.commit(checked, actor: "cli", on: app.db)
        context.say(say("cli.members.done", counts.merging(["commune": commune.fullName]) { a, _ in a }))
    }
}

struct MemberCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["import": MemberImportCommand()]
    var help: String { "Team members: thidua members import FILE --unit CODE." }
}
