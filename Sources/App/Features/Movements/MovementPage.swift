import ThiDuaCore

/// The movement page: theme, phases, contents with their targets, the committee's criteria and the bands.
struct MovementPage: Encodable {
    struct PhaseRow: Encodable {
        var name: String
        var start: String
        var end: String
        var days: Int
        var occasion: String?
        /// past, current or upcoming, on the day the page is shown.
        var state: String
        var stateText: String
        /// The phase's ranking, once published.
        var rankingHref: String?
    }
    struct TargetRow: Encodable {
        var name: String
        var indicator: String
        var goal: String
        var points: String
        /// Said only when a goal not met earns nothing (`all_or_nothing`); proportional is the rule stated once.
        var scoring: String?
    }
    struct ContentRow: Encodable {
        var number: Int
        var name: String
        var targets: [TargetRow]
    }
    struct PointsRow: Encodable {
        var name: String
        var points: String
    }

    var page: PageChrome
    var planID: String
    var theme: String
    var organiser: String
    var phases: [PhaseRow]
    var contents: [ContentRow]
    var criteria: [PointsRow]
    var adjustments: [PointsRow]
    var bands: [PointsRow]
    var totalPoints: String
    var targetCount: Int
    var illustrative: Bool

    /// Pure: the same plan, day and language always give the same page.
    static func build(plan: Plan, today: LocalDate, page: PageChrome, text: Translator, published: Set<String> = []) -> MovementPage {
        let phases = plan.phases.map { p -> PhaseRow in
            let state = today < p.start ? "upcoming" : (today > p.end ? "past" : "current")
            return PhaseRow(name: p.name, start: p.start.display, end: p.end.display, days: p.span.dayCount,
                            occasion: p.occasion, state: state, stateText: text("phase.\(state)"),
                            rankingHref: published.contains(p.id) ? SiteURL.ranking(plan.id, phase: p.id).path : nil)
        }
        let contents = plan.contents.map { c in
            ContentRow(number: c.number, name: c.name, targets: c.targets.map { target in
                TargetRow(name: target.name, indicator: text.indicator(target.indicator),
                          goal: text.goal(target.goal, for: target.indicator), points: text.number(target.points),
                          scoring: target.scoring == .allOrNothing ? text("scoring.allOrNothing") : nil)
            })
        }
        let organiser = plan.organiser.shortName.map { "\(plan.organiser.name) (\($0))" } ?? plan.organiser.name
        return MovementPage(
            page: page, planID: plan.id, theme: plan.theme, organiser: organiser, phases: phases, contents: contents,
            criteria: plan.criteria.map { PointsRow(name: $0.name, points: text.number($0.points)) },
            adjustments: plan.adjustments.map {
                PointsRow(name: $0.name, points: ($0.kind == .bonus ? "+" : "−") + text.number($0.maxPoints))
            },
            bands: plan.classification.map { PointsRow(name: $0.name, points: "≥ " + text.number($0.minPoints)) },
            totalPoints: text.number(plan.totalPoints), targetCount: plan.targets.count, illustrative: plan.isIllustrative)
    }
}

struct MovementListPage: Encodable {
    struct Row: Encodable {
        var planID: String
        var href: String
        var theme: String
        var organiser: String
        var span: String
        var illustrative: Bool
    }
    var page: PageChrome
    var movements: [Row]

    static func build(plans: [Plan], page: PageChrome) -> MovementListPage {
        MovementListPage(page: page, movements: plans.map { plan in
            let span = plan.phases.first.map { first in "\(first.start.display) – \(plan.phases.last!.end.display)" } ?? ""
            return Row(planID: plan.id, href: SiteURL.movement(plan.id).path, theme: plan.theme, organiser: plan.organiser.shortName ?? plan.organiser.name,
                       span: span, illustrative: plan.isIllustrative)
        })
    }
}
