import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import LeafKit
import Prometheus
import SQLKit
import ThiDuaCore
import NIOPosix
import Vapor

/// Sets the application up from a typed config. Fails with a `StartupError` (one line per problem) on anything
/// it cannot use: a missing resource, an unreachable database.
public func configure(_ app: Application, config: AppConfig) async throws {
    // First, before the database or the server take their copies of the logger: at trace Vapor's HTTP server logs
    // each request's head (address and browser string included), so never below debug, whatever level is asked
    // for; and no query is logged with its values (`RedactedLog`).
    if app.logger.logLevel < .debug { app.logger.logLevel = .debug }
    RedactedLog.install(on: app)
    app.config = config
    app.localizer = try Localizer(directory: (config.resourcesDirectory as NSString).appendingPathComponent("Localization"))
    app.metrics = PrometheusCollectorRegistry()
    app.unitGraphCache = UnitGraphCache()
    // SQLite runs its statements on the blocking pool, and a writer waiting for another's lock keeps its thread until
    // it gets the lock (sqlite-nio's busy handler retries without end). The process-wide pool has a thread per core:
    // two waiting writers (two connections, or two applications in one process, as the tests run) could leave the
    // holder none to commit with. A pool of this application's own, larger than its connections, always has one free.
    let pool = NIOThreadPool(numberOfThreads: max(4, System.coreCount * 2))
    pool.start()
    app.threadPool = pool

    let postgres = try useDatabase(app, config.database, dataDirectory: config.dataDirectory)
    registerMigrations(app.migrations)
    if let postgres { try await probe(postgres, app: app, database: config.database) }
    try await checkDatabase(app, config.database)

    app.sessions.use { _ in StoredSessions() }
    app.sessions.configuration.cookieName = CSRF.sessionCookie
    let secure = config.secureCookies
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(string: id.string, expires: Date().addingTimeInterval(12 * 3600), maxAge: 12 * 3600,
                          path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    useViews(app, resources: config.resourcesDirectory)

    // Security headers go on every answer, so they wrap the rest; the error renderer comes next, so that it sees
    // every error, including those of the other middleware. Sessions are read for every request, so that an error
    // page (a 404 from the router) still knows who is signed in.
    app.middleware = Middlewares()
    app.middleware.use(InFlightMiddleware(inFlight: app.inFlight))
    app.middleware.use(SecurityHeaders())
    app.middleware.use(RequestMetrics())
    app.middleware.use(ErrorRenderer())
    app.middleware.use(InputGuard())
    app.middleware.use(app.sessions.middleware)
    app.middleware.use(SessionTimeout())
    app.middleware.use(SessionSignIn())
    let publicDirectory = ((config.resourcesDirectory as NSString).deletingLastPathComponent as NSString)
        .appendingPathComponent("Public") + "/"
    app.middleware.use(FileMiddleware(publicDirectory: publicDirectory))
    app.routes.defaultMaxBodySize = "1mb"
    ContentConfiguration.global.use(decoder: CheckedFormData(), for: .formData)
    app.http.server.configuration.shutdownTimeout = .seconds(5)
    app.resultsGate = ComputeGate(limit: config.resultsConcurrency)
    app.resultsCache = ResultsCache(graphs: app.unitGraphCache, gate: app.resultsGate)
    app.resultsBodies = ResultsBodies()
    DataFolder.secure(config.dataDirectory)
    let secrets = try TipSecrets.load(config: config)
    app.tips = TipContext(secrets: secrets, limiter: TipLimiter(limits: config.tipLimits),
                          files: FileStore(dataDirectory: config.dataDirectory, folder: FileStore.tipFiles, pool: pool),
                          rebuilder: Rebuilder(dataDirectory: config.dataDirectory), writer: GroupCommitter(db: app.db, store: TipService.store),
                          mailer: TipMailer(settings: config.smtp, publicURL: config.publicURL, localizer: app.localizer, pool: pool),
                          spool: TipSpool(dataDirectory: config.dataDirectory, secrets: secrets, pool: pool, logger: app.logger),
                          holds: config.tipReleaseMinutes > 0)
    app.lifecycle.use(TipMailerLifecycle())

    app.asyncCommands.use(DemoServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(ImportPlanCommand(), as: "import-plan")
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(SetPasswordCommand(), as: "set-password")
    app.asyncCommands.use(VerifyAuditCommand(), as: "verify-audit")
    app.asyncCommands.use(VerifyTotalsCommand(), as: "verify-totals")
    app.asyncCommands.use(ExportCommand(), as: "export")
    app.asyncCommands.use(BenchDataCommand(), as: "bench-data")
    app.asyncCommands.use(BenchCommands(), as: "bench")
    app.asyncCommands.use(MemberCommands(), as: "members")
    app.asyncCommands.use(UnitCommands(), as: "units")
    app.asyncCommands.use(SetupCommand(), as: "setup")
    app.asyncCommands.use(TipCommands(), as: "tips")

    try routes(app)
}

/// How long a request waits for a database connection: each event loop has one, and on two busy cores a writer
/// waiting its turn behind a few transactions can take more than the drivers' 10 seconds; it is refused only when
/// something is wrong, not when the machine is merely busy.
let databasePoolWait: TimeAmount = .seconds(60)

/// Registers the database; for PostgreSQL, gives back its configuration so that it can be probed first.
private func useDatabase(_ app: Application, _ database: AppConfig.Database, dataDirectory: String) throws
    -> SQLPostgresConfiguration? {
    switch database {
    case .sqlite(let path):
        guard let path else {
            app.databases.use(.sqlite(.memory, sqlLogLevel: .trace), as: .sqlite)
            return nil
        }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StartupError("Cannot create the data folder \(directory) (THIDUA_DATA_DIR): \(error.localizedDescription)")
        }
        app.databases.use(.sqlite(.file(path), connectionPoolTimeout: databasePoolWait, sqlLogLevel: .trace), as: .sqlite)
        return nil
    case .postgres(let url, let schema):
        var configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url)
        } catch {
            throw StartupError("DATABASE_URL is not a PostgreSQL URL this server can use (postgres://user:password@host:5432/database)")
        }
        if let schema { configuration.searchPath = [schema] }
        app.databases.use(.postgres(configuration: configuration, connectionPoolTimeout: databasePoolWait, sqlLogLevel: .trace), as: .psql)
        return configuration
    }
}

