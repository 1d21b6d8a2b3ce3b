import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor

/// Runs `Rebuild`'s steps on a citizen's file: the file written to a private work folder of the data folder, the
/// tool run with a time limit, its result read back and every file of the work removed, whatever happens. Only a
/// few run at once (they take a core each); a kind whose tools this server lacks is refused, never kept as sent.
struct Rebuilder: Sendable {
    /// The work folder's name in the data folder; emptied at start-up (a file left by a crash holds what was sent).
    static let folder = "rebuild-work"
    /// Longest a tool may run on one file.
    static let timeLimit: Duration = .seconds(60)

    let work: String
    let tools: [Rebuild.Tool: String]
    let gate: ComputeGate

    init(dataDirectory: String, searchPath: String? = ProcessInfo.processInfo.environment["PATH"], concurrency: Int = max(1, System.coreCount)) {
        // Absolute: the tools run with the work folder as their current directory, where a relative path (the
        // default data folder is ./data) would name a file that is not there, and every file be refused as damaged.
        let base = dataDirectory.hasPrefix("/") ? dataDirectory
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(dataDirectory)
        work = ((base as NSString).appendingPathComponent(Self.folder) as NSString).standardizingPath
        var found: [Rebuild.Tool: String] = [:]
        let folders = (searchPath ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for tool in Rebuild.Tool.allCases {
            found[tool] = folders.map { ($0 as NSString).appendingPathComponent(tool.rawValue) }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        tools = found
        gate = ComputeGate(limit: concurrency, queueLimit: 64, wait: .seconds(120))
        try? FileManager.default.removeItem(atPath: work)
    }

    /// The kinds this server can rebuild, so takes.
    var kinds: [AttachmentKind] { AttachmentKind.allCases.filter { Rebuild.tools(for: $0).allSatisfy { tools[$0] != nil } } }

    /// Tools missing, for the start-up log.
    var missing: [String] { Rebuild.Tool.allCases.filter { tools[$0] == nil }.map(\.rawValue) }

    /// Files checked by their content and rebuilt; a message key for the first that is refused.
    func checked(_ files: [[UInt8]], errors: inout [String: String], field: String = "files") async -> [(AttachmentKind, [UInt8])] {
        let given = files.filter { !$0.isEmpty }
        if given.count > Attachment.maximumCount { errors[field] = "tips.file.tooMany"; return [] }
        var out: [(AttachmentKind, [UInt8])] = []
        for file in given {
            switch await rebuilt(file) {
            case .success(let made): out.append(made)
            case .failure(let problem):
                errors[field] = "tips.file.\(problem.rawValue)"
                return []
            }
        }
        return out
    }

    /// One file made anew, or why not.
    func rebuilt(_ bytes: [UInt8]) async -> Result<(AttachmentKind, [UInt8]), AttachmentProblem> {
        let kind: AttachmentKind
        switch Attachment.check(bytes) {
        case .success(let k): kind = k
        case .failure(let p): return .failure(p)
        }
        guard kinds.contains(kind) else { return .failure(.unavailable) }
        do {
            return try await gate.run { () async -> Result<(AttachmentKind, [UInt8]), AttachmentProblem> in
                await self.inFolder { folder in
                    let input = (folder as NSString).appendingPathComponent("in")
                    let output = (folder as NSString).appendingPathComponent(kind == .pdf ? "page" : "out.\(kind.fileExtension)")
                    guard FileManager.default.createFile(atPath: input, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                        return .failure(.damaged)
                    }
                    if let probe = Rebuild.probe(kind, input: input) {
                        guard let said = await self.run(probe) else { return .failure(.damaged) }
                        if let problem = Rebuild.allowed(kind, probe: said) { return .failure(problem) }
                    }
                    for step in Rebuild.steps(kind, input: input, output: output) {
                        guard await self.run(step) != nil else { return .failure(.damaged) }
                    }
                    let made: [UInt8]?
                    if kind == .pdf {
                        made = ImagePDF.make(pages: Self.pages(in: folder, prefix: "page"), resolution: Rebuild.pdfResolution)
                    } else {
                        made = FileManager.default.contents(atPath: output).map { [UInt8]($0) }
                    }
                    guard let made, !made.isEmpty, Attachment.sniff(made) == kind else { return .failure(.damaged) }
                    return .success((kind, made))
                }
            }
        } catch {
            return .failure(.unavailable)
        }
    }

    /// pdftoppm's pictures in page order (`page-01.jpg` … or `page-1.jpg`, by the page count's digits).
    static func pages(in folder: String, prefix: String) -> [[UInt8]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".jpg") }
            .compactMap { name -> (Int, String)? in
                Int(name.dropFirst(prefix.count + 1).dropLast(4)).map { ($0, name) }
            }
            .sorted { $0.0 < $1.0 }
        return names.compactMap { FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent($0.1)).map { [UInt8]($0) } }
    }

    /// A folder of its own for one file's work, removed after.
    private func inFolder<T>(_ body: (String) async -> T) async -> T {
        let folder = (work as NSString).appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            return await body("/nonexistent")
        }
        return await body(folder)
    }

    /// Runs a step; what it printed when it ended well, nil when it failed, crashed or ran too long. What a tool
    /// says on its error output is dropped unread: it can quote the file.
    func run(_ step: Rebuild.Step) async -> String? {
        guard let path = tools[step.tool] else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = step.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        // Nothing of the server's settings reaches the tool; one thread each, a home of its own.
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": work, "VIPS_CONCURRENCY": "1", "LC_ALL": "C"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let ended = NIOLockedValueBox(false)
        let status: Int32? = await withCheckedContinuation { (done: CheckedContinuation<Int32?, Never>) in
            process.terminationHandler = { p in
                ended.withLockedValue { $0 = true }
                done.resume(returning: p.terminationReason == .exit ? p.terminationStatus : nil)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                done.resume(returning: nil)
                return
            }
            Task {
                try? await Task.sleep(for: Self.timeLimit)
                if !ended.withLockedValue({ $0 }) { process.terminate() }
            }
        }
        let printed = out.fileHandleForReading.readDataToEndOfFile()
        guard status == 0 else { return nil }
        return String(decoding: printed.prefix(64 * 1024), as: UTF8.self)
    }
}
