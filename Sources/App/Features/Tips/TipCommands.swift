import Crypto
import Foundation
import ThiDuaCore
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// The tips' work from the command line: what the server's clock does (`TipHousekeeping`), at once.
struct TipCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["release": TipReleaseCommand(), "retention": TipRetentionCommand(),
                                                     "rotate-key": TipRotateKeyCommand()]
    var help: String {
        "Tips: thidua tips release (writes what waits now), thidua tips retention (erases what is due today), thidua tips rotate-key --yes (a new key for contacts and codes)."
    }
}

struct TipReleaseCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String {
        "Writes the tips and messages that wait in this data folder's spool to the database now, as the next release would (before a backup or moving the server)."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.migrateQuietly()
        try await TipSecrets.verify(app.tips.secrets, config: app.config, on: app.db)
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
        try await app.migrateQuietly()
        let policy = app.config.tipRetention
        let erased = try await TipService.applyRetention(policy, context: app.tips, today: VietnamTime.localDate(of: Date()), on: app.db)
        context.say(app.localizer.text("cli.tips.retention", app.config.defaultLanguage, [
            "contacts": String(erased.contacts), "contents": String(erased.contents),
            "contactDays": String(policy.contactDays), "contentDays": String(policy.contentDays),
        ]))
    }
}

struct TipRotateKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "yes", help: "Confirm: every server on this database is stopped.")
        var yes: Bool
    }

    var help: String {
        "Makes a new tips' key: writes what waits in the spool, then in one transaction seals every contact again and keeps the old key's receipt-code pepper sealed with the new one (older codes stay valid), and puts the new key in the key file (or prints it for THIDUA_TIP_KEY). Stop every server on the database first."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        // ConsoleKit takes --yes (and -y) for itself, as the answer to every confirmation.
        guard signature.yes || context.console.confirmOverride == true else {
            context.complain(app.localizer.text("cli.tips.rotate.confirm", lang))
            throw ExitCode.failure
        }
        try await app.migrateQuietly()
        let old = app.tips.secrets
        try await TipSecrets.verify(old, config: app.config, on: app.db)
        // What waits was sealed with the old key: written first, so that nothing is left that only it opens.
        try await TipService.release(context: app.tips, on: app.db, logger: app.logger)
        guard app.tips.spool?.entries().isEmpty ?? true else {
            context.complain(app.localizer.text("cli.tips.rotate.waiting", lang))
            throw ExitCode.failure
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let next = TipSecrets(key: key)
        let today = VietnamTime.localDate(of: Date())
        guard app.config.tipKey == nil else {
            let done = try await old.rotate(to: next, today: today, on: app.db)
            context.say(app.localizer.text("cli.tips.rotate.doneEnv", lang, Self.arguments(done, ["key": key.base64EncodedString()])))
            return
        }
        // The new key is on disk before the commit; it takes the old one's place after it (a rename, atomic).
        let path = app.config.tipKeyPath
        let pending = path + ".new"
        guard FileManager.default.createFile(atPath: pending, contents: Data(key.base64EncodedString().utf8), attributes: [.posixPermissions: 0o600]) else {
            context.complain(app.localizer.text("cli.tips.rotate.write", lang, ["path": pending]))
            throw ExitCode.failure
        }
        let done: TipSecrets.Rotation
        do {
            done = try await old.rotate(to: next, today: today, on: app.db)
        } catch {
            try? FileManager.default.removeItem(atPath: pending)
            throw error
        }
        guard rename(pending, path) == 0 else {
            context.complain(app.localizer.text("cli.tips.rotate.rename", lang, ["path": path]))
            throw ExitCode.failure
        }
        context.say(app.localizer.text("cli.tips.rotate.done", lang, Self.arguments(done, ["path": path])))
    }

    static func arguments(_ r: TipSecrets.Rotation, _ more: [String: String]) -> [String: String] {
        ["contacts": String(r.contacts), "unreadable": String(r.unreadable), "peppers": String(r.peppers)].merging(more) { a, _ in a }
    }
}
