import Foundation
import Testing
@testable import ThiDuaCore

/// The shipped plan file, read from the repository.
func shippedPlanYAML() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("Resources/Plans/uong-bi-2024-2025.yaml"), encoding: .utf8)
}

/// A small valid plan; tests change one thing at a time. Line numbers below are counted on this text.
let minimalPlan = """
format: 1
id: test-plan
theme: Thi đua thử
organiser: {name: Ban Chỉ đạo thử}
total_points: 30
phases:
  - {id: p1, name: Đợt 1, start: 2024-08-19, end: 2025-02-03}
  - {id: p2, name: Đợt 2, start: 2025-02-04, end: 2025-08-19}
contents:
  - id: c1
    number: 1
    name: Nắm tình hình
    targets:
      - id: tips
        name: Nguồn tin từ Nhân dân
        indicator:
          ratio:
            numerator: {records: information_source, where: {origin: people}}
            denominator: {records: information_source}
        goal: {at_least: 80}
        points: 20
      - id: accidents
        name: Tai nạn giao thông
        indicator:
          change: {figure: traffic_accidents, aggregate: sum, baseline: previous_year}
        goal: {decrease: true}
        points: 10
classification:
  - {id: good, name: Tốt, min_points: 20}
  - {id: rest, name: Còn lại, min_points: 0}
"""

func problems(_ yaml: String) -> [PlanProblem] {
    do {
        _ = try PlanLoader.load(yaml: yaml)
        return []
    } catch {
        return error.problems
    }
}

