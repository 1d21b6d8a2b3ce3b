import Foundation
import NIOConcurrencyHelpers
import ThiDuaCore
import Vapor

/// Tips and citizens' messages between their arrival and the next release (`TipRelease`): each a file of the
/// spool folder under a random name, sealed whole with the tips' key, its times set to the day's start, and synced
/// before the citizen is answered, so that an acknowledged tip survives a crash. The release writes them all to the
/// database in one transaction, in random order, then removes them.
final class TipSpool: Sendable {
    static let folder = "tip-spool"
    private static let magic = Array("TDS1".utf8)

    /// What a spooled tip will be: the tip's row, as `TipService.receive` made it.
    struct TipFields: Codable, Sendable, Equatable {
        var codeHash: String
        var category: String
        var description: String
        var occurredOn: String
        var occurredTime: String?
        var receivedOn: String
        var communeID: UUID?
        var villageID: UUID?
        var contactSealed: String?
        var recordID: UUID?

        init(_ tip: Tip) {
            codeHash = tip.codeHash
            category = tip.category
            description = tip.description
            occurredOn = tip.occurredOn
            occurredTime = tip.occurredTime
            receivedOn = tip.receivedOn
            communeID = tip.communeID
            villageID = tip.villageID
            contactSealed = tip.contactSealed
            recordID = tip.recordID
        }

        func tip(id: UUID) -> Tip {
            let t = Tip()
            t.id = id
            t.codeHash = codeHash
            t.status = .new
            t.category = category
            t.description = description
            t.occurredOn = occurredOn
            t.occurredTime = occurredTime
            t.receivedOn = receivedOn
            t.communeID = communeID
            t.villageID = villageID
            t.contactSealed = contactSealed
            t.recordID = recordID
            t.citizenReplied = false
            return t
        }
    }

    /// One spooled arrival: a tip, or a citizen's message to a tip; its files' kinds and sizes (their bytes follow,
    /// sealed apart, so that the index needs only the small part).
    struct Item: Codable, Sendable, Equatable {
        enum Kind: String, Codable, Sendable { case tip, message }
        var kind: Kind
        /// The Vietnam day it arrived: all its rows say this day and no more.
        var day: String
        var tipID: UUID
        var tip: TipFields?
        var messageID: UUID?
        var body: String?
        var files: [FileEntry]
    }

    struct FileEntry: Codable, Sendable, Equatable {
        var kind: AttachmentKind
        var size: Int
    }

    private let store: FileStore
    private let secrets: TipSecrets
    /// The headers of what waits, by file name; read from the folder at start.
    private let index: NIOLockedValueBox<[String: Item]>

    init(dataDirectory: String, secrets: TipSecrets, pool: NIOThreadPool, logger: Logger? = nil) {
        store = FileStore(dataDirectory: dataDirectory, folder: Self.folder, pool: pool)
        self.secrets = secrets
        index = NIOLockedValueBox([:])
        if rescan() > 0 {
            // Kept, not deleted: it may be another key's (the settings changed) and is never guessed at.
            logger?.warning("a spooled tip cannot be read with this key; it stays in \(Self.folder)")
        }
    }

    /// Brings the index to what the folder holds: several servers sharing the data folder (as they share the tips'
    /// files) see each other's waiting tips, and what one released is gone for all. How many files cannot be read.
    @discardableResult
    private func rescan() -> Int {
        let names = Set(((try? FileManager.default.contentsOfDirectory(atPath: store.directory)) ?? []).filter { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        let known = index.withLockedValue { i in
            for gone in i.keys where !names.contains(gone) { i.removeValue(forKey: gone) }
            return Set(i.keys)
        }
        var unreadable = 0
        for name in names.subtracting(known) {
            guard let data = store.read(name) else { continue }
            if let item = Self.header(of: [UInt8](data), secrets: secrets) {
                index.withLockedValue { $0[name] = item }
            } else {
                unreadable += 1
            }
        }
        return unreadable
    }

    /// Seals an arrival and its files into a new file, synced to disk; the file's name.
    /// On the thread pool: sealing and the write with its fsync block their thread.
    @discardableResult
    func put(_ item: Item, files: [[UInt8]]) async throws -> String {
        try await store.pool.runIfActive { try self.putNow(item, files: files) }
    }

    private func putNow(_ item: Item, files: [[UInt8]]) throws -> String {
        let header = try secrets.sealSpooled(JSONEncoder().encode(item))
        let body = try secrets.sealSpooled(Data(files.joined()))
        var bytes = Self.magic
        let length = UInt32(header.count)
        bytes += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        bytes += header
        bytes += body
        let day = LocalDate(iso: item.day).map(VietnamTime.startOfDay)
        let name = try store.write(bytes, day: day)
        index.withLockedValue { $0[name] = item }
        return name
    }

    private static func parts(_ bytes: [UInt8]) -> (header: Data, body: Data)? {
        guard bytes.count > 8, Array(bytes[0..<4]) == magic else { return nil }
        let length = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        guard length > 0, 8 + length <= bytes.count else { return nil }
        return (Data(bytes[8..<(8 + length)]), Data(bytes[(8 + length)...]))
    }

    private static func header(of bytes: [UInt8], secrets: TipSecrets) -> Item? {
        guard let (header, _) = parts(bytes), let plain = secrets.openSpooled(header) else { return nil }
        return try? JSONDecoder().decode(Item.self, from: plain)
    }

    /// What waits now (those another process released are left out).
    func entries() -> [(name: String, item: Item)] {
        rescan()
        return index.withLockedValue { $0.map { (name: $0.key, item: $0.value) } }
    }

    /// The files of an entry, each as it was rebuilt; nil when the spool file is gone or damaged.
    func files(of name: String, _ item: Item) -> [[UInt8]]? {
        guard let data = store.read(name), let (_, body) = Self.parts([UInt8](data)),
              let plain = secrets.openSpooled(body) else { return nil }
        let bytes = [UInt8](plain)
        guard item.files.reduce(0, { $0 + $1.size }) == bytes.count else { return nil }
        var out: [[UInt8]] = []
        var at = 0
        for f in item.files {
            out.append(Array(bytes[at..<(at + f.size)]))
            at += f.size
        }
        return out
    }

    func remove(_ names: [String]) {
        store.remove(names)
        index.withLockedValue { i in for n in names { i.removeValue(forKey: n) } }
    }

    /// A tip that waits for the release, by its code's hash.
    func tip(codeHash: String) -> Tip? {
        entries().first { $0.item.kind == .tip && $0.item.tip?.codeHash == codeHash }
            .flatMap { e in e.item.tip.map { $0.tip(id: e.item.tipID) } }
    }

    func isWaiting(tip id: UUID) -> Bool {
        entries().contains { $0.item.kind == .tip && $0.item.tipID == id }
    }

    /// How many of a tip's messages wait for the release.
    func messages(for id: UUID) -> Int {
        entries().filter { $0.item.kind == .message && $0.item.tipID == id }.count
    }
}
