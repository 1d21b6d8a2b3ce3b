import Fluent
import ThiDuaCore
import Vapor

/// The unit tree on any day, and what a unit was made of. Public: administrative units are public facts.
struct UnitsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("units", use: tree)
        routes.get("units", ":unit", "predecessors", use: predecessors)
    }

    /// A `YYYY-MM-DD` query parameter; a 400 with a message when it is there but not a real day.
    static func dateParameter(_ req: Request, name: String) throws -> LocalDate? {
        guard let raw = try? req.query.get(String.self, at: name), !raw.isEmpty else { return nil }
        guard let date = LocalDate(iso: raw) else { throw AppError.badRequest("error.date", ["value": raw]) }
        return date
    }

    /// A whole number from the query within a range; absent is nil, anything else a 400 that names the range.
    static func intParameter(_ req: Request, name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = try? req.query.get(String.self, at: name), !raw.isEmpty else { return nil }
        guard let n = Int(raw), range.contains(n) else {
            throw AppError.badRequest("error.number", ["name": name, "value": raw, "min": String(range.lowerBound), "max": String(range.upperBound)])
        }
        return n
    }

    @Sendable func tree(req: Request) async throws -> APIModels.UnitTree {
        let date = try Self.dateParameter(req, name: "date") ?? VietnamTime.localDate(of: Date())
        let graph = try await req.unitGraph()
        return APIModels.UnitTree(date: date.iso, units: graph.tree(on: date).map(APIModels.UnitJSON.init(tree:)))
    }

    /// The units of `date` that make up the unit as it stood on `structureDate` (by default the day it began).
    @Sendable func predecessors(req: Request) async throws -> APIModels.Predecessors {
        guard let date = try Self.dateParameter(req, name: "date") else {
            throw AppError.badRequest("error.dateRequired", ["name": "date"])
        }
        let graph = try await req.unitGraph()
        let asked = try Self.dateParameter(req, name: "structureDate")
        // A code names the unit of the structure date (of the day asked when none is given).
        guard let key = req.parameters.get("unit"), let unit = UnitService.find(key, on: asked ?? date, in: graph) else {
            throw AppError.notFound("error.unitNotFound")
        }
        let structureDate = asked ?? unit.validFrom
        guard unit.isValid(on: structureDate) else {
            throw AppError.badRequest("error.unitNotValid", ["date": structureDate.display, "unit": unit.fullName])
        }
        let constituents = graph.constituents(of: unit.id, structureDate: structureDate, on: date)
        return APIModels.Predecessors(
            unit: .init(unit), structureDate: structureDate.iso, date: date.iso,
            constituents: constituents.map {
                .init(unit: .init($0.unit), whole: $0.whole, villages: $0.villages.map { APIModels.UnitJSON($0) })
            })
    }
}
