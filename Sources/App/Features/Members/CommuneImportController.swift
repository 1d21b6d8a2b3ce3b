import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The files a commune supplies: its villages (each with a security team) and its teams' members.
enum CommuneFile: String, Sendable, CaseIterable {
    case villages, members

    /// The page's words, by the file's kind.
    var title: String { "\(rawValue).importTitle" }
    var intro: String { "\(rawValue).intro" }
}

/// A commune's file, on one page for every kind: the template and the export, the file, then its preview with
/// every row's problems, and the confirmation.
struct CommuneImportPage: Encodable {
    struct Row: Encodable {
        var line: Int
        var cells: [String]
    }

    var page: PageChrome
    var title: String
    var intro: String
    var commune: String
    var unit: String
    /// The template and the list as it stands, each as CSV and as Excel.
    var downloads: [PageLink]
    var uploadAction: String
    var confirmAction: String
    var columns: [String]
    var rows: [Row]
    var problems: [String]
    /// What the preview says of the file besides its problems: the sheet read, hidden rows, rows not listed.
    var notes: [String]
    var summary: String?
    /// The token of the checked file kept on the server, for the confirmation, when it has no problem.
    var draft: String?
    var previewed: Bool
    var error: String?

    /// What a checked file shows: its columns, a row per line, its problems and what it would change.
    struct Preview {
        var columns: [String]
        var rows: [Row]
        var problems: [ImportProblem]
        var summary: String
        var sheet: ImportSheet?
    }

    static func build(_ kind: CommuneFile, commune: UnitInfo, preview: Preview?, draft: String?, error: String?,
                      page: PageChrome, text t: Translator) -> CommuneImportPage {
        let key = commune.id.uuidString
        let ready = preview.map { $0.problems.isEmpty && !$0.rows.isEmpty } == true
        return CommuneImportPage(
            page: page, title: t(kind.title), intro: t(kind.intro), commune: commune.fullName, unit: key,
            downloads: TableFile.Format.allCases.map { f in
                PageLink(label: t("import.template.\(f.rawValue)"), href: SiteURL.communeTemplate(kind.rawValue, unit: key, format: f.rawValue).path, current: false)
            } + TableFile.Format.allCases.map { f in
                PageLink(label: t("import.export.\(f.rawValue)"), href: SiteURL.communeExport(kind.rawValue, unit: key, format: f.rawValue).path, current: false)
            },
            uploadAction: SiteURL.communeImport(kind.rawValue, unit: nil).path, confirmAction: SiteURL.communeImportConfirm(kind.rawValue).path,
            columns: preview?.columns ?? [], rows: Array((preview?.rows ?? []).prefix(ImportDrafts.previewRows)),
            problems: preview?.problems.map { t("import.line", ["line": String($0.line), "message": t($0.key, $0.arguments)]) } ?? [],
            notes: preview.map { ImportDrafts.notes($0.sheet, rows: $0.rows.count, text: t) } ?? [],
            summary: ready ? preview?.summary : nil, draft: ready ? draft : nil, previewed: preview != nil, error: error)
    }

    /// Counts as the page writes numbers (1.000).
    static func counted(_ counts: [String: String], _ t: Translator) -> [String: String] {
        counts.mapValues { Int($0).map { t.count($0) } ?? $0 }
    }

    static func members(_ checked: MemberImportService.Checked, sheet: ImportSheet?, text t: Translator) -> Preview {
        Preview(columns: ["members.village", "members.name", "members.role", "members.phone", "members.joined", "members.left", "members.change"].map { t($0) },
                rows: checked.rows.map { item in
                    Row(line: item.row.line, cells: [item.village.fullName, item.row.fullName, t("member.\(item.row.role.rawValue)"),
                                                     item.row.phone ?? "", item.row.joinedOn.display, item.row.leftOn?.display ?? "",
                                                     t(item.existing == nil ? "members.new" : "members.updated")])
                },
                problems: checked.problems,
                summary: t("members.summary", counted(checked.counts, t)), sheet: sheet)
    }

    static func villages(_ checked: VillageImportService.Checked, graph: UnitGraph, sheet: ImportSheet?, text t: Translator) -> Preview {
        Preview(columns: ["villages.code", "members.village", "villages.population", "villages.households", "members.change"].map { t($0) },
                rows: checked.rows.map { item in
                    let change = if let move = item.move {
                        t("villages.moving", ["from": graph.units[move.from]?.fullName ?? "", "date": move.on.display,
                                              "records": t.count(checked.refiled[item.row.line] ?? 0)])
                    } else {
                        t(item.existing == nil ? "villages.new" : "members.updated")
                    }
                    return Row(line: item.row.line, cells: [item.code, "\(item.row.kind) \(item.row.name)", item.row.population.map { t.count($0) } ?? "",
                                                            item.row.households.map { t.count($0) } ?? "", change])
                },
                problems: checked.problems,
                summary: t(checked.moved > 0 ? "villages.summaryMoves" : "villages.summary", counted(checked.counts, t)), sheet: sheet)
    }
}

