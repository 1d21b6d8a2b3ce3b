import ThiDuaCore

/// How a plan's indicators and goals read to people, in either language.
struct PlanText {
    let t: (String, [String: String]) -> String

    func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    func measure(_ m: Measure) -> String {
        switch m {
        case let .records(kind, filter, during):
            let what = t("record.\(kind.rawValue)", [:])
            let conditions = filter.map { f in
                "\(t("filter.\(f.field)", [:])): \(t("value.\(f.field).\(f.value)", [:]))"
            }
            let base = conditions.isEmpty ? what : "\(what) (\(conditions.joined(separator: "; ")))"
            return during == .activeAtEnd ? t("measure.activeAtEnd", ["what": base]) : base
        case let .figure(kind, aggregate):
            return t("measure.figure.\(aggregate.rawValue)", ["figure": t("figure.\(kind.rawValue)", [:])])
        }
    }

    func indicator(_ i: Indicator) -> String {
        switch i {
        case .count(let m, false): return t("indicator.count", ["measure": measure(m)])
        case .count(let m, true): return t("indicator.countPerThousand", ["measure": measure(m)])
        case let .ratio(n, d): return t("indicator.ratio", ["numerator": measure(n), "denominator": measure(d)])
        case let .change(m, .previousYear): return t("indicator.changePreviousYear", ["measure": measure(m)])
        case let .change(m, .declared(v)):
            return t("indicator.changeDeclared", ["measure": measure(m), "baseline": number(v)])
        }
    }

    func goal(_ g: Goal, for i: Indicator) -> String {
        let percent: String
        if case .ratio = i { percent = "%" } else { percent = "" }
        switch g {
        case .atLeast(let v): return "≥ \(number(v))\(percent)"
        case .atMost(let v): return "≤ \(number(v))\(percent)"
        case .decrease(nil): return t("goal.decrease", [:])
        case .decrease(let p?): return t("goal.decreaseBy", ["percent": number(p)])
        }
    }
}
