import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ThiDuaCore
import Vapor

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
                try await db.audited { tx in try await store(batch.map(\.item), tx) }
                for entry in batch { entry.done.resume() }
            } catch {
                for entry in batch {
                    do {
                        try await db.audited { tx in try await store([entry.item], tx) }
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
    let files: FileStore
    /// Makes every file a citizen sends anew (`Rebuild`).
    let rebuilder: Rebuilder
    /// The citizens' requests with a body that are read at once (`TipIntake`).
    var uploads = ComputeGate(limit: TipIntake.concurrent, queueLimit: TipIntake.waiting, wait: .seconds(30))
    let writer: GroupCommitter<TipService.Arrival>
    let mailer: TipMailer
    /// Where tips wait for the next release (`TipRelease`), and what is left there by an earlier setting.
    var spool: TipSpool? = nil
    /// Tips and messages wait for a release; false: written at once (`THIDUA_TIP_RELEASE_MINUTES=0`).
    var holds = false

    /// The spool new arrivals go to, when they wait.
    var holding: TipSpool? { holds ? spool : nil }
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

    /// How this server keeps tips, as the citizen's pages say it.
    var tipKeeping: TipKeeping {
        TipKeeping(releaseMinutes: tips.holds ? config.tipReleaseMinutes : 0, retention: config.tipRetention)
    }
}
