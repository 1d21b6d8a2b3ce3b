import Foundation
import Testing
@testable import ThiDuaCore

/// Old communes A (villages a1, a2) and B (b1, b2) under district D until 30/06/2025; from 01/07/2025 ward W is all
/// of A and b1 of B, and ward V is b2. Province P throughout.
struct MergerGraph {
    let day = { (s: String) in LocalDate(iso: s)! }
    let p = UUID(), d = UUID(), a = UUID(), b = UUID(), w = UUID(), v = UUID()
    let a1 = UUID(), a2 = UUID(), b1 = UUID(), b2 = UUID()
    var graph: UnitGraph {
        let start = day("2020-01-01"), end = day("2025-06-30"), merger = day("2025-07-01")
        let units = [
            UnitInfo(id: p, code: "P", level: .province, kind: "tỉnh", name: "P", validFrom: start),
            UnitInfo(id: d, code: "D", level: .district, kind: "thành phố", name: "D", validFrom: start, validTo: end),
            UnitInfo(id: a, code: "A", level: .commune, kind: "phường", name: "A", validFrom: start, validTo: end),
            UnitInfo(id: b, code: "B", level: .commune, kind: "phường", name: "B", validFrom: start, validTo: end),
            UnitInfo(id: w, code: "W", level: .commune, kind: "phường", name: "W", validFrom: merger),
            UnitInfo(id: v, code: "V", level: .commune, kind: "phường", name: "V", validFrom: merger),
        ] + [(a1, "a1"), (a2, "a2"), (b1, "b1"), (b2, "b2")].map {
            UnitInfo(id: $0.0, level: .village, kind: "khu", name: $0.1, validFrom: start)
        }
        let links = [
            ParentLink(unitID: d, parentID: p, validFrom: start, validTo: end),
            ParentLink(unitID: a, parentID: d, validFrom: start, validTo: end),
            ParentLink(unitID: b, parentID: d, validFrom: start, validTo: end),
            ParentLink(unitID: w, parentID: p, validFrom: merger), ParentLink(unitID: v, parentID: p, validFrom: merger),
            ParentLink(unitID: a1, parentID: a, validFrom: start, validTo: end), ParentLink(unitID: a2, parentID: a, validFrom: start, validTo: end),
            ParentLink(unitID: b1, parentID: b, validFrom: start, validTo: end), ParentLink(unitID: b2, parentID: b, validFrom: start, validTo: end),
            ParentLink(unitID: a1, parentID: w, validFrom: merger), ParentLink(unitID: a2, parentID: w, validFrom: merger),
            ParentLink(unitID: b1, parentID: w, validFrom: merger), ParentLink(unitID: b2, parentID: v, validFrom: merger),
        ]
        let successions = [Succession(predecessorID: a, successorID: w, effective: merger, whole: true),
                           Succession(predecessorID: b, successorID: w, effective: merger, whole: false),
                           Succession(predecessorID: b, successorID: v, effective: merger, whole: false)]
        return UnitGraph(units: units, links: links, successions: successions)
    }
}

@Suite("Reach: where an account may act, on which days")
struct ReachTests {
    let m = MergerGraph()
    var before: LocalDate { LocalDate(iso: "2025-06-30")! }
    var after: LocalDate { LocalDate(iso: "2025-07-01")! }

    @Test("The structure changes on the days units and links begin and end")
    func segments() {
        let g = m.graph
        #expect(g.changeDays.map(\.iso) == ["2020-01-01", "2025-07-01"])
        #expect(g.segments().map { "\($0.from?.iso ?? "…")–\($0.to?.iso ?? "…")" } == ["…–2019-12-31", "2020-01-01–2025-06-30", "2025-07-01–…"])
    }

    @Test("A ward of 2025: its own days, and before them what it was formed from; a part only for its villages")
    func newWard() {
        let r = Reach.of(role: .communeOfficer, unit: m.w, graph: m.graph)
        #expect(r.includes(commune: m.w, village: m.a1, on: after))
        #expect(r.includes(commune: m.w, village: nil, on: after))
        #expect(!r.includes(commune: m.v, village: m.b2, on: after))
        #expect(r.includes(commune: m.a, village: m.a2, on: before))
        #expect(r.includes(commune: m.a, village: nil, on: before))
        #expect(r.includes(commune: m.b, village: m.b1, on: before))
        #expect(!r.includes(commune: m.b, village: m.b2, on: before))
        // B's records that name no village: B went to W in part, and W answers for them.
        #expect(r.includes(commune: m.b, village: nil, on: before))
    }

