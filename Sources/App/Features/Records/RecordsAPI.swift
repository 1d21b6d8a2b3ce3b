import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// Records: created, corrected and deleted by accounts whose role and unit allow it; every change audited with its
/// before and after.
struct RecordsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(APISignIn())
        signedIn.get("records", use: list)
        signedIn.post("records", use: create)
        signedIn.get("records", ":record", use: show)
        signedIn.put("records", ":record", use: update)
        signedIn.delete("records", ":record", use: delete)
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
    static func readable(_ req: Request, user: User, reach: Reach) async throws -> Record {
        let record = try await Self.record(req)
        guard RecordService.canRead(record, role: user.role, reach: reach) else { throw AppError.notFound("error.recordNotFound") }
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
        let to = try UnitsAPI.dateParameter(req, name: "to")
        if let to { query.filter(\.$occurredOn <= to.iso) }
        if let key = try? req.query.get(String.self, at: "unit") {
            // A code names the unit of the span's last day (today when open).
            guard let unit = UnitService.find(key, on: to ?? VietnamTime.localDate(of: Date()), in: graph) else { throw AppError.notFound("error.unitNotFound") }
            if unit.level == .village {
                query.filter(\.$villageID == unit.id)
            } else {
                let communes = graph.communes(within: unit.id, today: VietnamTime.localDate(of: Date())).map(\.id)
                query.filter(\.$communeID ~~ communes)
            }
        }
        let reach = user.reach(graph)
        RecordService.readable(query, role: user.role, reach: reach)
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

    @Sendable func show(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let reach = user.reach(graph)
        let record = try await Self.readable(req, user: user, reach: reach)
        let res = try await RecordJSON(record, graph: graph, personal: Self.personal(record, for: user, reach: reach)).encodeResponse(for: req)
        res.headers.replaceOrAdd(name: .eTag, value: "\"\(record.version)\"")
        return res
    }

    /// The version a change was made on, when the client names one (`If-Match` with the record's ETag); `*` names any.
    static func ifMatch(_ req: Request) -> String? {
        guard var tag = req.headers.first(name: .ifMatch)?.trimmingCharacters(in: .whitespaces), tag != "*" else { return nil }
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        return tag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// A change refused because the record changed since the version the client named: 412, as HTTP has it.
    static func precondition<T>(_ version: String?, _ change: () async throws -> T) async throws -> T {
        do { return try await change() } catch let e as AppError where version != nil && e.key == "records.changedMeanwhile" {
            throw AppError(.preconditionFailed, e.key)
        }
    }

    @Sendable func update(req: Request) async throws -> RecordJSON {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.readable(req, user: user, reach: user.reach(graph))
        let input = try decode(req)
        let version = Self.ifMatch(req)
        let saved = try await Self.precondition(version) {
            try await RecordService.save(input, into: record, user: user, graph: graph, on: req.db, creating: false, version: version)
        }
        return RecordJSON(saved, graph: graph, personal: Self.personal(saved, for: user, reach: user.reach(graph)))
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let record = try await Self.readable(req, user: user, reach: user.reach(graph))
        let version = Self.ifMatch(req)
        try await Self.precondition(version) { try await RecordService.delete(record, user: user, graph: graph, on: req.db, version: version) }
        return .noContent
    }

    func decode(_ req: Request) throws -> RecordInput {
        do { return try req.content.decode(RecordInput.self) } catch { throw AppError.badRequest("error.badInput") }
    }
}
