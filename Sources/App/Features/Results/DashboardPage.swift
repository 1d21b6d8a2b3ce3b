import Foundation
import ThiDuaCore

/// What the dashboard is asked for: sorting, filters and the page, all in the link (no JavaScript).
struct DashboardQuery: Sendable, Equatable {
    enum Sort: Sendable, Equatable {
        case rank, name, total, completeness
        case target(String)

        init?(_ text: String) {
            switch text {
            case "rank": self = .rank
            case "name": self = .name
            case "total": self = .total
            case "completeness": self = .completeness
            default:
                guard text.hasPrefix("t."), text.count > 2 else { return nil }
                self = .target(String(text.dropFirst(2)))
            }
        }

        var text: String {
            switch self {
            case .rank: "rank"
            case .name: "name"
            case .total: "total"
            case .completeness: "completeness"
            case .target(let id): "t." + id
            }
        }
    }

    var sort: Sort = .rank
    /// Descending: the best first for points and values, Z to A for names, the last rank first.
    var descending = false
    /// A province or district: only its communes, with its roll-up.
    var area: UUID?
    /// A classification band's id.
    var band: String?
    var page = 1
    /// The structure date asked for, if not the phase's last day.
    var structureDate: LocalDate?

    /// 25 communes a page keep a page's HTML near 60 KB (a row with its nine targets and months is about 2 KB).
    static let pageSize = 25
    /// More communes than this and no area chosen: the dashboard lists provinces first.
    static let groupAbove = 200
}

/// The movement dashboard: every commune of a phase by target, with points, band, rank and completeness.
struct DashboardPage: Encodable {
    struct Column: Encodable {
        var label: String
        var goal: String?
        /// A target's name, for screen readers and the key under the table.
        var fullName: String? = nil
        /// Sorts by this column; nil for a column that does not sort.
        var href: String?
        /// ascending, descending or none, for `aria-sort`.
        var sorted: String
        var numeric: Bool
    }
    struct Cell: Encodable {
        var text: String
        var status: String
        var icon: String
        var statusText: String
    }
    struct Row: Encodable {
        var name: String
        var href: String?
        var note: String?
        var cells: [Cell]
        var targetPoints: String
        var otherPoints: String
        var total: String
        var band: String
        var rank: String
        var completeness: String
        /// Each month of the phase so far with its approval state, and how many are approved.
        var months: [MonthMark]
        var monthsApproved: String
    }
    struct MonthMark: Encodable {
        var label: String
        var state: String
        var icon: String
        var stateText: String
    }
    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    var page: PageChrome
    var header: PhaseHeader
    var structureDate: String
    var structureDateISO: String
    var phases: [PageLink]
    var areaOptions: [Option]
    var bandOptions: [Option]
    var sort: String
    var direction: String
    var formAction: String
    var columns: [Column]
    var rows: [Row]
    var rollup: Row?
    /// Provinces, when there are too many communes for one list and no area is chosen.
    var grouped: Bool
    var shown: String
    var pages: [PageLink]
    var monthLegend: [MonthMark]
    var legend: [Cell]
    /// The targets' numbers and names.
    var key: [Column]
    var formula: String
    var empty: Bool
    /// Whether the phase's ranking is public, its link, and the switch for those who may turn it.
    var published: Bool
    var rankingHref: String
    var publishAction: String?
    var review: ReviewSection

    /// Where the phase's review stands: pledges, closing, what changed after closing.
    struct ReviewSection: Encodable {
        var pledges: String
        var pledgesHref: String
        var closedNote: String?
        var closeAction: String?
        var lateHref: String?
        /// The review report of the phase, for the committee.
        var reportHref: String?
        var nominationsHref: String
    }

    struct Input {
        var plan: Plan
        var movementKey: String
        var phase: Phase
        var window: EvaluationWindow
        var structureDate: LocalDate
        var results: [UnitResult]
        var facts: [UUID: UnitFacts]
        var graph: UnitGraph
        var query: DashboardQuery
        /// The phase's months so far, and each commune's approval state of them (missing: not submitted).
        var months: [Month] = []
        var monthStates: [UUID: [Month: MonthState]] = [:]
        var published = false
        var canPublish = false
        var closed: PhaseClosing.Closed? = nil
        /// The committee's, once the phase is over.
        var canClose = false
        var pledged = 0
    }

