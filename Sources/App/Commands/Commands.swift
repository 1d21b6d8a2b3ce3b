import ConsoleKit
import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// `thidua serve [--hostname H] [--port P] [--demo]`: Vapor's server, with the demo loaded first when asked.
struct DemoServeCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "hostname", short: "H", help: "The address to listen on (default 127.0.0.1).")
        var hostname: String?
        @Option(name: "port", short: "p", help: "The port to listen on (default 8080).")
        var port: Int?
        @Flag(name: "demo", help: "Migrate, load the Uông Bí demo movement when the database has none, and print the demo sign-in.")
        var demo: Bool
    }

    var help: String { "Serves ThiĐua over HTTP. With --demo, first prepares the demo movement and prints how to sign in." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var demoSummary: DemoLoader.Summary?
        if signature.demo {
            try await app.autoMigrate()
            let password = app.config.demoPassword ?? PasswordRules.oneTime()
            demoSummary = try await DemoLoader.load(resources: app.config.resourcesDirectory, password: password, on: app.db)
        } else if (try? await Unit.query(on: app.db).count()) == 0 {
            // A database with no units yet (migrated, nothing loaded): it starts with the national catalogue.
            let clock = ContinuousClock()
            let began = clock.now
            let report = try await CatalogueService.apply(try CatalogueService.read(resources: app.config.resourcesDirectory),
                                                          actor: "serve", on: app.db)
            context.say(app.localizer.text("cli.catalogue.done", app.config.defaultLanguage, [
                "added": String(report.added), "changed": "0", "unchanged": "0", "links": String(report.linksAdded),
                "successions": String(report.successionsAdded), "seconds": String((clock.now - began).components.seconds)]))
        }
        // A changed key stops the server here, before it answers a single citizen with "no such tip".
        try await TipSecrets.verify(app.tips.secrets, config: app.config, on: app.db)
        var arguments = ["serve"]
        if let h = signature.hostname { arguments += ["--hostname", h] }
        if let p = signature.port { arguments += ["--port", String(p)] }
        var inner = context
        inner.input = CommandInput(arguments: arguments)
        try await app.servers.asyncCommand.run(using: &inner)
        TipHousekeeping.start(app)
        SessionHousekeeping.start(app)
        let host = signature.hostname ?? app.http.server.configuration.hostname
        let port = signature.port ?? app.http.server.configuration.port
        context.say("ThiĐua: http://\(host):\(port)/")
        if let demo = demoSummary {
            context.say("Demo sign-in: \(demo.accounts.map { "\($0.username) (\($0.role))" }.joined(separator: ", ")) — "
                + (demo.password.map { "password: \($0)" } ?? app.localizer.text("cli.demo.passwordKept", app.config.defaultLanguage)))
            if let (plan, _) = demo.illustrative { context.say(DemoCommand.illustrativeLine(plan)) }
        }
    }
}

/// `thidua migrate [--revert --yes]`: brings the schema up to date (or takes it all down) without questions.
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Revert every migration (deletes all data). Needs --yes.")
        var revert: Bool
        @Flag(name: "yes", help: "Confirm --revert.")
        var yes: Bool
    }

    var help: String { "Creates or updates the database tables. --revert --yes removes them all." }

    func run(using context: CommandContext, signature: Signature) async throws {
        if signature.revert {
            guard signature.yes || context.console.confirmOverride == true else {  // ConsoleKit takes --yes for itself
                context.complain(context.application.localizer.text("cli.migrate.needsYes", context.application.config.defaultLanguage))
                throw ExitCode.failure
            }
            try await context.application.autoRevert()
            context.say("All migrations reverted.")
        } else {
            try await context.application.autoMigrate()
            context.say("The database is up to date.")
        }
    }
}

/// `thidua demo`: the seed plan and the Uông Bí demo; safe to run again.
struct DemoCommand: AsyncCommand {
    static func illustrativeLine(_ plan: Plan) -> String {
        let phase = plan.phases.count > 1 ? plan.phases[1] : plan.phases.first
        return "Illustrative movement \(plan.id) (the seed plan re-dated): \(phase.map { "\($0.name) \($0.start.display) – \($0.end.display)" } ?? "")."
    }

    struct Signature: CommandSignature {}

    var help: String {
        "Loads the Uông Bí plan, units (with the 1 July 2025 merger), sample teams and members, and demo accounts. Running it again adds nothing and leaves existing accounts and their passwords as they are."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.migrateQuietly()
        let password = app.config.demoPassword ?? PasswordRules.oneTime()
        let s = try await DemoLoader.load(resources: app.config.resourcesDirectory, password: password, on: app.db)
        context.say("Plan uong-bi-2024-2025: \(s.plan). Added \(s.unitsAdded) units, \(s.teamsAdded) teams, \(s.membersAdded) members, \(s.recordsAdded) sample records, \(s.figuresAdded) monthly figures.")
        if let (plan, _) = s.illustrative {
            context.say(Self.illustrativeLine(plan) + " Added \(s.liveRecordsAdded) sample records, \(s.liveFiguresAdded) monthly figures since \(DemoLoader.seedEnd.display).")
        }
        context.say("Demo accounts: \(s.accounts.map { "\($0.username) (\($0.role))" }.joined(separator: ", "))")
        context.say(s.password.map { "Demo password: \($0)" } ?? app.localizer.text("cli.demo.passwordKept", app.config.defaultLanguage))
    }
}

