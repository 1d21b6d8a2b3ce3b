import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Monthly figures of a commune, for data that lives in other systems: set, listed and deleted by accounts whose
/// role and unit allow it; every change audited with its before and after.
struct FiguresAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(APISignIn())
        signedIn.get("figures", use: listFigures)
        signedIn.put("figures", use: putFigure)
        signedIn.delete("figures", ":figure", use: deleteFigure)
    }

    struct FigureInput: Vapor.Content {
        var unit: String?
        var kind: String?
        /// `YYYY-MM`.
        var month: String?
        var value: Int?
        var basis: String?
    }

    struct FigureJSON: Vapor.Content {
        var id: String
        var unit: String
        var unitName: String
        var kind: String
        var month: String
        var value: Int
        var basis: String?
    }

    static func figureJSON(_ f: Figure, graph: UnitGraph) -> FigureJSON {
        FigureJSON(id: f.id?.uuidString ?? "", unit: f.communeID.uuidString, unitName: graph.units[f.communeID]?.fullName ?? "",
                   kind: f.kind, month: f.month, value: f.value, basis: f.basis)
    }

    static let bases = ["population", "applications", "quota"]

    @Sendable func listFigures(req: Request) async throws -> [FigureJSON] {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let query = Figure.query(on: req.db)
        if let key = try? req.query.get(String.self, at: "unit") {
            // A code on today's structure (it may have named another unit before).
            guard let unit = UnitService.find(key, on: VietnamTime.localDate(of: Date()), in: graph) else { throw AppError.notFound("error.unitNotFound") }
            query.filter(\.$communeID == unit.id)
        }
        if let kind = try? req.query.get(String.self, at: "kind") {
            guard FigureKind(rawValue: kind) != nil else {
                throw AppError.badRequest("error.unknownFigureKind", ["value": kind, "allowed": FigureKind.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            query.filter(\.$kind == kind)
        }
        // Figures belong to communes: a team leader reads those of the commune its village is in.
        ReachFilter.figures(query, user.reach(graph), graph: graph)
        return try await query.sort(\.$month).sort(\.$kind).limit(5000).all().map { Self.figureJSON($0, graph: graph) }
    }

    /// Sets the figure of a commune, kind and month (creating or correcting it).
    @Sendable func putFigure(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let input: FigureInput
        do { input = try req.content.decode(FigureInput.self) } catch { throw AppError.badRequest("error.badInput") }
        let graph = try await req.unitGraph()
        var errors: [String: String] = [:]
        let kind = input.kind.flatMap(FigureKind.init(rawValue:))
        if kind == nil { errors["kind"] = input.kind == nil ? "field.required" : "field.notAllowed" }
        let month = input.month.flatMap(Month.init(text:))
        if month == nil { errors["month"] = input.month == nil ? "field.required" : "field.month" }
        if let m = month, m.firstDay > VietnamTime.localDate(of: Date()) { errors["month"] = "field.future" }
        if input.value == nil { errors["value"] = "field.required" }
        if let v = input.value, v < 0 || v > 1_000_000_000 { errors["value"] = "field.range" }
        if let b = input.basis, !Self.bases.contains(b) { errors["basis"] = "field.notAllowed" }
        var commune: UnitInfo?
        if let key = input.unit {
            commune = UnitService.find(key, on: month?.lastDay, in: graph)
            if commune?.level != .commune { errors["unit"] = "field.unknownCommune"; commune = nil }
            if let c = commune, let m = month, !(c.isValid(on: m.firstDay) || c.isValid(on: m.lastDay)) {
                errors["unit"] = "field.unitNotValidOnDate"
            }
        } else {
            errors["unit"] = "field.required"
        }
        guard errors.isEmpty, let kind, let month, let commune, let value = input.value else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: errors)
        }
        let saved = try await FigureService.set([kind: value], basis: input.basis.map { [kind: $0] } ?? [:], commune: commune,
                                                month: month, user: user, graph: graph, confirmed: true, on: req.db)
        guard let figure = saved.figures.first else { throw AppError.badRequest("error.badInput") }
        return try await Self.figureJSON(figure, graph: graph).encodeResponse(status: saved.created.contains(kind) ? .created : .ok, for: req)
    }

    @Sendable func deleteFigure(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        guard let id = req.parameters.get("figure").flatMap(UUID.init(uuidString:)),
              let figure = try await Figure.find(id, on: req.db) else { throw AppError.notFound("error.recordNotFound") }
        let graph = try await req.unitGraph()
        guard let month = Month(text: figure.month) else { throw AppError.forbidden }
        let commune = graph.units[figure.communeID]
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: figure.communeID,
                                          on: min(month.lastDay, commune?.validTo ?? month.lastDay)) else {
            throw AppError.forbidden
        }
        try await req.db.audited { tx in
            try await MonthReviewService.holdOpen(figure.communeID, month, graph: graph, on: tx)
            // Read again with the month held: removed or changed meanwhile, what is audited is what is removed.
            guard let figure = try await Figure.find(id, on: tx) else { throw AppError.notFound("error.recordNotFound") }
            let before = Self.auditText(Self.figureJSON(figure, graph: graph))
            try await figure.delete(on: tx)
            try await RemovedRow(id: id, entity: .figure, kind: figure.kind, commune: figure.communeID, village: nil, day: figure.month, by: user.username).create(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "figure.delete", entity: "figure",
                                      entityID: id.uuidString, before: before)
        }
        return .noContent
    }

    static func auditText(_ f: FigureJSON) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(f)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
