import Fluent
import Foundation
import SQLKit
import Testing
import ThiDuaCore
import Vapor
import ThiDuaZlib
@testable import App

/// A gzip member unzipped by zlib itself, as a client would; throws if it is not whole and valid (CRC and length).
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit2_(&stream, MAX_WBITS + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw TestFailure(description: "inflateInit2") }
    defer { inflateEnd(&stream) }
    var input = bytes
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
        stream.next_in = inBuffer.baseAddress
        stream.avail_in = uInt(inBuffer.count)
        var status = Z_OK
        while status == Z_OK {
            status = chunk.withUnsafeMutableBufferPointer { c in
                stream.next_out = c.baseAddress
                stream.avail_out = uInt(c.count)
                let s = inflate(&stream, Z_NO_FLUSH)
                out.append(contentsOf: c[..<(c.count - Int(stream.avail_out))])
                return s
            }
        }
        return status
    }
    guard status == Z_STREAM_END, stream.avail_in == 0 else { throw TestFailure(description: "gzip: status \(status), \(stream.avail_in) bytes left") }
    return out
}

@Suite("Kept results: brought up to date commune by commune, equal to a fresh computation")
struct KeptResultsTests {
    /// The phases and structure days the checks read: phase 1; phase 2 in the wards of 2025, where the communes of
    /// 2024 count whole or village by village in their successors; phase 2 in the communes of 2024.
    static let keys: [(phase: String, asOf: String, structure: String?)] = [
        ("dot-1", "2025-02-03", nil), ("dot-2", "2025-08-19", nil), ("dot-2", "2025-08-19", "2025-06-30"),
    ]

