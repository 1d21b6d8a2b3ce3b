import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// The demo's units with a hand-made set of records, and expected results worked out by hand for all 9 targets
/// of the seed plan in both phases (the workings are in the comments).
struct Fixture {
    let app: Application
    let graph: UnitGraph
    let admin: UUID

    init(_ app: Application) async throws {
        try await loadDemo(app)
        self.app = app
        graph = try await UnitService.graph(on: app.db)
        admin = try await User.query(on: app.db).filter(\.$username == "admin").first()!.requireID()
    }

    func commune(_ name: String, on date: String = "2025-01-01") -> UUID {
        graph.units(at: .commune, on: LocalDate(iso: date)!).first { $0.name == name }!.id
    }

    func village(_ commune: String, _ name: String) -> UUID {
        graph.villages(of: self.commune(commune), on: LocalDate(iso: "2025-01-01")!).first { $0.name == name }!.id
    }

    @discardableResult
    func record(_ kind: RecordKind, _ commune: UUID, _ date: String, village: UUID? = nil,
                _ set: (Record) -> Void = { _ in }) async throws -> Record {
        try await storeRecord(app.db, kind, commune: commune, village: village, on: date, by: admin, set)
    }

    func tip(_ commune: UUID, _ date: String, _ origin: String, category: String = "social_order", village: UUID? = nil) async throws {
        try await record(.informationSource, commune, date, village: village) {
            $0.category = category
            $0.origin = origin
            $0.status = "received"
        }
    }

    func figure(_ commune: UUID, _ kind: FigureKind, _ month: String, _ value: Int) async throws {
        let f = Figure()
        f.communeID = commune
        f.kind = kind.rawValue
        f.month = month
        f.value = value
        f.createdBy = admin
        try await f.create(on: app.db)
    }

