import Fluent
import Foundation
import SQLKit
import ThiDuaCore
import Vapor

/// The audit log in the browser: every change with its before and after, filtered by unit, account, action and
/// dates, newest first. The secretariat's and the admin's.
struct AuditPage: Encodable {
    struct Row: Encodable {
        var seq: Int
        var at: String
        var actor: String
        var action: String
        var entity: String
        var before: String?
        var after: String?
    }
    struct Filter: Sendable {
        var unit: UUID?
        var actor: String?
        var action: String?
        var from: LocalDate?
        var to: LocalDate?
        var page = 1
    }

    var page: PageChrome
    var filters: [FormField]
    var action: String
    var rows: [Row]
    var shown: String
    var pages: [PageLink]

    static let pageSize = 50

    /// A stored JSON text laid out one field a line, for reading.
    static func readable(_ json: String?) -> String? {
        guard let json, let data = json.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return json
        }
        return String(decoding: pretty, as: UTF8.self)
    }

    static func build(filter: Filter, entries: [AuditEntry], total: Int, units: [UnitInfo], actions: [String],
                      page: PageChrome, text t: Translator) -> AuditPage {
        let form = FormState(values: ["unit": filter.unit?.uuidString ?? "", "actor": filter.actor ?? "", "action": filter.action ?? "",
                                      "from": filter.from?.iso ?? "", "to": filter.to?.iso ?? ""])
        let filters: [FormField] = [
            .make("unit", t("recordField.unit"), .select, form: form,
                  options: [.init(value: "", label: t("audit.allUnits"), selected: false)]
                      + units.map { .init(value: $0.id.uuidString, label: $0.fullName, selected: false) }),
            .make("actor", t("audit.actor"), .text, form: form),
            .make("action", t("audit.action"), .select, form: form,
                  options: [.init(value: "", label: t("audit.allActions"), selected: false)]
                      + actions.map { .init(value: $0, label: $0, selected: false) }),
            .make("from", t("records.from"), .date, form: form),
            .make("to", t("records.to"), .date, form: form),
        ]
        let start = (filter.page - 1) * pageSize
        return AuditPage(
            page: page, filters: filters, action: SiteURL.audit(query: [:]).path,
            rows: entries.map {
                Row(seq: $0.seq, at: VietnamTime.display($0.at), actor: $0.actor, action: $0.action,
                    entity: [$0.entity, $0.entityID].compactMap { $0 }.joined(separator: " "),
                    before: readable($0.before), after: readable($0.after))
            },
            shown: total == 0 ? t("audit.none") : t("audit.shown", ["from": t.count(start + 1), "to": t.count(start + entries.count), "count": t.count(total)]),
            pages: PageLink.pages(total: total, pageSize: pageSize, current: filter.page) { n in
                SiteURL.audit(query: [
                    "unit": filter.unit?.uuidString, "actor": filter.actor, "action": filter.action,
                    "from": filter.from?.iso, "to": filter.to?.iso, "page": n > 1 ? String(n) : nil]).path
            })
    }
}

struct AuditWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("audit", use: show)
    }

    @Sendable func show(req: Request) async throws -> View {
        let user = try req.requireUser()
        guard Permissions.isCommittee(user.role) else { throw AppError.forbidden }
        let graph = try await req.unitGraph()
        var filter = AuditPage.Filter()
        func param(_ name: String) -> String? {
            (try? req.query.get(String.self, at: name)).flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        if let raw = param("unit") {
            guard let id = UUID(uuidString: raw), graph.units[id] != nil else { throw AppError.notFound("error.unitNotFound") }
            filter.unit = id
        }
        filter.actor = param("actor").map { String($0.prefix(64)) }
        filter.action = param("action").map { String($0.prefix(64)) }
        filter.from = try UnitsAPI.dateParameter(req, name: "from")
        filter.to = try UnitsAPI.dateParameter(req, name: "to")
        filter.page = try UnitsAPI.intParameter(req, name: "page", in: 1...1_000_000) ?? 1
        let query = AuditEntry.query(on: req.db)
        if let actor = filter.actor { query.filter(\.$actor == actor) }
        if let action = filter.action { query.filter(\.$action == action) }
        if let from = filter.from { query.filter(\.$at >= VietnamTime.startOfDay(from)) }
        if let to = filter.to { query.filter(\.$at < VietnamTime.startOfDay(to.adding(days: 1))) }
        if let unit = filter.unit {
            // An entry is about a unit when its entity or its before or after names it (a record's or figure's unit,
            // a month's commune).
            let id = "%" + unit.uuidString + "%"
            query.group(.or) { any in
                any.filter(\.$entityID, .custom("LIKE"), id)
                any.filter(\.$before, .custom("LIKE"), id)
                any.filter(\.$after, .custom("LIKE"), id)
            }
        }
        let total = try await query.count()
        let entries = try await query.sort(\.$seq, .descending)
            .range(((filter.page - 1) * AuditPage.pageSize)..<(filter.page * AuditPage.pageSize)).all()
        let actions = try await AuditEntry.query(on: req.db).unique().all(\.$action).sorted()
        let today = VietnamTime.localDate(of: Date())
        let units = graph.units.values.filter { $0.level != .village && ($0.isValid(on: today) || $0.level == .commune) }
            .sorted { $0.level == $1.level ? UnitGraph.naturalOrder($0, $1) : $0.level < $1.level }
        let t = req.translator
        let page = AuditPage.build(filter: filter, entries: entries, total: total, units: units, actions: actions,
                                   page: PageChrome(request: req, title: t("audit.title")), text: t)
        return try await req.view.render("audit/log", page)
    }
}