/// `thidua import-plan FILE`: checks a plan file whole and stores it only when it has no problem.
struct ImportPlanCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The plan file (YAML); see docs/plan-format.md.")
        var file: String
    }

    var help: String { "Checks a plan file and loads it. Prints every problem with its line; exits 1 on any." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            context.complain(app.localizer.text("cli.fileUnreadable", lang, ["file": signature.file]))
            throw ExitCode.failure
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            context.complain(app.localizer.text("cli.notUTF8", lang, ["file": signature.file]))
            throw ExitCode.failure
        }
        try await app.migrateQuietly()
        do {
            let (plan, outcome) = try await PlanService.importPlan(yaml: yaml, actor: "cli", on: app.db)
            context.say(app.localizer.text("cli.planLoaded", lang, [
                "id": plan.id, "outcome": app.localizer.text("cli.outcome.\(outcome)", lang),
                "phases": String(plan.phases.count), "contents": String(plan.contents.count),
                "targets": String(plan.targets.count)]))
        } catch let error as PlanValidationError {
            for problem in error.problems {
                context.complain("\(signature.file):\(problem.line):\(problem.column): "
                                      + app.localizer.text(problem.key, lang, problem.arguments))
            }
            context.complain(app.localizer.text("cli.planRejected", lang, ["count": String(error.problems.count)]))
            throw ExitCode.failure
        }
    }
}

/// `thidua create-user --username NAME --role ROLE [--unit CODE]`: the password comes from standard input.
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "Sign-in name: 3–64 letters, digits, '.', '-' or '_'.")
        var username: String?
        @Option(name: "role", help: "admin, secretariat, communeOfficer, teamLeader or viewer.")
        var role: String?
        @Option(name: "unit", help: "The unit the account works in: a national code or a unit id. Required for communeOfficer and teamLeader.")
        var unit: String?
        @Option(name: "display-name", help: "The name shown in the application (default: the username).")
        var displayName: String?
        @Flag(name: "heads-police", help: "A communeOfficer who heads the commune's police: also reads the contact details of the commune's tips assigned to others.")
        var headsPolice: Bool
    }

    var help: String {
        "Creates an account. Reads the password from standard input (one line, at least \(PasswordPolicy.minimumLength) characters), never from the command line."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        let fail = AccountCommands.failure(context)
        let username = try AccountCommands.username(signature.username, context)
        guard let roleName = signature.role, Role(rawValue: roleName) != nil else {
            throw fail("cli.user.badRole", ["roles": Role.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        try await app.migrateQuietly()
        // The rules of the admin's form (`AccountDraft`), said in the command line's words.
        let graph = try await UnitService.graph(on: app.db)
        let (draft, unitID) = AccountAdmin.draft(.init(username: username, displayName: signature.displayName ?? username,
                                                       role: roleName, unit: signature.unit, headsPolice: signature.headsPolice),
                                                 over: nil, graph: graph, today: VietnamTime.localDate(of: Date()))
        let problems = draft.problems()
        let unitName = unitID.flatMap { graph.units[$0]?.fullName } ?? signature.unit ?? ""
        switch problems["unit"] {
        case nil: break
        case "field.unitUnknown"?: throw fail("cli.user.unknownUnit", ["unit": signature.unit ?? ""])
        case _ where signature.unit == nil: throw fail("cli.user.unitRequired", ["role": roleName])
        case "field.unitVillageRequired"?: throw fail("cli.user.teamLeaderVillage", ["unit": unitName])
        case "field.unitCommuneRequired"?: throw fail("cli.user.officerCommune", ["unit": unitName])
        case let key?: throw fail("cli.user.badField", ["name": "--unit", "problem": app.localizer.text(key, lang)])
        }
        for (field, option) in [("displayName", "--display-name"), ("headsPolice", "--heads-police")] {
            if let key = problems[field] { throw fail("cli.user.badField", ["name": option, "problem": app.localizer.text(key, lang)]) }
        }
        guard let role = draft.role else { throw fail("cli.user.badRole", ["roles": Role.allCases.map(\.rawValue).joined(separator: ", ")]) }
        let password = try AccountCommands.password(context)
        if try await User.query(on: app.db).filter(\.$username == username).first() != nil {
            throw fail("cli.user.exists", ["username": username])
        }
        let user = User(username: username, displayName: signature.displayName ?? username,
                        passwordHash: try Bcrypt.hash(password), role: role, unitID: unitID)
        user.headsPolice = draft.headsPolice
        try await app.db.audited { tx in
            try await user.create(on: tx)
            try await AuditLog.record(on: tx, actor: "cli", action: "user.create", entity: "user",
                                      entityID: user.id?.uuidString, after: AccountAdmin.snapshot(user))
        }
        context.say(app.localizer.text("cli.user.created", lang, ["username": username, "role": role.rawValue]))
    }
}

/// What the account commands share: a message in the operator's language and exit 1, a checked username, and a
/// password read from standard input.
enum AccountCommands {
    static func failure(_ context: CommandContext) -> (String, [String: String]) -> ExitCode {
        let app = context.application
        return { key, args in
            context.complain(app.localizer.text(key, app.config.defaultLanguage, args))
            return ExitCode.failure
        }
    }

    static func username(_ given: String?, _ context: CommandContext) throws -> String {
        guard let given, AccountDraft.validUsername(given) else { throw failure(context)("cli.user.badUsername", [:]) }
        return AccountDraft.folded(given)
    }

    static func password(_ context: CommandContext) throws -> String {
        guard let password = readLine(strippingNewline: true), password.count >= PasswordPolicy.minimumLength,
              password.count <= 200 else {
            throw failure(context)("cli.user.badPassword", ["min": String(PasswordPolicy.minimumLength)])
        }
        return password
    }
}

/// `thidua set-password --username NAME`: a new password for an account, read from standard input.
struct SetPasswordCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "The account's sign-in name.")
        var username: String?
    }

    var help: String {
        "Sets an account's password. Reads it from standard input (one line, at least \(PasswordPolicy.minimumLength) characters), never from the command line."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let username = try AccountCommands.username(signature.username, context)
        try await app.migrateQuietly()
        guard let user = try await User.query(on: app.db).filter(\.$username == username).first() else {
            throw AccountCommands.failure(context)("cli.user.unknown", ["username": username])
        }
        let password = try AccountCommands.password(context)
        user.passwordHash = try Bcrypt.hash(password)
        try await app.db.audited { tx in
            try await user.update(on: tx)
            try await AuditLog.record(on: tx, actor: "cli", action: "user.setPassword", entity: "user", entityID: user.id?.uuidString)
        }
        context.say(app.localizer.text("cli.user.passwordSet", app.config.defaultLanguage, ["username": username]))
    }
}