    func load() async throws {
        let qt = commune("Quang Trung"), ts = commune("Thanh Sơn"), tv = commune("Trưng Vương"), vd = commune("Vàng Danh")
        let yt = commune("Yên Thanh"), nk = commune("Nam Khê"), bs = commune("Bắc Sơn")
        let ub = commune("Uông Bí", on: "2025-08-01"), vdNew = commune("Vàng Danh", on: "2025-08-01")

        // Target 1, tips from the people (social order).
        for _ in 0..<4 { try await tip(qt, "2024-10-01", "people") }
        try await tip(qt, "2024-10-02", "police")
        try await tip(ts, "2024-11-01", "people")
        try await tip(ts, "2024-11-02", "camera")
        try await tip(tv, "2024-12-01", "people", category: "security")
        try await tip(tv, "2024-12-02", "people", category: "security")
        try await tip(vd, "2024-08-18", "people")          // the day before phase 1: not counted
        try await tip(vd, "2024-08-19", "people")          // phase 1's first day
        try await tip(vd, "2025-02-03", "people")          // phase 1's last day
        try await tip(vd, "2025-02-04", "people")          // phase 2's first day
        try await tip(tv, "2025-05-10", "people", village: village("Trưng Vương", "Điền Công 2")) // → phường Uông Bí
        try await tip(tv, "2025-05-11", "police")          // no village: Trưng Vương's larger part → phường Vàng Danh
        try await tip(qt, "2025-03-01", "people")
        try await tip(ts, "2025-06-30", "camera")          // the old structure's last day
        try await tip(ub, "2025-07-01", "people")          // the new ward's first day
        try await tip(ub, "2025-08-19", "people")          // phase 2's last day
        try await tip(ub, "2025-08-20", "people")          // after phase 2: not counted

        // Target 2, effective models in force at the phase's end.
        try await record(.model, qt, "2024-09-01") { $0.title = "Camera an ninh"; $0.flag = true; $0.flagOn = "2024-12-01" }
        try await record(.model, ts, "2024-09-01") { $0.title = "Tổ tự quản"; $0.flag = true; $0.flagOn = "2025-03-01" }
        try await record(.model, tv, "2024-10-01") { $0.title = "Đã dừng"; $0.flag = true; $0.flagOn = "2024-11-01"; $0.endedOn = "2025-01-15" }

        // Target 3, fire activities coordinated by the team.
        for coordinated in [true, true] { try await record(.fireActivity, qt, "2024-10-05") { $0.subkind = "drill"; $0.flag = coordinated } }
        for coordinated in [true, true, true, false] { try await record(.fireActivity, ts, "2024-12-05") { $0.subkind = "inspection"; $0.flag = coordinated } }
        try await record(.fireActivity, ub, "2025-07-15") { $0.subkind = "drill"; $0.flag = true }
        try await record(.fireActivity, yt, "2025-04-01") { $0.subkind = "drill"; $0.flag = false }
        try await record(.fireActivity, nk, "2025-03-03") { $0.subkind = "rescue"; $0.flag = true }

        // Target 4, identity figures (latest month in the phase).
        try await figure(qt, .under14Population, "2024-09", 1000)
        try await figure(qt, .under14Population, "2025-01", 1000)
        try await figure(qt, .under14WithIdCard, "2024-09", 600)
        try await figure(qt, .under14WithIdCard, "2025-01", 950)
        try await figure(ts, .under14Population, "2024-12", 800)
        try await figure(ts, .under14WithIdCard, "2024-12", 800)
        try await figure(ts, .under14Population, "2025-02", 900)   // February counts in phase 2
        try await figure(qt, .eidEligible, "2025-01", 10000)
        try await figure(qt, .eidActivatedLevel2, "2025-01", 9000)
        try await figure(ts, .eidEligible, "2025-01", 5000)
        try await figure(qt, .under14Population, "2025-06", 1000)  // superseded by the ward's own figure
        try await figure(qt, .under14WithIdCard, "2025-06", 1000)
        try await figure(ub, .under14Population, "2025-08", 5000)
        try await figure(ub, .under14WithIdCard, "2025-08", 4900)
        try await figure(vd, .under14Population, "2025-05", 2000)
        try await figure(vd, .under14WithIdCard, "2025-05", 1500)
        try await figure(bs, .under14Population, "2025-06", 1000)
        try await figure(bs, .under14WithIdCard, "2025-06", 1000)
        try await figure(ub, .eidEligible, "2025-07", 20000)
        try await figure(ub, .eidActivatedLevel2, "2025-07", 15000)

        // Targets 5 and 6: re-offenders, accidents, racing against the same months a year earlier.
        try await figure(qt, .reoffenders, "2023-10", 3)
        try await figure(qt, .reoffenders, "2023-12", 1)
        try await figure(qt, .reoffenders, "2024-10", 1)
        try await figure(qt, .reoffenders, "2025-01", 1)
        try await figure(ts, .reoffenders, "2023-11", 2)
        try await figure(ts, .reoffenders, "2024-11", 2)
        try await figure(tv, .reoffenders, "2024-09", 0)
        try await figure(qt, .trafficAccidents, "2023-09", 5)
        try await figure(qt, .trafficAccidents, "2024-09", 5)
        try await figure(qt, .trafficAccidents, "2024-10", 1)
        try await figure(ts, .trafficAccidents, "2023-12", 0)
        try await figure(ts, .trafficAccidents, "2024-12", 0)
        try await figure(qt, .illegalRacing, "2023-11", 2)
        try await figure(qt, .illegalRacing, "2024-11", 1)
        try await figure(qt, .reoffenders, "2024-03", 2)
        try await figure(ts, .reoffenders, "2024-05", 1)
        try await figure(qt, .reoffenders, "2025-03", 1)
        try await figure(ub, .reoffenders, "2025-08", 1)
        try await figure(vd, .reoffenders, "2024-04", 1)
        try await figure(vd, .reoffenders, "2025-04", 1)
        try await figure(qt, .trafficAccidents, "2024-06", 4)
        try await figure(ub, .trafficAccidents, "2025-07", 2)
        try await figure(ts, .illegalRacing, "2024-02", 1)
        try await figure(ub, .illegalRacing, "2025-08", 0)

        // Target 7, exemplars.
        try await record(.exemplar, qt, "2024-12-20") { $0.subkind = "individual"; $0.title = "Nguyễn Văn A"; $0.recognisedBy = "UBND phường" }
        try await record(.exemplar, vd, "2025-02-04") { $0.subkind = "collective"; $0.title = "Tổ bảo vệ ANTT khu 3"; $0.recognisedBy = "BCĐ 138/UB" }
        try await record(.exemplar, ub, "2025-07-20") { $0.subkind = "collective"; $0.title = "Tổ Điền Công 1"; $0.recognisedBy = "UBND phường" }
        _ = vdNew
    }