/// One connection with a silent logger before the pool exists, so that an unreachable server is one line from us
/// and not also a logged stack of pool errors.
private func probe(_ configuration: SQLPostgresConfiguration, app: Application, database: AppConfig.Database) async throws {
    var quiet = Logger(label: "thidua.db-probe")
    quiet.logLevel = .critical
    do {
        let connection = try await PostgresConnection.connect(
            on: app.eventLoopGroup.any(), configuration: configuration.coreConfiguration, id: 0, logger: quiet)
        try await connection.close()
    } catch {
        throw StartupError(DatabaseErrors.describe(error, database))
    }
}

/// Answers one query, so that a wrong address or password stops start-up with one line, not a stack of errors.
/// On SQLite it also turns on write-ahead logging; commits stay durable (synchronous FULL, SQLite's default).
private func checkDatabase(_ app: Application, _ database: AppConfig.Database) async throws {
    guard let sql = app.db as? any SQLDatabase else { return }
    do {
        switch database {
        case .sqlite(let path):
            if path != nil { try await sql.raw("PRAGMA journal_mode=WAL").run() }
            try await sql.raw("PRAGMA synchronous=FULL").run()
        case .postgres(_, let schema):
            if let schema { try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run() }
            try await sql.raw("SELECT 1").run()
        }
    } catch {
        throw StartupError(DatabaseErrors.describe(error, database))
    }
}