/// `thidua verify-audit`: walks the hash chain; exits 1 at the first entry that was edited or removed.
struct VerifyAuditCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Checks that no audit entry was edited or deleted. Exits 1 and names the first broken entry if one was." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        switch try await AuditLog.verify(on: app.db) {
        case .intact(let n):
            context.say(app.localizer.text("cli.audit.intact", lang, ["count": String(n)]))
        case let .broken(seq, reason):
            context.complain(app.localizer.text("cli.audit.broken", lang, ["seq": String(seq), "reason": reason]))
            throw ExitCode.failure
        }
    }
}

struct VerifyTotalsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "repair", help: "Rebuild the totals from the records when they differ.")
        var repair: Bool
    }

    var help: String {
        "Checks the record totals and the kept results (both kept as records change) against a fresh computation. Exits 1 if they differ, unless --repair rebuilds them."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        var failed = false
        let (differing, records) = try await RecordTotals.differences(on: app.db)
        if differing == 0 {
            context.say(app.localizer.text("cli.totals.intact", lang, ["records": String(records)]))
        } else if signature.repair {
            try await RecordTotals.rebuild(on: app.db)
            context.say(app.localizer.text("cli.totals.rebuilt", lang, ["count": String(differing), "records": String(records)]))
        } else {
            context.complain(app.localizer.text("cli.totals.differ", lang, ["count": String(differing)]))
            failed = true
        }
        // After the totals: kept results rest on them.
        let kept = try await KeptFactsStore.verify(repair: signature.repair, on: app.db)
        let values = ["checked": String(kept.checked), "count": String(kept.differing), "stale": String(kept.stale)]
        if kept.differing == 0 && !signature.repair {
            context.say(app.localizer.text("cli.kept.intact", lang, values))
        } else if signature.repair {
            context.say(app.localizer.text("cli.kept.repaired", lang, values))
        } else {
            context.complain(app.localizer.text("cli.kept.differ", lang, values))
            failed = true
        }
        if failed { throw ExitCode.failure }
    }
}

/// Ends the process with a status, after the command has said why.
struct ExitCode: Error, CustomStringConvertible {
    let code: Int32
    static let failure = ExitCode(code: 1)
    var description: String { "exit \(code)" }
}

extension CommandContext {
    func say(_ text: String) { console.output(text.consoleText()) }
    func complain(_ text: String) { console.error(text) }
}

extension Application {
    /// Migrates, with the migrator's own lines (one per migration, fifty and more) logged at debug: an operator's
    /// command prints its answer, not the migrations it did on the way. A failure is thrown and said all the same.
    func migrateQuietly() async throws {
        let kept = fluent.migrationLogLevel
        fluent.migrationLogLevel = .debug
        defer { fluent.migrationLogLevel = kept }
        try await autoMigrate()
    }
}
