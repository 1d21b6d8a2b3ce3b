import Foundation

/// What an account may do; its unit limits where.
public enum Role: String, Codable, CaseIterable, Sendable {
    /// Keeps accounts and the system; sees everything.
    case admin
    /// The steering committee's secretariat: plans, units, approvals, reviews, awards.
    case secretariat
    /// Commune police in charge of the force: the commune's teams, tips, records and reports.
    case communeOfficer
    /// A team leader: the team's own records.
    case teamLeader
    /// Reads dashboards and reports in its unit, nothing more.
    case viewer

    /// Roles tied to a unit must name one when created.
    public var needsUnit: Bool { self == .communeOfficer || self == .teamLeader }
}

/// Days, communes and (for a commune taken over in part) villages an account's unit answers for.
public struct Grant: Hashable, Sendable {
    public var communes: Set<UUID>
    /// Nil: all of each commune. Otherwise only these villages, and the commune's records that name no village.
    public var villages: Set<UUID>?
    /// First and last day; nil for open.
    public var from: LocalDate?
    public var to: LocalDate?

    public init(communes: Set<UUID>, villages: Set<UUID>? = nil, from: LocalDate?, to: LocalDate?) {
        self.communes = communes
        self.villages = villages
        self.from = from
        self.to = to
    }

    public func contains(commune: UUID, village: UUID?, on date: LocalDate) -> Bool {
        if let from, date < from { return false }
        if let to, date > to { return false }
        guard communes.contains(commune) else { return false }
        guard let villages, let village else { return true }
        return villages.contains(village)
    }
}

/// Where an account may act: the one rule behind reading, writing and seeing personal data.
///
/// An account of a unit answers for what lay under that unit on each day the unit existed. An account of a unit
/// formed by a reorganisation (a 2025 ward) also answers for what it was formed from, on the days before: whole
/// communes, or for a commune it took in part, that commune's villages that came to it (and the commune's records
/// that name no village). An account of a commune that has ended answers for nothing after its last day, until it
/// is given a unit of today; one of a district or province that has ended (Uông Bí city after 30/06/2025) answers,
/// after it, for the communes its communes became, whole: the area's movement goes on in them, and so does its
/// committee. A team leader answers for its own village, whatever commune it lay in.
public enum Reach: Hashable, Sendable {
    case all
    case village(UUID)
    case grants([Grant])
    case nothing

    public func includes(commune: UUID, village: UUID?, on date: LocalDate) -> Bool {
        switch self {
        case .all: true
        case .nothing: false
        case .village(let home): village == home
        case .grants(let grants): grants.contains { $0.contains(commune: commune, village: village, on: date) }
        }
    }

    /// The reach of an account with a role and (maybe) a unit.
    public static func of(role: Role, unit: UUID?, graph: UnitGraph) -> Reach {
        guard let home = unit else {
            return role == .admin || role == .secretariat || role == .viewer ? .all : .nothing
        }
        guard let homeUnit = graph.units[home] else { return .nothing }
        if role == .teamLeader { return homeUnit.level == .village ? .village(home) : .nothing }
        if role == .admin { return .all }
        return .grants(graph.memo.value("grants/\(home)") { grants(of: homeUnit, graph: graph) })
    }

    /// The grants of a unit, segment by segment of the days over which the structure stays the same: on its own
    /// days, all that lay under it; before them, what it was formed from.
    static func grants(of home: UnitInfo, graph: UnitGraph) -> [Grant] {
        var result: [Grant] = []
        for segment in graph.segments() {
            let day = segment.representative
            if home.isValid(on: day) {
                result += whole(home, on: day, segment: segment, graph: graph)
            } else if day < home.validFrom {
                for part in graph.constituents(of: home.id, structureDate: home.validFrom, on: day) {
                    result += part.whole ? whole(part.unit, on: day, segment: segment, graph: graph)
                        : villages(part.villages, on: day, segment: segment, graph: graph)
                }
            } else if let end = home.validTo, home.level == .district || home.level == .province {
                let communes = Participation.communes(of: home, asOn: end, on: day, graph: graph)
                if !communes.isEmpty { result.append(Grant(communes: communes, from: segment.from, to: segment.to)) }
            }
        }
        return result
    }

    /// All of a unit on a day: a village alone, or the communes it is or holds.
    private static func whole(_ unit: UnitInfo, on day: LocalDate, segment: UnitGraph.Segment, graph: UnitGraph) -> [Grant] {
        if unit.level == .village { return villages([unit], on: day, segment: segment, graph: graph) }
        var communes: Set<UUID> = unit.level == .commune ? [unit.id] : []
        communes.formUnion(graph.units(at: .commune, on: day, under: unit.id).map(\.id))
        return communes.isEmpty ? [] : [Grant(communes: communes, from: segment.from, to: segment.to)]
    }

    /// Some villages, under the commune each lay in on that day.
    private static func villages(_ villages: [UnitInfo], on day: LocalDate, segment: UnitGraph.Segment,
                                 graph: UnitGraph) -> [Grant] {
        var byCommune: [UUID: Set<UUID>] = [:]
        for village in villages {
            if let c = graph.ancestor(of: village.id, at: .commune, on: day) { byCommune[c, default: []].insert(village.id) }
        }
        return byCommune.map { Grant(communes: [$0.key], villages: $0.value, from: segment.from, to: segment.to) }
            .sorted { $0.communes.first?.uuidString ?? "" < $1.communes.first?.uuidString ?? "" }
    }
}