enum DatabaseErrors {
    static func describe(_ error: any Error, _ database: AppConfig.Database) -> String {
        switch database {
        case .sqlite(let path):
            return "Cannot open the SQLite database \(path ?? ":memory:"): \(error)"
        case .postgres(let url, _):
            let target = URL(string: url).map { "\($0.host ?? "?"):\($0.port ?? 5432)\($0.path)" } ?? "?"
            var reason = "\(error)"
            if let e = error as? PSQLError {
                switch e.code {
                case .server: reason = e.serverInfo?[.message] ?? "the server refused"
                case .connectionError: reason = e.underlying.map { "\($0)" } ?? "connection failed"
                default: reason = e.underlying.map { "\($0)" } ?? "\(e.code)"
                }
            }
            return "Cannot connect to PostgreSQL at \(target): \(reason). Check DATABASE_URL and that the server is running."
        }
    }
}

/// Leaf templates from Resources/Views with the `#t` tag; the application's localizer must be set.
func useViews(_ app: Application, resources: String) {
    app.views.use(.leaf)
    app.leaf.configuration.rootDirectory = (resources as NSString).appendingPathComponent("Views") + "/"
    app.leaf.tags["t"] = TranslateTag(localizer: app.localizer)
    app.leaf.cache.isEnabled = app.environment.isRelease
}

/// `#t(KEY)` in a template: the string in the page's language (`page.lang` of its context), so that a page
/// renders the same from its context alone, with or without a request.
struct TranslateTag: LeafTag {
    let localizer: Localizer

    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string else { throw "#t needs a key" }
        let language = ctx.data["page"]?.dictionary?["lang"]?.string.flatMap(Language.init(rawValue:))
            ?? ctx.request?.language ?? .vi
        var arguments: [String: String] = [:]
        for (i, p) in ctx.parameters.dropFirst().enumerated() { arguments[String(i)] = p.string ?? "" }
        return .string(localizer.text(key, language, arguments))
    }
}

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = PrometheusCollectorRegistry }

    var metrics: PrometheusCollectorRegistry {
        get { storage[MetricsKey.self]! }
        set { storage[MetricsKey.self] = newValue }
    }
}

/// Counts requests and their durations for /metrics, labelled by method and status (not by path, to keep the
/// number of series bounded).
struct RequestMetrics: AsyncMiddleware {
    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "thidua", subsystem: "http", metricName: "requests",
                                               unitName: "total", helpText: "HTTP requests answered") }
    static var duration: MetricNameDescriptor { MetricNameDescriptor(namespace: "thidua", subsystem: "http", metricName: "request_duration",
                                               unitName: "seconds", helpText: "Time to answer an HTTP request") }
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2)]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // The citizens' routes are not counted at all: a count that moves when a tip is sent, read every few
        // seconds, would time each tip however its rows are written.
        if Self.isCitizens(request) { return try await next.respond(to: request) }
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        // The status by its class only: a count of 201s would be a count of tips, to the second.
        let labels = [("method", request.method.rawValue), ("status", "\(response.status.code / 100)xx")]
        let metrics = request.application.metrics
        metrics.makeCounter(descriptor: Self.requests, labels: labels).increment()
        metrics.makeDurationHistogram(descriptor: Self.duration, labels: [("method", request.method.rawValue)],
                                      buckets: Self.buckets).record(elapsed)
        return response
    }

    static func isCitizens(_ request: Request) -> Bool {
        let path = request.url.path
        return PublicTipController.isTipPage(path) || (request.method == .POST && (path == "/api/v1/tips" || path == "/api/v1/tips/status"))
    }
}

/// Who may read `/metrics`: with a token set, whoever sends it; without, a direct peer on this machine only.
enum MetricsAccess {
    static func allowed(_ req: Request) -> Bool {
        if let token = req.application.config.metricsToken {
            return CSRF.same(req.headers.bearerAuthorization?.token ?? "", token)
        }
        let peer = req.remoteAddress?.ipAddress ?? ""
        return (peer == "127.0.0.1" || peer == "::1") && !req.headers.contains(name: .xForwardedFor)
    }
}
