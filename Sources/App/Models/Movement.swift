import Fluent
import NIOConcurrencyHelpers
import Foundation
import ThiDuaCore
import Vapor

/// A loaded plan: its source as the secretariat wrote it, and the checked definition the app reads.
final class Movement: Model, @unchecked Sendable {
    static let schema = "movements"

    // Managed
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // Data
    /// The plan's own id (`uong-bi-2024-2025`): unique, used in URLs.
    @Field(key: "plan_id") var planID: String
    @Field(key: "theme") var theme: String
    /// The checked plan as JSON.
    @Field(key: "definition") var definition: String
    /// The plan file exactly as loaded.
    @Field(key: "source") var source: String

    init() {}

    init(id: UUID? = nil, plan: Plan, source: String) throws {
        self.id = id
        self.planID = plan.id
        self.theme = plan.theme
        self.definition = try Movement.encode(plan)
        self.source = source
    }

    func plan() throws -> Plan {
        // Every request that names a movement reads its plan: decoded once per text, not once per request.
        if let known = Self.decoded.withLockedValue({ $0[definition] }) { return known }
        let plan = try JSONDecoder().decode(Plan.self, from: Data(definition.utf8))
        Self.decoded.withLockedValue { kept in
            if kept.count >= 16 { kept.removeAll() }
            kept[definition] = plan
        }
        return plan
    }

    private static let decoded = NIOLockedValueBox<[String: Plan]>([:])

    static func encode(_ plan: Plan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }
}
