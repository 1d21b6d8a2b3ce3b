import _CryptoExtras
import Crypto
import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor

/// The tips' secrets, from one key of the settings: receipt codes hashed slowly with a pepper (so a copy of the
/// database alone cannot be searched for a code), contact details sealed with AES-GCM.
struct TipSecrets: Sendable {
    /// PBKDF2-SHA256 rounds for a receipt code (about 0.6 ms here). A code has 83 random bits and the pepper is not
    /// in the database, so the rounds only add to a search already out of reach (2^83 × 5,000 hashes); they are
    /// kept where hashing costs a tip less than its commit does. Stored hashes depend on it: never change it alone.
    static let rounds = 5_000

    private let pepper: SymmetricKey
    private let sealing: SymmetricKey

    init(key: Data) {
        let master = SymmetricKey(data: key)
        pepper = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("thidua receipt codes".utf8), outputByteCount: 32)
        sealing = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("thidua tip contacts".utf8), outputByteCount: 32)
    }

    /// The stored form of a code's digits: the same work whether or not a tip has it.
    func codeHash(_ digits: String) -> String {
        let salt = pepper.withUnsafeBytes { Data($0) }
        let key = (try? KDF.Insecure.PBKDF2.deriveKey(from: Data(digits.utf8), salt: salt, using: .sha256, outputByteCount: 32,
                                                       unsafeUncheckedRounds: Self.rounds))
            // PBKDF2 fails only on bad parameters, fixed here; HMAC is the same secret hash should it ever.
            ?? SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(digits.utf8), using: pepper))
        return key.withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    func seal(_ text: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(text.utf8), using: sealing).combined else { throw AppError(.internalServerError, "error.500") }
        return combined.base64EncodedString()
    }

    /// The text, or nil when it was sealed with another key (the settings changed) or damaged.
    func open(_ sealed: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: sealing) else { return nil }
        return String(data: plain, encoding: .utf8)
    }

    /// The key of the settings, or the data folder's `tip.key` (made, readable by the server's user only, when
    /// there is none).
    static func load(config: AppConfig) throws -> TipSecrets {
        if let key = config.tipKey { return TipSecrets(key: key) }
        let path = (config.dataDirectory as NSString).appendingPathComponent("tip.key")
        if let data = FileManager.default.contents(atPath: path) {
            guard let key = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  key.count == 32 else {
                throw StartupError("\(path) must hold 32 bytes in base64 (or set THIDUA_TIP_KEY)")
            }
            return TipSecrets(key: key)
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        do {
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data(key.base64EncodedString().utf8),
                                                 attributes: [.posixPermissions: 0o600]) else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw StartupError("Cannot write \(path) for the tips' key; set THIDUA_TIP_KEY or make the data folder writable")
        }
        return TipSecrets(key: key)
    }
}

/// The tip routes' limits, in memory only: per client under a hash of its address salted with a random value that
/// changes every Vietnam day (yesterday's hashes then mean nothing), and for the whole system.
final class TipLimiter: Sendable {
    enum Kind { case tip, check }

    private struct State {
        var day = ""
        var salt = Data()
        var tips: WindowCounter
        var checks: WindowCounter
        var system: WindowCounter
    }
    private let state: NIOLockedValueBox<State>
    let limits: TipLimits

    init(limits: TipLimits) {
        self.limits = limits
        state = NIOLockedValueBox(State(tips: WindowCounter(limit: limits.tipsPerClientPerHour, window: 3600),
                                        checks: WindowCounter(limit: limits.checksPerClientPer10Minutes, window: 600),
                                        system: WindowCounter(limit: limits.tipsPerMinute, window: 60)))
    }

    /// Nil when the request may go on; else the seconds to wait. The address is hashed here and forgotten.
    func take(_ kind: Kind, client address: String, now: Date = Date()) -> TimeInterval? {
        guard limits.enabled else { return nil }
        return state.withLockedValue { s in
            let day = VietnamTime.localDate(of: now).iso
            if day != s.day {
                s.day = day
                s.salt = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
                s.tips.reset(); s.checks.reset(); s.system.reset()
            }
            let key = Data(SHA256.hash(data: s.salt + Data(address.utf8))).base64EncodedString()
            let t = now.timeIntervalSince1970
            switch kind {
            case .tip:
                if let wait = s.system.take("all", now: t) { return wait }
                return s.tips.take(key, now: t)
            case .check:
                return s.checks.take(key, now: t)
            }
        }
    }

    /// The client's address as this server sees it: the peer, or the first address a proxy on this machine names.
    static func address(of request: Request) -> String {
        let peer = request.remoteAddress?.ipAddress ?? ""
        if peer == "127.0.0.1" || peer == "::1" || peer.isEmpty, let forwarded = request.headers.first(name: "X-Forwarded-For")?
            .split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !forwarded.isEmpty {
            return forwarded
        }
        return peer
    }
}
