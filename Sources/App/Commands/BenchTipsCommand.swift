import AsyncHTTPClient
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import ThiDuaCore
import Vapor

/// `thidua bench tips`: citizens' tips accepted per second over HTTP on loopback, each durably stored before its
/// answer (sealed in the spool, then written by a release, timed apart; or committed at once with no release), beside two baselines measured in the same run: this server's `/healthz` on the same connections,
/// and the database's own rate of durable single-row inserts of the same size (the `sqlite3` shell in the same
/// mode, or `pgbench`).
struct BenchTipsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "seconds", help: "How long each round runs (default 10).")
        var seconds: Int?
        @Option(name: "connections", help: "Connections sending at once (default 16).")
        var connections: Int?
        @Option(name: "port", help: "The loopback port to serve on (default 18195).")
        var port: Int?
        @Option(name: "uploads", help: "Clients each uploading a photo over and over while /healthz is timed on one connection, beside /healthz alone (default 0: no such round; 8 for the documented figure).")
        var uploads: Int?
        @Option(name: "upload-mb", help: "The uploaded photo's size in MB, made with vips (default 15).")
        var uploadMB: Int?
    }

    var help: String {
        "Serves ThiĐua on loopback with the tips' limits off; sends tips through POST /api/v1/tips on many connections for some seconds (every answer after its tip is on disk: in the spool, sealed, when tips wait for a release, then all written by one release, timed), then asks /healthz the same way, then measures the database's own durable single-row inserts of a tip's size (sqlite3 or pgbench, 16 clients). Prints rates, p50 and p99 and the ratios. The tips sent are removed at the end; their audit entries stay."
    }

    struct Round {
        var name: String
        var count: Int
        var seconds: Double
        var p50: Double
        var p99: Double
        var rate: Double { Double(count) / seconds }
    }

    /// The body of each tip: a description of a typical length, a contact, a village unknown.
    static func body(commune: UUID, day: LocalDate, n: Int) -> String {
        #"{"category":"social_order","unit":"\#(commune.uuidString)","occurredOn":"\#(day.iso)","time":"21:30","contact":"0912 345 678","description":"Bench tip \#(n): nhóm thanh niên tụ tập, nẹt pô, đua xe trên đường 18 đoạn gần cầu, thường từ 22 giờ đến nửa đêm các tối cuối tuần."}"#
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let lang = app.config.defaultLanguage
        try await app.migrateQuietly()
        let today = VietnamTime.localDate(of: Date())
        let graph = try await app.unitGraph()
        guard let commune = graph.units(at: .commune, on: today).sorted(by: UnitGraph.naturalOrder).first else {
            context.complain(app.localizer.text("cli.bench.noMovement", lang))
            throw ExitCode.failure
        }
        let seconds = max(1, min(signature.seconds ?? 10, 600))
        let connections = max(1, min(signature.connections ?? 16, 256))
        let port = signature.port ?? 18195
        // Limits off: one client on loopback is the whole crowd here.
        var off = TipLimits()
        off.enabled = false
        let old = app.tips
        app.tips = TipContext(secrets: old.secrets, limiter: TipLimiter(limits: off), files: old.files, rebuilder: old.rebuilder, writer: old.writer, mailer: old.mailer, spool: old.spool, holds: old.holds)
        let before = try await Tip.query(on: app.db).count()
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections + 2
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let base = "http://127.0.0.1:\(port)"
        var rounds: [Round] = []
        let uploaders = max(0, min(signature.uploads ?? 0, 64))
        var uploadRound: Uploads?
        do {
            let counter = NIOLockedValueBox(0)
            rounds.append(try await Self.round("POST /api/v1/tips", client: client, connections: connections, seconds: seconds, expect: .created) {
                let n = counter.withLockedValue { $0 += 1; return $0 }
                var request = try HTTPClient.Request(url: base + "/api/v1/tips", method: .POST, headers: ["Content-Type": "application/json"])
                request.body = .string(Self.body(commune: commune.id, day: today, n: n))
                return request
            })
            rounds.append(try await Self.round("GET /healthz", client: client, connections: connections, seconds: seconds, expect: .ok) {
                try HTTPClient.Request(url: base + "/healthz")
            })
            if uploaders > 0 {
                uploadRound = try await Self.uploadRound(uploaders: uploaders, megabytes: max(1, min(signature.uploadMB ?? 15, 15)),
                                                         commune: commune.id, day: today, client: client, base: base, seconds: seconds,
                                                         work: app.config.dataDirectory)
            }
        } catch {
            try? await client.shutdown()
            await app.server.shutdown()
            throw error
        }
        try await client.shutdown()
        await app.server.shutdown()
        // What was accepted waits for its release (as at the top of each hour): written now, timed.
        var release: (count: Int, seconds: Double)?
        if app.tips.holds {
            let clock = ContinuousClock()
            let start = clock.now
            let written = try await TipService.release(context: app.tips, on: app.db, logger: app.logger)
            release = (written, (clock.now - start).seconds)
        }
        let stored = try await Tip.query(on: app.db).count() - before
        // The size of one tip's rows (tip, record, audit entry), for the baseline's rows.
        let rowBytes = 1_000
        let baseline = try await Self.baseline(app: app, connections: connections, seconds: seconds, rowBytes: rowBytes, context: context)
        try await Self.removeBenchTips(on: app.db, files: app.tips.files)
        let tips = rounds[0], health = rounds[1]
        let database = (app.db as? any SQLDatabase)?.dialect.name ?? "?"
        context.say("\(database), \(connections) connections, \(seconds) s per round; tips stored \(stored), answered 201 \(tips.count) (and one to warm up)")
        context.say("| what | per second | p50 | p99 | tips ÷ it |")
        context.say("|---|---|---|---|---|")
        context.say(String(format: "| tips accepted (POST /api/v1/tips, durable) | %.0f | %.1f ms | %.1f ms | 1 |", tips.rate, tips.p50, tips.p99))
        if let release {
            context.say(String(format: "| the release: %d waiting tips written in one go | %.0f | – | %.2f s in all | %.2f |", release.count,
                               Double(release.count) / max(release.seconds, 0.001), release.seconds,
                               tips.rate / max(Double(release.count) / max(release.seconds, 0.001), 0.001)))
        }
        context.say(String(format: "| same server's GET /healthz | %.0f | %.1f ms | %.1f ms | %.2f |", health.rate, health.p50, health.p99, tips.rate / max(health.rate, 0.001)))
        if let baseline {
            context.say(String(format: "| %@ (%d B rows, durable) | %.0f | %@ | %@ | %.2f |", baseline.name, rowBytes, baseline.rate,
                               baseline.p50 > 0 ? String(format: "%.1f ms", baseline.p50) : "–", baseline.p99 > 0 ? String(format: "%.1f ms", baseline.p99) : "–",
                               tips.rate / max(baseline.rate, 0.001)))
        } else {
            context.say("| database's own inserts | not measured: neither sqlite3 nor pgbench found | | | |")
        }
        if uploaders > 0 && uploadRound == nil {
            context.say("")
            context.say("Uploads: not measured: vips (libvips-tools), which makes the photo, was not found")
        }
        if let u = uploadRound {
            context.say("")
            context.say(String(format: "Uploads: %d clients, each a %.1f MB photo (%@) to POST /api/v1/tips over and over, %d s", uploaders,
                               Double(u.fileBytes) / 1_000_000, u.picture, seconds))
            context.say("| what | count | per second | p50 | p99 | resident memory |")
            context.say("|---|---|---|---|---|---|")
            context.say(String(format: "| GET /healthz alone, 1 connection | %d | %.0f | %.1f ms | %.1f ms | %.0f MiB |", u.idle.count, u.idle.rate,
                               u.idle.p50, u.idle.p99, u.memoryBefore))
            context.say(String(format: "| GET /healthz during the uploads, 1 connection | %d | %.0f | %.1f ms | %.1f ms | at most %.0f MiB |",
                               u.loaded.count, u.loaded.rate, u.loaded.p50, u.loaded.p99, u.memoryPeak))
            context.say(String(format: "| uploads answered 201 (then %d refused: %@) | %d | %.1f (%.0f MB/s) | %.0f ms | %.0f ms | |", u.refused,
                               u.refusals.isEmpty ? "none" : u.refusals, u.uploads.count, u.uploads.rate,
                               u.uploads.rate * Double(u.fileBytes) / 1_000_000, u.uploads.p50, u.uploads.p99))
            context.say(String(format: "| /healthz p99 during ÷ alone | | | | %.2f | |", u.loaded.p99 / max(u.idle.p99, 0.001)))
        }
    }

    /// What the upload round measured.
    struct Uploads {
        var fileBytes: Int
        var picture: String
        var idle: Round
        var loaded: Round
        var uploads: Round
        var refused: Int
        var refusals: String
        var memoryBefore: Double
        var memoryPeak: Double
    }

    /// A photo of noise (nothing compresses it) of about `megabytes`, made with vips in the data folder; its bytes
    /// and size in pixels. Nil without vips.
    static func noisePhoto(megabytes: Int, in folder: String) throws -> ([UInt8], String)? {
        guard let vips = find("vips", in: ["/usr/bin", "/usr/local/bin"]) else { return nil }
        let noise = (folder as NSString).appendingPathComponent("bench-noise.v")
        let photo = (folder as NSString).appendingPathComponent("bench-noise.jpg")
        defer { for f in [noise, photo] { try? FileManager.default.removeItem(atPath: f) } }
        // Grey noise at quality 90 takes about 0.69 bytes a pixel; one more try corrects the guess.
        var pixels = Double(megabytes) * 1_000_000 / 0.69
        var bytes: [UInt8] = []
        var size = ""
        for _ in 0..<2 {
            let width = Int((pixels * 4 / 3).squareRoot()), height = width * 3 / 4
            try execute(vips, ["gaussnoise", noise, String(width), String(height), "--mean", "128", "--sigma", "50"])
            try execute(vips, ["cast", noise, photo + "[Q=90]", "uchar"])
            bytes = (FileManager.default.contents(atPath: photo).map { [UInt8]($0) }) ?? []
            size = "\(width) × \(height)"
            guard !bytes.isEmpty else { return nil }
            // Kept under the limit of a file (15 MB), a little below the size asked.
            let target = Double(min(megabytes * 1_000_000, Attachment.maximumBytes) - 50_000)
            if Double(bytes.count) <= target && Double(bytes.count) > target * 0.93 { break }
            pixels *= target / Double(bytes.count)
        }
        return (bytes, size)
    }

    /// `/healthz` on one connection alone, then again while `uploaders` clients send a photo each over and over;
    /// the resident memory sampled meanwhile.
    static func uploadRound(uploaders: Int, megabytes: Int, commune: UUID, day: LocalDate, client: HTTPClient, base: String,
                            seconds: Int, work: String) async throws -> Uploads? {
        guard let (photo, size) = try noisePhoto(megabytes: megabytes, in: work) else { return nil }
        let boundary = "----thidua-bench-\(UUID().uuidString)"
        var body = ByteBuffer()
        for (name, value) in [("category", "social_order"), ("unit", commune.uuidString), ("occurredOn", day.iso),
                              ("description", "Bench tip upload: ảnh chụp xe không biển số đỗ trước cổng trường")] {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"IMG_0001.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
        body.writeBytes(photo)
        body.writeString("\r\n--\(boundary)--\r\n")
        let upload = body
        let health = { @Sendable () throws -> HTTPClient.Request in try HTTPClient.Request(url: base + "/healthz") }
        let idle = try await round("GET /healthz", client: client, connections: 1, seconds: seconds, expect: .ok, make: health)
        let before = residentMemory
        let clock = ContinuousClock()
        let end = clock.now + .seconds(seconds)
        let start = clock.now
        let peak = NIOLockedValueBox(before)
        let refusals = NIOLockedValueBox([UInt: Int]())
        let sampler = Task {
            while !Task.isCancelled {
                let now = residentMemory
                peak.withLockedValue { $0 = max($0, now) }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        async let loaded = round("GET /healthz", client: client, connections: 1, seconds: seconds, expect: .ok, make: health)
        let sent = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<uploaders {
                group.addTask {
                    var out: [Double] = []
                    while clock.now < end {
                        var request = try HTTPClient.Request(url: base + "/api/v1/tips", method: .POST,
                                                             headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
                        request.body = .byteBuffer(upload)
                        let t0 = clock.now
                        let answer = try await client.execute(request: request, deadline: .now() + .seconds(180)).get()
                        // The server may send an upload beyond its queue away (503, come back later): counted, not failed.
                        guard answer.status == .created else {
                            refusals.withLockedValue { $0[answer.status.code, default: 0] += 1 }
                            continue
                        }
                        out.append((clock.now - t0).milliseconds)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = (clock.now - start).seconds
        let during = try await loaded
        sampler.cancel()
        let refused = refusals.withLockedValue { $0 }
        return Uploads(fileBytes: photo.count, picture: size, idle: idle, loaded: during,
                       uploads: Round(name: "uploads", count: sent.count, seconds: elapsed, p50: BenchPagesCommand.percentile(sent, 0.5),
                                      p99: BenchPagesCommand.percentile(sent, 0.99)),
                       refused: refused.values.reduce(0, +),
                       refusals: refused.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", "),
                       memoryBefore: before, memoryPeak: peak.withLockedValue { $0 })
    }

    /// This process's resident memory now, in MiB (`/proc/self/statm`; 0 where there is none).
    static var residentMemory: Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// Requests made by `make` on `connections` connections for `seconds`; every answer must have the status asked.
    static func round(_ name: String, client: HTTPClient, connections: Int, seconds: Int, expect: HTTPResponseStatus,
                      make: @escaping @Sendable () throws -> HTTPClient.Request) async throws -> Round {
        let clock = ContinuousClock()
        _ = try await client.execute(request: try make()).get()
        let end = clock.now + .seconds(seconds)
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var out: [Double] = []
                    while clock.now < end {
                        let t0 = clock.now
                        let answer = try await client.execute(request: try make()).get()
                        guard answer.status == expect else {
                            throw BenchFailure(key: "cli.bench.answer", arguments: ["path": name, "status": String(answer.status.code)])
                        }
                        out.append((clock.now - t0).milliseconds)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        return Round(name: name, count: latencies.count, seconds: (clock.now - start).seconds,
                     p50: BenchPagesCommand.percentile(latencies, 0.5), p99: BenchPagesCommand.percentile(latencies, 0.99))
    }

    /// The database's own durable single-row inserts: `sqlite3` on a file beside the data (WAL, synchronous FULL,
    /// one autocommit insert after another: SQLite takes one writer at a time), or `pgbench` with `connections`
    /// clients on the same server (a table made for it, dropped after).
    static func baseline(app: Application, connections: Int, seconds: Int, rowBytes: Int, context: CommandContext) async throws -> Round? {
        let payload = String(repeating: "x", count: rowBytes)
        switch app.config.database {
        case .sqlite:
            guard let sqlite3 = Self.find("sqlite3", in: ["/usr/bin", "/usr/local/bin"]) else { return nil }
            let file = (app.config.dataDirectory as NSString).appendingPathComponent("bench-baseline.sqlite")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
            // Enough inserts to last about the round's length on a disk of ~500 flushes a second; timed as a whole.
            let count = max(200, seconds * 300)
            var script = "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\nCREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
            for _ in 0..<count { script += "INSERT INTO t(body) VALUES ('\(payload)');\n" }
            let t0 = ContinuousClock.now
            try Self.execute(sqlite3, [file], input: script)
            let elapsed = (ContinuousClock.now - t0).seconds
            return Round(name: "sqlite3 INSERT, one per commit", count: count, seconds: elapsed, p50: 0, p99: 0)
        case .postgres(let url, _):
            let bins = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed()
                .map { "/usr/lib/postgresql/\($0)/bin" }
            guard let pgbench = Self.find("pgbench", in: bins + ["/usr/bin"]), let sql = app.db as? any SQLDatabase else { return nil }
            try await sql.raw("DROP TABLE IF EXISTS bench_tip_baseline").run()
            try await sql.raw("CREATE TABLE bench_tip_baseline (id bigserial PRIMARY KEY, body text NOT NULL)").run()
            let script = (app.config.dataDirectory as NSString).appendingPathComponent("bench-baseline.sql")
            try FileManager.default.createDirectory(atPath: app.config.dataDirectory, withIntermediateDirectories: true)
            try "INSERT INTO bench_tip_baseline(body) VALUES ('\(payload)');\n".write(toFile: script, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: script) }
            // A count of transactions per client, not `-T`: pgbench stops a timed run on SIGALRM, which a process
            // started from this server's threads has blocked. A short run first says how many fill the round.
            func run(_ perClient: Int) throws -> String {
                try Self.execute(pgbench, ["-n", "-c", String(connections), "-j", "2", "-t", String(perClient), "-f", script,
                                           url.components(separatedBy: "?").first ?? url])
            }
            func tps(_ output: String) -> Double {
                output.split(separator: "\n").first { $0.hasPrefix("tps = ") }.flatMap { Double($0.dropFirst(6).split(separator: " ").first ?? "") } ?? 0
            }
            let probe = tps(try run(20))
            let output = try run(max(20, Int(probe * Double(seconds) / Double(connections))))
            try await sql.raw("DROP TABLE bench_tip_baseline").run()
            // "tps = 1234.5 (without initial connection time)", "latency average = 12.9 ms"
            let rate = tps(output)
            let latency = output.split(separator: "\n").first { $0.hasPrefix("latency average = ") }
                .flatMap { Double($0.dropFirst(18).split(separator: " ").first ?? "") } ?? 0
            return Round(name: String(format: "pgbench INSERT, %d clients, mean %.1f ms", connections, latency), count: Int(rate * Double(seconds)),
                         seconds: Double(seconds), p50: 0, p99: 0)
        }
    }

    static func find(_ name: String, in folders: [String]) -> String? {
        folders.map { ($0 as NSString).appendingPathComponent(name) }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @discardableResult
    static func execute(_ path: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure(key: "cli.bench.answer", arguments: ["path": path, "status": String(process.terminationStatus)])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The benchmark's tips and their records (their descriptions begin "Bench tip").
    static func removeBenchTips(on db: any Database, files: FileStore) async throws {
        let tips = try await Tip.query(on: db).filter(\.$description, .custom(SQLDialect(db).likeIgnoringCase), "Bench tip %").all()
        for first in stride(from: 0, to: tips.count, by: 500) {
            let part = Array(tips[first..<min(first + 500, tips.count)])
            // The uploads' files go with their tips.
            let ids = part.compactMap(\.id)
            files.remove(try await TipFile.query(on: db).filter(\.$tipID ~~ ids).all().map(\.storedName))
            try await TipFile.query(on: db).filter(\.$tipID ~~ ids).delete()
            try await Tip.query(on: db).filter(\.$id ~~ ids).delete()
            try await Record.query(on: db).filter(\.$id ~~ part.compactMap(\.recordID)).delete()
        }
    }
}
