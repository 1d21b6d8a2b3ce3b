import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The review report of a phase or the whole movement: the page, its prose saved, and the same as PDF, XLSX, CSV
/// and JSON. The committee's.
struct ReportWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        // The report's results queue at the results gate (`ResultsCache.computing`); its files are built outside it.
        routes.get("movements", ":movement", "report", use: show)
        routes.post("movements", ":movement", "report", use: save)
        for format in ["pdf", "xlsx", "csv", "json"] {
            routes.get("movements", ":movement", "report.\(format)") { req in try await Self.file(req, format: format) }
        }
    }

    static func context(_ req: Request) async throws -> (Movement, Plan, User, UnitGraph) {
        let user = try req.requireUser()
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        guard let key = req.parameters.get("movement"), let (movement, plan) = try await PlanService.movement(key, on: req.db) else {
            throw AppError.notFound("error.movementNotFound")
        }
        return (movement, plan, user, try await req.unitGraph())
    }

    static func data(_ req: Request) async throws -> (ReportData, Movement, User) {
        let (movement, plan, user, graph) = try await context(req)
        let data = try await ReportService.data(movement: movement, plan: plan, scope: try? req.query.get(String.self, at: "phase"),
                                                graph: graph, today: VietnamTime.localDate(of: Date()), on: req.db,
                                                cache: req.application.resultsCache)
        return (data, movement, user)
    }

    /// The document is Vietnamese whatever the page's language: it is an administrative report.
    static func document(_ req: Request) -> Translator { Translator(localizer: req.application.localizer, language: .vi) }

    func render(_ req: Request, data: ReportData, form: FormState?) async throws -> Response {
        let page = ReportPage.build(data, movementKey: data.plan.id, form: form, canEdit: true,
                                    page: PageChrome(request: req, title: req.t("report.pageTitle")), document: Self.document(req), text: req.translator)
        let response = try await req.view.render("reports/report", page).encodeResponse(for: req)
        if form != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable func show(req: Request) async throws -> Response {
        let (data, _, _) = try await Self.data(req)
        return try await render(req, data: data, form: nil)
    }

    @Sendable func save(req: Request) async throws -> Response {
        let (data, movement, user) = try await Self.data(req)
        let values = ((try? req.content.decode([String: String].self)) ?? [:]).filter { ReportProse.fields.contains($0.key) }
        let (prose, errors) = ReportProse.check(values, today: VietnamTime.localDate(of: Date()))
        guard let prose else {
            return try await render(req, data: data, form: FormState(values: values, errorKeys: errors, translator: req.translator))
        }
        // What the PDF's fonts cannot draw is refused where it was typed, never printed as an empty box.
        let fonts = try DocumentFonts.load(resources: req.application.config.resourcesDirectory)
        var unprintable: [String: String] = [:]
        for (field, value) in values {
            let bad = Set(value.precomposedStringWithCanonicalMapping.filter { ch in
                !ch.unicodeScalars.allSatisfy { scalar in scalar.value < 0x20 || fonts.allSatisfy { $0.draws(scalar) } }
            })
            if !bad.isEmpty {
                unprintable[field] = req.t("report.unprintable", ["characters": bad.sorted().map { "“\($0)”" }.joined(separator: " ")])
            }
        }
        guard unprintable.isEmpty else {
            return try await render(req, data: data, form: FormState(values: values, errors: unprintable, translator: req.translator))
        }
        try await ReportService.save(prose, movement: movement, scope: data.scope, user: user, on: req.db)
        Flash.set(req, req.t("report.saved"))
        let scope = data.scope == ReportService.wholeMovement ? nil : data.scope
        return req.redirect(to: SiteURL.report(data.plan.id, phase: scope, format: nil).path, redirectType: .normal)
    }

    static func file(_ req: Request, format: String) async throws -> Response {
        let (data, _, _) = try await Self.data(req)
        let table = try? req.query.get(String.self, at: "table")
        let export = try ReportExport.make(data, format: format, table: table, text: document(req),
                                           resources: req.application.config.resourcesDirectory)
        let response = Response(status: .ok, body: .init(data: export.data))
        response.headers.replaceOrAdd(name: .contentType, value: export.mediaType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(export.filename)\"")
        return response
    }
}

/// A report as a file, the same for the web and the command line.
struct ReportExport: Sendable {
    var data: Data
    var mediaType: String
    var filename: String

    static let formats = ["xlsx", "csv", "json", "pdf"]

    static func make(_ report: ReportData, format: String, table: String?, text t: Translator, resources: String) throws -> ReportExport {
        let tables = ReportTable.tables(report, text: t)
        let name = "bao-cao-\(report.plan.id)-\(report.scope)"
        switch format {
        case "xlsx":
            return ReportExport(data: try XLSX.write(tables.map(\.sheet)), mediaType: TableFile.Format.xlsx.mediaType.type + "/" + TableFile.Format.xlsx.mediaType.subType,
                                filename: name + ".xlsx")
        case "csv":
            let key = table ?? "ranking"
            guard let chosen = tables.first(where: { $0.key == key }) else {
                throw AppError.badRequest("report.unknownTable", ["table": key, "tables": ReportTable.keys.joined(separator: ", ")])
            }
            return ReportExport(data: Data(chosen.csv.utf8), mediaType: "text/csv; charset=utf-8", filename: "\(name)-\(key).csv")
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let body: [String: AnyJSON] = ["movement": .string(report.plan.id), "scope": .string(report.scope),
                                           "phases": .array(report.phases.map { p in .object([
                                               "id": .string(p.phase.id), "asOf": .string(p.asOf.iso),
                                               "closed": .bool(p.closed != nil),
                                               "closedAt": p.closed.map { .string(ISO8601DateFormatter().string(from: $0.at)) } ?? .null]) }),
                                           "tables": .array(tables.map { .object($0.json) })]
            return ReportExport(data: try encoder.encode(body), mediaType: "application/json", filename: name + ".json")
        case "pdf":
            let fonts = try DocumentFonts.load(resources: resources)
            return ReportExport(data: try ReportDocument.build(report, text: t).pdf(fonts: fonts), mediaType: "application/pdf", filename: name + ".pdf")
        default:
            throw AppError.badRequest("report.unknownFormat", ["format": format, "formats": formats.joined(separator: ", ")])
        }
    }
}
