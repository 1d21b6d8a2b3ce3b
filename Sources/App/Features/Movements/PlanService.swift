import Fluent
import Foundation
import ThiDuaCore

/// Loading plans into the database, and reading them back.
enum PlanService {
    enum Outcome: Equatable {
        case created, updated, unchanged
    }

    /// Checks the file whole first: a file with any problem stores nothing.
    static func importPlan(yaml: String, actor: String, on db: any Database) async throws -> (Plan, Outcome) {
        let plan = try PlanLoader.load(yaml: yaml)
        let outcome = try await db.audited { tx -> Outcome in
            let definition = try Movement.encode(plan)
            if let existing = try await Movement.query(on: tx).filter(\.$planID == plan.id).first() {
                if existing.definition == definition && existing.source == yaml { return .unchanged }
                let before = existing.definition
                existing.theme = plan.theme
                existing.definition = definition
                existing.source = yaml
                try await existing.update(on: tx)
                try await AuditLog.record(on: tx, actor: actor, action: "plan.update", entity: "movement",
                                          entityID: existing.id?.uuidString, before: before, after: definition)
                return .updated
            }
            let movement = try Movement(plan: plan, source: yaml)
            try await movement.create(on: tx)
            try await AuditLog.record(on: tx, actor: actor, action: "plan.create", entity: "movement",
                                      entityID: movement.id?.uuidString, after: definition)
            return .created
        }
        return (plan, outcome)
    }

    static func movements(on db: any Database) async throws -> [(Movement, Plan)] {
        try await Movement.query(on: db).sort(\.$planID).all().map { ($0, try $0.plan()) }
    }

    /// By the plan's id or the movement's UUID.
    static func movement(_ key: String, on db: any Database) async throws -> (Movement, Plan)? {
        let query = Movement.query(on: db)
        if let uuid = UUID(uuidString: key) {
            query.group(.or) { $0.filter(\.$id == uuid).filter(\.$planID == key) }
        } else {
            query.filter(\.$planID == key)
        }
        guard let movement = try await query.first() else { return nil }
        return (movement, try movement.plan())
    }
}
