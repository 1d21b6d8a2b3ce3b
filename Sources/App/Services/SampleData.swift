import Fluent
import Foundation
import SQLKit
import ThiDuaCore

/// Inserts many rows at once: multi-row INSERTs inside transactions, the fastest path both databases share.
struct BulkWriter {
    let sql: any SQLDatabase
    let table: String
    let columns: [String]
    private(set) var rows: [[any Encodable & Sendable]] = []
    private(set) var written = 0
    /// Rows per statement, kept under PostgreSQL's 65,535 bind parameters.
    let batch: Int

    init(sql: any SQLDatabase, table: String, columns: [String]) {
        self.sql = sql
        self.table = table
        self.columns = columns
        self.batch = max(1, min(1000, 60_000 / columns.count))
    }

    /// Adds a row; with `autoFlush` off the caller flushes, so that rows that others refer to go in first.
    mutating func add(_ row: [any Encodable & Sendable], autoFlush: Bool = true) async throws {
        rows.append(row)
        if autoFlush && rows.count >= batch { try await flush() }
    }

    var isFull: Bool { rows.count >= batch }

    mutating func flush() async throws {
        guard !rows.isEmpty else { return }
        var insert = sql.insert(into: table).columns(columns)
        for row in rows { insert = insert.values(row) }
        try await insert.run()
        written += rows.count
        rows.removeAll(keepingCapacity: true)
    }
}

/// Realistic sample records and figures for a set of villages over a span of days: the demo's, and the
/// benchmark's at any scale. Deterministic for a seed.
struct SampleData {
    static let recordColumns = ["id", "kind", "commune_id", "village_id", "occurred_on", "ended_on", "category", "origin",
                                "status", "flag", "flag_on", "subkind", "title", "quantity", "participants", "started_at",
                                "ended_at", "reform_case_id", "person_code", "person_name", "recognised_by", "created_by",
                                "created_at", "updated_at"]
    static let figureColumns = ["id", "commune_id", "kind", "month", "value", "basis", "created_by", "created_at", "updated_at"]

    /// Records a village produces per year, by kind (a team of 3–5 people, as reports from similar movements describe).
    struct Rates {
        var tips = 12.0
        var patrols = 24.0
        var fire = 4.0
        var propaganda = 12.0
        var exemplars = 0.3
        var models = 0.15
        var reformCases = 0.4
        /// A multiplier for every rate, to reach a target volume.
        var scale = 1.0

        init(scale: Double = 1) { self.scale = scale }
    }

    let graph: UnitGraph
    let author: UUID
    var rng: SeededGenerator
    let now = Date()

