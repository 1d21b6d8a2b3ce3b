/// The kinds of records ThiĐua stores, and what a plan may filter them by.
///
/// The plan format names these; the app's record tables implement them.
public enum RecordKind: String, Codable, Hashable, Sendable, CaseIterable {
    case informationSource = "information_source"
    case patrol
    case fireActivity = "fire_activity"
    case propaganda
    case reformVisit = "reform_visit"
    case model
    case reformCase = "reform_case"
    case exemplar

    /// The fields a filter may name, each with the values it may take.
    public var filterFields: [String: [String]] {
        switch self {
        case .informationSource:
            [
                "category": ["social_order", "security", "drugs", "economic", "other"],
                "origin": ["people", "team_member", "police", "other_agency", "camera"],
                "status": ["received", "verifying", "verified", "closed", "rejected"],
            ]
        case .patrol: ["racing_prevented": ["true", "false"]]
        case .fireActivity:
            ["coordinated_by_team": ["true", "false"],
             "kind": ["drill", "inspection", "propaganda", "firefighting", "rescue", "other"]]
        case .propaganda: [:]
        case .reformVisit: [:]
        case .model: ["effective": ["true", "false"]]
        case .reformCase: ["reoffended": ["true", "false"]]
        case .exemplar: ["kind": ["collective", "individual"]]
        }
    }

    /// Whether records of this kind last over time (and so can be counted as in force on a day).
    public var hasDuration: Bool {
        switch self {
        case .model, .reformCase: true
        default: false
        }
    }
}

/// Aggregate numbers per commune and month for data that lives in other systems.
public enum FigureKind: String, Codable, Hashable, Sendable, CaseIterable {
    case under14Population = "under14_population"
    case under14WithIdCard = "under14_with_id_card"
    case eidEligible = "eid_eligible"
    case eidActivatedLevel2 = "eid_activated_level2"
    case trafficAccidents = "traffic_accidents"
    case illegalRacing = "illegal_racing"
    case reoffenders
}
