import Foundation
import ThiDuaCore

/// A bar chart drawn on the server: each month's value as a bar, the goal as a line, and the same values as text.
struct TrendChart: Encodable, Equatable {
    struct Bar: Encodable, Equatable {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var label: String
        var labelX: Int
        var value: String
        var status: String
    }
    var id: String
    var title: String
    var description: String
    var width: Int
    var height: Int
    var baseline: Int
    var bars: [Bar]
    var goalY: Int?
    var goalLabel: String?

    static let width = 320, height = 140, top = 12, bottom = 24

    /// `points`: each month's label, value (nil: nothing to show) and status; `goal`: the level to reach, if a
    /// number. The scale runs from 0 to the larger of the goal and the highest value.
    static func make(id: String, title: String, description: String, points: [(label: String, value: Double?, text: String, status: TargetStatus)],
                     goal: Double?, goalLabel: String?) -> TrendChart {
        let top = Self.top, base = Self.height - Self.bottom
        let maximum = max(goal ?? 0, points.compactMap(\.value).max() ?? 0, 1)
        func y(_ v: Double) -> Int { base - Int((Double(base - top) * min(max(v, 0), maximum) / maximum).rounded()) }
        let slot = points.isEmpty ? Self.width : Self.width / points.count
        let bars = points.enumerated().map { i, p -> Bar in
            let barWidth = max(6, slot * 6 / 10)
            let x = i * slot + (slot - barWidth) / 2
            let top = p.value.map(y) ?? base
            return Bar(x: x, y: top, width: barWidth, height: base - top, label: p.label, labelX: i * slot + slot / 2,
                       value: p.text, status: p.status.rawValue)
        }
        return TrendChart(id: id, title: title, description: description, width: Self.width, height: Self.height,
                          baseline: base, bars: bars, goalY: goal.map(y), goalLabel: goalLabel)
    }
}

/// One commune in a movement's phase: each target with its value, goal, progress, projection and what is left to
/// do, a monthly trend per target, the committee's criteria and adjustments, its teams and latest records.
struct CommunePage: Encodable {
    struct TargetRow: Encodable {
        var content: String
        var name: String
        var indicator: String
        var goal: String
        var value: String
        var fraction: String?
        var progress: Int
        var projection: String?
        var status: String
        var statusText: String
        var icon: String
        var points: String
        var hint: String?
        var chart: TrendChart
    }
    struct ScoreRow: Encodable {
        var name: String
        var maxPoints: String
        var selfScore: String
        var reviewedScore: String
    }
    struct AdjustmentRow: Encodable {
        var name: String
        var points: String
    }
    var page: PageChrome
    var unitName: String
    var unitHref: String
    var header: PhaseHeader
    var dashboardHref: String
    var phases: [PageLink]
    var total: String
    var band: String
    var rank: String
    var targetsMet: String
    var completeness: String
    var targets: [TargetRow]
    var criteria: [ScoreRow]
    var adjustments: [AdjustmentRow]
    var teams: [UnitPage.TeamRow]
    var personalDataShown: Bool
    var records: [RecordListPage.Row]
    var recordsHref: String?
    var newRecordHref: String?
    var figuresHref: String?
    /// Citizens' tips waiting in this commune, for those who work them.
    var tips: String? = nil
    var tipsHref: String? = nil
    /// The commune's self-assessment and review of the phase, and its pledge.
    var assessmentHref: String = ""
    var pledgeHref: String = ""
    /// Said when the phase is closed: these are its frozen results.
    var closedNote: String? = nil

    struct Input {
        var plan: Plan
        var movementKey: String
        var phase: Phase
        var window: EvaluationWindow
        var unit: UnitInfo
        var result: UnitResult
        var communeCount: Int
        var population: Int?
        /// The commune's result at each month's end so far (the last is today's).
        var trend: [(month: Month, result: UnitResult)]
        var facts: UnitFacts?
        var teams: [UnitPage.TeamRow]
        var records: [RecordListPage.Row]
        var canWrite: Bool
        /// May set the commune's monthly figures.
        var canWriteFigures = false
        /// Tips waiting in the commune; nil for an account that does not work them.
        var waitingTips: Int? = nil
        var closed: PhaseClosing.Closed? = nil
    }

