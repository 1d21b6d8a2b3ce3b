import Foundation

/// A commune's emulation pledge (đăng ký thi đua): the plan's targets it commits to, any of its own, and the officer
/// who signs it off.
public struct PledgeDraft: Hashable, Sendable, Codable {
    public var targets: [String]
    public var ownTargets: [String]
    public var signer: String

    public init(targets: [String], ownTargets: [String], signer: String) {
        self.targets = targets
        self.ownTargets = ownTargets
        self.signer = signer
    }
}

/// A committee criterion as the commune scores itself, or as the secretariat reviews it.
public struct ScoreDraft: Hashable, Sendable {
    public var score: Double
    public var note: String
}

/// The rules of pledges, self-assessment, review and closing a phase. Field problems are message keys, the same
/// the API's 422 carries.
public enum ReviewRules {
    public static let maxText = 2_000
    public static let maxOwnTargets = 10
    public static let maxOwnTarget = 300
    public static let maxName = 120
    /// Evidence files per criterion and phase.
    public static let maxEvidence = 10

    /// A pledge is registered and changed while the movement runs: until its last phase ends.
    public static func pledgeOpen(_ plan: Plan, today: LocalDate) -> Bool {
        guard let last = plan.phases.map(\.end).max() else { return false }
        return today <= last
    }

    /// A phase is closed once it is over: from the day after its last day, in Vietnam time.
    public static func canClose(_ phase: Phase, today: LocalDate) -> Bool { today > phase.end }

    /// A pledge from what was sent: the ticked targets (the plan's, in the plan's order), own targets one per line,
    /// the signer's name.
    public static func pledge(targets ticked: [String], ownText: String, signer raw: String, plan: Plan)
        -> (PledgeDraft?, [String: String]) {
        var errors: [String: String] = [:]
        let known = Set(plan.targets.map(\.id))
        let chosen = Set(ticked)
        if !chosen.isSubset(of: known) { errors["targets"] = "field.notAllowed" }
        let own = ownText.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if chosen.isEmpty && own.isEmpty { errors["targets"] = "pledge.nothing" }
        if own.count > maxOwnTargets || own.contains(where: { $0.count > maxOwnTarget }) { errors["own"] = "pledge.ownTooMany" }
        let signer = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if signer.isEmpty { errors["signer"] = "field.required" } else if signer.count > maxName { errors["signer"] = "field.tooLong" }
        guard errors.isEmpty else { return (nil, errors) }
        return (PledgeDraft(targets: plan.targets.map(\.id).filter(chosen.contains), ownTargets: own, signer: signer), [:])
    }

    /// A score as typed: "7", "7.5" or "7,5" (the Vietnamese decimal comma), to the hundredth.
    public static func score(_ raw: String) -> Double? {
        let text = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              text.filter({ $0 == "." }).count <= 1, let value = Double(text), value.isFinite else { return nil }
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { return nil }
        return value
    }

    /// A typed number for `field`: required, a number, accepted; nil with the field's message otherwise.
    private static func checked(_ raw: String, field: String, accepts: (Double) -> Bool, errors: inout [String: String]) -> Double? {
        let value = score(raw)
        if raw.trimmingCharacters(in: .whitespaces).isEmpty { errors[field] = "field.required" }
        else if value == nil { errors[field] = "field.number" }
        else if let value, !accepts(value) { errors[field] = "field.range" }
        return errors[field] == nil ? value : nil
    }

    /// The commune's own score of a criterion: a score within the criterion's points and a justification.
    public static func selfScore(_ raw: String, justification: String, criterion: Criterion) -> (ScoreDraft?, [String: String]) {
        var errors: [String: String] = [:]
        let value = checked(raw, field: "score", accepts: criterion.accepts(score:), errors: &errors)
        let note = justification.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.isEmpty { errors["note"] = "assessment.justify" } else if note.count > maxText { errors["note"] = "field.tooLong" }
        guard errors.isEmpty, let value else { return (nil, errors) }
        return (ScoreDraft(score: value, note: note), [:])
    }

    /// The secretariat's reviewed score: within the criterion's points; a comment is required when it differs from
    /// the commune's own score (or there is none), so a commune always learns why.
    public static func reviewedScore(_ raw: String, comment: String, selfScore: Double?, criterion: Criterion) -> (ScoreDraft?, [String: String]) {
        var errors: [String: String] = [:]
        let value = checked(raw, field: "score", accepts: criterion.accepts(score:), errors: &errors)
        let note = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > maxText { errors["note"] = "field.tooLong" }
        else if note.isEmpty, let value, value != selfScore { errors["note"] = "assessment.explain" }
        guard errors.isEmpty, let value else { return (nil, errors) }
        return (ScoreDraft(score: value, note: note), [:])
    }

    /// Bonus or penalty points with their reason.
    public static func adjustment(_ raw: String, reason: String, item: Adjustment) -> (ScoreDraft?, [String: String]) {
        var errors: [String: String] = [:]
        let value = checked(raw, field: "points", accepts: item.accepts(points:), errors: &errors)
        let note = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.isEmpty { errors["reason"] = "field.required" } else if note.count > maxText { errors["reason"] = "field.tooLong" }
        guard errors.isEmpty, let value else { return (nil, errors) }
        return (ScoreDraft(score: value, note: note), [:])
    }

    /// The reason a closed phase is opened again: required, so the audit says why.
    public static func reopenReason(_ raw: String) -> (String?, [String: String]) {
        let reason = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.count < 10 { return (nil, ["reason": "phase.reopenReason"]) }
        if reason.count > maxText { return (nil, ["reason": "field.tooLong"]) }
        return (reason, [:])
    }

    /// A record dated within a closed phase that was entered, corrected or removed after closing: listed beside the
    /// frozen results, never counted in them.
    public static func isLate(occurredOn: LocalDate, changedAt: Date, phase: Phase, closedAt: Date) -> Bool {
        changedAt > closedAt && phase.span.contains(occurredOn)
    }

    /// A month's figure of a closed phase changed after closing.
    public static func isLate(month: Month, changedAt: Date, phase: Phase, closedAt: Date) -> Bool {
        changedAt > closedAt && Month.counted(in: phase.span).contains(month)
    }
}