struct CommuneImportController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        for kind in CommuneFile.allCases {
            let path = routes.grouped(PathComponent(stringLiteral: kind.rawValue))
            path.get("import") { try await form($0, kind) }
            for format in TableFile.Format.allCases {
                path.get("import", PathComponent(stringLiteral: "template.\(format.rawValue)")) { try await download($0, kind, format, template: true) }
                path.get(PathComponent(stringLiteral: "export.\(format.rawValue)")) { try await download($0, kind, format, template: false) }
            }
            path.on(.POST, "import", body: .collect(maxSize: ImportDrafts.maxFile)) { try await preview($0, kind) }
            path.post("import", "confirm") { try await confirm($0, kind) }
        }
    }

    struct Upload: Vapor.Content {
        var unit: String?
        var file: File?
    }

    struct Confirmation: Vapor.Content {
        var unit: String?
        /// The kept file's token (`ImportDrafts`).
        var draft: String?
    }

    /// The account and the commune it imports for; only those who write a commune's data.
    static func place(_ req: Request, unit: String?) async throws -> (User, UnitInfo, UnitGraph, LocalDate) {
        let user = try req.requireUser()
        guard Permissions.writesCommuneData(user.role) else { throw AppError.forbidden }
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        return (user, try MemberImportService.commune(unit, user: user, graph: graph, today: today), graph, today)
    }

    func render(_ req: Request, _ kind: CommuneFile, commune: UnitInfo, preview: CommuneImportPage.Preview?, draft: String?, error: String?,
                status: HTTPResponseStatus = .ok) async throws -> Response {
        let t = req.translator
        let page = CommuneImportPage.build(kind, commune: commune, preview: preview, draft: draft, error: error,
                                           page: PageChrome(request: req, title: t(kind.title)), text: t)
        return try await req.view.render("imports/commune", page).encodeResponse(status: status, for: req)
    }

    func form(_ req: Request, _ kind: CommuneFile) async throws -> Response {
        let (_, commune, _, _) = try await Self.place(req, unit: try? req.query.get(String.self, at: "unit"))
        return try await render(req, kind, commune: commune, preview: nil, draft: nil, error: nil)
    }

    func download(_ req: Request, _ kind: CommuneFile, _ format: TableFile.Format, template: Bool) async throws -> Response {
        let (_, commune, graph, today) = try await Self.place(req, unit: try? req.query.get(String.self, at: "unit"))
        let rows = switch kind {
        case .members: try await MemberImportService.export(commune, graph: graph, today: today, template: template, on: req.db)
        case .villages: VillageImportService.export(commune, graph: graph, today: today)
        }
        let response = Response(status: .ok, body: .init(data: try TableFile.data(rows, as: format, sheet: req.t(kind.title))))
        response.headers.contentType = HTTPMediaType(type: format.mediaType.type, subType: format.mediaType.subType,
                                                     parameters: format == .csv ? ["charset": "utf-8"] : [:])
        let name = "thidua-\(kind.rawValue)-" + (template ? "mau-" : "") + (commune.code ?? "xa") + "." + format.rawValue
        response.headers.contentDisposition = .init(.attachment, filename: name)
        return response
    }

    /// The file checked against the commune as it stands; what the page shows of it.
    func check(_ kind: CommuneFile, _ sheet: ImportSheet, commune: UnitInfo, graph: UnitGraph, today: LocalDate, req: Request)
        async throws -> (CommuneImportPage.Preview, commit: @Sendable (String) async throws -> [String: String]) {
        let db = req.db
        switch kind {
        case .members:
            let checked = try await MemberImportService.check(sheet, commune: commune, graph: graph, today: today, on: db)
            return (CommuneImportPage.members(checked, sheet: sheet, text: req.translator), { try await MemberImportService.commit(checked, actor: $0, on: db) })
        case .villages:
            let checked = try await VillageImportService.check(sheet, commune: commune, graph: graph, today: today, on: db)
            return (CommuneImportPage.villages(checked, graph: graph, sheet: sheet, text: req.translator),
                    { try await VillageImportService.commit(checked, actor: $0, on: db) })
        }
    }

    func preview(_ req: Request, _ kind: CommuneFile) async throws -> Response {
        let upload: Upload
        do { upload = try req.content.decode(Upload.self) } catch { throw AppError.badRequest("error.badInput") }
        let (user, commune, graph, today) = try await Self.place(req, unit: upload.unit)
        guard let (file, sheet) = ImportDrafts.sheet(of: upload.file?.data) else {
            return try await render(req, kind, commune: commune, preview: nil, draft: nil, error: req.t("import.unreadable"), status: .unprocessableEntity)
        }
        let (preview, _) = try await check(kind, sheet, commune: commune, graph: graph, today: today, req: req)
        let ready = preview.problems.isEmpty && !preview.rows.isEmpty
        let draft = ready ? try await ImportDrafts.keep(file, kind: kind.rawValue, unit: commune.id.uuidString, owner: user.requireID(), on: req.db) : nil
        return try await render(req, kind, commune: commune, preview: preview, draft: draft, error: nil,
                                status: preview.problems.isEmpty ? .ok : .unprocessableEntity)
    }

    func confirm(_ req: Request, _ kind: CommuneFile) async throws -> Response {
        let body: Confirmation
        do { body = try req.content.decode(Confirmation.self) } catch { throw AppError.badRequest("error.badInput") }
        let (user, commune, graph, today) = try await Self.place(req, unit: body.unit)
        guard let (draft, sheet) = try await ImportDrafts.open(body.draft, kind: kind.rawValue, owner: user.requireID(), on: req.db),
              draft.unit == commune.id.uuidString else {
            return try await render(req, kind, commune: commune, preview: nil, draft: nil, error: req.t("import.draftGone"), status: .gone)
        }
        // Checked again: the file is taken as the commune stands now, not as it stood at the preview.
        let (preview, commit) = try await check(kind, sheet, commune: commune, graph: graph, today: today, req: req)
        guard preview.problems.isEmpty, !preview.rows.isEmpty else {
            return try await render(req, kind, commune: commune, preview: preview, draft: nil, error: nil, status: .unprocessableEntity)
        }
        let counts = try await commit(user.username)
        try await ImportDrafts.discard(draft, on: req.db)
        Flash.set(req, req.t("\(kind.rawValue).done", counts))
        return req.redirect(to: SiteURL.unit(commune.id.uuidString, date: nil).path, redirectType: .normal)
    }
}
