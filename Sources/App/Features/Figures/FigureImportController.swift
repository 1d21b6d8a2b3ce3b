import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A file of monthly figures, checked whole against the units, the account's reach, the locked months and the
/// rules of each month; stored only when every row is right, in one transaction.
enum FigureImportService {
    struct Checked {
        var rows: [(row: FigureImport.Row, commune: UnitInfo)]
        var problems: [FigureImport.Problem]
        /// Lines with a value far from the commune's usual: shown, not refused (the preview is the confirmation).
        var unusual: [Int: [FigureKind]]
    }

    static func check(_ sheet: ImportSheet, user: User, graph: UnitGraph, today: LocalDate, on db: any Database) async throws -> Checked {
        let (rows, read) = FigureImport.read(sheet, latest: Month(today))
        var problems = read
        var good: [(row: FigureImport.Row, commune: UnitInfo)] = []
        var unusual: [Int: [FigureKind]] = [:]
        let reach = user.reach(graph)
        for row in rows {
            // A unit that does not exist and one outside the account's reach read the same.
            guard let commune = UnitService.find(row.unit, on: row.month.lastDay, in: graph), commune.level == .commune,
                  commune.isValid(on: row.month.firstDay) || commune.isValid(on: row.month.lastDay),
                  Permissions.canWriteCommune(role: user.role, reach: reach, commune: commune.id,
                                              on: min(row.month.lastDay, commune.validTo ?? row.month.lastDay)) else {
                problems.append(.init(line: row.line, key: "import.unit", arguments: ["value": row.unit]))
                continue
            }
            if try await MonthReviewService.status(commune.id, row.month, on: db).state.isLocked {
                problems.append(.init(line: row.line, key: "import.locked", arguments: ["unit": commune.fullName, "month": row.month.text]))
                continue
            }
            let stored = try await FigureService.month(commune.id, row.month, on: db).mapValues(\.value)
            let standing = stored.merging(row.values) { _, new in new }
            let previous = try await FigureService.previous(commune.id, before: row.month, on: db)
            let result = FigureDraft.check(values: standing, previous: previous)
            let errors = result.errors.filter { row.values[$0.key] != nil || row.values[$0.key.whole ?? $0.key] != nil }
            for (kind, key) in errors.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                problems.append(.init(line: row.line, key: "import.rule", arguments: ["column": kind.rawValue, "rule": key]))
            }
            let far = result.unusual.keys.filter { row.values[$0] != nil }.sorted { $0.rawValue < $1.rawValue }
            if !far.isEmpty { unusual[row.line] = far }
            if errors.isEmpty { good.append((row, commune)) }
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return Checked(rows: good, problems: problems, unusual: unusual)
    }

    /// Stores every row of a file with no problem, in one transaction; returns how many rows.
    static func commit(_ checked: Checked, user: User, graph: UnitGraph, on db: any Database) async throws -> Int {
        guard checked.problems.isEmpty else { throw AppError(.unprocessableEntity, "import.invalid") }
        try await db.audited { tx in
            // Every month of the file held, then checked again: a month approved meanwhile stops the whole file.
            try await MonthReviewService.holdOpen(checked.rows.map { (commune: $0.1.id, month: $0.0.month) }, graph: graph, on: tx)
            for (row, commune) in checked.rows {
                let stored = try await FigureService.month(commune.id, row.month, on: tx)
                _ = try await FigureService.store(row.values, basis: [:], commune: commune, month: row.month, stored: stored,
                                                  user: user, graph: graph, on: tx)
            }
            try await AuditLog.record(on: tx, actor: user.username, action: "figures.import", entity: "figure", entityID: nil,
                                      after: "{\"rows\":\(checked.rows.count)}")
        }
        return checked.rows.count
    }
}

/// The import page: the template, the file, then its preview with every row's problems, and the confirmation.
struct FigureImportPage: Encodable {
    struct Row: Encodable {
        var line: Int
        var unit: String
        var month: String
        var values: [String]
        var unusual: String?
    }

    var page: PageChrome
    var templateHref: String
    var uploadAction: String
    var confirmAction: String
    var columns: [String]
    var rows: [Row]
    var problems: [String]
    /// What the preview says of the file besides its problems: the sheet read, hidden rows, rows not listed.
    var notes: [String]
    /// The token of the checked file kept on the server, for the confirmation, when it has no problem.
    var draft: String?
    var previewed: Bool
    var error: String?

    static func build(checked: FigureImportService.Checked?, sheet: ImportSheet?, draft: String?, error: String?, page: PageChrome,
                      text t: Translator) -> FigureImportPage {
        let kinds = FigureKind.allCases
        let rows = checked?.rows.map { item in
            Row(line: item.row.line, unit: item.commune.fullName, month: item.row.month.display,
                values: kinds.map { item.row.values[$0].map { t.count($0) } ?? "" },
                unusual: checked?.unusual[item.row.line].map { far in
                    t("import.unusualRow", ["columns": far.map { t("figureLabel.\($0.rawValue)") }.joined(separator: ", ")])
                })
        } ?? []
        let problems = checked?.problems.map { p -> String in
            var arguments = p.arguments
            if let rule = arguments["rule"] { arguments["rule"] = t(rule) }
            if let column = arguments["column"], let kind = FigureKind(rawValue: column) { arguments["column"] = t("figureLabel.\(kind.rawValue)") }
            return t("import.line", ["line": String(p.line), "message": t(p.key, arguments)])
        } ?? []
        return FigureImportPage(
            page: page, templateHref: SiteURL.figureTemplate.path, uploadAction: SiteURL.figureImport.path,
            confirmAction: SiteURL.figureImportConfirm.path, columns: kinds.map { t("figureLabel.\($0.rawValue)") },
            rows: Array(rows.prefix(ImportDrafts.previewRows)), problems: problems,
            notes: checked == nil ? [] : ImportDrafts.notes(sheet, rows: rows.count, text: t),
            draft: checked.map { $0.problems.isEmpty && !$0.rows.isEmpty } == true ? draft : nil,
            previewed: checked != nil, error: error)
    }
}

