import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
import Yams
@testable import App

@Suite("Operations: migrations, durability, health, metrics, configuration, the API document")
struct OperationsTests {
    static let tables = ["movements", "units", "unit_parent_links", "unit_successions", "teams", "members", "users",
                         "api_tokens", "_fluent_sessions", "audit_entries", "tips", "pledges", "evidence_files", "closed_phases",
                         "review_reports", "award_forms", "nominations", "nomination_files", "import_drafts"]

    func tableNames(_ app: Application) async throws -> Set<String> {
        let sql = app.db as! any SQLDatabase
        struct Row: Decodable { var name: String }
        if TestDatabase.isPostgres {
            return Set(try await sql.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")
                .all(decoding: Row.self).map(\.name))
        }
        return Set(try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all(decoding: Row.self).map(\.name))
    }

    @Test("Migrations run up and down")
    func migrations() async throws {
        try await withApp(migrate: false) { app in
            #expect(try await tableNames(app).isDisjoint(with: Self.tables))
            try await app.autoMigrate()
            let up = try await tableNames(app)
            #expect(up.isSuperset(of: Self.tables))
            try await loadDemo(app)
            try await app.autoRevert()
            let down = try await tableNames(app)
            #expect(down.isDisjoint(with: Self.tables))
            try await app.autoMigrate()
            let again = try await tableNames(app)
            #expect(again.isSuperset(of: Self.tables))
        }
    }

    @Test("SQLite runs in WAL mode with synchronous FULL", .enabled(if: !TestDatabase.isPostgres))
    func sqliteDurability() async throws {
        try await withApp { app in
            let sql = app.db as! any SQLDatabase
            struct Mode: Decodable { var journal_mode: String }
            struct Sync: Decodable { var synchronous: Int }
            let mode = try await sql.raw("PRAGMA journal_mode").first(decoding: Mode.self)
            let sync = try await sql.raw("PRAGMA synchronous").first(decoding: Sync.self)
            #expect(mode?.journal_mode == "wal")
            #expect(sync?.synchronous == 2)
        }
    }