    static func build(_ input: Input, page: PageChrome, text t: Translator) -> CommunePage {
        let plan = input.plan, r = input.result
        var rows: [TargetRow] = []
        for content in plan.contents {
            for target in content.targets {
                guard let tr = r.targets.first(where: { $0.targetID == target.id }) else { continue }
                let status = TargetStatus(tr, phaseOver: input.window.isOver)
                let value = tr.value.map { t.value($0, for: target.indicator) } ?? t("status.noData")
                var fraction: String?
                if case .ratio = target.indicator, let n = tr.numerator, let d = tr.denominator {
                    fraction = "\(t.number(n)) / \(t.number(d))"
                }
                let hint = Progress.gap(target: target, result: tr, population: input.population).map { gap -> String in
                    switch gap {
                    case let .more(n, measure): t("commune.more", ["count": t.count(n), "what": t.measure(measure)])
                    }
                }
                var goalNumber: Double?
                if case .atLeast(let g) = target.goal { goalNumber = g }
                if case .atMost(let g) = target.goal { goalNumber = g }
                let points = input.trend.map { step -> (label: String, value: Double?, text: String, status: TargetStatus) in
                    let s = step.result.targets.first { $0.targetID == target.id }
                    let v = s?.value
                    return (label: String(format: "%02d/%02d", step.month.month, step.month.year % 100), value: v,
                            text: v.map { t.value($0, for: target.indicator) } ?? "—",
                            status: s.map { TargetStatus($0, phaseOver: false) } ?? .noData)
                }
                let chart = TrendChart.make(
                    id: "chart-\(target.id)", title: t("commune.chartTitle", ["target": target.name]),
                    description: t("commune.chartDescription", ["values": points.map { "\($0.label): \($0.text)" }.joined(separator: "; ")]),
                    points: points, goal: goalNumber, goalLabel: t.goal(target.goal, for: target.indicator))
                rows.append(TargetRow(
                    content: "\(content.number). \(content.name)", name: target.name, indicator: t.indicator(target.indicator),
                    goal: t.goal(target.goal, for: target.indicator), value: value, fraction: fraction,
                    progress: Int(((tr.attainment ?? 0) * 100).rounded()),
                    projection: input.window.isOver ? nil : tr.projection.map { t.value($0, for: target.indicator) },
                    status: status.rawValue, statusText: t("status.\(status.rawValue)"), icon: DashboardPage.icon(status),
                    points: "\(t.number(tr.points, decimals: 2)) / \(t.number(tr.maxPoints))", hint: hint, chart: chart))
            }
        }
        let facts = input.facts
        let criteria = plan.criteria.map { c in
            let a = facts?.assessments[c.id]
            return ScoreRow(name: c.name, maxPoints: t.number(c.points), selfScore: a?.selfScore.map { t.number($0) } ?? "—",
                            reviewedScore: a?.reviewedScore.map { t.number($0) } ?? "—")
        }
        let adjustments = plan.adjustments.compactMap { a -> AdjustmentRow? in
            guard let p = facts?.adjustments[a.id] else { return nil }
            return AdjustmentRow(name: a.name, points: (a.kind == .bonus ? "+" : "−") + t.number(abs(p)))
        }
        let unitID = input.unit.id.uuidString
        return CommunePage(
            page: page, unitName: input.unit.fullName, unitHref: SiteURL.unit(unitID, date: nil).path,
            header: PhaseHeader(plan: plan, phase: input.phase, window: input.window),
            dashboardHref: SiteURL.dashboard(input.movementKey, phase: input.phase.id, query: DashboardQuery()).path,
            phases: plan.phases.map {
                PageLink(label: $0.name, href: SiteURL.communeResults(unitID, movement: input.movementKey, phase: $0.id).path,
                     current: $0.id == input.phase.id)
            },
            total: t.number(r.total, decimals: 2), band: r.classification?.name ?? "—",
            rank: r.rank.map { t("commune.rankOf", ["rank": String($0), "count": t.count(input.communeCount)]) } ?? "—",
            targetsMet: t("commune.targetsMet", ["met": String(r.targetsMet), "count": String(r.targets.count)]),
            completeness: t.percent(r.reportingCompleteness * 100),
            targets: rows, criteria: criteria, adjustments: adjustments, teams: input.teams,
            personalDataShown: input.teams.allSatisfy(\.membersShown), records: input.records,
            recordsHref: SiteURL.records(kind: nil, page: nil).path,
            newRecordHref: input.canWrite ? SiteURL.newRecord(kind: nil).path : nil,
            figuresHref: input.canWriteFigures ? SiteURL.figureSheet(unit: unitID, month: nil).path : nil,
            tips: input.waitingTips.map { $0 == 0 ? t("tips.noneWaiting") : t("tips.waiting", ["count": t.count($0)]) },
            tipsHref: input.waitingTips.map { _ in SiteURL.tips(TipService.Filter(commune: input.unit.id)).path },
            assessmentHref: SiteURL.assessment(unit: unitID, movement: input.movementKey, phase: input.phase.id).path,
            pledgeHref: SiteURL.pledge(unit: unitID, movement: input.movementKey).path,
            closedNote: input.closed.map { t("phase.closedNote", ["date": VietnamTime.display($0.at), "user": $0.by]) })
    }
}
