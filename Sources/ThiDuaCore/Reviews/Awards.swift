import Foundation

/// Who an award form is for.
public enum AwardNominee: String, Codable, CaseIterable, Sendable {
    case individual, collective, both

    public func accepts(_ kind: NomineeKind) -> Bool {
        switch self {
        case .both: true
        case .individual: kind == .member
        case .collective: kind != .member
        }
    }
}

/// Who is proposed: a team member, a team (of a village), or the commune-level unit itself.
public enum NomineeKind: String, Codable, CaseIterable, Sendable {
    case member, team, commune
}

/// Where a nomination stands: proposed by the commune, returned to it with a reason, before the emulation council,
/// decided (awarded) or rejected.
public enum NominationStatus: String, Codable, CaseIterable, Sendable {
    case proposed, returned
    case inReview = "in_review"
    case decided, rejected

    public var isOpen: Bool { self != .decided && self != .rejected }
}

/// A step of the workflow, with what it carries.
public enum NominationStep: Equatable, Sendable {
    /// The commune changes its proposal (achievement summary, documents) while it is with the commune.
    case edit
    /// The commune sends a returned proposal again.
    case resubmit
    /// The secretariat returns it to the commune to complete, saying why.
    case returnToCommune(reason: String)
    /// The secretariat puts it before the emulation council.
    case toCouncil
    /// The council's vote, with its minutes.
    case vote(votesFor: Int, against: Int, abstain: Int, note: String)
    /// The award decided: the decision's number and day; the authority who awards, in its own title ("Chủ tịch Ủy
    /// ban nhân dân phường Vàng Danh"); the signer's title as the signature block writes it, a line a line
    /// ("KT. CHỦ TỊCH" then "PHÓ CHỦ TỊCH"); and the signer's name.
    case decide(number: String, date: LocalDate, authority: String, signerTitle: String, signer: String)
    case reject(reason: String)

    public var name: String {
        switch self {
        case .edit: "edit"
        case .resubmit: "resubmit"
        case .returnToCommune: "return"
        case .toCouncil: "council"
        case .vote: "vote"
        case .decide: "decide"
        case .reject: "reject"
        }
    }

    /// The commune's steps; the rest are the committee's (the secretariat, which runs the council).
    public var isCommunes: Bool { self == .edit || self == .resubmit }
}

public enum AwardRules {
    public static let maxText = 10_000
    public static let minReason = 5

    /// The status a step leads to from `status`, or the message key of why it may not be taken now.
    /// `votes`: the council's vote so far (for, against, abstaining), which a decision needs in favour.
    public static func next(_ status: NominationStatus, _ step: NominationStep, votes: (Int, Int, Int)?) -> Result<NominationStatus, AwardProblem> {
        switch (status, step) {
        case (.proposed, .edit), (.returned, .edit): return .success(status)
        case (.returned, .resubmit): return .success(.proposed)
        case (.proposed, .returnToCommune), (.inReview, .returnToCommune): return .success(.returned)
        case (.proposed, .toCouncil): return .success(.inReview)
        case (.inReview, .vote): return .success(.inReview)
        case (.inReview, .decide):
            guard let (yes, no, abstain) = votes else { return .failure(.noVote) }
            // A majority of the members who voted.
            guard yes * 2 > yes + no + abstain else { return .failure(.notCarried) }
            return .success(.decided)
        case (.proposed, .reject), (.inReview, .reject): return .success(.rejected)
        default: return .failure(.notNow)
        }
    }

    /// The fields a step carries, checked: a message key per field that is wrong.
    public static func check(_ step: NominationStep, today: LocalDate) -> [String: String] {
        var errors: [String: String] = [:]
        func reason(_ text: String, _ field: String) {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.count < minReason { errors[field] = "award.reasonShort" } else if t.count > maxText { errors[field] = "field.tooLong" }
        }
        switch step {
        case .returnToCommune(let r): reason(r, "reason")
        case .reject(let r): reason(r, "reason")
        case let .vote(yes, no, abstain, note):
            for (field, n) in [("votesFor", yes), ("votesAgainst", no), ("votesAbstain", abstain)] where n < 0 || n > 1_000 {
                errors[field] = "field.range"
            }
            if yes + no + abstain == 0 && errors.isEmpty { errors["votesFor"] = "award.noVotes" }
            if note.count > maxText { errors["note"] = "field.tooLong" }
        case let .decide(number, date, authority, signerTitle, signer):
            if date > today { errors["date"] = "field.future" }
            for (field, value, most) in [("number", number, 50), ("authority", authority, 200), ("signerTitle", signerTitle, 200), ("signer", signer, 100)] {
                let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
                if v.isEmpty { errors[field] = "field.required" } else if v.count > most { errors[field] = "field.tooLong" }
            }
            // A name is one line: the signature block never breaks it.
            if signer.contains("\n") { errors["signer"] = "award.signerOneLine" }
        case .edit, .resubmit, .toCouncil: break
        }
        return errors
    }

    /// The achievement summary of a proposal: required, within bounds.
    public static func achievement(_ text: String) -> (String?, [String: String]) {
        let t = text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count < 20 { return (nil, ["achievement": "award.achievementShort"]) }
        if t.count > maxText { return (nil, ["achievement": "field.tooLong"]) }
        return (t, [:])
    }
}

public enum AwardProblem: String, Error, Sendable {
    /// The step does not follow from where the nomination stands.
    case notNow = "award.notNow"
    /// No vote recorded yet.
    case noVote = "award.noVote"
    /// The vote did not carry.
    case notCarried = "award.notCarried"
}

/// An award form as the admin types it.
public struct AwardFormDraft: Equatable, Sendable {
    public var name: String
    public var nominee: AwardNominee
    public var authority: String
    public var position: Int
    public var active: Bool
}

public enum AwardFormRules {
    public static func check(_ values: [String: String]) -> (AwardFormDraft?, [String: String]) {
        var errors: [String: String] = [:]
        func typed(_ field: String, max: Int) -> String {
            let v = (values[field] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if v.isEmpty { errors[field] = "field.required" } else if v.count > max { errors[field] = "field.tooLong" }
            return v
        }
        let name = typed("name", max: 120)
        let authority = typed("authority", max: 200)
        let nominee = AwardNominee(rawValue: values["nominee"] ?? "")
        if nominee == nil { errors["nominee"] = "field.notAllowed" }
        let position = Int((values["position"] ?? "").trimmingCharacters(in: .whitespaces))
        if position.map({ !(1...1_000).contains($0) }) ?? true { errors["position"] = "field.range" }
        guard errors.isEmpty, let nominee, let position else { return (nil, errors) }
        return (AwardFormDraft(name: name, nominee: nominee, authority: authority, position: position, active: values["active"] == "true"), [:])
    }

    /// A code for a new form from its name, without diacritics ("Giấy khen" → "giay-khen"), unique among `taken`.
    public static func code(for name: String, taken: Set<String>) -> String {
        let plain = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let base = plain.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.joined(separator: "-")
        let root = base.isEmpty ? "hinh-thuc" : String(base.prefix(60))
        var code = root, n = 2
        while taken.contains(code) { code = "\(root)-\(n)"; n += 1 }
        return code
    }
}
