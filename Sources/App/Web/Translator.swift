import Foundation
import ThiDuaCore
import Vapor

/// The words and number formats of one language, handed to page builders as a plain value: a builder never
/// reaches for a request, so the same values and translator always give the same page.
struct Translator: Sendable {
    let localizer: Localizer
    let language: Language

    func callAsFunction(_ key: String, _ arguments: [String: String] = [:]) -> String {
        localizer.text(key, language, arguments)
    }

    /// A whole number with thousands grouped as the language writes them: 16.366 in Vietnamese, 16,366 in English.
    func count(_ n: Int) -> String {
        let grouped = groupedNumber(n)
        return language == .vi ? grouped : grouped.replacingOccurrences(of: ".", with: ",")
    }

    /// A number with at most `decimals` decimals, trailing zeros dropped: 87,5 in Vietnamese, 87.5 in English.
    func number(_ value: Double, decimals: Int = 1) -> String {
        let scale = pow(10, Double(decimals))
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        var fraction = Int(scaled) - whole * Int(scale)
        var digits = decimals
        while digits > 0 && fraction > 0 && fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let head = (value < 0 && scaled > 0 ? "-" : "") + count(whole)
        guard fraction > 0 else { return head }
        let tail = String(repeating: "0", count: max(0, digits - String(fraction).count)) + String(fraction)
        return head + (language == .vi ? "," : ".") + tail
    }

    /// A share as a percentage of 100: "87,5%".
    func percent(_ value: Double) -> String { number(value) + "%" }

    // MARK: How a plan reads

    func measure(_ m: Measure) -> String {
        switch m {
        case let .records(kind, filter, during):
            let what = self("record.\(kind.rawValue)")
            let conditions = filter.map { f in "\(self("filter.\(f.field)")): \(self("value.\(f.field).\(f.value)"))" }
            let base = conditions.isEmpty ? what : "\(what) (\(conditions.joined(separator: "; ")))"
            return during == .activeAtEnd ? self("measure.activeAtEnd", ["what": base]) : base
        case let .figure(kind, aggregate):
            return self("measure.figure.\(aggregate.rawValue)", ["figure": self("figure.\(kind.rawValue)")])
        }
    }

    func indicator(_ i: Indicator) -> String {
        switch i {
        case .count(let m, false): return self("indicator.count", ["measure": measure(m)])
        case .count(let m, true): return self("indicator.countPerThousand", ["measure": measure(m)])
        case let .ratio(n, d): return self("indicator.ratio", ["numerator": measure(n), "denominator": measure(d)])
        case let .change(m, .previousYear): return self("indicator.changePreviousYear", ["measure": measure(m)])
        case let .change(m, .declared(v)):
            return self("indicator.changeDeclared", ["measure": measure(m), "baseline": number(v)])
        }
    }

    func goal(_ g: Goal, for i: Indicator) -> String {
        let percent: String
        if case .ratio = i { percent = "%" } else { percent = "" }
        switch g {
        case .atLeast(let v): return "≥ \(number(v))\(percent)"
        case .atMost(let v): return "≤ \(number(v))\(percent)"
        case .decrease(nil): return self("goal.decrease")
        case .decrease(let p?): return self("goal.decreaseBy", ["percent": number(p)])
        }
    }

    /// A target's value as its indicator reads: a percentage for a share, else a number.
    func value(_ v: Double, for i: Indicator) -> String {
        if case .ratio = i { return percent(v) }
        return number(v, decimals: 2)
    }
    /// An uploaded file as a link says it: its number among its fellows, its type, its size in KB.
    func file(_ n: Int, kind: String, size: Int) -> String {
        self("tips.file", ["n": String(n), "kind": kind.uppercased(), "size": count(max(1, (size + 1023) / 1024))])
    }
}

extension Request {
    var translator: Translator { Translator(localizer: application.localizer, language: language) }
}
