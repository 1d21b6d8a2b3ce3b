import Fluent
import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// E-mail to officers who asked for it when tips arrive in their communes. Sent in batches (every five minutes by
/// default), one message per officer with only counts and a link: no tip's text, and no time closer than the batch.
final class TipMailer: Sendable {
    let settings: SMTPSettings?
    let publicURL: String?
    let localizer: Localizer
    /// The application's pool: the relay's sockets block.
    let pool: NIOThreadPool
    private let pending = NIOLockedValueBox<[UUID: Int]>([:])

    init(settings: SMTPSettings?, publicURL: String?, localizer: Localizer, pool: NIOThreadPool) {
        self.settings = settings
        self.pool = pool
        self.publicURL = publicURL
        self.localizer = localizer
    }

    /// A tip arrived in (or was passed to) a commune.
    func note(commune: UUID) {
        guard settings != nil else { return }
        pending.withLockedValue { $0[commune, default: 0] += 1 }
    }

    /// Sends what has gathered; the number of messages sent. A relay that fails loses nothing: the counts wait
    /// for the next batch.
    @discardableResult
    func flush(graph: UnitGraph, on db: any Database, logger: Logger) async -> Int {
        guard let settings else { return 0 }
        let counts = pending.withLockedValue { p in defer { p = [:] }; return p }
        guard !counts.isEmpty else { return 0 }
        var sent = 0
        var failed = false
        do {
            let subscriptions = try await TipSubscription.query(on: db).all()
            let users = try await User.query(on: db).filter(\.$id ~~ subscriptions.map(\.userID)).filter(\.$active == true).all()
            let today = VietnamTime.localDate(of: Date())
            for s in subscriptions {
                guard let user = users.first(where: { $0.id == s.userID }) else { continue }
                let reach = user.reach(graph)
                let mine = counts.filter { Permissions.canHandleTip(role: user.role, reach: reach, commune: $0.key, village: nil, receivedOn: today) }
                guard !mine.isEmpty else { continue }
                let total = mine.values.reduce(0, +)
                let names = mine.keys.compactMap { graph.units[$0]?.fullName }.sorted().joined(separator: ", ")
                let link = (publicURL ?? "") + SiteURL.tips(TipService.Filter()).path
                // Vietnamese, then English: an officer's address says nothing of the language they read.
                let arguments = ["count": String(total), "units": names, "link": link]
                let body = [Language.vi, .en].map { localizer.text("tips.mail.body", $0, arguments) }.joined(separator: "\n\n")
                do {
                    try await SMTPClient.send(settings, to: s.email, subject: localizer.text("tips.mail.subject", .vi, arguments), body: body, on: pool)
                    sent += 1
                } catch {
                    failed = true
                    logger.warning("tip e-mail not sent: \(error)")
                }
            }
        } catch {
            failed = true
            logger.warning("tip e-mail not sent: \(error)")
        }
        if failed, sent == 0 { pending.withLockedValue { p in for (k, v) in counts { p[k, default: 0] += v } } }
        return sent
    }
}

/// Starts the batches with the server and stops them with it.
struct TipMailerLifecycle: LifecycleHandler {
    static let interval: Duration = .seconds(300)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ app: Application) async throws {
        guard app.config.smtp != nil else { return }
        let mailer = app.tips.mailer
        let db = app.db
        let cache = app.unitGraphCache
        let logger = app.logger
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.interval)
                    if let graph = try? await UnitService.graph(on: db, cache: cache) {
                        await mailer.flush(graph: graph, on: db, logger: logger)
                    }
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task.withLockedValue { $0?.cancel() }
    }
}

/// Just enough SMTP for a relay on the local network: no sign-in, no TLS (the relay's own business beyond it).
enum SMTPClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func send(_ s: SMTPSettings, to recipient: String, subject: String, body: String, on pool: NIOThreadPool) async throws {
        // On the thread pool: its sockets block, for up to their timeouts, a thread the cooperative pool cannot spare.
        try await pool.runIfActive { try sendBlocking(s, to: recipient, subject: subject, body: body) }
    }

    static func message(from: String, to: String, subject: String, body: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let encodedSubject = "=?UTF-8?B?" + Data(subject.utf8).base64EncodedString() + "?="
        let encodedBody = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return ["From: \(from)", "To: \(to)", "Subject: \(encodedSubject)", "Date: \(formatter.string(from: date))",
                "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "",
                encodedBody].joined(separator: "\r\n")
    }

    private static func sendBlocking(_ s: SMTPSettings, to recipient: String, subject: String, body: String) throws {
        guard !recipient.contains("\r"), !recipient.contains("\n"), !s.from.contains("\r"), !s.from.contains("\n") else {
            throw Failure(description: "an address with a line break")
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(s.host, String(s.port), &hints, &info) == 0, let first = info else {
            throw Failure(description: "cannot resolve \(s.host)")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw Failure(description: "no socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw Failure(description: "cannot connect to \(s.host):\(s.port)")
        }
        var buffer = [UInt8]()
        func reply() throws -> Int {
            // A reply is lines of `NNN-text` ending with `NNN text`.
            while true {
                if let end = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[..<end], as: UTF8.self)
                    buffer.removeSubrange(...end)
                    if line.count >= 4, Array(line)[3] == "-" { continue }
                    guard let code = Int(line.prefix(3)) else { throw Failure(description: "not SMTP: \(line)") }
                    return code
                }
                var chunk = [UInt8](repeating: 0, count: 1024)
                let n = recv(fd, &chunk, chunk.count, 0)
                guard n > 0 else { throw Failure(description: "the relay closed the connection") }
                buffer += chunk[..<n]
            }
        }
        func say(_ line: String, expect: ClosedRange<Int>) throws {
            let bytes = Array((line + "\r\n").utf8)
            var sentCount = 0
            while sentCount < bytes.count {
                let n = bytes[sentCount...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw Failure(description: "cannot write to the relay") }
                sentCount += n
            }
            let code = try reply()
            guard expect.contains(code) else { throw Failure(description: "the relay answered \(code) to \(line.prefix(10))") }
        }
        guard (200...299).contains(try reply()) else { throw Failure(description: "the relay refused the connection") }
        try say("EHLO thidua", expect: 200...299)
        try say("MAIL FROM:<\(s.from)>", expect: 200...299)
        try say("RCPT TO:<\(recipient)>", expect: 200...299)
        try say("DATA", expect: 300...399)
        // Base64 lines never start with a dot, so no line needs dot-stuffing.
        try say(message(from: s.from, to: recipient, subject: subject, body: body) + "\r\n.", expect: 200...299)
        try? say("QUIT", expect: 200...299)
    }
}
