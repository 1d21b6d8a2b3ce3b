import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A file checked by a preview, kept on the server (in the database, so that any server of a deployment finds it)
/// until it is confirmed or an hour has passed. The confirmation names it by a random token and reads it again
/// as it stands then, so a large commune's file is sent once.
final class ImportDraft: Model, @unchecked Sendable {
    static let schema = "import_drafts"

    @ID(key: .id) var id: UUID?
    /// Only the account that previewed it may confirm it.
    @Field(key: "owner_id") var ownerID: UUID
    /// What the file is: `members`, `villages`, `figures`.
    @Field(key: "kind") var kind: String
    /// The commune it was checked for, as the form named it.
    @OptionalField(key: "unit") var unit: String?
    @Field(key: "file") var file: Data
    @Field(key: "expires_at") var expiresAt: Date

    init() {}

    init(ownerID: UUID, kind: String, unit: String?, file: Data, expiresAt: Date) {
        self.ownerID = ownerID
        self.kind = kind
        self.unit = unit
        self.file = file
        self.expiresAt = expiresAt
    }
}

enum ImportDrafts {
    static let lifetime: TimeInterval = 3600
    /// The largest file an import takes: 20,000 members as CSV are some 1.5 MB; a workbook is smaller.
    static let maxFile: ByteCount = "16mb"

    /// Keeps a checked file; returns its token. Drafts past their hour go at the same time.
    static func keep(_ file: Data, kind: String, unit: String?, owner: UUID, now: Date = Date(), on db: any Database) async throws -> String {
        try await ImportDraft.query(on: db).filter(\.$expiresAt < now).delete()
        let draft = ImportDraft(ownerID: owner, kind: kind, unit: unit, file: file, expiresAt: now.addingTimeInterval(lifetime))
        try await draft.create(on: db)
        return try draft.requireID().uuidString
    }

    /// The file a token names, if it is this account's, of this kind and not expired.
    static func find(_ token: String?, kind: String, owner: UUID, now: Date = Date(), on db: any Database) async throws -> ImportDraft? {
        guard let id = token.flatMap({ UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
        return try await ImportDraft.query(on: db).filter(\.$id == id).filter(\.$ownerID == owner).filter(\.$kind == kind)
            .filter(\.$expiresAt >= now).first()
    }

    static func discard(_ draft: ImportDraft, on db: any Database) async throws {
        try await draft.delete(on: db)
    }
}

extension ImportDrafts {
    /// An uploaded file's bytes and its rows; nil when it is not a table (CSV in UTF-8 or an Excel workbook).
    static func sheet(of upload: ByteBuffer?) -> (file: Data, sheet: ImportSheet)? {
        guard let upload else { return nil }
        let bytes = Data(upload.readableBytesView)
        return TableFile.sheet(of: bytes).map { (bytes, $0) }
    }

    /// The file a token names (`find`) and its rows, read again as they are now; nil when either is not there.
    static func open(_ token: String?, kind: String, owner: UUID, on db: any Database) async throws -> (draft: ImportDraft, sheet: ImportSheet)? {
        guard let draft = try await find(token, kind: kind, owner: owner, on: db), let sheet = TableFile.sheet(of: draft.file) else { return nil }
        return (draft, sheet)
    }

    /// How many rows a preview lists: a commune of 20,000 members is checked whole, but a phone is not sent
    /// 20,000 rows to confirm it.
    static let previewRows = 200

    /// What a preview of `rows` checked rows says besides them: the file's notes, and how many it does not list.
    static func notes(_ sheet: ImportSheet?, rows total: Int, text t: Translator) -> [String] {
        (sheet?.notes ?? []).map { t($0.key, $0.arguments) }
            + (total > previewRows ? [t("import.note.more", ["shown": t.count(previewRows), "count": t.count(total)])] : [])
    }
}
