import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Makes a locality ready to run its movement: its units (the national catalogue, loaded when missing), its plan,
/// an account for its secretariat and one for each commune's police, and a list of what the locality must still
/// supply (villages, teams, populations).
enum LocalitySetup {
    struct Account: Sendable, Equatable {
        var username: String
        var role: Role
        var unit: String
        /// The one-time password of an account made now; nil for one that existed (it keeps its own).
        var password: String?
    }

    struct Report: Sendable {
        var area: UnitInfo
        var communes: [UnitInfo]
        var catalogue: CatalogueService.Report?
        var plan: (id: String, outcome: PlanService.Outcome)?
        var accounts: [Account]
        var withoutVillages: [UnitInfo]
        var withoutPopulation: [UnitInfo]
        var villagesWithoutTeams: Int
    }

    /// The area's code (a province or commune of today, or a unit that ended, standing for what its communes
    /// became); `plan`, a plan file's text.
    static func run(area code: String, plan: String?, resources: String, actor: String, today: LocalDate, on db: any Database) async throws -> Report {
        // A plan with a mistake, or a code no unit has, changes nothing: checked before anything is stored.
        if let plan { _ = try PlanLoader.load(yaml: plan) }
        var graph = try await UnitService.graph(on: db)
        var catalogue: CatalogueService.Report?
        if graph.unit(code: code, on: today) == nil {
            let national = try CatalogueService.read(resources: resources)
            guard (national.before + national.after).contains(where: { $0.code == code }) else { throw AppError.notFound("error.unitNotFound") }
            catalogue = try await CatalogueService.apply(national, actor: actor, on: db)
            graph = try await UnitService.graph(on: db)
        }
        guard let area = graph.unit(code: code, on: today) else { throw AppError.notFound("error.unitNotFound") }
        let communes = Participation.communes(ofArea: code, on: today, graph: graph)
        guard !communes.isEmpty else { throw AppError(.unprocessableEntity, "setup.noCommunes", ["unit": area.fullName]) }
        var planReport: (String, PlanService.Outcome)?
        if let plan {
            let (loaded, outcome) = try await PlanService.importPlan(yaml: plan, actor: actor, on: db)
            planReport = (loaded.id, outcome)
        }
        // The secretariat of the area itself, also when it has ended: its reach is then the communes its communes
        // became (`Reach`), not the whole province they now lie in, and each area has its own account.
        let wanted: [(String, String, Role, UnitInfo)] = [("thuongtruc." + (area.code ?? code), "Thường trực BCĐ \(area.fullName)", .secretariat, area)]
            + communes.map { ("ca." + ($0.code ?? $0.id.uuidString.prefix(8).lowercased()), "Công an \($0.fullName)", .communeOfficer, $0) }
        let accounts: [Account] = try await db.audited { tx in
            var accounts: [Account] = []
            for (username, displayName, role, unit) in wanted {
                if try await User.query(on: tx).filter(\.$username == username).first() != nil {
                    accounts.append(Account(username: username, role: role, unit: unit.fullName, password: nil))
                    continue
                }
                let password = PasswordRules.oneTime()
                let user = User(username: username, displayName: displayName, passwordHash: try Bcrypt.hash(password), role: role, unitID: unit.id)
                user.mustChangePassword = true
                try await user.create(on: tx)
                try await AuditLog.record(on: tx, actor: actor, action: "user.create", entity: "user", entityID: user.id?.uuidString,
                                          after: AccountAdmin.snapshot(user))
                accounts.append(Account(username: username, role: role, unit: unit.fullName, password: password))
            }
            return accounts
        }
        var withoutVillages: [UnitInfo] = []
        var villageIDs: [UUID] = []
        for commune in communes {
            let villages = graph.villages(of: commune.id, on: today)
            if villages.isEmpty { withoutVillages.append(commune) }
            villageIDs += villages.map(\.id)
        }
        let withTeams = villageIDs.isEmpty ? 0 : Set(try await Team.query(on: db).filter(\.$village.$id ~~ villageIDs).all().map(\.$village.id)).count
        return Report(area: area, communes: communes, catalogue: catalogue, plan: planReport, accounts: accounts,
                      withoutVillages: withoutVillages, withoutPopulation: communes.filter { Participation.population(of: $0, graph: graph) == nil },
                      villagesWithoutTeams: villageIDs.count - withTeams)
    }
}

