import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A team's own page, a team leader's home: what to record next, the team's work this month and this phase, its
/// latest records and its members.
struct TeamPage: Encodable {
    struct Action: Encodable {
        var label: String
        var href: String
        var primary: Bool
    }
    struct CountRow: Encodable {
        var kind: String
        var month: String
        var phase: String
    }

    var page: PageChrome
    var name: String
    var place: String
    var actions: [Action]
    var monthName: String
    var phaseName: String?
    var counts: [CountRow]
    var records: [RecordListPage.Row]
    var members: [UnitPage.MemberRow]
    var membersShown: Bool
    var communeHref: String?

    struct Input {
        var team: String
        var village: UnitInfo
        var commune: UnitInfo?
        var today: LocalDate
        /// The running phase's name and first day, if a movement is running.
        var phase: (name: String, start: LocalDate)?
        var movementKey: String?
        /// The village's records from the earlier of the phase's and the month's first day, newest first.
        var records: [(kind: RecordKind, date: LocalDate)]
        var latest: [RecordListPage.Row]
        var members: [UnitPage.MemberRow]?
        var canWrite: Bool
    }

    static func build(_ input: Input, page: PageChrome, text t: Translator) -> TeamPage {
        let monthStart = Month(input.today).firstDay
        let kinds = RecordKind.allCases.filter { Permissions.teamKinds.contains($0) }
        let counts = kinds.map { kind in
            let of = input.records.filter { $0.kind == kind }
            return CountRow(kind: t("recordKind.\(kind.rawValue)"), month: t.count(of.filter { $0.date >= monthStart }.count),
                            phase: input.phase.map { p in t.count(of.filter { $0.date >= p.start }.count) } ?? "—")
        }
        // The patrol first: it is what a team records most.
        let actions = input.canWrite ? kinds.sorted { a, _ in a == .patrol }.map { kind in
            Action(label: t(kind == .patrol ? "team.logPatrol" : "recordKind.\(kind.rawValue)"),
                   href: SiteURL.newRecord(kind: kind.rawValue).path, primary: kind == .patrol)
        } : []
        return TeamPage(
            page: page, name: input.team,
            place: input.village.fullName + (input.commune.map { ", " + $0.fullName } ?? ""),
            actions: actions, monthName: t("team.month", ["month": Month(input.today).display]),
            phaseName: input.phase?.name, counts: counts, records: input.latest, members: input.members ?? [],
            membersShown: input.members != nil,
            communeHref: zip(input.commune, input.movementKey).map {
                SiteURL.communeResults($0.0.id.uuidString, movement: $0.1, phase: nil).path
            })
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

struct TeamWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("teams", ":team", use: show)
    }

    @Sendable func show(req: Request) async throws -> View {
        let user = try req.requireUser()
        let graph = try await req.unitGraph()
        let today = VietnamTime.localDate(of: Date())
        guard let id = req.parameters.get("team").flatMap(UUID.init(uuidString:)),
              let team = try await Team.query(on: req.db).filter(\.$id == id).with(\.$members).first(),
              let village = graph.units[team.$village.id] else {
            throw AppError.notFound("error.teamNotFound")
        }
        // A team outside the account's reach today is answered as missing.
        let day = min(today, village.validTo ?? today)
        let communeID = graph.ancestor(of: village.id, at: .commune, on: day)
        let reach = user.reach(graph)
        guard let communeID, reach.includes(commune: communeID, village: village.id, on: day) else {
            throw AppError.notFound("error.teamNotFound")
        }
        let commune = graph.units[communeID]
        let plans = try await PlanService.movements(on: req.db).map(\.1)
        let plan = commune.flatMap { Participation.current(plans, on: day, for: $0, graph: graph) }
        let phase = plan?.phase(containing: day)
        let from = min(Month(day).firstDay, phase?.start ?? Month(day).firstDay)
        let records = try await Record.query(on: req.db).filter(\.$villageID == village.id)
            .filter(\.$occurredOn >= from.iso).filter(\.$occurredOn <= day.iso)
            .sort(\.$occurredOn, .descending).sort(\.$createdAt, .descending).all()
        let t = req.translator
        let personal = Permissions.seesPersonalData(role: user.role, reach: reach, commune: communeID, village: village.id, on: day)
        let members = team.members.filter { $0.leftOn == nil }.sorted { ($0.role.order, $0.fullName) < ($1.role.order, $1.fullName) }
            .map { UnitPage.MemberRow(name: $0.fullName, role: t("member.\($0.role.rawValue)"), phone: $0.phone) }
        let input = TeamPage.Input(
            team: team.name, village: village, commune: commune, today: day,
            phase: phase.map { ($0.name, $0.start) }, movementKey: plan?.id,
            records: records.compactMap { r in
                guard let kind = RecordKind(rawValue: r.kind), let date = LocalDate(iso: r.occurredOn) else { return nil }
                return (kind, date)
            },
            latest: records.prefix(10).map { RecordListPage.row($0, graph: graph, canWrite: RecordService.canWrite($0, user: user, reach: reach), text: t) },
            members: personal ? members : nil,
            canWrite: Permissions.canWrite(role: user.role, reach: reach, kind: .patrol, commune: communeID, village: village.id, on: today))
        return try await req.view.render("units/team", TeamPage.build(input, page: PageChrome(request: req, title: team.name), text: t))
    }
}
