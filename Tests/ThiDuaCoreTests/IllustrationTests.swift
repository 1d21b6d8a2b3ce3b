import Foundation
import Testing
@testable import ThiDuaCore

@Suite("An illustrative plan: the seed plan re-dated to hold today")
struct IllustrationTests {
    @Test("Phase 2 begins 60 days before today; every date moves by the same days; id, flag and theme note")
    func redate() throws {
        let yaml = minimalPlan
        let plan = try PlanLoader.load(yaml: yaml)
        let today = try #require(LocalDate(iso: "2026-11-29"))
        // Phase 2 began on 04/02/2025; 60 days before 29/11/2026 is 30/09/2026: 603 days later.
        let days = try #require(Illustration.offset(plan: plan, phase: 1, today: today, daysInto: 60))
        #expect(days == 603)
        let text = try #require(Illustration.redated(yaml: yaml, days: days, id: "thu-minh-hoa", themeNote: "(Minh họa)"))
        let moved = try PlanLoader.load(yaml: text)
        #expect(moved.id == "thu-minh-hoa")
        #expect(moved.isIllustrative)
        #expect(moved.theme == "(Minh họa) Thi đua thử")
        #expect(moved.phases.map(\.start.iso) == ["2026-04-14", "2026-09-30"])
        #expect(moved.phases.map(\.end.iso) == ["2026-09-29", "2027-04-14"])
        #expect(moved.phase(containing: today)?.id == "p2")
        // Lengths kept: 169 and 197 days.
        #expect(moved.phases.map(\.span.dayCount) == plan.phases.map(\.span.dayCount))
        // More days in than the phase has: today is its last day.
        #expect(Illustration.offset(plan: plan, phase: 1, today: today, daysInto: 500).map { plan.phases[1].end.adding(days: $0) } == today)
        #expect(Illustration.offset(plan: plan, phase: 5, today: today, daysInto: 0) == nil)
        #expect(Illustration.redated(yaml: "format: 1\n", days: 1, id: "x", themeNote: "y") == nil)
    }

    @Test("The shipped plan re-dates whole: its folded theme gets the note")
    func shipped() throws {
        let yaml = try shippedPlanYAML()
        let text = try #require(Illustration.redated(yaml: yaml, days: 365, id: "uong-bi-minh-hoa", themeNote: "(Minh họa)"))
        let plan = try PlanLoader.load(yaml: text)
        #expect(plan.theme.hasPrefix("(Minh họa) Lực lượng mới, khí thế mới"))
        #expect(plan.phases.map(\.start.iso) == ["2025-08-19", "2026-02-04"])
        #expect(plan.targets.count == 9 && plan.isIllustrative)
    }
}
