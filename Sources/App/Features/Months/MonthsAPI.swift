import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A commune's months on their way to approval, over the API.
struct MonthsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(APISignIn())
        signedIn.get("month-reviews", use: list)
        signedIn.post("month-reviews", use: act)
    }

    struct ReviewJSON: Vapor.Content {
        var unit: String
        var unitName: String
        var month: String
        var state: String
        var reason: String?
        var updatedBy: String?
    }

    struct ActionInput: Vapor.Content {
        var unit: String?
        var month: String?
        var action: String?
        var reason: String?
    }

    /// The months of one commune the account may read, from `from` to `to` (by default the last 12 months).
    @Sendable func list(req: Request) async throws -> [ReviewJSON] {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        guard let key = try? req.query.get(String.self, at: "unit"), !key.isEmpty else {
            throw AppError.badRequest("error.unitRequired")
        }
        let today = VietnamTime.localDate(of: Date())
        let to = try Self.month(req, "to") ?? Month(today)
        // A code names the commune of the span's last month.
        guard let unit = UnitService.find(key, on: min(to.lastDay, today), in: graph), unit.level == .commune else { throw AppError.notFound("error.unitNotFound") }
        // A month to come has nothing to review.
        guard to <= Month(today) else { throw AppError.badRequest("error.monthFuture", ["value": to.text]) }
        let from = try Self.month(req, "from") ?? to.adding(months: -11)
        guard from <= to, to.adding(months: -120) <= from else { throw AppError.badRequest("error.monthSpan") }
        let reach = user.reach(graph)
        let months = from.through(to).filter { m in
            (unit.isValid(on: m.firstDay) || unit.isValid(on: m.lastDay))
                && reach.includes(commune: unit.id, village: nil, on: min(m.lastDay, unit.validTo ?? m.lastDay))
        }
        if months.isEmpty && !reach.includes(commune: unit.id, village: nil, on: min(today, unit.validTo ?? today)) {
            throw AppError.notFound("error.unitNotFound")
        }
        let rows = try await MonthReviewRow.query(on: req.db).filter(\.$communeID == unit.id).filter(\.$month ~~ months.map(\.text)).all()
        let byMonth = Dictionary(rows.map { ($0.month, $0) }, uniquingKeysWith: { a, _ in a })
        return months.map { m in
            let row = byMonth[m.text]
            return ReviewJSON(unit: unit.id.uuidString, unitName: unit.fullName, month: m.text, state: row?.state ?? MonthState.open.rawValue,
                              reason: row?.reason, updatedBy: row?.updatedBy)
        }
    }

    static func month(_ req: Request, _ name: String) throws -> Month? {
        guard let raw = try? req.query.get(String.self, at: name), !raw.isEmpty else { return nil }
        guard let m = Month(text: raw) else { throw AppError.badRequest("error.month", ["value": raw]) }
        return m
    }

    @Sendable func act(req: Request) async throws -> ReviewJSON {
        let user = try req.requireUser()
        let input: ActionInput
        do { input = try req.content.decode(ActionInput.self) } catch { throw AppError.badRequest("error.badInput") }
        let graph = try await req.unitGraph()
        var errors: [String: String] = [:]
        let action = input.action.flatMap(MonthAction.init(rawValue:))
        if action == nil { errors["action"] = input.action == nil ? "field.required" : "field.notAllowed" }
        let month = input.month.flatMap(Month.init(text:))
        if month == nil { errors["month"] = input.month == nil ? "field.required" : "field.month" }
        let unit = input.unit.flatMap { UnitService.find($0, on: month?.lastDay, in: graph) }
        if unit?.level != .commune { errors["unit"] = input.unit == nil ? "field.required" : "field.unknownCommune" }
        guard errors.isEmpty, let action, let month, let unit else { throw AppError(.unprocessableEntity, "records.invalid", fields: errors) }
        let status = try await MonthReviewService.act(action, commune: unit, month: month, reason: input.reason, user: user,
                                                      graph: graph, on: req.db)
        return ReviewJSON(unit: unit.id.uuidString, unitName: unit.fullName, month: month.text, state: status.state.rawValue,
                          reason: status.reason, updatedBy: status.by)
    }
}