    /// Pure: the same input, translator and frame always give the same page.
    static func build(_ input: Input, page: PageChrome, text t: Translator) -> DashboardPage {
        let plan = input.plan, query = input.query, graph = input.graph, date = input.structureDate
        func url(_ change: (inout DashboardQuery) -> Void) -> String {
            var q = query
            change(&q)
            return SiteURL.dashboard(input.movementKey, phase: input.phase.id, query: q).path
        }

        // Areas to filter by: the provinces and districts over the communes that take part.
        var areaIDs: Set<UUID> = []
        for r in input.results {
            for level in [UnitLevel.province, .district] {
                if let a = graph.ancestor(of: r.unit.id, at: level, on: date) { areaIDs.insert(a) }
            }
        }
        let areas = areaIDs.compactMap { graph.units[$0] }
            .sorted { $0.level == $1.level ? UnitGraph.naturalOrder($0, $1) : $0.level < $1.level }
        let area = query.area.flatMap { id in areas.first { $0.id == id } }

        var rows = input.results
        if let area { rows = rows.filter { graph.isDescendant($0.unit.id, of: area.id, on: date) } }
        let inArea = rows
        if let band = query.band { rows = rows.filter { $0.classification?.id == band } }
        let grouped = area == nil && query.band == nil && rows.count > DashboardQuery.groupAbove

        let targets = plan.targets
        func cells(_ r: UnitResult) -> [Cell] {
            targets.map { target in
                guard let tr = r.targets.first(where: { $0.targetID == target.id }) else {
                    return Cell(text: "—", status: "noData", icon: icon(.noData), statusText: t("status.noData"))
                }
                let status = TargetStatus(tr, phaseOver: input.window.isOver)
                var text = tr.value.map { t.value($0, for: target.indicator) } ?? "—"
                if let c = tr.communes { text += " (\(c.counted)/\(c.total))" }
                return Cell(text: text, status: status.rawValue, icon: icon(status), statusText: t("status.\(status.rawValue)"))
            }
        }
        func marks(_ unit: UUID) -> [MonthMark] {
            input.months.map { m in
                let state = input.monthStates[unit]?[m] ?? .open
                return MonthMark(label: String(format: "%02d", m.month), state: state.rawValue, icon: monthIcon(state),
                                 stateText: t("month.state.\(state.rawValue)"))
            }
        }
        func row(_ r: UnitResult, href: String?, note: String? = nil, ranked: Bool = true, communes: [UUID]? = nil) -> Row {
            let other = r.criteriaPoints + r.adjustmentPoints
            // A commune's months one by one; a roll-up's approved months over all its communes'.
            let ids = communes ?? [r.unit.id]
            let approved = MonthReview.approvedCount(input.months, of: ids, states: input.monthStates)
            return Row(name: r.unit.fullName, href: href, note: note, cells: cells(r), targetPoints: t.number(r.targetPoints, decimals: 2),
                       otherPoints: (other > 0 ? "+" : "") + t.number(other, decimals: 2), total: t.number(r.total, decimals: 2),
                       band: r.classification?.name ?? "—", rank: ranked ? (r.rank.map(String.init) ?? "—") : "",
                       completeness: t.percent(r.reportingCompleteness * 100),
                       months: communes == nil ? marks(r.unit.id) : [],
                       monthsApproved: t("dashboard.monthsApproved", ["approved": t.count(approved), "count": t.count(input.months.count * ids.count)]))
        }

        var shownRows: [Row] = []
        var pages: [PageLink] = []
        var shown = ""
        if grouped {
            // One roll-up per province, each a link to its communes.
            let provinces = areas.filter { $0.level == .province }
            shownRows = provinces.map { p in
                let communes = rows.filter { graph.isDescendant($0.unit.id, of: p.id, on: date) }
                let r = Evaluator.rollUp(plan: plan, window: input.window, unit: p,
                                         communes: communes.compactMap { input.facts[$0.unit.id] })
                return row(r, href: url { $0.area = p.id; $0.page = 1 },
                           note: t("dashboard.communes", ["count": t.count(communes.count)]), ranked: false,
                           communes: communes.map(\.unit.id))
            }
            shown = t("dashboard.shownProvinces", ["count": t.count(provinces.count), "communes": t.count(rows.count)])
        } else {
            rows.sort(by: order(query, targets: targets))
            let pageCount = max(1, (rows.count + DashboardQuery.pageSize - 1) / DashboardQuery.pageSize)
            let current = min(max(1, query.page), pageCount)
            let slice = rows.dropFirst((current - 1) * DashboardQuery.pageSize).prefix(DashboardQuery.pageSize)
            shownRows = slice.map { row($0, href: SiteURL.communeResults($0.unit.id.uuidString, movement: input.movementKey,
                                                                           phase: input.phase.id).path) }
            if pageCount > 1 {
                pages = (1...pageCount).map { n in PageLink(label: String(n), href: url { $0.page = n }, current: n == current) }
            }
            shown = rows.isEmpty ? "" : t("dashboard.shown", [
                "from": t.count((current - 1) * DashboardQuery.pageSize + 1),
                "to": t.count((current - 1) * DashboardQuery.pageSize + slice.count), "count": t.count(rows.count)])
        }

        // The roll-up of the area chosen, or of every commune that takes part.
        var rollup: Row?
        if !inArea.isEmpty {
            let unit = area ?? UnitInfo(id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), level: UnitLevel.province,
                                        kind: "", name: t("dashboard.allUnits"), validFrom: input.phase.start)
            let r = Evaluator.rollUp(plan: plan, window: input.window, unit: unit,
                                     communes: inArea.compactMap { input.facts[$0.unit.id] })
            rollup = row(r, href: nil, note: t("dashboard.rollupNote", ["count": t.count(inArea.count)]), ranked: false,
                         communes: inArea.map(\.unit.id))
        }

