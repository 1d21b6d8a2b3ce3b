import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import SQLKit
import ThiDuaCore
import Vapor

/// `thidua bench live`: the nation's results read over HTTP on loopback by many connections at once while another
/// client writes records at a steady rate, every write checked in the very next read of its commune.
struct BenchLiveCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "plan", help: "The movement (default: the first whose id starts with bench-, else the first).")
        var plan: String?
        @Option(name: "seconds", help: "How long each number of connections reads (default 10).")
        var seconds: Int?
        @Option(name: "connections", help: "Numbers of reading connections, comma-separated (default 8,64).")
        var connections: String?
        @Option(name: "writes", help: "Records written per second meanwhile (default 10).")
        var writes: Int?
        @Option(name: "port", help: "The loopback port to serve on (default 18194).")
        var port: Int?
    }

    var help: String {
        "Serves ThiĐua on loopback; for each number of connections, reads the last phase's results for every commune (gzip taken, as browsers do; then also with If-None-Match) as fast as they answer while one client writes records at a steady rate through the API and checks each in the next read of its commune. Prints reads per second, p50, p99, writes and writes seen. Signed in as bench-data's account `bench`; the records written are removed at the end."
    }

    struct Round {
        var connections: Int
        /// Whether readers sent back the entity tag they had (`If-None-Match`), as browsers and polling clients do.
        var revalidate: Bool
        var full: Int
        var reads: Int
        var seconds: Double
        var p50: Double
        var p99: Double
        var bytes: Int
        var writes: Int
        var seen: Int
        var writeP50: Double
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        try await app.migrateQuietly()
        let (_, plan, phase) = try await BenchSetup.movement(plan: signature.plan, phase: nil, context: context)
        guard let target = Self.peopleSourcesTarget(plan) else {
            context.complain(app.localizer.text("cli.bench.noMovement", lang))
            throw ExitCode.failure
        }
        let password = try await BenchSetup.password(context: context)
        let graph = try await app.unitGraph()
        let structureDay = phase.end
        let communes = Participation.participants(plan: plan, structureDate: structureDay, graph: graph)
        guard !communes.isEmpty else {
            context.complain(app.localizer.text("cli.bench.noMovement", lang))
            throw ExitCode.failure
        }
        let counts = (signature.connections ?? "8,64").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .filter { (1...1024).contains($0) }
        let seconds = max(1, min(signature.seconds ?? 10, 600))
        let rate = max(1, min(signature.writes ?? 10, 200))
        let port = signature.port ?? 18194
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = (counts.max() ?? 8) + 2
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let base = "http://127.0.0.1:\(port)"
        var written: [String] = []
        do {
            let token = try await BenchSetup.token(client: client, base: base, password: password)
            let path = "/api/v1/movements/\(plan.id)/phases/\(phase.id)/results"
            var rounds: [Round] = []
            for revalidate in [false, true] {
                for connections in counts {
                    let (round, ids) = try await Self.round(client: client, base: base, path: path, token: token, connections: connections,
                                                            revalidate: revalidate, seconds: seconds, rate: rate, phase: phase,
                                                            communes: communes, target: target)
                    rounds.append(round)
                    written += ids
                }
            }
            let database = (app.db as? any SQLDatabase)?.dialect.name ?? "?"
            context.say("plan \(plan.id), phase \(phase.id), \(database), \(communes.count) communes; \(rate) writes/s requested; \(seconds) s per round")
            context.say("| readers | connections | reads | reads/s | whole answers (bytes each) | p50 | p99 | writes | seen in the next read | write p50 |")
            context.say("|---|---|---|---|---|---|---|---|---|---|")
            for r in rounds {
                context.say(String(format: "| %@ | %d | %d | %.1f | %d (%@) | %.1f ms | %.1f ms | %d | %d | %.1f ms |",
                                   r.revalidate ? "with If-None-Match" : "whole answers", r.connections, r.reads, Double(r.reads) / r.seconds,
                                   r.full, groupedNumber(r.bytes).replacingOccurrences(of: ".", with: ","), r.p50, r.p99, r.writes, r.seen, r.writeP50))
            }
        } catch {
            try? await client.shutdown()
            await app.server.shutdown()
            try? await Self.remove(written, on: app.db)
            if let failure = error as? BenchFailure {
                context.complain(app.localizer.text(failure.key, lang, failure.arguments))
                throw ExitCode.failure
            }
            throw error
        }
        try await client.shutdown()
        await app.server.shutdown()
        try await Self.remove(written, on: app.db)
    }

    /// The target whose numerator counts the people's information sources (target 1 of the seed plan), which a
    /// written source moves by exactly one.
    static func peopleSourcesTarget(_ plan: Plan) -> String? {
        plan.targets.first { target in
            if case let .ratio(numerator, _) = target.indicator, case let .records(kind, filter, .phase) = numerator {
                return kind == .informationSource && filter.allSatisfy { ["category": "social_order", "origin": "people"][$0.field] == $0.value }
            }
            return false
        }?.id
    }

    /// One round: readers on `connections` connections, one writer; returns the timings and the records written.
    static func round(client: HTTPClient, base: String, path: String, token: String, connections: Int, revalidate: Bool, seconds: Int, rate: Int,
                      phase: Phase, communes: [UnitInfo], target: String) async throws -> (Round, [String]) {
        let auth: HTTPHeaders = ["Authorization": "Bearer \(token)"]
        let clock = ContinuousClock()
        // Warm: the first answer computes (or reads the stored facts) and encodes every unit.
        var asked = auth
        asked.add(name: .acceptEncoding, value: "gzip")
        let warm = try await client.execute(request: try HTTPClient.Request(url: base + path, headers: asked)).get()
        guard warm.status == .ok else { throw BenchFailure(key: "cli.bench.answer", arguments: ["path": path, "status": String(warm.status.code)]) }
        let bytes = warm.body?.readableBytes ?? 0
        let end = clock.now + .seconds(seconds)
        return try await withThrowingTaskGroup(of: ([Double], [Double], Int, [String], Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    var tag: String?
                    var full = 0
                    while clock.now < end {
                        // As browsers and HTTP clients ask: gzip taken (the bytes are counted, not unzipped).
                        var headers = auth
                        headers.add(name: .acceptEncoding, value: "gzip")
                        if revalidate, let tag { headers.add(name: .ifNoneMatch, value: tag) }
                        let t0 = clock.now
                        let answer = try await client.execute(request: try HTTPClient.Request(url: base + path, headers: headers)).get()
                        guard answer.status == .ok || (revalidate && answer.status == .notModified) else {
                            throw BenchFailure(key: "cli.bench.answer", arguments: ["path": path, "status": String(answer.status.code)])
                        }
                        latencies.append((clock.now - t0).milliseconds)
                        if answer.status == .ok { full += 1 }
                        tag = answer.headers.first(name: .eTag)
                    }
                    return (latencies, [], 0, [], full)
                }
            }
            group.addTask {
                var writes: [Double] = [], seen = 0, ids: [String] = []
                var next = clock.now
                var i = 0
                // Ten communes across the nation in turn; each one's count is read once before its first write, then
                // known from the read after each.
                // Each dated the first day of the phase it existed (the nation's wards began 01/07/2025, in phase 2).
                let written: [(unit: UnitInfo, day: LocalDate)] = (0..<min(10, communes.count)).compactMap { n in
                    let commune = communes[(n * 7919) % communes.count]
                    return phase.firstDay(of: commune).map { (commune, $0) }
                }
                guard !written.isEmpty else { throw BenchFailure(key: "cli.bench.noCommunes", arguments: ["phase": phase.id]) }
                var known: [UUID: Double] = [:]
                while clock.now < end {
                    try await Task.sleep(until: next, clock: clock)
                    next = next + .milliseconds(1000 / rate)
                    let (commune, day) = written[i % written.count]
                    i += 1
                    var before = known[commune.id]
                    if before == nil {
                        before = try await numerator(client: client, base: base, path: path, auth: auth, commune: commune.id, target: target)
                    }
                    var request = try HTTPClient.Request(url: base + "/api/v1/records", method: .POST,
                                                         headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"])
                    request.body = .string(#"{"kind":"information_source","unit":"\#(commune.id.uuidString)","date":"\#(day.iso)","category":"social_order","origin":"people"}"#)
                    let t0 = clock.now
                    let answer = try await client.execute(request: request).get()
                    writes.append((clock.now - t0).milliseconds)
                    struct Created: Decodable { var id: String }
                    guard answer.status == .created, let body = answer.body, let id = try? JSONDecoder().decode(Created.self, from: body).id else {
                        throw BenchFailure(key: "cli.bench.answer", arguments: ["path": "/api/v1/records", "status": String(answer.status.code)])
                    }
                    ids.append(id)
                    let after = try await numerator(client: client, base: base, path: path, auth: auth, commune: commune.id, target: target)
                    if let before, after == before + 1 { seen += 1 }
                    known[commune.id] = after
                }
                return ([], writes, seen, ids, 0)
            }
            var reads: [Double] = [], writes: [Double] = [], seen = 0, ids: [String] = [], full = 0
            for try await (r, w, s, i, f) in group {
                reads += r
                writes += w
                seen += s
                ids += i
                full += f
            }
            reads.sort()
            writes.sort()
            return (Round(connections: connections, revalidate: revalidate, full: full, reads: reads.count, seconds: Double(seconds),
                          p50: BenchPagesCommand.percentile(reads, 0.5), p99: BenchPagesCommand.percentile(reads, 0.99), bytes: bytes,
                          writes: writes.count, seen: seen, writeP50: BenchPagesCommand.percentile(writes, 0.5)), ids)
        }
    }

    /// The commune's numerator of the target, as the API answers now.
    static func numerator(client: HTTPClient, base: String, path: String, auth: HTTPHeaders, commune: UUID, target: String) async throws -> Double? {
        let url = base + path + "?unit=" + commune.uuidString
        let answer = try await client.execute(request: try HTTPClient.Request(url: url, headers: auth)).get()
        guard answer.status == .ok, let body = answer.body else {
            throw BenchFailure(key: "cli.bench.answer", arguments: ["path": url, "status": String(answer.status.code)])
        }
        let json = try JSONDecoder().decode(ResultsAPI.ResultsJSON.self, from: body)
        return json.units.first?.targets.first { $0.targetId == target }?.numerator
    }

    /// The records the benchmark wrote, removed as they were not there before.
    static func remove(_ ids: [String], on db: any Database) async throws {
        let uuids = ids.compactMap(UUID.init(uuidString:))
        for first in stride(from: 0, to: uuids.count, by: 500) {
            try await Record.query(on: db).filter(\.$id ~~ Array(uuids[first..<min(first + 500, uuids.count)])).delete()
        }
    }
}