    /// Each key's results through the cache, which must equal the same computed afresh.
    static func check(_ app: Application, cache: ResultsCache, _ step: String?) async throws {
        guard let (movement, plan) = try await PlanService.movement("uong-bi-2024-2025", on: app.db) else { throw TestFailure(description: "no movement") }
        let graph = try await UnitService.graph(on: app.db)
        for key in keys {
            let phase = try #require(plan.phase(id: key.phase))
            let asOf = try #require(LocalDate(iso: key.asOf))
            let structure = key.structure.flatMap(LocalDate.init(iso:))
            let kept = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: asOf, structureDate: structure,
                                                        graph: graph, on: app.db, cache: cache)
            guard let step else { continue }
            let fresh = try await ResultsService.results(movement: movement, plan: plan, phase: phase, asOf: asOf, structureDate: structure,
                                                         graph: graph, on: app.db)
            // Named by the units that differ, not printed whole.
            let differing = zip(kept.all, fresh.all).filter { $0.0 != $0.1 }.map { pair in
                "\(pair.0.unit.name): " + pair.0.facts.filter { pair.1.facts[$0.key] != $0.value }.map { "\($0.key.measure) \($0.value.basis)/\(pair.1.facts[$0.key]?.basis ?? -1)" }.joined(separator: ", ")
            }
            #expect(kept.all.count == fresh.all.count && differing.isEmpty, "\(step): facts of \(key) differ in \(differing)")
            #expect(kept.units.map(\.total) == fresh.units.map(\.total) && kept.units.map(\.rank) == fresh.units.map(\.rank), "\(step): results of \(key)")
        }
    }

    static func record(_ app: Application, commune: UUID, village: UUID? = nil, on day: String, origin: String = "people",
                       kind: RecordKind = .informationSource, ended: String? = nil) async throws -> UUID {
        try await storeRecord(app.db, kind, commune: commune, village: village, on: day, by: DemoLoader.stableID("user", "thuongtruc")) {
            $0.endedOn = ended
            $0.category = "social_order"
            $0.origin = origin
            $0.status = "received"
        }.requireID()
    }

    @Test("Records added, moved, changed and removed, figures, scores and points: each read recomputes only the changed units and equals a fresh one")
    func changes() async throws {
        try await withApp { app in
            try await loadDemo(app, sampleRecords: true)
            let cache = ResultsCache()
            let sql = try #require(app.db as? any SQLDatabase)
            try await Self.check(app, cache: cache, "first")
            #expect(cache.answers(.computed) == 3 && cache.answers(.updated) == 0)
            let graph = try await UnitService.graph(on: app.db)
            let old = DemoUnits.commune("06808")
            let march = try #require(LocalDate(iso: "2025-03-05"))
            let village = try #require(graph.villages(of: old, on: march).last)

            // In a commune of 2024 and one of its villages, before the merger: counted whole or by village after it.
            let first = try await Self.record(app, commune: old, village: village.id, on: "2025-03-05")
            _ = try await Self.record(app, commune: old, on: "2024-10-02", origin: "police")
            try await Self.check(app, cache: cache, "added")
            #expect(cache.answers(.updated) == 3 && cache.answers(.computed) == 3)

            // In a ward of 2025; a model in force from spring to the end of the phase.
            _ = try await Self.record(app, commune: DemoUnits.ward2025("Vàng Danh"), on: "2025-07-15")
            _ = try await Self.record(app, commune: DemoUnits.ward2025("Yên Tử"), on: "2025-03-01", kind: .model)
            try await Self.check(app, cache: cache, "after the merger")

            // Moved to another commune, its origin changed, then a commune's records removed, straight in SQL.
            try await sql.raw("UPDATE records SET commune_id = \(bind: DemoUnits.commune("06811")), village_id = NULL WHERE id = \(bind: first)").run()
            try await Self.check(app, cache: cache, "moved")
            try await sql.raw("UPDATE records SET origin = 'police' WHERE commune_id = \(bind: DemoUnits.commune("06811")) AND origin = 'people'").run()
            try await sql.raw("DELETE FROM records WHERE commune_id = \(bind: old) AND occurred_on < '2024-12-01'").run()
            try await Self.check(app, cache: cache, "changed and removed")

            // Figures and committee scores.
            try await sql.raw("UPDATE figures SET value = value + 7 WHERE commune_id = \(bind: old)").run()
            guard let (movement, plan) = try await PlanService.movement("uong-bi-2024-2025", on: app.db),
                  let criterion = plan.criteria.first, let adjustment = plan.adjustments.first else { throw TestFailure(description: "no plan") }
            let score = CriterionScore()
            score.movementID = try movement.requireID()
            score.phaseID = "dot-2"
            score.unitID = DemoUnits.ward2025("Uông Bí")
            score.criterionID = criterion.id
            score.selfScore = criterion.points
            try await score.create(on: app.db)
            let entry = AdjustmentEntry()
            entry.movementID = try movement.requireID()
            entry.phaseID = "dot-1"
            entry.unitID = old
            entry.adjustmentID = adjustment.id
            entry.points = 1
            entry.reason = "test"
            try await entry.create(on: app.db)
            try await Self.check(app, cache: cache, "figures and scores")
            #expect(cache.answers(.computed) == 3, "nothing was recomputed whole")

            // Unchanged since: served as kept.
            let kept = cache.answers(.kept)
            try await Self.check(app, cache: cache, "unchanged")
            #expect(cache.answers(.kept) == kept + 3)

            // A server starting cold reads the stored facts and catches up on what changed since they were stored.
            _ = try await Self.record(app, commune: old, on: "2025-01-20")
            let cold = ResultsCache()
            try await Self.check(app, cache: cold, "cold")
            #expect(cold.answers(.stored) == 3 && cold.answers(.computed) == 0)
        }
    }

    @Test("A page of kept results is served while another request computes; only computing queues at the gate, and past its wait is 503")
    func gateOnlyComputes() async throws {
        try await withApp { app in
            try await loadDemo(app, sampleRecords: true)
            // One place, a short wait, whatever the machine's cores.
            let gate = ComputeGate(limit: 1, wait: .milliseconds(300))
            let cache = ResultsCache(graphs: app.unitGraphCache, gate: gate)
            app.resultsCache = cache
            let browser = Browser()
            try await browser.signIn(app, "thuongtruc", "demo-password-for-tests")
            let dashboard = "/movements/uong-bi-2024-2025/phases/dot-2"
            let commune = "/units/\(DemoUnits.commune("06808").uuidString)/movements/uong-bi-2024-2025"
            for page in [dashboard, commune] {
                try await browser.get(app, page) { #expect($0.status == .ok, "\(page)") }
            }
            let computed = cache.answers(.computed)
            #expect(computed >= 1)
            // Another computation holds the only place.
            let (release, releaser) = AsyncStream.makeStream(of: Void.self)
            let (held, holder) = AsyncStream.makeStream(of: Void.self)
            async let holding: Void = gate.run {
                holder.yield()
                for await _ in release { break }
            }
            for await _ in held { break }
            // What is kept is served, the page rendered, with no place at the gate.
            for page in [dashboard, commune, dashboard] {
                try await browser.get(app, page) { #expect($0.status == .ok, "\(page)") }
            }
            #expect(cache.answers(.computed) == computed && cache.answers(.updated) == 0)
            // A record written: the next page must bring the results up to date, waits for the place, and is refused.
            _ = try await Self.record(app, commune: DemoUnits.commune("06808"), on: "2025-03-10")
            try await browser.get(app, dashboard) { res in
                #expect(res.status == .serviceUnavailable)
                #expect(res.headers.first(name: "Retry-After") == "2")
            }
            releaser.yield()
            try await holding
            try await browser.get(app, dashboard) { #expect($0.status == .ok) }
            #expect(cache.answers(.computed) == computed && cache.answers(.updated) >= 1)
        }
    }

    @Test("Readers bringing results up to date while four writers add records: what is kept at the end equals a fresh computation")
    func concurrent() async throws {
        try await withApp { app in
            try await loadDemo(app, sampleRecords: true)
            let cache = ResultsCache()
            try await Self.check(app, cache: cache, "first")
            let communes = ["06808", "06811", "06814", "06817", "06820"].map(DemoUnits.commune)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for round in 0..<15 {
                            _ = try await Self.record(app, commune: communes[(writer + round) % communes.count],
                                                      on: round % 2 == 0 ? "2025-03-1\(writer)" : "2024-11-2\(writer)")
                        }
                    }
                }
                for _ in 0..<2 {
                    group.addTask {
                        // Read through the cache only: a fresh computation a moment later may see more records.
                        for _ in 0..<6 { try await Self.check(app, cache: cache, nil) }
                    }
                }
                try await group.waitForAll()
            }
            try await Self.check(app, cache: cache, "after")
        }
    }

    @Test("verify-totals finds stored facts that differ from a fresh computation, and --repair replaces them")
    func verify() async throws {
        try await withApp { app in
            try await loadDemo(app, sampleRecords: true)
            try await Self.check(app, cache: ResultsCache(), "first")
            var check = try await KeptFactsStore.verify(repair: false, on: app.db)
            #expect(check.checked == 3 && check.differing == 0 && check.stale == 0)
            // A stored count edited behind the triggers' back.
            let sql = try #require(app.db as? any SQLDatabase)
            struct Row: Decodable { var facts: String; var phase_id: String }
            let row = try #require(try await sql.raw("SELECT facts, phase_id FROM kept_facts WHERE phase_id = 'dot-1'").first(decoding: Row.self))
            var table = try JSONDecoder().decode(FactsTable.self, from: Data(row.facts.utf8))
            let i = try #require(table.rows[0].bases.firstIndex { $0 >= 0 })
            table.rows[0].values[i] = (table.rows[0].values[i] ?? 0) + 1
            let edited = String(decoding: try JSONEncoder().encode(table), as: UTF8.self)
            try await sql.raw("UPDATE kept_facts SET facts = \(bind: edited) WHERE phase_id = 'dot-1'").run()
            check = try await KeptFactsStore.verify(repair: false, on: app.db)
            #expect(check.differing == 1)
            check = try await KeptFactsStore.verify(repair: true, on: app.db)
            #expect(check.differing == 1)
            check = try await KeptFactsStore.verify(repair: false, on: app.db)
            #expect(check.checked == 3 && check.differing == 0)
            // Stored for a structure that has changed since: unused, and removed by a repair.
            try await Unit(UnitInfo(level: .village, kind: "khu", name: "Mới", validFrom: LocalDate(iso: "2025-08-01")!), sample: false).create(on: app.db)
            check = try await KeptFactsStore.verify(repair: true, on: app.db)
            #expect(check.stale == 3)
            struct N: Decodable { var n: Int }
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM kept_facts").first(decoding: N.self)?.n == 0)
        }
    }
}