    @Test("A commune that ended: its own villages, only on the days it existed")
    func endedCommune() {
        let r = Reach.of(role: .communeOfficer, unit: m.a, graph: m.graph)
        #expect(r.includes(commune: m.a, village: m.a1, on: before))
        #expect(!r.includes(commune: m.w, village: m.a1, on: after))
        #expect(!r.includes(commune: m.w, village: nil, on: after))
        #expect(!r.includes(commune: m.b, village: m.b1, on: before))
        #expect(!r.includes(commune: m.a, village: m.a1, on: LocalDate(iso: "2019-12-31")!))
    }

    @Test("A district that ended: its communes until its end, what they became after, nothing else of its province; a province: everything under it, before and after")
    func higherLevels() {
        // X: a commune of the province that was never the district's.
        let x = UnitInfo(code: "X", level: .commune, kind: "xã", name: "X", validFrom: LocalDate(iso: "2020-01-01")!)
        let graph = UnitGraph(units: Array(m.graph.units.values) + [x],
                              links: m.graph.links + [ParentLink(unitID: x.id, parentID: m.p, validFrom: x.validFrom)],
                              successions: m.graph.successions)
        let district = Reach.of(role: .viewer, unit: m.d, graph: graph)
        #expect(district.includes(commune: m.b, village: m.b2, on: before))
        #expect(district.includes(commune: m.v, village: m.b2, on: after) && district.includes(commune: m.w, village: nil, on: after))
        #expect(!district.includes(commune: x.id, village: nil, on: before) && !district.includes(commune: x.id, village: nil, on: after))
        let secretariat = Reach.of(role: .secretariat, unit: m.d, graph: graph)
        #expect(secretariat.includes(commune: m.w, village: m.a1, on: LocalDate(iso: "2026-12-07")!))
        #expect(!secretariat.includes(commune: x.id, village: nil, on: after))
        let province = Reach.of(role: .secretariat, unit: m.p, graph: m.graph)
        #expect(province.includes(commune: m.b, village: m.b2, on: before))
        #expect(province.includes(commune: m.v, village: m.b2, on: after))
    }

    @Test("A commune's own pages and its nominations: the committee within its unit, like everyone; on an ended unit's last day")
    func committeeWithinItsUnit() {
        let g = m.graph
        let a = g.units[m.a], w = g.units[m.w]
        let later = LocalDate(iso: "2026-01-10")!
        // An ended commune is judged on its last day; a living one today.
        #expect(Permissions.answeringDay(for: a, today: later) == before)
        #expect(Permissions.answeringDay(for: w, today: later) == later)
        #expect(Permissions.answeringDay(for: nil, today: later) == later)
        let wardSecretariat = Reach.of(role: .secretariat, unit: m.v, graph: g)
        let heir = Reach.of(role: .secretariat, unit: m.w, graph: g)
        let central = Reach.of(role: .secretariat, unit: nil, graph: g)
        // V's secretariat: V's pages, not A's (which went to W) nor W's; W's secretariat: W's and A's.
        #expect(Permissions.readsCommune(role: .secretariat, reach: wardSecretariat, commune: m.v, on: later))
        #expect(!Permissions.readsCommune(role: .secretariat, reach: wardSecretariat, commune: m.w, on: later))
        #expect(!Permissions.readsCommune(role: .secretariat, reach: wardSecretariat, commune: m.a, on: before))
        #expect(Permissions.readsCommune(role: .secretariat, reach: heir, commune: m.a, on: before))
        #expect(Permissions.readsCommune(role: .secretariat, reach: central, commune: m.a, on: before))
        // Team leaders read no commune's pages, even their own commune's.
        let leader = Reach.of(role: .teamLeader, unit: m.a1, graph: g)
        #expect(!Permissions.readsCommune(role: .teamLeader, reach: leader, commune: m.w, on: later))
        // Steps: the commune's own steps its police and the committee; the committee's only the committee, each in reach.
        let police = Reach.of(role: .communeOfficer, unit: m.w, graph: g)
        #expect(Permissions.actsOnNomination(role: .communeOfficer, reach: police, communesStep: true, commune: m.w, on: later))
        #expect(!Permissions.actsOnNomination(role: .communeOfficer, reach: police, communesStep: false, commune: m.w, on: later))
        #expect(Permissions.actsOnNomination(role: .secretariat, reach: heir, communesStep: false, commune: m.a, on: before))
        #expect(!Permissions.actsOnNomination(role: .secretariat, reach: wardSecretariat, communesStep: false, commune: m.w, on: later))
        #expect(!Permissions.actsOnNomination(role: .secretariat, reach: wardSecretariat, communesStep: true, commune: m.w, on: later))
        #expect(!Permissions.actsOnNomination(role: .viewer, reach: central, communesStep: true, commune: m.w, on: later))
        #expect(Permissions.actsOnNomination(role: .admin, reach: .all, communesStep: false, commune: m.w, on: later))
    }

