import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The members import page: the template and the export, the file, then its preview with every row's problems,
/// and the confirmation.
struct MemberImportPage: Encodable {
    struct Row: Encodable {
        var line: Int
        var village: String
        var name: String
        var role: String
        var phone: String
        var joined: String
        var left: String
        var change: String
    }

    var page: PageChrome
    var commune: String
    var unit: String
    var templateHref: String
    var exportHref: String
    var uploadAction: String
    var confirmAction: String
    var rows: [Row]
    var problems: [String]
    var summary: String?
    /// The file's text, carried to the confirmation when it has no problem.
    var text: String?
    var previewed: Bool
    var error: String?

    static func build(commune: UnitInfo, checked: MemberImportService.Checked?, text: String?, error: String?,
                      page: PageChrome, text t: Translator) -> MemberImportPage {
        let key = commune.id.uuidString
        let rows = checked?.rows.map { item in
            Row(line: item.row.line, village: item.village.fullName, name: item.row.fullName, role: t("member.\(item.row.role.rawValue)"),
                phone: item.row.phone ?? "", joined: item.row.joinedOn.display, left: item.row.leftOn?.display ?? "",
                change: t(item.existing == nil ? "members.new" : "members.updated"))
        } ?? []
        let problems = checked?.problems.map { t("import.line", ["line": String($0.line), "message": t($0.key, $0.arguments)]) } ?? []
        let ready = checked.map { $0.problems.isEmpty && !$0.rows.isEmpty } == true
        return MemberImportPage(
            page: page, commune: commune.fullName, unit: key, templateHref: SiteURL.memberTemplate(unit: key).path,
            exportHref: SiteURL.memberExport(unit: key).path, uploadAction: SiteURL.memberImport(unit: nil).path,
            confirmAction: SiteURL.memberImportConfirm.path, rows: rows, problems: problems,
            summary: ready ? checked.map { t("members.summary", ["added": t.count($0.added), "updated": t.count($0.updated)]) } : nil,
            text: ready ? text : nil, previewed: checked != nil, error: error)
    }
}

struct MemberImportController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("members", "import", use: form)
        routes.get("members", "import", "template.csv") { try await csv($0, template: true) }
        routes.get("members", "export.csv") { try await csv($0, template: false) }
        routes.post("members", "import", use: preview)
        routes.post("members", "import", "confirm", use: confirm)
    }

    struct Upload: Vapor.Content {
        var unit: String?
        var file: File?
    }

    struct Confirmation: Vapor.Content {
        var unit: String?
        var text: String?
    }

    /// The account and the commune it imports for; only those who write a commune's data.
    static func place(_ req: Request, unit: String?) async throws -> (User, UnitInfo, UnitGraph, LocalDate) {
        let user = try req.requireUser()
        guard Permissions.writesCommuneData(user.role) else { throw AppError.forbidden }
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        return (user, try MemberImportService.commune(unit, user: user, graph: graph, today: today), graph, today)
    }

    func render(_ req: Request, commune: UnitInfo, checked: MemberImportService.Checked?, text: String?, error: String?,
                status: HTTPResponseStatus = .ok) async throws -> Response {
        let t = req.translator
        let page = MemberImportPage.build(commune: commune, checked: checked, text: text, error: error,
                                          page: PageChrome(request: req, title: t("members.importTitle")), text: t)
        return try await req.view.render("members/import", page).encodeResponse(status: status, for: req)
    }

    @Sendable func form(req: Request) async throws -> Response {
        let (_, commune, _, _) = try await Self.place(req, unit: try? req.query.get(String.self, at: "unit"))
        return try await render(req, commune: commune, checked: nil, text: nil, error: nil)
    }

    func csv(_ req: Request, template: Bool) async throws -> Response {
        let (_, commune, graph, today) = try await Self.place(req, unit: try? req.query.get(String.self, at: "unit"))
        let text = try await MemberImportService.export(commune, graph: graph, today: today, template: template, on: req.db)
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let name = (template ? "thidua-mau-thanh-vien-" : "thidua-thanh-vien-") + (commune.code ?? "xa") + ".csv"
        response.headers.contentDisposition = .init(.attachment, filename: name)
        return response
    }

    @Sendable func preview(req: Request) async throws -> Response {
        let upload: Upload
        do { upload = try req.content.decode(Upload.self) } catch { throw AppError.badRequest("error.badInput") }
        let (_, commune, graph, today) = try await Self.place(req, unit: upload.unit)
        guard let text = FigureImportController.text(of: upload.file?.data) else {
            return try await render(req, commune: commune, checked: nil, text: nil, error: req.t("import.unreadable"), status: .unprocessableEntity)
        }
        let checked = try await MemberImportService.check(text, commune: commune, graph: graph, today: today, on: req.db)
        return try await render(req, commune: commune, checked: checked, text: text, error: nil,
                                status: checked.problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable func confirm(req: Request) async throws -> Response {
        let body: Confirmation
        do { body = try req.content.decode(Confirmation.self) } catch { throw AppError.badRequest("error.badInput") }
        let (user, commune, graph, today) = try await Self.place(req, unit: body.unit)
        guard let text = body.text, !text.isEmpty, !text.contains("\u{0}") else { throw AppError.badRequest("error.badInput") }
        // Checked again: the file is taken as the teams stand now, not as they stood at the preview.
        let checked = try await MemberImportService.check(text, commune: commune, graph: graph, today: today, on: req.db)
        guard checked.problems.isEmpty, !checked.rows.isEmpty else {
            return try await render(req, commune: commune, checked: checked, text: text, error: nil, status: .unprocessableEntity)
        }
        let (added, updated) = try await MemberImportService.commit(checked, actor: user.username, on: req.db)
        Flash.set(req, req.t("members.done", ["added": String(added), "updated": String(updated)]))
        return req.redirect(to: SiteURL.unit(commune.id.uuidString, date: nil).path, redirectType: .normal)
    }
}
