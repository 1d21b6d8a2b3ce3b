import Fluent
import Foundation
import SQLKit
import Vapor

func routes(_ app: Application) throws {
    // Operations
    app.get("healthz") { req async -> Response in
        do {
            if let sql = req.db as? any SQLDatabase {
                try await sql.raw("SELECT 1").run()
            } else {
                _ = try await Movement.query(on: req.db).count()
            }
            return Response(status: .ok, headers: ["Content-Type": "application/json"],
                            body: .init(string: #"{"status":"ok","database":"ok"}"#))
        } catch {
            req.logger.error("health check: database unreachable: \(String(reflecting: error))")
            return Response(status: .serviceUnavailable, headers: ["Content-Type": "application/json"],
                            body: .init(string: #"{"status":"unavailable","database":"unreachable"}"#))
        }
    }
    // Counts of answers are for the operators' monitor only: to anyone else they would time each tip.
    app.get("metrics") { req async throws -> Response in
        guard MetricsAccess.allowed(req) else { throw AppError.notFound() }
        return Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                        body: .init(string: req.application.metrics.emitToString()))
    }

    // JSON API
    let api = app.grouped("api", "v1")
    api.get("openapi.yaml") { req async throws -> Response in
        let path = (req.application.config.resourcesDirectory as NSString).appendingPathComponent("OpenAPI/openapi.yaml")
        guard let data = FileManager.default.contents(atPath: path) else { throw AppError.notFound() }
        return Response(status: .ok, headers: ["Content-Type": "application/yaml; charset=utf-8"], body: .init(data: data))
    }
    try api.register(collection: MovementsAPI())
    try api.register(collection: UnitsAPI())
    try api.register(collection: AuthAPI())
    try api.register(collection: RecordsAPI())
    try api.register(collection: FiguresAPI())
    try api.register(collection: MonthsAPI())
    try api.register(collection: ResultsAPI())
    try api.register(collection: AccountsAPI())
    try api.register(collection: TipsAPI())

    // Web application: sessions, CSRF on every form.
    let web = app.grouped(CSRFMiddleware())
    try web.register(collection: AuthController())
    // Open to everyone: the movements' plans and the rankings the secretariat has published.
    try web.register(collection: MovementWebController())
    try web.register(collection: PublicRankingController())
    // The citizens' channel: no account; its forms carry files, so the token is looked for in a larger body.
    // Its limits and the size it declares are looked at before any of the body is read (`TipIntake`).
    try app.grouped(TipIntake(), CSRFMiddleware(maxBody: PublicTipController.maxBody, tokenFirst: true)).register(collection: PublicTipController())
    let signedIn = web.grouped(RequireSignIn(), WaitingTips())
    try signedIn.register(collection: HomeController())
    try signedIn.register(collection: UnitWebController())
    try signedIn.register(collection: ResultsWebController())
    try signedIn.register(collection: RecordsWebController())
    try signedIn.register(collection: TeamWebController())
    try signedIn.register(collection: FiguresWebController())
    try signedIn.register(collection: AccountWebController())
    try signedIn.register(collection: AuditWebController())
    try signedIn.register(collection: AccountAdminWebController())
    try signedIn.register(collection: SetupWebController())
    try signedIn.register(collection: TipInboxController())
    try signedIn.register(collection: ReportWebController())
    // Evidence files ride in the self-assessment's form: the token is looked for in a larger body there.
    let uploads = app.grouped(CSRFMiddleware(maxBody: ReviewWebController.maxBody), RequireSignIn(), WaitingTips())
    try uploads.register(collection: ReviewWebController())
    try uploads.register(collection: AwardWebController())
    // Files for the imports: a commune's 20,000 members are larger than a form (`ImportDrafts.maxFile`).
    let files = app.grouped(CSRFMiddleware(maxBody: ImportDrafts.maxFile), RequireSignIn(), WaitingTips())
    try files.register(collection: FigureImportController())
    try files.register(collection: CommuneImportController())
}
