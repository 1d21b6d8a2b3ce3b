import Fluent
import SQLKit
import Foundation
import ThiDuaCore

/// Reads the unit structure into the domain core's graph.
enum UnitService {
    static func graph(on db: any Database) async throws -> UnitGraph {
        let units = try await Unit.query(on: db).all()
        let links = try await UnitParentLink.query(on: db).all()
        let successions = try await UnitSuccession.query(on: db).all()
        return UnitGraph(units: units.compactMap(\.info), links: links.compactMap(\.link),
                                   successions: successions.compactMap(\.succession))
    }

    /// A unit by its UUID or its national code; with a code, the one valid on `date` when several share it.
    static func find(_ key: String, on date: LocalDate?, in graph: UnitGraph) -> UnitInfo? {
        if let uuid = UUID(uuidString: key) { return graph.units[uuid] }
        let matches = graph.units.values.filter { $0.code == key }
        if let date, let valid = matches.first(where: { $0.isValid(on: date) }) { return valid }
        return matches.max { $0.validFrom < $1.validFrom }
    }
}