    /// Committee scores and adjustments of phase 1.
    func committee(movement: UUID) async throws {
        func score(_ unit: UUID, _ criterion: String, _ s: Double?, _ r: Double?) async throws {
            let c = CriterionScore()
            c.movementID = movement; c.phaseID = "dot-1"; c.unitID = unit; c.criterionID = criterion
            c.selfScore = s; c.reviewedScore = r
            try await c.create(on: app.db)
        }
        try await score(commune("Quang Trung"), "tuyen-truyen-luat", 7, 6)
        try await score(commune("Quang Trung"), "phoi-hop", 5, nil)
        try await score(commune("Thanh Sơn"), "tuyen-truyen-luat", 8, nil)
        for (unit, id, points) in [(commune("Quang Trung"), "thanh-tich-dot-xuat", 2.0), (commune("Thanh Sơn"), "vu-viec-nghiem-trong", 3.0)] {
            let a = AdjustmentEntry()
            a.movementID = movement; a.phaseID = "dot-1"; a.unitID = unit; a.adjustmentID = id; a.points = points; a.reason = "test"
            try await a.create(on: app.db)
        }
    }

    func results(_ phase: String, asOf: String = "2025-08-20", structure: String? = nil) async throws -> ResultsService.Results {
        let (movement, plan) = try await PlanService.movement("uong-bi-2024-2025", on: app.db)!
        return try await ResultsService.results(movement: movement, plan: plan, phase: plan.phase(id: phase)!,
                                                asOf: LocalDate(iso: asOf)!, structureDate: structure.flatMap(LocalDate.init(iso:)),
                                                graph: graph, on: app.db)
    }
}

extension UnitResult {
    func target(_ id: String) -> TargetResult { targets.first { $0.targetID == id }! }
    var points: [Double] { targets.map(\.points) }
}

