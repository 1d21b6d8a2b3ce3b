import _CryptoExtras
import Crypto
import Fluent
import SQLKit
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
    private let spooling: SymmetricKey
    /// The peppers of keys rotated away, newest first, read from the database at start (`loadRetired`).
    private let retired = NIOLockedValueBox<[SymmetricKey]>([])
    /// The key itself, for a rotation to re-seal what it sealed.
    let key: Data

    init(key: Data) {
        self.key = key
        let master = SymmetricKey(data: key)
        pepper = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("thidua receipt codes".utf8), outputByteCount: 32)
        sealing = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("thidua tip contacts".utf8), outputByteCount: 32)
        spooling = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("thidua tip spool".utf8), outputByteCount: 32)
    }

    /// What waits in the spool (`TipSpool`), sealed whole: text, contact and files alike.
    func sealSpooled(_ data: Data) throws -> Data {
        guard let combined = try AES.GCM.seal(data, using: spooling).combined else { throw AppError(.internalServerError, "error.500") }
        return combined
    }

    func openSpooled(_ data: Data) -> Data? {
        guard let box = try? AES.GCM.SealedBox(combined: data) else { return nil }
        return try? AES.GCM.open(box, using: spooling)
    }

    /// The stored form of a code's digits: the same work whether or not a tip has it.
    func codeHash(_ digits: String) -> String {
        Self.codeHash(digits, pepper: pepper)
    }

    /// Every form a code's digits may be stored in: with this key's pepper, then each retired one's. All are
    /// computed every time, so a lookup takes as long whichever (or whether) one matches.
    func codeHashes(_ digits: String) -> [String] {
        [codeHash(digits)] + retired.withLockedValue { $0 }.map { Self.codeHash(digits, pepper: $0) }
    }

    private static func codeHash(_ digits: String, pepper: SymmetricKey) -> String {
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

    /// A value made from the key that tells nothing of it: stored in the database, it says at start-up whether
    /// this is the key the tips were sealed with.
    var checkValue: String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("thidua tip key check".utf8), using: pepper)
        return Data(mac).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads the retired peppers this key sealed; a row it cannot open stops the start (another key's, or damaged).
    func loadRetired(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        struct Row: Decodable { var sealed: String; var retired_on: String }
        guard let rows = try? await sql.raw("SELECT sealed, retired_on FROM tip_retired_peppers ORDER BY retired_on DESC, id").all(decoding: Row.self) else { return }
        var peppers: [SymmetricKey] = []
        for row in rows {
            guard let text = open(row.sealed), let bytes = Data(base64Encoded: text), bytes.count == 32 else {
                throw StartupError("A retired receipt-code pepper (rotated away on \(row.retired_on)) cannot be opened with the tips' key: the codes of older tips would not be found. Start with the key of the last rotation.")
            }
            peppers.append(SymmetricKey(data: bytes))
        }
        retired.withLockedValue { $0 = peppers }
    }

    /// The key of the settings, or of the key file (made, readable by the server's user only, when there is
    /// none). The file is never inside the data folder, nor readable by others: the server does not start so.
    static func load(config: AppConfig) throws -> TipSecrets {
        if let key = config.tipKey { return TipSecrets(key: key) }
        let path = (config.tipKeyPath as NSString).standardizingPath
        let folder = (config.dataDirectory as NSString).standardizingPath
        let files = FileManager.default
        if path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") {
            throw StartupError("The tips' key file \(path) is inside the data folder \(folder): a copy of the folder would open every contact with it. Set THIDUA_TIP_KEY_FILE to a path outside it.")
        }
        // Earlier versions kept the key in the data folder: it moves out on the first start.
        let old = (folder as NSString).appendingPathComponent("tip.key")
        if files.fileExists(atPath: old) {
            if files.fileExists(atPath: path) {
                guard files.contents(atPath: old) == files.contents(atPath: path) else {
                    throw StartupError("\(old) and \(path) hold different tips' keys; keep the one the tips were sealed with and remove the other")
                }
                try? files.removeItem(atPath: old)
            } else {
                do { try files.moveItem(atPath: old, toPath: path) } catch {
                    throw StartupError("Cannot move the tips' key from \(old) to \(path); move it by hand or set THIDUA_TIP_KEY_FILE")
                }
            }
        }
        if files.fileExists(atPath: path) {
            let mode = ((try? files.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
            guard mode & 0o077 == 0 else {
                throw StartupError("The tips' key file \(path) can be read by other users (mode \(String(mode & 0o777, radix: 8))); run chmod 600 \(path)")
            }
            guard let data = files.contents(atPath: path),
                  let key = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  key.count == 32 else {
                throw StartupError("\(path) must hold 32 bytes in base64 (or set THIDUA_TIP_KEY)")
            }
            return TipSecrets(key: key)
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        do {
            try files.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard files.createFile(atPath: path, contents: Data(key.base64EncodedString().utf8),
                                   attributes: [.posixPermissions: 0o600]) else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw StartupError("Cannot write \(path) for the tips' key; set THIDUA_TIP_KEY_FILE to a writable path outside the data folder, or THIDUA_TIP_KEY")
        }
        return TipSecrets(key: key)
    }

    /// Compares the key with the one the database's tips were sealed with, or records it when none is known yet.
    /// A different key stops the server: started anyway, every receipt code would find nothing and every contact
    /// be unreadable.
    static func verify(_ secrets: TipSecrets, config: AppConfig? = nil, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        struct Row: Decodable { var check_value: String }
        // Before `thidua migrate` has made the table there is nothing to compare with yet.
        guard let known = try? await sql.raw("SELECT check_value FROM tip_key_checks").all(decoding: Row.self) else { return }
        if let stored = known.first?.check_value {
            guard stored == secrets.checkValue else {
                // A rotation stopped between its commit and putting the new key in place: say where that key is.
                if let path = config?.tipKeyPath, let data = FileManager.default.contents(atPath: path + ".new"),
                   let key = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                   key.count == 32, TipSecrets(key: key).checkValue == stored {
                    throw StartupError("A key rotation was interrupted: the database's tips are sealed with the key in \(path).new. Run mv \(path).new \(path) and start again.")
                }
                throw StartupError("The tips' key (THIDUA_TIP_KEY or its key file) is not the one this database's tips were sealed with: every receipt code and contact would be unreadable. Start with the key they were sealed with (after thidua tips rotate-key, the new one).")
            }
            try await secrets.loadRetired(on: db)
            return
        }
        try await sql.raw("INSERT INTO tip_key_checks (id, check_value) VALUES (\(bind: UUID()), \(bind: secrets.checkValue))").run()
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

    /// The client's address: the peer's, or what the trusted proxies say (`TrustedProxies.client`).
    static func address(of request: Request) -> String {
        request.application.config.trustedProxies.client(peer: request.remoteAddress?.ipAddress ?? "",
                                                          forwardedFor: request.headers[.xForwardedFor])
    }
}

extension TipSecrets {
    struct Rotation: Sendable, Equatable {
        /// Contacts sealed anew with the new key.
        var contacts: Int
        /// Contacts that the old key could not open either (left as they were: unreadable before and after).
        var unreadable: Int
        /// Peppers kept for older codes, this key's included.
        var peppers: Int
    }

    /// Moves the database from this key to `next` in one transaction: every contact opened and sealed again, this
    /// key's pepper and the retired ones sealed with the next key (older codes are found through them; a code is
    /// kept only as its hash, so it cannot be hashed again), the key check value replaced, an audit entry. The tips
    /// table is held meanwhile, so that no tip is sealed with the old key behind it.
    func rotate(to next: TipSecrets, today: LocalDate, on db: any Database) async throws -> Rotation {
        try await db.audited { tx in
            guard let sql = tx as? any SQLDatabase else { throw AppError(.internalServerError, "error.500") }
            try await RowLock.holdTable(Tip.schema, on: tx)
            struct Check: Decodable { var check_value: String }
            let checks = try await sql.raw("SELECT check_value FROM tip_key_checks").all(decoding: Check.self)
            guard checks.map(\.check_value) == [checkValue] else { throw StartupError("The database's tips are not sealed with the current key; nothing was changed.") }
            var out = Rotation(contacts: 0, unreadable: 0, peppers: 0)
            for tip in try await Tip.query(on: tx).filter(\.$contactSealed != nil).all() {
                guard let sealed = tip.contactSealed, let id = tip.id else { continue }
                guard let text = open(sealed) else {
                    out.unreadable += 1
                    continue
                }
                try await sql.update(Tip.schema).set("contact_sealed", to: SQLBind(try next.seal(text))).where("id", .equal, SQLBind(id)).run()
                out.contacts += 1
            }
            struct Retired: Decodable { var sealed: String; var retired_on: String }
            let retiredRows = try await sql.raw("SELECT sealed, retired_on FROM tip_retired_peppers").all(decoding: Retired.self)
            var kept: [(sealed: String, on: String)] = [(try next.seal(pepper.withUnsafeBytes { Data($0) }.base64EncodedString()), today.iso)]
            for row in retiredRows {
                guard let text = open(row.sealed) else { throw StartupError("A retired pepper cannot be opened with the current key; nothing was changed.") }
                kept.append((try next.seal(text), row.retired_on))
            }
            try await sql.delete(from: "tip_retired_peppers").run()
            for k in kept {
                try await sql.raw("INSERT INTO tip_retired_peppers (id, sealed, retired_on) VALUES (\(bind: UUID()), \(bind: k.sealed), \(bind: k.on))").run()
            }
            out.peppers = kept.count
            try await sql.raw("UPDATE tip_key_checks SET check_value = \(bind: next.checkValue)").run()
            try await AuditLog.record(on: tx, actor: "cli", action: "tips.rotateKey", entity: "tip", entityID: nil,
                                      after: #"{"contacts":\#(out.contacts),"peppers":\#(out.peppers),"unreadable":\#(out.unreadable)}"#)
            return out
        }
    }
}
