import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Records in the browser: the form for each kind (on the API's rules), the list, corrections and deletion.
struct RecordsWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("records", use: list)
        routes.get("records", "new", use: newForm)
        routes.post("records", "new", use: create)
        routes.get("records", ":record", use: editForm)
        routes.post("records", ":record", use: update)
        routes.get("records", ":record", "delete", use: confirmDelete)
        routes.post("records", ":record", "delete", use: delete)
    }

    // MARK: The form

    /// Where this account may place records today, and the members it may tick.
    static func placement(user: User, graph: UnitGraph, today: LocalDate, db: any Database)
        async throws -> (RecordForm.Placement, [RecordForm.MemberChoice]) {
        let reach = user.reach(graph)
        func villages(of commune: UnitInfo) -> [RecordForm.Place] {
            graph.villages(of: commune.id, on: min(today, commune.validTo ?? today)).sorted(by: UnitGraph.naturalOrder).map { .init(id: $0.id.uuidString, label: $0.fullName) }
        }
        switch user.role {
        case .teamLeader:
            guard let id = user.$unit.id, let village = graph.units[id] else { throw AppError.forbidden }
            let commune = graph.ancestor(of: id, at: .commune, on: today).flatMap { graph.units[$0] }
            let label = village.fullName + (commune.map { ", " + $0.fullName } ?? "")
            let teams = try await Team.query(on: db).filter(\.$village.$id == id).with(\.$members).all()
            let members = teams.flatMap(\.members).filter { $0.leftOn == nil }
                .sorted { ($0.role.order, $0.fullName) < ($1.role.order, $1.fullName) }
                .compactMap { m in m.id.map { RecordForm.MemberChoice(id: $0, name: m.fullName) } }
            return (.village(id: id, label: label), members)
        case .communeOfficer:
            // A commune that has ended still takes records of its own days (the draft checks the date).
            guard let id = user.$unit.id, let commune = graph.units[id], commune.level == .commune else { throw AppError.forbidden }
            return (.commune(id: id, label: commune.fullName, villages: villages(of: commune)), [])
        case .admin, .secretariat:
            let communes = graph.units(at: .commune, on: today).filter { reach.includes(commune: $0.id, village: nil, on: today) }
                .sorted(by: UnitGraph.naturalOrder)
            let villages = communes.flatMap { c in villages(of: c).map { RecordForm.Place(id: $0.id, label: "\($0.label) — \(c.fullName)") } }
            return (.any(communes: communes.map { .init(id: $0.id.uuidString, label: $0.fullName) }, villages: villages), [])
        case .viewer:
            throw AppError.forbidden
        }
    }

    static func kind(_ req: Request, allowed: [RecordKind]) throws -> RecordKind? {
        guard let raw = try? req.query.get(String.self, at: "kind"), !raw.isEmpty else { return nil }
        guard let kind = RecordKind(rawValue: raw), allowed.contains(kind) else {
            throw AppError.badRequest("error.unknownKind", ["value": raw, "allowed": allowed.map(\.rawValue).joined(separator: ", ")])
        }
        return kind
    }

    /// Reform cases the account may pick for a visit: those of its communes it may read.
    static func reformCases(user: User, graph: UnitGraph, db: any Database) async throws -> [RecordForm.Place] {
        let query = Record.query(on: db).filter(\.$kind == RecordKind.reformCase.rawValue)
        ReachFilter.records(query, user.reach(graph))
        return try await query.sort(\.$personCode).limit(500).all().compactMap { r in
            r.id.map { RecordForm.Place(id: $0.uuidString, label: (r.personCode ?? "") + " — " + (graph.units[r.communeID]?.fullName ?? "")) }
        }
    }

    /// Where a person goes after saving: the team page for a team leader, else the list.
    static func home(after user: User) -> String {
        user.role == .teamLeader ? SiteURL.home.path : SiteURL.records(kind: nil, page: nil).path
    }

    func render(_ req: Request, kind: RecordKind?, form: FormState, action: String, recordID: String?,
                status: HTTPResponseStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        let (placement, members) = try await Self.placement(user: user, graph: graph, today: today, db: req.db)
        let cases = kind == .reformVisit ? try await Self.reformCases(user: user, graph: graph, db: req.db) : []
        let t = req.translator
        let input = RecordFormPage.Input(kind: kind, allowedKinds: Permissions.recordKinds(for: user.role), placement: placement,
                                         members: members, reformCases: cases, form: form, today: today, action: action,
                                         cancelHref: Self.home(after: user), recordID: recordID)
        let title = kind.map { t("recordKind.\($0.rawValue)") } ?? t("records.chooseKind")
        let page = RecordFormPage.build(input, page: PageChrome(request: req, title: title), text: t)
        return try await req.view.render("records/form", page).encodeResponse(status: status, for: req)
    }

    @Sendable func newForm(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let kinds = Permissions.recordKinds(for: user.role)
        guard !kinds.isEmpty else { throw AppError.forbidden }
        let kind = try Self.kind(req, allowed: kinds)
        let form = FormState(values: kind.map { RecordForm.defaults($0, now: Date()) } ?? [:])
        return try await render(req, kind: kind, form: form, action: SiteURL.newRecord(kind: kind?.rawValue).path, recordID: nil)
    }

    /// The form's fields as typed, all as text (a form posts nothing else).
    static func values(_ req: Request) throws -> [String: String] {
        do {
            var values = try req.content.decode([String: String].self)
            values["_csrf"] = nil
            return values
        } catch {
            throw AppError.badRequest("error.badInput")
        }
    }

    @Sendable func create(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let kinds = Permissions.recordKinds(for: user.role)
        guard let kind = try Self.kind(req, allowed: kinds) else { throw AppError.badRequest("error.badInput") }
        let values = try Self.values(req)
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        let (placement, _) = try await Self.placement(user: user, graph: graph, today: today, db: req.db)
        let (input, formErrors) = RecordForm.input(kind: kind, values: values, placement: placement)
        let action = SiteURL.newRecord(kind: kind.rawValue).path
        do {
            _ = try await RecordService.save(input, into: Record(), user: user, graph: graph, on: req.db, creating: true,
                                             today: today, formErrors: formErrors)
        } catch let e as AppError where e.status == .unprocessableEntity {
            // The form's own errors and the draft's, side by side, what was typed kept.
            var errors = e.fields
            if let p = errors.removeValue(forKey: "participants"), case .village = placement { errors["members"] = errors["members"] ?? p }
            let form = FormState(values: values, errorKeys: Self.formFields(errors), translator: req.translator)
            return try await render(req, kind: kind, form: form, action: action, recordID: nil, status: .unprocessableEntity)
        } catch let e as AppError where e.status == .conflict {
            // A locked month: said above the form, what was typed kept.
            var form = FormState(values: values)
            form.message = req.t(e.key, e.arguments)
            return try await render(req, kind: kind, form: form, action: action, recordID: nil, status: .conflict)
        }
        Flash.set(req, req.t("records.saved", ["kind": req.t("recordKind.\(kind.rawValue)")]))
        return req.redirect(to: Self.home(after: user), redirectType: .normal)
    }

    /// The API's field names for a patrol's times are the form's clock fields.
    static func formFields(_ errors: [String: String]) -> [String: String] {
        let renamed = ["startedAt": "startTime", "endedAt": "endTime"]
        var out = errors.filter { renamed[$0.key] == nil }
        // The form's own message about a clock field says more than the draft's about the instant made from it.
        for (api, form) in renamed { if let key = errors[api], out[form] == nil { out[form] = key } }
        return out
    }

    // MARK: Correcting and deleting

    /// A record this account may change; one it may not read is missing, one it may read but not change forbidden.
    static func writable(_ req: Request, user: User, graph: UnitGraph) async throws -> Record {
        let reach = user.reach(graph)
        let record = try await RecordsAPI.readable(req, user: user, reach: reach)
        guard RecordService.canWrite(record, user: user, reach: reach) else { throw AppError.forbidden }
        return record
    }

    @Sendable func editForm(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.writable(req, user: user, graph: graph)
        let json = RecordJSON(record, graph: graph, personal: RecordsAPI.personal(record, for: user, reach: user.reach(graph)))
        let id = json.id
        var values = RecordForm.values(of: json)
        values["version"] = record.version
        return try await render(req, kind: RecordKind(rawValue: record.kind), form: FormState(values: values),
                                action: SiteURL.record(id).path, recordID: id)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.writable(req, user: user, graph: graph)
        guard let kind = RecordKind(rawValue: record.kind) else { throw AppError.notFound("error.recordNotFound") }
        let values = try Self.values(req)
        let today = VietnamTime.localDate(of: Date())
        let (placement, _) = try await Self.placement(user: user, graph: graph, today: today, db: req.db)
        var (input, formErrors) = RecordForm.input(kind: kind, values: values, placement: placement)
        input.kind = nil
        let id = record.id?.uuidString ?? ""
        do {
            _ = try await RecordService.save(input, into: record, user: user, graph: graph, on: req.db, creating: false,
                                             today: today, formErrors: formErrors, version: values["version"] ?? "")
        } catch let e as AppError where e.status == .unprocessableEntity {
            let errors = e.fields
            let form = FormState(values: values, errorKeys: Self.formFields(errors), translator: req.translator)
            return try await render(req, kind: kind, form: form, action: SiteURL.record(id).path, recordID: id, status: .unprocessableEntity)
        } catch let e as AppError where e.status == .conflict {
            var form = FormState(values: values)
            form.message = req.t(e.key, e.arguments)
            return try await render(req, kind: kind, form: form, action: SiteURL.record(id).path, recordID: id, status: .conflict)
        }
        Flash.set(req, req.t("records.updated"))
        return req.redirect(to: Self.home(after: user), redirectType: .normal)
    }

    struct DeletePage: Encodable {
        var page: PageChrome
        var summary: String
        var action: String
        var cancelHref: String
    }

    @Sendable func confirmDelete(req: Request) async throws -> View {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.writable(req, user: user, graph: graph)
        let row = RecordListPage.row(record, graph: graph, canWrite: true, text: req.translator)
        return try await req.view.render("records/delete", DeletePage(
            page: PageChrome(request: req, title: req.t("records.deleteTitle")),
            summary: "\(row.date) · \(row.kind) · \(row.place)" + (row.summary.map { " · " + $0 } ?? ""),
            action: SiteURL.recordDelete(row.id).path, cancelHref: SiteURL.records(kind: nil, page: nil).path))
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.writable(req, user: user, graph: graph)
        try await RecordService.delete(record, user: user, graph: graph, on: req.db)
        Flash.set(req, req.t("records.deleted"))
        return req.redirect(to: SiteURL.records(kind: nil, page: nil).path, redirectType: .normal)
    }

    // MARK: The list

    @Sendable func list(req: Request) async throws -> View {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let reach = user.reach(graph)
        var filter = RecordListPage.Filter()
        if let raw = try? req.query.get(String.self, at: "kind"), !raw.isEmpty {
            guard let kind = RecordKind(rawValue: raw) else {
                throw AppError.badRequest("error.unknownKind", ["value": raw, "allowed": RecordKind.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            filter.kind = kind
        }
        filter.from = try UnitsAPI.dateParameter(req, name: "from")
        filter.to = try UnitsAPI.dateParameter(req, name: "to")
        filter.page = try UnitsAPI.intParameter(req, name: "page", in: 1...1_000_000) ?? 1
        if let raw = try? req.query.get(String.self, at: "unit"), !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let unit = graph.units[id], unit.level == .commune else {
                throw AppError.notFound("error.unitNotFound")
            }
            filter.unit = unit.id
        }
        let query = Record.query(on: req.db)
        if let kind = filter.kind { query.filter(\.$kind == kind.rawValue) }
        // A commune's records: its own and those of the units it was formed from.
        if let unit = filter.unit { query.filter(\.$communeID ~~ ([unit] + graph.formedFrom(unit).map(\.unit.id))) }
        if let from = filter.from { query.filter(\.$occurredOn >= from.iso) }
        if let to = filter.to { query.filter(\.$occurredOn <= to.iso) }
        RecordService.readable(query, role: user.role, reach: reach)
        let total = try await query.count()
        let offset = (filter.page - 1) * RecordListPage.pageSize
        let records = try await query.sort(\.$occurredOn, .descending).sort(\.$createdAt, .descending).sort(\.$id)
            .range(offset..<(offset + RecordListPage.pageSize)).all()
        let t = req.translator
        let rows = records.map { r in
            RecordListPage.row(r, graph: graph, canWrite: RecordService.canWrite(r, user: user, reach: reach), text: t)
        }
        let today = VietnamTime.localDate(of: Date())
        // The communes the account reads today, to choose from (a team leader's records are its village's).
        let communes = user.role == .teamLeader ? [] : graph.units(at: .commune, on: today)
            .filter { reach.includes(commune: $0.id, village: nil, on: today) }.sorted(by: UnitGraph.naturalOrder)
        let page = RecordListPage.build(filter: filter, rows: rows, total: total, canCreate: !Permissions.recordKinds(for: user.role).isEmpty,
                                        communes: communes, page: PageChrome(request: req, title: t("records.title")), text: t)
        return try await req.view.render("records/list", page)
    }
}

/// The list of records an account may read, newest first, with filters and pages.
struct RecordListPage: Encodable {
    struct Filter: Sendable {
        var kind: RecordKind?
        var unit: UUID?
        var from: LocalDate?
        var to: LocalDate?
        var page = 1
    }
    struct Row: Encodable {
        var id: String
        var date: String
        var kind: String
        var place: String
        var summary: String?
        var editHref: String?
        var deleteHref: String?
    }

    var page: PageChrome
    var filters: [FormField]
    var form: FormState
    var action: String
    var records: [Row]
    var shown: String
    var pages: [PageLink]
    var newHref: String?

    static let pageSize = 50

    static func row(_ r: Record, graph: UnitGraph, canWrite: Bool, text t: Translator) -> Row {
        let id = r.id?.uuidString ?? ""
        let place = (r.villageID.flatMap { graph.units[$0] }.map { $0.fullName + ", " } ?? "") + (graph.units[r.communeID]?.fullName ?? "")
        var summary = r.title
        if r.kind == RecordKind.reformCase.rawValue { summary = r.personCode }
        return Row(id: id, date: LocalDate(iso: r.occurredOn)?.display ?? r.occurredOn, kind: t("recordKind.\(r.kind)"),
                   place: place, summary: summary, editHref: canWrite ? SiteURL.record(id).path : nil,
                   deleteHref: canWrite ? SiteURL.recordDelete(id).path : nil)
    }

    static func build(filter: Filter, rows: [Row], total: Int, canCreate: Bool, communes: [UnitInfo] = [], page: PageChrome,
                      text t: Translator) -> RecordListPage {
        let form = FormState(values: ["kind": filter.kind?.rawValue ?? "", "from": filter.from?.iso ?? "", "to": filter.to?.iso ?? "",
                                      "unit": filter.unit?.uuidString ?? ""])
        var filters: [FormField] = [
            .make("unit", t("recordField.unit"), .select, form: form,
                  options: [.init(value: "", label: t("audit.allUnits"), selected: false)]
                      + communes.map { .init(value: $0.id.uuidString, label: $0.fullName, selected: false) }),
            .make("kind", t("records.kind"), .select, form: form,
                  options: [.init(value: "", label: t("records.allKinds"), selected: false)]
                      + RecordKind.allCases.map { .init(value: $0.rawValue, label: t("recordKind.\($0.rawValue)"), selected: false) }),
            .make("from", t("records.from"), .date, form: form),
            .make("to", t("records.to"), .date, form: form),
        ]
        if communes.count < 2 && filter.unit == nil { filters.removeFirst() }
        func href(_ n: Int) -> String {
            SiteURL.records(kind: filter.kind?.rawValue, unit: filter.unit?.uuidString, from: filter.from?.iso, to: filter.to?.iso,
                            page: n > 1 ? n : nil).path
        }
        let from = (filter.page - 1) * pageSize
        return RecordListPage(
            page: page, filters: filters, form: form, action: SiteURL.records(kind: nil, page: nil).path, records: rows,
            shown: total == 0 ? t("records.none") : t("records.shown", ["from": t.count(min(total, from + 1)), "to": t.count(from + rows.count), "count": t.count(total)]),
            pages: PageLink.pages(total: total, pageSize: pageSize, current: filter.page, href: href),
            newHref: canCreate ? SiteURL.newRecord(kind: nil).path : nil)
    }
}