/// Who may do what, where; the one place the app asks.
public enum Permissions {
    /// Kinds a team leader records for the team's own village.
    public static let teamKinds: Set<RecordKind> = [.informationSource, .patrol, .fireActivity, .propaganda, .reformVisit]

    /// The kinds of record a role writes anywhere at all, in the catalogue's order.
    public static func recordKinds(for role: Role) -> [RecordKind] {
        switch role {
        case .viewer: []
        case .teamLeader: RecordKind.allCases.filter { teamKinds.contains($0) }
        case .admin, .secretariat, .communeOfficer: RecordKind.allCases
        }
    }

    /// Whether a role writes commune-level data (figures, self-scores) anywhere at all.
    public static func writesCommuneData(_ role: Role) -> Bool { role == .admin || role == .secretariat || role == .communeOfficer }

    /// The committee: the admin and the secretariat (reviews, approvals, publication, the audit log).
    public static func isCommittee(_ role: Role) -> Bool { role == .admin || role == .secretariat }

    /// Roles that work citizens' tips: the commune's police, and the secretariat for the queue of tips whose
    /// citizen did not know the commune. Never the admin: whoever runs the deployment reads no tip (as in
    /// GlobaLeaks, administrators have no access to reports), only their counts among the indicators.
    public static func handlesTips(_ role: Role) -> Bool { role == .secretariat || role == .communeOfficer }

    /// Whether an account sees and works a tip: a commune's tips, from the day each was received there, for that
    /// commune's police; the queue's (commune nil) for the secretariat, which reads a tip only until it places it.
    public static func canHandleTip(role: Role, reach: Reach, commune: UUID?, village: UUID?, receivedOn: LocalDate) -> Bool {
        guard let commune else { return role == .secretariat }
        return role == .communeOfficer && reach.includes(commune: commune, village: village, on: receivedOn)
    }

    /// Whether an account that works a tip may reveal its contact details: the officer the tip is assigned to, and
    /// the head of the commune's police (who answers for every tip of the commune, assigned or not); the others
    /// who work it see that the citizen left some. Asked only of an account that works the tip (`canHandleTip`).
    public static func canRevealTipContact(role: Role, account: UUID?, headsPolice: Bool, assignee: UUID?) -> Bool {
        role == .communeOfficer && account != nil && (headsPolice || account == assignee)
    }

    /// Whether records that came from citizens' tips are listed to an account: never to team leaders, who must
    /// not learn that someone of their village told the police (the indicators still count them).
    public static func seesTipRecords(_ role: Role) -> Bool { role != .teamLeader }

    /// A record of a kind, at a commune (and village), on a day: created, corrected or deleted.
    public static func canWrite(role: Role, reach: Reach, kind: RecordKind, commune: UUID, village: UUID?,
                                on date: LocalDate) -> Bool {
        guard recordKinds(for: role).contains(kind) else { return false }
        // A team leader writes for its village only, never for a commune as a whole.
        if role == .teamLeader && village == nil { return false }
        return reach.includes(commune: commune, village: village, on: date)
    }

    /// Commune-level data (figures, self-scores): the admin, the secretariat and commune police inside their reach.
    public static func canWriteCommune(role: Role, reach: Reach, commune: UUID, on date: LocalDate) -> Bool {
        writesCommuneData(role) && reach.includes(commune: commune, village: nil, on: date)
    }

    /// The committee's own acts on a commune (reviewed scores, bonus and penalty points): the admin, and the
    /// secretariat within its reach.
    public static func canReview(role: Role, reach: Reach, commune: UUID, on date: LocalDate) -> Bool {
        isCommittee(role) && reach.includes(commune: commune, village: nil, on: date)
    }

    /// The day an account answers for a unit on: today, or the unit's last day when it has ended (a 2024 ward's
    /// nomination or pledge is judged by who held it then).
    public static func answeringDay(for unit: UnitInfo?, today: LocalDate) -> LocalDate {
        min(today, unit?.validTo ?? today)
    }

    /// Who reads a commune's own pages (its self-assessment, pledge and nominations): every account but team
    /// leaders, within its reach; the committee too (a ward's secretariat reads its ward's, a province's its
    /// province's, the admin all).
    public static func readsCommune(role: Role, reach: Reach, commune: UUID, on date: LocalDate) -> Bool {
        role != .teamLeader && reach.includes(commune: commune, village: nil, on: date)
    }

    /// Who takes a step of a commune's nomination: its own steps (proposing, editing, withdrawing) the commune's
    /// police and the committee within their reach; the committee's steps (returning, voting, deciding) the
    /// committee within its reach.
    public static func actsOnNomination(role: Role, reach: Reach, communesStep: Bool, commune: UUID, on date: LocalDate) -> Bool {
        communesStep ? canWriteCommune(role: role, reach: reach, commune: commune, on: date)
            : canReview(role: role, reach: reach, commune: commune, on: date)
    }

    /// Personal data (members, reform cases, tipsters) is for those who work with it there; viewers read figures,
    /// never people.
    public static func seesPersonalData(role: Role, reach: Reach, commune: UUID, village: UUID?, on date: LocalDate) -> Bool {
        role != .viewer && reach.includes(commune: commune, village: village, on: date)
    }
}