@Suite("The results API's answer spliced from kept parts")
struct ResultsBodiesTests {
    @Test("Spliced from parts, the answer decodes to what was encoded; a changed unit alone is encoded again")
    func parts() async throws {
        try await withApp { app in
            try await loadDemo(app, sampleRecords: true)
            let token = try await issueToken(app, "thuongtruc")
            var answer: ResultsAPI.ResultsJSON?
            try await send(app, .GET, "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results", token: token) { res in
                answer = try res.content.decode(ResultsAPI.ResultsJSON.self)
            }
            var json = try #require(answer)
            #expect(json.units.count == 10)
            let bodies = ResultsBodies()
            // Both forms of the answer: the JSON, and the gzip of pieces, which must unzip to the very same bytes.
            func decoded(_ answer: ResultsBodies.Answer) throws -> ResultsAPI.ResultsJSON {
                let plain = Array(answer.plain.readableBytesView)
                let gzip = try #require(answer.gzip)
                #expect(try gunzip(Array(gzip.readableBytesView)) == plain)
                return try JSONDecoder().decode(ResultsAPI.ResultsJSON.self, from: Data(plain))
            }
            #expect(try decoded(try bodies.encode(json, tag: "a")) == json)
            #expect(bodies.encodedParts == 10)
            #expect(bodies.body(tag: "a") != nil && bodies.body(tag: "b") == nil)
            // One unit's rank and total move: only it is encoded again.
            json.units[3].rank = 1
            json.units[3].total += 1
            #expect(try decoded(try bodies.encode(json, tag: "b")) == json)
            #expect(bodies.encodedParts == 11)
            // Another day is another answer: its parts are its own.
            json.asOf = "2025-01-01"
            #expect(try decoded(try bodies.encode(json, tag: "c")) == json)
            #expect(bodies.encodedParts == 21)
            // With no units at all.
            json.units = []
            #expect(try decoded(try bodies.encode(json, tag: "d")) == json)

            // Over HTTP: gzip to a client that takes it, with the same entity tag; JSON to one that does not.
            let path = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results"
            var plain: [UInt8] = [], tag = ""
            try await send(app, .GET, path, token: token) { res in
                #expect(res.headers.first(name: .contentEncoding) == nil && res.headers.first(name: .vary) == "Accept-Encoding")
                plain = Array(res.body.readableBytesView)
                tag = res.headers.first(name: .eTag) ?? ""
            }
            for (accept, gzipped) in [("gzip", true), ("br;q=1.0, gzip;q=0.8", true), ("identity, gzip;q=0", false), ("br", false), ("GZIP ; q=0.5", true)] {
                try await app.testing().test(.GET, path, headers: ["Authorization": "Bearer \(token)", "Accept-Encoding": accept]) { res in
                    #expect(res.status == .ok && res.headers.first(name: .eTag) == tag)
                    #expect(res.headers.first(name: .contentEncoding) == (gzipped ? "gzip" : nil), "\(accept)")
                    let body = Array(res.body.readableBytesView)
                    let unzipped = try gzipped ? gunzip(body) : body
                    #expect(unzipped == plain, "\(accept)")
                    if gzipped { #expect(body.count * 3 < plain.count) }
                }
            }
        }
    }
}

@Suite("The unit graph stored as one value per structure version")
struct StructureSnapshotTests {
    @Test("The first read stores the graph; the next, afresh, reads the same from it; a structure change or a bad value reads the tables")
    func stored() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let sql = try #require(app.db as? any SQLDatabase)
            struct Row: Decodable { var version: Int64 }
            let tables = try await UnitService.read(on: app.db)
            let first = try await UnitService.graph(on: app.db)
            let stored = try await sql.raw("SELECT version FROM structure_snapshots").all(decoding: Row.self)
            let version = try await sql.raw("SELECT version FROM structure_version WHERE id = 1").first(decoding: Row.self)
            #expect(stored.count == 1 && stored.first?.version == version?.version)
            let again = try await UnitService.graph(on: app.db)
            #expect(again.snapshot() == tables.snapshot() && first.snapshot() == tables.snapshot())
            // A village added: the next read is of the new structure, stored in place of the old.
            try await Unit(UnitInfo(level: .village, kind: "khu", name: "Mới", validFrom: LocalDate(iso: "2025-08-01")!), sample: false).create(on: app.db)
            let changed = try await UnitService.graph(on: app.db)
            #expect(changed.units.count == tables.units.count + 1)
            let now = try await sql.raw("SELECT version FROM structure_snapshots").all(decoding: Row.self)
            #expect(now.count == 1 && now.first?.version != version?.version)
            // A stored value that does not read is passed over.
            try await sql.raw("UPDATE structure_snapshots SET data = \(bind: Data([1, 2, 3]))").run()
            #expect(try await UnitService.graph(on: app.db).units.count == tables.units.count + 1)
        }
    }
}
