import Foundation
import ThiDuaCore
import Vapor

/// Uploaded files (tips' attachments, evidence of a self-assessment), in a folder of the data folder under random
/// names, never served by the file middleware; each written and synced to disk before the row that names it is
/// committed.
struct FileStore: Sendable {
    /// The folders, one per kind of file.
    static let tipFiles = "tip-files"
    static let evidenceFiles = "evidence-files"
    static let nominationFiles = "nomination-files"

    let directory: String
    /// The application's pool for blocking work, never the process-wide one: that one has a thread per core, which
    /// anything else in the process that blocks (a library, a test's socket) can take from under a request's write.
    let pool: NIOThreadPool

    init(dataDirectory: String, folder: String, pool: NIOThreadPool) {
        directory = (dataDirectory as NSString).appendingPathComponent(folder)
        self.pool = pool
    }

    /// A file written: its kind, size and the name it was stored under.
    struct Stored: Sendable {
        var kind: AttachmentKind
        var size: Int
        var name: String
    }

    /// Writes files on the thread pool (a write and its fsync block their thread, which on the cooperative pool of
    /// two cores would stall every async handler); on a failure, those already written are removed.
    func writeAll(_ files: [(AttachmentKind, [UInt8])], day: Date? = nil) async throws -> [Stored] {
        let store = self
        return try await pool.runIfActive {
            var stored: [Stored] = []
            do {
                for (kind, bytes) in files { stored.append(Stored(kind: kind, size: bytes.count, name: try store.write(bytes, day: day))) }
            } catch {
                store.remove(stored.map(\.name))
                throw error
            }
            return stored
        }
    }

    /// Writes a file; with `day`, its times and its folder's modification time are set to that day's start (a
    /// tip's file would otherwise give its arrival to the millisecond; the inode's change time still moves).
    func write(_ bytes: [UInt8], day: Date? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let name = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else { throw AppError(.internalServerError, "error.500") }
        defer { try? handle.close() }
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
        if let day {
            try? FileManager.default.setAttributes([.modificationDate: day], ofItemAtPath: path)
            try? FileManager.default.setAttributes([.modificationDate: day], ofItemAtPath: directory)
        }
        // A new file's name is on disk only once its folder is synced too (a power cut would otherwise lose a file
        // whose bytes were synced).
        let folder = open(directory, O_RDONLY)
        guard folder >= 0 else { throw AppError(.internalServerError, "error.500") }
        defer { close(folder) }
        guard fsync(folder) == 0 else { throw AppError(.internalServerError, "error.500") }
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

    /// Files checked by their content and cleaned of metadata; a message key for the first that is refused.
    static func checked(_ files: [[UInt8]], errors: inout [String: String], field: String = "files") -> [(AttachmentKind, [UInt8])] {
        let given = files.filter { !$0.isEmpty }
        if given.count > Attachment.maximumCount { errors[field] = "tips.file.tooMany"; return [] }
        var out: [(AttachmentKind, [UInt8])] = []
        for file in given {
            switch Attachment.clean(file) {
            case .success(let cleaned): out.append(cleaned)
            case .failure(let problem):
                errors[field] = "tips.file.\(problem.rawValue)"
                return []
            }
        }
        return out
    }

    /// Whatever a downloaded file holds runs nowhere, even if a browser shows it instead of saving it.
    static let downloadPolicy = "sandbox; default-src 'none'; frame-ancestors 'none'"

    /// A stored file as an attachment, never shown inline, its type as read from its content.
    static func download(_ data: Data, kind: AttachmentKind, name: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: kind.mediaType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).\(kind.fileExtension)\"")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: FileStore.downloadPolicy)
        return response
    }
}