    /// A number of events with the given mean (Poisson by inversion; fine for small means).
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((mean + mean.squareRoot() * gaussian()).rounded())) }
        let l = exp(-mean)
        var k = 0
        var p = 1.0
        repeat {
            k += 1
            p *= Double.random(in: 0..<1, using: &rng)
        } while p > l
        return k - 1
    }

    mutating func gaussian() -> Double {
        let u = Double.random(in: 0.000001..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    mutating func day(in span: DateSpan) -> LocalDate {
        span.start.adding(days: Int(rng.next() % UInt64(span.dayCount)))
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func id() -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        let a = rng.next(), b = rng.next()
        for i in 0..<8 { bytes[i] = UInt8((a >> (8 * UInt64(i))) & 0xFF); bytes[8 + i] = UInt8((b >> (8 * UInt64(i))) & 0xFF) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Each commune's own character: how much of its information comes from the people, how well the team
    /// coordinates fire activities. Units differ, so rankings differ.
    struct Character {
        var peopleShare: Double
        var coordination: Double
        var activity: Double
    }

    mutating func character() -> Character {
        Character(peopleShare: Double.random(in: 0.55...0.95, using: &rng),
                  coordination: Double.random(in: 0.75...1.0, using: &rng),
                  activity: Double.random(in: 0.6...1.4, using: &rng))
    }

    /// Records for every village over the span, each filed under the commune the village belonged to that day.
    mutating func records(villages: [UnitInfo], span: DateSpan, rates: Rates, into out: inout BulkWriter) async throws {
        var characters: [UUID: Character] = [:]
        let years = Double(span.dayCount) / 365
        for village in villages {
            guard let home = graph.ancestor(of: village.id, at: .commune, on: span.start)
                ?? graph.ancestor(of: village.id, at: .commune, on: span.end) else { continue }
            if characters[home] == nil { characters[home] = character() }
            let c = characters[home]!
            let k = rates.scale * c.activity * years
            func place(_ day: LocalDate) -> UUID? { graph.ancestor(of: village.id, at: .commune, on: day) }

            for _ in 0..<poisson(rates.tips * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let socialOrder = chance(0.8)
                let origin = socialOrder && chance(c.peopleShare) ? "people"
                    : ["team_member", "police", "other_agency", "camera"].randomElement(using: &rng)!
                let rid = id()
                try await out.add(Self.row(kind: .informationSource, commune: commune, village: village.id, day: d, id: rid, author: author, at: now) {
                    $0[6] = socialOrder ? "social_order" : ["security", "drugs", "economic", "other"].randomElement(using: &rng)!
                    $0[7] = origin
                    $0[8] = ["received", "verifying", "verified", "closed"].randomElement(using: &rng)!
                })
            }
            for _ in 0..<poisson(rates.patrols * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let start = VietnamTime.startOfDay(d).addingTimeInterval(Double(19 * 3600 + Int(rng.next() % 10_800)))
                let rid = id()
                try await out.add(Self.row(kind: .patrol, commune: commune, village: village.id, day: d, id: rid, author: author, at: now) {
                    $0[9] = chance(0.05)
                    $0[13] = poisson(0.2)
                    $0[14] = 2 + Int(rng.next() % 4)
                    $0[15] = start
                    $0[16] = start.addingTimeInterval(Double(5400 + Int(rng.next() % 7200)))
                })
            }
            for _ in 0..<poisson(rates.fire * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let rid = id()
                try await out.add(Self.row(kind: .fireActivity, commune: commune, village: village.id, day: d, id: rid, author: author, at: now) {
                    $0[9] = chance(c.coordination)
                    $0[11] = ["drill", "inspection", "propaganda", "rescue"].randomElement(using: &rng)!
                })
            }
            for _ in 0..<poisson(rates.propaganda * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let rid = id()
                try await out.add(Self.row(kind: .propaganda, commune: commune, village: village.id, day: d, id: rid, author: author, at: now) {
                    $0[12] = ["Luật Lực lượng tham gia bảo vệ ANTT ở cơ sở", "Phòng chống ma túy", "An toàn giao thông",
                              "Phòng cháy chữa cháy", "Phòng chống lừa đảo trên không gian mạng"].randomElement(using: &rng)!
                    $0[13] = 20 + Int(rng.next() % 120)
                })
            }
            for _ in 0..<poisson(rates.exemplars * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let rid = id()
                try await out.add(Self.row(kind: .exemplar, commune: commune, village: village.id, day: d, id: rid, author: author, at: now) {
                    $0[11] = chance(0.4) ? "collective" : "individual"
                    $0[12] = "Điển hình \(village.fullName)"
                    $0[20] = "UBND cấp xã"
                })
            }
            for _ in 0..<poisson(rates.models * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let effective = chance(0.7)
                let rid = id()
                try await out.add(Self.row(kind: .model, commune: commune, village: village.id, day: d, id: rid, author: author, at: now) {
                    $0[9] = effective
                    if effective { $0[10] = d.adding(days: 30 + Int(rng.next() % 90)).iso }
                    $0[12] = ["Camera an ninh", "Tổ tự quản", "Khu dân cư an toàn về ANTT", "Zalo an ninh"].randomElement(using: &rng)!
                })
            }
            for _ in 0..<poisson(rates.reformCases * k) {
                let d = day(in: span)
                guard let commune = place(d) else { continue }
                let caseID = id()
                try await out.add(Self.row(kind: .reformCase, commune: commune, village: village.id, day: d, id: caseID, author: author, at: now) {
                    let reoffends = chance(0.15)
                    $0[9] = reoffends
                    if reoffends { $0[10] = d.adding(days: 20 + Int(rng.next() % 150)).iso }
                    $0[18] = "DT-\(caseID.uuidString.prefix(6))"
                })
                for visit in 0..<(1 + poisson(3)) {
                    let v = d.adding(days: 15 * (visit + 1))
                    guard v <= span.end, let vc = place(v) else { continue }
                    let rid = id()
                try await out.add(Self.row(kind: .reformVisit, commune: vc, village: village.id, day: v, id: rid, author: author, at: now) { $0[17] = caseID })
                }
            }
        }
        try await out.flush()
    }

    /// One record row; `fill` sets the kind's own columns.
    static func row(kind: RecordKind, commune: UUID, village: UUID?, day: LocalDate, id: UUID, author: UUID, at now: Date,
                    _ fill: (inout [any Encodable & Sendable]) -> Void) -> [any Encodable & Sendable] {
        var r = Self.nulls
        r[0] = id
        r[1] = kind.rawValue
        r[2] = commune
        r[3] = village
        r[4] = day.iso
        fill(&r)
        r[21] = author
        r[22] = now
        r[23] = now
        return r
    }

    /// A NULL of each column's own type, as PostgreSQL wants typed parameters.
    static let nulls: [any Encodable & Sendable] = [
        UUID?.none, String?.none, UUID?.none, UUID?.none, String?.none, String?.none, String?.none, String?.none,
        String?.none, Bool?.none, String?.none, String?.none, String?.none, Int?.none, Int?.none, Date?.none, Date?.none,
        UUID?.none, String?.none, String?.none, String?.none, UUID?.none, Date?.none, Date?.none,
    ]

    /// Monthly figures per commune from `from` to `to`: identity-card and e-ID coverage that rises over time,
    /// accidents, racing and re-offenders that fall a little year on year.
    mutating func figures(communes: [UnitInfo], from: Month, to: Month, into out: inout BulkWriter) async throws {
        for commune in communes {
            let population = Double(commune.population ?? 8000)
            let under14 = (population * 0.22).rounded()
            let eligible = (population * 0.7).rounded()
            let idStart = Double.random(in: 0.45...0.7, using: &rng), idEnd = Double.random(in: 0.9...1.02, using: &rng)
            let eidStart = Double.random(in: 0.3...0.5, using: &rng), eidEnd = Double.random(in: 0.65...0.92, using: &rng)
            let accidents = population / 10_000 * Double.random(in: 0.5...1.5, using: &rng)
            let total = Double(max(1, (to.year - from.year) * 12 + to.month - from.month))
            for (i, m) in from.through(to).enumerated() {
                if commune.isValid(on: m.firstDay) || commune.isValid(on: m.lastDay) {
                    let t = Double(i) / total
                    let trend = 1 - 0.15 * t
                    let values: [(FigureKind, Double, String?)] = [
                        (.under14Population, under14, "population"),
                        (.under14WithIdCard, (under14 * (idStart + (idEnd - idStart) * t)).rounded(), nil),
                        (.eidEligible, eligible, "population"),
                        (.eidActivatedLevel2, (eligible * (eidStart + (eidEnd - eidStart) * t)).rounded(), nil),
                        (.trafficAccidents, Double(poisson(accidents * trend)), nil),
                        (.illegalRacing, Double(poisson(0.2 * trend)), nil),
                        (.reoffenders, Double(poisson(0.15 * trend)), nil),
                    ]
                    for (kind, value, basis) in values {
                        try await out.add([id(), commune.id, kind.rawValue, m.text, Int(value), basis,
                                           author, now, now] as [any Encodable & Sendable])
                    }
                }
            }
        }
        try await out.flush()
    }
}
