import Foundation
import Testing
@testable import ThiDuaCore

/// A miniature of the 2025 merger: communes A and B merge into W on 2025-07-01, except village B3 which goes
/// to ward V together with commune C.
struct MiniMerger {
    let start = LocalDate(iso: "2020-01-01")!
    let lastOld = LocalDate(iso: "2025-06-30")!
    let merge = LocalDate(iso: "2025-07-01")!
    let province, district, a, b, c, w, v: UnitInfo
    let villages: [String: UnitInfo]
    let graph: UnitGraph

    init() {
        province = UnitInfo(code: "P", level: .province, kind: "tỉnh", name: "P", validFrom: start)
        district = UnitInfo(code: "D", level: .district, kind: "thành phố", name: "D", validFrom: start, validTo: lastOld)
        a = UnitInfo(code: "A", level: .commune, kind: "phường", name: "A", population: 100, validFrom: start, validTo: lastOld)
        b = UnitInfo(code: "B", level: .commune, kind: "phường", name: "B", validFrom: start, validTo: lastOld)
        c = UnitInfo(code: "C", level: .commune, kind: "xã", name: "C", validFrom: start, validTo: lastOld)
        w = UnitInfo(level: .commune, kind: "phường", name: "W", validFrom: merge)
        v = UnitInfo(level: .commune, kind: "phường", name: "V", validFrom: merge)
        var villages: [String: UnitInfo] = [:]
        var links: [ParentLink] = [
            ParentLink(unitID: district.id, parentID: province.id, validFrom: start, validTo: lastOld),
            ParentLink(unitID: w.id, parentID: province.id, validFrom: merge),
            ParentLink(unitID: v.id, parentID: province.id, validFrom: merge),
        ]
        for commune in [a, b, c] {
            links.append(ParentLink(unitID: commune.id, parentID: district.id, validFrom: start, validTo: lastOld))
        }
        for (name, old, new) in [("A1", a, w), ("A2", a, w), ("B1", b, w), ("B2", b, w), ("B3", b, v), ("C1", c, v)] {
            let village = UnitInfo(level: .village, kind: "khu", name: name, validFrom: start)
            villages[name] = village
            links.append(ParentLink(unitID: village.id, parentID: old.id, validFrom: start, validTo: lastOld))
            links.append(ParentLink(unitID: village.id, parentID: new.id, validFrom: merge))
        }
        self.villages = villages
        let successions = [
            Succession(predecessorID: a.id, successorID: w.id, effective: merge, whole: true),
            Succession(predecessorID: b.id, successorID: w.id, effective: merge, whole: false),
            Succession(predecessorID: b.id, successorID: v.id, effective: merge, whole: false),
            Succession(predecessorID: c.id, successorID: v.id, effective: merge, whole: true),
        ]
        graph = UnitGraph(units: [province, district, a, b, c, w, v] + villages.values, links: links,
                          successions: successions)
    }
}

@Suite("Units: the tree of any day and what a unit was made of")
struct UnitGraphTests {
    let m = MiniMerger()

    @Test("The tree on the last day before the merger")
    func treeBefore() {
        let roots = m.graph.tree(on: m.lastOld)
        #expect(roots.map(\.unit.name) == ["P"])
        #expect(roots[0].children.map(\.unit.name) == ["D"])
        #expect(roots[0].children[0].children.map(\.unit.name) == ["A", "B", "C"])
        #expect(roots[0].children[0].children[1].children.map(\.unit.name) == ["B1", "B2", "B3"])
        #expect(m.graph.units(at: .commune, on: m.lastOld).count == 3)
    }

    @Test("The tree on the day of the merger")
    func treeAfter() {
        let roots = m.graph.tree(on: m.merge)
        #expect(roots.map(\.unit.name) == ["P"])
        #expect(roots[0].children.map(\.unit.name) == ["V", "W"])
        #expect(roots[0].find(m.w.id)?.children.map(\.unit.name) == ["A1", "A2", "B1", "B2"])
        #expect(roots[0].find(m.v.id)?.children.map(\.unit.name) == ["B3", "C1"])
        #expect(m.graph.ancestor(of: m.villages["B3"]!.id, at: .commune, on: m.merge) == m.v.id)
        #expect(m.graph.ancestor(of: m.villages["B3"]!.id, at: .commune, on: m.lastOld) == m.b.id)
    }

    @Test("Before the units existed, the tree is empty")
    func treeEmpty() {
        #expect(m.graph.tree(on: LocalDate(iso: "2019-12-31")!).isEmpty)
        #expect(UnitGraph(units: [], links: [], successions: []).tree(on: m.merge).isEmpty)
    }

    @Test("W is A whole and B in part; V is C whole and village B3 of B")
    func constituents() {
        let w = m.graph.constituents(of: m.w.id, structureDate: m.merge, on: m.lastOld)
        #expect(w.map(\.unit.name) == ["A", "B"])
        #expect(w.map(\.whole) == [true, false])
        #expect(w[1].villages.map(\.name) == ["B1", "B2"])
        let v = m.graph.constituents(of: m.v.id, structureDate: m.merge, on: m.lastOld)
        #expect(v.map(\.unit.name) == ["B", "C"])
        #expect(v.map(\.whole) == [false, true])
        #expect(v[0].villages.map(\.name) == ["B3"])
    }

    @Test("A unit asked on a day it exists is itself, whole")
    func constituentsSameDay() {
        let a = m.graph.constituents(of: m.a.id, structureDate: m.lastOld, on: m.lastOld)
        #expect(a.map(\.unit.name) == ["A"])
        #expect(a.map(\.whole) == [true])
    }

