import Fluent
import Foundation
import Testing
import Vapor
@testable import App
@testable import ThiDuaCore

@Suite("Importing plans, and the audit log")
struct PlanImportTests {
    @Test("A plan with problems stores nothing")
    func badPlanStoresNothing() async throws {
        try await withApp { app in
            let bad = try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8)
                .replacingOccurrences(of: "points: 15", with: "points: 16")
                .replacingOccurrences(of: "end: 2025-08-19", with: "end: 2025-01-19")
            await #expect(throws: PlanValidationError.self) {
                try await PlanService.importPlan(yaml: bad, actor: "test", on: app.db)
            }
            do {
                _ = try await PlanService.importPlan(yaml: bad, actor: "test", on: app.db)
            } catch let error as PlanValidationError {
                #expect(error.problems.map(\.key) == ["plan.pointsSum", "plan.phaseEndsBeforeStart"])
            }
            #expect(try await Movement.query(on: app.db).count() == 0)
            #expect(try await AuditEntry.query(on: app.db).count() == 0)
        }
    }

    @Test("Loading, reloading unchanged, and updating a plan; each change audited")
    func importOutcomes() async throws {
        try await withApp { app in
            let yaml = try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8)
            let (plan, first) = try await PlanService.importPlan(yaml: yaml, actor: "test", on: app.db)
            #expect(first == .created)
            #expect(plan.targets.count == 9)
            let (_, second) = try await PlanService.importPlan(yaml: yaml, actor: "test", on: app.db)
            #expect(second == .unchanged)
            let changed = yaml.replacingOccurrences(of: "name: Đợt 1\n", with: "name: Đợt một\n")
            let (updated, third) = try await PlanService.importPlan(yaml: changed, actor: "test", on: app.db)
            #expect(third == .updated)
            #expect(updated.phases[0].name == "Đợt một")
            #expect(try await Movement.query(on: app.db).count() == 1)
            let actions = try await AuditEntry.query(on: app.db).sort(\.$seq).all().map(\.action)
            #expect(actions == ["plan.create", "plan.update"])
            let (_, stored) = try #require(try await PlanService.movement("uong-bi-2024-2025", on: app.db))
            #expect(stored == updated)
        }
    }

    @Test("The movement API gives the plan's phases, contents and targets")
    func movementAPI() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025") { res in
                #expect(res.status == .ok)
                let m = try res.content.decode(APIModels.MovementDetail.self)
                #expect(m.phases.map(\.start) == ["2024-08-19", "2025-02-04"])
                #expect(m.phases.map(\.days) == [169, 197])
                #expect(m.contents.count == 7)
                #expect(m.contents.flatMap(\.targets).count == 9)
                #expect(m.contents[0].targets[0].indicator.kind == "ratio")
                #expect(m.contents[0].targets[0].goal.value == 80)
                #expect(m.contents[0].targets[0].indicator.numerator?.filter == ["category": "social_order", "origin": "people"])
                #expect(m.totalPoints == 100)
            }
            try await app.testing().test(.GET, "/api/v1/movements/no-such-plan") { res in
                #expect(res.status == .notFound)
                let p = try problem(res)
                #expect(p.detail == "Không có phong trào này.")
            }
            try await app.testing().test(.GET, "/api/v1/movements/no-such-plan", headers: ["Cookie": "thidua_lang=en"]) { res in
                let p = try problem(res)
                #expect(p.detail == "There is no such movement.")
            }
        }
    }

    @Test("The audit chain verifies, and shows an edited or deleted entry")
    func auditChain() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await loadDemo(app)
            #expect(try await AuditLog.verify(on: app.db) == .intact(entries: 3))
            let second = try #require(try await AuditEntry.query(on: app.db).filter(\.$seq == 2).first())
            second.actor = "someone-else"
            try await second.update(on: app.db)
            #expect(try await AuditLog.verify(on: app.db) == .broken(seq: 2, reason: "content"))
            second.actor = "demo"
            try await second.update(on: app.db)
            #expect(try await AuditLog.verify(on: app.db) == .intact(entries: 3))
            try await second.delete(on: app.db)
            #expect(try await AuditLog.verify(on: app.db) == .broken(seq: 2, reason: "missing"))
        }
    }
}
