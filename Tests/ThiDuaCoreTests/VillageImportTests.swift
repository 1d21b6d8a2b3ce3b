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
