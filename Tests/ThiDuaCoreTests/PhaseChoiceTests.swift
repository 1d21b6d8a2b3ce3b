import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Which phase and which structure a page shows on a day; what a role writes")
struct PhaseChoiceTests {
    let plan = try! PlanLoader.load(yaml: minimalPlan)
    func day(_ s: String) -> LocalDate { LocalDate(iso: s)! }

    @Test("The phase of the day, else the last begun, else the first")
    func nearest() {
        #expect(plan.phase(nearest: day("2024-09-01"))?.id == "p1")
        #expect(plan.phase(nearest: day("2025-03-01"))?.id == "p2")
        #expect(plan.phase(nearest: day("2026-01-01"))?.id == "p2")
        #expect(plan.phase(nearest: day("2020-01-01"))?.id == "p1")
    }

    @Test("The structure of the day while a phase runs, its last day once over, its first while ahead, a unit's own last day")
    func structure() {
        let p2 = plan.phases[1]
        #expect(p2.structureDate(near: day("2025-05-05")) == day("2025-05-05"))
        #expect(p2.structureDate(near: day("2026-01-01")) == day("2025-08-19"))
        #expect(p2.structureDate(near: day("2025-01-01")) == day("2025-02-04"))
        let old = UnitInfo(level: .commune, kind: "phường", name: "A", validFrom: day("2020-01-01"), validTo: day("2025-06-30"))
        #expect(p2.structureDate(near: day("2026-01-01"), of: old) == day("2025-06-30"))
    }

    @Test("The movement to open: one running, else the one that ended last; for a unit, one it takes part in")
    func current() {
        let m = MergerGraph()
        var later = plan
        later.id = "later"
        later.phases = plan.phases.map { p in
            Phase(id: p.id, name: p.name, start: p.start.adding(days: 400), end: p.end.adding(days: 400))
        }
        let both = [plan, later]
        #expect(Participation.current(both, on: day("2025-03-01"), for: nil, graph: m.graph)?.id == "test-plan")
        #expect(Participation.current(both, on: day("2026-04-01"), for: nil, graph: m.graph)?.id == "later")
        #expect(Participation.current(both, on: day("2027-06-01"), for: nil, graph: m.graph)?.id == "later")
        #expect(Participation.current([], on: day("2025-03-01"), for: nil, graph: m.graph) == nil)
    }

    @Test("What a role writes: every kind, a team's kinds, nothing")
    func kinds() {
        #expect(Permissions.recordKinds(for: .communeOfficer) == RecordKind.allCases)
        #expect(Permissions.recordKinds(for: .teamLeader) == [.informationSource, .patrol, .fireActivity, .propaganda, .reformVisit])
        #expect(Permissions.recordKinds(for: .viewer).isEmpty)
        #expect(Permissions.isCommittee(.secretariat) && !Permissions.isCommittee(.communeOfficer))
        #expect(Permissions.writesCommuneData(.communeOfficer) && !Permissions.writesCommuneData(.teamLeader))
    }
}
