import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ThiDuaCore
import Vapor

/// The tips' files, in the data folder under random names, never served by the file middleware; each written and
/// synced to disk before the tip that names it is committed.
struct TipFileStore: Sendable {
    let directory: String

    init(dataDirectory: String) {
        directory = (dataDirectory as NSString).appendingPathComponent("tip-files")
    }

    func write(_ bytes: [UInt8]) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let name = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else { throw AppError(.internalServerError, "error.500") }
        defer { try? handle.close() }
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
        return name
    }

    func read(_ name: String) -> Data? {
        // Names are ours (hex); anything else is not looked up.
        guard name.count == 32, name.allSatisfy(\.isHexDigit) else { return nil }
        return FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name))
    }

    func remove(_ names: [String]) {
        for name in names where name.count == 32 && name.allSatisfy(\.isHexDigit) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }
}

/// Commits what arrives together in one transaction (group commit): each caller waits until its item is on disk,
/// but a crowd shares the disk's flushes and the statements (one insert per table for the whole batch). A batch that
/// fails is tried again item by item, so one bad item never takes others down with it.
actor GroupCommitter<Item: Sendable> {
    typealias Store = @Sendable ([Item], any Database) async throws -> Void
    private var pending: [(item: Item, done: CheckedContinuation<Void, any Error>)] = []
    private var running = false
    private let db: any Database
    private let store: Store
    static var batchLimit: Int { 128 }

    init(db: any Database, store: @escaping Store) {
        self.db = db
        self.store = store
    }

    func commit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            pending.append((item, done))
            if !running {
                running = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(Self.batchLimit))
            pending.removeFirst(batch.count)
            let store = self.store
            do {
                try await db.transaction { tx in try await store(batch.map(\.item), tx) }
                for entry in batch { entry.done.resume() }
            } catch {
                for entry in batch {
                    do {
                        try await db.transaction { tx in try await store([entry.item], tx) }
                        entry.done.resume()
                    } catch {
                        entry.done.resume(throwing: error)
                    }
                }
            }
        }
        running = false
    }
}

/// What the application holds for tips: the secrets, the limits, the files, the group committer, the mailer.
struct TipContext: Sendable {
    let secrets: TipSecrets
    let limiter: TipLimiter
    let files: TipFileStore
    let writer: GroupCommitter<TipService.Arrival>
    let mailer: TipMailer
}

extension Application {
    private struct TipContextKey: StorageKey { typealias Value = TipContext }

    var tips: TipContext {
        get {
            guard let context = storage[TipContextKey.self] else { fatalError("configure() sets the tips' context") }
            return context
        }
        set { storage[TipContextKey.self] = newValue }
    }
}
