import Foundation

extension FigureKind {
    /// The figure this one is a part of: cards of children under 14 are among the children, activated e-ID
    /// accounts among the citizens eligible. A part may not exceed its whole.
    public var whole: FigureKind? {
        switch self {
        case .under14WithIdCard: .under14Population
        case .eidActivatedLevel2: .eidEligible
        default: nil
        }
    }

    /// The message key for a part above its whole, said on the part.
    var aboveWholeKey: String {
        switch self {
        case .under14WithIdCard: "field.cardsAboveChildren"
        default: "field.activatedAboveEligible"
        }
    }
}

/// A commune's figures of one month as typed: each checked alone and against the others of the month, and against
/// the commune's previous months (an unusual value is saved only once confirmed).
public enum FigureDraft {
    public static let maximum = 1_000_000_000

    /// What is wrong (message keys by kind), and what is unusual enough to ask for a confirmation.
    /// `values`: the month's figures as they would stand once saved (typed, or kept as stored);
    /// `previous`: the commune's figures of the months before, latest first.
    public static func check(values: [FigureKind: Int], previous: [FigureKind: [Int]])
        -> (errors: [FigureKind: String], unusual: [FigureKind: String]) {
        var errors: [FigureKind: String] = [:]
        var unusual: [FigureKind: String] = [:]
        for (kind, value) in values {
            if value < 0 || value > maximum { errors[kind] = "field.range"; continue }
            if let whole = kind.whole, let w = values[whole], w >= 0, value > w { errors[kind] = kind.aboveWholeKey; continue }
            if isUnusual(value, previous: previous[kind] ?? []) { unusual[kind] = "field.unusual" }
        }
        return (errors, unusual)
    }

    /// Far from the commune's usual: the median of its last three months is m, and the value is more than double
    /// or less than half of it, by at least 10 (so that 1 accident after 0 is not questioned, 40 after 2 is).
    public static func isUnusual(_ value: Int, previous: [Int]) -> Bool {
        let recent = Array(previous.prefix(3)).sorted()
        guard !recent.isEmpty else { return false }
        let m = Double(recent[recent.count / 2] + recent[(recent.count - 1) / 2]) / 2
        let v = Double(value)
        guard abs(v - m) >= 10 else { return false }
        return v > 2 * m || v < m / 2
    }
}
