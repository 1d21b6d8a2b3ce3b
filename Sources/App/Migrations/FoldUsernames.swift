import Fluent
import SQLKit

/// Usernames in lower case, the one spelling sign-in looks for (`AccountDraft.folded`). Two accounts that differ
/// only in case cannot both keep their name: the migration stops, names them, and changes nothing, for an operator
/// to rename one first.
struct FoldUsernames: AsyncMigration {
    struct Clash: Error, Equatable, CustomStringConvertible {
        var names: [String]
        var description: String {
            "Accounts whose usernames differ only in case: \(names.joined(separator: ", ")). Rename all but one of each "
                + "(UPDATE users SET username = '…' WHERE id = '…'), then run the migrations again."
        }
    }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        struct Row: Decodable { var username: String }
        let rows = try await sql.raw("SELECT username FROM users WHERE lower(username) IN (SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1) ORDER BY username")
            .all(decoding: Row.self)
        guard rows.isEmpty else { throw Clash(names: rows.map(\.username)) }
        try await sql.raw("UPDATE users SET username = lower(username) WHERE username <> lower(username)").run()
    }

    func revert(on database: any Database) async throws {}
}
