import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import ThiDuaCore
@testable import App

/// The repository's Resources folder.
let resourcesDirectory: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Resources").path

/// Which database the suite runs on: PostgreSQL when `DATABASE_URL` is set, else a SQLite file.
enum TestDatabase {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
    static var isPostgres: Bool { postgresURL != nil }
}

/// Builds, configures and migrates an application on a database of its own (a fresh SQLite file, or a fresh
/// PostgreSQL schema), runs the test, and removes it all again. Tests can run in parallel.
func withApp(migrate: Bool = true, secureCookies: Bool = false, logger: Logger? = nil, releaseMinutes: Int = 0,
             _ test: (Application) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    // A logger of the test's, as the server's own would be set before configure() (LOG_LEVEL).
    if let logger { app.logger = logger }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("thidua-test-\(UUID().uuidString)")
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    let database: AppConfig.Database = TestDatabase.postgresURL.map { .postgres(url: $0, schema: schema) }
        ?? .sqlite(path: scratch.appendingPathComponent("thidua.sqlite").path)
    var config = AppConfig(database: database, dataDirectory: scratch.path, resourcesDirectory: resourcesDirectory,
                           demoPassword: "demo-password-for-tests", secureCookies: secureCookies)
    // Tips written at once unless a test asks for the release's spool (`TipReleaseTests`).
    config.tipReleaseMinutes = releaseMinutes
    do {
        try await configure(app, config: config)
        if migrate { try await app.autoMigrate() }
        try await test(app)
    } catch {
        await cleanUp(app, schema: schema, scratch: scratch)
        // PostgreSQL's errors describe themselves only when reflected.
        throw TestFailure(description: String(reflecting: error))
    }
    await cleanUp(app, schema: schema, scratch: scratch)
}

private func cleanUp(_ app: Application, schema: String, scratch: URL) async {
    if TestDatabase.isPostgres, let sql = app.db as? any SQLDatabase {
        try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    try? await app.asyncShutdown()
    try? FileManager.default.removeItem(at: scratch)
    // The tips' key is kept beside the data folder, never in it.
    try? FileManager.default.removeItem(atPath: scratch.path + ".tip.key")
}

/// A browser's cookie jar, enough for the sign-in flow.
final class Browser: @unchecked Sendable {
    var cookies: [String: String] = [:]
    /// In memory, or over a real socket to the application serving on loopback (bodies then arrive in pieces; its
    /// client follows redirects, so sign in first in memory).
    var method: Application.Method = .inMemory

    var cookieHeader: HTTPHeaders {
        var h = HTTPHeaders()
        if !cookies.isEmpty { h.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        h.add(name: .accept, value: "text/html")
        return h
    }

    func keep(_ res: TestingHTTPResponse) {
        for (name, value) in res.headers.setCookie?.all ?? [:] {
            if value.expires.map({ $0 < Date() }) == true || value.string.isEmpty {
                cookies[name] = nil
            } else {
                cookies[name] = value.string
            }
        }
    }

    /// GET a page, keeping its cookies.
    @discardableResult
    func get(_ app: Application, _ path: String, _ check: (TestingHTTPResponse) async throws -> Void = { _ in }) async throws -> Browser {
        try await app.testing(method: method).test(.GET, path, headers: cookieHeader) { res in
            keep(res)
            try await check(res)
        }
        return self
    }

    /// POST a form with this browser's CSRF token (unless `csrf` says otherwise).
    func post(_ app: Application, _ path: String, _ form: [String: String], csrf: String? = nil,
              _ check: (TestingHTTPResponse) async throws -> Void) async throws {
        var fields = form
        fields["_csrf"] = csrf ?? cookies["thidua_csrf"] ?? ""
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        var headers = cookieHeader
        headers.contentType = .urlEncodedForm
        try await app.testing(method: method).test(.POST, path, headers: headers, body: ByteBuffer(string: body)) { res in
            keep(res)
            try await check(res)
        }
    }

    /// Signs in through the form.
    func signIn(_ app: Application, _ username: String, _ password: String) async throws {
        try await get(app, "/sign-in")
        try await post(app, "/sign-in", ["username": username, "password": password, "next": "/"]) { res in
            #expect(res.status == .seeOther)
        }
    }
}

/// Loads the demo with the tests' fixed password; without its sample records unless asked, so that tests
/// start from records they made themselves, and without the illustrative movement (whose dates follow the day the
/// tests run) unless asked.
@discardableResult
func loadDemo(_ app: Application, sampleRecords: Bool = false, illustrative: Bool = false) async throws -> DemoLoader.Summary {
    try await DemoLoader.load(resources: resourcesDirectory, password: "demo-password-for-tests", sampleRecords: sampleRecords,
                              illustrative: illustrative, on: app.db)
}

/// The problem document of an API error.
func problem(_ res: TestingHTTPResponse) throws -> Problem {
    #expect(res.headers.contentType?.subType == "problem+json")
    return try JSONDecoder().decode(Problem.self, from: Data(buffer: res.body))
}

/// An error with its full description, for the test report.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// A record stored straight in the database, as the tests make them: its kind, place and day, and what `set` adds.
@discardableResult
func storeRecord(_ db: any Database, _ kind: RecordKind, commune: UUID, village: UUID? = nil, on day: String, by author: UUID,
                 _ set: (Record) -> Void = { _ in }) async throws -> Record {
    let r = Record()
    r.kind = kind.rawValue
    r.communeID = commune
    r.villageID = village
    r.occurredOn = day
    r.createdBy = author
    set(r)
    try await r.create(on: db)
    return r
}

/// A sheet's cells as the person sees them, row by row: how tests compare a workbook read back with its rows.
func cellTexts(_ sheet: ImportSheet) -> [[String]] {
    sheet.rows.map { $0.cells.map(CellValue.plainText) }
}