@Suite("Measured attainment: the seed plan on a hand-worked fixture")
struct ResultsTests {
    @Test("Phase 1 in the structure of 10, exact to the unit")
    func phase1() async throws {
        try await withApp { app in
            let f = try await Fixture(app)
            try await f.load()
            let movementID = try await PlanService.movement("uong-bi-2024-2025", on: app.db)!.0.requireID()
            try await f.committee(movement: movementID)
            let r = try await f.results("dot-1")
            #expect(r.structureDate == LocalDate(iso: "2025-02-03"))
            #expect(r.units.count == 10)
            let by = Dictionary(uniqueKeysWithValues: r.units.map { ($0.unit.name, $0) })
            let qt = by["Quang Trung"]!, ts = by["Thanh Sơn"]!, tv = by["Trưng Vương"]!, vd = by["Vàng Danh"]!

            // Quang Trung: tips 4/5 = 80% (15); 1 effective model (10); fire 2/2 (10); ID cards 950/1000 = 95% →
            // 0.95 × 8 = 7.6; eID 9,000/10,000 = 90% (8); re-offenders 2 against 4 (10); accidents 6 against 5 (0);
            // racing 1 against 2 (6); 1 exemplar (10) → 76.6; criteria 6 reviewed + 5 self = 11; bonus 2 → 89.6.
            #expect(qt.target("nguon-tin-nhan-dan").value == 80)
            #expect(qt.target("nguon-tin-nhan-dan").numerator == 4)
            #expect(qt.target("nguon-tin-nhan-dan").denominator == 5)
            #expect(qt.target("can-cuoc-duoi-14").value == 95)
            #expect(qt.target("tai-pham").value == 2)
            #expect(qt.target("tai-pham").baseline == 4)
            #expect(qt.target("tai-nan-giao-thong").value == 6)
            #expect(qt.target("tai-nan-giao-thong").baseline == 5)
            #expect(qt.points == [15, 10, 10, 7.6, 8, 10, 0, 6, 10])
            #expect(qt.targetPoints == 76.6)
            #expect(qt.criteriaPoints == 11)
            #expect(qt.adjustmentPoints == 2)
            #expect(qt.total == 89.6)
            #expect(qt.classification?.id == "tot")

            // Thanh Sơn: tips 1/2 = 50% → 50/80 × 15 = 9.38; model effective only from 01/03/2025 (0); fire 3/4 →
            // 7.5; ID cards 800/800 (8); eID activated never reported (no data, 0); re-offenders 2 against 2 (0);
            // accidents 0 against 0 (8); racing no data (0); no exemplar (0) → 32.88; criteria 8; penalty 3 → 37.88.
            #expect(ts.points == [9.38, 0, 7.5, 8, 0, 0, 8, 0, 0])
            #expect(ts.target("dinh-danh-dien-tu").noData)
            #expect(ts.target("dua-xe-trai-phep").noData)
            #expect(ts.total == 37.88)
            #expect(ts.classification?.id == "khong-hoan-thanh")

            // Trưng Vương: only security tips (no social-order source: no data); its model closed before the end.
            #expect(tv.target("nguon-tin-nhan-dan").noData)
            #expect(tv.target("mo-hinh-hieu-qua").value == 0)
            #expect(tv.target("tai-pham").noData) // no baseline a year earlier
            #expect(tv.total == 0)
            // Vàng Danh: the first and last days count, the days either side do not: 2/2 = 100%.
            #expect(vd.target("nguon-tin-nhan-dan").denominator == 2)
            #expect(vd.total == 15)

            #expect(r.units.prefix(3).map(\.unit.name) == ["Quang Trung", "Thanh Sơn", "Vàng Danh"])
            #expect(r.units.map(\.rank) == [1, 2, 3, 4, 4, 4, 4, 4, 4, 4])
            #expect(by["Phương Nam"]!.reportingCompleteness == 2.0 / 9.0) // only the two record counts have data
        }
    }

    @Test("Phase 2 across the merger: the 3 wards of 19/08/2025 with their predecessors' records")
    func phase2() async throws {
        try await withApp { app in
            let f = try await Fixture(app)
            try await f.load()
            let r = try await f.results("dot-2")
            #expect(r.structureDate == LocalDate(iso: "2025-08-19"))
            #expect(r.units.map(\.unit.name) == ["Uông Bí", "Vàng Danh", "Yên Tử"])
            let ub = r.units[0], vd = r.units[1], yt = r.units[2]

            // Uông Bí: tips from the people: Điền Công 2 (of Trưng Vương), Quang Trung, the ward on 01/07 and 19/08
            // = 4; Thanh Sơn's camera tip makes 5 → 80% (15). Models: Quang Trung's and Thanh Sơn's (effective from
            // 01/03/2025) → 2 (10). Fire: the ward's coordinated drill and Yên Thanh's uncoordinated one → 50% (5).
            // ID cards: the ward's own August figure 4,900/5,000 = 98% → 7.84 (Quang Trung's June figure is
            // superseded). eID 15,000/20,000 = 75% → 7.5. Re-offenders 1 + 1 = 2 against 2 + 1 = 3 (10). Accidents
            // 2 against 4 (8). Racing 0 against 1 (6). One exemplar (10). Total 79.34.
            #expect(ub.target("nguon-tin-nhan-dan").numerator == 4)
            #expect(ub.target("nguon-tin-nhan-dan").denominator == 5)
            #expect(ub.target("mo-hinh-hieu-qua").value == 2)
            #expect(ub.target("can-cuoc-duoi-14").numerator == 4900)
            #expect(ub.target("tai-pham").baseline == 3)
            #expect(ub.points == [15, 10, 5, 7.84, 7.5, 10, 8, 6, 10])
            #expect(ub.total == 79.34)
            #expect(ub.classification?.id == "tot")

            // Vàng Danh: Vàng Danh's tip of 04/02 (people) and Trưng Vương's tip without a village (police; the larger
            // part of Trưng Vương went to Vàng Danh) → 50% → 9.38. Fire: Nam Khê's coordinated rescue → 100% (10).
            // ID cards: no figure of its own, so its parts' latest: (1,500 + 1,000) / (2,000 + 1,000) = 83.33% →
            // 6.67. Re-offenders 1 against 1 (0). One exemplar (10). Total 36.05.
            #expect(vd.target("nguon-tin-nhan-dan").numerator == 1)
            #expect(vd.target("nguon-tin-nhan-dan").denominator == 2)
            #expect(vd.target("can-cuoc-duoi-14").numerator == 2500)
            #expect(vd.target("can-cuoc-duoi-14").denominator == 3000)
            #expect(vd.points == [9.38, 0, 10, 6.67, 0, 0, 0, 0, 10])
            #expect(vd.total == 36.05)
            #expect(yt.total == 0)
            #expect(yt.target("nguon-tin-nhan-dan").noData)
            #expect(r.units.map(\.rank) == [1, 2, 3])
        }
    }

