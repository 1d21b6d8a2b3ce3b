import Foundation
import Testing
@testable import ThiDuaCore

@Suite("A file of a commune's villages")
struct VillageImportTests {
    func read(_ lines: [String]) -> (rows: [VillageImport.Row], problems: [ImportProblem]) {
        VillageImport.read(lines.joined(separator: "\n"))
    }

    @Test("Rows that read; every mistake with its line")
    func rows() {
        let (rows, problems) = read([
            "village,kind,code,population,households",
            "Vàng Danh 13,Khu,06820-31,1.250,410",      // 2: good
            "Tân Lập,thôn,,900,",                         // 3: good, no code yet
            ",khu,,,",                                    // 4: no name
            "Yên Lập,,,,",                                // 5: no kind
            "Hồng Hà,khu,6808-01,,",                      // 6: not a commune's code
            "Hạ Long,khu,06820-7,,",                      // 7: one digit
            "Bạch Đằng,khu,,-5,",                         // 8: negative people
            "Cẩm Phả,khu,,100,200",                       // 9: more households than people
            "tân  lập,thôn,,,",                           // 10: the same village as line 3
            "Minh Thành,khu,06820-31,,",                  // 11: the same code as line 2
        ])
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows.first == .init(line: 2, name: "Vàng Danh 13", kind: "khu", code: "06820-31", population: 1250, households: 410))
        #expect(problems.map { "\($0.line) \($0.key)" } == [
            "4 import.villageMissing", "5 import.kindMissing", "6 import.villageCode", "7 import.villageCode", "8 import.value",
            "9 import.householdsAbovePeople", "10 import.duplicateVillage", "11 import.duplicateCode",
        ])
    }

    /// Communes A (11111: Thôn 1, Thôn 2) and B (22222: Thôn 1, Thôn 3) until 30/06/2025; N (33333) from 01/07/2025,
    /// formed from all of A and part of B; M (44444) from 01/07/2025 from the rest of B, with its own Thôn 9.
    func merged() -> (graph: UnitGraph, n: UnitInfo, ids: [String: UUID]) {
        let start = LocalDate(iso: "2020-01-01")!, end = LocalDate(iso: "2025-06-30")!, new = LocalDate(iso: "2025-07-01")!
        var ids: [String: UUID] = [:]
        var units: [UnitInfo] = [], links: [ParentLink] = []
        func unit(_ code: String, _ level: UnitLevel, _ name: String, _ from: LocalDate, _ to: LocalDate?) -> UnitInfo {
            let u = UnitInfo(id: UUID(), code: code, level: level, kind: level == .village ? "thôn" : "xã", name: name, validFrom: from, validTo: to)
            ids[code] = u.id
            units.append(u)
            return u
        }
        let a = unit("11111", .commune, "A", start, end), b = unit("22222", .commune, "B", start, end)
        let n = unit("33333", .commune, "N", new, nil), m = unit("44444", .commune, "M", new, nil)
        for (code, name, parent) in [("11111-01", "Thôn 1", a), ("11111-02", "Thôn 2", a), ("22222-01", "Thôn 1", b), ("22222-02", "Thôn 3", b)] {
            let v = unit(code, .village, name, start, nil)
            links.append(ParentLink(unitID: v.id, parentID: parent.id, validFrom: start, validTo: end))
        }
        let nine = unit("44444-01", .village, "Thôn 9", new, nil)
        links.append(ParentLink(unitID: nine.id, parentID: m.id, validFrom: new))
        let successions = [Succession(predecessorID: a.id, successorID: n.id, effective: new, whole: true, note: nil),
                           Succession(predecessorID: b.id, successorID: n.id, effective: new, whole: false, note: nil),
                           Succession(predecessorID: b.id, successorID: m.id, effective: new, whole: false, note: nil)]
        return (UnitGraph(units: units, links: links, successions: successions), n, ids)
    }

    @Test("Moves: a merged commune's villages by name, another commune's by code and day; every impossible move refused")
    func moves() throws {
        let (graph, n, ids) = merged()
        let today = LocalDate(iso: "2026-01-10")!
        let (rows, read) = VillageImport.read([
            "village,kind,code,since",
            "Thôn 2,thôn,,",                     // 2: A's, by name: moves on the day N began
            "Thôn 3,thôn,22222-02,2025-08-01",   // 3: B's, by code, a month later
            "Thôn 9b,thôn,44444-01,15/09/2025",  // 4: M's, renamed, from 15/09/2025 (its code says which)
            "Khu Mới,khu,,",                     // 5: new, the next code
            "Khu Lạ,khu,55555-01,",              // 6: a code not N's
            "Thôn X,thôn,,31/02/2025",           // 7: not a day
        ].joined(separator: "\n"))
        #expect(read.map { "\($0.line) \($0.key)" } == ["7 import.date"])
        let (placed, problems) = VillageImport.place(rows, commune: n, graph: graph, today: today)
        #expect(problems.map { "\($0.line) \($0.key)" } == ["6 import.villageCode"])
        try #require(placed.map(\.row.line) == [2, 3, 4, 5])
        #expect(placed[0].existing?.id == ids["11111-02"] && placed[0].code == "11111-02"
                && placed[0].move == VillageImport.Move(from: ids["11111"]!, on: LocalDate(iso: "2025-07-01")!))
        #expect(placed[1].move == VillageImport.Move(from: ids["22222"]!, on: LocalDate(iso: "2025-08-01")!))
        #expect(placed[2].existing?.id == ids["44444-01"] && placed[2].move == VillageImport.Move(from: ids["44444"]!, on: LocalDate(iso: "2025-09-15")!))
        #expect(placed[3].existing == nil && placed[3].move == nil && placed[3].code == "33333-01")

        // Another commune's village needs its day; none before the commune began.
        let (more, _) = VillageImport.read("village,kind,code,since\nThôn 9,thôn,44444-01,\nThôn 1,thôn,11111-01,2025-06-01\n")
        let refused = VillageImport.place(more, commune: n, graph: graph, today: today)
        #expect(refused.placed.isEmpty && refused.problems.map { "\($0.line) \($0.key)" } == ["2 import.moveNeedsDay", "3 import.moveOutsideCommune"])

        // Two villages of one name among the former communes: the code says which.
        let (same, _) = VillageImport.read("village,kind\nthôn 1,thôn\n")
        let ambiguous = VillageImport.place(same, commune: n, graph: graph, today: LocalDate(iso: "2026-01-10")!)
        #expect(ambiguous.placed.isEmpty && ambiguous.problems.map(\.key) == ["import.villageAmbiguous"])
        #expect(ambiguous.problems.first?.arguments["communes"] == "xã A, xã B")
    }

    @Test("since: never a day to come; a new village begins on it, within its commune's days; a village of the commune keeps its own day. Kinds the law names")
    func sinceAndKind() throws {
        let (graph, n, ids) = merged()
        let today = LocalDate(iso: "2026-01-10")!
        let (rows, read) = VillageImport.read([
            "village,kind,code,since",
            "Khu Mới,khu,,2025-09-01",           // 2: new, from 01/09/2025
            "Thôn Sau,thôn,,9999-12-31",         // 3: a day to come
            "Thôn Trước,thôn,,2025-06-01",       // 4: before N began
            "Xóm Lạ,hamlet,,",                   // 5: not a kind of village
            "Tổ 7,Tổ dân phố,,",                 // 6: a kind, any case
        ].joined(separator: "\n"))
        #expect(read.map { "\($0.line) \($0.key)" } == ["5 import.villageKind"])
        #expect(read.first?.arguments["value"] == "hamlet")
        let (placed, problems) = VillageImport.place(rows, commune: n, graph: graph, today: today)
        #expect(problems.map { "\($0.line) \($0.key)" } == ["3 import.sinceFuture", "4 import.moveOutsideCommune"])
        #expect(placed.map(\.row.line) == [2, 6] && placed[0].row.since == LocalDate(iso: "2025-09-01") && placed[0].existing == nil)
        // A village of the commune: `since` empty or its own day (as the export writes it), never another.
        let nineID = try #require(ids["44444-01"]), mID = try #require(ids["44444"])
        let thôn9 = try #require(graph.units[nineID])
        let m = try #require(graph.units[mID])
        for (since, problem) in [("", nil), ("2025-07-01", nil), ("2025-08-01", "import.sinceFixed")] {
            let (again, _) = VillageImport.read("village,kind,code,since\nThôn 9,thôn,44444-01,\(since)\n")
            let out = VillageImport.place(again, commune: m, graph: graph, today: today)
            #expect(out.problems.map(\.key) == (problem.map { [$0] } ?? []), "\(since)")
            #expect(out.placed.map(\.existing?.id) == (problem == nil ? [thôn9.id] : []))
        }
    }

    @Test("A move on the day a village already went elsewhere, or before a later move, is refused")
    func laterMoves() {
        let (graph, n, _) = merged()
        let (rows, _) = VillageImport.read("village,kind,code,since\nThôn 9,thôn,44444-01,2025-07-01\n")
        let (placed, problems) = VillageImport.place(rows, commune: n, graph: graph, today: LocalDate(iso: "2026-01-10")!)
        #expect(placed.isEmpty && problems.map(\.key) == ["import.movedElsewhere"])
        #expect(problems.first?.arguments["commune"] == "xã M")
    }

    @Test("Codes: the commune's code, a hyphen, two or three digits; the next free one")
    func codes() {
        #expect(VillageImport.validCode("06820-07", commune: "06820") && VillageImport.validCode("06820-107", commune: "06820"))
        #expect(!VillageImport.validCode("06820-7", commune: "06820") && !VillageImport.validCode("06808-07", commune: "06820"))
        #expect(!VillageImport.validCode("06820-0a", commune: "06820") && !VillageImport.validCode("06820", commune: "06820"))
        #expect(VillageImport.wellFormed("06808-01") && !VillageImport.wellFormed("6808-01") && !VillageImport.wellFormed("06808-1234"))
        #expect(VillageImport.nextCode(commune: "06820", taken: []) == "06820-01")
        #expect(VillageImport.nextCode(commune: "06820", taken: ["06820-01", "06820-02", "06820-04"]) == "06820-03")
        #expect(VillageImport.code(commune: "06820", number: 12) == "06820-12")
        #expect(read(["village"]).problems.map(\.key) == ["import.header"])
    }
}

@Suite("A file of units' populations")
struct PopulationImportTests {
    @Test("Population required, households not above it, a unit once; every mistake with its line")
    func rows() {
        let (rows, problems) = PopulationImport.read("""
            unit,population,households
            26506,21.350,6.200
            26508,,
            26509,1000,2000
            ,500,
            26506,1,
            26512,12x,
            26515,4800
            """)
        #expect(rows == [.init(line: 2, unit: "26506", population: 21_350, households: 6_200), .init(line: 8, unit: "26515", population: 4_800, households: nil)])
        #expect(problems.map { "\($0.line) \($0.key)" } == ["3 import.value", "4 import.householdsAbovePeople", "5 import.unitMissing", "6 import.duplicateRow", "7 import.value"])
    }
}
