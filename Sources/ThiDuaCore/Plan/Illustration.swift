import Foundation

/// A plan re-dated for showing the software: the same plan, every date moved by whole days so that one of its
/// phases holds today. The demo keeps one, so that what a newcomer enters today moves a live indicator.
public enum Illustration {
    /// Days to add to every date of `plan` so that phase `index` began `daysInto` days before `today` (at most
    /// its length less one, so that today stays inside it).
    public static func offset(plan: Plan, phase index: Int, today: LocalDate, daysInto: Int) -> Int? {
        guard plan.phases.indices.contains(index) else { return nil }
        let phase = plan.phases[index]
        let into = min(max(0, daysInto), phase.span.dayCount - 1)
        return today.adding(days: -into).dayNumber - phase.start.dayNumber
    }

    /// The plan file with a new id, `illustrative: true`, a note before its theme, and the date of every
    /// `start:` and `end:` moved by `days`. Nil when the file does not have the lines this expects (a top-level
    /// `id:` and `theme:`, and dates written `start: YYYY-MM-DD`).
    public static func redated(yaml: String, days: Int, id: String, themeNote: String) -> String? {
        var lines = yaml.components(separatedBy: "\n")
        var sawID = false, sawTheme = false, dates = 0
        for i in lines.indices {
            let line = lines[i]
            if line.hasPrefix("id: ") {
                lines[i] = "id: \(id)\nillustrative: true"
                sawID = true
            } else if line.hasPrefix("theme:") {
                let value = line.dropFirst("theme:".count).trimmingCharacters(in: .whitespaces)
                if value.hasPrefix(">") || value.hasPrefix("|") {
                    // A block scalar: the note goes at the start of its first line.
                    guard i + 1 < lines.count else { continue }
                    let next = lines[i + 1]
                    let indent = next.prefix { $0 == " " }
                    lines[i + 1] = indent + themeNote + " " + next.dropFirst(indent.count)
                } else {
                    lines[i] = "theme: \"\(themeNote) \(value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))\""
                }
                sawTheme = true
            } else {
                var text = line
                for key in ["start: ", "end: "] {
                    guard let at = text.range(of: key),
                          let stop = text.index(at.upperBound, offsetBy: 10, limitedBy: text.endIndex),
                          let day = LocalDate(iso: String(text[at.upperBound..<stop])) else { continue }
                    text.replaceSubrange(at.upperBound..<stop, with: day.adding(days: days).iso)
                    dates += 1
                }
                lines[i] = text
            }
        }
        return sawID && sawTheme && dates > 0 ? lines.joined(separator: "\n") : nil
    }
}