        func column(_ label: String, goal: String? = nil, sort: DashboardQuery.Sort?, numeric: Bool = true) -> Column {
            guard let sort else { return Column(label: label, goal: goal, href: nil, sorted: "none", numeric: numeric) }
            let active = query.sort == sort
            // A first click sorts the best first: high values and points, low ranks, A to Z.
            let firstDescending = sort != .rank && sort != .name
            let descending = active ? !query.descending : firstDescending
            return Column(label: label, goal: goal, href: url { $0.sort = sort; $0.descending = descending; $0.page = 1 },
                          sorted: active ? (query.descending ? "descending" : "ascending") : "none", numeric: numeric)
        }
        var columns = [column(t("dashboard.unit"), sort: .name, numeric: false)]
        // Targets by their number ("1.1"): nine full names would make the table too wide for any screen; the key
        // under the table names each, and a screen reader hears the name with the number.
        let numbered = plan.contents.flatMap { c in c.targets.enumerated().map { (c.number, $0.offset + 1, $0.element) } }
        columns += numbered.map { n, i, target in
            var c = column("\(n).\(i)", goal: t.goal(target.goal, for: target.indicator), sort: .target(target.id))
            c.fullName = target.name
            return c
        }
        columns += [column(t("dashboard.targetPoints"), sort: nil), column(t("dashboard.otherPoints"), sort: nil),
                    column(t("dashboard.total"), sort: .total), column(t("dashboard.band"), sort: nil, numeric: false),
                    column(t("dashboard.rank"), sort: .rank), column(t("dashboard.completeness"), sort: .completeness),
                    column(t("dashboard.months"), sort: nil, numeric: false)]

