import Foundation
import Testing
@testable import ThiDuaCore

/// The catalogue shipped in `Resources/Catalogue`, read whole.
func shippedCatalogue() throws -> Catalogue {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources/Catalogue")
    func text(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
    let (catalogue, problems) = Catalogue.read(before: try text("units-2024.csv"), after: try text("units-2025.csv"),
                                               successions: try text("successions-2025-07-01.csv"))
    #expect(problems == [])
    return try #require(catalogue)
}

@Suite("The national unit catalogue")
struct CatalogueTests {
    let start = LocalDate(iso: "2020-01-01")!
    func id(_ new: Bool, _ code: String) -> UUID {
        // A readable stand-in for the app's name-based ids: the era, the code's length (01, 001 and 00001 differ), the code.
        UUID(uuidString: "00000000-0000-4000-8000-" + (new ? "1" : "0") + String(code.count) + String(repeating: "0", count: 10 - code.count) + code)!
    }

    @Test("Every level counted on 30/06/2025 and on 01/07/2025")
    func counts() throws {
        let catalogue = try shippedCatalogue()
        let (units, links, successions) = catalogue.structure(from: start, id: id)
        let graph = UnitGraph(units: units, links: links, successions: successions)
        let before = LocalDate(iso: "2025-06-30")!, after = Catalogue.reorganisation
        #expect(graph.units(at: .province, on: before).count == 63)
        #expect(graph.units(at: .district, on: before).count == 696)
        #expect(graph.units(at: .commune, on: before).count == 10_035)
        #expect(graph.units(at: .province, on: after).count == 34)
        #expect(graph.units(at: .district, on: after).count == 0)
        #expect(graph.units(at: .commune, on: after).count == 3_321)
        #expect(successions.count == 10_597 && successions.filter(\.whole).count == 9_564)
        // 27 provinces kept their code and name: one unit each, throughout.
        #expect(units.filter { $0.level == .province }.count == 63 + 34 - 27)
        #expect(Catalogue.clashes(units).isEmpty)
        // Every commune of 2025 sits in a province of 2025.
        for c in graph.units(at: .commune, on: after) { #expect(graph.parent(of: c.id, on: after) != nil, "\(c.fullName)") }
    }

    @Test("Uông Bí: its three wards of 2025 made of exactly their predecessors, and 06820 on either day")
    func uongBi() throws {
        let catalogue = try shippedCatalogue().area("196")
        #expect(catalogue.before.filter { $0.level == .commune }.map(\.code) == ["06808", "06811", "06814", "06817", "06820", "06823", "06826", "06829", "06832", "06835"])
        #expect(catalogue.after.map(\.code) == ["22", "06811", "06820", "06832"])
        let (units, links, successions) = catalogue.structure(from: start, id: id)
        let graph = UnitGraph(units: units, links: links, successions: successions)
        func made(_ code: String) -> [String] {
            successions.filter { $0.successorID == id(true, code) }
                .map { s in (units.first { $0.id == s.predecessorID }?.code ?? "?") + (s.whole ? "" : " (part)") }.sorted()
        }
        #expect(made("06811") == ["06811", "06817", "06820 (part)", "06826"])
        #expect(made("06820") == ["06808", "06814", "06820 (part)", "06823"])
        #expect(made("06832") == ["06829", "06832", "06835"])
        let trungVuong = try #require(graph.units.values.first { $0.code == "06820" && $0.validTo != nil })
        #expect(trungVuong.fullName == "phường Trưng Vương")
        let vangDanh = try #require(graph.units.values.first { $0.code == "06820" && $0.validTo == nil })
        #expect(vangDanh.fullName == "phường Vàng Danh" && vangDanh.validFrom == Catalogue.reorganisation)
        // Quảng Ninh kept its code and name: the same unit before and after, the parent of the new wards.
        let province = id(false, "22")
        #expect(graph.parent(of: vangDanh.id, on: Catalogue.reorganisation) == province)
        #expect(graph.ancestor(of: trungVuong.id, at: .province, on: LocalDate(iso: "2025-06-30")!) == province)
    }

    @Test("A file with mistakes is refused whole, each with its file and line")
    func mistakes() {
        let before = "code,name,level,type,parent_code\n22,Tỉnh Quảng Ninh,province,tỉnh,\n196,Thành phố Uông Bí,district,thành phố,22\n"
            + "06808,Phường Vàng Danh,commune,phường,196\n06808,Phường Khác,commune,phường,196\n06811,Phường X,hamlet,phường,196\n06814,Phường Y,commune,phường,999\n"
        let after = "code,name,level,type,parent_code\n22,Tỉnh Quảng Ninh,province,tỉnh,\n06820,Phường Vàng Danh,commune,phường,22\n"
        let successions = "old_commune_code,new_commune_code,whole_or_part\n06808,06820,whole\n06808,06820,whole\n06808,06899,whole\n06808,06820,most\n"
        let (catalogue, problems) = Catalogue.read(before: before, after: after, successions: successions)
        #expect(catalogue == nil)
        #expect(problems.map { "\($0.file):\($0.line) \($0.key)" } == [
            "units-2024.csv:5 catalogue.duplicate", "units-2024.csv:6 catalogue.level", "units-2024.csv:7 catalogue.parent",
            "successions-2025-07-01.csv:3 catalogue.succession", "successions-2025-07-01.csv:4 catalogue.succession",
            "successions-2025-07-01.csv:5 catalogue.succession",
        ])
        #expect(Catalogue.read(before: "code;name\n", after: after, successions: successions).1.first?.key == "catalogue.header")
    }

    @Test("A code passes from one unit to another only once the first has ended")
    func clashes() {
        let end = LocalDate(iso: "2025-06-30")!
        let a = UnitInfo(code: "06820", level: .commune, kind: "phường", name: "Trưng Vương", validFrom: start, validTo: end)
        let b = UnitInfo(code: "06820", level: .commune, kind: "phường", name: "Vàng Danh", validFrom: Catalogue.reorganisation)
        #expect(Catalogue.clashes([a, b]).isEmpty)
        let c = UnitInfo(code: "06820", level: .commune, kind: "phường", name: "Khác", validFrom: end)
        #expect(Catalogue.clashes([a, b, c]).map(\.code) == ["06820", "06820"])
    }
}