    @Test("A team leader: its village, whatever commune it lay in; roles without a unit")
    func teamLeaderAndCentral() {
        let leader = Reach.of(role: .teamLeader, unit: m.b1, graph: m.graph)
        #expect(leader.includes(commune: m.b, village: m.b1, on: before))
        #expect(leader.includes(commune: m.w, village: m.b1, on: after))
        #expect(!leader.includes(commune: m.b, village: m.b2, on: before))
        #expect(!leader.includes(commune: m.b, village: nil, on: before))
        #expect(Reach.of(role: .teamLeader, unit: m.b, graph: m.graph) == .nothing)
        #expect(Reach.of(role: .secretariat, unit: nil, graph: m.graph) == .all)
        #expect(Reach.of(role: .communeOfficer, unit: nil, graph: m.graph) == .nothing)
        #expect(Reach.of(role: .admin, unit: m.a, graph: m.graph) == .all)
    }

    @Test("Writing follows reading, by role")
    func permissions() {
        let r = Reach.of(role: .communeOfficer, unit: m.w, graph: m.graph)
        #expect(Permissions.canWrite(role: .communeOfficer, reach: r, kind: .model, commune: m.w, village: nil, on: after))
        #expect(!Permissions.canWrite(role: .viewer, reach: r, kind: .patrol, commune: m.w, village: m.a1, on: after))
        let leader = Reach.of(role: .teamLeader, unit: m.a1, graph: m.graph)
        #expect(Permissions.canWrite(role: .teamLeader, reach: leader, kind: .patrol, commune: m.w, village: m.a1, on: after))
        #expect(!Permissions.canWrite(role: .teamLeader, reach: leader, kind: .model, commune: m.w, village: m.a1, on: after))
        #expect(!Permissions.canWriteCommune(role: .teamLeader, reach: leader, commune: m.w, on: after))
        #expect(!Permissions.canReview(role: .communeOfficer, reach: r, commune: m.w, on: after))
        #expect(!Permissions.seesPersonalData(role: .viewer, reach: .all, commune: m.w, village: m.a1, on: after))
    }
}

@Suite("Participation: who takes part on a day, where a record counts")
struct ParticipationTests {
    let m = MergerGraph()
    var plan: Plan {
        try! PlanLoader.load(yaml: minimalPlan.replacingOccurrences(of: "organiser: {name: Ban Chỉ đạo thử}",
                                                                    with: "organiser: {name: Ban Chỉ đạo thử}\narea: [D]"))
    }

    @Test("A district's plan: its communes before the merger, their successors after")
    func participants() {
        let g = m.graph
        #expect(Participation.participants(plan: plan, structureDate: LocalDate(iso: "2025-06-30")!, graph: g).map(\.name) == ["A", "B"])
        #expect(Participation.participants(plan: plan, structureDate: LocalDate(iso: "2025-07-01")!, graph: g).map(\.name) == ["V", "W"])
    }

    @Test("After the merger a village's records follow the village; a split commune is read village by village")
    func targets() {
        let g = m.graph
        let ids = Set(Participation.participants(plan: plan, structureDate: LocalDate(iso: "2025-08-19")!, graph: g).map(\.id))
        var map = Participation.StructureMap(graph: g, structureDate: LocalDate(iso: "2025-08-19")!, participants: ids)
        #expect(map.target(commune: m.b, village: m.b1) == m.w)
        #expect(map.target(commune: m.b, village: m.b2) == m.v)
        #expect(map.target(commune: m.a, village: nil) == m.w)
        #expect(map.splitCommunes() == [m.b])
        // The rows to read for one ward: its own, A's (whole) and B's (b1 lies in W); for V its own and B's.
        #expect(map.sources(of: [m.w]) == [m.w, m.a, m.b])
        #expect(map.sources(of: [m.v]) == [m.v, m.b])
        #expect(map.sources(of: []) == [])
        // With no population known for its parts, a merged ward's residents are unknown, not zero.
        #expect(Participation.population(of: g.units[m.w]!, graph: g) == nil)
        #expect(g.formedFrom(m.w).map { "\($0.unit.name)\($0.whole ? "" : " in part")" } == ["A", "B in part"])
        #expect(g.formedFrom(m.a).isEmpty)
    }
}
