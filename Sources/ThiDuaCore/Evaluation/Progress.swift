import Foundation

/// Where a target stands on the day of the results, as people read it: never colour alone, always one of these.
public enum TargetStatus: String, Codable, Hashable, Sendable, CaseIterable {
    /// The goal is met as of today.
    case met
    /// Not met yet, but the run so far meets it by the phase's end.
    case onTrack
    /// Not met, and the run so far misses it by the phase's end.
    case atRisk
    /// Not met and no time left (the phase is over), or no projection to hope on.
    case missed
    /// Nothing to measure: no denominator, no figure reported, or the phase not begun.
    case noData

    /// `phaseOver`: the window reaches the phase's last day, so a goal not met is missed for good.
    public init(_ r: TargetResult, phaseOver: Bool) {
        if r.noData { self = .noData }
        else if r.met { self = .met }
        else if r.atRisk { self = .atRisk }
        else if r.projection != nil && !phaseOver { self = .onTrack }
        else { self = .missed }
    }
}

/// What a commune must still do to meet a target as it stands: so many more records (or figures) of the measure
/// the target counts. Only goals that more work can reach have one; a ceiling ("at most", "decrease") has none.
public enum TargetGap: Hashable, Sendable {
    /// So many more of the counted measure (for a ratio: of its numerator).
    case more(Int, Measure)
}

public enum Progress {
    /// The gap to the goal of an "at least" target not met yet, from its value, numerator and denominator.
    ///
    /// - Count: the goal minus the value, rounded up; per thousand residents, scaled by the population.
    /// - Ratio: the numerator that brings the share to the goal. When the numerator's records are among the
    ///   denominator's (same kind, every filter of the denominator kept), each one added raises both:
    ///   (n + x) ÷ (d + x) ≥ g, so x ≥ (g·d − n) ÷ (1 − g). Otherwise only the numerator grows: x ≥ g·d − n.
    public static func gap(target: Target, result r: TargetResult, population: Int?) -> TargetGap? {
        guard !r.met, !r.noData, case .atLeast(let goal) = target.goal else { return nil }
        switch target.indicator {
        case let .count(m, perThousand):
            guard let v = r.value else { return nil }
            var missing = goal - v
            if perThousand {
                guard let population, population > 0 else { return nil }
                missing = missing * Double(population) / 1000
            }
            return missing > 0 ? .more(roundUp(missing), m) : nil
        case let .ratio(numerator, denominator):
            guard let n = r.numerator, let d = r.denominator else { return nil }
            let g = goal / 100
            let x: Double
            if isSubset(numerator, of: denominator) {
                guard g < 1 else { return nil }
                x = (g * d - n) / (1 - g)
            } else {
                x = g * d - n
            }
            return x > 0 ? .more(roundUp(x), numerator) : nil
        case .change:
            return nil
        }
    }

    /// Rounded up, ignoring the last bits of floating-point noise (80 % of 45 is 36, not 36.000000000000004).
    static func roundUp(_ x: Double) -> Int { Int((x - 1e-9).rounded(.up)) }

    /// Whether every record the numerator counts is also counted by the denominator.
    static func isSubset(_ numerator: Measure, of denominator: Measure) -> Bool {
        guard case let .records(nk, nf, nw) = numerator, case let .records(dk, df, dw) = denominator,
              nk == dk, nw == dw else { return false }
        return Set(df).isSubset(of: Set(nf))
    }
}
