import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor

/// The tips' clock: writes what waits in the spool at each release (`TipRelease`), and once a day erases what
/// the retention periods say is due (`TipRetention`): on the first release of each Vietnam day, and at start.
/// Started by `serve` only: a command run beside the server (a migration, an import) does not release its tips.
struct TipHousekeeping: LifecycleHandler {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    static func start(_ app: Application) {
        let housekeeping = TipHousekeeping()
        housekeeping.run(app)
        app.lifecycle.use(housekeeping)
    }

    private func run(_ app: Application) {
        let context = app.tips
        let db = app.db
        let logger = app.logger
        let minutes = app.config.tipReleaseMinutes
        let retention = app.config.tipRetention
        task.withLockedValue {
            $0 = Task {
                var retained: LocalDate?
                // Left by a server that held tips, on one that no longer does: written now.
                if minutes == 0, !(context.spool?.entries().isEmpty ?? true) {
                    _ = try? await TipService.release(context: context, on: db, logger: logger)
                }
                while !Task.isCancelled {
                    let today = VietnamTime.localDate(of: Date())
                    if retained != today {
                        do {
                            let erased = try await TipService.applyRetention(retention, context: context, today: today, on: db)
                            retained = today
                            if erased.contacts + erased.contents > 0 {
                                logger.notice("tips' retention: \(erased.contacts) contacts and \(erased.contents) tips' contents erased")
                            }
                        } catch {
                            logger.warning("tips' retention did not run; it is tried again at the next release: \(String(reflecting: type(of: error)))")
                        }
                    }
                    // With no release interval the clock still wakes at midnight, for the retention.
                    let next = TipRelease.next(after: Date(), every: minutes > 0 ? minutes : TipRelease.maximumMinutes)
                    let wait = max(1, next.timeIntervalSinceNow)
                    try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                    if Task.isCancelled { break }
                    do {
                        try await TipService.release(context: context, on: db, logger: logger)
                    } catch {
                        logger.warning("the tips' release did not run; what waits stays for the next one")
                    }
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task.withLockedValue { $0?.cancel() }
    }
}
