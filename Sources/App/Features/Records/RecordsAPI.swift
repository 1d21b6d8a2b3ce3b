import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Records and monthly figures: created, corrected and deleted by accounts whose role and unit allow it; every
/// change audited with its before and after.
struct RecordsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(BearerAuth())
        signedIn.get("records", use: list)
        signedIn.post("records", use: create)
        signedIn.get("records", ":record", use: show)
        signedIn.put("records", ":record", use: update)
        signedIn.delete("records", ":record", use: delete)
        signedIn.get("figures", use: listFigures)
        signedIn.put("figures", use: putFigure)
        signedIn.delete("figures", ":figure", use: deleteFigure)
    }

    struct RecordPage: Vapor.Content {
        var total: Int
        var items: [RecordJSON]
    }

    static func record(_ req: Request) async throws -> Record {
        guard let id = req.parameters.get("record").flatMap(UUID.init(uuidString:)),
              let record = try await Record.find(id, on: req.db) else {
            throw AppError.notFound("error.recordNotFound")
        }
        return record
    }

    /// Personal data only where the account works with it.
    static func personal(_ record: Record, for user: User, reach: Reach) -> Bool {
        guard let date = LocalDate(iso: record.occurredOn) else { return false }
        return Permissions.seesPersonalData(role: user.role, reach: reach, commune: record.communeID,
                                            village: record.villageID, on: date)
    }

    /// A record this account may read; one it may not is answered as missing, so that its existence is not told.
    static func readable(_ req: Request, reach: Reach) async throws -> Record {
        let record = try await Self.record(req)
        guard RecordService.canRead(record, reach: reach) else { throw AppError.notFound("error.recordNotFound") }
        return record
    }

    @Sendable func list(req: Request) async throws -> RecordPage {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let query = Record.query(on: req.db)
        if let kind = try? req.query.get(String.self, at: "kind") {
            guard RecordKind(rawValue: kind) != nil else {
                throw AppError.badRequest("error.unknownKind", ["value": kind, "allowed": RecordKind.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            query.filter(\.$kind == kind)
        }
        if let from = try UnitsAPI.dateParameter(req, name: "from") { query.filter(\.$occurredOn >= from.iso) }
        if let to = try UnitsAPI.dateParameter(req, name: "to") { query.filter(\.$occurredOn <= to.iso) }
        if let key = try? req.query.get(String.self, at: "unit") {
            guard let unit = UnitService.find(key, on: nil, in: graph) else { throw AppError.notFound("error.unitNotFound") }
            if unit.level == .village {
                query.filter(\.$villageID == unit.id)
            } else {
                let communes = graph.communes(within: unit.id, today: VietnamTime.localDate(of: Date())).map(\.id)
                query.filter(\.$communeID ~~ communes)
            }
        }
        let reach = user.reach(graph)
        ReachFilter.records(query, reach)
        let limit = try UnitsAPI.intParameter(req, name: "limit", in: 1...1000) ?? 100
        let offset = try UnitsAPI.intParameter(req, name: "offset", in: 0...Int(Int32.max)) ?? 0
        let total = try await query.count()
        let items = try await query.sort(\.$occurredOn, .descending).sort(\.$id).range(offset..<(offset + limit)).all()
        return RecordPage(total: total, items: items.map {
            RecordJSON($0, graph: graph, personal: Self.personal($0, for: user, reach: reach))
        })
    }

    @Sendable func create(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let input = try decode(req)
        let graph = try await req.unitGraph()
        let saved = try await RecordService.save(input, into: Record(), user: user, graph: graph, on: req.db, creating: true)
        return try await RecordJSON(saved, graph: graph, personal: Self.personal(saved, for: user, reach: user.reach(graph)))
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> RecordJSON {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let reach = user.reach(graph)
        let record = try await Self.readable(req, reach: reach)
        return RecordJSON(record, graph: graph, personal: Self.personal(record, for: user, reach: reach))
    }

    @Sendable func update(req: Request) async throws -> RecordJSON {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.readable(req, reach: user.reach(graph))
        let input = try decode(req)
        let saved = try await RecordService.save(input, into: record, user: user, graph: graph, on: req.db, creating: false)
        return RecordJSON(saved, graph: graph, personal: Self.personal(saved, for: user, reach: user.reach(graph)))
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.readable(req, reach: user.reach(graph))
        try await RecordService.delete(record, user: user, graph: graph, on: req.db)
        return .noContent
    }

    func decode(_ req: Request) throws -> RecordInput {
        do { return try req.content.decode(RecordInput.self) } catch { throw AppError.badRequest("error.badInput") }
    }

    // MARK: Figures

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
            guard let unit = UnitService.find(key, on: nil, in: graph) else { throw AppError.notFound("error.unitNotFound") }
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
        guard Permissions.canWriteCommune(role: user.role, reach: user.reach(graph), commune: commune.id,
                                          on: min(month.lastDay, commune.validTo ?? month.lastDay)) else {
            throw AppError.forbidden
        }
        let existing = try await Figure.query(on: req.db).filter(\.$communeID == commune.id)
            .filter(\.$kind == kind.rawValue).filter(\.$month == month.text).first()
        let figure = existing ?? Figure()
        let before = existing.map { Self.figureJSON($0, graph: graph) }
        figure.communeID = commune.id
        figure.kind = kind.rawValue
        figure.month = month.text
        figure.value = value
        // Left out, the basis stays as stored.
        figure.basis = input.basis ?? existing?.basis
        figure.createdBy = try existing?.createdBy ?? user.requireID()
        try await req.db.transaction { tx in
            if existing == nil { try await figure.create(on: tx) } else { try await figure.update(on: tx) }
            try await AuditLog.record(on: tx, actor: user.username, action: existing == nil ? "figure.create" : "figure.update",
                                      entity: "figure", entityID: figure.id?.uuidString,
                                      before: before.map(Self.auditText), after: Self.auditText(Self.figureJSON(figure, graph: graph)))
        }
        return try await Self.figureJSON(figure, graph: graph).encodeResponse(status: existing == nil ? .created : .ok, for: req)
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
        let before = Self.auditText(Self.figureJSON(figure, graph: graph))
        try await req.db.transaction { tx in
            try await figure.delete(on: tx)
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