    @Test("Forward: an old commune read in the new structure")
    func forward() {
        let b = m.graph.constituents(of: m.b.id, structureDate: m.lastOld, on: m.merge)
        #expect(b.map(\.unit.name) == ["V", "W"])
        #expect(b.map(\.whole) == [false, false])
    }

    @Test("Without villages, the successions answer")
    func viaSuccessions() {
        let g = UnitGraph(units: Array(m.graph.units.values).filter { $0.level != .village },
                          links: m.graph.links.filter { l in m.graph.units[l.unitID]?.level != .village },
                          successions: m.graph.successions)
        let w = g.constituents(of: m.w.id, structureDate: m.merge, on: m.lastOld)
        #expect(w.map(\.unit.name) == ["A", "B"])
        #expect(w.map(\.whole) == [true, false])
    }

    @Test("A commune formed without villages keeps its predecessors when villages are added: those made later say nothing of the day before")
    func newVillagesKeepPredecessors() throws {
        let bare = UnitGraph(units: Array(m.graph.units.values).filter { $0.level != .village },
                             links: m.graph.links.filter { l in m.graph.units[l.unitID]?.level != .village },
                             successions: m.graph.successions)
        // One village imported into W from the day W began: it did not exist on 2025-06-30.
        let new = UnitInfo(level: .village, kind: "thôn", name: "Thôn Mới", validFrom: m.merge)
        let g = UnitGraph(units: Array(bare.units.values) + [new],
                          links: bare.links + [ParentLink(unitID: new.id, parentID: m.w.id, validFrom: m.merge)],
                          successions: bare.successions)
        let w = g.constituents(of: m.w.id, structureDate: m.merge, on: m.lastOld)
        #expect(w.map(\.unit.name) == ["A", "B"])
        #expect(w.map(\.whole) == [true, false])
        #expect(g.formedFrom(m.w.id).map(\.unit.name) == ["A", "B"])
        // In the new structure the village is W's own, whole.
        #expect(g.constituents(of: m.w.id, structureDate: m.merge, on: m.merge).map(\.unit.name) == ["W"])
        // Beside villages carried from A, a new one adds B from the successions, and A stays as the villages say.
        let a1 = try #require(m.villages["A1"]), a2 = try #require(m.villages["A2"])
        let mixed = UnitGraph(units: Array(bare.units.values) + [new, a1, a2],
                              links: bare.links + [ParentLink(unitID: new.id, parentID: m.w.id, validFrom: m.merge)]
                                  + [a1, a2].flatMap { [ParentLink(unitID: $0.id, parentID: m.a.id, validFrom: m.start, validTo: m.lastOld),
                                                        ParentLink(unitID: $0.id, parentID: m.w.id, validFrom: m.merge)] },
                              successions: bare.successions)
        let both = mixed.constituents(of: m.w.id, structureDate: m.merge, on: m.lastOld)
        #expect(both.map(\.unit.name) == ["A", "B"])
        #expect(both.map(\.whole) == [true, false])
    }

    @Test("A unit asked on a day it did not exist has no constituents")
    func notValid() {
        #expect(m.graph.constituents(of: m.w.id, structureDate: m.lastOld, on: m.lastOld).isEmpty)
    }

    @Test("Natural order: Khu 2 before Khu 10")
    func naturalOrder() {
        #expect(UnitGraph.naturalCompare("Khu 2", "Khu 10") < 0)
        #expect(UnitGraph.naturalCompare("Khu 10", "Khu 10") == 0)
        #expect(UnitGraph.naturalCompare("Điền Công 3", "Điền Công 1") > 0)
        #expect(UnitGraph.naturalCompare("Khu", "Khu 1") < 0)
    }
}

@Suite("The unit graph as one byte string")
struct GraphSnapshotTests {
    @Test("A snapshot reads back as the same graph; one cut short or of another format reads as none")
    func roundTrip() throws {
        let day = try #require(LocalDate(iso: "2025-07-01"))
        let start = try #require(LocalDate(iso: "2020-01-01"))
        let end = try #require(LocalDate(iso: "2025-06-30"))
        let old = UnitInfo(code: "06808", level: .commune, kind: "phường", name: "Vàng Danh", population: 16_366, validFrom: start, validTo: end)
        let new = UnitInfo(code: "06820", level: .commune, kind: "phường", name: "Vàng Danh", households: -3, validFrom: day)
        let village = UnitInfo(level: .village, kind: "khu", name: "Khu 1 — Đồng Lá", validFrom: start)
        let graph = UnitGraph(units: [old, new, village],
                              links: [ParentLink(unitID: village.id, parentID: old.id, validFrom: village.validFrom, validTo: old.validTo),
                                      ParentLink(unitID: village.id, parentID: new.id, validFrom: day)],
                              successions: [Succession(predecessorID: old.id, successorID: new.id, effective: day, whole: true, note: "NQ 1686")])
        let bytes = graph.snapshot()
        let read = try #require(UnitGraph(snapshot: bytes))
        #expect(read.units == graph.units)
        #expect(read.links == graph.links)
        #expect(read.successions == graph.successions)
        #expect(read.snapshot() == bytes)
        #expect(read.villages(of: new.id, on: day).map(\.name) == ["Khu 1 — Đồng Lá"])
        #expect(UnitGraph(snapshot: Array(bytes.dropLast())) == nil)
        #expect(UnitGraph(snapshot: [2] + bytes.dropFirst()) == nil)
        #expect(UnitGraph(snapshot: []) == nil)
        #expect(UnitGraph(snapshot: UnitGraph(units: [], links: [], successions: []).snapshot())?.units.isEmpty == true)
    }
}