/// `thidua setup --area CODE [--plan FILE] [--accounts-file PATH]`.
struct SetupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "area", help: "The locality: the code of a province or commune of today (or of a district that ended, for what it became).")
        var area: String?
        @Option(name: "plan", help: "A plan file (YAML) to load for it.")
        var plan: String?
        @Option(name: "accounts-file", help: "Where to write the new accounts' one-time passwords, readable by you alone (default ./thidua-accounts-CODE.csv).")
        var accountsFile: String?
    }

    var help: String {
        "Makes a locality ready: checks its units (loading the national catalogue when they are missing), loads its plan, creates its secretariat's and each commune's police account with one-time passwords written to a file only you can read, and says what the locality must still supply."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        func say(_ key: String, _ arguments: [String: String] = [:]) -> String { app.localizer.text(key, lang, arguments) }
        guard let code = signature.area, !code.isEmpty else {
            context.complain(say("cli.setup.area"))
            throw ExitCode.failure
        }
        var planText: String?
        if let file = signature.plan {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                context.complain(say("cli.fileUnreadable", ["file": file]))
                throw ExitCode.failure
            }
            planText = text
        }
        try await app.migrateQuietly()
        let clock = ContinuousClock()
        let began = clock.now
        let report: LocalitySetup.Report
        do {
            report = try await LocalitySetup.run(area: code, plan: planText, resources: app.config.resourcesDirectory, actor: "cli",
                                                 today: VietnamTime.localDate(of: Date()), on: app.db)
        } catch let error as AppError {
            context.complain(say(error.key, error.arguments.isEmpty ? ["unit": code] : error.arguments))
            throw ExitCode.failure
        } catch let error as PlanValidationError {
            for p in error.problems { context.complain("\(signature.plan ?? ""):\(p.line):\(p.column): " + say(p.key, p.arguments)) }
            context.complain(say("cli.planRejected", ["count": String(error.problems.count)]))
            throw ExitCode.failure
        }
        if let c = report.catalogue {
            context.say(say("cli.catalogue.done", ["added": String(c.added), "changed": String(c.changed), "unchanged": String(c.unchanged),
                                                   "links": String(c.linksAdded), "successions": String(c.successionsAdded),
                                                   "seconds": String(format: "%.1f", Double((clock.now - began).components.seconds))]))
        }
        context.say(say("cli.setup.area.done", ["unit": report.area.fullName, "communes": String(report.communes.count)]))
        if let plan = report.plan {
            context.say(say("cli.setup.plan", ["id": plan.id, "outcome": say("cli.outcome.\(plan.outcome)")]))
        }
        let made = report.accounts.filter { $0.password != nil }
        if !made.isEmpty {
            let path = signature.accountsFile ?? "thidua-accounts-\(code).csv"
            let lines = ["username,role,unit,password"] + made.map { MemberImport.line([$0.username, $0.role.rawValue, $0.unit, $0.password ?? ""]) }
            // Readable by the operator alone: the passwords are in it until each person changes theirs.
            guard FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                context.complain(say("cli.fileUnwritable", ["file": path]))
                throw ExitCode.failure
            }
            context.say(say("cli.setup.accounts", ["count": String(made.count), "file": path]))
        }
        let kept = report.accounts.count - made.count
        if kept > 0 { context.say(say("cli.setup.accountsKept", ["count": String(kept)])) }
        var missing: [String] = []
        if !report.withoutVillages.isEmpty {
            missing.append(say("cli.setup.noVillages", ["count": String(report.withoutVillages.count),
                                                        "units": report.withoutVillages.prefix(5).map { "\($0.fullName) (\($0.code ?? "—"))" }.joined(separator: ", ")]))
        }
        if report.villagesWithoutTeams > 0 { missing.append(say("cli.setup.noTeams", ["count": String(report.villagesWithoutTeams)])) }
        if !report.withoutPopulation.isEmpty {
            missing.append(say("cli.setup.noPopulation", ["count": String(report.withoutPopulation.count)]))
        }
        context.say(missing.isEmpty ? say("cli.setup.ready") : say("cli.setup.missing") + "\n  - " + missing.joined(separator: "\n  - "))
    }
}