struct FigureImportController: RouteCollection {
    /// What a figures file is called among the kept drafts (a commune's files go by `CommuneFile`).
    static let draftKind = "figures"

    func boot(routes: any RoutesBuilder) throws {
        routes.get("figures", "import", use: form)
        routes.get("figures", "import", "template.csv", use: template)
        routes.on(.POST, "figures", "import", body: .collect(maxSize: ImportDrafts.maxFile), use: preview)
        routes.post("figures", "import", "confirm", use: confirm)
    }

    static func requireWriter(_ req: Request) throws -> User {
        let user = try req.requireUser()
        guard Permissions.writesCommuneData(user.role) else { throw AppError.forbidden }
        return user
    }

    func render(_ req: Request, checked: FigureImportService.Checked?, sheet: ImportSheet? = nil, draft: String? = nil, error: String?,
                status: HTTPResponseStatus = .ok) async throws -> Response {
        let t = req.translator
        let page = FigureImportPage.build(checked: checked, sheet: sheet, draft: draft, error: error,
                                          page: PageChrome(request: req, title: t("import.title")), text: t)
        return try await req.view.render("figures/import", page).encodeResponse(status: status, for: req)
    }

    @Sendable func form(req: Request) async throws -> Response {
        _ = try Self.requireWriter(req)
        return try await render(req, checked: nil, error: nil)
    }

    /// The header and, for commune police, a row per month of this year so far for their commune, to fill in.
    @Sendable func template(req: Request) async throws -> Response {
        let user = try Self.requireWriter(req)
        let graph = try await req.unitGraph()
        var lines = [FigureImport.header.joined(separator: ",")]
        if user.role == .communeOfficer, let unit = user.$unit.id.flatMap({ graph.units[$0] }) {
            let last = Month(VietnamTime.localDate(of: Date())).previous
            for m in (Month(year: last.year, month: 1) ?? last).through(last) {
                lines.append(([unit.code ?? unit.id.uuidString, m.text] + FigureKind.allCases.map { _ in "" }).joined(separator: ","))
            }
        }
        let response = Response(status: .ok, body: .init(string: "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "thidua-so-lieu-thang.csv")
        return response
    }

    struct Upload: Vapor.Content {
        var file: File?
    }

    struct Confirmation: Vapor.Content {
        /// The kept file's token (`ImportDrafts`).
        var draft: String?
    }

    @Sendable func preview(req: Request) async throws -> Response {
        let user = try Self.requireWriter(req)
        let upload: Upload
        do { upload = try req.content.decode(Upload.self) } catch { throw AppError.badRequest("error.badInput") }
        guard let (file, sheet) = ImportDrafts.sheet(of: upload.file?.data) else {
            return try await render(req, checked: nil, error: req.t("import.unreadable"), status: .unprocessableEntity)
        }
        let graph = try await req.unitGraph()
        let checked = try await FigureImportService.check(sheet, user: user, graph: graph, today: VietnamTime.localDate(of: Date()), on: req.db)
        let ready = checked.problems.isEmpty && !checked.rows.isEmpty
        let draft = ready ? try await ImportDrafts.keep(file, kind: Self.draftKind, unit: nil, owner: user.requireID(), on: req.db) : nil
        return try await render(req, checked: checked, sheet: sheet, draft: draft, error: nil,
                                status: checked.problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable func confirm(req: Request) async throws -> Response {
        let user = try Self.requireWriter(req)
        let body: Confirmation
        do { body = try req.content.decode(Confirmation.self) } catch { throw AppError.badRequest("error.badInput") }
        guard let (draft, sheet) = try await ImportDrafts.open(body.draft, kind: Self.draftKind, owner: user.requireID(), on: req.db) else {
            return try await render(req, checked: nil, error: req.t("import.draftGone"), status: .gone)
        }
        let graph = try await req.unitGraph()
        // Checked again: the file is taken as it stands now, not as it was previewed.
        let checked = try await FigureImportService.check(sheet, user: user, graph: graph, today: VietnamTime.localDate(of: Date()), on: req.db)
        guard checked.problems.isEmpty, !checked.rows.isEmpty else {
            return try await render(req, checked: checked, sheet: sheet, error: nil, status: .unprocessableEntity)
        }
        do {
            let count = try await FigureImportService.commit(checked, user: user, graph: graph, on: req.db)
            try await ImportDrafts.discard(draft, on: req.db)
            Flash.set(req, req.t("import.done", ["count": String(count)]))
        } catch let e as AppError where e.status == .conflict {
            return try await render(req, checked: nil, error: req.t(e.key, e.arguments), status: .conflict)
        }
        return req.redirect(to: SiteURL.figureImport.path, redirectType: .normal)
    }
}