        return DashboardPage(
            page: page, header: PhaseHeader(plan: plan, phase: input.phase, window: input.window),
            structureDate: date.display, structureDateISO: date.iso,
            phases: plan.phases.map { p in
                PageLink(label: p.name, href: SiteURL.dashboard(input.movementKey, phase: p.id, query: DashboardQuery()).path,
                     current: p.id == input.phase.id)
            },
            areaOptions: [Option(value: "", label: t("dashboard.allAreas"), selected: area == nil)]
                + areas.map { Option(value: $0.id.uuidString, label: $0.fullName, selected: $0.id == area?.id) },
            bandOptions: [Option(value: "", label: t("dashboard.allBands"), selected: query.band == nil)]
                + plan.classification.map { Option(value: $0.id, label: $0.name, selected: $0.id == query.band) },
            sort: query.sort.text, direction: query.descending ? "desc" : "asc",
            formAction: SiteURL.dashboard(input.movementKey, phase: input.phase.id, query: DashboardQuery()).path,
            columns: columns, rows: shownRows, rollup: rollup, grouped: grouped, shown: shown, pages: pages,
            monthLegend: MonthState.allCases.map {
                MonthMark(label: "", state: $0.rawValue, icon: monthIcon($0), stateText: t("month.state.\($0.rawValue)"))
            },
            legend: TargetStatus.allCases.map { Cell(text: "", status: $0.rawValue, icon: icon($0), statusText: t("status.\($0.rawValue)")) },
            key: columns.filter { $0.fullName != nil }, formula: t("results.formula"), empty: input.results.isEmpty,
            published: input.published, rankingHref: SiteURL.ranking(input.movementKey, phase: input.phase.id).path,
            publishAction: input.canPublish ? SiteURL.publish(input.movementKey, phase: input.phase.id).path : nil,
            review: ReviewSection(
                pledges: t("pledges.summary", ["pledged": String(input.pledged), "all": String(input.results.count)]),
                pledgesHref: SiteURL.pledges(input.movementKey).path,
                closedNote: input.closed.map { t("phase.closedNote", ["date": VietnamTime.display($0.at), "user": $0.by]) },
                closeAction: input.closed == nil && input.canClose ? SiteURL.closePhase(input.movementKey, phase: input.phase.id).path : nil,
                lateHref: input.closed != nil && input.canPublish ? SiteURL.lateChanges(input.movementKey, phase: input.phase.id).path : nil,
                reportHref: input.canPublish ? SiteURL.report(input.movementKey, phase: input.phase.id, format: nil).path : nil,
                nominationsHref: SiteURL.nominations(input.movementKey, status: nil).path))
    }

    static func monthIcon(_ state: MonthState) -> String {
        switch state {
        case .open: "·"
        case .submitted: "⇡"
        case .returned: "↩"
        case .approved: "✓"
        }
    }

    /// A mark that differs in shape, not only in colour.
    static func icon(_ status: TargetStatus) -> String {
        switch status {
        case .met: "✓"
        case .onTrack: "↗"
        case .atRisk: "!"
        case .missed: "✗"
        case .noData: "–"
        }
    }

    /// The order of the rows; ties fall back on the rank, then the name, so that paging is stable.
    static func order(_ q: DashboardQuery, targets: [Target]) -> (UnitResult, UnitResult) -> Bool {
        func key(_ r: UnitResult) -> Double? {
            switch q.sort {
            case .rank, .name: nil
            case .total: r.total
            case .completeness: r.reportingCompleteness
            case .target(let id): r.targets.first { $0.targetID == id }?.value
            }
        }
        return { a, b in
            switch q.sort {
            case .name:
                let c = UnitGraph.naturalCompare(a.unit.name, b.unit.name)
                if c != 0 { return q.descending ? c > 0 : c < 0 }
            case .rank:
                let (ra, rb) = (a.rank ?? Int.max, b.rank ?? Int.max)
                if ra != rb { return q.descending ? ra > rb : ra < rb }
            default:
                // Units without a value go last either way.
                switch (key(a), key(b)) {
                case let (x?, y?) where x != y: return q.descending ? x > y : x < y
                case (_?, nil): return true
                case (nil, _?): return false
                default: break
                }
            }
            let (ra, rb) = (a.rank ?? Int.max, b.rank ?? Int.max)
            if ra != rb { return ra < rb }
            return UnitGraph.naturalCompare(a.unit.name, b.unit.name) < 0
        }
    }
}