@Suite("Plan files: loading and validation")
struct PlanLoaderTests {
    @Test("The shipped Uông Bí plan: 2 phases, 7 contents, 9 targets, 100 points")
    func shippedPlan() throws {
        let plan = try PlanLoader.load(yaml: try shippedPlanYAML())
        #expect(plan.id == "uong-bi-2024-2025")
        #expect(plan.theme.hasPrefix("Lực lượng mới, khí thế mới, thi đua hỗ trợ Công an cấp xã"))
        #expect(plan.theme.hasSuffix("các sự kiện lớn của đất nước năm 2025"))
        #expect(plan.organiser.shortName == "BCĐ 138/UB")
        #expect(plan.phases.map(\.id) == ["dot-1", "dot-2"])
        #expect(plan.phases[0].start == LocalDate(iso: "2024-08-19"))
        #expect(plan.phases[0].end == LocalDate(iso: "2025-02-03"))
        #expect(plan.phases[1].start == LocalDate(iso: "2025-02-04"))
        #expect(plan.phases[1].end == LocalDate(iso: "2025-08-19"))
        #expect(plan.phases[0].occasion?.contains("95 năm") == true)
        #expect(plan.contents.count == 7)
        #expect(plan.contents.map(\.number) == [1, 2, 3, 4, 5, 6, 7])
        #expect(plan.targets.count == 9)
        #expect(plan.totalPoints == 100)
        #expect(plan.declaredPoints == 100)
        #expect(plan.criteria.map(\.id) == ["tuyen-truyen-luat", "phoi-hop"])
        #expect(plan.classification.map(\.minPoints) == [90, 75, 50, 0])

        let byID = Dictionary(uniqueKeysWithValues: plan.targets.map { ($0.id, $0) })
        #expect(byID["nguon-tin-nhan-dan"]?.goal == .atLeast(80))
        #expect(byID["nguon-tin-nhan-dan"]?.indicator == .ratio(
            numerator: .records(.informationSource, filter: [RecordFilter(field: "category", value: "social_order"),
                                                             RecordFilter(field: "origin", value: "people")], during: .phase),
            denominator: .records(.informationSource, filter: [RecordFilter(field: "category", value: "social_order")],
                                  during: .phase)))
        #expect(byID["mo-hinh-hieu-qua"]?.indicator == .count(.records(.model, filter: [RecordFilter(field: "effective", value: "true")], during: .activeAtEnd), perThousand: false))
        #expect(byID["mo-hinh-hieu-qua"]?.goal == .atLeast(1))
        #expect(byID["pccc-phoi-hop"]?.goal == .atLeast(100))
        #expect(byID["can-cuoc-duoi-14"]?.indicator == .ratio(numerator: .figure(.under14WithIdCard, .latest),
                                                              denominator: .figure(.under14Population, .latest)))
        #expect(byID["dinh-danh-dien-tu"]?.goal == .atLeast(80))
        for id in ["tai-pham", "tai-nan-giao-thong", "dua-xe-trai-phep"] {
            #expect(byID[id]?.goal == .decrease(byPercent: nil))
        }
        #expect(byID["tai-nan-giao-thong"]?.indicator == .change(.figure(.trafficAccidents, .sum), baseline: .previousYear))
        #expect(byID["dien-hinh"]?.indicator == .count(.records(.exemplar, filter: [], during: .phase), perThousand: false))
        #expect(plan.phase(containing: LocalDate(iso: "2025-02-03")!)?.id == "dot-1")
        #expect(plan.phase(containing: LocalDate(iso: "2025-02-04")!)?.id == "dot-2")
        #expect(plan.phase(containing: LocalDate(iso: "2025-08-20")!) == nil)
    }

    @Test("The minimal test plan is valid")
    func minimal() throws {
        let plan = try PlanLoader.load(yaml: minimalPlan)
        #expect(plan.targets.count == 2)
        #expect(plan.missingDataPoints == 0)
        #expect(plan.area == [])
    }

    @Test("A missing field names the field and its line")
    func missingField() {
        let yaml = minimalPlan.replacingOccurrences(of: "theme: Thi đua thử\n", with: "")
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.key == "plan.missingField")
        #expect(found.first?.arguments["field"] == "theme")
        #expect(found.first?.line == 1)
    }

    @Test("An unknown field is reported where it is, with the allowed ones")
    func unknownField() {
        let yaml = minimalPlan.replacingOccurrences(of: "        points: 20", with: "        points: 20\n        pionts: 3")
        let found = problems(yaml)
        #expect(found.map(\.key) == ["plan.unknownField"])
        #expect(found.first?.arguments["field"] == "pionts")
        #expect(found.first?.line == 22)
        #expect(found.first?.arguments["allowed"] == "id, name, indicator, goal, points, scoring")
    }

    @Test("A duplicate id points at the second use and the line of the first")
    func duplicateID() {
        let yaml = minimalPlan.replacingOccurrences(of: "      - id: accidents", with: "      - id: tips")
        let found = problems(yaml)
        #expect(found.map(\.key) == ["plan.duplicateId"])
        #expect(found.first?.arguments["id"] == "tips")
        #expect(found.first?.arguments["firstLine"] == "14")
        #expect(found.first?.line == 22)
    }

    @Test("A phase that ends before it starts")
    func phaseBackwards() {
        let yaml = minimalPlan.replacingOccurrences(of: "start: 2025-02-04, end: 2025-08-19", with: "start: 2025-08-19, end: 2025-02-04")
        let found = problems(yaml)
        #expect(found.map(\.key) == ["plan.phaseEndsBeforeStart"])
        #expect(found.first?.line == 8)
        #expect(found.first?.arguments["end"] == "04/02/2025")
    }

    @Test("Overlapping phases, even by one day")
    func overlap() {
        let yaml = minimalPlan.replacingOccurrences(of: "start: 2025-02-04", with: "start: 2025-02-03")
        let found = problems(yaml)
        #expect(found.map(\.key) == ["plan.phasesOverlap"])
        #expect(found.first?.arguments == ["id": "p2", "other": "p1"])
    }

    @Test("A goal that does not fit its indicator", arguments: [
        ("goal: {at_least: 80}", "goal: {decrease: true}", "plan.decreaseNeedsChange"),
        ("goal: {decrease: true}", "goal: {at_least: 3}", "plan.goalNeedsDecrease"),
        ("goal: {at_least: 80}", "goal: {at_least: 120}", "plan.goalOutOfRange"),
        ("goal: {decrease: true}", "goal: {decrease: 150}", "plan.goalOutOfRange"),
        ("goal: {at_least: 80}", "goal: {at_least: 80, at_most: 90}", "plan.goalKind"),
    ])
    func goalMismatch(original: String, replacement: String, key: String) {
        let found = problems(minimalPlan.replacingOccurrences(of: original, with: replacement))
        #expect(found.map(\.key) == [key])
    }

    @Test("A count goal must be a whole number")
    func countGoal() {
        let yaml = minimalPlan.replacingOccurrences(
            of: "ratio:\n            numerator: {records: information_source, where: {origin: people}}\n            denominator: {records: information_source}",
            with: "count: {records: exemplar}").replacingOccurrences(of: "goal: {at_least: 80}", with: "goal: {at_least: 1.5}")
        #expect(problems(yaml).map(\.key) == ["plan.goalNotWholeCount"])
    }

    @Test("Points that do not add up to the declared total")
    func pointsSum() {
        let found = problems(minimalPlan.replacingOccurrences(of: "points: 20", with: "points: 25"))
        #expect(found.map(\.key) == ["plan.pointsSum"])
        #expect(found.first?.arguments == ["declared": "35", "total": "30"])
        #expect(found.first?.line == 5)
    }

    @Test("Unknown record kinds, filter fields and values name what is allowed")
    func unknownValues() {
        let yaml = minimalPlan
            .replacingOccurrences(of: "{records: information_source, where: {origin: people}}",
                                  with: "{records: information_source, where: {origin: aliens, colour: red}}")
            .replacingOccurrences(of: "denominator: {records: information_source}", with: "denominator: {records: rumours}")
        let found = problems(yaml)
        #expect(found.map(\.key) == ["plan.unknownValue", "plan.unknownField", "plan.unknownValue"])
        #expect(found[0].arguments["value"] == "aliens")
        #expect(found[1].arguments["field"] == "colour")
        #expect(found[2].arguments["value"] == "rumours")
    }

    @Test("Every problem at once, in file order")
    func allAtOnce() {
        let yaml = minimalPlan
            .replacingOccurrences(of: "format: 1", with: "format: 2")
            .replacingOccurrences(of: "start: 2024-08-19", with: "start: 2024-02-30")
            .replacingOccurrences(of: "        points: 10", with: "        points: -10")
            .replacingOccurrences(of: "min_points: 0", with: "min_points: 5")
        let found = problems(yaml)
        #expect(found.map(\.key) == ["plan.unsupportedFormat", "plan.pointsSum", "plan.notDate", "plan.negativePoints",
                                     "plan.bandsNeedZero"])
        #expect(found.map(\.line) == [1, 5, 7, 27, 29])
    }

    @Test("Broken YAML gives its line", arguments: [
        ("format: 1\nid: [unclosed\n", "plan.yamlSyntax"),
        ("format: 1\nformat: 2\n", "plan.duplicateKey"),
        ("", "plan.empty"),
        ("- just\n- a list\n", "plan.notMapping"),
    ])
    func brokenYAML(yaml: String, key: String) {
        let found = problems(yaml)
        #expect(found.first?.key == key)
        #expect(found.count == 1)
    }
}