    @Test("The province rolls up from sums: 5 of 7 tips, not the average of 80% and 50%")
    func provinceRollUp() async throws {
        try await withApp { app in
            let f = try await Fixture(app)
            try await f.load()
            let token = try await issueToken(app, "thuongtruc")
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/results?unit=22&asOf=2025-08-20",
                                         headers: ["Authorization": "Bearer \(token)"]) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                #expect(body.units.count == 3)
                let tips = body.rollup!.targets.first { $0.targetId == "nguon-tin-nhan-dan" }!
                #expect(tips.numerator == 5)
                #expect(tips.denominator == 7)
                #expect(tips.value == 71.43)
                // Yên Tử had no tip at all (no denominator): the roll-up rests on the other two; Uông Bí met 80%.
                #expect(tips.communes == CommuneCount(total: 3, counted: 2, met: 1))
                let cards = body.rollup!.targets.first { $0.targetId == "can-cuoc-duoi-14" }!
                #expect(cards.numerator == 7400)
                #expect(cards.denominator == 8000)
                #expect(body.rollup!.rank == nil)
                #expect(body.formula.hasPrefix("Điểm mỗi chỉ tiêu"))
            }
        }
    }

    @Test("Phase 1 can be read in the structure of a later day; phase 2 in the old one")
    func otherStructures() async throws {
        try await withApp { app in
            let f = try await Fixture(app)
            try await f.load()
            let r1 = try await f.results("dot-1", structure: "2025-08-19")
            #expect(r1.units.map(\.unit.name) == ["Uông Bí", "Vàng Danh", "Yên Tử"])
            // Quang Trung's 4 + Thanh Sơn's 1 people tips and 1 police + 1 camera: 5/7.
            #expect(r1.units[0].target("nguon-tin-nhan-dan").numerator == 5)
            #expect(r1.units[0].target("nguon-tin-nhan-dan").denominator == 7)
            let r2 = try await f.results("dot-2", structure: "2025-06-30")
            #expect(r2.units.count == 10)
        }
    }

    @Test("A record outside a phase changes nothing in it", arguments: 0..<3)
    func outsideChangesNothing(seed: Int) async throws {
        try await withApp { app in
            let f = try await Fixture(app)
            try await f.load()
            let before = try await f.results("dot-1")
            var rng = SeededGenerator(seed: UInt64(seed + 1))
            for _ in 0..<15 {
                let commune = f.graph.units(at: .commune, on: LocalDate(iso: "2025-01-01")!).randomElement(using: &rng)!.id
                // Either before phase 1 began (and not a year earlier) or after it ended.
                let day = Bool.random(using: &rng) ? LocalDate(iso: "2024-08-18")!.adding(days: -Int(rng.next() % 20))
                    : LocalDate(iso: "2025-02-04")!.adding(days: Int(rng.next() % 100))
                try await f.tip(commune, day.iso, Bool.random(using: &rng) ? "people" : "police")
                try await f.record(.exemplar, commune, day.iso) { $0.subkind = "collective"; $0.title = "x"; $0.recognisedBy = "y" }
                try await f.record(.fireActivity, commune, day.iso) { $0.subkind = "drill"; $0.flag = false }
            }
            let after = try await f.results("dot-1")
            #expect(before.units == after.units)
        }
    }

    @Test("The results API needs an account and says what is wrong with its parameters")
    func resultsAPIInputs() async throws {
        try await withApp { app in
            try await loadDemo(app)
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results") { res in
                #expect(res.status == .unauthorized)
            }
            let token = try await issueToken(app, "lanhdao")
            let auth: HTTPHeaders = ["Authorization": "Bearer \(token)"]
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-9/results", headers: auth) { res in
                #expect(res.status == .notFound)
                let detail = try problem(res).detail
                #expect(detail == "Không có đợt thi đua này. Các đợt: dot-1, dot-2.")
            }
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?asOf=2025-02-31", headers: auth) { res in
                #expect(res.status == .badRequest)
            }
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?unit=06817&structureDate=2025-08-19", headers: auth) { res in
                #expect(res.status == .badRequest)
            }
            // An empty database of records: every count is 0, every ratio and figure has no data.
            try await app.testing().test(.GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?asOf=2025-03-01", headers: auth) { res in
                #expect(res.status == .ok)
                let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                #expect(body.units.count == 10)
                #expect(body.units.allSatisfy { $0.total == 0 && $0.rank == 1 && !$0.reporting })
                #expect(body.elapsedDays == 169)
            }
        }
    }
}

