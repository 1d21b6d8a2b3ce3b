import Foundation
import ThiDuaCore
import Vapor

/// The tips' work from the command line: what the server's clock does (`TipHousekeeping`), at once.
struct TipCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["release": TipReleaseCommand(), "retention": TipRetentionCommand()]
    var help: String { "Tips: thidua tips release (writes what waits now), thidua tips retention (erases what is due today)." }
}

struct TipReleaseCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String {
        "Writes the tips and messages that wait in this data folder's spool to the database now, as the next release would (before a backup or moving the server)."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        let written = try await TipService.release(context: app.tips, on: app.db, logger: app.logger)
        let left = app.tips.spool?.entries().count ?? 0
        context.say(app.localizer.text("cli.tips.released", app.config.defaultLanguage, ["count": String(written), "left": String(left)]))
        if left > 0 { throw ExitCode.failure }
    }
}

struct TipRetentionCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String {
        "Erases closed tips' contacts and contents whose retention period is over today (THIDUA_TIP_RETENTION), as the daily job does; audited."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        let policy = app.config.tipRetention
        let erased = try await TipService.applyRetention(policy, context: app.tips, today: VietnamTime.localDate(of: Date()), on: app.db)
        context.say(app.localizer.text("cli.tips.retention", app.config.defaultLanguage, [
            "contacts": String(erased.contacts), "contents": String(erased.contents),
            "contactDays": String(policy.contactDays), "contentDays": String(policy.contentDays),
        ]))
    }
}