    @Test("Health and metrics")
    func healthAndMetrics() async throws {
        try await withApp { app in
            try await app.testing().test(.GET, "/healthz") { res in
                #expect(res.status == .ok)
                #expect(res.body.string == #"{"status":"ok","database":"ok"}"#)
            }
            // Not to anyone: without a token, only a direct peer on this machine (not an in-memory client, not
            // through a proxy); with one, whoever sends it. Statuses by class only: 201s would time each tip.
            try await app.testing().test(.GET, "/metrics") { res in #expect(res.status == .notFound) }
            // The citizens' routes are not counted: a tip sent, a status asked, the form read move nothing.
            try await app.testing().test(.GET, "/tip") { res in #expect(res.status == .ok) }
            try await app.testing().test(.POST, "/api/v1/tips/status", beforeRequest: { req in
                try req.content.encode(["receiptCode": String(repeating: "1", count: 25)])
            }) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.POST, "/api/v1/tips", beforeRequest: { req in
                try req.content.encode(["category": "other", "description": "Một việc cần báo", "occurredOn": TipFixture.today().iso])
            }) { res in #expect(res.status == .created) }
            app.config.metricsToken = "metrics-token-for-tests-0123"
            try await app.testing().test(.GET, "/metrics", headers: ["Authorization": "Bearer wrong-token-for-tests-01234"]) { res in
                #expect(res.status == .notFound)
            }
            try await app.testing().test(.GET, "/metrics", headers: ["Authorization": "Bearer metrics-token-for-tests-0123"]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains(#"thidua_http_requests_total{method="GET",status="2xx"} 1"#))
                #expect(!res.body.string.contains(#"method="POST""#))
                #expect(!res.body.string.contains(#"status="201""#) && !res.body.string.contains(#"status="200""#))
                #expect(res.body.string.contains("thidua_http_request_duration_seconds_bucket"))
            }
        }
    }

    @Test("An unreachable PostgreSQL stops start-up with one line")
    func unreachableDatabase() async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        let config = AppConfig(database: .postgres(url: "postgres://thidua:secret@127.0.0.1:9/thidua", schema: nil),
                               dataDirectory: "/tmp", resourcesDirectory: resourcesDirectory)
        do {
            try await configure(app, config: config)
            Issue.record("configure must fail")
        } catch let error as StartupError {
            #expect(error.lines.count == 1)
            #expect(error.lines[0].hasPrefix("Cannot connect to PostgreSQL at 127.0.0.1:9/thidua: "))
            #expect(!error.lines[0].contains("secret"))
            #expect(!error.lines[0].contains("\n"))
        }
        try await app.asyncShutdown()
    }

    @Test("Configuration lists every problem at once")
    func configuration() throws {
        let env = ["DATABASE_URL": "mysql://x", "THIDUA_LANG": "fr", "THIDUA_TOKEN_HOURS": "forever",
                   "THIDUA_SECURE_COOKIES": "maybe", "THIDUA_DEMO_PASSWORD": "short", "THIDUA_RESOURCES": resourcesDirectory,
                   "THIDUA_TIP_RELEASE_MINUTES": "1441", "THIDUA_TIP_RETENTION": "60,30"]
        do {
            _ = try AppConfig.fromEnvironment(env)
            Issue.record("must fail")
        } catch {
            #expect(error.lines.count == 7)
            #expect(error.lines.contains { $0.hasPrefix("THIDUA_TIP_RELEASE_MINUTES must be a whole number of minutes from 0") && $0.hasSuffix("not 1441") })
            #expect(error.lines.contains { $0.hasPrefix("THIDUA_TIP_RETENTION must be two whole numbers of days") && $0.hasSuffix("not 60,30") })
            #expect(error.lines[0].hasPrefix("DATABASE_URL must be a PostgreSQL URL"))
            #expect(error.lines.contains("THIDUA_LANG must be vi or en, not fr"))
        }
        let good = try AppConfig.fromEnvironment(["THIDUA_DATA_DIR": "/var/lib/thidua", "THIDUA_RESOURCES": resourcesDirectory,
                                                  "THIDUA_LANG": "en"])
        #expect(good.database == .sqlite(path: "/var/lib/thidua/thidua.sqlite"))
        #expect(good.defaultLanguage == .en)
        // Tips wait for the hour's release and are kept 30 days (contact) and 2 years (content) after closing.
        #expect(good.tipReleaseMinutes == 60 && good.tipRetention == TipRetention(contactDays: 30, contentDays: 730))
        let daily = try AppConfig.fromEnvironment(["THIDUA_RESOURCES": resourcesDirectory, "THIDUA_TIP_RELEASE_MINUTES": "1440",
                                                   "THIDUA_TIP_RETENTION": "7,365"])
        #expect(daily.tipReleaseMinutes == 1440 && daily.tipRetention == TipRetention(contactDays: 7, contentDays: 365))
        #expect(try AppConfig.fromEnvironment(["THIDUA_RESOURCES": resourcesDirectory, "THIDUA_TIP_RELEASE_MINUTES": "0"]).tipReleaseMinutes == 0)
        let pg = try AppConfig.fromEnvironment(["DATABASE_URL": "postgres://u:p@db:5432/thidua", "THIDUA_RESOURCES": resourcesDirectory])
        #expect(pg.database == .postgres(url: "postgres://u:p@db:5432/thidua", schema: nil))
    }

    @Test("The OpenAPI document and the routes describe the same API")
    func openAPIMatchesRoutes() async throws {
        try await withApp(migrate: false) { app in
            let text = try String(contentsOfFile: resourcesDirectory + "/OpenAPI/openapi.yaml", encoding: .utf8)
            let document = try #require(try Yams.load(yaml: text) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])
            var documented: Set<String> = []
            for (path, value) in paths {
                for method in (value as? [String: Any] ?? [:]).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            var routed: Set<String> = []
            for route in app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component {
                        return name == "phase" ? "{phase}" : "{id}"
                    }
                    return component.description
                }.joined(separator: "/")
                if path.hasPrefix("/api/v1/") && path != "/api/v1/openapi.yaml" || path == "/healthz" || path == "/metrics" {
                    routed.insert("\(route.method.rawValue) \(path)")
                }
            }
            #expect(documented == routed)
            try await app.testing().test(.GET, "/api/v1/openapi.yaml") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.hasPrefix("openapi: 3.1.0"))
            }
        }
    }

    @Test("Keys built at run time (a status, a kind, a field, a state, an action) exist in both languages")
    func runtimeKeys() throws {
        let localizer = try Localizer(directory: resourcesDirectory + "/Localization")
        var keys: [String] = []
        keys += TargetStatus.allCases.map { "status.\($0.rawValue)" }
        keys += RecordKind.allCases.flatMap { ["recordKind.\($0.rawValue)", "record.\($0.rawValue)"] }
        keys += RecordKind.allCases.flatMap { kind in RecordForm.kindFields(kind).map { "recordField.\($0.name)" } }
        keys += ["date", "village", "unit", "members", "others", "participants"].map { "recordField.\($0)" }
        keys += RecordKind.allCases.flatMap { kind in
            kind.filterFields.flatMap { field, values in ["filter.\(field)"] + values.map { "value.\(field).\($0)" } }
        }
        keys += FigureKind.allCases.flatMap { ["figure.\($0.rawValue)", "figureLabel.\($0.rawValue)"] }
        keys += MonthState.allCases.map { "month.state.\($0.rawValue)" }
        keys += MonthAction.allCases.flatMap { ["month.action.\($0.rawValue)", "month.done.\($0.rawValue)"] }
        keys += [MonthReviewRefusal.notEnded, .wrongState, .reasonRequired].map(\.key)
        keys += Role.allCases.map { "role.\($0.rawValue)" }
        keys += Member.Role.allCases.map { "member.\($0.rawValue)" }
        keys += UnitLevel.allCases.map { "level.\($0.rawValue)" }
        keys += ["past", "current", "upcoming"].map { "phase.\($0)" }
        keys += ["active", "expired", "revoked"].map { "account.token.\($0)" }
        for language in Language.allCases {
            let missing = keys.filter { !localizer.keys(language).contains($0) }
            #expect(missing.isEmpty, "\(language): \(missing)")
        }
    }

    @Test("Every localization key is in both languages, and every key the code and templates use exists")
    func localization() throws {
        let localizer = try Localizer(directory: resourcesDirectory + "/Localization")
        #expect(localizer.keys(.vi) == localizer.keys(.en))
        let root = URL(fileURLWithPath: resourcesDirectory).deletingLastPathComponent()
        var used: Set<String> = []
        let patterns = [#"#t\("([a-zA-Z0-9_.]+)""#, #"\bt\("([a-zA-Z0-9_.]+)""#, #"text\("([a-zA-Z0-9_.]+)""#,
                        #"AppError[^"\n]*"([a-z]+\.[a-zA-Z0-9_.]+)""#, #"key: "(plan\.[a-zA-Z]+)""#,
                        #"report\([^"]*"(plan\.[a-zA-Z]+)""#, #"key: "([a-z]+\.[a-zA-Z]+)""#, #"fail\("([a-z]+\.[a-zA-Z.]+)""#,
                        #""(field\.[a-zA-Z]+)""#, #""(records\.[a-zA-Z]+)""#]
        for folder in ["Resources/Views", "Sources"] {
            let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)!
            for case let file as URL in enumerator where ["leaf", "swift"].contains(file.pathExtension) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for pattern in patterns {
                    let regex = try NSRegularExpression(pattern: pattern)
                    for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                        used.insert(String(text[Range(match.range(at: 1), in: text)!]))
                    }
                }
            }
        }
        let missing = used.subtracting(localizer.keys(.vi)).filter { !$0.hasSuffix(".") }
        #expect(missing.isEmpty, "missing keys: \(missing.sorted())")
        #expect(used.count > 60)
        #expect(localizer.text("error.date", .en, ["value": "x"]) == "“x” is not a valid date; use YYYY-MM-DD, for example 2025-07-01.")
        #expect(localizer.text("no.such.key", .vi) == "no.such.key")
    }
}