/// Signs in through the API and returns a bearer token.
func issueToken(_ app: Application, _ username: String) async throws -> String {
    var token = ""
    try await app.testing().test(.POST, "/api/v1/auth/token", beforeRequest: { req in
        try req.content.encode(["username": username, "password": "demo-password-for-tests"])
    }) { res in
        token = try res.content.decode(AuthAPI.TokenJSON.self).token
    }
    return token
}

@Suite("Results kept while nothing changes")
struct ResultsCacheTests {
    @Test("Computed once for the same phase and day; a record recomputes its commune alone, a structure change or another day everything")
    func kept() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let cache = try #require(app.resultsCache)
            let token = try await issueToken(app, "thuongtruc")
            let ward = DemoUnits.ward2025("Vàng Danh")
            func answers() -> [Int] { [cache.answers(.kept), cache.answers(.updated), cache.answers(.stored), cache.answers(.computed)] }
            func tips() async throws -> Double? {
                var value: Double?
                try await send(app, .GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/results?asOf=2025-08-20", token: token) { res in
                    let body = try res.content.decode(ResultsAPI.ResultsJSON.self)
                    value = body.units.first { $0.unit.id == ward.uuidString }?.targets.first { $0.targetId == "nguon-tin-nhan-dan" }?.numerator
                }
                return value
            }
            let before = try await tips()
            #expect(cache.count == 1 && answers() == [0, 0, 0, 1])
            // The same answer again is the bytes kept: nothing is computed or encoded.
            let parts = try #require(app.resultsBodies).encodedParts
            #expect(try await tips() == before)
            #expect(answers() == [0, 0, 0, 1] && app.resultsBodies?.encodedParts == parts)
            // A write is seen by the very next request, which recomputes the ward's facts alone.
            try await send(app, .POST, "/api/v1/records", token: token,
                           ["kind": "information_source", "unit": ward.uuidString, "date": "2025-08-05", "category": "social_order", "origin": "people"]) {
                #expect($0.status == .created)
            }
            #expect(try await tips() == (before ?? 0) + 1)
            #expect(answers() == [0, 1, 0, 1] && cache.count == 1)
            // Another day is another answer; both are kept.
            try await send(app, .GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/results?asOf=2025-08-10", token: token) {
                #expect($0.status == .ok)
            }
            #expect(cache.count == 2 && answers() == [0, 1, 0, 2])
            // A change to the structure, written straight to the database (no audit entry), moves its version.
            try await Unit(UnitInfo(level: .village, kind: "khu", name: "Mới", validFrom: LocalDate(iso: "2025-08-01")!), sample: false).create(on: app.db)
            _ = try await tips()
            #expect(answers() == [0, 1, 0, 3])
        }
    }
}
